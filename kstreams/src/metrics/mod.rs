//! Kafka Streams' metrics: names, groups, tags and recording levels as
//! Java's (`StreamsMetricsImpl`, `ThreadMetrics`, `TaskMetrics`,
//! `ProcessorNodeMetrics`, `StateStoreMetrics`, `NamedCacheMetrics`,
//! `ClientMetrics`).
//!
//! Every metric is recorded twice over, cheaply: into kstreams' own
//! registry ([`StreamsMetrics`]), which
//! [`KafkaStreams::metrics`](crate::KafkaStreams::metrics) and
//! [`TopologyTestDriver::metrics`](crate::TopologyTestDriver::metrics)
//! read into a [`MetricsSnapshot`], and through the [`metrics`](::metrics)
//! crate's facade, so any exporter installed with
//! `metrics::set_global_recorder` (before the client starts) receives
//! them as counters, histograms and gauges named by [`flat_name`]. With
//! the `prometheus` feature, `prometheus::render` writes a snapshot in
//! Prometheus' text format and `PrometheusServer` serves it at
//! `/metrics` (as does the `http` feature's `QueryServer`).
//!
//! `metrics.recording.level` ([`RecordingLevel`]) decides what exists:
//!
//! | group | metrics | level |
//! | --- | --- | --- |
//! | `stream-metrics` (`client-id`) | `client-state`, `alive-stream-threads`, `failed-stream-threads-rate/total` | INFO |
//! | `stream-thread-metrics` (`thread-id`) | `commit-`, `poll-`, `punctuate-` `rate/total/latency-avg/latency-max`; `process-rate/total`, `process-latency-avg/max`; `poll-records-avg/max`, `process-records-avg/max`; `task-created-`, `task-closed-rate/total` | INFO |
//! | `stream-task-metrics` (`thread-id`, `task-id`) | `dropped-records-rate/total`, `restore-remaining-records-total` | INFO |
//! | `stream-task-metrics` | `process-rate/total`, `process-latency-avg/max`, `punctuate-*`, `restore-rate/total` | DEBUG |
//! | `stream-processor-node-metrics` (+ `processor-node-id`) | `record-e2e-latency-avg/min/max` at source and terminal nodes | INFO |
//! | `stream-processor-node-metrics` | `process-rate/total` at source nodes | DEBUG |
//! | `stream-state-metrics` (+ `<type>-state-id`) | `put-`, `put-if-absent-`, `put-all-`, `get-`, `fetch-`, `delete-`, `range-`, `flush-`, `restore-` `rate/total/latency-avg/latency-max` | DEBUG |
//! | `stream-record-cache-metrics` (+ `record-cache-id`) | `hit-ratio-avg/min/max` | DEBUG |
//! | `consumer-fetch-manager-metrics` (`client-id`[, `topic`, `partition`]) | `records-lag` per partition, `records-lag-max` | INFO |
//!
//! Where kstreams differs, on purpose: metrics of a level that is not
//! recorded are not registered at all (Java lists them with no value);
//! `client-state` is Java's `state` as a number; store metrics also have
//! a `-total`; `records-lag` comes from the consumer's statistics
//! (`statistics.interval.ms`), so it trails by up to one interval; a
//! source node's `process-total` also counts records it could not
//! deserialize (kstreams deserializes in the source node, Java before it);
//! the global thread's dropped records count only in
//! [`MetricsSnapshot::dropped_records_total`]; `hit-ratio` covers the
//! caches of key/value stores only.
//!
//! Cost on the per-record path at INFO: one relaxed atomic add per record
//! at most per sensor, no lock, no map lookup, no clock read (the
//! end-to-end latency uses the thread's clock of the current iteration, as
//! Java's `currentSystemTimeMs`). DEBUG adds two clock reads per record
//! (task `process-latency`) and per store operation.
//!
//! This module depends on nothing above `error`; the layers above hold its
//! sensors.

mod client;
#[cfg(feature = "prometheus")]
mod exporter;
mod level;
#[cfg(feature = "prometheus")]
pub mod prometheus;
mod registry;
pub(crate) mod sensor;
pub(crate) mod specs;
pub(crate) mod store;
mod task;
mod thread;

#[cfg(feature = "prometheus")]
pub use exporter::PrometheusServer;
pub use level::RecordingLevel;
pub use registry::{flat_label, flat_name, Metric, MetricsSnapshot, StreamsMetrics, Tags};
pub use specs::{
    ALIVE_STREAM_THREADS, CACHE_GROUP, CLIENT_GROUP, CLIENT_ID_TAG, CLIENT_STATE,
    CONSUMER_FETCH_GROUP, NODE_GROUP, PROCESSOR_NODE_ID_TAG, RECORDS_LAG, RECORDS_LAG_MAX,
    RECORD_CACHE_ID_TAG, RESTORE_REMAINING_RECORDS_TOTAL, STORE_GROUP, TASK_GROUP, TASK_ID_TAG,
    THREAD_GROUP, THREAD_ID_TAG,
};

pub(crate) use client::ClientMetrics;
pub(crate) use store::{HitRatio, OpSensor, StoreScope};
pub(crate) use task::{NodeMetrics, TaskMetrics};
pub(crate) use thread::{TaskCounters, ThreadMetrics};

/// Kafka Streams' name of the count of records skipped by the application.
pub const DROPPED_RECORDS_TOTAL: &str = "dropped-records-total";

/// `metrics.recording.level`: the setting's name.
pub const METRICS_RECORDING_LEVEL: &str = "metrics.recording.level";
