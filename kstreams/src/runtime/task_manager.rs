//! `TaskManager`: the tasks of one stream thread, and its commits.
//!
//! Owns the thread's [`StreamTask`]s and its producer. It is shared, as a
//! thread-local `Rc<RefCell<_>>` of its stream thread, between the thread's
//! poll loop and the consumer's rebalance callback, which runs inside
//! `poll` on the same thread; the poll loop never holds the borrow while
//! polling.
//!
//! Commit protocol:
//! - exactly-once v2: every task's `prepare_commit` (record caches flush
//!   into the open transaction) → drain the producer → send the offsets
//!   with the consumer's group metadata → commit the transaction;
//! - at-least-once: `prepare_commit` → flush the producer (every record
//!   acknowledged) → commit the offsets synchronously → flush the stores
//!   and checkpoint when enough changelog records accumulated.
//!
//! Stores are made durable (and checkpointed) only then and on a clean
//! close, never on every commit: see `state_manager`. After a commit,
//! committed records of repartition topics are purged, at most every
//! `repartition.purge.interval.ms` (`repartition_purge`).
//!
//! On any error the caller closes everything dirty: the transaction is
//! aborted and tasks drop their buffers; input is re-read from the last
//! committed offsets.
//!
//! Rebalances (eager `range`, librdkafka's classic protocol) close only
//! the tasks that move, as Java's `TaskManager.handleRevocation` /
//! `handleAssignment` under the eager protocol:
//! - on revocation, every RUNNING task is committed, checkpointed (it
//!   takes no writes until resumed, so the checkpoint is valid even under
//!   exactly-once) and SUSPENDED: kept open, its buffered records dropped;
//!   a RESTORING task is closed with a checkpoint of what it restored;
//! - on assignment, suspended tasks not in the new assignment are closed
//!   (their stores flushed; the checkpoint written at suspension stays,
//!   never rewritten here: the new owner may already write their
//!   changelogs), kept ones resume RUNNING from the group's committed
//!   offsets and partition times (under exactly-once their checkpoint is
//!   deleted again), new ones are created: RESTORING when they have
//!   logged stores (restored by the [`StateUpdater`] from the poll loop,
//!   their partitions paused meanwhile), RUNNING otherwise;
//! - partitions `lost` (this member was fenced out): every task is closed
//!   dirty.
//!
//! A kept task whose partitions' committed offsets changed while it was
//! suspended (someone else processed them) is closed dirty and created
//! anew instead. Cooperative rebalancing (`cooperative-sticky`) is not an
//! option: it does not keep partition *p* of every co-partitioned input
//! topic on one member, and a task needs all of them.
//!
//! The thread reports RUNNING once an assignment arrived and no task is
//! restoring any more (Java's `StreamThread` stays PARTITIONS_ASSIGNED
//! until `checkStateUpdater` finds every task running).
//!
//! Tracing: rebalances run in a `rebalance` span, each task's restore,
//! processing and commit in a `restore` / `process` / `commit` span with
//! its `task` id, inside the thread's `stream_thread` span.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::changelog_reader::TaskStateSupport;
use super::record_collector::KafkaRecordCollector;
use super::repartition_purge::RepartitionPurge;
use super::state_updater::StateUpdater;
use super::task::{StreamTask, TaskConfig, TaskState};
use super::topology_metadata::TopologyMetadata;
use crate::kafka::consumer::{ConsumerHandle, TopicPartition};
use crate::kafka::producer::StreamsProducer;
use crate::metrics::TaskCounters;
use crate::processor::{ConsumedRecord, TaskId};
use crate::topology::Topology;
use crate::{Error, Result};

/// How long an at-least-once flush may take before the commit fails.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(60);

/// The tasks of one stream thread.
pub(crate) struct TaskManager {
    thread: String,
    topology: Arc<Topology>,
    metadata: Arc<TopologyMetadata>,
    task_config: TaskConfig,
    commit_interval: Duration,
    producer: StreamsProducer,
    /// Every open task: RESTORING, RUNNING or SUSPENDED.
    tasks: BTreeMap<TaskId, StreamTask>,
    /// Restores the RESTORING tasks from the poll loop.
    updater: StateUpdater,
    /// topic → partition → task.
    routes: HashMap<String, HashMap<i32, TaskId>>,
    /// Partitions paused because their buffers are full (back-pressure);
    /// those of RESTORING tasks are paused besides, not listed here.
    paused: HashSet<TopicPartition>,
    last_commit: Instant,
    /// An error raised inside a rebalance callback, surfaced after `poll`.
    pending_error: Option<Error>,
    /// Set by the assign callback; cleared when the thread reports RUNNING
    /// (once no task is restoring).
    assigned: bool,
    /// Bumped by every revocation and assignment: records polled under an
    /// older generation must be dropped (the new tasks re-read them from
    /// the committed offsets).
    generation: u64,
    /// Where tasks keep their stores; how they restore and checkpoint them.
    state: TaskStateSupport,
    /// Deletes committed records of repartition topics (none without them).
    purge: Option<RepartitionPurge>,
    /// The thread's `task-created` / `task-closed` sensors.
    counters: TaskCounters,
}

impl TaskManager {
    pub(crate) fn new(
        thread: String,
        topology: Arc<Topology>,
        metadata: Arc<TopologyMetadata>,
        task_config: TaskConfig,
        commit_interval: Duration,
        producer: StreamsProducer,
        counters: TaskCounters,
    ) -> Self {
        TaskManager {
            thread,
            topology,
            metadata,
            task_config,
            commit_interval,
            producer,
            tasks: BTreeMap::new(),
            updater: StateUpdater::default(),
            routes: HashMap::new(),
            paused: HashSet::new(),
            last_commit: Instant::now(),
            pending_error: None,
            assigned: false,
            generation: 0,
            state: TaskStateSupport::default(),
            purge: None,
            counters,
        }
    }

    /// Applies a new assignment: closes the suspended tasks not in it,
    /// resumes the kept ones and creates the new ones, each starting from
    /// what the group committed for its partitions (offsets, partition
    /// times, processor metadata); see the module docs.
    pub(crate) fn handle_assignment(
        &mut self,
        consumer: ConsumerHandle<'_>,
        partitions: &[TopicPartition],
    ) {
        let _span = tracing::info_span!("rebalance", event = "assigned").entered();
        let committed = match consumer.committed(partitions) {
            Ok(c) => c,
            Err(e) => {
                // Without them the tasks start from unknown partition
                // times, and a windowed aggregation emitting on window
                // close may emit final results again; processing is
                // still correct otherwise. Java retries until
                // task.timeout.ms; the next rebalance retries here.
                // Under read_committed the fetch also waits while a
                // transaction holding offsets for these partitions is
                // open: a previous producer's, which the coordinator
                // aborts within transaction.timeout.ms, or a hanging one
                // (its markers never written), which blocks the group
                // until an operator aborts it.
                tracing::warn!(
                    thread = %self.thread, error = %e,
                    "fetching the committed offsets' metadata failed; tasks start without their \
                     committed partition times. If no records are processed after this, an open \
                     transaction may hold the group's offsets: `kafka-transactions.sh find-hanging` \
                     lists hanging ones and `kafka-transactions.sh abort` ends one"
                );
                Vec::new()
            }
        };
        let wanted = self.metadata.tasks_for(partitions);
        let (mut closed, mut kept, mut created) = (Vec::new(), Vec::new(), Vec::new());
        let stale: Vec<TaskId> = self
            .tasks
            .keys()
            .filter(|id| !wanted.contains(id))
            .copied()
            .collect();
        for id in stale {
            self.close_task(id, CloseMode::Moved);
            closed.push(id);
        }
        let mut to_pause = Vec::new();
        for id in wanted {
            if let Some(task) = self.tasks.get_mut(&id) {
                match task.task_state() {
                    TaskState::Suspended if task.matches_committed(&committed) => {
                        // Java's `StreamTask.resume`: under exactly-once
                        // the checkpoint goes away while it processes.
                        task.initialize_from_committed(&committed);
                        if let Err(e) = task.state().restoration_done() {
                            self.pending_error.get_or_insert(e);
                        }
                        task.transition_to_running();
                        kept.push(id);
                        continue;
                    }
                    TaskState::Suspended => {
                        tracing::warn!(thread = %self.thread, task = %id, "the committed offsets of a suspended task changed (another member processed it); closing it dirty and restoring it anew");
                        self.close_task(id, CloseMode::Dirty);
                    }
                    // Not revoked first (eager always revokes): keep it.
                    TaskState::Running | TaskState::Restoring => {
                        kept.push(id);
                        continue;
                    }
                }
            }
            match StreamTask::new(id, &self.topology, &self.task_config, &self.state.env) {
                Ok(mut task) => {
                    task.initialize_from_committed(&committed);
                    if task.state().logged_stores().is_empty() {
                        self.start_running(&mut task);
                    } else {
                        self.updater.add(&task);
                        to_pause.extend(task.input_partitions());
                    }
                    self.tasks.insert(id, task);
                    self.counters.created();
                    created.push(id);
                }
                Err(e) => {
                    self.pending_error.get_or_insert(e);
                }
            }
        }
        if !to_pause.is_empty() {
            if let Err(e) = consumer.pause(&to_pause) {
                self.pending_error.get_or_insert(e);
            }
        }
        self.rebuild_routes();
        self.assigned = true;
        self.generation += 1;
        let names = |ids: &[TaskId]| ids.iter().map(ToString::to_string).collect::<Vec<_>>();
        tracing::info!(
            thread = %self.thread,
            kept = ?names(&kept),
            created = ?names(&created),
            closed = ?names(&closed),
            restoring = self.updater.has_restoring(),
            "partitions assigned"
        );
    }

    /// A task starts processing: its stores are restored (queries may read
    /// them; under exactly-once its checkpoint goes away).
    fn start_running(&mut self, task: &mut StreamTask) {
        task.state().mark_restored();
        if let Err(e) = task.state().restoration_done() {
            self.pending_error.get_or_insert(e);
        }
        task.transition_to_running();
    }

    /// One bounded restoration step (see `state_updater`): tasks whose
    /// stores caught up start RUNNING and their partitions are resumed
    /// (unless full buffers paused them). Returns whether tasks are still
    /// restoring.
    pub(crate) fn restore(&mut self, consumer: ConsumerHandle<'_>) -> Result<bool> {
        if !self.updater.has_restoring() {
            return Ok(false);
        }
        let done = self.updater.restore(&self.tasks, &self.state)?;
        let mut to_resume = Vec::new();
        for id in done {
            let Some(mut task) = self.tasks.remove(&id) else {
                continue;
            };
            self.start_running(&mut task);
            to_resume.extend(
                task.input_partitions()
                    .into_iter()
                    .filter(|tp| !self.paused.contains(tp)),
            );
            tracing::info!(thread = %self.thread, task = %id, "task restored; processing");
            self.tasks.insert(id, task);
        }
        if !to_resume.is_empty() {
            consumer.resume(&to_resume)?;
        }
        Ok(self.updater.has_restoring())
    }

    /// Closes one task and forgets it. `Moved`: a suspended task whose
    /// partitions went elsewhere (its checkpoint was written when it was
    /// suspended); a RESTORING task checkpoints what it restored.
    fn close_task(&mut self, id: TaskId, mode: CloseMode) {
        let Some(mut task) = self.tasks.remove(&id) else {
            return;
        };
        let clean = mode != CloseMode::Dirty;
        match task.task_state() {
            TaskState::Restoring => self.updater.remove(&task, &self.state, clean),
            TaskState::Running if mode == CloseMode::Clean => {
                Self::checkpoint_with(&self.state, &self.thread, &task, true)
            }
            TaskState::Running | TaskState::Suspended => {}
        }
        task.close(clean);
        self.counters.closed(1);
    }

    fn rebuild_routes(&mut self) {
        self.routes.clear();
        for (id, task) in &self.tasks {
            for (topic, partition) in task.input_partitions() {
                self.routes.entry(topic).or_default().insert(partition, *id);
            }
        }
    }

    /// Before the partitions go away: commits every RUNNING task and
    /// suspends it (Java's `TaskManager.handleRevocation`), closes the
    /// RESTORING ones with a checkpoint of what they restored; if the
    /// partitions were `lost` (another member owns them already) or the
    /// commit fails, closes every task dirty instead.
    pub(crate) fn handle_revocation(&mut self, consumer: ConsumerHandle<'_>, lost: bool) {
        let _span = tracing::info_span!("rebalance", event = if lost { "lost" } else { "revoked" })
            .entered();
        self.generation += 1;
        if lost {
            tracing::warn!(thread = %self.thread, "partitions lost: this member was fenced out of the group; closing tasks dirty");
            self.close_all_dirty();
            return;
        }
        if let Err(e) = self.commit(consumer) {
            tracing::warn!(thread = %self.thread, error = %e, "commit on revocation failed; closing tasks dirty");
            self.close_all_dirty();
            self.pending_error.get_or_insert(e);
            return;
        }
        let restoring: Vec<TaskId> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.task_state() == TaskState::Restoring)
            .map(|(id, _)| *id)
            .collect();
        for id in restoring {
            self.close_task(id, CloseMode::Clean);
        }
        for task in self.tasks.values_mut() {
            if task.task_state() == TaskState::Running {
                Self::checkpoint_with(&self.state, &self.thread, task, true);
                task.suspend();
            }
        }
        self.routes.clear();
        self.paused.clear();
        tracing::info!(thread = %self.thread, suspended = self.tasks.len(), "partitions revoked, tasks committed and suspended");
    }

    fn clear(&mut self) {
        self.counters.closed(self.tasks.len());
        self.tasks.clear();
        self.routes.clear();
        self.paused.clear();
    }

    /// Takes the error raised inside a rebalance callback, if any.
    pub(crate) fn take_pending_error(&mut self) -> Option<Error> {
        self.pending_error.take()
    }

    /// Changes whenever the assignment changes.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether an assignment arrived since the last call and its tasks
    /// are all restored: the thread is RUNNING.
    pub(crate) fn take_assigned(&mut self) -> bool {
        if self.updater.has_restoring() {
            return false;
        }
        std::mem::take(&mut self.assigned)
    }

    /// Hands every task the consumer's fetched lag of each of its input
    /// partitions; a partition missing from `lags` has an unknown lag (the
    /// task then waits for it rather than assume it is caught up).
    pub(crate) fn set_fetched_lags(&mut self, lags: &HashMap<TopicPartition, i64>) {
        for task in self.tasks.values_mut() {
            for (topic, partition) in task.input_partitions() {
                let lag = lags.get(&(topic.clone(), partition)).copied();
                task.set_fetched_lag(&topic, partition, lag);
            }
        }
    }

    /// Buffers a record in its task; returns its partition if it must now be paused.
    pub(crate) fn add_record(&mut self, record: ConsumedRecord) -> Option<TopicPartition> {
        let Some(id) = self
            .routes
            .get(&*record.topic)
            .and_then(|p| p.get(&record.partition))
        else {
            tracing::warn!(thread = %self.thread, topic = %record.topic, partition = record.partition, "record for a partition with no task; dropped");
            return None;
        };
        let task = self
            .tasks
            .get_mut(id)
            .filter(|t| t.task_state() != TaskState::Suspended)?;
        let (topic, partition) = (record.topic.clone(), record.partition);
        task.add_record(record);
        if task.buffered(&topic, partition) > self.task_config.buffered_records_per_partition {
            let tp = (topic.to_string(), partition);
            if self.paused.insert(tp.clone()) {
                return Some(tp);
            }
        }
        None
    }

    /// Paused partitions whose buffers drained; they are no longer paused.
    pub(crate) fn partitions_to_resume(&mut self) -> Vec<TopicPartition> {
        let limit = self.task_config.buffered_records_per_partition;
        let (tasks, routes) = (&self.tasks, &self.routes);
        let resume: Vec<TopicPartition> = self
            .paused
            .iter()
            .filter(|(t, p)| {
                let task = routes
                    .get(t)
                    .and_then(|m| m.get(p))
                    .and_then(|id| tasks.get(id));
                // A RESTORING task's partitions stay paused until it runs.
                task.is_none_or(|task| {
                    task.task_state() != TaskState::Restoring && task.buffered(t, *p) <= limit / 2
                })
            })
            .cloned()
            .collect();
        for tp in &resume {
            self.paused.remove(tp);
        }
        resume
    }

    /// Processes up to `max_per_task` records in every task; returns how many.
    pub(crate) fn process(&mut self, wall_clock_ms: i64, max_per_task: usize) -> Result<usize> {
        let mut collector = KafkaRecordCollector::new(&mut self.producer);
        let mut processed = 0;
        for task in running(&mut self.tasks) {
            let _span = tracing::debug_span!("process", task = %task.id()).entered();
            for _ in 0..max_per_task {
                if !task.process(wall_clock_ms, &mut collector)? {
                    break;
                }
                processed += 1;
            }
        }
        self.producer.poll();
        Ok(processed)
    }

    /// Fires due wall-clock punctuators of every task; returns how many
    /// tasks punctuated.
    pub(crate) fn punctuate(&mut self, wall_clock_ms: i64) -> Result<usize> {
        let mut collector = KafkaRecordCollector::new(&mut self.producer);
        let mut punctuated = 0;
        for task in running(&mut self.tasks) {
            punctuated += usize::from(task.punctuate_wall_clock(wall_clock_ms, &mut collector)?);
        }
        Ok(punctuated)
    }

    /// How many tasks the thread runs.
    pub(crate) fn task_count(&self) -> usize {
        self.tasks.len()
    }

    /// Whether commit.interval.ms elapsed or a task asked for a commit.
    pub(crate) fn commit_needed(&self) -> bool {
        self.last_commit.elapsed() >= self.commit_interval
            || self
                .tasks
                .values()
                .any(|t| t.task_state() == TaskState::Running && t.commit_requested())
    }

    /// Commits every RUNNING task (see the module docs for the protocol);
    /// RESTORING and SUSPENDED tasks have nothing to commit.
    pub(crate) fn commit(&mut self, consumer: ConsumerHandle<'_>) -> Result<()> {
        let mut offsets = Vec::new();
        {
            let mut collector = KafkaRecordCollector::new(&mut self.producer);
            for task in running(&mut self.tasks) {
                let _span = tracing::debug_span!("commit", task = %task.id()).entered();
                offsets.extend(task.prepare_commit(&mut collector)?);
            }
        }
        if self.producer.is_transactional() {
            let group = consumer.group_metadata()?;
            self.producer.commit_transaction(&offsets, &group)?;
        } else {
            self.producer.flush(FLUSH_TIMEOUT)?;
            consumer.commit_sync(&offsets)?;
        }
        let at_least_once = !self.producer.is_transactional();
        for task in running(&mut self.tasks) {
            task.post_commit();
            if at_least_once {
                Self::checkpoint_with(&self.state, &self.thread, task, false);
            }
        }
        self.last_commit = Instant::now();
        tracing::trace!(thread = %self.thread, partitions = offsets.len(), "committed");
        if let Some(purge) = &mut self.purge {
            // The offsets just committed (under exactly-once, with the transaction).
            purge.committed(&offsets);
            purge.maybe_purge();
        }
        Ok(())
    }

    /// Commits and closes every task; falls back to a dirty close if the
    /// commit fails (and returns that error).
    pub(crate) fn close_all_clean(&mut self, consumer: ConsumerHandle<'_>) -> Result<()> {
        if let Err(e) = self.commit(consumer) {
            self.close_all_dirty();
            return Err(e);
        }
        let ids: Vec<TaskId> = self.tasks.keys().copied().collect();
        for id in ids {
            self.close_task(id, CloseMode::Clean);
        }
        self.clear();
        Ok(())
    }

    /// Purges committed records of repartition topics after commits.
    pub(crate) fn set_repartition_purge(&mut self, purge: RepartitionPurge) {
        self.purge = Some(purge);
    }

    /// Sets where tasks keep state and how they restore it.
    pub(crate) fn set_state_support(&mut self, state: TaskStateSupport) {
        self.state = state;
    }

    /// Flushes a task's stores and writes its checkpoint if one is due
    /// (`enforce`: on a clean close); a failure only costs a longer restore.
    fn checkpoint_with(state: &TaskStateSupport, thread: &str, task: &StreamTask, enforce: bool) {
        if let Err(e) = state.maybe_checkpoint(task, enforce) {
            tracing::warn!(thread = %thread, task = %task.id(), error = %e, "writing the checkpoint failed; the next start restores more");
        }
    }

    /// Aborts the open transaction and closes every task without flushing.
    pub(crate) fn close_all_dirty(&mut self) {
        if let Err(e) = self.producer.abort_transaction() {
            tracing::warn!(thread = %self.thread, error = %e, "aborting the transaction failed (the broker aborts it on timeout or when the producer is fenced)");
        }
        let ids: Vec<TaskId> = self.tasks.keys().copied().collect();
        for id in ids {
            self.close_task(id, CloseMode::Dirty);
        }
        self.clear();
    }
}

/// The RUNNING tasks of `tasks`.
fn running(tasks: &mut BTreeMap<TaskId, StreamTask>) -> impl Iterator<Item = &mut StreamTask> {
    tasks
        .values_mut()
        .filter(|t| t.task_state() == TaskState::Running)
}

/// How a task is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CloseMode {
    /// After a commit: RUNNING tasks checkpoint, RESTORING ones checkpoint
    /// what they restored.
    Clean,
    /// Its partitions went to another member after it was suspended: its
    /// stores are closed, its checkpoint (written at suspension) stays.
    Moved,
    /// After an error or fencing: nothing is flushed or checkpointed.
    Dirty,
}
