//! `StreamTask`: one sub-topology × one partition.
//!
//! SEAM — the signatures below are the contract between the processing side
//! (dsl/, topology/, processor/, test_driver) and the Kafka runtime
//! (runtime/stream_thread etc., kafka/). Bodies are filled by the processing
//! side.

#![allow(dead_code, unused_variables)] // seam stub, replaced by the implementation

use std::fmt;
use std::sync::Arc;

use crate::processor::Headers;
use crate::topology::Topology;
use crate::Result;

/// Identifies a task: sub-topology id and partition, printed `0_3` as in Kafka Streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    /// Index of the sub-topology in `Topology::describe()`.
    pub subtopology: u32,
    /// The input partition number shared by all of the task's source topics.
    pub partition: i32,
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.subtopology, self.partition)
    }
}

/// A record as consumed from Kafka, still in bytes.
#[derive(Debug, Clone)]
pub(crate) struct ConsumedRecord {
    pub(crate) topic: Arc<str>,
    pub(crate) partition: i32,
    pub(crate) offset: i64,
    /// Record timestamp (ms since epoch) as the broker/producer set it.
    pub(crate) timestamp: i64,
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) value: Option<Vec<u8>>,
    pub(crate) headers: Headers,
}

/// A record a task wants written to Kafka, already serialized and partitioned.
#[derive(Debug, Clone)]
pub(crate) struct ProducedRecord {
    /// Fully resolved topic name (internal topics carry the application id prefix).
    pub(crate) topic: String,
    /// Partition chosen by the sink (murmur2 of the key bytes, as Java);
    /// `None` for a null key (the producer spreads those).
    pub(crate) partition: Option<i32>,
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) value: Option<Vec<u8>>,
    pub(crate) timestamp: i64,
    pub(crate) headers: Headers,
}

/// Where tasks send their output. The stream thread's collector hands records
/// to the (transactional) producer; the test driver's keeps them in memory.
pub(crate) trait RecordCollector {
    /// Queues one record for production.
    fn send(&mut self, record: ProducedRecord) -> Result<()>;
    /// Number of partitions of `topic` (resolved name), for partitioning.
    fn partition_count(&mut self, topic: &str) -> Result<i32>;
}

/// Settings a task needs from `StreamsConfig`.
#[derive(Debug, Clone)]
pub(crate) struct TaskConfig {
    /// `application.id`, prefix of internal topic names.
    pub(crate) application_id: String,
    /// `max.task.idle.ms`: how long to wait for data on all inputs before
    /// processing out of timestamp order.
    pub(crate) max_task_idle_ms: i64,
    /// Per-partition buffer size above which the runtime pauses the partition.
    pub(crate) buffered_records_per_partition: usize,
}

/// Processes the records of one partition of one sub-topology.
pub(crate) struct StreamTask {
    id: TaskId,
}

impl StreamTask {
    /// Instantiates the sub-topology's processor graph for this task.
    pub(crate) fn new(id: TaskId, topology: &Topology, config: &TaskConfig) -> Result<StreamTask> {
        todo!("seam")
    }
    /// The task id.
    pub(crate) fn id(&self) -> TaskId {
        self.id
    }
    /// Resolved (topic, partition) pairs this task consumes.
    pub(crate) fn input_partitions(&self) -> Vec<(String, i32)> {
        todo!("seam")
    }
    /// Buffers a consumed record (in offset order per partition).
    pub(crate) fn add_record(&mut self, record: ConsumedRecord) {
        todo!("seam")
    }
    /// Records buffered for one input partition (the runtime pauses the
    /// partition above `buffered_records_per_partition`, resumes below).
    pub(crate) fn buffered(&self, topic: &str, partition: i32) -> usize {
        todo!("seam")
    }
    /// Processes at most one record, depth-first through the DAG, the one
    /// with the lowest timestamp across input partitions (PartitionGroup).
    /// Returns false when nothing is processable now (no data, or waiting for
    /// an empty partition within max.task.idle.ms). Stream-time punctuators
    /// fire here as stream time advances.
    pub(crate) fn process(&mut self, wall_clock_ms: i64, collector: &mut dyn RecordCollector) -> Result<bool> {
        todo!("seam")
    }
    /// Fires due wall-clock punctuators. Returns whether any fired.
    pub(crate) fn punctuate_wall_clock(&mut self, wall_clock_ms: i64, collector: &mut dyn RecordCollector) -> Result<bool> {
        todo!("seam")
    }
    /// Flushes caches and stores (sending what they emit to `collector`) and
    /// returns the offsets to commit: (topic, partition, next offset to read)
    /// for every input partition that advanced since the last commit.
    pub(crate) fn prepare_commit(&mut self, collector: &mut dyn RecordCollector) -> Result<Vec<(String, i32, i64)>> {
        todo!("seam")
    }
    /// Called after the commit succeeded (checkpoints, bookkeeping).
    pub(crate) fn post_commit(&mut self) {}
    /// Whether a processor asked for a commit (`ProcessorContext::commit`).
    pub(crate) fn commit_requested(&self) -> bool {
        false
    }
    /// Closes the task. `clean == false` after an error or fencing: nothing is
    /// flushed and buffered records are dropped (they will be re-read from
    /// the last committed offsets).
    pub(crate) fn close(&mut self, clean: bool) {}
}
