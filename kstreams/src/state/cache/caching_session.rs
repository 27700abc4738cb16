//! [`CachingSessionStore`]: the record-cache layer of a session store, as
//! Kafka Streams' `CachingSessionStore`: one dirty entry per (key,
//! session) under the cache key `[key][end: 8][start: 8]` (the store's
//! changelog key); a removed session is a cached delete. On flush or
//! eviction the entries are written to the store below and forwarded
//! through the [`CacheFlushListener`] with the value the store held: a
//! session created and merged away between two commits is never written
//! nor forwarded.
//!
//! Reads merge cached entries over the store below (the cache wins, a
//! cached delete hides the session) and keep the session-store order
//! (one key: by end, then start; all keys: by end, key, start).
//!
//! Cached entries are not filtered by retention, as in Java's caching
//! stores, and the store below sees writes (and advances its retention
//! clock) only when they are written down: with a cache, a session that the
//! uncached store would already have expired can still be found and merged
//! by a record within grace until the next commit.
//!
//! Owns: the store's cache namespace and its write-down. Must never:
//! serialize.

use std::collections::BTreeMap;
use std::sync::Arc;

use kstreams_serde::{RawSessionKey, Window};

use crate::error::Result;
use crate::state::cache::thread_cache::{DirtyEntry, ThreadCache};
use crate::state::cache::{CacheFlushListener, FlushedEntry};
use crate::state::changelog::RecordTimestamp;
use crate::state::in_memory::Scan;
use crate::state::session_store::{parse_session_key, SessionBytes, SessionBytesStore};
use crate::state::store::{RestoreRecord, StateStore};

/// The caching layer over a session bytes store.
pub(crate) struct CachingSessionStore {
    inner: Box<dyn SessionBytesStore>,
    cache: Arc<ThreadCache>,
    namespace: String,
    timestamp: RecordTimestamp,
    listener: Option<CacheFlushListener>,
}

impl std::fmt::Debug for CachingSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachingSessionStore")
            .field("namespace", &self.namespace)
            .finish()
    }
}

fn cache_key(key: &[u8], window: Window) -> Vec<u8> {
    RawSessionKey { key, window }.to_vec()
}

impl CachingSessionStore {
    /// Caches `inner` in `cache` under namespace `<task_id>-<store name>`.
    pub(crate) fn new(
        inner: Box<dyn SessionBytesStore>,
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

    /// As `CachingWindowStore::write_down`: below first, each entry with
    /// its write's timestamp, then the listener with the replaced values.
    fn write_down(&mut self, entries: Vec<DirtyEntry>) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let current = self.timestamp.get();
        let mut written = Vec::with_capacity(entries.len());
        for mut entry in entries {
            let raw = parse_session_key(self.inner.name(), &entry.key)?;
            let old = match entry.below.take() {
                Some(below) => below,
                None => self.inner.fetch_session(raw.key, raw.window)?,
            };
            if entry.value.is_none() && old.is_none() {
                continue;
            }
            self.timestamp.set(entry.timestamp);
            let put = self.inner.put(raw.key, raw.window, entry.value.as_deref());
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

    /// `below` with the cached sessions (of `key`, if given) ending at or
    /// after `earliest_end` and starting at or before `latest_start` laid
    /// over it, ordered by (end, key, start).
    fn merged(
        &self,
        below: Vec<SessionBytes>,
        key: Option<&[u8]>,
        earliest_end: i64,
        latest_start: i64,
    ) -> Result<Vec<SessionBytes>> {
        let cached = self
            .cache
            .snapshot(&self.namespace, Scan::All { reverse: false });
        if cached.is_empty() {
            return Ok(below);
        }
        let mut merged: BTreeMap<(i64, Vec<u8>, i64), Option<Vec<u8>>> = below
            .into_iter()
            .map(|s| ((s.window.end_ms, s.key, s.window.start_ms), Some(s.value)))
            .collect();
        for (cache_key, value) in cached {
            let raw = parse_session_key(self.inner.name(), &cache_key)?;
            let wanted = key.is_none_or(|k| k == raw.key);
            if wanted && raw.window.end_ms >= earliest_end && raw.window.start_ms <= latest_start {
                merged.insert(
                    (raw.window.end_ms, raw.key.to_vec(), raw.window.start_ms),
                    value,
                );
            }
        }
        Ok(merged
            .into_iter()
            .filter_map(|((end, key, start), value)| {
                value.map(|value| SessionBytes {
                    key,
                    window: Window::new(start, end),
                    value,
                })
            })
            .collect())
    }
}

impl StateStore for CachingSessionStore {
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

impl SessionBytesStore for CachingSessionStore {
    #[cfg(test)]
    fn observed_stream_time(&self) -> i64 {
        self.inner.observed_stream_time()
    }

    fn is_caching(&self) -> bool {
        true
    }

    fn put(&mut self, key: &[u8], window: Window, value: Option<&[u8]>) -> Result<()> {
        self.cache.put_dirty(
            &self.namespace,
            &cache_key(key, window),
            value.map(<[u8]>::to_vec),
            self.timestamp.get(),
        );
        self.flush_evicted()
    }

    fn find_sessions(
        &self,
        key: &[u8],
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Vec<SessionBytes>> {
        let below = self
            .inner
            .find_sessions(key, earliest_session_end, latest_session_start)?;
        self.merged(below, Some(key), earliest_session_end, latest_session_start)
    }

    fn find_sessions_all(
        &self,
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Vec<SessionBytes>> {
        let below = self
            .inner
            .find_sessions_all(earliest_session_end, latest_session_start)?;
        self.merged(below, None, earliest_session_end, latest_session_start)
    }

    fn fetch_session(&self, key: &[u8], window: Window) -> Result<Option<Vec<u8>>> {
        match self.cache.get(&self.namespace, &cache_key(key, window)) {
            Some(cached) => Ok(cached),
            None => self.inner.fetch_session(key, window),
        }
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
    use crate::state::in_memory_session::InMemorySessionStore;
    use std::sync::Mutex;

    type Seen = Arc<Mutex<Vec<(Window, Option<Vec<u8>>, Option<Vec<u8>>)>>>;

    fn store() -> (CachingSessionStore, Seen) {
        let seen: Seen = Arc::default();
        let sink = seen.clone();
        let listener: CacheFlushListener = Box::new(move |e: FlushedEntry| {
            let raw = RawSessionKey::parse(&e.key).expect("a session cache key");
            sink.lock()
                .expect("not poisoned")
                .push((raw.window, e.new_value, e.old_value));
            Ok(())
        });
        let inner = Box::new(InMemorySessionStore::new("s", 1_000));
        let cache = Arc::new(ThreadCache::new(1 << 20));
        let store = CachingSessionStore::new(
            inner,
            cache,
            "0_0",
            RecordTimestamp::default(),
            Some(listener),
        );
        (store, seen)
    }

    #[test]
    fn a_session_merged_away_before_the_flush_is_never_forwarded() -> Result<()> {
        let (mut store, seen) = store();
        store.put(b"k", Window::new(0, 0), Some(b"1"))?;
        store.flush()?;
        store.put(b"k", Window::new(5, 5), Some(b"1"))?;
        // A record at 3 merges both sessions into [0, 5].
        store.remove(b"k", Window::new(0, 0))?;
        store.remove(b"k", Window::new(5, 5))?;
        store.put(b"k", Window::new(0, 5), Some(b"3"))?;
        let found: Vec<_> = store
            .find_sessions(b"k", 0, 10)?
            .into_iter()
            .map(|s| (s.window, s.value))
            .collect();
        assert_eq!(found, vec![(Window::new(0, 5), b"3".to_vec())]);
        store.flush()?;
        assert_eq!(
            *seen.lock().expect("not poisoned"),
            vec![
                (Window::new(0, 0), Some(b"1".to_vec()), None),
                (Window::new(0, 0), None, Some(b"1".to_vec())),
                (Window::new(0, 5), Some(b"3".to_vec()), None),
            ]
        );
        Ok(())
    }
}
