//! The session-store contracts, as Kafka Streams' `SessionStore`:
//! [`SessionBytesStore`] (raw bytes) and [`SessionStore`] (typed).
//!
//! A session store keeps one aggregate per `(key, session window)`, where
//! a session window's bounds are both inclusive. Store and changelog key:
//! Java's `SessionKeySchema.toBinary`, `[key][end: 8 BE][start: 8 BE]`
//! ([`RawSessionKey`]). Retention counts from the session *end*: a
//! session is live while `end > observed stream time - retention`, and
//! observed stream time is the largest session end put or restored.
//!
//! # Ordering (both implementations agree)
//! - one key: ascending by `(end, start)`; `backward_*` descending;
//! - several keys: ascending by `(end, key bytes, start)`, as Java's
//!   `InMemorySessionStore`.
//!
//! Results are collected into a `Vec` for now.
//!
//! Owns: the contracts. Must never: know a storage engine or Kafka.

use kstreams_serde::{RawSessionKey, Window, Windowed};

use crate::error::Result;
use crate::state::store::{state_error, RestoreRecord, StateStore};
use crate::state::window_store::check_timestamp;

/// One session, as a bytes store returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionBytes {
    /// The serialized record key.
    pub key: Vec<u8>,
    /// The session's bounds (both inclusive).
    pub window: Window,
    /// The serialized aggregate.
    pub value: Vec<u8>,
}

impl SessionBytes {}

/// A session store over raw bytes, as Kafka Streams'
/// `SessionStore<Bytes, byte[]>`. Sessions are live while
/// `end > observed stream time - retention`.
///
/// # Ordering (every implementation agrees)
/// - one key: ascending by `(end, start)`; `backward_*` descending;
/// - several keys: ascending by `(end, key bytes, start)`, as Java's
///   `InMemorySessionStore`.
///
/// Results are collected into a `Vec` (no lazy iterators yet).
pub(crate) trait SessionBytesStore: StateStore {
    /// The largest session end seen (`-1` before any).
    #[cfg(test)]
    fn observed_stream_time(&self) -> i64;

    /// Stores the aggregate of `key`'s session `window`; `None` removes it.
    /// A session already expired (after advancing observed stream time to
    /// its end) is dropped, as Java.
    fn put(&mut self, key: &[u8], window: Window, value: Option<&[u8]>) -> Result<()>;

    /// Removes `key`'s session `window`.
    fn remove(&mut self, key: &[u8], window: Window) -> Result<()> {
        self.put(key, window, None)
    }

    /// Sessions of `key` with `end >= earliest_session_end` and
    /// `start <= latest_session_start`, ascending by `(end, start)`.
    fn find_sessions(
        &self,
        key: &[u8],
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Vec<SessionBytes>>;

    /// [`find_sessions`](Self::find_sessions), descending.
    fn backward_find_sessions(
        &self,
        key: &[u8],
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Vec<SessionBytes>> {
        let mut sessions = self.find_sessions(key, earliest_session_end, latest_session_start)?;
        sessions.reverse();
        Ok(sessions)
    }

    /// Sessions of every key with `end >= earliest_session_end` and
    /// `start <= latest_session_start`, ascending by `(end, key, start)`.
    fn find_sessions_all(
        &self,
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Vec<SessionBytes>>;

    /// Sessions of every key whose end is in `[earliest_end, latest_end]`,
    /// ascending by `(end, start, key bytes)`: Java's
    /// `findSessions(earliestSessionEndTime, latestSessionEndTime)` on its
    /// time-ordered session store, which emit-on-window-close aggregations
    /// scan for closed sessions. Stores that keep expired sessions until
    /// their segment is dropped (RocksDB) return those too, as Java's.
    fn find_sessions_ending(
        &self,
        earliest_end: i64,
        latest_end: i64,
    ) -> Result<Vec<SessionBytes>> {
        let mut found: Vec<SessionBytes> = self
            .find_sessions_all(earliest_end, latest_end)?
            .into_iter()
            .filter(|s| s.window.end_ms <= latest_end)
            .collect();
        sort_time_first(&mut found);
        Ok(found)
    }

    /// All live sessions of `key`, ascending by `(end, start)`.
    fn fetch(&self, key: &[u8]) -> Result<Vec<SessionBytes>> {
        self.find_sessions(key, 0, i64::MAX)
    }

    /// The aggregate of `key`'s session with exactly these bounds.
    fn fetch_session(&self, key: &[u8], window: Window) -> Result<Option<Vec<u8>>> {
        Ok(self
            .find_sessions(key, window.end_ms, window.start_ms)?
            .into_iter()
            .find(|s| s.window == window)
            .map(|s| s.value))
    }

    /// Whether writes wait in a record cache (the caching layer says yes).
    fn is_caching(&self) -> bool {
        false
    }

    /// Writes down what the thread cache evicted from this store (the
    /// caching layer; nothing to do for the others).
    fn flush_evicted(&mut self) -> Result<()> {
        Ok(())
    }

    /// Applies changelog records (`[key][end][start]` keys, tombstones
    /// remove), bypassing logging; observed stream time first advances to
    /// the batch's largest end, then expired records are skipped.
    fn restore_batch(&mut self, records: &[RestoreRecord<'_>]) -> Result<()>;
}

/// Sorts sessions as Java's `TimeFirstSessionKeySchema` orders them:
/// `(end, start, key bytes)`.
pub(crate) fn sort_time_first(sessions: &mut [SessionBytes]) {
    sessions.sort_by(|a, b| {
        (a.window.end_ms, a.window.start_ms, &a.key).cmp(&(
            b.window.end_ms,
            b.window.start_ms,
            &b.key,
        ))
    });
}

/// Parses a session key read from disk or a changelog.
pub(crate) fn parse_session_key<'a>(store: &str, bytes: &'a [u8]) -> Result<RawSessionKey<'a>> {
    RawSessionKey::parse(bytes)
        .map_err(|e| state_error(store, format!("corrupt session-store key: {e}")))
}

/// Rejects sessions Kafka never writes: negative start, end before start.
pub(crate) fn check_session(store: &str, window: Window) -> Result<()> {
    check_timestamp(store, "session start", window.start_ms)?;
    if window.end_ms < window.start_ms {
        return Err(state_error(
            store,
            format!(
                "session end {} is before its start {}",
                window.end_ms, window.start_ms
            ),
        ));
    }
    Ok(())
}

/// A typed session store, as Kafka Streams' `SessionStore<K, V>`; the
/// implementation is [`MeteredSessionStore`](crate::state::MeteredSessionStore).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a kstreams session store of these key and value types",
    note = "build one with `SessionStoreBuilder`, whose key and value serdes must match the processor's types"
)]
pub trait SessionStore<K, V> {
    /// The store's name.
    fn name(&self) -> &str;

    /// Stores the aggregate of a session (a value the serde writes as
    /// `null` removes it, as Java's `put(session, null)`).
    fn put(&mut self, session: &Windowed<K>, value: &V) -> Result<()>;

    /// Removes a session.
    fn remove(&mut self, session: &Windowed<K>) -> Result<()>;

    /// Sessions of `key` ending at or after `earliest_session_end` and
    /// starting at or before `latest_session_start`, ascending by end.
    fn find_sessions(
        &self,
        key: &K,
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Vec<(Windowed<K>, V)>>;

    /// [`find_sessions`](Self::find_sessions), descending.
    fn backward_find_sessions(
        &self,
        key: &K,
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Vec<(Windowed<K>, V)>>;

    /// Sessions of every key, as [`find_sessions`](Self::find_sessions).
    fn find_sessions_all(
        &self,
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Vec<(Windowed<K>, V)>>;

    /// All live sessions of `key`.
    fn fetch(&self, key: &K) -> Result<Vec<(Windowed<K>, V)>>;

    /// The aggregate of `key`'s session `[start, end]`.
    fn fetch_session(&self, key: &K, start_ms: i64, end_ms: i64) -> Result<Option<V>>;

    /// Flushes every layer below (the runtime does this on commit).
    fn flush(&mut self) -> Result<()>;
}
