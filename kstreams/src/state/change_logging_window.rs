//! [`ChangeLoggingWindowBytesStore`] and [`ChangeLoggingSessionBytesStore`]:
//! the layers that append every window or session write to the store's
//! changelog through a [`ChangelogCollector`], as Kafka Streams'
//! `ChangeLoggingWindowBytesStore` and `ChangeLoggingSessionBytesStore`.
//!
//! Changelog keys are Java's: `[key][start: 8][seq: 4]` for windows
//! (`WindowKeySchema.toStoreKeyBinary`, the sequence number being the one
//! the store below assigned) and `[key][end: 8][start: 8]` for sessions
//! (`SessionKeySchema.toBinary`); deletes are tombstones; records carry the
//! current [`RecordTimestamp`].
//!
//! Owns: turning writes into changelog records, in write order. Must
//! never: cache, serialize values, or log a restore.

use std::sync::Arc;

use kstreams_serde::{RawSessionKey, RawWindowStoreKey, Window};

use crate::error::Result;
use crate::state::changelog::{ChangelogCollector, ChangelogRecord, RecordTimestamp};
use crate::state::session_store::{SessionBytes, SessionBytesStore};
use crate::state::store::{RestoreRecord, StateStore};
use crate::state::window_store::{WindowBytesStore, WindowedBytes};

/// Where and how a logging layer writes.
struct Log {
    collector: Arc<dyn ChangelogCollector>,
    topic: Arc<str>,
    partition: i32,
    timestamp: RecordTimestamp,
}

impl Log {
    fn send(&self, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        self.collector.send(ChangelogRecord {
            topic: &self.topic,
            partition: self.partition,
            key,
            value,
            timestamp: self.timestamp.get(),
        })
    }
}

/// Implements [`StateStore`] by delegating to `self.inner`.
macro_rules! delegate_state_store {
    ($ty:ty) => {
        impl StateStore for $ty {
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
    };
}

/// Logs every write of the wrapped window store.
pub(crate) struct ChangeLoggingWindowBytesStore {
    inner: Box<dyn WindowBytesStore>,
    log: Log,
}

impl std::fmt::Debug for ChangeLoggingWindowBytesStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeLoggingWindowBytesStore")
            .field("store", &self.inner.name())
            .field("topic", &self.log.topic)
            .field("partition", &self.log.partition)
            .finish()
    }
}

impl ChangeLoggingWindowBytesStore {
    /// Wraps `inner`; records go to `topic` partition `partition`, stamped
    /// with `timestamp`'s current value.
    pub(crate) fn new(
        inner: Box<dyn WindowBytesStore>,
        collector: Arc<dyn ChangelogCollector>,
        topic: impl Into<Arc<str>>,
        partition: i32,
        timestamp: RecordTimestamp,
    ) -> Self {
        Self {
            inner,
            log: Log {
                collector,
                topic: topic.into(),
                partition,
                timestamp,
            },
        }
    }
}

delegate_state_store!(ChangeLoggingWindowBytesStore);

impl WindowBytesStore for ChangeLoggingWindowBytesStore {
    fn window_size_ms(&self) -> i64 {
        self.inner.window_size_ms()
    }
    #[cfg(test)]
    fn observed_stream_time(&self) -> i64 {
        self.inner.observed_stream_time()
    }

    fn put(&mut self, key: &[u8], window_start: i64, value: Option<&[u8]>) -> Result<Option<u32>> {
        let seq = self.inner.put(key, window_start, value)?;
        if let Some(seq) = seq {
            let store_key = RawWindowStoreKey {
                key,
                start_ms: window_start,
                seq,
            };
            self.log.send(&store_key.to_vec(), value)?;
        }
        Ok(seq)
    }

    fn fetch_one(&self, key: &[u8], window_start: i64) -> Result<Option<Vec<u8>>> {
        self.inner.fetch_one(key, window_start)
    }
    fn fetch(&self, key: &[u8], from: i64, to: i64) -> Result<Vec<WindowedBytes>> {
        self.inner.fetch(key, from, to)
    }
    fn backward_fetch(&self, key: &[u8], from: i64, to: i64) -> Result<Vec<WindowedBytes>> {
        self.inner.backward_fetch(key, from, to)
    }
    fn fetch_key_range(
        &self,
        key_from: &[u8],
        key_to: &[u8],
        from: i64,
        to: i64,
    ) -> Result<Vec<WindowedBytes>> {
        self.inner.fetch_key_range(key_from, key_to, from, to)
    }
    fn fetch_all(&self, from: i64, to: i64) -> Result<Vec<WindowedBytes>> {
        self.inner.fetch_all(from, to)
    }
    fn backward_fetch_all(&self, from: i64, to: i64) -> Result<Vec<WindowedBytes>> {
        self.inner.backward_fetch_all(from, to)
    }
    fn all(&self) -> Result<Vec<WindowedBytes>> {
        self.inner.all()
    }
    fn restore_batch(&mut self, records: &[RestoreRecord<'_>]) -> Result<()> {
        self.inner.restore_batch(records)
    }
}

/// Logs every write of the wrapped session store.
pub(crate) struct ChangeLoggingSessionBytesStore {
    inner: Box<dyn SessionBytesStore>,
    log: Log,
}

impl std::fmt::Debug for ChangeLoggingSessionBytesStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeLoggingSessionBytesStore")
            .field("store", &self.inner.name())
            .field("topic", &self.log.topic)
            .field("partition", &self.log.partition)
            .finish()
    }
}

impl ChangeLoggingSessionBytesStore {
    /// Wraps `inner`; records go to `topic` partition `partition`.
    pub(crate) fn new(
        inner: Box<dyn SessionBytesStore>,
        collector: Arc<dyn ChangelogCollector>,
        topic: impl Into<Arc<str>>,
        partition: i32,
        timestamp: RecordTimestamp,
    ) -> Self {
        Self {
            inner,
            log: Log {
                collector,
                topic: topic.into(),
                partition,
                timestamp,
            },
        }
    }
}

delegate_state_store!(ChangeLoggingSessionBytesStore);

impl SessionBytesStore for ChangeLoggingSessionBytesStore {
    #[cfg(test)]
    fn observed_stream_time(&self) -> i64 {
        self.inner.observed_stream_time()
    }

    fn put(&mut self, key: &[u8], window: Window, value: Option<&[u8]>) -> Result<()> {
        self.inner.put(key, window, value)?;
        self.log
            .send(&RawSessionKey { key, window }.to_vec(), value)
    }

    fn find_sessions(&self, key: &[u8], end: i64, start: i64) -> Result<Vec<SessionBytes>> {
        self.inner.find_sessions(key, end, start)
    }
    fn backward_find_sessions(
        &self,
        key: &[u8],
        end: i64,
        start: i64,
    ) -> Result<Vec<SessionBytes>> {
        self.inner.backward_find_sessions(key, end, start)
    }
    fn find_sessions_all(&self, end: i64, start: i64) -> Result<Vec<SessionBytes>> {
        self.inner.find_sessions_all(end, start)
    }
    fn find_sessions_ending(
        &self,
        earliest_end: i64,
        latest_end: i64,
    ) -> Result<Vec<SessionBytes>> {
        self.inner.find_sessions_ending(earliest_end, latest_end)
    }
    fn fetch(&self, key: &[u8]) -> Result<Vec<SessionBytes>> {
        self.inner.fetch(key)
    }
    fn fetch_session(&self, key: &[u8], window: Window) -> Result<Option<Vec<u8>>> {
        self.inner.fetch_session(key, window)
    }
    fn restore_batch(&mut self, records: &[RestoreRecord<'_>]) -> Result<()> {
        self.inner.restore_batch(records)
    }
}
