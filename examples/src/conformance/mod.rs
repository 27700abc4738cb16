//! Differential conformance tests: Java Kafka Streams is the oracle.
//!
//! `cargo xtask conformance [CASES..]` feeds one deterministic, timestamped
//! input topic to a Java Kafka Streams app (`bench/java`, class
//! `dev.kstreams.conformance.ConformanceApp`) and to a kstreams app
//! (`conformance_kstreams`) with the same topology, reads both outputs with a
//! read_committed consumer (`conformance_io read`) and compares them record by
//! record, per output partition in offset order: key bytes, value bytes and
//! timestamp.
//!
//! This module is shared by the two programs through `#[path]` (it is not
//! part of the `kstreams_examples` library):
//! - [`cases`]: the case registry: name, input spec, output formats and the
//!   kstreams topology of every case. **Adding a case starts there.**
//! - [`input`]: the seeded input generator (keys, out-of-order and late
//!   timestamps, tombstones, one "stream time flush" record per partition).
//! - [`murmur2`]: Java's default partitioner, to place keys and flush records.

pub mod cases;
pub mod input;
pub mod murmur2;

/// Partition count of every conformance topic (input, outputs). It is in
/// the type of kstreams' topics (`Topic<K, V, PARTITIONS>`), so it is one
/// constant for all cases; the Java side reads the topics' partition count
/// from the broker.
pub const PARTITIONS: u32 = 4;

/// How to show a serialized key or value to a human (comparison is always
/// on the raw bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// UTF-8 text (Java `Serdes.String()`, kstreams `String`).
    Utf8,
    /// 8-byte big-endian signed integer (Java `Serdes.Long()`, kstreams `I64`).
    I64,
    /// A time-windowed UTF-8 key, `[key][window start: 8 bytes big-endian]`
    /// (Java `WindowedSerdes.timeWindowedSerdeFrom(String.class, size)`).
    TimeWindowedUtf8,
    /// A session-windowed UTF-8 key, `[key][end: 8][start: 8]`
    /// (Java `WindowedSerdes.sessionWindowedSerdeFrom(String.class)`).
    SessionWindowedUtf8,
}

impl Format {
    /// The bytes as text; `null` for a null key or value (a tombstone).
    pub fn show(self, bytes: Option<&[u8]>) -> String {
        let Some(bytes) = bytes else {
            return "null".to_owned();
        };
        match self {
            Format::Utf8 => match std::str::from_utf8(bytes) {
                Ok(s) => format!("{s:?}"),
                Err(_) => format!("0x{}", hex(bytes)),
            },
            Format::I64 => match <[u8; 8]>::try_from(bytes) {
                Ok(b) => i64::from_be_bytes(b).to_string(),
                Err(_) => format!("0x{} (not 8 bytes)", hex(bytes)),
            },
            Format::TimeWindowedUtf8 => match split_tail(bytes, 1) {
                Some((key, t)) => format!("{}@[start {}]", Format::Utf8.show(Some(key)), t[0]),
                None => format!("0x{} (too short for a windowed key)", hex(bytes)),
            },
            Format::SessionWindowedUtf8 => match split_tail(bytes, 2) {
                Some((key, t)) => format!(
                    "{}@[start {}, end {}]",
                    Format::Utf8.show(Some(key)),
                    t[1],
                    t[0]
                ),
                None => format!("0x{} (too short for a session key)", hex(bytes)),
            },
        }
    }
}

/// Lower-case hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits `n` trailing big-endian i64s off `bytes`: (the rest, the numbers in order).
fn split_tail(bytes: &[u8], n: usize) -> Option<(&[u8], Vec<i64>)> {
    let head = bytes.len().checked_sub(8 * n)?;
    let numbers = bytes[head..]
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            i64::from_be_bytes(b)
        })
        .collect();
    Some((&bytes[..head], numbers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(Format::I64.show(Some(&7i64.to_be_bytes())), "7");
        assert_eq!(Format::Utf8.show(None), "null");
        let mut key = b"k".to_vec();
        key.extend_from_slice(&100i64.to_be_bytes());
        assert_eq!(
            Format::TimeWindowedUtf8.show(Some(&key)),
            "\"k\"@[start 100]"
        );
        let mut session = b"k".to_vec();
        session.extend_from_slice(&200i64.to_be_bytes());
        session.extend_from_slice(&100i64.to_be_bytes());
        assert_eq!(
            Format::SessionWindowedUtf8.show(Some(&session)),
            "\"k\"@[start 100, end 200]"
        );
        assert!(Format::SessionWindowedUtf8
            .show(Some(b"k"))
            .contains("too short"));
    }
}
