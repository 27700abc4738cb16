//! Kafka Streams' metrics of a `KafkaStreams` client on a real broker,
//! under exactly_once_v2: thread, task, node, client and consumer-lag
//! metrics after a known input, and the same through the Prometheus
//! endpoint, parsed line by line. (Feature `prometheus`.)

mod broker;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use kstreams::dsl::{StreamsBuilder, Topic};
use kstreams::metrics::{
    MetricsSnapshot, PrometheusServer, RecordingLevel, TASK_GROUP, THREAD_GROUP,
};
use kstreams::serde::I64;
use kstreams::state::KeyValueStore;
use kstreams::{processor, KafkaStreams, ProcessingGuarantee, State, StreamsConfig};

use broker::{bootstrap, create_topics, produce, read_committed_until, unique};

const RECORDS: usize = 300;
const PARTITIONS: i32 = 2;

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// One sample line of the text format: name, labels, value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses one non-comment line of Prometheus' text format, or says why not.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .ok_or("no value")?;
    let name = &line[..name_end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("bad metric name `{name}`"));
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('{') {
        let mut chars = after.char_indices();
        let mut key = String::new();
        loop {
            let (_, c) = chars.next().ok_or("unterminated labels")?;
            match c {
                '}' if key.is_empty() => break,
                '=' => {
                    if chars.next().map(|(_, c)| c) != Some('"') {
                        return Err("label value not quoted".into());
                    }
                    let mut value = String::new();
                    loop {
                        match chars.next().ok_or("unterminated label value")?.1 {
                            '\\' => match chars.next().ok_or("dangling escape")?.1 {
                                'n' => value.push('\n'),
                                c @ ('\\' | '"') => value.push(c),
                                c => return Err(format!("bad escape \\{c}")),
                            },
                            '"' => break,
                            c => value.push(c),
                        }
                    }
                    labels.insert(std::mem::take(&mut key), value);
                    match chars.next().ok_or("unterminated labels")? {
                        (_, ',') => {}
                        (i, '}') => {
                            rest = &after[i + 1..];
                            break;
                        }
                        (_, c) => return Err(format!("unexpected `{c}` after a label")),
                    }
                }
                c if c.is_ascii_alphanumeric() || c == '_' => key.push(c),
                c => return Err(format!("bad label name character `{c}`")),
            }
        }
    }
    let value = rest.strip_prefix(' ').ok_or("no space before the value")?;
    let value = match value {
        "NaN" => f64::NAN,
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().map_err(|e| format!("bad value `{v}`: {e}"))?,
    };
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

fn scrape(server: &PrometheusServer) -> String {
    let mut s = TcpStream::connect(server.local_addr()).expect("connect to /metrics");
    write!(s, "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n").expect("request");
    let mut response = String::new();
    s.read_to_string(&mut response).expect("response");
    let (head, body) = response.split_once("\r\n\r\n").expect("headers and body");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("text/plain; version=0.0.4"), "{head}");
    body.to_owned()
}

fn thread_metric(m: &MetricsSnapshot, name: &str) -> Option<f64> {
    let mut found = m.find(name, &[]).filter(|x| x.group == THREAD_GROUP);
    let first = found.next()?.value;
    assert!(found.next().is_none(), "one stream thread, one {name}");
    Some(first)
}

#[test]
fn eos_app_reports_kafka_streams_metrics_and_prometheus_text() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,kstreams=info"))
        .with_test_writer()
        .try_init();
    let (input, output, app) = (
        unique("metrics-in"),
        unique("metrics-out"),
        unique("metrics-app"),
    );
    create_topics(&[&input, &output], PARTITIONS);
    produce(
        &input,
        (0..RECORDS).map(|i| (format!("k{i}"), i.to_string())),
    );

    let b = StreamsBuilder::new();
    b.stream(Topic::<String, String, 2>::named(&input))
        .map_values(|v: String| format!("seen {v}"))
        .to(Topic::<String, String, 2>::named(&output));
    let config = StreamsConfig::new(&app)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(std::env::temp_dir().join(unique("kstreams-state")));
    let streams = KafkaStreams::new(b.build().expect("topology"), config).expect("new");
    let server = PrometheusServer::start(streams.streams_metrics().clone(), "127.0.0.1:0")
        .expect("metrics endpoint");
    let created = streams.metrics();
    assert_eq!(
        created.value("client-state", &[]),
        Some(f64::from(State::Created.ordinal()))
    );
    streams.start().expect("start");

    let out = read_committed_until(&output, RECORDS);
    assert_eq!(out.len(), RECORDS);
    // The thread's process-total counts each input record once; the lags
    // come from the consumer's statistics (every 100 ms) and reach 0 once
    // it has read to the end of both partitions.
    wait_until(
        "process-total and records-lag to settle",
        Duration::from_secs(60),
        || {
            let m = streams.metrics();
            let lags: Vec<f64> = m
                .find("records-lag", &[("topic", input.as_str())])
                .map(|x| x.value)
                .collect();
            thread_metric(&m, "process-total") == Some(RECORDS as f64)
                && lags.len() == PARTITIONS as usize
                && lags.iter().all(|l| *l == 0.0)
        },
    );
    wait_until("RUNNING", Duration::from_secs(30), || {
        streams.state() == State::Running
    });
    let m = streams.metrics();
    assert!(
        thread_metric(&m, "commit-total").is_some_and(|c| c > 0.0),
        "commits: {m:?}"
    );
    assert!(thread_metric(&m, "commit-latency-max").is_some_and(|c| c >= 0.0));
    assert!(thread_metric(&m, "poll-total").is_some_and(|c| c > 0.0));
    assert!(thread_metric(&m, "process-latency-avg").is_some_and(|c| c >= 0.0));
    assert!(thread_metric(&m, "process-rate").is_some_and(|c| c > 0.0));
    assert_eq!(
        thread_metric(&m, "task-created-total"),
        Some(PARTITIONS as f64)
    );
    assert_eq!(m.value("alive-stream-threads", &[]), Some(1.0));
    assert_eq!(
        m.value("client-state", &[]),
        Some(f64::from(State::Running.ordinal()))
    );
    assert_eq!(m.value("records-lag-max", &[]), Some(0.0));
    assert_eq!(m.sum("dropped-records-total"), 0.0);
    assert_eq!(
        m.find("dropped-records-total", &[]).count(),
        PARTITIONS as usize,
        "one per task"
    );
    // Source and sink of each task record the end-to-end latency.
    assert_eq!(
        m.find("record-e2e-latency-max", &[]).count(),
        2 * PARTITIONS as usize
    );
    assert!(m
        .find("record-e2e-latency-max", &[])
        .all(|x| x.value >= 0.0));

    let text = scrape(&server);
    if std::env::var_os("KSTREAMS_PRINT_METRICS").is_some() {
        println!("{text}");
    }
    let mut samples = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        match parse_sample(line) {
            Ok(s) => samples.push(s),
            Err(e) => panic!("line {}: `{line}`: {e}", i + 1),
        }
    }
    assert!(samples.iter().all(|s| s.name.starts_with("kstreams_")));
    let value = |name: &str| -> Vec<f64> {
        samples
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.value)
            .collect()
    };
    for name in [
        "kstreams_stream_thread_commit_total",
        "kstreams_stream_thread_commit_rate",
        "kstreams_stream_thread_commit_latency_avg",
        "kstreams_stream_thread_commit_latency_max",
        "kstreams_stream_thread_poll_latency_avg",
        "kstreams_stream_thread_process_rate",
        "kstreams_stream_thread_punctuate_rate",
        "kstreams_stream_task_dropped_records_total",
        "kstreams_stream_processor_node_record_e2e_latency_avg",
        "kstreams_consumer_fetch_manager_records_lag",
        "kstreams_consumer_fetch_manager_records_lag_max",
        "kstreams_stream_alive_stream_threads",
        "kstreams_stream_client_state",
    ] {
        assert!(!value(name).is_empty(), "{name} missing from:\n{text}");
    }
    assert_eq!(
        value("kstreams_stream_thread_process_total"),
        vec![RECORDS as f64]
    );
    assert_eq!(value("kstreams_stream_alive_stream_threads"), vec![1.0]);
    let lag = samples
        .iter()
        .find(|s| s.name == "kstreams_consumer_fetch_manager_records_lag")
        .expect("a lag sample");
    assert_eq!(lag.labels.get("topic"), Some(&input));
    assert!(lag.labels.contains_key("partition") && lag.labels.contains_key("client_id"));

    drop(server);
    assert!(streams.close(Duration::from_secs(30)), "close timed out");
    let closed = streams.metrics();
    assert_eq!(
        closed.value("client-state", &[]),
        Some(f64::from(State::NotRunning.ordinal()))
    );
    assert_eq!(
        closed.find("commit-total", &[]).count(),
        0,
        "the thread's metrics left with it"
    );
}

/// Counts records per key in the logged store `seen`.
#[processor(stores(seen = KeyValue<String, I64>))]
fn count_seen(
    key: &String,
    _v: String,
    seen: &mut dyn KeyValueStore<String, i64>,
) -> kstreams::Result<i64> {
    let n = seen.get(key)?.unwrap_or(0) + 1;
    seen.put(key, &n)?;
    Ok(n)
}

#[test]
fn a_new_instance_reports_its_restoration() {
    const KEYS: usize = 20;
    let (input, output, app) = (
        unique("restore-in"),
        unique("restore-out"),
        unique("restore-app"),
    );
    create_topics(&[&input, &output], PARTITIONS);
    produce(
        &input,
        (0..RECORDS).map(|i| (format!("k{}", i % KEYS), i.to_string())),
    );
    let topology = || {
        let b = StreamsBuilder::new();
        b.stream(Topic::<String, String, 2>::named(&input))
            .via(count_seen)
            .to(Topic::<String, I64, 2>::named(&output));
        b.build().expect("topology")
    };
    let config = |level| {
        StreamsConfig::new(&app)
            .bootstrap_servers(bootstrap())
            .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
            .metrics_recording_level(level)
            .state_dir(std::env::temp_dir().join(unique("kstreams-state")))
    };
    let first = KafkaStreams::new(topology(), config(RecordingLevel::Info)).expect("new");
    first.start().expect("start");
    assert_eq!(read_committed_until(&output, RECORDS).len(), RECORDS);
    assert!(first.close(Duration::from_secs(30)), "close timed out");

    // Same application, empty state directory: the store is rebuilt from
    // its changelog before the tasks run.
    let second = KafkaStreams::new(topology(), config(RecordingLevel::Debug)).expect("new");
    second.start().expect("start");
    wait_until("RUNNING", Duration::from_secs(60), || {
        second.state() == State::Running
    });
    let m = second.metrics();
    let restored: f64 = m
        .find("restore-total", &[])
        .filter(|x| x.group == TASK_GROUP)
        .map(|x| x.value)
        .sum();
    assert!(
        restored >= KEYS as f64 && restored <= RECORDS as f64,
        "every key has at least one changelog record, no more than its inputs: {restored}"
    );
    let remaining: Vec<f64> = m
        .find("restore-remaining-records-total", &[])
        .map(|x| x.value)
        .collect();
    assert_eq!(
        remaining,
        vec![0.0; PARTITIONS as usize],
        "restoration finished"
    );
    let store_batches = m
        .find("restore-total", &[("rocksdb-state-id", "seen")])
        .map(|x| x.value)
        .sum::<f64>();
    assert!(
        store_batches >= 1.0,
        "the store's restore sensor: {store_batches}"
    );
    assert!(m
        .find("restore-latency-max", &[("rocksdb-state-id", "seen")])
        .all(|x| x.value >= 0.0));
    assert!(second.close(Duration::from_secs(30)), "close timed out");
}

#[test]
fn the_text_parser_rejects_what_prometheus_would() {
    let ok = parse_sample(r#"kstreams_x_total{a="1",b="q\"uote\\"} 3.5"#).expect("valid");
    assert_eq!(ok.labels.get("b").map(String::as_str), Some("q\"uote\\"));
    assert_eq!(ok.value, 3.5);
    assert!(parse_sample("kstreams_x NaN").expect("NaN").value.is_nan());
    for bad in [
        "kstreams_x",
        r#"kstreams_x{a=1} 2"#,
        r#"kstreams_x{a="1" 2"#,
        "kstreams_x 1.2.3",
        "1x 2",
    ] {
        assert!(parse_sample(bad).is_err(), "{bad} parsed");
    }
}
