//! Page views per page per minute, and per user visit, on the broker at
//! `KAFKA_BOOTSTRAP_SERVERS` (default `127.0.0.1:9092`), from one command:
//! creates this run's topics (`page-views-<run>`, `views-per-minute-<run>`,
//! `user-sessions-<run>`), produces the example's sample views with their
//! timestamps, runs the topology under exactly_once_v2 until every final
//! count is committed, prints them, and exits non-zero if any differs from
//! what the sample must give.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kstreams::dsl::Topic;
use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsConfig};
use kstreams_examples::bench::kafka::{create_topics, read_committed};
use kstreams_examples::page_views::{
    closers, expected_finals, expected_sessions, sample, topology_with, CLOSE_AT, PARTITIONS,
};
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};

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
    let (input, per_minute, visits) = (
        format!("page-views-{now}"),
        format!("views-per-minute-{now}"),
        format!("user-sessions-{now}"),
    );
    // Event time: an hour ago, on a minute boundary.
    let base = now - 3_600_000 - now.rem_euclid(60_000);
    println!(
        "page views per minute and per visit on Kafka at {bootstrap} (topics `{input}`, `{per_minute}`, `{visits}`)"
    );

    create_topics(
        &bootstrap,
        &[&input, &per_minute, &visits],
        PARTITIONS as i32,
    )?;

    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("partitioner", "murmur2_random")
        .create()?;
    let views = sample()
        .into_iter()
        .map(|(p, u, at)| (p.to_owned(), u.to_owned(), at))
        .chain(closers(CLOSE_AT));
    for (page, user, at) in views {
        let record = BaseRecord::to(&input)
            .key(&page)
            .payload(&user)
            .timestamp(base + at);
        producer.send(record).map_err(|(e, _)| e)?;
    }
    producer.flush(Duration::from_secs(30))?;

    let topology = topology_with(
        Topic::named(&input),
        Topic::named(&per_minute),
        Topic::named(&visits),
    )?;
    println!("{}", topology.describe());
    let state_dir = std::env::temp_dir().join("kstreams-page-views");
    let config = StreamsConfig::new(format!("page-views-{now}"))
        .bootstrap_servers(&bootstrap)
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(&state_dir);
    let streams = KafkaStreams::new(topology, config)?;
    streams.start()?;
    let read = read_committed(
        &bootstrap,
        &[&per_minute, &visits],
        expected_finals().len() + expected_sessions().len(),
    );
    streams.close(Duration::from_secs(30));
    let _ = std::fs::remove_dir_all(&state_dir);
    let mut finals = Vec::new();
    let mut sessions = Vec::new();
    for (topic, key, value, _) in read? {
        let views = i64::from_be_bytes(value.as_slice().try_into()?);
        if topic == per_minute {
            let (page, start) = split_time(&key, "a time-windowed key")?;
            finals.push((String::from_utf8(page.to_vec())?, start - base, views));
        } else {
            // `[user][end][start]`, as Java's `SessionWindowedSerializer`.
            let (rest, start) = split_time(&key, "a session key")?;
            let (user, end) = split_time(rest, "a session key")?;
            sessions.push((
                String::from_utf8(user.to_vec())?,
                start - base,
                end - base,
                views,
            ));
        }
    }
    finals.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    sessions.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));

    println!("{:<10} {:<8} {:>5}", "page", "minute", "views");
    for (page, start, views) in &finals {
        println!(
            "{page:<10} {:<8} {views:>5}",
            format!("+{}m", start / 60_000)
        );
    }
    println!();
    println!("{:<10} {:<17} {:>5}", "user", "visit", "views");
    for (user, start, end, views) in &sessions {
        println!(
            "{user:<10} {:<17} {views:>5}",
            format!("{} - {}", clock(*start), clock(*end))
        );
    }
    let expected: Vec<(String, i64, i64)> = expected_finals()
        .into_iter()
        .map(|(p, s, n)| (p.to_owned(), s, n))
        .collect();
    let expected_visits: Vec<(String, i64, i64, i64)> = expected_sessions()
        .into_iter()
        .map(|(u, s, e, n)| (u.to_owned(), s, e, n))
        .collect();
    let ok = finals == expected && sessions == expected_visits;
    println!(
        "{}",
        if ok {
            "every (page, minute) and every visit has exactly one final count, and it is right"
        } else {
            "MISMATCH: expected one final count per (page, minute) and per visit, as listed in page_views::expected_finals and expected_sessions"
        }
    );
    Ok(ok)
}

/// `+m:ss.s` after the base minute.
fn clock(ms: i64) -> String {
    format!("+{}:{:04.1}", ms / 60_000, (ms % 60_000) as f64 / 1000.0)
}

/// A key's last 8 bytes as a big-endian timestamp, and what precedes them.
fn split_time<'a>(key: &'a [u8], what: &str) -> Run<(&'a [u8], i64)> {
    let split = key
        .len()
        .checked_sub(8)
        .ok_or_else(|| format!("{what} ends in an 8-byte timestamp"))?;
    Ok((&key[..split], i64::from_be_bytes(key[split..].try_into()?)))
}
