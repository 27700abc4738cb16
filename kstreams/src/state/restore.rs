//! Store-side restoration: [`StateRestorer`] applies changelog batches to a
//! store's bytes stack (one `WriteBatch` per batch on RocksDB, bypassing
//! caching and change-logging) and reports progress to a
//! [`StateRestoreListener`], as Kafka Streams' `StateRestoreListener`.
//!
//! Integration point: the runtime's changelog reader owns the restore
//! consumer (read_committed). Per store partition it computes the start
//! ([`restore_start_offset`]) and the end offset (the partition's end at
//! assignment), calls [`StateRestorer::start`], feeds each polled batch to
//! [`StateRestorer::restore_batch`], and calls [`StateRestorer::complete`]
//! once its position reached the end; only then does the task process.
//!
//! Owns: progress accounting and listener calls. Must never: poll Kafka,
//! or write a restored record to the changelog.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::state::checkpoint::ChangelogPartition;
#[cfg(test)]
use crate::state::store::KeyValueBytesStore;

#[cfg(test)]
mod progress_tests {
    use super::*;

    #[test]
    fn progress_reads_as_people_read_it() {
        let p = RestoreProgress::new(250_000, 1_000_000, Duration::from_secs(5));
        assert_eq!(p.rate, 50_000.0);
        assert_eq!(p.seconds_left, Some(15.0));
        assert_eq!(p.percent(), 25.0);
        assert_eq!(
            p.to_string(),
            "250000 of 1000000 records (25 %), 50000 records/s, about 15 s left"
        );
        let start = RestoreProgress::new(0, 10, Duration::ZERO);
        assert_eq!(start.seconds_left, None);
        assert_eq!(start.to_string(), "0 of 10 records (0 %), 0 records/s");
        assert_eq!(
            RestoreProgress::new(5, 0, Duration::from_secs(1)).percent(),
            100.0
        );
    }
}
use crate::state::store::RestoreRecord;

/// Observes restoration. All methods default to doing nothing.
pub trait StateRestoreListener: Send + Sync {
    /// Restoration of `store` from `partition` begins at `start_offset`
    /// and runs up to (excluding) `end_offset`.
    fn on_restore_start(
        &self,
        partition: &ChangelogPartition,
        store: &str,
        start_offset: i64,
        end_offset: i64,
    ) {
        let _ = (partition, store, start_offset, end_offset);
    }

    /// A batch ending at `batch_end_offset` with `num_restored` records was applied.
    fn on_batch_restored(
        &self,
        partition: &ChangelogPartition,
        store: &str,
        batch_end_offset: i64,
        num_restored: u64,
    ) {
        let _ = (partition, store, batch_end_offset, num_restored);
    }

    /// Restoration finished after `total_restored` records.
    fn on_restore_end(&self, partition: &ChangelogPartition, store: &str, total_restored: u64) {
        let _ = (partition, store, total_restored);
    }

    /// Restoration stopped before its end, after `total_restored` records,
    /// because the task went away (revoked in a rebalance, or the client
    /// closed); what was restored is kept (Java's `onRestoreSuspended`,
    /// KIP-869).
    fn on_restore_suspended(
        &self,
        partition: &ChangelogPartition,
        store: &str,
        total_restored: u64,
    ) {
        let _ = (partition, store, total_restored);
    }
}

/// A listener that reports progress in the logs (`tracing`, target
/// `kstreams::state::restore`). The runtime's default.
#[derive(Debug, Default, Clone, Copy)]
pub struct LoggingRestoreListener;

impl StateRestoreListener for LoggingRestoreListener {
    fn on_restore_start(
        &self,
        p: &ChangelogPartition,
        store: &str,
        start_offset: i64,
        end_offset: i64,
    ) {
        tracing::info!(store, topic = %p.topic, partition = p.partition, start_offset, end_offset, "restoring state store");
    }

    fn on_batch_restored(
        &self,
        p: &ChangelogPartition,
        store: &str,
        batch_end_offset: i64,
        num_restored: u64,
    ) {
        tracing::debug!(store, topic = %p.topic, partition = p.partition, batch_end_offset, num_restored, "restored batch");
    }

    fn on_restore_end(&self, p: &ChangelogPartition, store: &str, total_restored: u64) {
        tracing::info!(store, topic = %p.topic, partition = p.partition, total_restored, "state store restored");
    }

    fn on_restore_suspended(&self, p: &ChangelogPartition, store: &str, total_restored: u64) {
        tracing::info!(store, topic = %p.topic, partition = p.partition, total_restored, "restoring state store suspended (its task went away)");
    }
}

/// Where restoration starts: after the checkpointed offset, or at the
/// partition's first offset (`log_start_offset`) without a checkpoint.
pub(crate) fn restore_start_offset(checkpointed: Option<i64>, log_start_offset: i64) -> i64 {
    checkpointed.map_or(log_start_offset, |offset| {
        (offset + 1).max(log_start_offset)
    })
}

/// Restores one store from one changelog partition.
pub(crate) struct StateRestorer {
    store: String,
    partition: ChangelogPartition,
    start_offset: i64,
    end_offset: i64,
    restored: u64,
    last_offset: Option<i64>,
    listener: Arc<dyn StateRestoreListener>,
    /// When restoration began, and when progress was last logged.
    started: Instant,
    last_progress: Instant,
}

/// How often a long restore logs its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// Restore progress as people read it: records restored of the total, the
/// share, the rate, and the time left at that rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RestoreProgress {
    /// Records applied so far.
    pub restored: u64,
    /// Records to apply in all (end offset − start offset; transaction
    /// markers and aborted records count, so `restored` may stay below).
    pub total: u64,
    /// Records per second since the start.
    pub rate: f64,
    /// Seconds left at that rate (`None` before any rate is known).
    pub seconds_left: Option<f64>,
}

impl RestoreProgress {
    /// Progress after `restored` of `total` records in `elapsed`.
    pub fn new(restored: u64, total: u64, elapsed: Duration) -> Self {
        let secs = elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            restored as f64 / secs
        } else {
            0.0
        };
        let seconds_left = (rate > 0.0).then(|| total.saturating_sub(restored) as f64 / rate);
        RestoreProgress {
            restored,
            total,
            rate,
            seconds_left,
        }
    }

    /// The share restored, 0 to 100.
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            (self.restored.min(self.total) as f64 * 100.0) / self.total as f64
        }
    }
}

impl std::fmt::Display for RestoreProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} of {} records ({:.0} %), {:.0} records/s",
            self.restored,
            self.total,
            self.percent(),
            self.rate
        )?;
        match self.seconds_left {
            Some(left) => write!(f, ", about {left:.0} s left"),
            None => Ok(()),
        }
    }
}

impl std::fmt::Debug for StateRestorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateRestorer")
            .field("store", &self.store)
            .field("partition", &self.partition)
            .field("start_offset", &self.start_offset)
            .field("end_offset", &self.end_offset)
            .field("restored", &self.restored)
            .finish()
    }
}

impl StateRestorer {
    /// Begins restoring `store` from `partition` over
    /// `[start_offset, end_offset)`; tells the listener.
    pub(crate) fn start(
        store: impl Into<String>,
        partition: ChangelogPartition,
        start_offset: i64,
        end_offset: i64,
        listener: Arc<dyn StateRestoreListener>,
    ) -> Self {
        let store = store.into();
        listener.on_restore_start(&partition, &store, start_offset, end_offset);
        Self {
            store,
            partition,
            start_offset,
            end_offset,
            restored: 0,
            last_offset: None,
            listener,
            started: Instant::now(),
            last_progress: Instant::now(),
        }
    }

    /// Progress so far.
    pub(crate) fn progress(&self) -> RestoreProgress {
        let total = u64::try_from(self.end_offset - self.start_offset).unwrap_or(0);
        RestoreProgress::new(self.restored, total, self.started.elapsed())
    }

    /// Whether there is anything to restore at all.
    #[cfg(test)]
    pub(crate) fn needs_restore(&self) -> bool {
        self.start_offset < self.end_offset
    }

    /// Applies one polled batch (in offset order) to `store`, the store's
    /// bytes stack (see `MeteredKeyValueStore::bytes_store_mut`).
    #[cfg(test)]
    pub(crate) fn restore_batch(
        &mut self,
        store: &mut dyn KeyValueBytesStore,
        records: &[RestoreRecord<'_>],
    ) -> Result<()> {
        self.restore_batch_with(records, |batch| store.restore_batch(batch))
    }

    /// [`restore_batch`](Self::restore_batch) for any kind of store:
    /// `apply` writes the batch, e.g. a window or session store's
    /// `restore_batch` (through `MeteredWindowStore::bytes_store_mut`).
    pub(crate) fn restore_batch_with(
        &mut self,
        records: &[RestoreRecord<'_>],
        apply: impl FnOnce(&[RestoreRecord<'_>]) -> Result<()>,
    ) -> Result<()> {
        let Some(last) = records.last() else {
            return Ok(());
        };
        apply(records)?;
        self.restored += records.len() as u64;
        self.last_offset = Some(last.offset);
        self.listener.on_batch_restored(
            &self.partition,
            &self.store,
            last.offset,
            records.len() as u64,
        );
        if self.last_progress.elapsed() >= PROGRESS_EVERY {
            self.last_progress = Instant::now();
            let progress = self.progress();
            tracing::info!(store = %self.store, topic = %self.partition.topic, partition = self.partition.partition, %progress, "restore progress");
        }
        Ok(())
    }

    /// Records restored so far.
    pub(crate) fn restored(&self) -> u64 {
        self.restored
    }

    /// The offset to checkpoint now: the last restored record's, or the one
    /// before the start if nothing was restored (`None` at the very start).
    pub(crate) fn checkpoint_offset(&self) -> Option<i64> {
        self.last_offset
            .or((self.start_offset > 0).then(|| self.start_offset - 1))
    }

    /// Stops restoration before its end (the task went away); tells the
    /// listener and returns the offset to checkpoint.
    pub(crate) fn suspend(self) -> Option<i64> {
        self.listener
            .on_restore_suspended(&self.partition, &self.store, self.restored);
        self.checkpoint_offset()
    }

    /// Ends restoration (the consumer reached the end offset); tells the
    /// listener and returns the offset to checkpoint.
    pub(crate) fn complete(self) -> Option<i64> {
        self.listener
            .on_restore_end(&self.partition, &self.store, self.restored);
        self.checkpoint_offset()
    }
}
