//! [`InMemorySessionStore`]: a session bytes store in one `BTreeMap`
//! ordered by `(end, key, start)`, as Kafka Streams' `InMemorySessionStore`
//! (a map of end → key → start → aggregate).
//!
//! Owns: in-process session data and its expiry by stream time. Must
//! never: touch the disk or log to a changelog.

use std::collections::BTreeMap;

use kstreams_serde::Window;

use crate::error::Result;
use crate::state::session_store::{
    check_session, parse_session_key, sort_time_first, SessionBytes, SessionBytesStore,
};
use crate::state::store::{closed_error, RestoreRecord, StateStore};
use crate::state::window_store::{segment_interval, StreamTime};

type EntryKey = (i64, Vec<u8>, i64);

/// A session store held in memory (not persistent).
#[derive(Debug)]
pub(crate) struct InMemorySessionStore {
    name: String,
    time: StreamTime,
    /// Segment span (see `expire`).
    interval: i64,
    map: BTreeMap<EntryKey, Vec<u8>>,
    open: bool,
}

impl InMemorySessionStore {
    /// An empty, open store keeping sessions `retention_ms` past their end.
    pub(crate) fn new(name: impl Into<String>, retention_ms: i64) -> Self {
        Self {
            name: name.into(),
            time: StreamTime::new(retention_ms),
            interval: segment_interval(retention_ms),
            map: BTreeMap::new(),
            open: true,
        }
    }

    fn check_open(&self) -> Result<()> {
        if self.open {
            Ok(())
        } else {
            Err(closed_error(&self.name))
        }
    }

    /// Drops the sessions of expired segments: as the RocksDB store (and
    /// Java's segmented stores), a session stays in memory until the
    /// segment of its end expires whole, though reads skip it as soon as
    /// it expires (the emit-final scan, `find_sessions_ending`, does not).
    fn expire(&mut self) {
        let interval = self.interval;
        let min_live_segment_start =
            (self.time.oldest_segment_time().div_euclid(interval)).saturating_mul(interval);
        let live = self
            .map
            .split_off(&(min_live_segment_start, Vec::new(), i64::MIN));
        self.map = live;
    }

    /// Whether a session ending at `end` belongs to a dropped segment.
    fn segment_expired(&self, end: i64) -> bool {
        end.div_euclid(self.interval) < self.time.oldest_segment_time().div_euclid(self.interval)
    }

    fn write(&mut self, key: &[u8], window: Window, value: Option<&[u8]>) {
        let entry = (window.end_ms, key.to_vec(), window.start_ms);
        match value {
            Some(v) => {
                self.map.insert(entry, v.to_vec());
            }
            None => {
                self.map.remove(&entry);
            }
        }
    }

    /// Live sessions with `end >= earliest_end`, `start <= latest_start`
    /// and a key passing `keep`, ascending by `(end, key, start)`.
    fn scan(
        &self,
        earliest_end: i64,
        latest_start: i64,
        keep: impl Fn(&[u8]) -> bool,
    ) -> Result<Vec<SessionBytes>> {
        self.check_open()?;
        let from = earliest_end.max(self.time.min_live());
        Ok(self
            .map
            .range((from, Vec::new(), i64::MIN)..)
            .filter(|((_, key, start), _)| *start <= latest_start && keep(key))
            .map(|((end, key, start), value)| SessionBytes {
                key: key.clone(),
                window: Window::new(*start, *end),
                value: value.clone(),
            })
            .collect())
    }
}

impl StateStore for InMemorySessionStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn persistent(&self) -> bool {
        false
    }

    fn flush(&mut self) -> Result<()> {
        self.check_open()
    }

    fn close(&mut self) -> Result<()> {
        self.open = false;
        self.map.clear();
        Ok(())
    }
}

impl SessionBytesStore for InMemorySessionStore {
    #[cfg(test)]
    fn observed_stream_time(&self) -> i64 {
        self.time.observed()
    }

    fn put(&mut self, key: &[u8], window: Window, value: Option<&[u8]>) -> Result<()> {
        self.check_open()?;
        check_session(&self.name, window)?;
        self.time.observe(window.end_ms);
        self.expire();
        if !self.segment_expired(window.end_ms) {
            self.write(key, window, value);
        }
        Ok(())
    }

    fn find_sessions(
        &self,
        key: &[u8],
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Vec<SessionBytes>> {
        self.scan(earliest_session_end, latest_session_start, |k| k == key)
    }

    fn find_sessions_all(
        &self,
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Vec<SessionBytes>> {
        self.scan(earliest_session_end, latest_session_start, |_| true)
    }

    fn find_sessions_ending(
        &self,
        earliest_end: i64,
        latest_end: i64,
    ) -> Result<Vec<SessionBytes>> {
        self.check_open()?;
        let from = earliest_end.max(0);
        if latest_end < from {
            return Ok(Vec::new());
        }
        let mut found: Vec<SessionBytes> = self
            .map
            .range(
                (from, Vec::new(), i64::MIN)..(latest_end.saturating_add(1), Vec::new(), i64::MIN),
            )
            .map(|((end, key, start), value)| SessionBytes {
                key: key.clone(),
                window: Window::new(*start, *end),
                value: value.clone(),
            })
            .collect();
        sort_time_first(&mut found);
        Ok(found)
    }

    fn fetch_session(&self, key: &[u8], window: Window) -> Result<Option<Vec<u8>>> {
        self.check_open()?;
        if self.time.is_expired(window.end_ms) {
            return Ok(None);
        }
        let entry = (window.end_ms, key.to_vec(), window.start_ms);
        Ok(self.map.get(&entry).cloned())
    }

    fn restore_batch(&mut self, records: &[RestoreRecord<'_>]) -> Result<()> {
        self.check_open()?;
        let mut parsed = Vec::with_capacity(records.len());
        for record in records {
            let raw = parse_session_key(&self.name, record.key)?;
            self.time.observe(raw.window.end_ms);
            parsed.push((raw, record.value));
        }
        self.expire();
        for (raw, value) in parsed {
            if !self.segment_expired(raw.window.end_ms) {
                self.write(raw.key, raw.window, value);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::state::session_test_suite::session_store_suite!(
        |_dir: &std::path::Path, retention: i64| InMemorySessionStore::new(
            "mem-session",
            retention
        )
    );
}
