//! The catalog: every sensor kstreams records, with Kafka Streams' names,
//! groups and recording levels.
//!
//! Followed: Java's `ThreadMetrics`, `TaskMetrics`, `ProcessorNodeMetrics`
//! (`org.apache.kafka.streams.processor.internals.metrics`),
//! `StateStoreMetrics` and `NamedCacheMetrics`
//! (`org.apache.kafka.streams.state.internals.metrics`) and `ClientMetrics`
//! (`org.apache.kafka.streams.internals.metrics`). Latencies are in
//! milliseconds, as Java's.

use super::registry::{FacadeKind, SensorSpec};
use super::sensor::Stat;
use super::RecordingLevel::{self, Debug, Info};

/// `stream-metrics`: client level, tag `client-id`.
pub const CLIENT_GROUP: &str = "stream-metrics";
/// `stream-thread-metrics`: tag `thread-id`.
pub const THREAD_GROUP: &str = "stream-thread-metrics";
/// `stream-task-metrics`: tags `thread-id`, `task-id`.
pub const TASK_GROUP: &str = "stream-task-metrics";
/// `stream-processor-node-metrics`: tags `thread-id`, `task-id`, `processor-node-id`.
pub const NODE_GROUP: &str = "stream-processor-node-metrics";
/// `stream-state-metrics`: tags `thread-id`, `task-id`, `<store type>-state-id`.
pub const STORE_GROUP: &str = "stream-state-metrics";
/// `stream-record-cache-metrics`: tags `thread-id`, `task-id`, `record-cache-id`.
pub const CACHE_GROUP: &str = "stream-record-cache-metrics";
/// `consumer-fetch-manager-metrics` (the Kafka consumer's group): tags
/// `client-id`, and `topic`, `partition` per partition.
pub const CONSUMER_FETCH_GROUP: &str = "consumer-fetch-manager-metrics";

/// `client-id` tag.
pub const CLIENT_ID_TAG: &str = "client-id";
/// `thread-id` tag.
pub const THREAD_ID_TAG: &str = "thread-id";
/// `task-id` tag.
pub const TASK_ID_TAG: &str = "task-id";
/// `processor-node-id` tag.
pub const PROCESSOR_NODE_ID_TAG: &str = "processor-node-id";
/// `record-cache-id` tag.
pub const RECORD_CACHE_ID_TAG: &str = "record-cache-id";

/// Java's `invocationRateAndCountAndAvgAndMaxLatencySensor`: `-rate`,
/// `-total`, `-latency-avg`, `-latency-max`, recorded in nanoseconds.
macro_rules! latency_sensor {
    ($id:ident, $name:literal, $group:expr, $level:expr, $what:literal) => {
        pub(crate) static $id: SensorSpec = SensorSpec {
            name: $name,
            group: $group,
            level: $level,
            stats: &[
                (
                    "-rate",
                    Stat::Rate,
                    concat!("The average per-second number of ", $what),
                ),
                (
                    "-total",
                    Stat::Total,
                    concat!("The total number of ", $what),
                ),
                (
                    "-latency-avg",
                    Stat::Avg,
                    concat!("The average latency of ", $what, " (ms)"),
                ),
                (
                    "-latency-max",
                    Stat::Max,
                    concat!("The maximum latency of ", $what, " (ms)"),
                ),
            ],
            scale: 1e-6,
            facade: (FacadeKind::Histogram, "-latency"),
        };
    };
}

/// Java's `invocationRateAndCountSensor`: `-rate`, `-total` of recordings.
macro_rules! count_sensor {
    ($id:ident, $name:literal, $group:expr, $level:expr, $what:literal) => {
        pub(crate) static $id: SensorSpec = SensorSpec {
            name: $name,
            group: $group,
            level: $level,
            stats: &[
                (
                    "-rate",
                    Stat::Rate,
                    concat!("The average per-second number of ", $what),
                ),
                (
                    "-total",
                    Stat::Total,
                    concat!("The total number of ", $what),
                ),
            ],
            scale: 1.0,
            facade: (FacadeKind::Count, "-total"),
        };
    };
}

/// `-avg`, `-max` of a recorded value (Java's `addAvgAndMaxToSensor`).
macro_rules! avg_max_sensor {
    ($id:ident, $name:literal, $group:expr, $level:expr, $scale:expr, $what:literal) => {
        pub(crate) static $id: SensorSpec = SensorSpec {
            name: $name,
            group: $group,
            level: $level,
            stats: &[
                ("-avg", Stat::Avg, concat!("The average ", $what)),
                ("-max", Stat::Max, concat!("The maximum ", $what)),
            ],
            scale: $scale,
            facade: (FacadeKind::Histogram, ""),
        };
    };
}

// ThreadMetrics: all INFO.
latency_sensor!(
    THREAD_COMMIT,
    "commit",
    THREAD_GROUP,
    Info,
    "calls to commit"
);
latency_sensor!(THREAD_POLL, "poll", THREAD_GROUP, Info, "calls to poll");
latency_sensor!(
    THREAD_PUNCTUATE,
    "punctuate",
    THREAD_GROUP,
    Info,
    "calls to punctuate"
);
avg_max_sensor!(
    THREAD_POLL_RECORDS,
    "poll-records",
    THREAD_GROUP,
    Info,
    1.0,
    "number of records polled from the consumer within an iteration"
);
avg_max_sensor!(
    THREAD_PROCESS_RECORDS,
    "process-records",
    THREAD_GROUP,
    Info,
    1.0,
    "number of records processed within an iteration"
);
avg_max_sensor!(
    THREAD_PROCESS_LATENCY,
    "process-latency",
    THREAD_GROUP,
    Info,
    1e-6,
    "latency of processing one record, per iteration (ms)"
);
count_sensor!(
    THREAD_TASK_CREATED,
    "task-created",
    THREAD_GROUP,
    Info,
    "newly created tasks"
);
count_sensor!(
    THREAD_TASK_CLOSED,
    "task-closed",
    THREAD_GROUP,
    Info,
    "closed tasks"
);

/// Thread `process-rate`/`process-total`: records processed (Java's
/// `processRateSensor`, a rate and a cumulative sum of the records
/// processed per iteration).
pub(crate) static THREAD_PROCESS: SensorSpec = SensorSpec {
    name: "process",
    group: THREAD_GROUP,
    level: Info,
    stats: &[
        (
            "-rate",
            Stat::SumRate,
            "The average per-second number of calls to process",
        ),
        (
            "-total",
            Stat::SumTotal,
            "The total number of calls to process",
        ),
    ],
    scale: 1.0,
    facade: (FacadeKind::Sum, "-total"),
};

// TaskMetrics.
count_sensor!(
    TASK_DROPPED_RECORDS,
    "dropped-records",
    TASK_GROUP,
    Info,
    "dropped records"
);
count_sensor!(
    TASK_PROCESS,
    "process",
    TASK_GROUP,
    Debug,
    "calls to process"
);
avg_max_sensor!(
    TASK_PROCESS_LATENCY,
    "process-latency",
    TASK_GROUP,
    Debug,
    1e-6,
    "latency of calls to process (ms)"
);
latency_sensor!(
    TASK_PUNCTUATE,
    "punctuate",
    TASK_GROUP,
    Debug,
    "calls to punctuate"
);

/// Task `restore-rate`/`restore-total`: records restored (Java's
/// `TaskMetrics.restoreSensor`).
pub(crate) static TASK_RESTORE: SensorSpec = SensorSpec {
    name: "restore",
    group: TASK_GROUP,
    level: Debug,
    stats: &[
        (
            "-rate",
            Stat::SumRate,
            "The average number of records restored per second",
        ),
        (
            "-total",
            Stat::SumTotal,
            "The total number of records restored",
        ),
    ],
    scale: 1.0,
    facade: (FacadeKind::Sum, "-total"),
};

/// `restore-remaining-records-total` (task, INFO, KIP-869): a gauge.
pub const RESTORE_REMAINING_RECORDS_TOTAL: &str = "restore-remaining-records-total";
pub(crate) const RESTORE_REMAINING_LEVEL: RecordingLevel = Info;
pub(crate) const RESTORE_REMAINING_DESCRIPTION: &str =
    "The total number of records remaining to be restored";

// ProcessorNodeMetrics: process at source nodes (DEBUG), end-to-end
// latency at source and terminal nodes (INFO).
count_sensor!(
    NODE_PROCESS,
    "process",
    NODE_GROUP,
    Debug,
    "calls to process"
);

/// `record-e2e-latency-avg/min/max` (KIP-613): wall-clock time (the
/// thread's, per iteration) minus the record's timestamp, in ms.
pub(crate) static NODE_E2E_LATENCY: SensorSpec = SensorSpec {
    name: "record-e2e-latency",
    group: NODE_GROUP,
    level: Info,
    stats: &[
        ("-avg", Stat::Avg, "The average end-to-end latency of a record, measuring by comparing the record timestamp with the system time when it has been fully processed by the node (ms)"),
        ("-min", Stat::Min, "The minimum end-to-end latency of a record, measuring by comparing the record timestamp with the system time when it has been fully processed by the node (ms)"),
        ("-max", Stat::Max, "The maximum end-to-end latency of a record, measuring by comparing the record timestamp with the system time when it has been fully processed by the node (ms)"),
    ],
    scale: 1.0,
    facade: (FacadeKind::Histogram, ""),
};

// StateStoreMetrics: DEBUG. kstreams adds `-total` (Java has rate and
// latencies only), which Prometheus-style counters want.
latency_sensor!(STORE_PUT, "put", STORE_GROUP, Debug, "calls to put");
latency_sensor!(
    STORE_PUT_IF_ABSENT,
    "put-if-absent",
    STORE_GROUP,
    Debug,
    "calls to put-if-absent"
);
latency_sensor!(
    STORE_PUT_ALL,
    "put-all",
    STORE_GROUP,
    Debug,
    "calls to put-all"
);
latency_sensor!(STORE_GET, "get", STORE_GROUP, Debug, "calls to get");
latency_sensor!(STORE_FETCH, "fetch", STORE_GROUP, Debug, "calls to fetch");
latency_sensor!(
    STORE_DELETE,
    "delete",
    STORE_GROUP,
    Debug,
    "calls to delete"
);
latency_sensor!(STORE_RANGE, "range", STORE_GROUP, Debug, "calls to range");
latency_sensor!(STORE_FLUSH, "flush", STORE_GROUP, Debug, "calls to flush");
latency_sensor!(
    STORE_RESTORE,
    "restore",
    STORE_GROUP,
    Debug,
    "restored batches"
);

/// `hit-ratio-avg/min/max` of a store's record cache (Java's
/// `NamedCacheMetrics`, DEBUG): the cache's hits / reads so far, recorded
/// on every read.
pub(crate) static CACHE_HIT_RATIO: SensorSpec = SensorSpec {
    name: "hit-ratio",
    group: CACHE_GROUP,
    level: Debug,
    stats: &[
        ("-avg", Stat::Avg, "The average cache hit ratio"),
        ("-min", Stat::Min, "The minimum cache hit ratio"),
        ("-max", Stat::Max, "The maximum cache hit ratio"),
    ],
    scale: 1e-6,
    facade: (FacadeKind::Histogram, ""),
};

// ClientMetrics: INFO.
count_sensor!(
    CLIENT_FAILED_THREADS,
    "failed-stream-threads",
    CLIENT_GROUP,
    Info,
    "failed stream threads since the start of the client"
);
/// `alive-stream-threads` (gauge).
pub const ALIVE_STREAM_THREADS: &str = "alive-stream-threads";
/// `client-state` (gauge): Java's `state` as a number, the ordinal of
/// [`State`](crate::runtime::State) (CREATED 0, REBALANCING 1, RUNNING 2,
/// PENDING_SHUTDOWN 3, NOT_RUNNING 4, PENDING_ERROR 5, ERROR 6).
pub const CLIENT_STATE: &str = "client-state";
/// `records-lag` (gauge per partition) of the consumer.
pub const RECORDS_LAG: &str = "records-lag";
/// `records-lag-max` (gauge per consumer): the largest partition lag.
pub const RECORDS_LAG_MAX: &str = "records-lag-max";
