//! [`ChangeLoggingKeyValueBytesStore`]: the layer that appends every write
//! to the store's changelog topic through a [`ChangelogCollector`].
//!
//! Owns: turning puts into changelog records and deletes (and the LRU
//! store's evictions) into tombstones, in write order, stamped with the
//! current [`RecordTimestamp`]. Must never: cache, serialize, or log a
//! restore (`restore_batch` goes straight down: the records came from the
//! changelog).

use std::sync::Arc;

use crate::error::Result;
use crate::state::changelog::{ChangelogCollector, ChangelogRecord, RecordTimestamp};
use crate::state::store::{
    BytesEntry, BytesIter, KeyValueBytesStore, RestoreRecord, ScanSnapshot, SnapshotChunk,
    StateStore,
};

/// Logs every write of the wrapped store to `topic`/`partition`.
pub(super) struct ChangeLoggingKeyValueBytesStore {
    inner: Box<dyn KeyValueBytesStore>,
    collector: Arc<dyn ChangelogCollector>,
    topic: Arc<str>,
    partition: i32,
    timestamp: RecordTimestamp,
    /// Stamp a put with the timestamp its value starts with.
    value_timestamps: bool,
}

impl std::fmt::Debug for ChangeLoggingKeyValueBytesStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeLoggingKeyValueBytesStore")
            .field("store", &self.inner.name())
            .field("topic", &self.topic)
            .field("partition", &self.partition)
            .finish()
    }
}

impl ChangeLoggingKeyValueBytesStore {
    /// Wraps `inner`; records go to `topic` (see
    /// [`changelog_topic`](crate::state::changelog_topic)) partition
    /// `partition`, stamped with `timestamp`'s current value.
    pub(super) fn new(
        inner: Box<dyn KeyValueBytesStore>,
        collector: Arc<dyn ChangelogCollector>,
        topic: impl Into<Arc<str>>,
        partition: i32,
        timestamp: RecordTimestamp,
    ) -> Self {
        Self {
            inner,
            collector,
            topic: topic.into(),
            partition,
            timestamp,
            value_timestamps: false,
        }
    }

    /// Values are `[timestamp: 8 BE][value]` (a timestamped store): a put
    /// is logged with its value's timestamp, as Java's
    /// `ChangeLoggingTimestampedKeyValueBytesStore`.
    pub(super) fn with_value_timestamps(mut self, on: bool) -> Self {
        self.value_timestamps = on;
        self
    }

    fn log(&self, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        let stamped = value
            .filter(|_| self.value_timestamps)
            .and_then(|v| v.first_chunk::<8>())
            .map(|ts| i64::from_be_bytes(*ts));
        self.collector.send(ChangelogRecord {
            topic: &self.topic,
            partition: self.partition,
            key,
            value,
            timestamp: stamped.unwrap_or_else(|| self.timestamp.get()),
        })
    }

    /// Logs the inner store's self-evictions as tombstones.
    fn log_evictions(&mut self) -> Result<()> {
        for key in self.inner.drain_evicted() {
            self.log(&key, None)?;
        }
        Ok(())
    }
}

impl StateStore for ChangeLoggingKeyValueBytesStore {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn persistent(&self) -> bool {
        self.inner.persistent()
    }

    fn flush(&mut self) -> Result<()> {
        self.inner.flush()
    }

    fn close(&mut self) -> Result<()> {
        self.inner.close()
    }
}

impl KeyValueBytesStore for ChangeLoggingKeyValueBytesStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.inner.get(key)
    }

    fn open_snapshot(&self) -> Result<Option<ScanSnapshot>> {
        self.inner.open_snapshot()
    }

    fn snapshot_chunk(
        &self,
        snapshot: &ScanSnapshot,
        from: &[u8],
        to: Option<&[u8]>,
        reverse: bool,
        limit: usize,
    ) -> Result<SnapshotChunk> {
        self.inner
            .snapshot_chunk(snapshot, from, to, reverse, limit)
    }

    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.inner.put(key, value)?;
        self.log(key, Some(value))?;
        self.log_evictions()
    }

    fn put_if_absent(&mut self, key: &[u8], value: &[u8]) -> Result<Option<Vec<u8>>> {
        let existing = self.inner.put_if_absent(key, value)?;
        if existing.is_none() {
            self.log(key, Some(value))?;
            self.log_evictions()?;
        }
        Ok(existing)
    }

    fn put_all(&mut self, entries: &[BytesEntry]) -> Result<()> {
        self.inner.put_all(entries)?;
        for (key, value) in entries {
            self.log(key, value.as_deref())?;
        }
        self.log_evictions()
    }

    fn delete(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let previous = self.inner.delete(key)?;
        self.log(key, None)?;
        Ok(previous)
    }

    fn range(&self, from: &[u8], to: &[u8]) -> Result<BytesIter<'_>> {
        self.inner.range(from, to)
    }

    fn reverse_range(&self, from: &[u8], to: &[u8]) -> Result<BytesIter<'_>> {
        self.inner.reverse_range(from, to)
    }

    fn prefix_scan(&self, prefix: &[u8]) -> Result<BytesIter<'_>> {
        self.inner.prefix_scan(prefix)
    }

    fn all(&self) -> Result<BytesIter<'_>> {
        self.inner.all()
    }

    fn reverse_all(&self) -> Result<BytesIter<'_>> {
        self.inner.reverse_all()
    }

    fn approximate_num_entries(&self) -> Result<u64> {
        self.inner.approximate_num_entries()
    }

    fn restore_batch(&mut self, records: &[RestoreRecord<'_>]) -> Result<()> {
        self.inner.restore_batch(records)
    }

    fn flush_evicted(&mut self) -> Result<()> {
        self.inner.flush_evicted()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::changelog::InMemoryChangelogCollector;
    use crate::state::{InMemoryKeyValueStore, LruMemoryStore};

    fn logged(
        inner: Box<dyn KeyValueBytesStore>,
    ) -> (
        ChangeLoggingKeyValueBytesStore,
        Arc<InMemoryChangelogCollector>,
    ) {
        let collector = Arc::new(InMemoryChangelogCollector::default());
        let timestamp = RecordTimestamp::default();
        timestamp.set(1234);
        let store = ChangeLoggingKeyValueBytesStore::new(
            inner,
            collector.clone(),
            "app-s-changelog",
            2,
            timestamp,
        );
        (store, collector)
    }

    fn log_of(collector: &InMemoryChangelogCollector) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        collector
            .records()
            .into_iter()
            .map(|r| (r.key, r.value))
            .collect()
    }

    #[test]
    fn every_write_reaches_the_collector_and_deletes_are_tombstones() {
        let (mut store, collector) = logged(Box::new(InMemoryKeyValueStore::new("s")));
        store.put(b"a", b"1").expect("put");
        assert_eq!(
            store.put_if_absent(b"a", b"9").expect("pia"),
            Some(b"1".to_vec())
        );
        assert_eq!(store.put_if_absent(b"b", b"2").expect("pia"), None);
        store
            .put_all(&[(b"c".to_vec(), Some(b"3".to_vec())), (b"b".to_vec(), None)])
            .expect("put_all");
        store.delete(b"a").expect("delete");
        let expected: Vec<(Vec<u8>, Option<Vec<u8>>)> = vec![
            (b"a".to_vec(), Some(b"1".to_vec())),
            (b"b".to_vec(), Some(b"2".to_vec())),
            (b"c".to_vec(), Some(b"3".to_vec())),
            (b"b".to_vec(), None),
            (b"a".to_vec(), None),
        ];
        assert_eq!(log_of(&collector), expected);
        let first = &collector.records()[0];
        assert_eq!(
            (first.topic.as_str(), first.partition, first.timestamp),
            ("app-s-changelog", 2, 1234)
        );
    }

    #[test]
    fn lru_evictions_are_tombstones_and_restores_are_not_logged() {
        let lru = LruMemoryStore::new("s", 1).expect("bound");
        let (mut store, collector) = logged(Box::new(lru));
        store.put(b"a", b"1").expect("put");
        store.put(b"b", b"2").expect("put");
        store
            .restore_batch(&[RestoreRecord {
                offset: 0,
                key: b"z",
                value: Some(b"9"),
            }])
            .expect("restore");
        let expected: Vec<(Vec<u8>, Option<Vec<u8>>)> = vec![
            (b"a".to_vec(), Some(b"1".to_vec())),
            (b"b".to_vec(), Some(b"2".to_vec())),
            (b"a".to_vec(), None),
        ];
        assert_eq!(log_of(&collector), expected);
        assert_eq!(store.get(b"z").expect("get"), Some(b"9".to_vec()));
    }
}
