//! Windowed keys: the [`Windowed`] value a windowed aggregation emits, and
//! the serdes that write it exactly as Kafka Streams does.
//!
//! # Layouts, checked against Apache Kafka's sources
//!
//! Read from `apache/kafka`: `streams/.../state/internals/WindowKeySchema.java`,
//! `SessionKeySchema.java`, `kstream/TimeWindowedDeserializer.java`,
//! `SessionWindowedDeserializer.java`, `kstream/Window.java` and
//! `kstream/internals/TimeWindow.java`. All numbers are big-endian.
//!
//! | bytes | Java writer | here |
//! | --- | --- | --- |
//! | `[key][start: 8]` | `TimeWindowedSerializer` (`WindowKeySchema.toBinary`) | [`TimeWindowed`], [`RawTimeWindowedKey`] |
//! | `[key][end: 8][start: 8]` | `SessionWindowedSerializer` (`SessionKeySchema.toBinary`); also session-store keys and their changelog | [`SessionWindowed`], [`RawSessionKey`] |
//! | `[key][start: 8][seq: 4]` | `WindowKeySchema.toStoreKeyBinary`: window-store keys and their changelog | [`RawWindowStoreKey`] |
//!
//! What follows from those sources:
//!
//! - The key is everything before the fixed-size suffix, so the inner key
//!   format needs no length prefix; the suffix is read from the end.
//! - A time-windowed key does not carry its end. Java's deserializer is
//!   told the window size and computes `end = start + size`, clamped to
//!   `Long.MAX_VALUE` on overflow (`WindowKeySchema.timeWindowForSize`);
//!   here the size is a const parameter, `TimeWindowed<KS, SIZE_MS>`.
//! - Java's windows reject a negative start and an end before the start
//!   (`Window`), and time windows also an end equal to the start
//!   (`TimeWindow`). Our decoders return [`SerdeError::InvalidWindow`]
//!   for the same windows, and our encoders refuse to write them, so that
//!   everything we write, Java (and we) can read.
//! - Java's windowed deserializers return `null` for empty input; a
//!   [`Windowed`] is never null, so here that is [`SerdeError::TooShort`].
//!   Use `Option<TimeWindowed<..>>` to read real Kafka `null`s.

mod schema;
mod session;
mod store_key;
mod suffix;
mod time;

pub use self::schema::{RawSessionKey, RawTimeWindowedKey};
pub use self::session::SessionWindowed;
pub use self::store_key::RawWindowStoreKey;
pub use self::time::TimeWindowed;

use crate::SerdeError;

/// A window's bounds in epoch milliseconds, as Kafka Streams' `Window`.
///
/// For time windows (tumbling, hopping) the start is inclusive and the end
/// exclusive; for session windows both are inclusive (a session of one
/// record has `start_ms == end_ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Window {
    /// First millisecond of the window.
    pub start_ms: i64,
    /// End of the window: exclusive for time windows, inclusive for sessions.
    pub end_ms: i64,
}

impl Window {
    /// A window with these bounds.
    pub const fn new(start_ms: i64, end_ms: i64) -> Self {
        Window { start_ms, end_ms }
    }

    /// The time window of `size_ms` starting at `start_ms`; its end is
    /// clamped to `i64::MAX` instead of overflowing, as Kafka Streams'
    /// `WindowKeySchema.timeWindowForSize` does.
    pub const fn for_size(start_ms: i64, size_ms: i64) -> Self {
        Window {
            start_ms,
            end_ms: start_ms.saturating_add(size_ms),
        }
    }

    /// Checks the invariants of Java's `TimeWindow`: start not negative,
    /// end after start.
    pub(crate) fn check_time(self, serde: &'static str) -> Result<Self, SerdeError> {
        if self.start_ms >= 0 && self.end_ms > self.start_ms {
            Ok(self)
        } else {
            Err(self.invalid(serde))
        }
    }

    /// Checks the invariants of Java's `SessionWindow`: start not negative,
    /// end not before start.
    pub(crate) fn check_session(self, serde: &'static str) -> Result<Self, SerdeError> {
        if self.start_ms >= 0 && self.end_ms >= self.start_ms {
            Ok(self)
        } else {
            Err(self.invalid(serde))
        }
    }

    fn invalid(self, serde: &'static str) -> SerdeError {
        SerdeError::InvalidWindow {
            serde,
            start_ms: self.start_ms,
            end_ms: self.end_ms,
        }
    }
}

/// A key together with the window it was aggregated in: the key type of a
/// windowed aggregation's output, as Kafka Streams' `Windowed<K>`.
///
/// Written with [`TimeWindowed`] or [`SessionWindowed`], according to the
/// kind of window.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Windowed<K> {
    /// The record key.
    pub key: K,
    /// The window the key's aggregate belongs to.
    pub window: Window,
}

impl<K> Windowed<K> {
    /// `key` in `window`.
    pub const fn new(key: K, window: Window) -> Self {
        Windowed { key, window }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_size_clamps_like_java() {
        assert_eq!(Window::for_size(10, 5), Window::new(10, 15));
        assert_eq!(Window::for_size(i64::MAX - 1, 10).end_ms, i64::MAX);
    }

    #[test]
    fn window_checks_follow_java() {
        assert!(Window::new(0, 0).check_session("s").is_ok());
        assert!(Window::new(0, 0).check_time("t").is_err());
        assert!(Window::new(-1, 5).check_session("s").is_err());
        assert!(Window::new(5, 4).check_session("s").is_err());
        assert!(Window::new(0, 1).check_time("t").is_ok());
    }
}
