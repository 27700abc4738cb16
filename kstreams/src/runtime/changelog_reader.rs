//! Restoring and checkpointing a stream thread's tasks, as Kafka Streams'
//! `StoreChangelogReader`.
//!
//! - A task with logged stores restores each of them from its changelog
//!   partition, from the checkpointed offset (+1) or the log start to the
//!   end (read_committed), reporting to the [`StateRestoreListener`], the
//!   restore metrics and the logs. Restoration is a [`TaskRestore`]
//!   advanced one bounded step at a time ([`TaskStateSupport::restore_step`],
//!   within a [`RestoreBudget`]) by the thread's `StateUpdater`, between
//!   polls of the main consumer; the end offsets are fetched on the first
//!   step, not in the rebalance callback. The restore consumer reads one
//!   changelog partition at a time (Java's reads all restoring partitions
//!   at once): the end of a partition (`PartitionEOF`) names no topic.
//! - A restoration stopped before its end (the task was revoked) can be
//!   checkpointed at what it restored ([`TaskStateSupport::stop_restore`]):
//!   restored stores hold committed changelog records only, so after a
//!   flush that checkpoint is valid under both guarantees.
//! - Checkpoints of running tasks: the offset of a store's changelog
//!   partition is its end (high watermark − 1) right after a commit, once
//!   the stores were flushed; when one is written (every 10 000 changelog
//!   records under at-least-once, on a clean close or suspension under
//!   both guarantees) is `ProcessorStateManager`'s rule, which also
//!   deletes the checkpoint once a task starts processing under
//!   exactly-once.
//!
//! Must never: restore while the task processes, or checkpoint a store that
//! was not flushed and committed.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::state_manager::StateEnv;
use super::task::StreamTask;
use crate::kafka::restore_consumer::{RestoreConsumer, RestoredRecord};
use crate::state::{
    restore_start_offset, ChangelogPartition, LoggingRestoreListener, RestoreRecord,
    StateRestoreListener, StateRestorer,
};
use crate::{Error, Result};

/// Records applied per batch at most (one RocksDB `WriteBatch`).
const RESTORE_BATCH: usize = 10_000;
/// How long restoring one changelog partition may go without progress
/// before it fails.
const RESTORE_STALL_TIMEOUT: Duration = Duration::from_secs(120);

/// What restoration may take from one iteration of the stream thread's
/// loop: a number of records and a deadline.
#[derive(Debug)]
pub(crate) struct RestoreBudget {
    records: usize,
    deadline: Instant,
}

impl RestoreBudget {
    /// At most `records` records, until `time` from now.
    pub(crate) fn new(records: usize, time: Duration) -> Self {
        RestoreBudget {
            records,
            deadline: Instant::now() + time,
        }
    }

    /// Whether nothing is left.
    pub(crate) fn exhausted(&self) -> bool {
        self.records == 0 || Instant::now() >= self.deadline
    }
}

/// One logged store's changelog range to restore.
#[derive(Debug)]
struct StoreRange {
    store: String,
    partition: ChangelogPartition,
    start: i64,
    end: i64,
}

/// The store being restored.
struct CurrentStore {
    restorer: StateRestorer,
    range: StoreRange,
    last_progress: Instant,
}

/// The restoration of one task's logged stores, advanced a bounded step
/// at a time by [`TaskStateSupport::restore_step`].
pub(crate) struct TaskRestore {
    /// The stores still to restore; `None` until the first step fetched
    /// their end offsets.
    pending: Option<VecDeque<StoreRange>>,
    current: Option<CurrentStore>,
    /// Per changelog partition, the offset up to which the store holds its
    /// changelog (checkpointed, then restored).
    restored_to: BTreeMap<ChangelogPartition, i64>,
    /// What this restore still counts in `restore-remaining-records-total`.
    remaining: i64,
    total: u64,
    started: Instant,
}

impl TaskRestore {
    /// A restoration of `task`'s logged stores, from their checkpoints.
    pub(crate) fn new(task: &StreamTask) -> Self {
        let restored_to = task
            .state()
            .logged_stores()
            .iter()
            .filter_map(|l| l.checkpointed.map(|o| (l.partition.clone(), o)))
            .collect();
        TaskRestore {
            pending: None,
            current: None,
            restored_to,
            remaining: 0,
            total: 0,
            started: Instant::now(),
        }
    }

    /// Whether the end offsets were fetched ([`TaskStateSupport::prepare_restore`]).
    pub(crate) fn is_prepared(&self) -> bool {
        self.pending.is_some()
    }

    /// Whether every store reached its end (the next step finishes).
    pub(crate) fn is_complete(&self) -> bool {
        self.current.is_none() && self.pending.as_ref().is_some_and(VecDeque::is_empty)
    }

    /// Changes the remaining-records gauge of `task` by `delta`.
    fn count_down(&mut self, task: &StreamTask, delta: i64) {
        self.remaining += delta;
        if let Some(g) = &task.metrics().restore_remaining {
            g.add(delta as f64);
        }
    }
}

/// What a task manager needs for its tasks' state.
pub(crate) struct TaskStateSupport {
    pub(crate) env: StateEnv,
    pub(crate) reader: Option<RestoreConsumer>,
    pub(crate) listener: Arc<dyn StateRestoreListener>,
    /// `restore.consumer.max.poll.records`: records restored per loop
    /// iteration at most (see `state_updater`).
    pub(crate) records_per_iteration: usize,
}

impl Default for TaskStateSupport {
    fn default() -> Self {
        TaskStateSupport {
            env: StateEnv::temporary(0),
            reader: None,
            listener: Arc::new(LoggingRestoreListener),
            records_per_iteration: crate::config::DEFAULT_RESTORE_MAX_POLL_RECORDS,
        }
    }
}

impl TaskStateSupport {
    fn reader(&self) -> Result<&RestoreConsumer> {
        self.reader.as_ref().ok_or_else(|| {
            Error::IllegalState(
                "this task manager has no restore consumer; stores cannot be restored".into(),
            )
        })
    }

    /// Fetches the end offsets of `task`'s changelog partitions: what
    /// `restore` will read (nothing, for stores whose checkpoint is at the
    /// end). Done once, on the first step.
    pub(crate) fn prepare_restore(
        &self,
        task: &StreamTask,
        restore: &mut TaskRestore,
    ) -> Result<()> {
        let state = task.state();
        let reader = self.reader()?;
        let mut ranges = VecDeque::new();
        for logged in state.logged_stores() {
            let (topic, partition) = (&logged.partition.topic, logged.partition.partition);
            let (low, high) = reader.watermarks(topic, partition)?;
            let start = restore_start_offset(logged.checkpointed, low);
            if start < high {
                ranges.push_back(StoreRange {
                    store: logged.store.clone(),
                    partition: logged.partition.clone(),
                    start,
                    end: high,
                });
            }
        }
        // `restore-remaining-records-total` (KIP-869): what is left,
        // counted down batch by batch.
        let remaining: i64 = ranges.iter().map(|r| r.end - r.start).sum();
        restore.count_down(task, remaining);
        restore.started = Instant::now();
        restore.pending = Some(ranges);
        Ok(())
    }

    /// Advances `restore` of `task` within `budget`; returns whether every
    /// logged store reached the end of its changelog (the caller then
    /// marks the task restored).
    pub(crate) fn restore_step(
        &self,
        task: &StreamTask,
        restore: &mut TaskRestore,
        budget: &mut RestoreBudget,
    ) -> Result<bool> {
        let state = task.state();
        if state.logged_stores().is_empty() {
            return Ok(true);
        }
        if restore.pending.is_none() {
            self.prepare_restore(task, restore)?;
        }
        let reader = self.reader()?;
        let _span = tracing::info_span!("restore", task = %task.id()).entered();
        let metrics = task.metrics();
        let mut batch: Vec<RestoredRecord> = Vec::new();
        loop {
            if restore.current.is_none() {
                let next = restore.pending.as_mut().and_then(VecDeque::pop_front);
                let Some(range) = next else {
                    self.finish(task, restore);
                    return Ok(true);
                };
                reader.assign_one(
                    &range.partition.topic,
                    range.partition.partition,
                    Some(range.start),
                )?;
                let restorer = StateRestorer::start(
                    &range.store,
                    range.partition.clone(),
                    range.start,
                    range.end,
                    self.listener.clone(),
                );
                restore.current = Some(CurrentStore {
                    restorer,
                    range,
                    last_progress: Instant::now(),
                });
            }
            if budget.exhausted() {
                return Ok(false);
            }
            let Some(current) = restore.current.as_mut() else {
                continue;
            };
            let context = format!(
                "restoring from changelog `{}` partition {}",
                current.range.partition.topic, current.range.partition.partition
            );
            let wait = budget.deadline.saturating_duration_since(Instant::now());
            batch.clear();
            let max = budget.records.min(RESTORE_BATCH);
            let end_reached = reader.poll_batch(&context, max, wait, &mut batch)?;
            budget.records = budget.records.saturating_sub(batch.len());
            if !batch.is_empty() {
                let store = state.stores.get(&current.range.store).ok_or_else(|| {
                    Error::IllegalState(format!("store `{}` is not open", current.range.store))
                })?;
                let records: Vec<RestoreRecord<'_>> = batch
                    .iter()
                    .map(|r| RestoreRecord {
                        offset: r.offset,
                        key: &r.key,
                        value: r.value.as_deref(),
                    })
                    .collect();
                current
                    .restorer
                    .restore_batch_with(&records, |batch| store.restore_batch(batch))?;
                current.last_progress = Instant::now();
                if let Some(offset) = current.restorer.checkpoint_offset() {
                    restore
                        .restored_to
                        .insert(current.range.partition.clone(), offset);
                }
                if let Some(s) = &metrics.restore {
                    s.record(records.len() as u64);
                }
                // As `count_down`, without borrowing all of `restore`.
                restore.remaining -= records.len() as i64;
                if let Some(g) = &metrics.restore_remaining {
                    g.add(-(records.len() as f64));
                }
            }
            if end_reached {
                reader.unassign();
                if let Some(done) = restore.current.take() {
                    restore.total += done.restorer.restored();
                    let partition = done.range.partition.clone();
                    if let Some(offset) = done.restorer.complete() {
                        restore.restored_to.insert(partition, offset);
                    }
                }
            } else if batch.is_empty() && current.last_progress.elapsed() > RESTORE_STALL_TIMEOUT {
                return Err(Error::IllegalState(format!(
                    "{context} made no progress for {} s; is the broker reachable?",
                    RESTORE_STALL_TIMEOUT.as_secs()
                )));
            }
        }
    }

    /// Restoration of `task` completed: transaction markers and aborted
    /// records are in the offsets counted, never restored, so what is
    /// left now is nothing.
    fn finish(&self, task: &StreamTask, restore: &mut TaskRestore) {
        let left = restore.remaining;
        restore.count_down(task, -left);
        if restore.total > 0 {
            let secs = restore.started.elapsed().as_secs_f64().max(1e-6);
            tracing::info!(task = %task.id(), records = restore.total, seconds = secs, rate = (restore.total as f64 / secs) as u64, "task state restored (records/s)");
        }
    }

    /// Stops `restore` of `task` before its end (revocation, shutdown);
    /// with `checkpoint`, flushes the stores and checkpoints what was
    /// restored so far (valid: restored stores hold committed changelog
    /// records only), so that the next owner here goes on from there.
    pub(crate) fn stop_restore(
        &self,
        task: &StreamTask,
        mut restore: TaskRestore,
        checkpoint: bool,
    ) {
        if let Some(current) = restore.current.take() {
            if let Ok(reader) = self.reader() {
                reader.unassign();
            }
            let partition = current.range.partition.clone();
            if let Some(offset) = current.restorer.suspend() {
                restore.restored_to.insert(partition, offset);
            }
        }
        let left = restore.remaining;
        restore.count_down(task, -left);
        if !checkpoint {
            return;
        }
        let restored_to = &restore.restored_to;
        if let Err(e) = task
            .state()
            .maybe_checkpoint(true, |p| Ok(restored_to.get(p).copied()))
        {
            tracing::warn!(task = %task.id(), error = %e, "checkpointing a stopped restoration failed; the next start restores more");
        }
    }

    /// Flushes `task`'s stores and writes its checkpoint if one is due
    /// (`enforce` on a clean close; see `state_manager` for the rule): each
    /// persistent logged store is reflected up to its changelog
    /// partition's end (the producer was flushed, or the transaction
    /// committed, just before). Without a restore consumer (no broker)
    /// the stores are flushed and no offsets are known.
    pub(crate) fn maybe_checkpoint(&self, task: &StreamTask, enforce: bool) -> Result<bool> {
        let state = task.state();
        match self.reader.as_ref() {
            Some(reader) => state.maybe_checkpoint(enforce, |p| {
                let (_, high) = reader.watermarks(&p.topic, p.partition)?;
                Ok((high > 0).then(|| high - 1))
            }),
            None => state.maybe_checkpoint(enforce, |_| Ok(None)),
        }
    }
}
