//! The window-store contracts, as Kafka Streams' `WindowStore`:
//! `WindowBytesStore` (raw bytes; layers and implementations) and
//! [`WindowStore`] (typed; what processors see), plus [`StreamTime`], the
//! retention clock both window and session stores share.
//!
//! A window store keeps, per key, one value per window start (or several,
//! with `retain_duplicates`, for stream-stream join buffers). Its
//! changelog key is Java's `WindowKeySchema.toStoreKeyBinary` layout,
//! `[key][start: 8 BE][seq: 4 BE]` ([`RawWindowStoreKey`]).
//!
//! # Ordering (both implementations agree)
//! - one key: ascending by `(start, seq)`; `backward_*` descending;
//! - several keys: ascending by `(start, key bytes, seq)`, as Java's
//!   `InMemoryWindowStore` (Java's RocksDB store orders by segment, then
//!   key; ours sorts each segment so the two stores answer alike).
//!
//! Results are collected into a `Vec` for now (no lazy iterators); a
//! window query is bounded by its time range and by retention.
//!
//! Owns: the contracts and the retention arithmetic. Must never: know
//! serdes (typed trait aside), Kafka, or a storage engine.

use kstreams_serde::{RawWindowStoreKey, Window, Windowed};

use crate::error::Result;
use crate::state::store::{state_error, RestoreRecord, StateStore};

/// One window-store entry, as a bytes store returns it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct WindowedBytes {
    /// Window start, epoch milliseconds.
    pub start_ms: i64,
    /// The serialized record key.
    pub key: Vec<u8>,
    /// Sequence number (0 unless the store retains duplicates).
    pub seq: u32,
    /// The serialized value.
    pub value: Vec<u8>,
}

impl WindowedBytes {}

/// A window store over raw bytes, as Kafka Streams' `WindowStore<Bytes, byte[]>`.
///
/// # Ordering (every implementation agrees)
/// - one key: ascending by `(start, seq)`; `backward_*` descending;
/// - several keys: ascending by `(start, key bytes, seq)`, as Java's
///   `InMemoryWindowStore` (Java's RocksDB store orders by segment, then
///   key; ours sorts each segment so both stores answer alike).
///
/// Results are collected into a `Vec` (no lazy iterators yet).
/// Time arguments are epoch milliseconds, ranges inclusive at both ends.
/// Negative window starts are rejected (Kafka has none).
pub(crate) trait WindowBytesStore: StateStore {
    /// Window size; a window's end is `start + size` (clamped).
    fn window_size_ms(&self) -> i64;

    /// The largest window start this store has seen (`-1` before any).
    #[cfg(test)]
    fn observed_stream_time(&self) -> i64;

    /// Stores `value` for `key` in the window starting at `window_start`;
    /// `None` deletes it. With `retain_duplicates` every put gets the next
    /// sequence number and `None` is ignored (as Java). A window already
    /// expired (`start <= observed - retention`, after advancing observed
    /// stream time) is dropped.
    ///
    /// Returns the sequence number of the key this put addressed, which
    /// the change-logging layer logs; `None` when the put was a no-op by
    /// definition (`None` under `retain_duplicates`) and logs nothing.
    fn put(&mut self, key: &[u8], window_start: i64, value: Option<&[u8]>) -> Result<Option<u32>>;

    /// The value of `key` in the window starting at `window_start` (with
    /// duplicates: the one with the lowest sequence number).
    fn fetch_one(&self, key: &[u8], window_start: i64) -> Result<Option<Vec<u8>>>;

    /// Entries of `key` with start in `[time_from, time_to]`, ascending.
    fn fetch(&self, key: &[u8], time_from: i64, time_to: i64) -> Result<Vec<WindowedBytes>>;

    /// [`fetch`](Self::fetch), descending.
    fn backward_fetch(
        &self,
        key: &[u8],
        time_from: i64,
        time_to: i64,
    ) -> Result<Vec<WindowedBytes>> {
        let mut entries = self.fetch(key, time_from, time_to)?;
        entries.reverse();
        Ok(entries)
    }

    /// Entries with `key_from <= key <= key_to` (bytes) and start in
    /// `[time_from, time_to]`, ascending by `(start, key, seq)`.
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
        let mut entries = self.fetch_all(time_from, time_to)?;
        entries.retain(|e| e.key.as_slice() >= key_from && e.key.as_slice() <= key_to);
        Ok(entries)
    }

    /// Entries of every key with start in `[time_from, time_to]`,
    /// ascending by `(start, key, seq)`.
    fn fetch_all(&self, time_from: i64, time_to: i64) -> Result<Vec<WindowedBytes>>;

    /// [`fetch_all`](Self::fetch_all), descending.
    fn backward_fetch_all(&self, time_from: i64, time_to: i64) -> Result<Vec<WindowedBytes>> {
        let mut entries = self.fetch_all(time_from, time_to)?;
        entries.reverse();
        Ok(entries)
    }

    /// Every live entry, ascending by `(start, key, seq)`.
    fn all(&self) -> Result<Vec<WindowedBytes>> {
        self.fetch_all(0, i64::MAX)
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

    /// Applies changelog records (`[key][start][seq]` keys, tombstones
    /// delete), bypassing logging. Observed stream time first advances to
    /// the batch's largest start, then expired records are skipped, as
    /// Java's `AbstractRocksDBSegmentedBytesStore.getWriteBatches`.
    fn restore_batch(&mut self, records: &[RestoreRecord<'_>]) -> Result<()>;
}

/// The retention clock of a window or session store: observed stream time
/// (the largest timestamp put or restored) and what it makes expired.
/// Follows Java's `InMemoryWindowStore`: a timestamp `t` is live while
/// `t > observed - retention`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StreamTime {
    observed: i64,
    retention: i64,
}

impl StreamTime {
    /// No time observed yet (`-1`, as Java).
    pub(crate) fn new(retention_ms: i64) -> Self {
        Self {
            observed: -1,
            retention: retention_ms,
        }
    }

    #[cfg(test)]
    pub(crate) fn observed(self) -> i64 {
        self.observed
    }

    /// Advances observed stream time to `timestamp` if it is later.
    pub(crate) fn observe(&mut self, timestamp: i64) {
        self.observed = self.observed.max(timestamp);
    }

    /// The smallest live timestamp: `observed - retention + 1`.
    pub(crate) fn min_live(self) -> i64 {
        self.observed
            .saturating_sub(self.retention)
            .saturating_add(1)
    }

    pub(crate) fn is_expired(self, timestamp: i64) -> bool {
        timestamp < self.min_live()
    }

    /// The time whose segment is the oldest a segmented store keeps
    /// (Java's `AbstractSegments`: `streamTime - retentionPeriod`); older
    /// segments are dropped whole.
    pub(crate) fn oldest_segment_time(self) -> i64 {
        self.observed.saturating_sub(self.retention)
    }
}

/// The time span of one store segment: Java's default, `max(retention /
/// 2, 60 s)` (`Stores.persistentWindowStore`). Segments expire whole.
pub(crate) fn segment_interval(retention_ms: i64) -> i64 {
    (retention_ms / 2).max(60_000)
}

/// Rejects timestamps Kafka never writes (negative), which would also
/// break the byte order of the store keys.
pub(crate) fn check_timestamp(store: &str, what: &str, timestamp: i64) -> Result<()> {
    if timestamp < 0 {
        return Err(state_error(
            store,
            format!("{what} {timestamp} is negative; window and session stores hold only timestamps >= 0"),
        ));
    }
    Ok(())
}

/// Parses a window-store key read from disk or a changelog.
pub(crate) fn parse_window_key<'a>(store: &str, bytes: &'a [u8]) -> Result<RawWindowStoreKey<'a>> {
    RawWindowStoreKey::parse(bytes)
        .map_err(|e| state_error(store, format!("corrupt window-store key: {e}")))
}

/// A typed window store, as Kafka Streams' `WindowStore<K, V>`. Results
/// are `Vec`s in the order `WindowBytesStore` documents (keys compare
/// as serialized bytes); the implementation is [`MeteredWindowStore`](crate::state::MeteredWindowStore).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a kstreams window store of these key and value types",
    note = "build one with `WindowStoreBuilder`, whose key and value serdes must match the processor's types"
)]
pub trait WindowStore<K, V> {
    /// The store's name.
    fn name(&self) -> &str;

    /// Stores `value` for `key` in the window starting at `window_start`
    /// (a value the serde writes as `null` deletes, as Java's `put(k, null, t)`).
    fn put(&mut self, key: &K, value: &V, window_start: i64) -> Result<()>;

    /// Deletes the value of `key` in the window starting at `window_start`
    /// (a no-op in stores that retain duplicates, as Java).
    fn delete(&mut self, key: &K, window_start: i64) -> Result<()>;

    /// The value of `key` in the window starting at `window_start`.
    fn fetch(&self, key: &K, window_start: i64) -> Result<Option<V>>;

    /// `(start, value)` of `key`'s windows starting in `[from, to]`, ascending.
    fn fetch_range(&self, key: &K, from: i64, to: i64) -> Result<Vec<(i64, V)>>;

    /// [`fetch_range`](Self::fetch_range), descending.
    fn backward_fetch(&self, key: &K, from: i64, to: i64) -> Result<Vec<(i64, V)>>;

    /// Windows of keys in `[key_from, key_to]` (by serialized bytes)
    /// starting in `[from, to]`.
    fn fetch_key_range(
        &self,
        key_from: &K,
        key_to: &K,
        from: i64,
        to: i64,
    ) -> Result<Vec<(Windowed<K>, V)>>;

    /// Windows of every key starting in `[from, to]`.
    fn fetch_all(&self, from: i64, to: i64) -> Result<Vec<(Windowed<K>, V)>>;

    /// [`fetch_all`](Self::fetch_all), descending.
    fn backward_fetch_all(&self, from: i64, to: i64) -> Result<Vec<(Windowed<K>, V)>>;

    /// Every live window.
    fn all(&self) -> Result<Vec<(Windowed<K>, V)>>;

    /// Flushes every layer below (the runtime does this on commit).
    fn flush(&mut self) -> Result<()>;
}

/// The time window of `start_ms` in a store of windows of `size_ms`.
pub(crate) fn time_window(start_ms: i64, size_ms: i64) -> Window {
    Window::for_size(start_ms, size_ms)
}
