//! [`RocksDbWindowStore`]: the persistent window bytes store, segmented by
//! window start, as Kafka Streams' `RocksDBWindowStore` over a
//! `RocksDBSegmentedBytesStore` with `WindowKeySchema`.
//!
//! Keys in each segment are the changelog keys, `[key][start: 8][seq: 4]`,
//! so a restore writes changelog records as they are. Within a segment
//! entries sort by key bytes first; scans over several keys are sorted by
//! `(start, key, seq)` per segment before they are returned (segments
//! split time, so that is the global order).
//!
//! On open, observed stream time is recovered from the newest segment
//! (Java starts again from -1 and shows expired-but-not-yet-dropped
//! records until the next write; we hide them at once).
//!
//! Owns: window data on disk and its expiry. Must never: log, or keep
//! state between restarts other than the segments.

use std::path::Path;

use kstreams_serde::RawWindowStoreKey;
use rocksdb::WriteBatch;

use crate::error::Result;
use crate::state::rocksdb_config::RocksDbConfig;
use crate::state::segments::{segment_interval, Segments};
use crate::state::store::{RestoreRecord, StateStore};
use crate::state::window_store::{
    check_timestamp, parse_window_key, StreamTime, WindowBytesStore, WindowedBytes,
};

/// A window store in time-segmented RocksDB databases.
pub(crate) struct RocksDbWindowStore {
    name: String,
    window_size_ms: i64,
    retain_duplicates: bool,
    time: StreamTime,
    seq: u32,
    segments: Segments,
}

impl std::fmt::Debug for RocksDbWindowStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksDbWindowStore")
            .field("name", &self.name)
            .field("dir", &self.segments.dir())
            .field("segments", &self.segments.ids())
            .finish()
    }
}

impl RocksDbWindowStore {
    /// Opens (creating if needed) window store `name` of the task whose
    /// state directory is `task_dir`, reopening existing segments.
    pub(crate) fn open(
        name: impl Into<String>,
        task_dir: &Path,
        config: &RocksDbConfig,
        retention_ms: i64,
        window_size_ms: i64,
        retain_duplicates: bool,
    ) -> Result<Self> {
        let name = name.into();
        let segments = Segments::open(&name, task_dir, segment_interval(retention_ms), config)?;
        let mut store = Self {
            name,
            window_size_ms,
            retain_duplicates,
            time: StreamTime::new(retention_ms),
            seq: 0,
            segments,
        };
        if let Some(&newest) = store.segments.ids().last() {
            if let Some(db) = store.segments.get(newest)? {
                for (key, _) in store.segments.scan(db, None, None)? {
                    let start = parse_window_key(&store.name, &key)?.start_ms;
                    store.time.observe(start);
                }
            }
        }
        store.segments.drop_expired(store.time.min_live())?;
        Ok(store)
    }

    /// The directory holding this store's segments.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        self.segments.dir()
    }

    /// Ids (`start / interval`) of the segments currently open.
    #[cfg(test)]
    pub(crate) fn segment_ids(&self) -> Vec<i64> {
        self.segments.ids()
    }

    /// Entries with start in `[from, to]` whose key passes `keep`, sorted by
    /// `(start, key, seq)`. `bounds(from, to)` gives inclusive store-key
    /// bounds that narrow each segment scan without ever excluding a match.
    fn scan(
        &self,
        from: i64,
        to: i64,
        bounds: impl Fn(i64, i64) -> (Option<Vec<u8>>, Option<Vec<u8>>),
        keep: impl Fn(&[u8]) -> bool,
    ) -> Result<Vec<WindowedBytes>> {
        self.segments.check_open()?;
        let from = from.max(self.time.min_live()).max(0);
        if to < from {
            return Ok(Vec::new());
        }
        let (lower, upper) = bounds(from, to);
        let mut out = Vec::new();
        let segment_ids = (self.segments.segment_id(from), self.segments.segment_id(to));
        for db in self.segments.range(segment_ids.0, segment_ids.1)? {
            let start_of_segment = out.len();
            for (store_key, value) in self.segments.scan(db, lower.as_deref(), upper.as_deref())? {
                let raw = parse_window_key(&self.name, &store_key)?;
                if raw.start_ms >= from && raw.start_ms <= to && keep(raw.key) {
                    out.push(WindowedBytes {
                        start_ms: raw.start_ms,
                        key: raw.key.to_vec(),
                        seq: raw.seq,
                        value,
                    });
                }
            }
            out[start_of_segment..].sort_unstable();
        }
        Ok(out)
    }
}

impl StateStore for RocksDbWindowStore {
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

impl WindowBytesStore for RocksDbWindowStore {
    fn window_size_ms(&self) -> i64 {
        self.window_size_ms
    }

    #[cfg(test)]
    fn observed_stream_time(&self) -> i64 {
        self.time.observed()
    }

    fn put(&mut self, key: &[u8], window_start: i64, value: Option<&[u8]>) -> Result<Option<u32>> {
        self.segments.check_open()?;
        check_timestamp(&self.name, "window start", window_start)?;
        if self.retain_duplicates && value.is_none() {
            return Ok(None);
        }
        self.time.observe(window_start);
        self.segments.drop_expired(self.time.min_live())?;
        let seq = if self.retain_duplicates {
            self.seq = self.seq.wrapping_add(1) & 0x7FFF_FFFF;
            self.seq
        } else {
            0
        };
        if !self.time.is_expired(window_start) {
            let store_key = RawWindowStoreKey {
                key,
                start_ms: window_start,
                seq,
            }
            .to_vec();
            let id = self.segments.segment_id(window_start);
            if value.is_some() {
                self.segments.get_or_create(id)?;
            }
            if let Some(db) = self.segments.get(id)? {
                self.segments.put(db, &store_key, value)?;
            }
        }
        Ok(Some(seq))
    }

    fn fetch_one(&self, key: &[u8], window_start: i64) -> Result<Option<Vec<u8>>> {
        if window_start < 0 || self.time.is_expired(window_start) {
            return Ok(None);
        }
        let Some(db) = self.segments.get(self.segments.segment_id(window_start))? else {
            return Ok(None);
        };
        if !self.retain_duplicates {
            let store_key = RawWindowStoreKey {
                key,
                start_ms: window_start,
                seq: 0,
            };
            return self.segments.get_value(db, &store_key.to_vec());
        }
        let first = self
            .fetch(key, window_start, window_start)?
            .into_iter()
            .next();
        Ok(first.map(|e| e.value))
    }

    fn fetch(&self, key: &[u8], time_from: i64, time_to: i64) -> Result<Vec<WindowedBytes>> {
        // Only `key`'s entries in the time range lie between these bounds
        // (Java's `lowerRangeFixedSize` / `upperRangeFixedSize`); longer
        // keys extending `key` may too, and are filtered out.
        let bounds = |from, to| {
            (
                Some(RawWindowStoreKey::lower_bound(key, from)),
                Some(RawWindowStoreKey::upper_bound(key, to)),
            )
        };
        self.scan(time_from, time_to, bounds, |k| k == key)
    }

    fn fetch_key_range(
        &self,
        key_from: &[u8],
        key_to: &[u8],
        time_from: i64,
        time_to: i64,
    ) -> Result<Vec<WindowedBytes>> {
        if key_from > key_to {
            return Ok(Vec::new());
        }
        // `key_from` followed by a zero suffix sorts at or before every
        // store key of a key >= `key_from` (Java's `OrderedBytes.lowerRange`);
        // no byte bound is safe on the upper side, so filter instead.
        let bounds = |_, _| (Some(RawWindowStoreKey::lower_bound(key_from, 0)), None);
        self.scan(time_from, time_to, bounds, |k| k >= key_from && k <= key_to)
    }

    fn fetch_all(&self, time_from: i64, time_to: i64) -> Result<Vec<WindowedBytes>> {
        self.scan(time_from, time_to, |_, _| (None, None), |_| true)
    }

    fn restore_batch(&mut self, records: &[RestoreRecord<'_>]) -> Result<()> {
        self.segments.check_open()?;
        let mut parsed = Vec::with_capacity(records.len());
        for record in records {
            let raw = parse_window_key(&self.name, record.key)?;
            self.time.observe(raw.start_ms);
            parsed.push((raw, record));
        }
        self.segments.drop_expired(self.time.min_live())?;
        let mut batches: std::collections::BTreeMap<i64, WriteBatch> = Default::default();
        for (raw, record) in parsed {
            if self.retain_duplicates {
                self.seq = raw.seq;
            }
            if self.time.is_expired(raw.start_ms) {
                continue;
            }
            let batch = batches
                .entry(self.segments.segment_id(raw.start_ms))
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

    crate::state::window_test_suite::window_store_suite!(
        |dir: &std::path::Path, retention: i64, size: i64, dups: bool| {
            RocksDbWindowStore::open(
                "rocks-window",
                dir,
                &RocksDbConfig::new(8 << 20, 2 << 20),
                retention,
                size,
                dups,
            )
            .expect("open")
        }
    );
}
