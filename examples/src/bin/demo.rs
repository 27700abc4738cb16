//! `cargo xtask demo`: the end-to-end demo against the broker at
//! `KAFKA_BOOTSTRAP_SERVERS`.
//!
//! Until the payment counter lands (state issue), this is a transactional
//! round trip through the real broker: one committed and one aborted
//! transaction, read back by a read_committed and a read_uncommitted
//! consumer.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};

type DemoResult<T> = Result<T, Box<dyn std::error::Error>>;

const COMMITTED: usize = 5_000;
const ABORTED: usize = 500;

fn main() -> std::process::ExitCode {
    match run() {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("demo failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> DemoResult<bool> {
    let bootstrap = std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:9092".into());
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    let topic = format!("kstreams-demo-{stamp}");
    println!("kstreams demo: transactional round trip through Kafka at {bootstrap}");

    let admin: AdminClient<DefaultClientContext> = ClientConfig::new().set("bootstrap.servers", &bootstrap).create()?;
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    for result in futures_executor::block_on(admin.create_topics(&[NewTopic::new(&topic, 4, TopicReplication::Fixed(1))], &opts))? {
        result.map_err(|(t, code)| format!("cannot create topic {t}: {code}"))?;
    }
    println!("  created topic {topic} (4 partitions)");

    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("transactional.id", format!("kstreams-demo-{stamp}"))
        .create()?;
    producer.init_transactions(Duration::from_secs(30))?;
    for (range, commit) in [(0..COMMITTED, true), (COMMITTED..COMMITTED + ABORTED, false)] {
        producer.begin_transaction()?;
        for id in range {
            let value = id.to_string();
            let mut record = BaseRecord::to(&topic).key(&value).payload(&value);
            while let Err((e, r)) = producer.send(record) {
                if e.rdkafka_error_code() != Some(rdkafka::types::RDKafkaErrorCode::QueueFull) {
                    return Err(e.into());
                }
                record = r;
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        producer.flush(Duration::from_secs(30))?;
        if commit {
            producer.commit_transaction(Duration::from_secs(30))?;
            println!("  committed a transaction of {COMMITTED} records");
        } else {
            producer.abort_transaction(Duration::from_secs(30))?;
            println!("  aborted a transaction of {ABORTED} records");
        }
    }

    let committed = count(&bootstrap, &topic, "read_committed", COMMITTED)?;
    let all = count(&bootstrap, &topic, "read_uncommitted", COMMITTED + ABORTED)?;
    println!("  read_committed consumer saw   {committed:>6} records (expected {COMMITTED})");
    println!("  read_uncommitted consumer saw {all:>6} records (expected {})", COMMITTED + ABORTED);
    let ok = committed == COMMITTED && all == COMMITTED + ABORTED;
    println!("{}", if ok { "OK: the broker honours transactions" } else { "MISMATCH" });
    Ok(ok)
}

fn count(bootstrap: &str, topic: &str, isolation: &str, expected: usize) -> DemoResult<usize> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("{topic}-{isolation}"))
        .set("auto.offset.reset", "earliest")
        .set("isolation.level", isolation)
        .create()?;
    consumer.subscribe(&[topic])?;
    let (mut seen, deadline) = (0, Instant::now() + Duration::from_secs(60));
    let mut idle_polls = 0;
    while Instant::now() < deadline && !(seen >= expected && idle_polls >= 10) {
        match consumer.poll(Duration::from_millis(200)) {
            Some(msg) => {
                msg?;
                seen += 1;
                idle_polls = 0;
            }
            None => idle_polls += 1,
        }
    }
    Ok(seen)
}
