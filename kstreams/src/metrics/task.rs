//! [`TaskMetrics`] and [`NodeMetrics`]: the sensors of one task and of its
//! processor nodes (Java's `TaskMetrics` and `ProcessorNodeMetrics`).
//!
//! Created with the task, dropped with it. What the per-record path
//! touches is decided here, once: a node that is neither a source nor a
//! terminal node gets no [`NodeMetrics`] at all, so forwarding to it costs
//! one `None` check.

use std::sync::Arc;

use super::registry::{StreamsMetrics, Tags};
use super::sensor::{Gauge, Sensor};
use super::specs::*;
use super::store::StoreScope;

/// The sensors of one task.
#[derive(Debug, Clone)]
pub(crate) struct TaskMetrics {
    registry: Arc<StreamsMetrics>,
    tags: Tags,
    thread_id: Arc<str>,
    task_id: Arc<str>,
    /// `dropped-records-rate/total` (INFO).
    pub(crate) dropped: Option<Arc<Sensor>>,
    /// `process-rate/total` (DEBUG).
    pub(crate) process: Option<Arc<Sensor>>,
    /// `process-latency-avg/max` (DEBUG): the only per-record clock reads.
    pub(crate) process_latency: Option<Arc<Sensor>>,
    /// `punctuate-*` (DEBUG).
    pub(crate) punctuate: Option<Arc<Sensor>>,
    /// `restore-rate/total` (DEBUG).
    pub(crate) restore: Option<Arc<Sensor>>,
    /// `restore-remaining-records-total` (INFO).
    pub(crate) restore_remaining: Option<Arc<Gauge>>,
}

impl TaskMetrics {
    /// Registers the sensors of task `task_id` run by thread `thread_id`.
    pub(crate) fn new(
        registry: Arc<StreamsMetrics>,
        thread_id: &str,
        task_id: &str,
    ) -> TaskMetrics {
        let tags: Tags = [
            (THREAD_ID_TAG.to_owned(), thread_id.to_owned()),
            (TASK_ID_TAG.to_owned(), task_id.to_owned()),
        ]
        .into();
        TaskMetrics {
            dropped: registry.sensor(&TASK_DROPPED_RECORDS, &tags),
            process: registry.sensor(&TASK_PROCESS, &tags),
            process_latency: registry.sensor(&TASK_PROCESS_LATENCY, &tags),
            punctuate: registry.sensor(&TASK_PUNCTUATE, &tags),
            restore: registry.sensor(&TASK_RESTORE, &tags),
            restore_remaining: registry.gauge(
                RESTORE_REMAINING_LEVEL,
                TASK_GROUP,
                RESTORE_REMAINING_RECORDS_TOTAL,
                RESTORE_REMAINING_DESCRIPTION,
                &tags,
            ),
            thread_id: thread_id.into(),
            task_id: task_id.into(),
            tags,
            registry,
        }
    }

    /// The registry.
    #[cfg(test)]
    pub(crate) fn registry(&self) -> &Arc<StreamsMetrics> {
        &self.registry
    }

    /// The metrics of a node, if it has any at this level: a source node
    /// counts what it processes (DEBUG); source and terminal nodes
    /// (no children) record the end-to-end latency (INFO).
    pub(crate) fn node(
        &self,
        node: &str,
        source: bool,
        terminal: bool,
    ) -> Option<Arc<NodeMetrics>> {
        if !source && !terminal {
            return None;
        }
        let mut tags = self.tags.clone();
        tags.insert(PROCESSOR_NODE_ID_TAG.to_owned(), node.to_owned());
        let metrics = NodeMetrics {
            process: if source {
                self.registry.sensor(&NODE_PROCESS, &tags)
            } else {
                None
            },
            e2e: self.registry.sensor(&NODE_E2E_LATENCY, &tags),
        };
        (metrics.process.is_some() || metrics.e2e.is_some()).then(|| Arc::new(metrics))
    }

    /// Where the task's stores register their sensors.
    pub(crate) fn store_scope(&self) -> StoreScope {
        StoreScope::new(self.registry.clone(), &self.thread_id, &self.task_id)
    }
}

/// The sensors of one source or terminal node of one task.
#[derive(Debug)]
pub(crate) struct NodeMetrics {
    /// `process-rate/total` at a source node (DEBUG).
    process: Option<Arc<Sensor>>,
    /// `record-e2e-latency-avg/min/max` (INFO).
    e2e: Option<Arc<Sensor>>,
}

impl NodeMetrics {
    /// A record reached the node: `now` is the thread's wall-clock time of
    /// this iteration (ms), `timestamp` the record's.
    #[inline]
    pub(crate) fn record(&self, now: i64, timestamp: i64) {
        if let Some(s) = &self.process {
            s.record(0);
        }
        if let Some(s) = &self.e2e {
            s.record(u64::try_from(now.saturating_sub(timestamp)).unwrap_or(0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::RecordingLevel;

    #[test]
    fn levels_decide_which_node_metrics_exist() {
        let info = TaskMetrics::new(
            Arc::new(StreamsMetrics::new(RecordingLevel::Info)),
            "t",
            "0_0",
        );
        assert!(info.node("middle", false, false).is_none());
        let source = info.node("src", true, false).expect("e2e at INFO");
        source.record(1_000, 400);
        source.record(1_000, 2_000); // a timestamp from the future counts as 0
        let snap = info.registry().snapshot();
        let node = [(PROCESSOR_NODE_ID_TAG, "src")];
        assert_eq!(snap.value("record-e2e-latency-max", &node), Some(600.0));
        assert_eq!(snap.value("record-e2e-latency-min", &node), Some(0.0));
        assert_eq!(snap.value("process-total", &node), None, "DEBUG only");
        assert!(info.process.is_none() && info.dropped.is_some());

        let debug = TaskMetrics::new(
            Arc::new(StreamsMetrics::new(RecordingLevel::Debug)),
            "t",
            "0_0",
        );
        let source = debug.node("src", true, true).expect("metrics");
        source.record(5, 5);
        debug.dropped.as_ref().expect("INFO").record(0);
        let snap = debug.registry().snapshot();
        assert_eq!(snap.value("process-total", &node), Some(1.0));
        assert_eq!(
            snap.value("dropped-records-total", &[(TASK_ID_TAG, "0_0")]),
            Some(1.0)
        );
    }
}
