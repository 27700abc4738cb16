//! [`RawWindowStoreKey`]: the key layout of window stores and their
//! changelog topics, Kafka Streams' `WindowKeySchema.toStoreKeyBinary`,
//! with the range bounds a store scan needs.
//!
//! # Ordering
//!
//! A bytes store (RocksDB) sorts keys bytewise. Big-endian encoding makes
//! that order numeric for timestamps and sequence numbers that are not
//! negative, which Kafka Streams guarantees: window starts are `>= 0` and
//! sequence numbers stay in `0..=i32::MAX` (Java increments them
//! `& 0x7FFFFFFF`). So for one key, window-store entries sort by
//! `(start, seq)` and session entries by `(end, start)`. Keys of different
//! lengths interleave, which is why range scans over several keys must
//! filter (Kafka's `OrderedBytes` and `HasNextCondition`).

use super::suffix::{Suffix, SEQ_LEN, TIMESTAMP_LEN};
use crate::SerdeError;

/// `[key][start: 8 BE][seq: 4 BE]`: Java's `WindowKeySchema.toStoreKeyBinary`,
/// the key of a window store and of its changelog topic.
///
/// The sequence number tells apart records of one key and one window when
/// the store retains duplicates (stream-stream joins); it is 0 otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawWindowStoreKey<'a> {
    /// The serialized key.
    pub key: &'a [u8],
    /// Window start, epoch milliseconds (the record timestamp for joins).
    pub start_ms: i64,
    /// Sequence number, in `0..=i32::MAX` as Kafka Streams keeps it.
    pub seq: u32,
}

impl<'a> RawWindowStoreKey<'a> {
    /// Bytes after the key.
    pub const SUFFIX_LEN: usize = TIMESTAMP_LEN + SEQ_LEN;

    /// Splits `bytes` into key, window start and sequence number.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, SerdeError> {
        let mut suffix = Suffix::new("RawWindowStoreKey", Self::SUFFIX_LEN, bytes);
        let seq = suffix.take_u32()?;
        let start_ms = suffix.take_i64()?;
        Ok(RawWindowStoreKey {
            key: suffix.key(),
            start_ms,
            seq,
        })
    }

    /// Appends key and suffix to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.reserve(self.key.len() + Self::SUFFIX_LEN);
        out.extend_from_slice(self.key);
        out.extend_from_slice(&self.start_ms.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
    }

    /// The encoded key, as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    /// The smallest store key of `key` with a start at or after `from_ms`:
    /// Java's `WindowKeySchema.lowerRangeFixedSize` (start clamped to 0, seq 0).
    pub fn lower_bound(key: &[u8], from_ms: i64) -> Vec<u8> {
        RawWindowStoreKey {
            key,
            start_ms: from_ms.max(0),
            seq: 0,
        }
        .to_vec()
    }

    /// The largest store key of `key` with a start at or before `to_ms`:
    /// Java's `WindowKeySchema.upperRangeFixedSize` (seq `i32::MAX`).
    pub fn upper_bound(key: &[u8], to_ms: i64) -> Vec<u8> {
        RawWindowStoreKey {
            key,
            start_ms: to_ms,
            seq: i32::MAX.unsigned_abs(),
        }
        .to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_key_layout() {
        let bytes = RawWindowStoreKey {
            key: b"k",
            start_ms: 1000,
            seq: 7,
        }
        .to_vec();
        assert_eq!(bytes, [b'k', 0, 0, 0, 0, 0, 0, 0x03, 0xe8, 0, 0, 0, 7]);
        assert_eq!(
            RawWindowStoreKey::parse(&bytes).unwrap(),
            RawWindowStoreKey {
                key: b"k",
                start_ms: 1000,
                seq: 7
            }
        );
    }

    #[test]
    fn bounds_bracket_the_keys_in_range() {
        let lower = RawWindowStoreKey::lower_bound(b"k", -5);
        let upper = RawWindowStoreKey::upper_bound(b"k", 100);
        let inside = RawWindowStoreKey {
            key: b"k",
            start_ms: 100,
            seq: 3,
        }
        .to_vec();
        assert!(lower <= inside && inside <= upper);
        assert_eq!(RawWindowStoreKey::parse(&lower).unwrap().start_ms, 0);
        assert_eq!(RawWindowStoreKey::parse(&upper).unwrap().seq, 0x7fff_ffff);
    }
}
