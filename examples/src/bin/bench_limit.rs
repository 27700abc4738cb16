//! "The limit": the fastest consume → produce copy loop we can write with
//! rdkafka on one thread, as a yardstick for what the broker and client
//! allow. No deserialization, no processing: every input record is copied
//! to the same partition of the output topic with its key, value and
//! timestamp.
//!
//! ```text
//! bench_limit --topology copy --bootstrap B --application-id ID --input IN --output OUT
//!             [--guarantee at_least_once|exactly_once_v2] [--commit-interval-ms 100]
//! ```
//!
//! Every commit interval: at_least_once waits for every produced record to
//! be acknowledged, then commits the consumer's positions synchronously;
//! exactly_once_v2 sends the positions to the open transaction and commits
//! it (records and offsets together), then begins the next one. The
//! producer is drained with 1 ms polls before committing, because
//! rust-rdkafka's `flush` polls in 100 ms steps.
//!
//! Prints `BENCH state=RUNNING` on its first partition assignment and
//! `BENCH state=NOT_RUNNING` after a clean stop on SIGTERM. One instance
//! per group (no rebalance handling beyond the first assignment).

use std::time::{Duration, Instant};

use kstreams_examples::bench::args::{AppArgs, Guarantee};
use kstreams_examples::bench::kafka::{
    drain, install_terminate_flag, send_with_backpressure, terminated,
};
use kstreams_examples::bench::report::report;
use kstreams_examples::bench::BenchResult;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

const TXN_TIMEOUT: Duration = Duration::from_secs(30);

fn main() -> std::process::ExitCode {
    let args = AppArgs::from_env_or_exit("bench_limit");
    match run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_limit: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: &AppArgs) -> BenchResult {
    install_terminate_flag()?;
    let eos = args.guarantee == Guarantee::ExactlyOnceV2;
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &args.bootstrap)
        .set("group.id", &args.application_id)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set(
            "isolation.level",
            if eos {
                "read_committed"
            } else {
                "read_uncommitted"
            },
        )
        // As kstreams' stream threads: librdkafka's default (1000 ms) idles a
        // fast consumer for most of each second once its queue has been full.
        .set("fetch.queue.backoff.ms", "10")
        .create()?;
    let mut producer_config = ClientConfig::new();
    producer_config.set("bootstrap.servers", &args.bootstrap);
    if eos {
        producer_config.set(
            "transactional.id",
            format!("{}-limit-0", args.application_id),
        );
    }
    let producer: BaseProducer = producer_config.create()?;
    if eos {
        producer.init_transactions(TXN_TIMEOUT)?;
        producer.begin_transaction()?;
    }
    consumer.subscribe(&[&args.input])?;

    let interval = Duration::from_millis(args.commit_interval_ms);
    let mut last_commit = Instant::now();
    let mut running = false;
    let mut uncommitted = 0u64;
    while !terminated() {
        if let Some(result) = consumer.poll(Duration::from_millis(5)) {
            let message = match result {
                Ok(message) => message,
                Err(e) => {
                    eprintln!("bench_limit: consumer error (continuing): {e}");
                    continue;
                }
            };
            let mut record = BaseRecord::to(&args.output).partition(message.partition());
            if let Some(key) = message.key() {
                record = record.key(key);
            }
            if let Some(value) = message.payload() {
                record = record.payload(value);
            }
            if let Some(ts) = message.timestamp().to_millis() {
                record = record.timestamp(ts);
            }
            send_with_backpressure(&producer, record)?;
            uncommitted += 1;
        }
        producer.poll(Duration::ZERO);
        if !running && consumer.assignment()?.count() > 0 {
            running = true;
            report("state=RUNNING");
        }
        if last_commit.elapsed() >= interval {
            if uncommitted > 0 {
                commit(&consumer, &producer, eos)?;
                uncommitted = 0;
            }
            last_commit = Instant::now();
        }
    }
    if uncommitted > 0 {
        commit(&consumer, &producer, eos)?;
    }
    if eos {
        producer.abort_transaction(TXN_TIMEOUT)?; // the empty transaction begun after the last commit
    }
    report("state=NOT_RUNNING");
    Ok(())
}

/// Makes everything consumed so far durable: records first, then offsets
/// (at_least_once), or both in one transaction (exactly_once_v2).
fn commit(consumer: &BaseConsumer, producer: &BaseProducer, eos: bool) -> BenchResult {
    drain(producer, TXN_TIMEOUT)?;
    let positions = consumer.position()?;
    if eos {
        let group = consumer
            .group_metadata()
            .ok_or("the consumer has no group metadata")?;
        producer.send_offsets_to_transaction(&positions, &group, TXN_TIMEOUT)?;
        producer.commit_transaction(TXN_TIMEOUT)?;
        producer.begin_transaction()?;
    } else {
        consumer.commit(&positions, CommitMode::Sync)?;
    }
    Ok(())
}
