//! Throughput of a passthrough pipeline (`input → map_values(identity) →
//! output`, 4 partitions, one stream thread) under both guarantees, on the
//! real broker. Prints records/s; asserts only that every record came out.
//! Time runs from RUNNING until all output is readable downstream. Numbers
//! from a debug build are a floor, not a benchmark result.

mod broker;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kstreams::dsl::{StreamsBuilder, Topic};
use kstreams::{KafkaStreams, ProcessingGuarantee, State, StreamsConfig};

use broker::{bootstrap, create_topics, end_offsets, group_lag, produce, unique};

const RECORDS: usize = 200_000;

fn passthrough_records_per_second(guarantee: ProcessingGuarantee) -> f64 {
    let (input, output, app) = (unique("tp-in"), unique("tp-out"), unique("tp-app"));
    create_topics(&[&input, &output], 4);
    produce(
        &input,
        (0..RECORDS).map(|i| (format!("k{i}"), format!("value-{i:08}"))),
    );

    let builder = StreamsBuilder::new();
    let source: Topic<String, String, 4> = Topic::named(input.clone());
    let sink: Topic<String, String, 4> = Topic::named(output.clone());
    builder.stream(source).map_values(|v: String| v).to(sink);
    let config = StreamsConfig::new(&app)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(guarantee)
        .state_dir(std::env::temp_dir().join(unique("tp-state")));
    let streams = KafkaStreams::new(builder.build().expect("topology"), config).expect("new");
    let running_since = Arc::new(Mutex::new(None));
    let since = running_since.clone();
    streams.set_state_listener(move |_, new| {
        if new == State::Running {
            since.lock().expect("lock").get_or_insert_with(Instant::now);
        }
    });
    streams.start().expect("start");
    let deadline = Instant::now() + Duration::from_secs(300);
    // Done when a downstream consumer can read all output: under EOS when the
    // last transaction committed (with the input offsets), under
    // at-least-once when every record is acknowledged.
    let done = || match guarantee {
        ProcessingGuarantee::ExactlyOnceV2 => group_lag(&app, &input, 4) == 0,
        _ => end_offsets(&output, 4) >= RECORDS as i64,
    };
    while !done() {
        assert!(Instant::now() < deadline, "passthrough did not finish");
        std::thread::sleep(Duration::from_millis(100));
    }
    let started = running_since
        .lock()
        .expect("lock")
        .expect("reached RUNNING");
    let elapsed = started.elapsed();
    assert!(streams.close(Duration::from_secs(30)));
    RECORDS as f64 / elapsed.as_secs_f64()
}

#[test]
fn passthrough_throughput() {
    let eos = passthrough_records_per_second(ProcessingGuarantee::ExactlyOnceV2);
    let alos = passthrough_records_per_second(ProcessingGuarantee::AtLeastOnce);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("passthrough ({profile} build, {RECORDS} records, 4 partitions, 1 thread):");
    println!("  exactly_once_v2: {eos:>9.0} records/s (commit.interval.ms 100)");
    println!("  at_least_once:   {alos:>9.0} records/s");
}
