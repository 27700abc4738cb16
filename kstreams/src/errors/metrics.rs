//! [`StreamsMetrics`]: counters of one `KafkaStreams` instance (or test driver).

use std::sync::atomic::{AtomicU64, Ordering};

/// Kafka Streams' name of the count of records skipped by the application.
pub const DROPPED_RECORDS_TOTAL: &str = "dropped-records-total";

/// Metrics of one application instance, shared by its stream threads.
///
/// Kafka Streams reports `dropped-records-total` per task; kstreams keeps
/// the instance's total.
#[derive(Debug, Default)]
pub struct StreamsMetrics {
    dropped_records: AtomicU64,
}

impl StreamsMetrics {
    /// `dropped-records-total`: records consumed but skipped (not
    /// deserializable, failed in a processor or a sink with a CONTINUE
    /// answer, or with a negative timestamp). Under exactly-once, a record
    /// skipped in a transaction that is later aborted is re-read and counted
    /// again.
    pub fn dropped_records_total(&self) -> u64 {
        self.dropped_records.load(Ordering::Relaxed)
    }

    /// A metric by its Kafka Streams name (only [`DROPPED_RECORDS_TOTAL`] so far).
    pub fn get(&self, name: &str) -> Option<u64> {
        (name == DROPPED_RECORDS_TOTAL).then(|| self.dropped_records_total())
    }

    pub(crate) fn record_dropped(&self) {
        self.dropped_records.fetch_add(1, Ordering::Relaxed);
    }
}
