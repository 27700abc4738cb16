//! `StreamTask`: one sub-topology × one partition.
//!
//! The task is the unit of work and of state: it owns the instantiated
//! nodes of its sub-topology, the [`PartitionGroup`] that orders its input
//! by timestamp, its punctuation queues and its state stores. It is created
//! on the stream thread that runs it and never leaves it; the `Topology` it
//! is built from is shared (`Send + Sync`).
//!
//! Invariants:
//! - the task manager moves a task through [`TaskState`] (RESTORING →
//!   RUNNING ⇄ SUSPENDED, as Java's `Task.State`) and only asks a RUNNING
//!   task to process, punctuate or commit; a suspended task keeps its
//!   processors, partition times and processor metadata, and drops its
//!   buffered records (`suspend`);
//! - processors are initialized (and wall-clock punctuations anchored) on
//!   the first call to `process`, `punctuate_wall_clock` or `prepare_commit`;
//! - a record with a negative extracted timestamp is skipped (logged); its
//!   offset still counts as processed;
//! - without `set_fetched_lag` every partition counts as caught up
//!   (`max.task.idle.ms`, KIP-695);
//! - metrics ([`TaskMetrics`]) are registered when the task is created and
//!   leave the registry when it is dropped; at INFO, processing a record
//!   reads no clock (the source node's end-to-end latency uses the
//!   iteration's wall clock).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use super::partition_metadata;
use crate::kafka::consumer::CommitOffset;
use crate::metrics::TaskMetrics;
use crate::processor::metadata::ProcessorMetadata;
use crate::processor::node::{Lifecycle, NodeCx};
use crate::processor::punctuation::PunctuationQueue;
use crate::processor::{ConsumedRecord, PunctuationType, RecordCollector, RecordMetadata, TaskId};
use crate::runtime::partition_group::PartitionGroup;
use crate::runtime::state_manager::{ProcessorStateManager, StateEnv};
use crate::topology::{TaskGraph, Topology};
use crate::{Error, Result};

/// Settings a task needs from `StreamsConfig`.
#[derive(Debug, Clone)]
pub(crate) struct TaskConfig {
    /// `application.id`, prefix of internal topic names.
    pub(crate) application_id: String,
    /// The stream thread's name: the `thread-id` tag of the task's metrics.
    pub(crate) thread_id: String,
    /// `max.task.idle.ms`: how long to wait for data on all inputs before
    /// processing out of timestamp order.
    pub(crate) max_task_idle_ms: i64,
    /// Per-partition buffer size above which the runtime pauses the partition.
    pub(crate) buffered_records_per_partition: usize,
    /// Exception handlers, dead-letter queue and metrics (`crate::errors`).
    pub(crate) errors: crate::errors::ErrorHandlers,
    /// Settings of the DSL's operators.
    pub(crate) node_settings: crate::processor::node::NodeSettings,
}

/// Where a task is in its life, as Java's `Task.State`; CREATED and CLOSED
/// are not kept (a task is RESTORING from its creation, and dropped once
/// closed). The task manager drives the transitions; the task itself
/// processes whatever it is asked to (the test driver never leaves RUNNING).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskState {
    /// Its stores are restoring: not processed, punctuated or committed;
    /// its input partitions are paused.
    Restoring,
    /// Processing.
    Running,
    /// Its partitions were revoked: committed, checkpointed, its buffered
    /// records dropped, and kept open in case the next assignment gives
    /// them back (Java's `StreamTask.suspend`).
    Suspended,
}

/// Processes the records of one partition of one sub-topology.
pub(crate) struct StreamTask {
    id: TaskId,
    task_state: TaskState,
    application_id: String,
    graph: TaskGraph,
    group: PartitionGroup,
    punctuations: PunctuationQueue,
    next_schedule_id: u64,
    initialized: bool,
    wall_clock: i64,
    /// Next offset to commit per input partition, changed since the last commit.
    pending_offsets: BTreeMap<(Arc<str>, i32), i64>,
    /// The last offset committed (or found committed) per input partition.
    committed_offsets: BTreeMap<(Arc<str>, i32), i64>,
    /// Processor facts committed with the offsets (Java's `ProcessorMetadata`).
    processor_metadata: ProcessorMetadata,
    commit_requested: bool,
    errors: crate::errors::ErrorHandlers,
    /// The consumed record being processed (for the exception handlers).
    current: Option<ConsumedRecord>,
    /// The task's state stores (see `state_manager`).
    state: ProcessorStateManager,
    /// The task's sensors (`stream-task-metrics`).
    metrics: TaskMetrics,
}

impl StreamTask {
    /// Opens the task's stores and instantiates the sub-topology's
    /// processor graph for this task.
    pub(crate) fn new(
        id: TaskId,
        topology: &Topology,
        config: &TaskConfig,
        env: &StateEnv,
    ) -> Result<StreamTask> {
        let metrics = TaskMetrics::new(
            config.errors.metrics.clone(),
            &config.thread_id,
            &id.to_string(),
        );
        let state = ProcessorStateManager::open(
            id,
            topology,
            &config.application_id,
            env,
            metrics.store_scope(),
        )?;
        let graph = topology.instantiate(
            id.subtopology,
            &config.application_id,
            &state.stores,
            &config.node_settings,
            Some(&metrics),
        )?;
        let mut errors = config.errors.clone();
        errors.dropped = metrics.dropped.clone();
        let mut topics: Vec<&String> = graph.sources.keys().collect();
        topics.sort();
        let partitions = topics
            .into_iter()
            .filter(|topic| {
                // A topic with fewer partitions than the task's number has no
                // partition for this task (it is not co-partitioned).
                topology
                    .partition_count(&config.application_id, topic)
                    .is_none_or(|n| i64::from(id.partition) < i64::from(n))
            })
            .map(|topic| {
                (
                    topic.clone(),
                    id.partition,
                    graph.sources[topic].extractor.clone(),
                )
            })
            .collect();
        Ok(StreamTask {
            id,
            task_state: TaskState::Restoring,
            application_id: config.application_id.clone(),
            graph,
            group: PartitionGroup::new(partitions, config.max_task_idle_ms),
            punctuations: PunctuationQueue::default(),
            next_schedule_id: 0,
            initialized: false,
            wall_clock: 0,
            pending_offsets: BTreeMap::new(),
            committed_offsets: BTreeMap::new(),
            processor_metadata: ProcessorMetadata::default(),
            commit_requested: false,
            errors,
            current: None,
            state,
            metrics,
        })
    }
    /// Replaces the exception handlers (the test driver's `with_streams_config`).
    pub(crate) fn set_error_handlers(&mut self, mut errors: crate::errors::ErrorHandlers) {
        errors.dropped = self.metrics.dropped.clone();
        self.errors = errors;
    }
    /// Where the task is in its life.
    pub(crate) fn task_state(&self) -> TaskState {
        self.task_state
    }
    /// Its stores caught up, or it was resumed: it processes from now on.
    pub(crate) fn transition_to_running(&mut self) {
        self.task_state = TaskState::Running;
    }
    /// Suspends the task after its last commit (Java's
    /// `StreamTask.suspend`): buffered records are dropped (the consumer
    /// re-reads them from the committed offsets if the task comes back),
    /// partition times, processor metadata and the processors stay (Java
    /// closes and re-initializes the processors; ours are initialized
    /// once, and nothing they hold is newer than the commit).
    pub(crate) fn suspend(&mut self) {
        self.group.clear();
        self.pending_offsets.clear();
        self.commit_requested = false;
        self.task_state = TaskState::Suspended;
    }
    /// Whether `committed` (the group's offsets) still says, for each of
    /// this task's partitions, what the task itself last committed: if
    /// not, someone else processed them since it was suspended.
    pub(crate) fn matches_committed(&self, committed: &[CommitOffset]) -> bool {
        self.group.partitions().all(|(topic, partition)| {
            let theirs = committed
                .iter()
                .find(|c| c.topic == topic && c.partition == partition)
                .map(|c| c.offset);
            let ours = self
                .committed_offsets
                .get(&(Arc::from(topic), partition))
                .copied();
            theirs == ours
        })
    }
    /// The task's sensors.
    pub(crate) fn metrics(&self) -> &TaskMetrics {
        &self.metrics
    }
    /// The task id.
    pub(crate) fn id(&self) -> TaskId {
        self.id
    }
    /// Resolved (topic, partition) pairs this task consumes.
    pub(crate) fn input_partitions(&self) -> Vec<(String, i32)> {
        self.group
            .partitions()
            .map(|(t, p)| (t.to_owned(), p))
            .collect()
    }
    /// Buffers a consumed record (in offset order per partition).
    pub(crate) fn add_record(&mut self, record: ConsumedRecord) {
        let (topic, partition, offset) = (record.topic.clone(), record.partition, record.offset);
        if !self.group.add(record) {
            tracing::warn!(task = %self.id, %topic, partition, offset, "record for a partition this task does not own; dropped");
        }
    }
    /// Records buffered for one input partition (the runtime pauses the
    /// partition above `buffered_records_per_partition`, resumes below).
    pub(crate) fn buffered(&self, topic: &str, partition: i32) -> usize {
        self.group.buffered(topic, partition)
    }
    /// Reports the consumer's knowledge of unfetched records on a partition
    /// (`None`: unknown), for `max.task.idle.ms`.
    pub(crate) fn set_fetched_lag(&mut self, topic: &str, partition: i32, lag: Option<i64>) {
        self.group.set_fetched_lag(topic, partition, lag);
    }

    /// The task's stream time (-1 before the first record).
    #[cfg(test)]
    pub(crate) fn stream_time(&self) -> i64 {
        self.group.stream_time()
    }

    /// Runs `f` with a fresh node context, then takes in what it scheduled.
    fn with_cx<R>(
        &mut self,
        collector: &mut dyn RecordCollector,
        metadata: Option<RecordMetadata>,
        f: impl FnOnce(&mut TaskGraph, &mut PunctuationQueue, &mut NodeCx<'_>) -> Result<R>,
    ) -> Result<R> {
        let mut cx = NodeCx {
            collector,
            task_id: self.id,
            application_id: &self.application_id,
            metadata,
            stream_time: self.group.stream_time(),
            wall_clock: self.wall_clock,
            commit_requested: false,
            new_schedules: Vec::new(),
            next_schedule_id: self.next_schedule_id,
            errors: &self.errors,
            raw: self.current.as_ref(),
            stores: &self.state.stores,
            processor_metadata: &mut self.processor_metadata,
        };
        let result = f(&mut self.graph, &mut self.punctuations, &mut cx);
        // Store writes join the task's output (the open transaction).
        let result = result.and_then(|r| self.state.drain_changelog(cx.collector).map(|()| r));
        self.next_schedule_id = cx.next_schedule_id;
        self.commit_requested |= cx.commit_requested;
        let scheduled = std::mem::take(&mut cx.new_schedules);
        self.punctuations.add(scheduled);
        result
    }

    fn ensure_initialized(&mut self, collector: &mut dyn RecordCollector) -> Result<()> {
        if self.initialized {
            return Ok(());
        }
        self.initialized = true;
        let nodes: Vec<Arc<dyn Lifecycle>> = self.graph.lifecycles.clone();
        self.with_cx(collector, None, |_, _, cx| {
            nodes.iter().try_for_each(|n| n.init(cx))
        })
    }

    /// Processes at most one record, depth-first through the DAG, the one
    /// with the lowest timestamp across input partitions (PartitionGroup).
    /// Returns false when nothing is processable now (no data, or waiting for
    /// an empty partition within max.task.idle.ms). Stream-time punctuators
    /// fire here as stream time advances.
    pub(crate) fn process(
        &mut self,
        wall_clock_ms: i64,
        collector: &mut dyn RecordCollector,
    ) -> Result<bool> {
        self.wall_clock = wall_clock_ms;
        self.ensure_initialized(collector)?;
        let Some(stamped) = self.group.next_record(wall_clock_ms) else {
            return Ok(false);
        };
        let record = stamped.record;
        // Keyed by the consumer's shared topic name: no copy per record.
        self.pending_offsets
            .insert((record.topic.clone(), record.partition), record.offset + 1);
        if stamped.timestamp < 0 {
            self.errors.record_dropped(); // logged by the partition group
            return Ok(true);
        }
        let (source, source_metrics) = self
            .graph
            .sources
            .get(&*record.topic)
            .map(|s| (s.node.clone(), s.metrics.clone()))
            .ok_or_else(|| {
                Error::IllegalState(format!(
                    "task {} has no source for topic `{}`",
                    self.id, record.topic
                ))
            })?;
        let metadata = RecordMetadata {
            topic: record.topic.to_string(),
            partition: record.partition,
            offset: record.offset,
        };
        // Java's `processAtSourceSensor` and e2e latency at the source;
        // the task's process latency only at DEBUG (two clock reads).
        let started = self
            .metrics
            .process_latency
            .as_ref()
            .map(|_| Instant::now());
        if let Some(m) = &source_metrics {
            m.record(wall_clock_ms, stamped.timestamp);
        }
        if let Some(s) = &self.metrics.process {
            s.record(0);
        }
        self.state.timestamp.set(stamped.timestamp);
        let headers = record.headers.clone();
        self.current = Some(record);
        let processed = self.with_cx(collector, Some(metadata), |_, _, cx| {
            let record = cx
                .raw
                .ok_or_else(|| Error::IllegalState("record to process vanished".into()))?;
            source.process_raw(
                record.key.as_deref(),
                record.value.as_deref(),
                stamped.timestamp,
                headers,
                cx,
            )?;
            let stores = cx.stores;
            stores.flush_evicted(cx)
        });
        self.current = None;
        if let (Some(s), Some(started)) = (&self.metrics.process_latency, started) {
            s.record(u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX));
        }
        processed?;
        let stream_time = self.group.stream_time();
        self.with_cx(collector, None, |_, queue, cx| {
            queue.may_punctuate(stream_time, PunctuationType::StreamTime, cx)
        })?;
        Ok(true)
    }
    /// Fires due wall-clock punctuators. Returns whether any fired.
    pub(crate) fn punctuate_wall_clock(
        &mut self,
        wall_clock_ms: i64,
        collector: &mut dyn RecordCollector,
    ) -> Result<bool> {
        self.wall_clock = wall_clock_ms;
        self.ensure_initialized(collector)?;
        let started = self.metrics.punctuate.as_ref().map(|_| Instant::now());
        let fired = self.with_cx(collector, None, |_, queue, cx| {
            queue.may_punctuate(wall_clock_ms, PunctuationType::WallClockTime, cx)
        })?;
        if let (Some(s), Some(started), true) = (&self.metrics.punctuate, started, fired) {
            s.record(u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX));
        }
        Ok(fired)
    }
    /// Flushes the stores' record caches (sending what they emit to
    /// `collector`) and returns the offsets to commit: (topic, partition,
    /// next offset to read) for every input partition that advanced since
    /// the last commit. The stores themselves are flushed only for a
    /// checkpoint (`ProcessorStateManager::maybe_checkpoint`), as Java's
    /// `StreamTask.prepareCommit` flushes only caches.
    pub(crate) fn prepare_commit(
        &mut self,
        collector: &mut dyn RecordCollector,
    ) -> Result<Vec<CommitOffset>> {
        self.ensure_initialized(collector)?;
        self.with_cx(collector, None, |_, _, cx| {
            let stores = cx.stores;
            stores.flush_caches(cx)
        })?;
        // Java's StreamTask.committableOffsetsAndMetadata: the partitions
        // consumed since the last commit, or every input partition with a
        // known offset when the processor metadata changed, each with its
        // partition time and the metadata.
        let mut offsets = self.pending_offsets.clone();
        if self.processor_metadata.needs_commit() {
            for (tp, offset) in &self.committed_offsets {
                offsets.entry(tp.clone()).or_insert(*offset);
            }
        }
        Ok(offsets
            .into_iter()
            .map(|((topic, partition), offset)| {
                let time = self.group.partition_time(&topic, partition);
                CommitOffset {
                    metadata: partition_metadata::encode(time, &self.processor_metadata),
                    topic: topic.to_string(),
                    partition,
                    offset,
                }
            })
            .collect())
    }

    /// Starts from what the group committed for this task's partitions:
    /// their offsets, partition times and the processor metadata (Java's
    /// `StreamTask.initializeTaskTimeAndProcessorMetadata`).
    pub(crate) fn initialize_from_committed(&mut self, committed: &[CommitOffset]) {
        let mut merged = ProcessorMetadata::default();
        for c in committed {
            let tp = (Arc::<str>::from(c.topic.as_str()), c.partition);
            if !self
                .group
                .partitions()
                .any(|(t, p)| t == c.topic && p == c.partition)
            {
                continue;
            }
            self.committed_offsets.insert(tp, c.offset);
            match partition_metadata::decode(&c.metadata) {
                Some((time, processor)) => {
                    self.group.set_partition_time(&c.topic, c.partition, time);
                    merged.merge_max(&processor);
                }
                None if c.metadata.is_empty() => {}
                None => {
                    tracing::warn!(task = %self.id, topic = %c.topic, partition = c.partition, "unsupported offset metadata found; starting from an unknown partition time")
                }
            }
        }
        self.processor_metadata = merged;
    }

    /// Called after the commit succeeded (bookkeeping; the task manager
    /// then decides about a checkpoint).
    pub(crate) fn post_commit(&mut self) {
        let pending = std::mem::take(&mut self.pending_offsets);
        self.committed_offsets.extend(pending);
        self.processor_metadata.committed();
        self.commit_requested = false;
    }
    /// Whether a processor asked for a commit (`ProcessorContext::commit`).
    pub(crate) fn commit_requested(&self) -> bool {
        self.commit_requested
    }
    /// Closes the task. `clean == false` after an error or fencing: nothing is
    /// flushed and buffered records are dropped (they will be re-read from
    /// the last committed offsets).
    pub(crate) fn close(&mut self, clean: bool) {
        if clean && self.initialized {
            for node in &self.graph.lifecycles {
                node.close();
            }
        }
        self.group.clear();
        self.pending_offsets.clear();
        self.initialized = false;
        self.state.close();
    }

    /// The task's state (stores, changelogs, checkpoint), for restoration
    /// and checkpointing by the runtime.
    pub(crate) fn state(&self) -> &ProcessorStateManager {
        &self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::{StreamsBuilder, Topic};
    use crate::processor::{Headers, ProducedRecord};

    const A: Topic<String, String, 1> = Topic::new("a");
    const B: Topic<String, String, 1> = Topic::new("b");
    const OUT: Topic<String, String, 1> = Topic::new("out");

    #[derive(Default)]
    struct Sent(Vec<ProducedRecord>);

    impl RecordCollector for Sent {
        fn send(&mut self, record: ProducedRecord) -> Result<()> {
            self.0.push(record);
            Ok(())
        }
        fn partition_count(&mut self, _topic: &str) -> Result<i32> {
            Ok(1)
        }
    }

    fn consumed(topic: &str, offset: i64, timestamp: i64, value: &str) -> ConsumedRecord {
        ConsumedRecord {
            topic: topic.into(),
            partition: 0,
            offset,
            timestamp,
            key: Some(b"k".to_vec()),
            value: Some(value.as_bytes().to_vec()),
            headers: Headers::default(),
        }
    }

    fn merge_task() -> StreamTask {
        let b = StreamsBuilder::new();
        b.stream(A).merge(&b.stream(B)).to(OUT);
        let topology = b.build().unwrap();
        let config = TaskConfig {
            application_id: "app".into(),
            thread_id: "t".into(),
            max_task_idle_ms: 0,
            buffered_records_per_partition: 100,
            errors: Default::default(),
            node_settings: Default::default(),
        };
        StreamTask::new(
            TaskId {
                subtopology: 0,
                partition: 0,
            },
            &topology,
            &config,
            &StateEnv::temporary(0),
        )
        .unwrap()
    }

    #[test]
    fn merge_processes_buffered_inputs_in_timestamp_order() {
        let mut task = merge_task();
        assert_eq!(
            task.input_partitions(),
            vec![("a".to_string(), 0), ("b".to_string(), 0)]
        );
        for (topic, offset, ts) in [
            ("a", 0, 10),
            ("a", 1, 30),
            ("b", 0, 20),
            ("b", 1, 40),
            ("a", 2, 50),
        ] {
            task.add_record(consumed(topic, offset, ts, &format!("{topic}{ts}")));
        }
        assert_eq!(task.buffered("a", 0), 3);
        let mut sent = Sent::default();
        while task.process(0, &mut sent).unwrap() {}
        let values: Vec<&[u8]> = sent.0.iter().filter_map(|r| r.value.as_deref()).collect();
        assert_eq!(values, vec![&b"a10"[..], b"b20", b"a30", b"b40", b"a50"]);
        assert_eq!(task.stream_time(), 50);
        let offsets = task.prepare_commit(&mut sent).unwrap();
        assert_eq!(
            plain(&offsets),
            vec![("a".to_string(), 0, 3), ("b".to_string(), 0, 2)]
        );
        // Each with its partition's time, as Java's TopicPartitionMetadata.
        let times: Vec<i64> = offsets
            .iter()
            .map(|c| {
                super::partition_metadata::decode(&c.metadata)
                    .expect("metadata")
                    .0
            })
            .collect();
        assert_eq!(times, vec![50, 40]);
        task.post_commit();
        assert!(
            task.prepare_commit(&mut sent).unwrap().is_empty(),
            "nothing new since the commit"
        );
    }

    #[test]
    fn a_suspended_task_drops_its_buffer_and_keeps_what_it_committed() {
        let mut task = merge_task();
        assert_eq!(task.task_state(), TaskState::Restoring);
        task.transition_to_running();
        for (topic, offset, ts) in [("a", 0, 10), ("a", 1, 30), ("b", 0, 20)] {
            task.add_record(consumed(topic, offset, ts, "v"));
        }
        let mut sent = Sent::default();
        assert!(task.process(0, &mut sent).unwrap());
        let offsets = task.prepare_commit(&mut sent).unwrap();
        assert_eq!(plain(&offsets), vec![("a".to_string(), 0, 1)]);
        task.post_commit();
        task.suspend();
        assert_eq!(task.task_state(), TaskState::Suspended);
        assert_eq!((task.buffered("a", 0), task.buffered("b", 0)), (0, 0));
        assert_eq!(task.stream_time(), 10, "partition times stay");
        assert!(task.prepare_commit(&mut sent).unwrap().is_empty());
        let at = |offset| CommitOffset {
            topic: "a".into(),
            partition: 0,
            offset,
            metadata: String::new(),
        };
        assert!(task.matches_committed(&[at(1)]));
        assert!(!task.matches_committed(&[at(2)]), "someone else committed");
        assert!(!task.matches_committed(&[]), "the commit vanished");
    }

    #[test]
    fn negative_timestamps_are_skipped_but_committed() {
        let mut task = merge_task();
        task.add_record(consumed("a", 7, -1, "bad"));
        let mut sent = Sent::default();
        assert!(task.process(0, &mut sent).unwrap());
        assert!(sent.0.is_empty());
        assert_eq!(
            plain(&task.prepare_commit(&mut sent).unwrap()),
            vec![("a".to_string(), 0, 8)]
        );
    }

    fn plain(offsets: &[CommitOffset]) -> Vec<(String, i32, i64)> {
        offsets
            .iter()
            .map(|c| (c.topic.clone(), c.partition, c.offset))
            .collect()
    }

    #[test]
    fn committed_partition_times_and_processor_metadata_are_restored() {
        let mut task = merge_task();
        let mut meta = ProcessorMetadata::default();
        meta.put("store", 7);
        let committed = [
            CommitOffset {
                topic: "a".into(),
                partition: 0,
                offset: 3,
                metadata: super::partition_metadata::encode(30, &meta),
            },
            CommitOffset {
                topic: "b".into(),
                partition: 0,
                offset: 2,
                metadata: super::partition_metadata::encode(45, &ProcessorMetadata::default()),
            },
            // Not this task's partition: ignored.
            CommitOffset {
                topic: "c".into(),
                partition: 0,
                offset: 9,
                metadata: super::partition_metadata::encode(99, &meta),
            },
        ];
        task.initialize_from_committed(&committed);
        assert_eq!(task.stream_time(), 45);
        assert_eq!(task.processor_metadata.get("store"), Some(7));
        // Nothing consumed and the metadata unchanged: nothing to commit.
        let mut sent = Sent::default();
        assert!(task.prepare_commit(&mut sent).unwrap().is_empty());
        // A changed value goes to every input partition, at its offset.
        task.processor_metadata.put("store", 8);
        let offsets = task.prepare_commit(&mut sent).unwrap();
        assert_eq!(
            plain(&offsets),
            vec![("a".to_string(), 0, 3), ("b".to_string(), 0, 2)]
        );
        for c in &offsets {
            let (_, m) = super::partition_metadata::decode(&c.metadata).expect("metadata");
            assert_eq!(m.get("store"), Some(8));
        }
        task.post_commit();
        assert!(task.prepare_commit(&mut sent).unwrap().is_empty());
    }

    #[test]
    fn undecodable_record_fails_with_the_topic() {
        let b = StreamsBuilder::new();
        b.stream(Topic::<String, crate::serde::I64, 1>::new("nums"))
            .foreach(|_, _| {});
        let topology = b.build().unwrap();
        let config = TaskConfig {
            application_id: "app".into(),
            thread_id: "t".into(),
            max_task_idle_ms: 0,
            buffered_records_per_partition: 100,
            errors: Default::default(),
            node_settings: Default::default(),
        };
        let mut task = StreamTask::new(
            TaskId {
                subtopology: 0,
                partition: 0,
            },
            &topology,
            &config,
            &StateEnv::temporary(0),
        )
        .unwrap();
        task.add_record(consumed("nums", 0, 1, "abc"));
        match task.process(0, &mut Sent::default()) {
            Err(Error::HandlerFailed {
                topic,
                offset,
                source,
                ..
            }) => {
                assert_eq!((topic.as_str(), offset), ("nums", 0));
                assert!(matches!(*source, Error::Serde { .. }), "{source}");
            }
            other => panic!(
                "expected a serde error, got {:?}",
                other.map_err(|e| e.to_string())
            ),
        }
    }
}
