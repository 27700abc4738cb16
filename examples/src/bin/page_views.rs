//! Page views per page per minute on the broker at
//! `KAFKA_BOOTSTRAP_SERVERS` (default `127.0.0.1:9092`), from one command:
//! creates this run's topics (`page-views-<run>`, `views-per-minute-<run>`),
//! produces the example's sample views with their timestamps, runs the
//! topology under exactly_once_v2 until every final count is committed,
//! prints them, and exits non-zero if any differs from what the sample
//! must give.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kstreams::dsl::Topic;
use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsConfig};
use kstreams_examples::bench::kafka::create_topics;
use kstreams_examples::page_views::{closers, expected_finals, sample, topology_with, PARTITIONS};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::Message;

type Run<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> std::process::ExitCode {
    match run() {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("page_views: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Run<bool> {
    let bootstrap =
        std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:9092".into());
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let (input, output) = (
        format!("page-views-{now}"),
        format!("views-per-minute-{now}"),
    );
    // Event time: an hour ago, on a minute boundary.
    let base = now - 3_600_000 - now.rem_euclid(60_000);
    println!("page views per minute on Kafka at {bootstrap} (topics `{input}`, `{output}`)");

    create_topics(&bootstrap, &[&input, &output], PARTITIONS as i32)?;

    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("partitioner", "murmur2_random")
        .create()?;
    let views = sample()
        .into_iter()
        .map(|(p, u, at)| (p.to_owned(), u, at))
        .chain(closers(300_000));
    for (page, user, at) in views {
        let record = BaseRecord::to(&input)
            .key(&page)
            .payload(user)
            .timestamp(base + at);
        producer.send(record).map_err(|(e, _)| e)?;
    }
    producer.flush(Duration::from_secs(30))?;

    let topology = topology_with(Topic::named(&input), Topic::named(&output))?;
    println!("{}", topology.describe());
    let state_dir = std::env::temp_dir().join("kstreams-page-views");
    let config = StreamsConfig::new(format!("page-views-{now}"))
        .bootstrap_servers(&bootstrap)
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(&state_dir);
    let streams = KafkaStreams::new(topology, config)?;
    streams.start()?;
    let finals = read_finals(&bootstrap, &output, base, expected_finals().len());
    streams.close(Duration::from_secs(30));
    let _ = std::fs::remove_dir_all(&state_dir);
    let mut finals = finals?;
    finals.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));

    println!("{:<10} {:<8} {:>5}", "page", "minute", "views");
    for (page, start, views) in &finals {
        println!(
            "{page:<10} {:<8} {views:>5}",
            format!("+{}m", start / 60_000)
        );
    }
    let expected: Vec<(String, i64, i64)> = expected_finals()
        .into_iter()
        .map(|(p, s, n)| (p.to_owned(), s, n))
        .collect();
    let ok = finals == expected;
    println!(
        "{}",
        if ok {
            "every (page, minute) has exactly one final count, and it is right"
        } else {
            "MISMATCH: expected one final count per (page, minute) as listed in page_views::expected_finals"
        }
    );
    Ok(ok)
}

/// Reads committed finals until `expected` arrived and 3 s more passed
/// (a duplicate would show), or 60 s: (page, minute start after base, views).
fn read_finals(
    bootstrap: &str,
    topic: &str,
    base: i64,
    expected: usize,
) -> Run<Vec<(String, i64, i64)>> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("{topic}-reader"))
        .set("isolation.level", "read_committed")
        .set("auto.offset.reset", "earliest")
        .create()?;
    consumer.subscribe(&[topic])?;
    let (mut out, deadline, mut complete) =
        (Vec::new(), Instant::now() + Duration::from_secs(60), None);
    while Instant::now() < deadline
        && complete.is_none_or(|at: Instant| at.elapsed() < Duration::from_secs(3))
    {
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            let m = message?;
            let (Some(key), Some(value)) = (m.key(), m.payload()) else {
                continue;
            };
            let split = key
                .len()
                .checked_sub(8)
                .ok_or("a windowed key is at least 8 bytes")?;
            let start = i64::from_be_bytes(key[split..].try_into()?);
            let views = i64::from_be_bytes(value.try_into()?);
            let page = String::from_utf8(key[..split].to_vec())?;
            out.push((page, start - base, views));
        }
        if out.len() >= expected && complete.is_none() {
            complete = Some(Instant::now());
        }
    }
    Ok(out)
}
