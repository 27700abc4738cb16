//! [`StoreMetrics`]: what the metered layer of a store records, one
//! sensor per operation (Java's `StateStoreMetrics`).
//!
//! Under `metrics.recording.level` INFO (and for stores built outside a
//! task) the sensors only count; at DEBUG they are registered with the
//! task's tags and every operation is timed.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::metrics::specs::{
    STORE_DELETE, STORE_FETCH, STORE_FLUSH, STORE_GET, STORE_PUT, STORE_PUT_ALL,
    STORE_PUT_IF_ABSENT, STORE_RANGE, STORE_RESTORE,
};
use crate::metrics::{OpSensor, StoreScope};

/// Operation counts and latencies of one store.
#[derive(Debug, Clone)]
pub struct StoreMetrics {
    pub(crate) put: OpSensor,
    pub(crate) put_if_absent: OpSensor,
    pub(crate) put_all: OpSensor,
    /// `get` (key/value stores) or `fetch` (window and session stores).
    pub(crate) get: OpSensor,
    pub(crate) delete: OpSensor,
    pub(crate) range: OpSensor,
    pub(crate) flush: OpSensor,
    pub(crate) restore: OpSensor,
    put_all_entries: std::sync::Arc<AtomicU64>,
}

impl Default for StoreMetrics {
    fn default() -> Self {
        StoreMetrics {
            put: OpSensor::detached(),
            put_if_absent: OpSensor::detached(),
            put_all: OpSensor::detached(),
            get: OpSensor::detached(),
            delete: OpSensor::detached(),
            range: OpSensor::detached(),
            flush: OpSensor::detached(),
            restore: OpSensor::detached(),
            put_all_entries: Default::default(),
        }
    }
}

impl StoreMetrics {
    /// The sensors of store `name`, of Java's metrics scope `store_type`
    /// (`rocksdb`, `in-memory`, `in-memory-lru`, `rocksdb-window`, ...).
    pub(crate) fn new(scope: &StoreScope, store_type: &str, name: &str) -> StoreMetrics {
        let windowed = store_type.ends_with("-window") || store_type.ends_with("-session");
        let op = |spec| OpSensor::new(scope, spec, store_type, name);
        StoreMetrics {
            put: op(&STORE_PUT),
            put_if_absent: op(&STORE_PUT_IF_ABSENT),
            put_all: op(&STORE_PUT_ALL),
            get: op(if windowed { &STORE_FETCH } else { &STORE_GET }),
            delete: op(&STORE_DELETE),
            range: op(&STORE_RANGE),
            flush: op(&STORE_FLUSH),
            restore: op(&STORE_RESTORE),
            put_all_entries: Default::default(),
        }
    }

    /// Counts the entries of one `put_all`.
    pub(crate) fn record_put_all_entries(&self, n: usize) {
        self.put_all_entries.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Puts (including `put_if_absent` and each entry of `put_all`).
    pub fn puts(&self) -> u64 {
        self.put.count() + self.put_if_absent.count() + self.put_all_entries.load(Ordering::Relaxed)
    }
    /// Total put latency in nanoseconds (0 unless `metrics.recording.level`
    /// is DEBUG or TRACE: only then are operations timed).
    pub fn put_nanos(&self) -> u64 {
        self.put.nanos() + self.put_if_absent.nanos() + self.put_all.nanos()
    }
    /// Gets (window and session stores: single-key fetches).
    pub fn gets(&self) -> u64 {
        self.get.count()
    }
    /// Total get latency in nanoseconds (0 unless timed, see [`put_nanos`](Self::put_nanos)).
    pub fn get_nanos(&self) -> u64 {
        self.get.nanos()
    }
    /// Deletes.
    pub fn deletes(&self) -> u64 {
        self.delete.count()
    }
    /// Range, prefix and full scans opened.
    pub fn scans(&self) -> u64 {
        self.range.count()
    }
    /// Flushes.
    pub fn flushes(&self) -> u64 {
        self.flush.count()
    }
}
