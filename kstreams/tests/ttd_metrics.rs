//! Kafka Streams' metrics through the TopologyTestDriver: what a piped
//! record counts, where, and at which `metrics.recording.level`.

use std::time::Duration;

use kstreams::errors::LogAndContinueExceptionHandler;
use kstreams::metrics::{RecordingLevel, PROCESSOR_NODE_ID_TAG, TASK_ID_TAG};
use kstreams::serde::{Bytes, I64};
use kstreams::state::KeyValueStore;
use kstreams::topology::Topology;
use kstreams::{processor, StreamsBuilder, StreamsConfig, Topic, TopologyTestDriver};

const AMOUNTS: Topic<String, I64, 1> = Topic::new("amounts");
/// The same topic as raw bytes, to pipe records `I64` cannot read.
const RAW: Topic<String, Bytes, 1> = Topic::new("amounts");
const TOTALS: Topic<String, I64, 1> = Topic::new("totals");

/// Running total per key.
#[processor(stores(totals = KeyValue<String, I64>))]
fn running_total(
    key: &String,
    n: i64,
    totals: &mut dyn KeyValueStore<String, i64>,
) -> kstreams::Result<i64> {
    let total = totals.get(key)?.unwrap_or(0) + n;
    totals.put(key, &total)?;
    Ok(total)
}

fn topology() -> Topology {
    let b = StreamsBuilder::new();
    b.stream(AMOUNTS).via(running_total).to(TOTALS);
    b.build().expect("topology")
}

const SOURCE: &str = "KSTREAM-SOURCE-0000000000";

/// Pipes `good` amounts (timestamps 400, 401, ...) and `poison` undecodable
/// values at wall-clock time 1000; returns the driver.
fn run(level: RecordingLevel, good: i64, poison: usize) -> TopologyTestDriver {
    let topology = topology();
    assert!(
        topology
            .describe()
            .to_string()
            .contains(&format!("Source: {SOURCE}")),
        "the source node is named {SOURCE}:\n{}",
        topology.describe()
    );
    let config = StreamsConfig::new("metrics-ttd")
        .deserialization_exception_handler(LogAndContinueExceptionHandler)
        .metrics_recording_level(level);
    let driver = TopologyTestDriver::with_streams_config(topology, &config).expect("driver");
    driver
        .advance_wall_clock_time(Duration::from_millis(1000))
        .expect("clock");
    let mut amounts = driver.create_input_topic(AMOUNTS);
    let mut raw = driver.create_input_topic(RAW);
    for i in 0..good {
        amounts
            .pipe_input_with_timestamp(format!("k{}", i % 3), i, 400 + i)
            .expect("pipe");
        if (i as usize) < poison {
            raw.pipe_input_with_timestamp("bad", b"xyz".to_vec(), 400)
                .expect("pipe poison");
        }
    }
    driver
}

#[test]
fn debug_counts_records_at_the_source_node_and_task_and_store_puts() {
    let (good, poison) = (7, 3);
    let driver = run(RecordingLevel::Debug, good, poison);
    assert_eq!(
        driver
            .create_output_topic(TOTALS)
            .read_values_to_vec()
            .expect("read")
            .len(),
        good as usize
    );
    let m = driver.metrics();
    let piped = good as f64 + poison as f64;
    let task = [(TASK_ID_TAG, "0_0")];
    let source = [(TASK_ID_TAG, "0_0"), (PROCESSOR_NODE_ID_TAG, SOURCE)];
    // Every record handed to the task reaches its source node, the
    // undecodable ones too (they are dropped there).
    assert_eq!(m.value("process-total", &source), Some(piped));
    let task_process: Vec<f64> = m
        .find("process-total", &task)
        .filter(|x| x.group == "stream-task-metrics")
        .map(|x| x.value)
        .collect();
    assert_eq!(task_process, vec![piped]);
    assert_eq!(m.value("dropped-records-total", &task), Some(poison as f64));
    assert_eq!(m.dropped_records_total(), poison as u64);
    // One put per good record into `totals` (a RocksDB store by default).
    assert_eq!(
        m.value("put-total", &[("rocksdb-state-id", "totals")]),
        Some(good as f64)
    );
    assert_eq!(
        m.value("get-total", &[("rocksdb-state-id", "totals")]),
        Some(good as f64)
    );
    let put_latency = m.value("put-latency-max", &[("rocksdb-state-id", "totals")]);
    assert!(
        put_latency.is_some_and(|v| v >= 0.0),
        "timed at DEBUG: {put_latency:?}"
    );
    // The task's process latency is timed at DEBUG.
    assert!(m.find("process-latency-avg", &task).any(|x| x.value >= 0.0));
}

#[test]
fn info_records_e2e_latency_and_drops_but_no_debug_metrics() {
    let (good, poison) = (5, 2);
    let driver = run(RecordingLevel::Info, good, poison);
    let m = driver.metrics();
    let source = [(PROCESSOR_NODE_ID_TAG, SOURCE)];
    // Wall clock 1000, timestamps 400..: the oldest record is 600 ms old.
    assert_eq!(m.value("record-e2e-latency-max", &source), Some(600.0));
    assert_eq!(
        m.value("record-e2e-latency-min", &source),
        Some(600.0 - (good - 1) as f64)
    );
    let sinks: Vec<&str> = m
        .find("record-e2e-latency-max", &[])
        .filter_map(|x| x.tag(PROCESSOR_NODE_ID_TAG))
        .filter(|n| n.starts_with("KSTREAM-SINK-"))
        .collect();
    assert_eq!(sinks.len(), 1, "the sink is the one terminal node");
    assert_eq!(
        m.value(
            "record-e2e-latency-max",
            &[(PROCESSOR_NODE_ID_TAG, sinks[0])]
        ),
        Some(600.0)
    );
    assert!(
        m.find(
            "record-e2e-latency-max",
            &[(PROCESSOR_NODE_ID_TAG, "running_total")]
        )
        .next()
        .is_none(),
        "a node with children records no e2e latency"
    );
    assert_eq!(
        m.value("dropped-records-total", &[(TASK_ID_TAG, "0_0")]),
        Some(poison as f64)
    );
    for debug_only in [
        "process-total",
        "put-total",
        "put-latency-avg",
        "hit-ratio-avg",
    ] {
        assert_eq!(m.find(debug_only, &[]).count(), 0, "{debug_only} is DEBUG");
    }
}
