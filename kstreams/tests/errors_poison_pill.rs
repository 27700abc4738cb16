//! Poison pills on a real broker, under exactly_once_v2: an input topic of
//! `Json<Event>` values with 1 % garbage (not JSON).
//!
//! - LogAndContinue + dead-letter queue: every good record reaches the
//!   output exactly once (read_committed), `dropped-records-total` equals
//!   the garbage count, and the DLQ holds exactly the garbage records, bytes
//!   untouched, with Kafka Streams' `__streams.errors.*` headers.
//! - LogAndFail (the default): the client reaches ERROR with an error naming
//!   topic, partition and offset, and the group's committed offset is not
//!   past the bad record.

mod broker;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Headers as _;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::Message;
use serde::{Deserialize, Serialize};

use kstreams::dsl::{StreamsBuilder, Topic};
use kstreams::errors::{dlq, LogAndContinueExceptionHandler};
use kstreams::serde::Json;
use kstreams::{
    KafkaStreams, ProcessingGuarantee, State, StreamThreadExceptionResponse, StreamsConfig,
};

use broker::{bootstrap, create_topics, group_lag, produce, read_committed, unique};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Event {
    id: u64,
}

const RECORDS: u64 = 3000;

/// 1 % garbage: ids 37, 137, 237, ...
fn is_garbage(i: u64) -> bool {
    i % 100 == 37
}

fn garbage(i: u64) -> String {
    format!("garbage #{i} {{not json")
}

fn input_records() -> impl Iterator<Item = (String, String)> {
    (0..RECORDS).map(|i| {
        let value = if is_garbage(i) {
            garbage(i)
        } else {
            format!("{{\"id\":{i}}}")
        };
        (format!("k{i}"), value)
    })
}

fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "warn,kstreams=info,kstreams::errors=error",
        ))
        .with_test_writer()
        .try_init();
}

/// `input (Json<Event>) → map_values(id as text) → output (String)`.
fn topology<const P: u32>(input: &str, output: &str) -> kstreams::topology::Topology {
    let builder = StreamsBuilder::new();
    let input: Topic<String, Json<Event>, P> = Topic::named(input);
    let output: Topic<String, String, P> = Topic::named(output);
    builder
        .stream(input)
        .map_values(|e: Event| e.id.to_string())
        .to(output);
    builder.build().expect("topology")
}

fn config(app_id: &str) -> StreamsConfig {
    StreamsConfig::new(app_id)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .commit_interval_ms(200)
        .state_dir(std::env::temp_dir().join(unique("kstreams-state")))
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn consumer(group: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("group.id", group)
        .set("isolation.level", "read_committed")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer")
}

/// Every committed record of a one-partition topic: (value, headers as text).
fn read_with_headers(topic: &str, expected: usize) -> Vec<(Vec<u8>, BTreeMap<String, String>)> {
    let consumer = consumer(&unique("dlq-checker"));
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning)
        .expect("tpl");
    consumer.assign(&tpl).expect("assign");
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while out.len() < expected && Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            let headers = m
                .headers()
                .map(|hs| {
                    hs.iter()
                        .map(|h| {
                            (
                                h.key.to_owned(),
                                String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push((m.payload().unwrap_or_default().to_vec(), headers));
        }
    }
    // Anything beyond the expected count would be a bug: look a little longer.
    let extra_deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < extra_deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            out.push((m.payload().unwrap_or_default().to_vec(), BTreeMap::new()));
        }
    }
    out
}

#[test]
fn log_and_continue_skips_garbage_exactly_once_and_fills_the_dead_letter_queue() {
    init_logs();
    let (input, output, dlq_topic, app) = (
        unique("pp-in"),
        unique("pp-out"),
        unique("pp-dlq"),
        unique("pp-app"),
    );
    create_topics(&[&input, &output], 4);
    create_topics(&[&dlq_topic], 1);
    produce(&input, input_records());

    let config = config(&app)
        .deserialization_exception_handler(LogAndContinueExceptionHandler)
        .dead_letter_queue_topic(&dlq_topic);
    let streams = KafkaStreams::new(topology::<4>(&input, &output), config).expect("new");
    streams.start().expect("start");
    wait_until(
        "the input to be consumed and committed",
        Duration::from_secs(90),
        || group_lag(&app, &input, 4) == 0,
    );
    let dropped = streams.metrics().dropped_records_total();
    assert!(streams.close(Duration::from_secs(30)), "close timed out");
    assert_eq!(streams.state(), State::NotRunning);

    let garbage_ids: BTreeSet<u64> = (0..RECORDS).filter(|i| is_garbage(*i)).collect();
    let good_ids: BTreeSet<u64> = (0..RECORDS).filter(|i| !is_garbage(*i)).collect();
    let records = read_committed(&output, 4, Duration::from_secs(30));
    let ids: Vec<u64> = records
        .iter()
        .map(|(_, _, v)| v.parse().expect("output is an id"))
        .collect();
    let unique_ids: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique_ids.len(), "duplicates in the output");
    assert_eq!(
        unique_ids, good_ids,
        "every good record exactly once, no garbage"
    );
    assert_eq!(
        dropped,
        garbage_ids.len() as u64,
        "dropped-records-total counts the garbage"
    );

    let dead = read_with_headers(&dlq_topic, garbage_ids.len());
    assert_eq!(
        dead.len(),
        garbage_ids.len(),
        "the DLQ holds exactly the bad records"
    );
    let mut dead_ids = BTreeSet::new();
    for (value, headers) in &dead {
        let text = String::from_utf8_lossy(value);
        let id: u64 = text
            .strip_prefix("garbage #")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("DLQ value is not an original garbage record: {text:?}"));
        assert_eq!(text, garbage(id), "original bytes untouched");
        assert_eq!(
            headers
                .get(dlq::HEADER_ERRORS_EXCEPTION_NAME)
                .map(String::as_str),
            Some("kstreams::Error::Serde")
        );
        assert!(
            headers
                .get(dlq::HEADER_ERRORS_EXCEPTION_MESSAGE_NAME)
                .is_some_and(|m| m.contains(&input)),
            "{headers:?}"
        );
        assert_eq!(headers.get(dlq::HEADER_ERRORS_TOPIC_NAME), Some(&input));
        let partition: i32 = headers[dlq::HEADER_ERRORS_PARTITION_NAME]
            .parse()
            .expect("partition header");
        assert_eq!(
            partition,
            kstreams::processor::partitioner::partition_for_key(format!("k{id}").as_bytes(), 4)
        );
        let offset: i64 = headers[dlq::HEADER_ERRORS_OFFSET_NAME]
            .parse()
            .expect("offset header");
        assert!(offset >= 0);
        dead_ids.insert(id);
    }
    assert_eq!(dead_ids, garbage_ids);
}

#[test]
fn log_and_fail_stops_with_the_coordinates_and_commits_nothing_past_the_bad_record() {
    init_logs();
    let (input, output, app) = (unique("ppf-in"), unique("ppf-out"), unique("ppf-app"));
    create_topics(&[&input, &output], 1);
    // One partition, one producer: the record at index i has offset i.
    produce(&input, input_records());
    let first_bad = (0..RECORDS).find(|i| is_garbage(*i)).expect("garbage") as i64;

    let streams = KafkaStreams::new(topology::<1>(&input, &output), config(&app)).expect("new");
    let errors = Arc::new(Mutex::new(Vec::new()));
    let seen = errors.clone();
    streams.set_uncaught_exception_handler(move |e| {
        seen.lock().expect("handler lock").push(e.to_string());
        StreamThreadExceptionResponse::ShutdownClient
    });
    streams.start().expect("start");
    wait_until("ERROR", Duration::from_secs(60), || {
        streams.state() == State::Error
    });
    assert!(streams.close(Duration::from_secs(10)));

    let errors = errors.lock().expect("handler lock").clone();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let expected = format!("topic `{input}` partition 0 offset {first_bad}");
    assert!(
        errors[0].contains(&expected),
        "the error names the record ({expected}): {}",
        errors[0]
    );
    assert!(
        errors[0].contains("deserialization.exception.handler"),
        "the error says what to change: {}",
        errors[0]
    );

    let checker = consumer(&app);
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition(&input, 0);
    let committed = checker
        .committed_offsets(tpl, Duration::from_secs(10))
        .expect("committed offsets");
    let offset = committed
        .find_partition(&input, 0)
        .and_then(|e| e.offset().to_raw())
        .unwrap_or(-1);
    drop(committed);
    assert!(
        offset <= first_bad,
        "committed offset {offset} is past the bad record at {first_bad}"
    );

    let outputs = read_committed(&output, 1, Duration::from_secs(30));
    assert!(
        outputs
            .iter()
            .all(|(_, _, v)| v.parse::<i64>().is_ok_and(|id| id < first_bad)),
        "nothing from the bad record or after it is visible"
    );
}
