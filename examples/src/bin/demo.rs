//! `cargo xtask demo`: the payment counter of seed 000, end to end, against
//! the broker at `KAFKA_BOOTSTRAP_SERVERS` (default `127.0.0.1:9092`).
//!
//! 1. produces N payment events (`--events N`, default 200 000; mixed
//!    statuses over 2 000 accounts) into `payment-events`, creating the
//!    topics if missing;
//! 2. runs the counter (`stream → filter(success) → group_by_key → count →
//!    to_stream → to(payment-counts)`) with exactly_once_v2 under a fresh
//!    application id, until its committed offsets reach the end of
//!    `payment-events`;
//! 3. reads `payment-counts` with read_committed from where it ended before
//!    the run, prints a per-account table (top rows and totals) and whether
//!    every account's count equals the number of successful payments in
//!    `payment-events` (earlier runs' events included); exits non-zero on a
//!    mismatch.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsConfig};
use kstreams_examples::console;
use kstreams_examples::payment_counter::{self, Payment, Status, PARTITIONS};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};

type DemoResult<T> = Result<T, Box<dyn std::error::Error>>;

const EVENTS_TOPIC: &str = "payment-events";
const COUNTS_TOPIC: &str = "payment-counts";
const ACCOUNTS: u64 = 2_000;
const TIMEOUT: Duration = Duration::from_secs(300);

fn main() -> std::process::ExitCode {
    console::init_logging("warn");
    match run() {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("demo failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn events_arg() -> DemoResult<u64> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--events") {
        Some(i) => Ok(args.get(i + 1).ok_or("--events needs a number")?.parse()?),
        None => Ok(200_000),
    }
}

fn run() -> DemoResult<bool> {
    let bootstrap =
        std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:9092".into());
    let n = events_arg()?;
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    println!("kstreams demo: the payment counter, exactly once, on Kafka at {bootstrap}");
    create_topics(&bootstrap)?;
    let counts_start = end_offsets(&bootstrap, COUNTS_TOPIC)?;

    let started = Instant::now();
    produce(&bootstrap, n, stamp as u64)?;
    println!(
        "  produced {n} payment events into `{EVENTS_TOPIC}` in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let application_id = format!("payment-counter-{stamp}");
    let state_dir = std::env::temp_dir().join("kstreams-demo");
    let config = StreamsConfig::new(&application_id)
        .bootstrap_servers(&bootstrap)
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(&state_dir);
    let streams = KafkaStreams::new(payment_counter::topology()?, config)?;
    streams.set_global_state_restore_listener(console::RestoreBars::default());
    let started = Instant::now();
    streams.start()?;
    wait_until_caught_up(&bootstrap, &application_id)?;
    let elapsed = started.elapsed().as_secs_f64();
    streams.close(Duration::from_secs(30));
    let _ = std::fs::remove_dir_all(state_dir.join(&application_id));
    println!("  the counter ({application_id}, exactly_once_v2) caught up in {elapsed:.1} s");

    let expected = expected_counts(&bootstrap)?;
    let actual = read_counts(&bootstrap, &counts_start)?;
    Ok(report(&expected, &actual))
}

fn create_topics(bootstrap: &str) -> DemoResult<()> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()?;
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    let topics = [EVENTS_TOPIC, COUNTS_TOPIC]
        .map(|t| NewTopic::new(t, PARTITIONS as i32, TopicReplication::Fixed(1)));
    for result in futures_executor::block_on(admin.create_topics(&topics, &opts))? {
        match result {
            Ok(t) => println!("  created topic {t} ({PARTITIONS} partitions)"),
            Err((_, rdkafka::types::RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((t, code)) => return Err(format!("cannot create topic {t}: {code}").into()),
        }
    }
    Ok(())
}

fn produce(bootstrap: &str, n: u64, seed: u64) -> DemoResult<()> {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("enable.idempotence", "true")
        .set("partitioner", "murmur2_random")
        .set("linger.ms", "20")
        .create()?;
    let bar = console::progress(n, "producing payments");
    for (account, payment) in payment_counter::generate(n, ACCOUNTS, seed) {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
        let value = serde_json::to_vec(&payment)?;
        let mut record = BaseRecord::to(EVENTS_TOPIC).key(&account).payload(&value);
        while let Err((e, r)) = producer.send(record) {
            if e.rdkafka_error_code() != Some(rdkafka::types::RDKafkaErrorCode::QueueFull) {
                return Err(e.into());
            }
            record = r;
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    producer.flush(Duration::from_secs(60))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(())
}

fn consumer(bootstrap: &str, group: &str) -> DemoResult<BaseConsumer> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .create()?)
}

fn end_offsets(bootstrap: &str, topic: &str) -> DemoResult<Vec<i64>> {
    let c = consumer(bootstrap, "kstreams-demo-offsets")?;
    (0..PARTITIONS as i32)
        .map(|p| Ok(c.fetch_watermarks(topic, p, Duration::from_secs(30))?.1))
        .collect()
}

/// Waits until the application's committed offsets reach the end of every
/// partition of the input topic.
fn wait_until_caught_up(bootstrap: &str, application_id: &str) -> DemoResult<()> {
    let c = consumer(bootstrap, application_id)?;
    let ends = end_offsets(bootstrap, EVENTS_TOPIC)?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS as i32 {
        tpl.add_partition(EVENTS_TOPIC, p);
    }
    let deadline = Instant::now() + TIMEOUT;
    let total: i64 = ends.iter().sum();
    let bar = console::progress(u64::try_from(total).unwrap_or(0), "counting");
    loop {
        let committed = c.committed_offsets(tpl.clone(), Duration::from_secs(10))?;
        if let Some(bar) = &bar {
            let done: i64 = committed
                .elements()
                .iter()
                .filter_map(|e| match e.offset() {
                    Offset::Offset(o) => Some(o),
                    _ => None,
                })
                .sum();
            bar.set_position(u64::try_from(done).unwrap_or(0));
        }
        let caught_up = (0..PARTITIONS as i32).all(|p| {
            let offset = committed
                .find_partition(EVENTS_TOPIC, p)
                .map(|e| e.offset());
            matches!(offset, Some(Offset::Offset(o)) if o >= ends[p as usize])
        });
        drop(committed);
        if caught_up {
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the counter did not catch up within {} s",
                TIMEOUT.as_secs()
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Reads `topic` (read_committed) from `start` to its end, calling `f` per record.
fn read_all(
    bootstrap: &str,
    topic: &str,
    start: &[i64],
    f: &mut dyn FnMut(&str, &[u8]),
) -> DemoResult<()> {
    let c = consumer(bootstrap, "kstreams-demo-reader")?;
    let ends = end_offsets(bootstrap, topic)?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS as i32 {
        tpl.add_partition_offset(topic, p, Offset::Offset(start[p as usize]))?;
    }
    c.assign(&tpl)?;
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let position = c.position()?;
        let done = (0..PARTITIONS as i32).all(|p| {
            let at = position.find_partition(topic, p).map(|e| e.offset());
            ends[p as usize] <= start[p as usize]
                || matches!(at, Some(Offset::Offset(o)) if o >= ends[p as usize])
        });
        drop(position);
        if done || Instant::now() > deadline {
            return Ok(());
        }
        if let Some(message) = c.poll(Duration::from_millis(200)) {
            let m = message?;
            if let (Some(key), Some(value)) = (m.key(), m.payload()) {
                f(std::str::from_utf8(key)?, value);
            }
        }
    }
}

fn expected_counts(bootstrap: &str) -> DemoResult<BTreeMap<String, i64>> {
    let mut expected = BTreeMap::new();
    let mut bad = 0u64;
    read_all(
        bootstrap,
        EVENTS_TOPIC,
        &[0; PARTITIONS as usize],
        &mut |account, value| match serde_json::from_slice::<Payment>(value) {
            Ok(p) if p.status == Status::Success => {
                *expected.entry(account.to_owned()).or_insert(0) += 1
            }
            Ok(_) => {}
            Err(_) => bad += 1,
        },
    )?;
    if bad > 0 {
        println!("  note: {bad} records in `{EVENTS_TOPIC}` are not payment JSON; the counter stops on them (deserialization error)");
    }
    Ok(expected)
}

fn read_counts(bootstrap: &str, start: &[i64]) -> DemoResult<BTreeMap<String, i64>> {
    let mut latest = BTreeMap::new();
    read_all(bootstrap, COUNTS_TOPIC, start, &mut |account, value| {
        if let Ok(bytes) = <[u8; 8]>::try_from(value) {
            latest.insert(account.to_owned(), i64::from_be_bytes(bytes));
        }
    })?;
    Ok(latest)
}

fn report(expected: &BTreeMap<String, i64>, actual: &BTreeMap<String, i64>) -> bool {
    let mut rows: Vec<(&String, i64, i64)> = expected
        .iter()
        .map(|(account, e)| (account, *e, actual.get(account).copied().unwrap_or(0)))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    println!();
    println!(
        "  {:<12} {:>10} {:>10}  ok",
        "account", "counted", "expected"
    );
    for (account, e, a) in rows.iter().take(10) {
        println!(
            "  {account:<12} {a:>10} {e:>10}  {}",
            if a == e { "✓" } else { "✗" }
        );
    }
    println!("  {:<12} {:>10} {:>10}", "...", "", "");
    let mismatches: Vec<_> = rows.iter().filter(|(_, e, a)| e != a).collect();
    let extra = actual.keys().filter(|k| !expected.contains_key(*k)).count();
    let total_actual: i64 = actual.values().sum();
    let total_expected: i64 = expected.values().sum();
    println!(
        "  {:<12} {total_actual:>10} {total_expected:>10}   ({} accounts)",
        "total",
        expected.len()
    );
    println!();
    let ok = mismatches.is_empty() && extra == 0;
    if ok {
        println!(
            "OK: every account's count equals its number of successful payments (exactly once)"
        );
    } else {
        println!(
            "MISMATCH: {} accounts differ, {extra} unexpected accounts",
            mismatches.len()
        );
        for (account, e, a) in mismatches.iter().take(10) {
            println!("  {account}: counted {a}, expected {e}");
        }
    }
    ok
}
