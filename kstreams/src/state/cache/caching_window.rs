//! [`CachingWindowStore`]: the record-cache layer of a window store, as
//! Kafka Streams' `CachingWindowStore`. Writes land in the thread's
//! [`ThreadCache`], one dirty entry per (key, window start), under the
//! cache key `[key][start: 8][seq: 4]` (the store's changelog key, seq 0);
//! on flush (commit) or eviction the dirty entries are written to the
//! store below and forwarded through the [`CacheFlushListener`] with the
//! cache key, the new value and the value the store below held, so a
//! windowed KTable emits the latest value per window per commit.
//!
//! Reads see cached, unflushed entries merged over the store below (Java's
//! `MergedSortedCacheWindowStoreIterator`): the cache wins on equal
//! (key, start), a cached delete hides the window, and results keep the
//! window-store order (one key: by start; all keys: by start, then key).
//! Results are collected, as the store below returns them.
//!
//! Cached entries are not filtered by retention (as in Java's
//! `CachingWindowStore`), and the store below advances its retention clock
//! only when entries are written down.
//!
//! Owns: the store's cache namespace and its write-down. Must never:
//! serialize, or cache a store that retains duplicates (the builder does
//! not put the layer over one, as Java's `WindowStoreBuilder`).

use std::collections::BTreeMap;
use std::sync::Arc;

use kstreams_serde::RawWindowStoreKey;

use crate::error::Result;
use crate::state::cache::thread_cache::{DirtyEntry, ThreadCache};
use crate::state::cache::{CacheFlushListener, FlushedEntry};
use crate::state::changelog::RecordTimestamp;
use crate::state::in_memory::Scan;
use crate::state::store::{RestoreRecord, StateStore};
use crate::state::window_store::{parse_window_key, WindowBytesStore, WindowedBytes};

/// The caching layer over a window bytes store.
pub(crate) struct CachingWindowStore {
    inner: Box<dyn WindowBytesStore>,
    cache: Arc<ThreadCache>,
    namespace: String,
    timestamp: RecordTimestamp,
    listener: Option<CacheFlushListener>,
}

impl std::fmt::Debug for CachingWindowStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachingWindowStore")
            .field("namespace", &self.namespace)
            .finish()
    }
}

/// The cache key of `key`'s window starting at `start`.
fn cache_key(key: &[u8], start: i64) -> Vec<u8> {
    RawWindowStoreKey {
        key,
        start_ms: start,
        seq: 0,
    }
    .to_vec()
}

impl CachingWindowStore {
    /// Caches `inner` in `cache` under namespace `<task_id>-<store name>`;
    /// entries are stamped with `timestamp`'s current value.
    pub(crate) fn new(
        inner: Box<dyn WindowBytesStore>,
        cache: Arc<ThreadCache>,
        task_id: &str,
        timestamp: RecordTimestamp,
        listener: Option<CacheFlushListener>,
    ) -> Self {
        let namespace = format!("{task_id}-{}", inner.name());
        Self {
            inner,
            cache,
            namespace,
            timestamp,
            listener,
        }
    }

    /// Writes `entries` to the store below, each with the timestamp of the
    /// write that made it (the changelog record's timestamp, as Java sets
    /// the entry's record context), then forwards each with the value it
    /// replaced. Deleting an absent window writes and forwards nothing.
    fn write_down(&mut self, entries: Vec<DirtyEntry>) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let current = self.timestamp.get();
        let mut written = Vec::with_capacity(entries.len());
        for mut entry in entries {
            let raw = parse_window_key(self.inner.name(), &entry.key)?;
            let old = match entry.below.take() {
                Some(below) => below,
                None => self.inner.fetch_one(raw.key, raw.start_ms)?,
            };
            if entry.value.is_none() && old.is_none() {
                continue;
            }
            self.timestamp.set(entry.timestamp);
            let put = self
                .inner
                .put(raw.key, raw.start_ms, entry.value.as_deref());
            self.timestamp.set(current);
            put?;
            written.push((entry, old));
        }
        if let Some(listener) = self.listener.as_mut() {
            for (entry, old) in written {
                listener(FlushedEntry {
                    key: entry.key,
                    new_value: entry.value,
                    old_value: old,
                    timestamp: entry.timestamp,
                })?;
            }
        }
        Ok(())
    }

    /// `below` (in store order) with the cached entries of windows starting
    /// in `[from, to]` (and of `key`, if given) laid over it.
    fn merged(
        &self,
        below: Vec<WindowedBytes>,
        key: Option<&[u8]>,
        from: i64,
        to: i64,
    ) -> Result<Vec<WindowedBytes>> {
        let cached = self
            .cache
            .snapshot(&self.namespace, Scan::All { reverse: false });
        if cached.is_empty() {
            return Ok(below);
        }
        let mut merged: BTreeMap<(i64, Vec<u8>, u32), Option<Vec<u8>>> = below
            .into_iter()
            .map(|e| ((e.start_ms, e.key, e.seq), Some(e.value)))
            .collect();
        for (cache_key, value) in cached {
            let raw = parse_window_key(self.inner.name(), &cache_key)?;
            let wanted = key.is_none_or(|k| k == raw.key);
            if wanted && raw.start_ms >= from && raw.start_ms <= to {
                merged.insert((raw.start_ms, raw.key.to_vec(), raw.seq), value);
            }
        }
        Ok(merged
            .into_iter()
            .filter_map(|((start_ms, key, seq), value)| {
                value.map(|value| WindowedBytes {
                    start_ms,
                    key,
                    seq,
                    value,
                })
            })
            .collect())
    }
}

impl StateStore for CachingWindowStore {
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

impl WindowBytesStore for CachingWindowStore {
    fn window_size_ms(&self) -> i64 {
        self.inner.window_size_ms()
    }

    #[cfg(test)]
    fn observed_stream_time(&self) -> i64 {
        self.inner.observed_stream_time()
    }

    fn is_caching(&self) -> bool {
        true
    }

    /// Caches the write; the store below sees it on flush or eviction.
    fn put(&mut self, key: &[u8], window_start: i64, value: Option<&[u8]>) -> Result<Option<u32>> {
        self.cache.put_dirty(
            &self.namespace,
            &cache_key(key, window_start),
            value.map(<[u8]>::to_vec),
            self.timestamp.get(),
        );
        self.flush_evicted()?;
        Ok(Some(0))
    }

    /// A miss reads the store below and caches what it found, absent
    /// windows too: an aggregation reads each window before it writes it,
    /// so the write-down then knows the value it replaces (it forwards it
    /// as the old value) without reading the store again. Java's
    /// `CachingWindowStore` caches no reads and reads on write-down only
    /// when old values are sent; the old value's read is ours to save.
    fn fetch_one(&self, key: &[u8], window_start: i64) -> Result<Option<Vec<u8>>> {
        let cache_key = cache_key(key, window_start);
        if let Some(cached) = self.cache.get(&self.namespace, &cache_key) {
            return Ok(cached);
        }
        let value = self.inner.fetch_one(key, window_start)?;
        self.cache
            .put_clean(&self.namespace, &cache_key, value.clone());
        Ok(value)
    }

    fn fetch(&self, key: &[u8], time_from: i64, time_to: i64) -> Result<Vec<WindowedBytes>> {
        let below = self.inner.fetch(key, time_from, time_to)?;
        self.merged(below, Some(key), time_from, time_to)
    }

    fn fetch_all(&self, time_from: i64, time_to: i64) -> Result<Vec<WindowedBytes>> {
        let below = self.inner.fetch_all(time_from, time_to)?;
        self.merged(below, None, time_from, time_to)
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::in_memory_window::InMemoryWindowStore;
    use std::sync::Mutex;

    type Seen = Arc<Mutex<Vec<(i64, Option<Vec<u8>>, Option<Vec<u8>>)>>>;

    fn store(max_bytes: usize) -> (CachingWindowStore, Seen) {
        let seen: Seen = Arc::default();
        let sink = seen.clone();
        let listener: CacheFlushListener = Box::new(move |e: FlushedEntry| {
            let raw = RawWindowStoreKey::parse(&e.key).expect("a window cache key");
            sink.lock()
                .expect("not poisoned")
                .push((raw.start_ms, e.new_value, e.old_value));
            Ok(())
        });
        let inner = Box::new(InMemoryWindowStore::new("w", 1_000, 10, false));
        let cache = Arc::new(ThreadCache::new(max_bytes));
        let store = CachingWindowStore::new(
            inner,
            cache,
            "0_0",
            RecordTimestamp::default(),
            Some(listener),
        );
        (store, seen)
    }

    #[test]
    fn updates_of_a_window_are_forwarded_once_per_flush_with_the_old_value() -> Result<()> {
        let (mut store, seen) = store(1 << 20);
        store.put(b"k", 0, Some(b"1"))?;
        store.put(b"k", 0, Some(b"2"))?;
        store.put(b"k", 10, Some(b"a"))?;
        assert!(seen.lock().expect("not poisoned").is_empty());
        assert_eq!(store.fetch_one(b"k", 0)?, Some(b"2".to_vec()));
        store.flush()?;
        store.put(b"k", 0, Some(b"3"))?;
        store.flush()?;
        assert_eq!(
            *seen.lock().expect("not poisoned"),
            vec![
                (0, Some(b"2".to_vec()), None),
                (10, Some(b"a".to_vec()), None),
                (0, Some(b"3".to_vec()), Some(b"2".to_vec())),
            ]
        );
        Ok(())
    }

    #[test]
    fn fetches_merge_cached_entries_over_the_store_in_window_order() -> Result<()> {
        let (mut store, _) = store(1 << 20);
        store.put(b"a", 10, Some(b"1"))?;
        store.put(b"b", 0, Some(b"1"))?;
        store.flush()?;
        store.put(b"a", 10, Some(b"2"))?; // cached over the store
        store.put(b"a", 0, Some(b"x"))?; // cached only
        store.put(b"b", 0, None)?; // cached delete hides the stored window
        store.put(b"c", 20, Some(b"y"))?;
        let all: Vec<_> = store
            .fetch_all(0, 100)?
            .into_iter()
            .map(|e| (e.start_ms, e.key, e.value))
            .collect();
        assert_eq!(
            all,
            vec![
                (0, b"a".to_vec(), b"x".to_vec()),
                (10, b"a".to_vec(), b"2".to_vec()),
                (20, b"c".to_vec(), b"y".to_vec()),
            ]
        );
        let a: Vec<_> = store
            .fetch(b"a", 5, 100)?
            .into_iter()
            .map(|e| (e.start_ms, e.value))
            .collect();
        assert_eq!(a, vec![(10, b"2".to_vec())]);
        assert_eq!(store.fetch_one(b"b", 0)?, None);
        Ok(())
    }

    #[test]
    fn the_write_down_forwards_the_old_value_the_aggregations_read_found() -> Result<()> {
        let (mut store, seen) = store(1 << 20);
        store.inner.put(b"k", 0, Some(b"x"))?;
        assert_eq!(store.fetch_one(b"k", 0)?, Some(b"x".to_vec()));
        assert_eq!(store.fetch_one(b"k", 10)?, None);
        // Changed below behind the cache's back: a write-down that read the
        // store again would forward no old value for window 0.
        store.inner.put(b"k", 0, None)?;
        store.put(b"k", 0, Some(b"y"))?;
        store.put(b"k", 10, Some(b"z"))?;
        store.flush()?;
        assert_eq!(
            *seen.lock().expect("not poisoned"),
            vec![
                (0, Some(b"y".to_vec()), Some(b"x".to_vec())),
                (10, Some(b"z".to_vec()), None),
            ]
        );
        Ok(())
    }

    #[test]
    fn a_tiny_cache_writes_down_and_forwards_on_eviction() -> Result<()> {
        let (mut store, seen) = store(1);
        store.put(b"k", 0, Some(b"1"))?;
        store.put(b"k", 0, Some(b"2"))?;
        assert_eq!(seen.lock().expect("not poisoned").len(), 2);
        assert_eq!(store.inner.fetch_one(b"k", 0)?, Some(b"2".to_vec()));
        Ok(())
    }
}
