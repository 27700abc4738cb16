//! [`Sensor`] and [`Gauge`]: the atomics the processing path records into.
//!
//! A sensor (Java's `Sensor` with its stats) keeps a count, a sum, a
//! maximum and a minimum of the values recorded, in relaxed atomics:
//! recording is lock-free and allocation-free. Rates, averages and maxima
//! over a time window are computed only when a snapshot reads the sensor
//! (see [`Sensor::read`]), never on the recording path. Each sensor also
//! forwards to its handle in the `metrics` facade (a no-op unless the
//! application installed a recorder before the sensor was created).
//!
//! Must never: lock, allocate or read a clock while recording.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Java's default `metrics.sample.window.ms`; rates and window stats
/// cover between one and two such windows (`metrics.num.samples` = 2).
pub(crate) const SAMPLE_WINDOW: Duration = Duration::from_secs(30);

/// One statistic a sensor exposes as a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stat {
    /// Recordings per second over the window (Java's `Rate` of a `WindowedCount`).
    Rate,
    /// Recorded values per second over the window (`Rate` of a `WindowedSum`).
    SumRate,
    /// Recordings since the sensor was created (`CumulativeCount`).
    Total,
    /// Sum of the values since the sensor was created (`CumulativeSum`).
    SumTotal,
    /// Average value over the window (`Avg`); NaN without recordings.
    Avg,
    /// Largest value over the window (`Max`); NaN without recordings.
    Max,
    /// Smallest value over the window (`Min`); NaN without recordings.
    Min,
}

/// Where a sensor's recordings also go in the `metrics` facade.
pub(crate) enum Facade {
    None,
    /// Incremented by 1 per recording.
    Count(metrics::Counter),
    /// Incremented by the recorded value.
    Sum(metrics::Counter),
    /// Gets every value (scaled to the sensor's unit).
    Histogram(metrics::Histogram),
}

/// Counter values at the start of a sample window.
#[derive(Debug, Clone, Copy)]
struct Mark {
    at: Instant,
    count: u64,
    sum: u64,
}

/// The two sample windows a snapshot reads: `[older.at, newer.at)` and
/// `[newer.at, now)`, with the extremes of the older one.
#[derive(Debug)]
struct Window {
    older: Mark,
    newer: Mark,
    older_max: u64,
    older_min: u64,
}

/// Counts, sums and extremes of recorded values; see the module docs.
pub(crate) struct Sensor {
    count: AtomicU64,
    sum: AtomicU64,
    max: AtomicU64,
    min: AtomicU64,
    /// Multiplies raw values into the reported unit (e.g. ns → ms).
    scale: f64,
    window: Mutex<Window>,
    facade: Facade,
}

impl std::fmt::Debug for Sensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sensor")
            .field("count", &self.count.load(Ordering::Relaxed))
            .field("sum", &self.sum.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// What a snapshot reads from a sensor at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reading {
    pub(crate) total: u64,
    pub(crate) sum_total: u64,
    pub(crate) window_count: u64,
    pub(crate) window_sum: u64,
    pub(crate) window_secs: f64,
    pub(crate) max: u64,
    pub(crate) min: u64,
}

impl Sensor {
    /// A sensor reporting raw values times `scale`, forwarding to `facade`.
    pub(crate) fn new(scale: f64, facade: Facade) -> Sensor {
        Sensor::new_at(scale, facade, Instant::now())
    }

    fn new_at(scale: f64, facade: Facade, now: Instant) -> Sensor {
        let mark = Mark {
            at: now,
            count: 0,
            sum: 0,
        };
        Sensor {
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            max: AtomicU64::new(0),
            min: AtomicU64::new(u64::MAX),
            scale,
            window: Mutex::new(Window {
                older: mark,
                newer: mark,
                older_max: 0,
                older_min: u64::MAX,
            }),
            facade,
        }
    }

    /// A sensor outside any registry (counts only, e.g. a store built by a test).
    pub(crate) fn detached() -> Sensor {
        Sensor::new(1.0, Facade::None)
    }

    /// Records one value.
    #[inline]
    pub(crate) fn record(&self, value: u64) {
        self.record_many(1, value, value);
    }

    /// Records `n` recordings at once whose values add up to `sum`, the
    /// largest being `max` (a batch; a count-only sensor passes zeros).
    #[inline]
    pub(crate) fn record_many(&self, n: u64, sum: u64, max: u64) {
        self.count.fetch_add(n, Ordering::Relaxed);
        self.sum.fetch_add(sum, Ordering::Relaxed);
        self.max.fetch_max(max, Ordering::Relaxed);
        self.min.fetch_min(max, Ordering::Relaxed);
        match &self.facade {
            Facade::None => {}
            Facade::Count(c) => c.increment(n),
            Facade::Sum(c) => c.increment(sum),
            Facade::Histogram(h) => h.record(max as f64 * self.scale),
        }
    }

    /// Recordings so far.
    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Sum of the values recorded so far (raw unit).
    pub(crate) fn sum(&self) -> u64 {
        self.sum.load(Ordering::Relaxed)
    }

    /// Reads the sensor, rolling its sample windows forward if the newer
    /// one is older than [`SAMPLE_WINDOW`] (snapshot path only).
    pub(crate) fn read(&self, now: Instant) -> Reading {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let (count, sum) = (self.count(), self.sum());
        if now.saturating_duration_since(w.newer.at) >= SAMPLE_WINDOW {
            w.older = w.newer;
            w.newer = Mark {
                at: now,
                count,
                sum,
            };
            w.older_max = self.max.swap(0, Ordering::Relaxed);
            w.older_min = self.min.swap(u64::MAX, Ordering::Relaxed);
        }
        Reading {
            total: count,
            sum_total: sum,
            window_count: count.saturating_sub(w.older.count),
            window_sum: sum.saturating_sub(w.older.sum),
            window_secs: now.saturating_duration_since(w.older.at).as_secs_f64(),
            max: w.older_max.max(self.max.load(Ordering::Relaxed)),
            min: w.older_min.min(self.min.load(Ordering::Relaxed)),
        }
    }

    /// The value of `stat` in `reading`, in the sensor's unit.
    pub(crate) fn value(&self, stat: Stat, r: &Reading) -> f64 {
        // As Java's `Rate`, a window shorter than one sample counts as one sample.
        let secs = r.window_secs.max(SAMPLE_WINDOW.as_secs_f64());
        let nan_if_empty = |v: f64| if r.window_count == 0 { f64::NAN } else { v };
        match stat {
            Stat::Rate => r.window_count as f64 / secs,
            Stat::SumRate => r.window_sum as f64 * self.scale / secs,
            Stat::Total => r.total as f64,
            Stat::SumTotal => r.sum_total as f64 * self.scale,
            Stat::Avg => nan_if_empty(r.window_sum as f64 / r.window_count as f64 * self.scale),
            Stat::Max => nan_if_empty(r.max as f64 * self.scale),
            Stat::Min => nan_if_empty(r.min as f64 * self.scale),
        }
    }
}

/// A value set by whoever knows it (a state, a lag, a count of threads).
pub(crate) struct Gauge {
    bits: AtomicU64,
    facade: Option<metrics::Gauge>,
}

impl std::fmt::Debug for Gauge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Gauge").field(&self.get()).finish()
    }
}

impl Gauge {
    pub(crate) fn new(facade: Option<metrics::Gauge>) -> Gauge {
        Gauge {
            bits: AtomicU64::new(0f64.to_bits()),
            facade,
        }
    }

    /// Sets the value.
    pub(crate) fn set(&self, value: f64) {
        self.bits.store(value.to_bits(), Ordering::Relaxed);
        if let Some(g) = &self.facade {
            g.set(value);
        }
    }

    /// Adds `delta` (negative to subtract).
    pub(crate) fn add(&self, delta: f64) {
        let mut current = self.bits.load(Ordering::Relaxed);
        loop {
            let next = (f64::from_bits(current) + delta).to_bits();
            match self.bits.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(seen) => current = seen,
            }
        }
        if let Some(g) = &self.facade {
            g.increment(delta);
        }
    }

    /// The value.
    pub(crate) fn get(&self) -> f64 {
        f64::from_bits(self.bits.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_windows_and_extremes() {
        let t0 = Instant::now();
        let s = Sensor::new_at(0.5, Facade::None, t0);
        for v in [4, 10, 6] {
            s.record(v);
        }
        let r = s.read(t0 + Duration::from_secs(1));
        assert_eq!((r.total, r.sum_total, r.window_count), (3, 20, 3));
        assert_eq!(s.value(Stat::Total, &r), 3.0);
        assert_eq!(s.value(Stat::SumTotal, &r), 10.0); // scaled by 0.5
        assert_eq!(s.value(Stat::Avg, &r), 20.0 / 3.0 * 0.5);
        assert_eq!(s.value(Stat::Max, &r), 5.0);
        assert_eq!(s.value(Stat::Min, &r), 2.0);
        // A window shorter than a sample counts as one sample (30 s).
        assert!((s.value(Stat::Rate, &r) - 3.0 / 30.0).abs() < 1e-9);

        // After a window rolls, the older window still counts...
        let r = s.read(t0 + SAMPLE_WINDOW + Duration::from_secs(1));
        assert_eq!(r.window_count, 3);
        assert_eq!(s.value(Stat::Max, &r), 5.0);
        s.record(2);
        // ...until a second roll drops it: only the value 2 is left.
        let r = s.read(t0 + SAMPLE_WINDOW * 2 + Duration::from_secs(2));
        assert_eq!((r.total, r.window_count), (4, 1));
        assert_eq!(s.value(Stat::Max, &r), 1.0);
        assert_eq!(s.value(Stat::Min, &r), 1.0);
        let r = s.read(t0 + SAMPLE_WINDOW * 4);
        assert_eq!(r.window_count, 0);
        assert!(s.value(Stat::Avg, &r).is_nan());
        assert_eq!(s.value(Stat::Total, &r), 4.0);
    }

    #[test]
    fn gauges_set_and_add() {
        let g = Gauge::new(None);
        g.set(7.0);
        g.add(-2.0);
        g.add(0.5);
        assert_eq!(g.get(), 5.5);
    }
}
