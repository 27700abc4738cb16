//! Payment enrichment on the broker at `KAFKA_BOOTSTRAP_SERVERS` (default
//! `127.0.0.1:9092`), from one command: creates this run's topics
//! (`payments-<run>`, `accounts-<run>`, `enriched-payments-<run>`),
//! produces the example's accounts and payments with their timestamps,
//! runs the stream-table join under exactly_once_v2 until every payment is
//! committed, prints the enriched payments, and exits non-zero unless each
//! payment carries exactly the account row it must see.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kstreams::dsl::Topic;
use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsConfig};
use kstreams_examples::bench::kafka::{create_topics, read_committed};
use kstreams_examples::payment_enrichment::{
    accounts, expected, payments, sort, topology_with, EnrichedPayment, MAX_TASK_IDLE_MS,
    PARTITIONS,
};
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use serde::Serialize;

type Run<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> std::process::ExitCode {
    match run() {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("payment_enrichment: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Produces `rows` (key, value, timestamp) to `topic` as JSON.
fn produce<T: Serialize>(
    producer: &ThreadedProducer<DefaultProducerContext>,
    topic: &str,
    rows: &[(String, T, i64)],
) -> Run<()> {
    for (key, value, timestamp) in rows {
        let value = serde_json::to_vec(value)?;
        let record = BaseRecord::to(topic)
            .key(key)
            .payload(&value)
            .timestamp(*timestamp);
        producer.send(record).map_err(|(e, _)| e)?;
    }
    Ok(())
}

fn run() -> Run<bool> {
    let bootstrap =
        std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:9092".into());
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let (payments_topic, accounts_topic, output) = (
        format!("payments-{now}"),
        format!("accounts-{now}"),
        format!("enriched-payments-{now}"),
    );
    // Event time: two hours ago, on a minute boundary.
    let base = now - 7_200_000 - now.rem_euclid(60_000);
    println!(
        "payments enriched with their account, on Kafka at {bootstrap} (topics `{payments_topic}`, `{accounts_topic}`, `{output}`)"
    );
    create_topics(
        &bootstrap,
        &[&payments_topic, &accounts_topic, &output],
        PARTITIONS as i32,
    )?;

    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("partitioner", "murmur2_random")
        .create()?;
    let (account_rows, payment_rows) = (accounts(base), payments(base));
    produce(&producer, &accounts_topic, &account_rows)?;
    produce(&producer, &payments_topic, &payment_rows)?;
    producer.flush(Duration::from_secs(30))?;

    let topology = topology_with(
        Topic::named(&payments_topic),
        Topic::named(&accounts_topic),
        Topic::named(&output),
    )?;
    println!("{}", topology.describe());
    let state_dir = std::env::temp_dir().join("kstreams-payment-enrichment");
    let config = StreamsConfig::new(format!("payment-enrichment-{now}"))
        .bootstrap_servers(&bootstrap)
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .max_task_idle_ms(MAX_TASK_IDLE_MS)
        .state_dir(&state_dir);
    let streams = KafkaStreams::new(topology, config)?;
    streams.start()?;
    let want = expected(&account_rows, &payment_rows);
    let read = read_committed(&bootstrap, &[&output], want.len());
    streams.close(Duration::from_secs(30));
    let _ = std::fs::remove_dir_all(&state_dir);

    let mut enriched = Vec::new();
    for (_, key, value, timestamp) in read? {
        let payment: EnrichedPayment = serde_json::from_slice(&value)?;
        enriched.push((String::from_utf8(key)?, payment, timestamp));
    }
    sort(&mut enriched);
    println!(
        "{:<3} {:<7} {:>5} {:>9} {:<8} {:<6} tier",
        "id", "account", "at", "amount", "status", "owner"
    );
    for (account, p, timestamp) in &enriched {
        println!(
            "{:<3} {account:<7} {:>5} {:>9.2} {:<8} {:<6} {}",
            p.id,
            format!("+{}m", (timestamp - base) / 60_000),
            p.amount_cents as f64 / 100.0,
            format!("{:?}", p.status),
            p.owner.as_deref().unwrap_or("?"),
            p.tier.as_deref().unwrap_or("?"),
        );
    }
    let ok = enriched == want;
    println!(
        "{}",
        if ok {
            "every payment carries its account as it was when the payment was made, once"
        } else {
            "MISMATCH: expected payment_enrichment::expected, each payment once"
        }
    );
    Ok(ok)
}
