//! Window definitions, as Kafka Streams': [`TimeWindows`] (tumbling and
//! hopping), [`SlidingWindows`] (KIP-450) and [`SessionWindows`].
//!
//! Every constructor is a `const fn` that rejects a definition that cannot
//! be right (zero size, an advance larger than the size, a negative grace):
//! declared as a constant, such a window is a compile error; built at run
//! time, it panics with the same message, as Java's constructors throw.
//! With the const-generic forms (`TimeWindows::tumbling::<60_000>()`),
//! `#[topology]` also points at the user's token:
//!
//! ```compile_fail
//! use std::time::Duration;
//! use kstreams::dsl::TimeWindows;
//! const BAD: TimeWindows = TimeWindows::of_size_with_no_grace(Duration::ZERO); // zero size
//! ```
//!
//! ```compile_fail
//! use kstreams::dsl::TimeWindows;
//! const BAD: TimeWindows = TimeWindows::hopping::<10_000, 60_000>(); // advance > size
//! ```

use std::time::Duration;

/// A duration in whole milliseconds, saturating (a `const fn`).
const fn millis(d: Duration) -> u64 {
    let ms = d.as_millis();
    if ms > i64::MAX as u128 {
        i64::MAX as u64
    } else {
        ms as u64
    }
}

/// A time window definition, as Kafka Streams' `TimeWindows`: windows of
/// `size_ms`, starting every `advance_ms` (tumbling when equal), accepting
/// records up to `grace_ms` after a window ends.
///
/// ```
/// use kstreams::dsl::TimeWindows;
///
/// const FIVE_MINUTES: TimeWindows = TimeWindows::tumbling::<300_000>();
/// const HOPPING: TimeWindows = TimeWindows::hopping::<300_000, 60_000>().with_grace_ms(10_000);
/// assert_eq!(FIVE_MINUTES.advance_ms(), 300_000);
/// assert_eq!(HOPPING.grace_ms(), 10_000);
/// ```
/// ```
/// use std::time::Duration;
/// use kstreams::dsl::TimeWindows;
///
/// // One-minute windows every 10 s, accepting records up to 30 s late.
/// const WINDOWS: TimeWindows =
///     TimeWindows::of_size_and_grace(Duration::from_secs(60), Duration::from_secs(30))
///         .advance_by(Duration::from_secs(10));
/// assert_eq!(WINDOWS.windows_for(65_000), vec![(10_000, 70_000), (20_000, 80_000), (30_000, 90_000), (40_000, 100_000), (50_000, 110_000), (60_000, 120_000)]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindows {
    size_ms: u64,
    advance_ms: u64,
    grace_ms: u64,
}

impl TimeWindows {
    /// Tumbling windows of `SIZE_MS` (a compile error if zero, in a constant).
    pub const fn tumbling<const SIZE_MS: u64>() -> TimeWindows {
        const { assert!(SIZE_MS > 0, "a time window's size must be at least 1 ms") };
        TimeWindows {
            size_ms: SIZE_MS,
            advance_ms: SIZE_MS,
            grace_ms: 0,
        }
    }

    /// Hopping windows of `SIZE_MS` starting every `ADVANCE_MS` (a compile
    /// error, in a constant, if either is zero or the advance exceeds the size).
    pub const fn hopping<const SIZE_MS: u64, const ADVANCE_MS: u64>() -> TimeWindows {
        const {
            assert!(SIZE_MS > 0, "a time window's size must be at least 1 ms");
            assert!(
                ADVANCE_MS > 0,
                "a hopping window's advance must be at least 1 ms"
            );
            assert!(
                ADVANCE_MS <= SIZE_MS,
                "a hopping window's advance must not exceed its size (records would fall between windows); use an advance <= size"
            );
        };
        TimeWindows {
            size_ms: SIZE_MS,
            advance_ms: ADVANCE_MS,
            grace_ms: 0,
        }
    }

    /// The same windows, accepting out-of-order records up to `grace_ms`
    /// after a window ends.
    pub const fn with_grace_ms(self, grace_ms: u64) -> TimeWindows {
        TimeWindows { grace_ms, ..self }
    }

    /// Tumbling windows of `size` with no grace period (Kafka Streams'
    /// `TimeWindows.ofSizeWithNoGrace`): a record is dropped once stream
    /// time has passed the end of its window.
    pub const fn of_size_with_no_grace(size: Duration) -> TimeWindows {
        TimeWindows::of_size_and_grace(size, Duration::ZERO)
    }

    /// Tumbling windows of `size` accepting out-of-order records until
    /// stream time passes window end + `grace` (`TimeWindows.ofSizeAndGrace`,
    /// KIP-633).
    pub const fn of_size_and_grace(size: Duration, grace: Duration) -> TimeWindows {
        let size_ms = millis(size);
        assert!(size_ms > 0, "a time window's size must be at least 1 ms");
        TimeWindows {
            size_ms,
            advance_ms: size_ms,
            grace_ms: millis(grace),
        }
    }

    /// Hopping windows: the same size, a new window every `advance`
    /// (`TimeWindows.advanceBy`); `advance` must be at least 1 ms and at
    /// most the size.
    pub const fn advance_by(self, advance: Duration) -> TimeWindows {
        let advance_ms = millis(advance);
        assert!(
            advance_ms > 0,
            "a hopping window's advance must be at least 1 ms"
        );
        assert!(
            advance_ms <= self.size_ms,
            "a hopping window's advance must not exceed its size (records would fall between windows); use an advance <= size"
        );
        TimeWindows { advance_ms, ..self }
    }

    /// The windows a record at `timestamp` falls in, as (start, end) pairs
    /// in ms, oldest first (Kafka Streams' `TimeWindows.windowsFor`).
    pub fn windows_for(&self, timestamp: i64) -> Vec<(i64, i64)> {
        let (size, advance) = (self.size_ms as i64, self.advance_ms as i64);
        let mut start = ((timestamp - size + advance).max(0) / advance) * advance;
        let mut out = Vec::new();
        while start <= timestamp {
            out.push((start, start.saturating_add(size)));
            start += advance;
        }
        out
    }

    /// Window size in ms.
    pub const fn size_ms(&self) -> u64 {
        self.size_ms
    }

    /// Advance in ms (equal to the size for tumbling windows).
    pub const fn advance_ms(&self) -> u64 {
        self.advance_ms
    }

    /// Grace period in ms.
    pub const fn grace_ms(&self) -> u64 {
        self.grace_ms
    }
}

/// Sliding windows (Kafka Streams' `SlidingWindows`, KIP-450): windows of
/// a fixed length defined by the records themselves, not by a grid: two
/// records fall in one window when their timestamps differ by at most
/// `time_difference`.
///
/// ```
/// use std::time::Duration;
/// use kstreams::dsl::SlidingWindows;
///
/// const FIVE_MINUTES: SlidingWindows =
///     SlidingWindows::of_time_difference_and_grace(Duration::from_secs(300), Duration::from_secs(30));
/// assert_eq!(FIVE_MINUTES.time_difference_ms(), 300_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlidingWindows {
    time_difference_ms: u64,
    grace_ms: u64,
}

impl SlidingWindows {
    /// Windows of `time_difference` with no grace period.
    pub const fn of_time_difference_with_no_grace(time_difference: Duration) -> SlidingWindows {
        SlidingWindows::of_time_difference_and_grace(time_difference, Duration::ZERO)
    }

    /// Windows of `time_difference` accepting records until stream time
    /// passes window end + `grace`.
    pub const fn of_time_difference_and_grace(
        time_difference: Duration,
        grace: Duration,
    ) -> SlidingWindows {
        let time_difference_ms = millis(time_difference);
        assert!(
            time_difference_ms > 0,
            "a sliding window's time difference must be at least 1 ms"
        );
        SlidingWindows {
            time_difference_ms,
            grace_ms: millis(grace),
        }
    }

    /// The maximum time difference between two records of one window, in ms.
    pub const fn time_difference_ms(&self) -> u64 {
        self.time_difference_ms
    }

    /// Grace period in ms.
    pub const fn grace_ms(&self) -> u64 {
        self.grace_ms
    }
}

/// Session windows (Kafka Streams' `SessionWindows`): a session of a key
/// lasts as long as its records arrive less than `inactivity_gap` apart; a
/// record between two sessions merges them.
///
/// ```
/// use std::time::Duration;
/// use kstreams::dsl::SessionWindows;
///
/// const VISITS: SessionWindows =
///     SessionWindows::of_inactivity_gap_and_grace(Duration::from_secs(1800), Duration::from_secs(60));
/// assert_eq!(VISITS.inactivity_gap_ms(), 1_800_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionWindows {
    gap_ms: u64,
    grace_ms: u64,
}

impl SessionWindows {
    /// Sessions closed by `inactivity_gap`, with no grace period.
    pub const fn of_inactivity_gap_with_no_grace(inactivity_gap: Duration) -> SessionWindows {
        SessionWindows::of_inactivity_gap_and_grace(inactivity_gap, Duration::ZERO)
    }

    /// Sessions closed by `inactivity_gap`, accepting records until stream
    /// time passes session end + `grace`.
    pub const fn of_inactivity_gap_and_grace(
        inactivity_gap: Duration,
        grace: Duration,
    ) -> SessionWindows {
        let gap_ms = millis(inactivity_gap);
        assert!(
            gap_ms > 0,
            "a session window's inactivity gap must be at least 1 ms"
        );
        SessionWindows {
            gap_ms,
            grace_ms: millis(grace),
        }
    }

    /// The inactivity gap in ms.
    pub const fn inactivity_gap_ms(&self) -> u64 {
        self.gap_ms
    }

    /// Grace period in ms.
    pub const fn grace_ms(&self) -> u64 {
        self.grace_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_for_matches_javas_grid() {
        let tumbling = TimeWindows::of_size_with_no_grace(Duration::from_millis(10));
        assert_eq!(tumbling.windows_for(0), vec![(0, 10)]);
        assert_eq!(tumbling.windows_for(9), vec![(0, 10)]);
        assert_eq!(tumbling.windows_for(10), vec![(10, 20)]);
        let hopping = tumbling.advance_by(Duration::from_millis(5));
        assert_eq!(hopping.windows_for(3), vec![(0, 10)]);
        assert_eq!(hopping.windows_for(12), vec![(5, 15), (10, 20)]);
    }
}
