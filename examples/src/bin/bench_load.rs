//! The benchmark's load generator and topic tool (run by `cargo xtask bench`).
//!
//! ```text
//! bench_load create    --bootstrap B --topics T1,T2 [--partitions 8]
//! bench_load produce   --bootstrap B --topic T --count N [--accounts 50000] [--seed 42]
//! bench_load paced     --bootstrap B --topic T --rate R --seconds S [--accounts 50000] [--seed 7]
//! bench_load changelog --bootstrap B --prefix P     (records in P*-changelog topics)
//! bench_load cleanup   --bootstrap B --prefix P     (deletes every topic named P*)
//! bench_load version                                (librdkafka's version)
//! ```
//!
//! `produce` writes as fast as the broker takes it; `paced` offers a fixed
//! rate and sets each record's timestamp to its produce time, which the
//! output reader subtracts from the time it sees the result.

use std::time::{Duration, Instant};

use kstreams_examples::bench::args::Flags;
use kstreams_examples::bench::kafka::{self, drain, load_producer, send_with_backpressure};
use kstreams_examples::bench::payment::PaymentGenerator;
use kstreams_examples::bench::report::{now_unix_us, report};
use kstreams_examples::bench::BenchResult;
use rdkafka::producer::BaseRecord;

const USAGE: &str = "usage: bench_load create|produce|paced|changelog|cleanup --bootstrap HOST:PORT ... (see the source's header)";

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let result = Flags::parse(args)
        .map_err(Into::into)
        .and_then(|flags| match command.as_str() {
            "create" => create(&flags),
            "produce" => produce(&flags),
            "paced" => paced(&flags),
            "changelog" => changelog(&flags),
            "cleanup" => cleanup(&flags),
            "version" => {
                report(&format!(
                    "librdkafka={}",
                    rdkafka::util::get_rdkafka_version().1
                ));
                Ok(())
            }
            other => Err(format!("unknown command `{other}`\n{USAGE}").into()),
        });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_load {command}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn create(flags: &Flags) -> BenchResult {
    let topics: Vec<&str> = flags
        .required("topics")?
        .split(',')
        .filter(|t| !t.is_empty())
        .collect();
    kafka::create_topics(
        flags.required("bootstrap")?,
        &topics,
        flags.number("partitions", 8)?,
    )?;
    report(&format!("created topics={}", topics.len()));
    Ok(())
}

/// Pre-produces `--count` events as fast as possible.
fn produce(flags: &Flags) -> BenchResult {
    let topic = flags.required("topic")?;
    let count: u64 = flags.number("count", 0)?;
    let producer = load_producer(flags.required("bootstrap")?, 20)?;
    let mut generator =
        PaymentGenerator::new(flags.number("seed", 42)?, flags.number("accounts", 50_000)?);
    let started = Instant::now();
    let (mut successes, mut bytes) = (0u64, 0u64);
    let ts = now_unix_us() / 1000;
    for _ in 0..count {
        let (key, value, ok) = generator.next_event(ts);
        successes += u64::from(ok);
        bytes += (key.len() + value.len()) as u64;
        send_with_backpressure(
            &producer,
            BaseRecord::to(topic).key(key).payload(value).timestamp(ts),
        )?;
        producer.poll(Duration::ZERO);
    }
    drain(&producer, Duration::from_secs(120))?;
    let secs = started.elapsed().as_secs_f64();
    report(&format!(
        "produced={count} successes={successes} bytes={bytes} ms={} rate={:.0}",
        (secs * 1000.0) as u64,
        count as f64 / secs.max(1e-9)
    ));
    Ok(())
}

/// Offers `--rate` events/s for `--seconds`, each stamped with its produce time.
fn paced(flags: &Flags) -> BenchResult {
    let topic = flags.required("topic")?;
    let rate: f64 = flags.number("rate", 0.0)?;
    let seconds: f64 = flags.number("seconds", 0.0)?;
    if !(rate > 0.0 && seconds > 0.0) {
        return Err("--rate and --seconds must be positive".into());
    }
    // No linger: the producer must not add its own batching delay to the latency.
    let producer = load_producer(flags.required("bootstrap")?, 0)?;
    let mut generator =
        PaymentGenerator::new(flags.number("seed", 7)?, flags.number("accounts", 50_000)?);
    let total = (rate * seconds) as u64;
    let start_us = now_unix_us();
    let started = Instant::now();
    let (mut sent, mut successes) = (0u64, 0u64);
    while sent < total {
        let due = ((started.elapsed().as_secs_f64() * rate) as u64).min(total);
        while sent < due {
            let ts = now_unix_us() / 1000;
            let (key, value, ok) = generator.next_event(ts);
            successes += u64::from(ok);
            send_with_backpressure(
                &producer,
                BaseRecord::to(topic).key(key).payload(value).timestamp(ts),
            )?;
            sent += 1;
        }
        producer.poll(Duration::ZERO);
        std::thread::sleep(Duration::from_micros(500));
    }
    drain(&producer, Duration::from_secs(60))?;
    let secs = started.elapsed().as_secs_f64();
    report(&format!(
        "paced produced={sent} successes={successes} start_ms={} rate={:.0}",
        start_us / 1000,
        sent as f64 / secs.max(1e-9)
    ));
    Ok(())
}

/// Counts the records in the changelog topics of an application (`--prefix` = application id).
fn changelog(flags: &Flags) -> BenchResult {
    let bootstrap = flags.required("bootstrap")?;
    let prefix = flags.required("prefix")?;
    let consumer = kafka::query_consumer(bootstrap, "kstreams-bench-metadata")?;
    let (mut topics, mut records) = (0, 0i64);
    for topic in kafka::topics_with_prefix(bootstrap, prefix)?
        .iter()
        .filter(|t| t.ends_with("-changelog"))
    {
        topics += 1;
        records += kafka::watermarks(&consumer, topic)?
            .iter()
            .map(|(_, low, high)| high - low)
            .sum::<i64>();
    }
    report(&format!("changelog topics={topics} records={records}"));
    Ok(())
}

fn cleanup(flags: &Flags) -> BenchResult {
    let prefix = flags.required("prefix")?;
    if prefix.len() < 8 {
        return Err(format!("refusing to delete topics by the short prefix `{prefix}`").into());
    }
    let deleted = kafka::delete_topics_with_prefix(flags.required("bootstrap")?, prefix)?;
    report(&format!("deleted topics={}", deleted.len()));
    Ok(())
}
