//! `GlobalStreamThread`: keeps the global stores of an instance up to date,
//! as Kafka Streams' class of that name.
//!
//! Life of the thread:
//! 1. bootstrap — open the global stores (`GlobalStateUpdateTask`), assign
//!    *all* partitions of every global topic to a group-less consumer
//!    (from the checkpointed offsets, or the log start), and apply records
//!    until every partition has reached its end. `KafkaStreams::start`
//!    waits for this before it starts any stream thread, so the very first
//!    stream record already sees the whole global table (Java's
//!    `GlobalStreamThread.start` waiting for RUNNING);
//! 2. running — apply new records as they come; every
//!    `commit.interval.ms`, flush the stores and write the checkpoint if
//!    more than 10 000 records were applied since the last one (Java's
//!    `GlobalStateUpdateTask.maybeCheckpoint`);
//! 3. shutdown — flush, checkpoint, close the stores.
//!
//! Failure: an error during bootstrap fails `start()`; an error while
//! running moves the client to ERROR (`ClientShared::global_thread_failed`)
//! with the error as its last error: never a silent death.

use std::collections::{HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::client::ClientShared;
use super::global_task::GlobalStateUpdateTask;
use super::instance_state::InstanceState;
use crate::config::{ProcessingGuarantee, StreamsConfig};
use crate::kafka::global_consumer::{GlobalConsumer, GlobalPoll};
use crate::kafka::is_fatal;
use crate::processor::stores::TaskStore;
use crate::processor::{ProducedRecord, RecordCollector};
use crate::topology::Topology;
use crate::{Error, Result};

/// How long the bootstrap may go without any progress before it fails.
const BOOTSTRAP_STALL_TIMEOUT: Duration = Duration::from_secs(120);
/// Records applied per consumer per round.
const MAX_RECORDS_PER_ROUND: usize = 1000;

/// Everything the global thread needs; moved into its OS thread.
pub(crate) struct GlobalStreamThread {
    pub(crate) name: String,
    pub(crate) config: Arc<StreamsConfig>,
    pub(crate) topology: Arc<Topology>,
    /// Partition counts of the global topics on the broker.
    pub(crate) partitions: HashMap<String, i32>,
    pub(crate) client: Arc<ClientShared>,
    pub(crate) state: Arc<InstanceState>,
}

/// The global thread has no producer: a dead-letter record of a poison
/// global record is logged and dropped.
struct NoProducer;

impl RecordCollector for NoProducer {
    fn send(&mut self, record: ProducedRecord) -> Result<()> {
        tracing::warn!(topic = %record.topic, "the global thread cannot produce; dead-letter record dropped");
        Ok(())
    }

    fn partition_count(&mut self, _topic: &str) -> Result<i32> {
        Ok(1)
    }
}

/// The bootstrapped global state and its consumers.
struct Running {
    task: GlobalStateUpdateTask,
    consumers: Vec<GlobalConsumer>,
}

impl GlobalStreamThread {
    /// Spawns the thread and waits for its bootstrap; on success the
    /// global stores are handed to the instance (for the stream threads),
    /// else the bootstrap's error is returned and the thread has ended.
    pub(crate) fn start(self) -> Result<JoinHandle<()>> {
        let (started, bootstrapped) = mpsc::channel();
        let state = self.state.clone();
        let handle = std::thread::Builder::new()
            .name(self.name.clone())
            .spawn(move || self.run(started))
            .map_err(|e| Error::io("spawning the global thread", e))?;
        let outcome = bootstrapped.recv();
        match outcome {
            Ok(Ok(stores)) => {
                state.set_global_stores(stores);
                Ok(handle)
            }
            Ok(Err(e)) => {
                let _ = handle.join();
                Err(e)
            }
            Err(_) => {
                let _ = handle.join();
                Err(Error::IllegalState(
                    "the global thread ended during its bootstrap".into(),
                ))
            }
        }
    }

    fn run(self, started: mpsc::Sender<Result<Vec<Arc<dyn TaskStore>>>>) {
        let mut running = match catch_unwind(AssertUnwindSafe(|| self.bootstrap()))
            .unwrap_or_else(|panic| Err(panicked(&*panic)))
        {
            Ok(running) => running,
            Err(e) => {
                let _ = started.send(Err(e));
                return;
            }
        };
        tracing::info!(thread = %self.name, "global stores bootstrapped");
        if started.send(Ok(running.task.stores())).is_err() {
            running.task.close(true);
            return;
        }
        let result = catch_unwind(AssertUnwindSafe(|| self.poll_loop(&mut running)))
            .unwrap_or_else(|panic| Err(panicked(&*panic)));
        match result {
            Ok(()) => {
                // As Java, the global thread stops after the stream
                // threads, which read its stores until they are gone.
                let deadline = Instant::now() + Duration::from_secs(60);
                while !self.client.all_threads_dead() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(10));
                }
                running.task.close(true);
            }
            Err(e) => {
                running.task.close(false);
                self.client.global_thread_failed(&self.name, &e);
            }
        }
        tracing::info!(thread = %self.name, "global thread exited");
    }

    /// Opens the global stores and reads every global topic partition to
    /// its end.
    fn bootstrap(&self) -> Result<Running> {
        let app = self.config.application_id();
        let eos = self.config.guarantee() == ProcessingGuarantee::ExactlyOnceV2;
        let errors = crate::errors::ErrorHandlers::new(
            self.config.errors.clone(),
            self.client.metrics.clone(),
        );
        let env = self.state.global_env(&self.config);
        let mut task = GlobalStateUpdateTask::open(&self.topology, app, &env, errors)?;
        let mut consumers = Vec::new();
        let mut pending: HashSet<(String, i32)> = HashSet::new();
        for topic in task.topics() {
            let count = self.partitions.get(&topic).copied().ok_or_else(|| {
                Error::Topic(format!(
                    "global table topic `{topic}` does not exist; create it before starting the application"
                ))
            })?;
            let consumer = GlobalConsumer::new(
                &self.config,
                &format!("{}-global-consumer-{topic}", self.name),
                &topic,
                eos,
            )?;
            let starts: Vec<(i32, Option<i64>)> = (0..count)
                .map(|p| (p, task.start_offset(&topic, p)))
                .collect();
            consumer.assign(&starts)?;
            pending.extend((0..count).map(|p| (topic.clone(), p)));
            consumers.push(consumer);
        }
        let mut last_progress = Instant::now();
        while !pending.is_empty() {
            if self.client.shutdown_requested() {
                return Err(Error::IllegalState(
                    "the client was closed during the global stores' bootstrap".into(),
                ));
            }
            if last_progress.elapsed() > BOOTSTRAP_STALL_TIMEOUT {
                return Err(Error::IllegalState(format!(
                    "bootstrapping the global stores made no progress for {} s (still reading {pending:?}); is the broker reachable?",
                    BOOTSTRAP_STALL_TIMEOUT.as_secs()
                )));
            }
            for consumer in &consumers {
                match consumer.poll(Duration::from_millis(10)) {
                    Ok(GlobalPoll::Record(record)) => {
                        last_progress = Instant::now();
                        task.update(record, &mut NoProducer)?;
                    }
                    Ok(GlobalPoll::End(topic, partition)) => {
                        last_progress = Instant::now();
                        pending.remove(&(topic, partition));
                    }
                    Ok(GlobalPoll::Idle) => {}
                    Err(e) if is_fatal(&e) => return Err(e),
                    Err(e) => {
                        tracing::warn!(thread = %self.name, error = %e, "global consumer error")
                    }
                }
            }
        }
        task.flush_and_checkpoint()?;
        Ok(Running { task, consumers })
    }

    /// Applies new global records until shutdown, checkpointing when due
    /// (looked at every commit interval).
    fn poll_loop(&self, running: &mut Running) -> Result<()> {
        let commit_interval = self.config.commit_interval();
        let idle_wait = self.config.poll_interval() / running.consumers.len().max(1) as u32;
        let mut last_commit = Instant::now();
        let mut idle = false;
        while !self.client.shutdown_requested() {
            let mut applied = 0;
            for consumer in &running.consumers {
                let mut timeout = if idle { idle_wait } else { Duration::ZERO };
                for _ in 0..MAX_RECORDS_PER_ROUND {
                    match consumer.poll(timeout) {
                        Ok(GlobalPoll::Record(record)) => {
                            running.task.update(record, &mut NoProducer)?;
                            applied += 1;
                        }
                        Ok(GlobalPoll::End(..)) => {}
                        Ok(GlobalPoll::Idle) => break,
                        Err(e) if is_fatal(&e) => return Err(e),
                        Err(e) => {
                            tracing::warn!(thread = %self.name, error = %e, "global consumer error");
                            break;
                        }
                    }
                    timeout = Duration::ZERO;
                }
            }
            idle = applied == 0;
            // As Java, the interval restarts only when a checkpoint is written.
            if last_commit.elapsed() >= commit_interval && running.task.maybe_checkpoint()? {
                last_commit = Instant::now();
            }
        }
        Ok(())
    }
}

fn panicked(panic: &(dyn std::any::Any + Send)) -> Error {
    let message = panic
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    Error::IllegalState(format!("global thread panicked: {message}"))
}
