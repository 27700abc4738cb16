//! Raw windowed key layouts as they travel in topics: key bytes plus a
//! fixed-size timestamp suffix, as Kafka Streams' `WindowKeySchema.toBinary`
//! and `SessionKeySchema.toBinary` lay them out. The window-store layout is
//! in [`store_key`](super::store_key).
//!
//! These work on bytes that have not been deserialized, which is what state
//! stores and their changelogs handle. They split and join; they check
//! lengths but not window invariants (that is the serdes' job, see
//! [`TimeWindowed`](crate::TimeWindowed)).
//!
//! Session keys put the end first so that, for one key, a bytes store
//! sorts sessions by `(end, start)`.

use super::suffix::{Suffix, TIMESTAMP_LEN};
use super::Window;
use crate::SerdeError;

/// `[key][start: 8 BE]`: Java's `WindowKeySchema.toBinary`, the bytes of a
/// `TimeWindowedSerializer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawTimeWindowedKey<'a> {
    /// The serialized key.
    pub key: &'a [u8],
    /// Window start, epoch milliseconds.
    pub start_ms: i64,
}

impl<'a> RawTimeWindowedKey<'a> {
    /// Bytes after the key.
    pub const SUFFIX_LEN: usize = TIMESTAMP_LEN;

    /// Splits `bytes` into key and window start.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, SerdeError> {
        Self::parse_as("RawTimeWindowedKey", bytes)
    }

    /// [`Self::parse`], with errors naming the serde `serde`.
    pub(crate) fn parse_as(serde: &'static str, bytes: &'a [u8]) -> Result<Self, SerdeError> {
        let mut suffix = Suffix::new(serde, Self::SUFFIX_LEN, bytes);
        let start_ms = suffix.take_i64()?;
        Ok(RawTimeWindowedKey {
            key: suffix.key(),
            start_ms,
        })
    }

    /// Appends the suffix for `start_ms`, to follow key bytes already in `out`.
    pub fn put_suffix(start_ms: i64, out: &mut Vec<u8>) {
        out.extend_from_slice(&start_ms.to_be_bytes());
    }

    /// Appends key and suffix to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.key);
        Self::put_suffix(self.start_ms, out);
    }

    /// The encoded key, as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.key.len() + Self::SUFFIX_LEN);
        self.write(&mut out);
        out
    }
}

/// `[key][end: 8 BE][start: 8 BE]`: Java's `SessionKeySchema.toBinary`, the
/// bytes of a `SessionWindowedSerializer`, the key of a session store and of
/// its changelog topic. The end comes first so that a store scans sessions
/// in order of their end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawSessionKey<'a> {
    /// The serialized key.
    pub key: &'a [u8],
    /// The session's bounds.
    pub window: Window,
}

impl<'a> RawSessionKey<'a> {
    /// Bytes after the key.
    pub const SUFFIX_LEN: usize = 2 * TIMESTAMP_LEN;

    /// Splits `bytes` into key and session window.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, SerdeError> {
        Self::parse_as("RawSessionKey", bytes)
    }

    /// [`Self::parse`], with errors naming the serde `serde`.
    pub(crate) fn parse_as(serde: &'static str, bytes: &'a [u8]) -> Result<Self, SerdeError> {
        let mut suffix = Suffix::new(serde, Self::SUFFIX_LEN, bytes);
        let start_ms = suffix.take_i64()?;
        let end_ms = suffix.take_i64()?;
        Ok(RawSessionKey {
            key: suffix.key(),
            window: Window::new(start_ms, end_ms),
        })
    }

    /// Appends the suffix for `window`, to follow key bytes already in `out`.
    pub fn put_suffix(window: Window, out: &mut Vec<u8>) {
        out.extend_from_slice(&window.end_ms.to_be_bytes());
        out.extend_from_slice(&window.start_ms.to_be_bytes());
    }

    /// Appends key and suffix to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.key);
        Self::put_suffix(self.window, out);
    }

    /// The encoded key, as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.key.len() + Self::SUFFIX_LEN);
        self.write(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_key_puts_end_first() {
        let bytes = RawSessionKey {
            key: b"",
            window: Window::new(1, 2),
        }
        .to_vec();
        assert_eq!(bytes, [0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn short_input_is_too_short() {
        let err = RawSessionKey::parse(&[0; 15]).unwrap_err();
        assert!(matches!(
            err,
            SerdeError::TooShort {
                serde: "RawSessionKey",
                min: 16,
                actual: 15
            }
        ));
        assert!(RawTimeWindowedKey::parse(&[0; 8]).is_ok());
    }
}
