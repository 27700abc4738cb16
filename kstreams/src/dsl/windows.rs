//! [`TimeWindows`]: tumbling and hopping window definitions whose sizes are
//! checked when the program is compiled.
//!
//! Sizes are const generics, so a definition that cannot be right (zero
//! size, an advance larger than the size) fails to compile when it is
//! declared as a constant, like topics are:
//!
//! ```compile_fail
//! use kstreams::dsl::TimeWindows;
//! const BAD: TimeWindows = TimeWindows::hopping::<10_000, 60_000>(); // advance > size
//! ```

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
