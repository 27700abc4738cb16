//! [`TimestampExtractor`]: the event time of a consumed record.
//!
//! The extractor runs when a record is buffered in its task, before it is
//! deserialized, so it sees the raw record ([`ConsumedRecordView`]). A
//! negative result makes the task skip the record (logged), as Kafka
//! Streams' `LogAndSkipOnInvalidTimestamp`. Set one per source with
//! `StreamsBuilder::stream_with_timestamp_extractor`, or a default for the
//! whole topology with `StreamsBuilder::default_timestamp_extractor`.

use crate::processor::Headers;

/// A consumed record as a timestamp extractor sees it: still in bytes.
#[derive(Debug, Clone, Copy)]
pub struct ConsumedRecordView<'a> {
    /// The (resolved) topic.
    pub topic: &'a str,
    /// The partition.
    pub partition: i32,
    /// The offset.
    pub offset: i64,
    /// The timestamp set by the producer or the broker.
    pub timestamp: i64,
    /// Key bytes (`None` for Kafka `null`).
    pub key: Option<&'a [u8]>,
    /// Value bytes (`None` for Kafka `null`).
    pub value: Option<&'a [u8]>,
    /// Headers.
    pub headers: &'a Headers,
}

/// Gives a consumed record its event time (ms since the epoch).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a TimestampExtractor",
    note = "implement `kstreams::processor::TimestampExtractor` (fn extract(&self, record, partition_time) -> i64)"
)]
pub trait TimestampExtractor: Send + Sync + 'static {
    /// The record's event time. `partition_time` is the highest timestamp
    /// seen so far on the record's partition (-1 if none). Return a negative
    /// value to skip the record.
    fn extract(&self, record: &ConsumedRecordView<'_>, partition_time: i64) -> i64;
}

/// The default: the record's own timestamp (Kafka Streams'
/// `FailOnInvalidTimestamp` without the failure: invalid ones are skipped).
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordTimestampExtractor;

impl TimestampExtractor for RecordTimestampExtractor {
    fn extract(&self, record: &ConsumedRecordView<'_>, _partition_time: i64) -> i64 {
        record.timestamp
    }
}

/// Processing time: the wall clock when the record is buffered.
#[derive(Debug, Clone, Copy, Default)]
pub struct WallclockTimestampExtractor;

impl TimestampExtractor for WallclockTimestampExtractor {
    fn extract(&self, _record: &ConsumedRecordView<'_>, _partition_time: i64) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

impl<F> TimestampExtractor for F
where
    F: Fn(&ConsumedRecordView<'_>, i64) -> i64 + Send + Sync + 'static,
{
    fn extract(&self, record: &ConsumedRecordView<'_>, partition_time: i64) -> i64 {
        self(record, partition_time)
    }
}
