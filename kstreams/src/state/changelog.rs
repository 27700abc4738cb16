//! Integration point with the record collector: how store writes leave the
//! state module. [`ChangelogCollector`] is implemented by the runtime (its
//! transactional producer, so every changelog record is part of the open
//! exactly-once transaction); [`RecordTimestamp`] is set by the runtime
//! before each record is processed so changelog records carry the
//! timestamp of the record that caused them, as in Kafka Streams.
//!
//! Owns: the changelog record shape and the topic naming rule. Must never:
//! talk to Kafka itself.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
#[cfg(test)]
use std::sync::Mutex;

use crate::error::Result;

/// The changelog topic of `store`: `<application.id>-<store>-changelog`
/// (compacted, one partition per input partition).
pub(crate) fn changelog_topic(application_id: &str, store: &str) -> String {
    format!("{application_id}-{store}-changelog")
}

/// One store write, on its way to the changelog topic.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChangelogRecord<'a> {
    /// The changelog topic.
    pub topic: &'a Arc<str>,
    /// The partition: the task's input partition.
    pub partition: i32,
    /// The store key bytes.
    pub key: &'a [u8],
    /// The value bytes; `None` is a tombstone (a delete or an LRU eviction).
    pub value: Option<&'a [u8]>,
    /// The timestamp of the record being processed when the write happened.
    pub timestamp: i64,
}

/// Receives every changelog record. Implemented by the runtime's record
/// collector; called from the stream thread that owns the store.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot collect changelog records",
    note = "implement `kstreams::state::ChangelogCollector` (the runtime's record collector does), or use `InMemoryChangelogCollector` in tests"
)]
pub(crate) trait ChangelogCollector: Send + Sync {
    /// Queues `record` for sending (inside the open transaction under
    /// exactly-once). An error fails the write that caused it.
    fn send(&self, record: ChangelogRecord<'_>) -> Result<()>;
}

/// The timestamp of the record a task is processing, shared between the
/// task (which sets it) and its stores (which stamp changelog records and
/// cache entries with it). Cloning shares the same cell.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecordTimestamp(Arc<AtomicI64>);

impl RecordTimestamp {
    /// Sets the current record's timestamp (milliseconds since the epoch).
    pub(crate) fn set(&self, timestamp: i64) {
        self.0.store(timestamp, Ordering::Relaxed);
    }

    /// The current record's timestamp.
    pub(crate) fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
/// An owned changelog record, as [`InMemoryChangelogCollector`] keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OwnedChangelogRecord {
    /// The changelog topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The key bytes.
    pub key: Vec<u8>,
    /// The value bytes, `None` for a tombstone.
    pub value: Option<Vec<u8>>,
    /// The timestamp.
    pub timestamp: i64,
}

#[cfg(test)]
/// A collector that keeps records in memory, for tests and the test driver.
#[derive(Debug, Default)]
pub(super) struct InMemoryChangelogCollector {
    records: Mutex<Vec<OwnedChangelogRecord>>,
}

#[cfg(test)]
impl InMemoryChangelogCollector {
    /// A copy of every record collected so far, in order.
    pub(super) fn records(&self) -> Vec<OwnedChangelogRecord> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

#[cfg(test)]
impl ChangelogCollector for InMemoryChangelogCollector {
    fn send(&self, record: ChangelogRecord<'_>) -> Result<()> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(OwnedChangelogRecord {
                topic: record.topic.to_string(),
                partition: record.partition,
                key: record.key.to_vec(),
                value: record.value.map(<[u8]>::to_vec),
                timestamp: record.timestamp,
            });
        Ok(())
    }
}
