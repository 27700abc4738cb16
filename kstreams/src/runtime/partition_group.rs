//! `PartitionGroup`: the buffered records of a task's input partitions, and
//! the choice of which one to process next.
//!
//! Invariants (Kafka Streams' semantics):
//! - each partition's buffer is in offset order; the record with the lowest
//!   *timestamp* among the buffers' heads goes next (ties: the partition
//!   listed first, topics sorted by name);
//! - timestamps are extracted when a record is buffered; a negative
//!   timestamp marks the record to be skipped (its offset still counts as
//!   processed);
//! - stream time is the highest timestamp of the records taken so far
//!   (-1 before the first) and never goes back;
//! - `max.task.idle.ms` (KIP-695): when some partitions are empty, the task
//!   is processable only if each empty partition is known to be caught up
//!   (fetched lag 0) and has been empty for `max.task.idle.ms` of wall-clock
//!   time; a lag that is unknown or positive means "wait for the fetch".
//!   With -1 the task never waits. A partition whose lag the runtime never
//!   reported is assumed caught up ([`PartitionGroup::set_fetched_lag`]).

use std::collections::VecDeque;
use std::sync::Arc;

use crate::processor::ConsumedRecord;
use crate::processor::{ConsumedRecordView, TimestampExtractor};

/// A buffered record with its extracted timestamp.
pub(crate) struct StampedRecord {
    pub(crate) record: ConsumedRecord,
    /// Extracted event time; negative: skip the record.
    pub(crate) timestamp: i64,
}

struct RecordQueue {
    topic: String,
    partition: i32,
    extractor: Arc<dyn TimestampExtractor>,
    records: VecDeque<StampedRecord>,
    /// Highest extracted timestamp on this partition (-1 if none).
    partition_time: i64,
    /// Records known to be on the broker but not fetched; `None`: unknown.
    fetched_lag: Option<i64>,
    /// Wall-clock deadline of the current idling period, if idling.
    idle_deadline: Option<i64>,
}

/// The input partitions of one task.
pub(crate) struct PartitionGroup {
    queues: Vec<RecordQueue>,
    max_task_idle_ms: i64,
    stream_time: i64,
}

impl PartitionGroup {
    /// `partitions`: (resolved topic, partition, extractor), in the order
    /// used to break timestamp ties.
    pub(crate) fn new(
        partitions: Vec<(String, i32, Arc<dyn TimestampExtractor>)>,
        max_task_idle_ms: i64,
    ) -> Self {
        let queues = partitions
            .into_iter()
            .map(|(topic, partition, extractor)| RecordQueue {
                topic,
                partition,
                extractor,
                records: VecDeque::new(),
                partition_time: -1,
                fetched_lag: Some(0),
                idle_deadline: None,
            })
            .collect();
        PartitionGroup {
            queues,
            max_task_idle_ms,
            stream_time: -1,
        }
    }

    fn queue(&self, topic: &str, partition: i32) -> Option<usize> {
        self.queues
            .iter()
            .position(|q| q.partition == partition && q.topic == topic)
    }

    /// The (topic, partition) pairs of this group.
    pub(crate) fn partitions(&self) -> impl Iterator<Item = (&str, i32)> {
        self.queues.iter().map(|q| (q.topic.as_str(), q.partition))
    }

    /// Buffers a record. Returns `false` if the group does not own its partition.
    pub(crate) fn add(&mut self, record: ConsumedRecord) -> bool {
        let Some(i) = self.queue(&record.topic, record.partition) else {
            return false;
        };
        let queue = &mut self.queues[i];
        let view = ConsumedRecordView {
            topic: &record.topic,
            partition: record.partition,
            offset: record.offset,
            timestamp: record.timestamp,
            key: record.key.as_deref(),
            value: record.value.as_deref(),
            headers: &record.headers,
        };
        let timestamp = queue.extractor.extract(&view, queue.partition_time);
        if timestamp >= 0 {
            queue.partition_time = queue.partition_time.max(timestamp);
        } else {
            tracing::warn!(
                topic = %record.topic, partition = record.partition, offset = record.offset, timestamp,
                "skipping record with a negative timestamp"
            );
        }
        queue.records.push_back(StampedRecord { record, timestamp });
        true
    }

    /// Records buffered for one partition.
    pub(crate) fn buffered(&self, topic: &str, partition: i32) -> usize {
        self.queue(topic, partition)
            .map_or(0, |i| self.queues[i].records.len())
    }

    /// What the runtime knows of a partition's unfetched records.
    pub(crate) fn set_fetched_lag(&mut self, topic: &str, partition: i32, lag: Option<i64>) {
        if let Some(i) = self.queue(topic, partition) {
            self.queues[i].fetched_lag = lag;
        }
    }

    /// Whether the task may take a record now (see the module docs).
    fn ready(&mut self, wall_clock_ms: i64) -> bool {
        let mut any_data = false;
        for queue in &mut self.queues {
            if !queue.records.is_empty() {
                queue.idle_deadline = None;
                any_data = true;
            } else if self.max_task_idle_ms >= 0 {
                match queue.fetched_lag {
                    Some(0) => {
                        let deadline = *queue
                            .idle_deadline
                            .get_or_insert(wall_clock_ms.saturating_add(self.max_task_idle_ms));
                        if wall_clock_ms < deadline {
                            return false;
                        }
                    }
                    _ => {
                        queue.idle_deadline = None;
                        return false;
                    }
                }
            }
        }
        any_data
    }

    /// Takes the next record to process, if the task is processable at
    /// `wall_clock_ms`. Returns the record and the queue's index.
    pub(crate) fn next_record(&mut self, wall_clock_ms: i64) -> Option<StampedRecord> {
        if !self.ready(wall_clock_ms) {
            return None;
        }
        let i = self
            .queues
            .iter()
            .enumerate()
            .filter_map(|(i, q)| q.records.front().map(|r| (r.timestamp, i)))
            .min()?
            .1;
        let record = self.queues[i].records.pop_front()?;
        self.stream_time = self.stream_time.max(record.timestamp);
        Some(record)
    }

    /// Highest timestamp taken so far, -1 before the first record.
    pub(crate) fn stream_time(&self) -> i64 {
        self.stream_time
    }

    /// The partition's time (highest timestamp taken from it, -1 if none).
    pub(crate) fn partition_time(&self, topic: &str, partition: i32) -> i64 {
        self.queues
            .iter()
            .find(|q| q.partition == partition && q.topic == topic)
            .map_or(-1, |q| q.partition_time)
    }

    /// Starts the partition at the time committed with its offset (Java's
    /// `PartitionGroup.setPartitionTime`); stream time follows.
    pub(crate) fn set_partition_time(&mut self, topic: &str, partition: i32, time: i64) {
        if let Some(q) = self
            .queues
            .iter_mut()
            .find(|q| q.partition == partition && q.topic == topic)
        {
            q.partition_time = q.partition_time.max(time);
            self.stream_time = self.stream_time.max(time);
        }
    }

    /// Drops all buffered records.
    pub(crate) fn clear(&mut self) {
        for queue in &mut self.queues {
            queue.records.clear();
            queue.idle_deadline = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processor::{Headers, RecordTimestampExtractor};

    fn record(topic: &str, offset: i64, timestamp: i64) -> ConsumedRecord {
        ConsumedRecord {
            topic: topic.into(),
            partition: 0,
            offset,
            timestamp,
            key: None,
            value: None,
            headers: Headers::default(),
        }
    }

    fn group(idle: i64) -> PartitionGroup {
        let ex: Arc<dyn TimestampExtractor> = Arc::new(RecordTimestampExtractor);
        PartitionGroup::new(vec![("a".into(), 0, ex.clone()), ("b".into(), 0, ex)], idle)
    }

    #[test]
    fn picks_lowest_head_timestamp_across_partitions() {
        let mut g = group(0);
        g.add(record("a", 0, 30));
        g.add(record("a", 1, 40));
        g.add(record("b", 0, 10));
        g.add(record("b", 1, 35));
        let order: Vec<i64> = std::iter::from_fn(|| g.next_record(0))
            .map(|r| r.timestamp)
            .collect();
        assert_eq!(order, vec![10, 30, 35, 40]);
        assert_eq!(g.stream_time(), 40);
    }

    #[test]
    fn waits_max_task_idle_for_an_empty_partition() {
        let mut g = group(100);
        g.add(record("a", 0, 5));
        assert!(g.next_record(1_000).is_none(), "b is empty: idle");
        assert!(
            g.next_record(1_099).is_none(),
            "still within max.task.idle.ms"
        );
        assert_eq!(g.next_record(1_100).map(|r| r.timestamp), Some(5));
    }

    #[test]
    fn unknown_or_positive_lag_blocks_until_fetched_unless_disabled() {
        let mut g = group(0);
        g.add(record("a", 0, 5));
        g.set_fetched_lag("b", 0, Some(3));
        assert!(g.next_record(0).is_none());
        g.set_fetched_lag("b", 0, None);
        assert!(g.next_record(0).is_none());
        let mut g = group(-1);
        g.add(record("a", 0, 5));
        g.set_fetched_lag("b", 0, None);
        assert!(g.next_record(0).is_some());
    }
}
