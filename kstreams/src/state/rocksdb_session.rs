//! [`RocksDbSessionStore`]: the persistent session bytes store, segmented
//! by session *end*, as Kafka Streams' `RocksDBSessionStore` over a
//! `RocksDBSegmentedBytesStore` with `SessionKeySchema`.
//!
//! Keys in each segment are the changelog keys, `[key][end: 8][start: 8]`;
//! scans over several keys are sorted by `(end, key, start)` per segment.
//! On open, observed stream time is recovered from the newest segment.
//!
//! Owns: session data on disk and its expiry. Must never: log.

use std::path::Path;

use kstreams_serde::{RawSessionKey, Window};
use rocksdb::WriteBatch;

use crate::error::Result;
use crate::state::rocksdb_config::RocksDbConfig;
use crate::state::segments::{segment_interval, Segments};
use crate::state::session_store::{
    check_session, parse_session_key, sort_time_first, SessionBytes, SessionBytesStore,
};
use crate::state::store::{RestoreRecord, StateStore};
use crate::state::window_store::StreamTime;

/// A session store in time-segmented RocksDB databases.
pub(crate) struct RocksDbSessionStore {
    name: String,
    time: StreamTime,
    segments: Segments,
}

impl std::fmt::Debug for RocksDbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksDbSessionStore")
            .field("name", &self.name)
            .field("dir", &self.segments.dir())
            .field("segments", &self.segments.ids())
            .finish()
    }
}

impl RocksDbSessionStore {
    /// Opens (creating if needed) session store `name` of the task whose
    /// state directory is `task_dir`, reopening existing segments.
    pub(crate) fn open(
        name: impl Into<String>,
        task_dir: &Path,
        config: &RocksDbConfig,
        retention_ms: i64,
    ) -> Result<Self> {
        let name = name.into();
        let segments = Segments::open(&name, task_dir, segment_interval(retention_ms), config)?;
        let mut store = Self {
            name,
            time: StreamTime::new(retention_ms),
            segments,
        };
        if let Some(&newest) = store.segments.ids().last() {
            if let Some(db) = store.segments.get(newest)? {
                for (key, _) in store.segments.scan(db, None, None)? {
                    let end = parse_session_key(&store.name, &key)?.window.end_ms;
                    store.time.observe(end);
                }
            }
        }
        store
            .segments
            .drop_expired(store.time.oldest_segment_time())?;
        Ok(store)
    }

    /// Live sessions with `end >= earliest_end`, `start <= latest_start`,
    /// key passing `keep`, sorted by `(end, key, start)`.
    fn scan(
        &self,
        earliest_end: i64,
        latest_start: i64,
        key: Option<&[u8]>,
        keep: impl Fn(&[u8]) -> bool,
    ) -> Result<Vec<SessionBytes>> {
        self.segments.check_open()?;
        let from = earliest_end.max(self.time.min_live()).max(0);
        // Java's `SessionKeySchema.lowerRangeFixedSize` / `upperRangeFixedSize`.
        let (lower, upper) = match key {
            Some(key) => (
                Some(
                    RawSessionKey {
                        key,
                        window: Window::new(0, from),
                    }
                    .to_vec(),
                ),
                Some(
                    RawSessionKey {
                        key,
                        window: Window::new(latest_start.max(0), i64::MAX),
                    }
                    .to_vec(),
                ),
            ),
            None => (None, None),
        };
        let mut out: Vec<(i64, Vec<u8>, i64, Vec<u8>)> = Vec::new();
        for db in self
            .segments
            .range(self.segments.segment_id(from), i64::MAX)?
        {
            let start_of_segment = out.len();
            for (store_key, value) in self.segments.scan(db, lower.as_deref(), upper.as_deref())? {
                let raw = parse_session_key(&self.name, &store_key)?;
                let w = raw.window;
                if w.end_ms >= from && w.start_ms <= latest_start && keep(raw.key) {
                    out.push((w.end_ms, raw.key.to_vec(), w.start_ms, value));
                }
            }
            out[start_of_segment..].sort_unstable();
        }
        Ok(out
            .into_iter()
            .map(|(end, key, start, value)| SessionBytes {
                key,
                window: Window::new(start, end),
                value,
            })
            .collect())
    }
}

impl StateStore for RocksDbSessionStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn persistent(&self) -> bool {
        true
    }

    fn flush(&mut self) -> Result<()> {
        self.segments.flush()
    }

    fn close(&mut self) -> Result<()> {
        self.segments.close()
    }
}

impl SessionBytesStore for RocksDbSessionStore {
    #[cfg(test)]
    fn observed_stream_time(&self) -> i64 {
        self.time.observed()
    }

    fn put(&mut self, key: &[u8], window: Window, value: Option<&[u8]>) -> Result<()> {
        self.segments.check_open()?;
        check_session(&self.name, window)?;
        self.time.observe(window.end_ms);
        // As Java's segmented stores, a session is written while its
        // segment lives, even if reads already skip it as expired (an
        // emit-on-window-close aggregation still emits it).
        let oldest = self.time.oldest_segment_time();
        self.segments.drop_expired(oldest)?;
        if self.segments.segment_id(window.end_ms) < self.segments.segment_id(oldest) {
            return Ok(());
        }
        let id = self.segments.segment_id(window.end_ms);
        if value.is_some() {
            self.segments.get_or_create(id)?;
        }
        if let Some(db) = self.segments.get(id)? {
            let store_key = RawSessionKey { key, window }.to_vec();
            self.segments.put(db, &store_key, value)?;
        }
        Ok(())
    }

    fn find_sessions(
        &self,
        key: &[u8],
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Vec<SessionBytes>> {
        self.scan(earliest_session_end, latest_session_start, Some(key), |k| {
            k == key
        })
    }

    fn find_sessions_all(
        &self,
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Vec<SessionBytes>> {
        self.scan(earliest_session_end, latest_session_start, None, |_| true)
    }

    // Java's `RocksDBTimeOrderedSessionSegmentedBytesStore.fetchSessions`:
    // every session in a live segment whose end is in range, without the
    // exact expiry bound of the other reads (segments expire whole).
    fn find_sessions_ending(
        &self,
        earliest_end: i64,
        latest_end: i64,
    ) -> Result<Vec<SessionBytes>> {
        self.segments.check_open()?;
        let from = earliest_end.max(0);
        if latest_end < from {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        for db in self.segments.range(
            self.segments.segment_id(from),
            self.segments.segment_id(latest_end),
        )? {
            for (store_key, value) in self.segments.scan(db, None, None)? {
                let raw = parse_session_key(&self.name, &store_key)?;
                if (from..=latest_end).contains(&raw.window.end_ms) {
                    found.push(SessionBytes {
                        key: raw.key.to_vec(),
                        window: raw.window,
                        value,
                    });
                }
            }
        }
        sort_time_first(&mut found);
        Ok(found)
    }

    fn fetch_session(&self, key: &[u8], window: Window) -> Result<Option<Vec<u8>>> {
        self.segments.check_open()?;
        if window.end_ms < 0 || self.time.is_expired(window.end_ms) {
            return Ok(None);
        }
        match self.segments.get(self.segments.segment_id(window.end_ms))? {
            Some(db) => self
                .segments
                .get_value(db, &RawSessionKey { key, window }.to_vec()),
            None => Ok(None),
        }
    }

    fn restore_batch(&mut self, records: &[RestoreRecord<'_>]) -> Result<()> {
        self.segments.check_open()?;
        let mut parsed = Vec::with_capacity(records.len());
        for record in records {
            let raw = parse_session_key(&self.name, record.key)?;
            self.time.observe(raw.window.end_ms);
            parsed.push((raw, record));
        }
        let oldest = self.time.oldest_segment_time();
        self.segments.drop_expired(oldest)?;
        let mut batches: std::collections::BTreeMap<i64, WriteBatch> = Default::default();
        for (raw, record) in parsed {
            if self.segments.segment_id(raw.window.end_ms) < self.segments.segment_id(oldest) {
                continue;
            }
            let batch = batches
                .entry(self.segments.segment_id(raw.window.end_ms))
                .or_default();
            match record.value {
                Some(value) => batch.put(record.key, value),
                None => batch.delete(record.key),
            }
        }
        for (id, batch) in batches {
            self.segments.write_batch(id, batch)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::state::session_test_suite::session_store_suite!(
        |dir: &std::path::Path, retention: i64| RocksDbSessionStore::open(
            "rocks-session",
            dir,
            &RocksDbConfig::new(8 << 20, 2 << 20),
            retention
        )
        .expect("open")
    );
}
