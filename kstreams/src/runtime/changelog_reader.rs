//! Restoring and checkpointing a stream thread's tasks, as Kafka Streams'
//! `StoreChangelogReader`.
//!
//! - On assignment, before a task processes anything, each of its logged
//!   stores is restored from its changelog partition, from the checkpointed
//!   offset (+1) or the log start to the end (read_committed), in batches,
//!   reporting to the [`StateRestoreListener`] and the logs.
//! - Checkpoints: the offset of a store's changelog partition is its end
//!   (high watermark − 1) right after a commit, once the stores were
//!   flushed; when one is written (every 10 000 changelog records under
//!   at-least-once, on a clean close under both guarantees) is
//!   `ProcessorStateManager`'s rule, which also deletes the checkpoint
//!   once a task starts processing under exactly-once.
//!
//! Must never: restore while the task processes, or checkpoint a store that
//! was not flushed and committed.

use std::sync::Arc;
use std::time::Instant;

use super::state_manager::StateEnv;
use super::task::StreamTask;
use crate::kafka::restore_consumer::RestoreConsumer;
use crate::state::{
    restore_start_offset, LoggingRestoreListener, RestoreRecord, StateRestoreListener,
    StateRestorer,
};
use crate::{Error, Result};

/// What a task manager needs for its tasks' state.
pub(crate) struct TaskStateSupport {
    pub(crate) env: StateEnv,
    pub(crate) reader: Option<RestoreConsumer>,
    pub(crate) listener: Arc<dyn StateRestoreListener>,
}

impl Default for TaskStateSupport {
    fn default() -> Self {
        TaskStateSupport {
            env: StateEnv::temporary(0),
            reader: None,
            listener: Arc::new(LoggingRestoreListener),
        }
    }
}

impl TaskStateSupport {
    /// Restores every logged store of `task` to the end of its changelog.
    pub(crate) fn restore(&self, task: &StreamTask) -> Result<()> {
        let state = task.state();
        if state.logged_stores().is_empty() {
            return Ok(());
        }
        let reader = self.reader.as_ref().ok_or_else(|| {
            Error::IllegalState(
                "this task manager has no restore consumer; stores cannot be restored".into(),
            )
        })?;
        let _span = tracing::info_span!("restore", task = %task.id()).entered();
        let metrics = task.metrics();
        let started = Instant::now();
        let mut total = 0u64;
        let mut ranges = Vec::new();
        for logged in state.logged_stores() {
            let (low, high) =
                reader.watermarks(&logged.partition.topic, logged.partition.partition)?;
            let start = restore_start_offset(logged.checkpointed, low);
            ranges.push((start, high));
        }
        // `restore-remaining-records-total` (KIP-869): what is left, counted
        // down batch by batch.
        let remaining: i64 = ranges
            .iter()
            .map(|(start, high)| (high - start).max(0))
            .sum();
        if let Some(g) = &metrics.restore_remaining {
            g.add(remaining as f64);
        }
        for (logged, (start, high)) in state.logged_stores().iter().zip(ranges) {
            let (topic, partition) = (&logged.partition.topic, logged.partition.partition);
            if start >= high {
                continue;
            }
            let mut restorer = StateRestorer::start(
                &logged.store,
                logged.partition.clone(),
                start,
                high,
                self.listener.clone(),
            );
            let store = state.stores.get(&logged.store).ok_or_else(|| {
                Error::IllegalState(format!("store `{}` is not open", logged.store))
            })?;
            reader.restore(
                &[(topic.clone(), partition, Some(start))],
                &mut |_, _, batch| {
                    let records: Vec<RestoreRecord<'_>> = batch
                        .iter()
                        .map(|r| RestoreRecord {
                            offset: r.offset,
                            key: &r.key,
                            value: r.value.as_deref(),
                        })
                        .collect();
                    restorer.restore_batch_with(&records, |batch| store.restore_batch(batch))?;
                    if let Some(g) = &metrics.restore_remaining {
                        g.add(-(records.len() as f64));
                    }
                    if let Some(s) = &metrics.restore {
                        s.record(records.len() as u64);
                    }
                    Ok(())
                },
            )?;
            total += restorer.restored();
            restorer.complete();
        }
        // Transaction markers and aborted records are in the offsets
        // counted, never restored: what is left now is nothing.
        if let Some(g) = &metrics.restore_remaining {
            g.add(-((remaining - total as i64).max(0) as f64));
        }
        if total > 0 {
            let secs = started.elapsed().as_secs_f64().max(1e-6);
            tracing::info!(task = %task.id(), records = total, seconds = secs, rate = (total as f64 / secs) as u64, "task state restored (records/s)");
        }
        state.restoration_done()
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
