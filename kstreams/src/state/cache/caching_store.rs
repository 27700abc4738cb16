//! [`CachingKeyValueStore`]: the record-cache layer (seed 003 §5). Writes
//! land in the thread's [`ThreadCache`], one dirty entry per key; on flush
//! (commit) or eviction the dirty entries are written down in one
//! `put_all` and *forwarded* through the [`CacheFlushListener`] as
//! (key, new value, old value), so a KTable emits only the latest value per
//! key per commit. A budget of 0 forwards every write at once.
//!
//! Owns: the store's cache namespace and its write-down. Must never:
//! serialize, or call the listener while holding the cache's lock. The
//! listener runs while this store is borrowed: it must not call back into
//! this store (a runtime that forwards into processors which may read this
//! store should queue the records and forward them after the call returns).

use std::sync::Arc;

use crate::error::Result;
use crate::state::cache::merge::MergedSortedCacheIter;
use crate::state::cache::thread_cache::{DirtyEntry, ThreadCache};
use crate::state::changelog::RecordTimestamp;
use crate::state::in_memory::Scan;
use crate::state::store::{
    BytesEntry, BytesIter, KeyValueBytesStore, RestoreRecord, ScanSnapshot, SnapshotChunk,
    StateStore,
};

/// One entry written down by the cache, handed to the flush listener
/// (owned: the cache is done with it, so the listener can keep it without
/// a copy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlushedEntry {
    /// The key bytes.
    pub key: Vec<u8>,
    /// The value written (`None`: deleted).
    pub new_value: Option<Vec<u8>>,
    /// The value the store below held before (`None`: absent).
    pub old_value: Option<Vec<u8>>,
    /// The timestamp of the write that produced `new_value`.
    pub timestamp: i64,
}

/// Called for every entry the cache writes down; forwards it downstream.
pub(crate) type CacheFlushListener = Box<dyn FnMut(FlushedEntry) -> Result<()> + Send>;

/// The caching layer over a bytes store.
pub(crate) struct CachingKeyValueStore {
    inner: Box<dyn KeyValueBytesStore>,
    cache: Arc<ThreadCache>,
    namespace: String,
    timestamp: RecordTimestamp,
    listener: Option<CacheFlushListener>,
    hit_ratio: crate::metrics::HitRatio,
}

impl std::fmt::Debug for CachingKeyValueStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachingKeyValueStore")
            .field("namespace", &self.namespace)
            .finish()
    }
}

impl CachingKeyValueStore {
    /// Caches `inner` in `cache` under namespace `<task_id>-<store name>`;
    /// entries are stamped with `timestamp`'s current value.
    pub(crate) fn new(
        inner: Box<dyn KeyValueBytesStore>,
        cache: Arc<ThreadCache>,
        task_id: &str,
        timestamp: RecordTimestamp,
    ) -> Self {
        let namespace = format!("{task_id}-{}", inner.name());
        Self {
            inner,
            cache,
            namespace,
            timestamp,
            listener: None,
            hit_ratio: Default::default(),
        }
    }

    /// Sets where written-down entries are forwarded (the KTable's
    /// downstream). Without a listener entries are only written down.
    /// Reports the cache's hit ratio (`stream-record-cache-metrics`).
    pub(crate) fn with_hit_ratio(mut self, hit_ratio: crate::metrics::HitRatio) -> Self {
        self.hit_ratio = hit_ratio;
        self
    }

    pub(crate) fn set_flush_listener(&mut self, listener: CacheFlushListener) {
        self.listener = Some(listener);
    }

    /// Writes `entries` below in one `put_all`, then forwards each with the
    /// value it replaced. Deleting an absent key writes and forwards nothing.
    fn write_down(&mut self, entries: Vec<DirtyEntry>) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        // Keys and values move into the batch (no copy); the old values and
        // timestamps wait beside it for the listener.
        let mut olds = Vec::with_capacity(entries.len());
        let mut timestamps = Vec::with_capacity(entries.len());
        let mut batch: Vec<BytesEntry> = Vec::with_capacity(entries.len());
        for entry in entries {
            // The old value, for the listener and to skip deleting what is
            // not there: known from the cache when the entry replaced a
            // clean one, read from the store otherwise.
            let old = match entry.below {
                Some(below) => below,
                None => self.inner.get(&entry.key)?,
            };
            if entry.value.is_none() && old.is_none() {
                continue;
            }
            batch.push((entry.key, entry.value));
            olds.push(old);
            timestamps.push(entry.timestamp);
        }
        self.inner.put_all(&batch)?;
        if let Some(listener) = self.listener.as_mut() {
            for (((key, new_value), old_value), timestamp) in
                batch.into_iter().zip(olds).zip(timestamps)
            {
                listener(FlushedEntry {
                    key,
                    new_value,
                    old_value,
                    timestamp,
                })?;
            }
        }
        Ok(())
    }

    fn write(&mut self, key: &[u8], value: Option<Vec<u8>>) -> Result<()> {
        self.cache
            .put_dirty(&self.namespace, key, value, self.timestamp.get());
        self.flush_evicted()
    }

    fn scan<'a>(&'a self, scan: Scan<'_>, below: BytesIter<'a>, reverse: bool) -> BytesIter<'a> {
        let cached = self.cache.snapshot(&self.namespace, scan);
        Box::new(MergedSortedCacheIter::new(cached, below, reverse))
    }
}

impl StateStore for CachingKeyValueStore {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn persistent(&self) -> bool {
        self.inner.persistent()
    }

    fn flush_cache(&mut self) -> Result<()> {
        let dirty = self.cache.take_dirty(&self.namespace);
        self.write_down(dirty)
    }

    fn flush(&mut self) -> Result<()> {
        self.flush_cache()?;
        self.inner.flush()
    }

    fn close(&mut self) -> Result<()> {
        let flushed = self.flush();
        self.cache.close_namespace(&self.namespace);
        let closed = self.inner.close();
        flushed.and(closed)
    }
}

impl KeyValueBytesStore for CachingKeyValueStore {
    fn is_caching(&self) -> bool {
        true
    }

    /// The store below's snapshot, with a copy of this store's cached
    /// entries taken at the same instant (the cache holds at most
    /// `statestore.cache.max.bytes`).
    fn open_snapshot(&self) -> Result<Option<ScanSnapshot>> {
        let Some(mut snapshot) = self.inner.open_snapshot()? else {
            return Ok(None);
        };
        snapshot.cached = Some(
            self.cache
                .snapshot(&self.namespace, Scan::All { reverse: false }),
        );
        Ok(Some(snapshot))
    }

    /// The store below's chunk merged with the cached entries of the same
    /// range (as [`KeyValueBytesStore::range`] merges them); when the chunk
    /// below was cut short, only cached entries up to its last key, since
    /// the next chunk reads on from there.
    fn snapshot_chunk(
        &self,
        snapshot: &ScanSnapshot,
        from: &[u8],
        to: Option<&[u8]>,
        reverse: bool,
        limit: usize,
    ) -> Result<SnapshotChunk> {
        let below = self
            .inner
            .snapshot_chunk(snapshot, from, to, reverse, limit)?;
        let Some(cached) = &snapshot.cached else {
            return Ok(below);
        };
        let cut = if below.exhausted {
            None
        } else {
            below.entries.last().map(|(k, _)| k.clone())
        };
        let mut cache: Vec<BytesEntry> = cached
            .iter()
            .filter(|(k, _)| {
                let k = k.as_slice();
                k >= from
                    && to.is_none_or(|t| k <= t)
                    && cut
                        .as_deref()
                        .is_none_or(|c| if reverse { k >= c } else { k <= c })
            })
            .cloned()
            .collect();
        if reverse {
            cache.reverse();
        }
        let exhausted = below.exhausted;
        let entries =
            MergedSortedCacheIter::new(cache, Box::new(below.entries.into_iter().map(Ok)), reverse)
                .collect::<Result<Vec<_>>>()?;
        Ok(SnapshotChunk { entries, exhausted })
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(cached) = self.cache.get(&self.namespace, key) {
            self.hit_ratio.record(true);
            return Ok(cached);
        }
        self.hit_ratio.record(false);
        let value = self.inner.get(key)?;
        if let Some(v) = &value {
            self.cache.put_clean(&self.namespace, key, Some(v.clone()));
        }
        Ok(value)
    }

    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.write(key, Some(value.to_vec()))
    }

    fn put_all(&mut self, entries: &[BytesEntry]) -> Result<()> {
        let timestamp = self.timestamp.get();
        for (key, value) in entries {
            self.cache
                .put_dirty(&self.namespace, key, value.clone(), timestamp);
        }
        self.flush_evicted()
    }

    fn delete(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let previous = self.get(key)?;
        self.write(key, None)?;
        Ok(previous)
    }

    fn range(&self, from: &[u8], to: &[u8]) -> Result<BytesIter<'_>> {
        let below = self.inner.range(from, to)?;
        Ok(self.scan(
            Scan::Range {
                from,
                to,
                reverse: false,
            },
            below,
            false,
        ))
    }

    fn reverse_range(&self, from: &[u8], to: &[u8]) -> Result<BytesIter<'_>> {
        let below = self.inner.reverse_range(from, to)?;
        Ok(self.scan(
            Scan::Range {
                from,
                to,
                reverse: true,
            },
            below,
            true,
        ))
    }

    fn prefix_scan(&self, prefix: &[u8]) -> Result<BytesIter<'_>> {
        let below = self.inner.prefix_scan(prefix)?;
        Ok(self.scan(Scan::Prefix(prefix), below, false))
    }

    fn all(&self) -> Result<BytesIter<'_>> {
        let below = self.inner.all()?;
        Ok(self.scan(Scan::All { reverse: false }, below, false))
    }

    fn reverse_all(&self) -> Result<BytesIter<'_>> {
        let below = self.inner.reverse_all()?;
        Ok(self.scan(Scan::All { reverse: true }, below, true))
    }

    /// The store below's count: cached, not yet written keys are not
    /// counted (as in Kafka Streams).
    fn approximate_num_entries(&self) -> Result<u64> {
        self.inner.approximate_num_entries()
    }

    /// Runs after every write of this store too; the runtime must also call
    /// it after each record, since another store's write can evict this
    /// store's entries.
    fn flush_evicted(&mut self) -> Result<()> {
        let pending = self.cache.take_pending(&self.namespace);
        self.write_down(pending)
    }

    fn restore_batch(&mut self, records: &[RestoreRecord<'_>]) -> Result<()> {
        self.cache
            .invalidate(&self.namespace, records.iter().map(|r| r.key.to_vec()));
        self.inner.restore_batch(records)
    }
}
