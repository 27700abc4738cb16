//! [`InMemoryWindowStore`]: a window bytes store in one `BTreeMap`, as
//! Kafka Streams' `InMemoryWindowStore` (which keeps a map per window
//! start; here the start leads the map key, which is the same order).
//!
//! Owns: in-process window data and its expiry by stream time. Must never:
//! touch the disk or log to a changelog (a layer above does).
//!
//! Differs from Java on purpose in one point: a restore keeps the
//! sequence numbers of the changelog keys (Java's in-memory store hands out
//! new ones), so a restored store equals the RocksDB one byte for byte.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::state::store::{closed_error, RestoreRecord, StateStore};
use crate::state::window_store::{
    check_timestamp, parse_window_key, StreamTime, WindowBytesStore, WindowedBytes,
};

type EntryKey = (i64, Vec<u8>, u32);

/// A window store held in memory. Not persistent: after a restart its
/// content comes back only from the changelog.
#[derive(Debug)]
pub(crate) struct InMemoryWindowStore {
    name: String,
    window_size_ms: i64,
    retain_duplicates: bool,
    time: StreamTime,
    seq: u32,
    map: BTreeMap<EntryKey, Vec<u8>>,
    open: bool,
}

impl InMemoryWindowStore {
    /// An empty, open store of windows of `window_size_ms`, kept for
    /// `retention_ms` after stream time passed their start.
    pub(crate) fn new(
        name: impl Into<String>,
        retention_ms: i64,
        window_size_ms: i64,
        retain_duplicates: bool,
    ) -> Self {
        Self {
            name: name.into(),
            window_size_ms,
            retain_duplicates,
            time: StreamTime::new(retention_ms),
            seq: 0,
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

    /// Drops every window that expired (Java's `removeExpiredSegments`).
    fn expire(&mut self) {
        let live = self.map.split_off(&(self.time.min_live(), Vec::new(), 0));
        self.map = live;
    }

    fn write(&mut self, key: &[u8], start: i64, seq: u32, value: Option<&[u8]>) {
        let entry = (start, key.to_vec(), seq);
        match value {
            Some(v) => {
                self.map.insert(entry, v.to_vec());
            }
            None => {
                self.map.remove(&entry);
            }
        }
    }

    /// Live entries with start in `[from, to]` passing `keep`, ascending.
    fn scan(&self, from: i64, to: i64, keep: impl Fn(&[u8]) -> bool) -> Result<Vec<WindowedBytes>> {
        self.check_open()?;
        let from = from.max(self.time.min_live()).max(0);
        if to < from {
            return Ok(Vec::new());
        }
        let range = self.map.range((from, Vec::new(), 0)..);
        Ok(range
            .take_while(|((start, _, _), _)| *start <= to)
            .filter(|((_, key, _), _)| keep(key))
            .map(|((start, key, seq), value)| WindowedBytes {
                start_ms: *start,
                key: key.clone(),
                seq: *seq,
                value: value.clone(),
            })
            .collect())
    }
}

impl StateStore for InMemoryWindowStore {
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

impl WindowBytesStore for InMemoryWindowStore {
    fn window_size_ms(&self) -> i64 {
        self.window_size_ms
    }

    #[cfg(test)]
    fn observed_stream_time(&self) -> i64 {
        self.time.observed()
    }

    fn put(&mut self, key: &[u8], window_start: i64, value: Option<&[u8]>) -> Result<Option<u32>> {
        self.check_open()?;
        check_timestamp(&self.name, "window start", window_start)?;
        if self.retain_duplicates && value.is_none() {
            return Ok(None);
        }
        self.time.observe(window_start);
        self.expire();
        let seq = if self.retain_duplicates {
            self.seq = self.seq.wrapping_add(1) & 0x7FFF_FFFF;
            self.seq
        } else {
            0
        };
        if !self.time.is_expired(window_start) {
            self.write(key, window_start, seq, value);
        }
        Ok(Some(seq))
    }

    fn fetch_one(&self, key: &[u8], window_start: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .scan(window_start, window_start, |k| k == key)?
            .into_iter()
            .next()
            .map(|e| e.value))
    }

    fn fetch(&self, key: &[u8], time_from: i64, time_to: i64) -> Result<Vec<WindowedBytes>> {
        self.scan(time_from, time_to, |k| k == key)
    }

    fn fetch_all(&self, time_from: i64, time_to: i64) -> Result<Vec<WindowedBytes>> {
        self.scan(time_from, time_to, |_| true)
    }

    fn restore_batch(&mut self, records: &[RestoreRecord<'_>]) -> Result<()> {
        self.check_open()?;
        let mut parsed = Vec::with_capacity(records.len());
        for record in records {
            let raw = parse_window_key(&self.name, record.key)?;
            self.time.observe(raw.start_ms);
            parsed.push((raw, record.value));
        }
        self.expire();
        for (raw, value) in parsed {
            if !self.time.is_expired(raw.start_ms) {
                self.write(raw.key, raw.start_ms, raw.seq, value);
            }
            if self.retain_duplicates {
                self.seq = raw.seq;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::state::window_test_suite::window_store_suite!(
        |_dir: &std::path::Path, retention: i64, size: i64, dups: bool| {
            InMemoryWindowStore::new("mem-window", retention, size, dups)
        }
    );
}
