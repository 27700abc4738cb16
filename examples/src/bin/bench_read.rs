//! The benchmark's output reader (run by `cargo xtask bench`).
//!
//! ```text
//! bench_read --bootstrap B --output OUT --input IN --group APP_ID
//!            [--wait-stdin] [--long-values] [--timeout-s 600] [--drain-ms 500]
//! ```
//!
//! Reads every partition of OUT from the beginning with `read_committed`
//! (the moment a record becomes visible there is the moment a downstream
//! consumer could act on it) and watches the committed offsets of the
//! application's group on IN. The run is done when the group has committed
//! the end of IN and no output has arrived for `--drain-ms`.
//!
//! Without `--wait-stdin` IN is complete from the start (throughput runs).
//! With it, the reader waits for a line `end from_ms=T` on stdin, sent when
//! the paced producer has finished; latency samples are the records whose
//! timestamp is at least T (the warm-up before T is left out).
//!
//! Prints `BENCH reader=ready` once it reads, then one `BENCH read ...` line:
//! records seen, first/last visible times, when the input was committed,
//! the throughput (input records / (done − first output)), latency
//! percentiles (visible time − record timestamp; with `--wait-stdin` only) and, with `--long-values`,
//! the sum of the latest 8-byte count per key.

use std::collections::HashMap;
use std::io::BufRead as _;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kstreams_examples::bench::args::Flags;
use kstreams_examples::bench::kafka::{query_consumer, watermarks};
use kstreams_examples::bench::report::{now_unix_us, report, Percentiles};
use kstreams_examples::bench::BenchResult;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

/// What the committed-offsets watcher tells the reading loop.
#[derive(Default)]
struct Progress {
    /// Set once IN holds everything it will hold.
    input_complete: AtomicBool,
    /// Latency samples start at this record timestamp (ms).
    measure_from_ms: AtomicI64,
    /// Records in IN (when complete).
    input_records: AtomicI64,
    /// When the group's committed offsets first covered IN (µs since the epoch), 0 before.
    done_us: AtomicI64,
    /// A fatal error in the watcher.
    failed: AtomicBool,
}

fn main() -> std::process::ExitCode {
    match Flags::parse(std::env::args().skip(1))
        .map_err(Into::into)
        .and_then(|f| run(&f))
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_read: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(flags: &Flags) -> BenchResult {
    let bootstrap = flags.required("bootstrap")?.to_owned();
    let output = flags.required("output")?;
    let input = flags.required("input")?.to_owned();
    let group = flags.required("group")?.to_owned();
    let timeout = Duration::from_secs(flags.number("timeout-s", 600)?);
    let drain = Duration::from_millis(flags.number("drain-ms", 500)?);
    let long_values = flags.or("long-values", "false") == "true";
    let progress = Arc::new(Progress::default());

    let latency_mode = flags.or("wait-stdin", "false") == "true";
    if latency_mode {
        let p = Arc::clone(&progress);
        std::thread::spawn(move || wait_for_end_line(&p));
    } else {
        progress.input_complete.store(true, Ordering::SeqCst);
    }
    let watcher = {
        let p = Arc::clone(&progress);
        std::thread::spawn(move || {
            if let Err(e) = watch_committed(&bootstrap, &group, &input, &p) {
                eprintln!("bench_read: watching the committed offsets of group {group}: {e}");
                p.failed.store(true, Ordering::SeqCst);
            }
        })
    };

    let consumer = output_consumer(flags.required("bootstrap")?, output)?;
    report("reader=ready");
    let started = Instant::now();
    let (mut records, mut first_us, mut last_us) = (0u64, 0i64, 0i64);
    let mut samples: Vec<(i64, i64)> = Vec::new(); // (record timestamp ms, latency µs)
    let mut counts: HashMap<Vec<u8>, i64> = HashMap::new();
    loop {
        if let Some(result) = consumer.poll(Duration::from_millis(10)) {
            let message = match result {
                Ok(message) => message,
                Err(e) => {
                    eprintln!("bench_read: consumer error (continuing): {e}");
                    continue;
                }
            };
            let visible_us = now_unix_us();
            records += 1;
            if first_us == 0 {
                first_us = visible_us;
            }
            last_us = visible_us;
            if let Some(ts) = message.timestamp().to_millis().filter(|_| latency_mode) {
                samples.push((ts, visible_us - ts * 1000));
            }
            if long_values {
                if let (Some(key), Some(value)) = (message.key(), message.payload()) {
                    if let Ok(bytes) = <[u8; 8]>::try_from(value) {
                        counts.insert(key.to_vec(), i64::from_be_bytes(bytes));
                    }
                }
            }
            continue;
        }
        if progress.failed.load(Ordering::SeqCst) {
            return Err("the committed-offsets watcher failed (see above)".into());
        }
        let done_us = progress.done_us.load(Ordering::SeqCst);
        let now = now_unix_us();
        if done_us > 0 && now - done_us.max(last_us) > drain.as_micros() as i64 {
            break;
        }
        if started.elapsed() > timeout {
            return Err(format!(
                "timed out after {timeout:?}: {records} output records, the group has{} committed the end of the input",
                if done_us > 0 { "" } else { " not" }
            )
            .into());
        }
    }
    let _ = watcher.join();

    let done_us = progress.done_us.load(Ordering::SeqCst);
    let input_records = progress.input_records.load(Ordering::SeqCst);
    let secs = (done_us - first_us) as f64 / 1e6;
    let rate = if first_us > 0 && secs > 0.0 {
        input_records as f64 / secs
    } else {
        0.0
    };
    let from_ms = progress.measure_from_ms.load(Ordering::SeqCst);
    let mut latencies: Vec<i64> = samples
        .iter()
        .filter(|(ts, _)| *ts >= from_ms)
        .map(|(_, l)| *l)
        .collect();
    let mut line = format!(
        "read records={records} input={input_records} first_us={first_us} last_us={last_us} done_us={done_us} rate={rate:.0}"
    );
    if long_values {
        line += &format!(
            " keys={} counts_sum={}",
            counts.len(),
            counts.values().sum::<i64>()
        );
    }
    if let Some(p) = Percentiles::of(&mut latencies) {
        line += &format!(
            " lat_n={} p50_us={} p99_us={} p999_us={} max_us={}",
            p.n, p.p50, p.p99, p.p999, p.max
        );
    }
    report(&line);
    Ok(())
}

/// A read_committed consumer assigned every partition of `topic` from the beginning.
fn output_consumer(bootstrap: &str, topic: &str) -> BenchResult<BaseConsumer> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set(
            "group.id",
            format!("kstreams-bench-reader-{}", std::process::id()),
        )
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .set("fetch.wait.max.ms", "50")
        // The reader must keep up with the app: librdkafka's default (1000 ms)
        // stops fetching for a second whenever its local queue was full.
        .set("fetch.queue.backoff.ms", "10")
        .create()?;
    let mut assignment = TopicPartitionList::new();
    for (partition, _, _) in watermarks(&consumer, topic)? {
        assignment.add_partition_offset(topic, partition, Offset::Beginning)?;
    }
    consumer.assign(&assignment)?;
    Ok(consumer)
}

/// Waits for `end from_ms=T` on stdin (the paced producer has finished).
fn wait_for_end_line(progress: &Progress) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if let Some(rest) = line.trim().strip_prefix("end") {
            let from = rest
                .trim()
                .strip_prefix("from_ms=")
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            progress.measure_from_ms.store(from, Ordering::SeqCst);
            break;
        }
    }
    // End of stdin counts as the end of the input too: the harness is done producing.
    progress.input_complete.store(true, Ordering::SeqCst);
}

/// Once the input is complete, polls the group's committed offsets every
/// 20 ms until they reach the end of every input partition.
fn watch_committed(bootstrap: &str, group: &str, input: &str, progress: &Progress) -> BenchResult {
    while !progress.input_complete.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let consumer = query_consumer(bootstrap, group)?;
    let ends = watermarks(&consumer, input)?;
    progress.input_records.store(
        ends.iter().map(|(_, low, high)| high - low).sum(),
        Ordering::SeqCst,
    );
    let mut wanted = TopicPartitionList::new();
    for (partition, _, _) in &ends {
        wanted.add_partition(input, *partition);
    }
    loop {
        let committed = consumer.committed_offsets(wanted.clone(), Duration::from_secs(10))?;
        let all = ends.iter().all(|(partition, low, high)| {
            let at = committed
                .find_partition(input, *partition)
                .and_then(|e| e.offset().to_raw())
                .unwrap_or(-1);
            high == low || at >= *high
        });
        if all {
            progress.done_us.store(now_unix_us(), Ordering::SeqCst);
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
