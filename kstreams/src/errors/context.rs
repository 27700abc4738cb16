//! [`ErrorHandlerContext`]: what an exception handler knows about the
//! record that failed (Kafka Streams' `ErrorHandlerContext`).

use crate::processor::Headers;
use crate::processor::TaskId;

/// The consumed record a handler is asked about, and where it failed.
///
/// For a deserialization error the record is the one that did not
/// deserialize; for processing and production errors it is the consumed
/// record whose processing failed (its raw bytes, as consumed, are in
/// [`source_raw_key`](Self::source_raw_key) and
/// [`source_raw_value`](Self::source_raw_value)).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ErrorHandlerContext<'a> {
    /// The (resolved) topic the record was consumed from.
    pub topic: &'a str,
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Its timestamp (ms since the epoch).
    pub timestamp: i64,
    /// Its headers, as consumed.
    pub headers: &'a Headers,
    /// The node that failed: the source node for deserialization errors,
    /// the processor for processing errors, the sink for production errors.
    pub processor_node_id: &'a str,
    /// The task processing the record.
    pub task_id: TaskId,
    /// The record's key bytes, as consumed.
    pub source_raw_key: Option<&'a [u8]>,
    /// The record's value bytes, as consumed.
    pub source_raw_value: Option<&'a [u8]>,
}

impl ErrorHandlerContext<'_> {
    /// `topic-partition@offset`, the record's coordinates for log lines.
    pub fn coordinates(&self) -> String {
        format!("{}-{}@{}", self.topic, self.partition, self.offset)
    }
}
