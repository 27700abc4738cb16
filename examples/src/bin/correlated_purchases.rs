//! Correlated purchases on the broker at `KAFKA_BOOTSTRAP_SERVERS`
//! (default `127.0.0.1:9092`), from one command: creates this run's topics
//! (`store-transactions-<run>`, `correlated-purchases-<run>`), produces the
//! example's sample purchases with their timestamps, runs the join under
//! exactly_once_v2 until every pair is committed, prints the pairs, and
//! exits non-zero unless they are exactly the pairs the sample must give.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kstreams::dsl::Topic;
use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsConfig};
use kstreams_examples::bench::kafka::{create_topics, read_committed};
use kstreams_examples::correlated_purchases::{
    expected, sample, sort, topology_with, CorrelatedPurchase, PARTITIONS,
};
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};

type Run<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> std::process::ExitCode {
    match run() {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("correlated_purchases: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Run<bool> {
    let bootstrap =
        std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:9092".into());
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let (input, output) = (
        format!("store-transactions-{now}"),
        format!("correlated-purchases-{now}"),
    );
    // Event time: two hours ago, on a minute boundary.
    let base = now - 7_200_000 - now.rem_euclid(60_000);
    println!(
        "coffee and electronics bought within 20 minutes, on Kafka at {bootstrap} (topics `{input}`, `{output}`)"
    );
    create_topics(&bootstrap, &[&input, &output], PARTITIONS as i32)?;

    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("partitioner", "murmur2_random")
        .create()?;
    let purchases = sample(base);
    for (store, purchase) in &purchases {
        let value = serde_json::to_vec(purchase)?;
        let record = BaseRecord::to(&input)
            .key(store)
            .payload(&value)
            .timestamp(purchase.purchase_date);
        producer.send(record).map_err(|(e, _)| e)?;
    }
    producer.flush(Duration::from_secs(30))?;

    let topology = topology_with(Topic::named(&input), Topic::named(&output))?;
    println!("{}", topology.describe());
    let state_dir = std::env::temp_dir().join("kstreams-correlated-purchases");
    let config = StreamsConfig::new(format!("correlated-purchases-{now}"))
        .bootstrap_servers(&bootstrap)
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(&state_dir);
    let streams = KafkaStreams::new(topology, config)?;
    streams.start()?;
    let want = expected(&purchases);
    let read = read_committed(&bootstrap, &[&output], want.len());
    streams.close(Duration::from_secs(30));
    let _ = std::fs::remove_dir_all(&state_dir);

    let mut pairs = Vec::new();
    for (_, key, value, timestamp) in read? {
        let pair: CorrelatedPurchase = serde_json::from_slice(&value)?;
        pairs.push((String::from_utf8(key)?, pair, timestamp));
    }
    sort(&mut pairs);
    println!(
        "{:<9} {:<24} {:>8} {:>8} {:>8}",
        "customer", "items", "total", "coffee", "other"
    );
    for (customer, pair, _) in &pairs {
        println!(
            "{customer:<9} {:<24} {:>8.2} {:>8} {:>8}",
            pair.items_purchased.join(" + "),
            pair.total_amount,
            format!("+{}m", (pair.coffee_time - base) / 60_000),
            format!("+{}m", (pair.electronics_time - base) / 60_000),
        );
    }
    let ok = pairs == want;
    println!(
        "{}",
        if ok {
            "every coffee and electronics purchase of one customer at most 20 minutes apart is paired exactly once"
        } else {
            "MISMATCH: expected the pairs of correlated_purchases::expected, each once"
        }
    );
    Ok(ok)
}
