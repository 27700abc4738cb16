//! Execution: `KafkaStreams`, stream threads, the task manager and tasks.
//!
//! `task` and `partition_group` are the seam between processing and the
//! Kafka-facing runtime: the runtime hands consumed records to a
//! [`task::StreamTask`], asks it to process, and collects the records it
//! produces through a [`task::RecordCollector`]. The `TopologyTestDriver`
//! drives the very same tasks without a broker.

pub(crate) mod partition_group;
pub(crate) mod task;
