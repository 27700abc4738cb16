//! `StreamThread`: one OS thread running a consumer, a producer and a
//! [`TaskManager`].
//!
//! The loop (Kafka Streams' `runOnce`): poll a batch → route records to
//! their tasks (pausing partitions whose buffers are full) → restore a
//! bounded step of the RESTORING tasks (the `StateUpdater`; tasks whose
//! stores caught up start RUNNING) → process a bounded batch per RUNNING
//! task → wall-clock punctuation → resume drained partitions → commit when
//! `commit.interval.ms` elapsed or a task asked. While tasks restore the
//! poll does not wait, so restoring never keeps the thread from polling
//! for longer than one step (~100 ms) and `max.poll.interval.ms` is never
//! exceeded because of it.
//!
//! Failure handling: a Kafka error in the produce/commit path or fencing
//! closes every task dirty (aborting the transaction), drops consumer and
//! producer, and starts over with new ones — rejoining the group and
//! resuming from the committed offsets. Other errors go to the uncaught
//! error handler: replace the thread (start over likewise) or shut the
//! client down. A replaced thread keeps its index, hence its
//! `transactional.id`, which fences whatever its predecessor left open.
//! Starting over is bounded by `task.timeout.ms`: once the cluster has been
//! unreachable that long (no broker up, or attempt after attempt failing
//! with Kafka errors), the error becomes [`Error::BrokerUnreachable`] and
//! goes to the handler.
//!
//! Metrics ([`ThreadMetrics`]) are recorded once per loop iteration and
//! outlive restarts; everything the thread does runs in a `stream_thread`
//! tracing span named after it.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::client::ClientShared;
use super::error_handler::{is_task_migrated, StreamThreadExceptionResponse};
use super::repartition_purge::RepartitionPurge;
use super::state::ThreadState;
use super::task::TaskConfig;
use super::task_manager::TaskManager;
use super::topology_metadata::TopologyMetadata;
use crate::config::{ProcessingGuarantee, StreamsConfig};
use crate::kafka::client_config::{admin_config, consumer_config, producer_config};
use crate::kafka::consumer::{ConsumerHandle, RebalanceListener, StreamsConsumer, TopicPartition};
use crate::kafka::delete_records::RecordDeleter;
use crate::kafka::is_fatal;
use crate::kafka::producer::StreamsProducer;
use crate::kafka::unreachable::Unreachable;
use crate::metrics::ThreadMetrics;
use crate::topology::Topology;
use crate::{Error, Result};

/// Records taken from the consumer per loop.
const MAX_POLL_RECORDS: usize = 1000;
/// Records processed per task per loop.
const MAX_PROCESS_PER_TASK: usize = 1000;
/// Pause before starting over after an error.
const RESTART_BACKOFF: Duration = Duration::from_millis(500);

/// Everything a stream thread needs; moved into its OS thread.
pub(crate) struct StreamThread {
    pub(crate) index: usize,
    pub(crate) name: String,
    pub(crate) process_id: String,
    pub(crate) config: Arc<StreamsConfig>,
    pub(crate) topology: Arc<Topology>,
    pub(crate) metadata: Arc<TopologyMetadata>,
    pub(crate) client: Arc<ClientShared>,
    pub(crate) state: Arc<super::instance_state::InstanceState>,
}

thread_local! {
    /// The task manager of the stream thread running on this OS thread.
    /// librdkafka runs rebalance callbacks inside `poll` (and inside the
    /// consumer's drop), always on the thread that owns the consumer, so the
    /// callback finds its tasks here; tasks need not be `Send`.
    static TASK_MANAGER: RefCell<Option<Rc<RefCell<TaskManager>>>> = const { RefCell::new(None) };
}

/// Runs `f` on this thread's task manager, if there is one and it is not
/// borrowed (the poll loop never holds it across `poll`).
fn with_task_manager(f: impl FnOnce(&mut TaskManager)) {
    let tm = TASK_MANAGER.with(|cell| cell.borrow().clone());
    let Some(tm) = tm else {
        tracing::debug!("rebalance callback with no task manager on this thread");
        return;
    };
    let Ok(mut tm) = tm.try_borrow_mut() else {
        tracing::error!("rebalance callback while the task manager is in use; ignored");
        return;
    };
    f(&mut tm);
}

/// The consumer's rebalance hook: reaches the task manager from inside `poll`.
struct ThreadRebalanceListener {
    client: Arc<ClientShared>,
    index: usize,
}

impl RebalanceListener for ThreadRebalanceListener {
    fn on_partitions_revoked(
        &self,
        consumer: ConsumerHandle<'_>,
        _partitions: &[TopicPartition],
        lost: bool,
    ) {
        with_task_manager(|tm| tm.handle_revocation(consumer, lost));
        if !self.client.shutdown_requested() {
            self.client
                .set_thread_state(self.index, ThreadState::PartitionsRevoked);
        }
    }
    fn on_partitions_assigned(&self, consumer: ConsumerHandle<'_>, partitions: &[TopicPartition]) {
        with_task_manager(|tm| tm.handle_assignment(consumer, partitions));
        self.client
            .set_thread_state(self.index, ThreadState::PartitionsAssigned);
    }
}

fn wall_clock_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A Kafka error the thread would restart after (`task migrated`, not a
/// fencing) starts the `task.timeout.ms` clock; past the bound it becomes
/// [`Error::BrokerUnreachable`], for the uncaught exception handler.
fn past_task_timeout(error: Error, unreachable: &Unreachable) -> Error {
    if !is_task_migrated(&error) || matches!(error, Error::ProducerFenced(_)) {
        return error;
    }
    unreachable.blocked();
    match unreachable.exceeded() {
        Some(waited) => unreachable.error(waited, &error),
        None => error,
    }
}

impl StreamThread {
    /// Starts the OS thread.
    pub(crate) fn spawn(self) -> Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name(self.name.clone())
            .spawn(move || self.run())
            .map_err(|e| Error::io("spawning a stream thread", e))
    }

    fn run(self) {
        let span = tracing::info_span!("stream_thread", thread = %self.name);
        let _entered = span.enter();
        let mut metrics = ThreadMetrics::new(self.client.metrics.clone(), &self.name);
        // `task.timeout.ms`: runs while the cluster is unreachable, across restarts.
        let clock = Arc::new(Unreachable::new(
            self.config.get_bootstrap_servers(),
            self.config.task_timeout(),
        ));
        loop {
            self.client
                .set_thread_state(self.index, ThreadState::Starting);
            let result = catch_unwind(AssertUnwindSafe(|| self.run_clients(&mut metrics, &clock)))
                .unwrap_or_else(|panic| {
                    let message = panic
                        .downcast_ref::<&str>()
                        .map(ToString::to_string)
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into());
                    Err(Error::IllegalState(format!(
                        "stream thread panicked: {message}"
                    )))
                });
            let result = result.map_err(|e| past_task_timeout(e, &clock));
            match result {
                Ok(()) => break,
                Err(e) if self.client.shutdown_requested() => {
                    tracing::warn!(thread = %self.name, error = %e, "error while shutting down");
                    break;
                }
                Err(e) if is_task_migrated(&e) => {
                    tracing::warn!(
                        thread = %self.name, error = %e,
                        "task migrated (producer fenced or group generation lost) or Kafka error: \
                         tasks closed dirty, transaction aborted; recreating clients and rejoining"
                    );
                    std::thread::sleep(RESTART_BACKOFF);
                }
                Err(e) => match self.client.handle_uncaught(&self.name, &e) {
                    StreamThreadExceptionResponse::ReplaceThread => {
                        // A replacement gets the whole `task.timeout.ms` again.
                        clock.reached();
                        tracing::warn!(thread = %self.name, "replacing the failed stream thread");
                        std::thread::sleep(RESTART_BACKOFF);
                    }
                    StreamThreadExceptionResponse::ShutdownClient => break,
                },
            }
            if self.client.shutdown_requested() {
                break;
            }
        }
        self.client.thread_exited(self.index);
        tracing::info!(thread = %self.name, "stream thread exited");
    }

    /// Creates consumer, producer and task manager, runs the loop, and tears
    /// everything down (cleanly on shutdown, dirty on error).
    fn run_clients(&self, metrics: &mut ThreadMetrics, clock: &Arc<Unreachable>) -> Result<()> {
        let transactional_id = match self.config.guarantee() {
            ProcessingGuarantee::ExactlyOnceV2 => Some(format!(
                "{}-{}-{}",
                self.config.application_id(),
                self.process_id,
                self.index
            )),
            ProcessingGuarantee::AtLeastOnce => None,
        };
        let producer_cfg = producer_config(
            &self.config,
            &format!("{}-producer", self.name),
            transactional_id.as_deref(),
        );
        let producer = StreamsProducer::new(&producer_cfg)?;
        let task_config = TaskConfig {
            application_id: self.config.application_id().to_owned(),
            thread_id: metrics.thread_id().to_owned(),
            max_task_idle_ms: self.config.task_idle_ms(),
            buffered_records_per_partition: self.config.buffered_records(),
            errors: crate::errors::ErrorHandlers::new(
                self.config.errors.clone(),
                metrics.registry().clone(),
            ),
            node_settings: crate::processor::node::NodeSettings {
                outer_join_emit_interval_ms: self.config.outer_join_emit_interval_ms(),
            },
        };
        let tasks = Rc::new(RefCell::new(TaskManager::new(
            self.name.clone(),
            self.topology.clone(),
            self.metadata.clone(),
            task_config,
            self.config.commit_interval(),
            producer,
            metrics.task_counters(),
        )));
        tasks
            .borrow_mut()
            .set_state_support(self.state.for_thread(&self.config, &self.name)?);
        if !self.metadata.internal_topics.is_empty() {
            let deleter =
                RecordDeleter::new(&admin_config(&self.config, &format!("{}-admin", self.name)))?;
            tasks
                .borrow_mut()
                .set_repartition_purge(RepartitionPurge::new(
                    self.metadata.internal_topics.iter().map(|(t, _)| t.clone()),
                    self.config.repartition_purge_interval(),
                    deleter,
                ));
        }
        TASK_MANAGER.with(|cell| *cell.borrow_mut() = Some(tasks.clone()));
        let listener = Arc::new(ThreadRebalanceListener {
            client: self.client.clone(),
            index: self.index,
        });
        let consumer_cfg = consumer_config(&self.config, &format!("{}-consumer", self.name));
        let topics = self.metadata.source_topics();
        let result = StreamsConsumer::new(&consumer_cfg, listener, &topics, clock.clone())
            .and_then(|mut consumer| {
                let result = self.poll_loop(&mut consumer, &tasks, metrics);
                self.teardown(&consumer, &tasks, &result);
                // Dropping the consumer leaves the group; its revoke callback finds no tasks.
                drop(consumer);
                result
            });
        TASK_MANAGER.with(|cell| *cell.borrow_mut() = None);
        result
    }

    /// Closes the tasks: committing them after a clean stop, dirty after an error.
    fn teardown(
        &self,
        consumer: &StreamsConsumer,
        tasks: &RefCell<TaskManager>,
        result: &Result<()>,
    ) {
        let mut tasks = tasks.borrow_mut();
        match result {
            Ok(()) => {
                self.client
                    .set_thread_state(self.index, ThreadState::PendingShutdown);
                if let Err(e) = tasks.close_all_clean(consumer.handle()) {
                    tracing::warn!(thread = %self.name, error = %e, "final commit failed; tasks closed dirty");
                }
            }
            Err(_) => tasks.close_all_dirty(),
        }
    }

    fn poll_loop(
        &self,
        consumer: &mut StreamsConsumer,
        tasks: &RefCell<TaskManager>,
        metrics: &mut ThreadMetrics,
    ) -> Result<()> {
        let poll_timeout = self.config.poll_interval();
        let mut idle = true;
        let mut batch = Vec::with_capacity(MAX_POLL_RECORDS);
        // Fetched lags (from the consumer's statistics) last handed to the
        // tasks, by report version and task generation.
        let (mut lags_seen, mut lags_generation) = (0u64, u64::MAX);
        let mut latest_lags = std::collections::HashMap::new();
        let lags_known = consumer.reports_fetched_lags();
        while !self.client.shutdown_requested() {
            // Poll without holding the task manager: rebalance callbacks take it.
            let mut timeout = if idle { poll_timeout } else { Duration::ZERO };
            let mut generation = tasks.borrow().generation();
            let poll_started = Instant::now();
            while batch.len() < MAX_POLL_RECORDS {
                let polled = consumer.poll(timeout);
                let now_generation = tasks.borrow().generation();
                if now_generation != generation {
                    // A rebalance ran inside `poll`: what was polled before
                    // belongs to closed tasks and will be re-read.
                    batch.clear();
                    generation = now_generation;
                }
                match polled {
                    Ok(Some(record)) => batch.push(record),
                    Ok(None) => break,
                    Err(e) if is_fatal(&e) => return Err(e),
                    Err(e) => {
                        tracing::warn!(thread = %self.name, error = %e, "consumer error");
                        break;
                    }
                }
                timeout = Duration::ZERO;
            }
            let mut tm = tasks.borrow_mut();
            if let Some(e) = tm.take_pending_error() {
                return Err(e);
            }
            if tm.take_assigned() {
                self.client
                    .set_thread_state(self.index, ThreadState::Running);
            }
            let polled = batch.len();
            metrics.record_poll(poll_started.elapsed(), polled);
            let to_pause: Vec<TopicPartition> =
                batch.drain(..).filter_map(|r| tm.add_record(r)).collect();
            if !to_pause.is_empty() {
                consumer.pause(&to_pause)?;
            }
            if lags_known {
                if let Some((version, lags)) = consumer.fetched_lags_since(lags_seen) {
                    lags_seen = version;
                    latest_lags = lags;
                    lags_generation = u64::MAX;
                    metrics.set_lags(&latest_lags);
                }
                if lags_generation != tm.generation() {
                    tm.set_fetched_lags(&latest_lags);
                    lags_generation = tm.generation();
                }
            }
            // The state updater's bounded step (RESTORING tasks).
            let restoring = tm.restore(consumer.handle())?;
            let now = wall_clock_ms();
            let started = Instant::now();
            let processed = tm.process(now, MAX_PROCESS_PER_TASK)?;
            let punctuate_started = Instant::now();
            metrics.record_process(punctuate_started - started, processed);
            let punctuated = tm.punctuate(now)?;
            metrics.record_punctuate(punctuate_started.elapsed(), punctuated);
            let to_resume = tm.partitions_to_resume();
            if !to_resume.is_empty() {
                consumer.resume(&to_resume)?;
            }
            if tm.commit_needed() {
                let started = Instant::now();
                tm.commit(consumer.handle())?;
                metrics.record_commit(started.elapsed(), tm.task_count());
            }
            idle = polled == 0 && processed == 0 && !restoring;
        }
        Ok(())
    }
}
