//! The metadata string committed with each input offset (Kafka Streams'
//! `TopicPartitionMetadata`): the partition's time and the task's
//! [`ProcessorMetadata`], so that a task restarted or moved continues with
//! the partition time and processor facts it had committed.
//!
//! Format (Java's, magic byte 2): base64 of `[2][partition time: i64 BE]
//! [processor metadata bytes]`. Java's version 1 (partition time only) is
//! read too. The same committed offsets are therefore readable by a Java
//! Kafka Streams application and by kstreams.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::processor::metadata::ProcessorMetadata;

const LATEST_MAGIC_BYTE: u8 = 2;

/// The metadata string for one input partition.
pub(crate) fn encode(partition_time: i64, processor: &ProcessorMetadata) -> String {
    let meta = processor.serialize();
    let mut bytes = Vec::with_capacity(9 + meta.len());
    bytes.push(LATEST_MAGIC_BYTE);
    bytes.extend_from_slice(&partition_time.to_be_bytes());
    bytes.extend_from_slice(&meta);
    STANDARD.encode(bytes)
}

/// Reads [`encode`]'s string (or Java's version 1): the partition time and
/// the processor metadata; `None` for an empty, foreign or malformed
/// string (Java logs "Unsupported offset metadata found" and starts from
/// an unknown time).
pub(crate) fn decode(text: &str) -> Option<(i64, ProcessorMetadata)> {
    if text.is_empty() {
        return None;
    }
    let bytes = STANDARD.decode(text).ok()?;
    let (&version, rest) = bytes.split_first()?;
    let time = i64::from_be_bytes(rest.get(..8)?.try_into().ok()?);
    match version {
        1 => Some((time, ProcessorMetadata::default())),
        LATEST_MAGIC_BYTE => Some((time, ProcessorMetadata::deserialize(rest.get(8..)?)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_javas_strings() {
        let mut meta = ProcessorMetadata::default();
        meta.put("KSTREAM-AGGREGATE-STATE-STORE-0000000001", 42_000);
        let text = encode(1_700_000_000_123, &meta);
        let (time, back) = decode(&text).expect("decodes");
        assert_eq!(time, 1_700_000_000_123);
        assert_eq!(
            back.get("KSTREAM-AGGREGATE-STATE-STORE-0000000001"),
            Some(42_000)
        );
        // Java's encoding of partition time 10 with no processor metadata:
        // Base64 of [2, 0,0,0,0,0,0,0,10].
        assert_eq!(encode(10, &ProcessorMetadata::default()), "AgAAAAAAAAAK");
        // Version 1 (Kafka Streams before 3.3): [1, time].
        assert_eq!(decode("AQAAAAAAAAAK").map(|(t, _)| t), Some(10));
        for bad in ["", "not base64!", "AwAAAAAAAAAK", "Ag=="] {
            assert!(decode(bad).is_none(), "{bad}");
        }
    }
}
