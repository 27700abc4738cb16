//! [`StoreScope`]: where a task's state stores and record caches register
//! their sensors (Java's `StateStoreMetrics`, `NamedCacheMetrics`).
//!
//! Store sensors are DEBUG: under INFO a store gets detached sensors that
//! only count (as kstreams' stores always did) and never read a clock.

use std::sync::Arc;

use super::registry::{SensorSpec, StreamsMetrics, Tags};
use super::sensor::Sensor;
use super::specs::{RECORD_CACHE_ID_TAG, TASK_ID_TAG, THREAD_ID_TAG};

/// The task a store belongs to, for its metrics' tags.
#[derive(Debug, Clone, Default)]
pub(crate) struct StoreScope {
    registry: Option<Arc<StreamsMetrics>>,
    thread_id: String,
    task_id: String,
}

impl StoreScope {
    pub(crate) fn new(registry: Arc<StreamsMetrics>, thread_id: &str, task_id: &str) -> StoreScope {
        StoreScope {
            registry: Some(registry),
            thread_id: thread_id.to_owned(),
            task_id: task_id.to_owned(),
        }
    }

    /// No registry: stores count, nothing is reported (global stores,
    /// stores built by tests).
    pub(crate) fn detached() -> StoreScope {
        StoreScope::default()
    }

    fn tags(&self, id_tag: String, id: &str) -> Tags {
        [
            (THREAD_ID_TAG.to_owned(), self.thread_id.clone()),
            (TASK_ID_TAG.to_owned(), self.task_id.clone()),
            (id_tag, id.to_owned()),
        ]
        .into()
    }

    /// The sensor `spec` of store `name` of kind `store_type` (Java's
    /// metrics scope: `rocksdb`, `in-memory`, `in-memory-lru`,
    /// `rocksdb-window`, ..., tagged `<store_type>-state-id`), registered
    /// if the level asks for it.
    pub(crate) fn sensor(
        &self,
        spec: &'static SensorSpec,
        store_type: &str,
        name: &str,
    ) -> Option<Arc<Sensor>> {
        let registry = self.registry.as_ref()?;
        registry.sensor(spec, &self.tags(format!("{store_type}-state-id"), name))
    }

    /// The `hit-ratio` sensor of the record cache in front of store `name`.
    pub(crate) fn cache_hit_ratio(&self, name: &str) -> Option<Arc<Sensor>> {
        let registry = self.registry.as_ref()?;
        registry.sensor(
            &super::specs::CACHE_HIT_RATIO,
            &self.tags(RECORD_CACHE_ID_TAG.to_owned(), name),
        )
    }
}

/// A store's sensor for one operation, and whether to time it.
#[derive(Debug, Clone)]
pub(crate) struct OpSensor {
    sensor: Arc<Sensor>,
    timed: bool,
}

impl OpSensor {
    /// Registered under `scope` at DEBUG; otherwise a detached counter.
    pub(crate) fn new(
        scope: &StoreScope,
        spec: &'static SensorSpec,
        store_type: &str,
        name: &str,
    ) -> OpSensor {
        match scope.sensor(spec, store_type, name) {
            Some(sensor) => OpSensor {
                sensor,
                timed: true,
            },
            None => OpSensor::detached(),
        }
    }

    /// Counts only.
    pub(crate) fn detached() -> OpSensor {
        OpSensor {
            sensor: Arc::new(Sensor::detached()),
            timed: false,
        }
    }

    /// The start of an operation: a clock read only if it is timed.
    #[inline]
    pub(crate) fn start(&self) -> Option<std::time::Instant> {
        self.timed.then(std::time::Instant::now)
    }

    /// One operation (of `n` entries) that started at `start`.
    #[inline]
    pub(crate) fn record(&self, start: Option<std::time::Instant>, n: u64) {
        let nanos = start.map_or(0, |s| {
            u64::try_from(s.elapsed().as_nanos()).unwrap_or(u64::MAX)
        });
        self.sensor.record_many(n, nanos, nanos);
    }

    /// Operations (entries) so far.
    pub(crate) fn count(&self) -> u64 {
        self.sensor.count()
    }

    /// Their total latency in nanoseconds (0 when not timed).
    pub(crate) fn nanos(&self) -> u64 {
        self.sensor.sum()
    }
}

/// A record cache's running hit ratio (Java's `NamedCache` records
/// hits / (hits + misses) on every read).
#[derive(Debug, Default)]
pub(crate) struct HitRatio {
    sensor: Option<Arc<Sensor>>,
    hits: std::sync::atomic::AtomicU64,
    reads: std::sync::atomic::AtomicU64,
}

impl HitRatio {
    pub(crate) fn new(sensor: Option<Arc<Sensor>>) -> HitRatio {
        HitRatio {
            sensor,
            ..HitRatio::default()
        }
    }

    /// A read that hit (or missed) the cache.
    #[inline]
    pub(crate) fn record(&self, hit: bool) {
        use std::sync::atomic::Ordering::Relaxed;
        let Some(sensor) = &self.sensor else { return };
        let hits = self.hits.fetch_add(u64::from(hit), Relaxed) + u64::from(hit);
        let reads = self.reads.fetch_add(1, Relaxed) + 1;
        sensor.record(hits * 1_000_000 / reads);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::specs::STORE_PUT;
    use crate::metrics::RecordingLevel;

    #[test]
    fn store_sensors_are_timed_and_reported_at_debug_only() {
        let info = StoreScope::new(
            Arc::new(StreamsMetrics::new(RecordingLevel::Info)),
            "t",
            "0_0",
        );
        let put = OpSensor::new(&info, &STORE_PUT, "in-memory", "counts");
        assert!(put.start().is_none(), "no clock read at INFO");
        put.record(None, 1);
        assert_eq!(put.count(), 1);

        let registry = Arc::new(StreamsMetrics::new(RecordingLevel::Debug));
        let debug = StoreScope::new(registry.clone(), "t", "0_0");
        let put = OpSensor::new(&debug, &STORE_PUT, "rocksdb", "counts");
        let start = put.start();
        assert!(start.is_some());
        put.record(start, 3);
        let hit = HitRatio::new(debug.cache_hit_ratio("counts"));
        hit.record(false);
        hit.record(true);
        let snap = registry.snapshot();
        assert_eq!(
            snap.value("put-total", &[("rocksdb-state-id", "counts")]),
            Some(3.0)
        );
        assert_eq!(
            snap.value("hit-ratio-max", &[(RECORD_CACHE_ID_TAG, "counts")]),
            Some(0.5)
        );
        assert_eq!(
            snap.value("hit-ratio-min", &[(RECORD_CACHE_ID_TAG, "counts")]),
            Some(0.0)
        );
    }
}
