//! [`RecordCollector`]: where a task's nodes send records bound for Kafka.
//!
//! The stream thread implements it over its (transactional) producer, the
//! test driver over memory; nodes only see this trait, so nothing in the
//! processor layer talks to Kafka.

use crate::processor::ProducedRecord;
use crate::Result;

/// Where tasks send their output. The stream thread's collector hands records
/// to the (transactional) producer; the test driver's keeps them in memory.
pub(crate) trait RecordCollector {
    /// Queues one record for production.
    fn send(&mut self, record: ProducedRecord) -> Result<()>;
    /// Number of partitions of `topic` (resolved name), for partitioning.
    fn partition_count(&mut self, topic: &str) -> Result<i32>;
}
