//! The benchmark's load generator and topic tool (run by `cargo xtask bench`).
//!
//! ```text
//! bench_load create    --bootstrap B --topics T1,T2 [--partitions 8]
//! bench_load produce   --bootstrap B --topic T --count N [--accounts 50000] [--seed 42]
//!                      [--event-rate 1000] [--close-windows-ms 0] [--partitions 8] [--table-topic A]
//! bench_load paced     --bootstrap B --topic T --rate R --seconds S [--accounts 50000] [--seed 7]
//! bench_load changelog --bootstrap B --prefix P     (records in P*-changelog topics)
//! bench_load cleanup   --bootstrap B --prefix P     (deletes every topic named P*)
//! bench_load version                                (librdkafka's version)
//! ```
//!
//! `produce` writes as fast as the broker takes it. Its record timestamps
//! (event time, which windowed topologies count in) advance by
//! 1000 / `--event-rate` ms per event and end about now, so the input covers
//! `count / event-rate` seconds. With `--close-windows-ms T` it then writes
//! one SUCCESS event per partition (an account whose key Java's partitioner
//! puts there) stamped T ms after the last event: the stream-time markers
//! that close every earlier window of size + grace ≤ T, so that
//! `suppress(untilWindowCloses)` emits its final results. With
//! `--table-topic A` it first writes one account row per account to A
//! (the `stream-table-join` table), stamped before every event.
//!
//! `produce` also counts, over the SUCCESS events (markers included), the
//! pairs of distinct events of one account at most `JOIN_WINDOW_MS` apart
//! (`kstreams_examples::bench::pairs`), and prints them as `join_pairs=`
//! with `join_window_ms=`: the `stream-stream-join` emits
//! `successes + 2 * join_pairs` results.
//!
//! `paced` offers a fixed rate and sets each record's timestamp to its
//! produce time, which the output reader subtracts from the time it sees
//! the result.

use std::time::{Duration, Instant};

use kstreams::processor::partitioner::murmur2;
use kstreams_examples::bench::account::{account_key, account_row};
use kstreams_examples::bench::args::Flags;
use kstreams_examples::bench::kafka::{self, drain, load_producer, send_with_backpressure};
use kstreams_examples::bench::pairs::{JoinPairs, JOIN_WINDOW_MS};
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

/// Pre-produces `--count` events as fast as possible (see the header for
/// timestamps, markers and the account table).
fn produce(flags: &Flags) -> BenchResult {
    let topic = flags.required("topic")?;
    let count: u64 = flags.number("count", 0)?;
    let accounts: u64 = flags.number("accounts", 50_000)?;
    let event_rate: f64 = flags.number("event-rate", 1000.0)?;
    let close_ms: i64 = flags.number("close-windows-ms", 0)?;
    let partitions: i32 = flags.number("partitions", 8)?;
    if !event_rate.is_finite() || event_rate <= 0.0 || close_ms < 0 || partitions < 1 {
        return Err(
            "--event-rate and --partitions must be positive, --close-windows-ms not negative"
                .into(),
        );
    }
    let producer = load_producer(flags.required("bootstrap")?, 20)?;
    let mut generator = PaymentGenerator::new(flags.number("seed", 42)?, accounts);
    let started = Instant::now();
    let span_ms = (count as f64 * 1000.0 / event_rate) as i64;
    // The last marker lands about now: the broker rejects records too far in the future.
    let first_ts = now_unix_us() / 1000 - span_ms - close_ms;
    let event_ts = |i: u64| first_ts + (i as f64 * 1000.0 / event_rate) as i64;

    let table = flags.or("table-topic", "");
    if !table.is_empty() {
        for n in 0..accounts {
            let (key, value) = account_row(n);
            send_with_backpressure(
                &producer,
                BaseRecord::to(table)
                    .key(key.as_bytes())
                    .payload(value.as_bytes())
                    .timestamp(first_ts - 1),
            )?;
            producer.poll(Duration::ZERO);
        }
    }

    let (mut successes, mut bytes) = (0u64, 0u64);
    let mut join_pairs = JoinPairs::new();
    for i in 0..count {
        let ts = event_ts(i);
        let (key, value, ok) = generator.next_event(ts);
        successes += u64::from(ok);
        if ok {
            join_pairs.observe(key, ts)?;
        }
        bytes += (key.len() + value.len()) as u64;
        send_with_backpressure(
            &producer,
            BaseRecord::to(topic).key(key).payload(value).timestamp(ts),
        )?;
        producer.poll(Duration::ZERO);
    }
    let last_ts = event_ts(count.saturating_sub(1));
    let mut markers = 0u64;
    if close_ms > 0 {
        for account in marker_accounts(accounts, partitions)? {
            let (key, value) = generator.success_of(account, last_ts + close_ms);
            join_pairs.observe(key, last_ts + close_ms)?;
            send_with_backpressure(
                &producer,
                BaseRecord::to(topic)
                    .key(key)
                    .payload(value)
                    .timestamp(last_ts + close_ms),
            )?;
            markers += 1;
        }
    }
    drain(&producer, Duration::from_secs(120))?;
    let secs = started.elapsed().as_secs_f64();
    report(&format!(
        "produced={} successes={} markers={markers} join_window_ms={JOIN_WINDOW_MS} join_pairs={} \
         bytes={bytes} first_ts_ms={first_ts} last_ts_ms={last_ts} ms={} rate={:.0}",
        count + markers,
        successes + markers,
        join_pairs.pairs(),
        (secs * 1000.0) as u64,
        count as f64 / secs.max(1e-9)
    ));
    Ok(())
}

/// One account per partition whose key Java's default partitioner
/// (`murmur2(key) & 0x7fffffff % partitions`) puts on that partition.
fn marker_accounts(accounts: u64, partitions: i32) -> BenchResult<Vec<u64>> {
    let mut found: Vec<Option<u64>> = vec![None; partitions as usize];
    for n in 0..accounts {
        let p = (murmur2(account_key(n).as_bytes()) & 0x7fff_ffff) % partitions;
        found[p as usize].get_or_insert(n);
        if found.iter().all(Option::is_some) {
            break;
        }
    }
    found
        .into_iter()
        .enumerate()
        .map(|(p, n)| {
            n.ok_or_else(|| {
                format!("no account of the {accounts} lands on partition {p}: use more --accounts")
                    .into()
            })
        })
        .collect()
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
