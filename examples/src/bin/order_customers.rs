//! Orders joined with their customers by foreign key, on the broker at
//! `KAFKA_BOOTSTRAP_SERVERS` (default `127.0.0.1:9092`), from one command:
//! creates this run's topics (`orders-<run>` with 3 partitions,
//! `customers-<run>` with 2, `orders-with-customers-<run>` with 3),
//! produces the example's changes with their timestamps, runs the join
//! under exactly_once_v2, prints the committed changelog and the last
//! value of each order, and exits non-zero unless every order's last value
//! is the one the sample must end with (intermediate results may differ
//! from run to run; see the module docs of `order_customers`).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kstreams::dsl::Topic;
use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsConfig};
use kstreams_examples::bench::kafka::{create_topics, read_committed_until, CommittedChange};
use kstreams_examples::order_customers::{
    expected, last_values, sample, topology_with, Change, EnrichedOrder, CUSTOMER_PARTITIONS,
    ORDER_PARTITIONS,
};
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};

type Run<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> std::process::ExitCode {
    match run() {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("order_customers: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The committed changelog as (order id, enriched order or tombstone,
/// timestamp), in the order read (per order id, the order written).
fn decode(read: &[CommittedChange]) -> Run<Vec<(String, Option<EnrichedOrder>, i64)>> {
    read.iter()
        .map(|(_, key, value, timestamp)| {
            let value = match value {
                Some(bytes) => Some(serde_json::from_slice(bytes)?),
                None => None,
            };
            Ok((String::from_utf8(key.clone())?, value, *timestamp))
        })
        .collect()
}

/// The last value of each order in `changelog`.
fn last_of(
    changelog: &[(String, Option<EnrichedOrder>, i64)],
) -> BTreeMap<String, Option<EnrichedOrder>> {
    let pairs: Vec<(String, Option<EnrichedOrder>)> = changelog
        .iter()
        .map(|(k, v, _)| (k.clone(), v.clone()))
        .collect();
    last_values(&pairs)
}

fn run() -> Run<bool> {
    let bootstrap =
        std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:9092".into());
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let (orders, customers, output) = (
        format!("orders-{now}"),
        format!("customers-{now}"),
        format!("orders-with-customers-{now}"),
    );
    // Event time: two hours ago, on a minute boundary.
    let base = now - 7_200_000 - now.rem_euclid(60_000);
    println!(
        "orders joined with their customers by foreign key, on Kafka at {bootstrap} (topics `{orders}`, `{customers}`, `{output}`)"
    );
    create_topics(&bootstrap, &[&orders, &output], ORDER_PARTITIONS as i32)?;
    create_topics(&bootstrap, &[&customers], CUSTOMER_PARTITIONS as i32)?;

    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("partitioner", "murmur2_random")
        .create()?;
    let changes = sample(base);
    for (timestamp, change) in &changes {
        let (topic, key, value) = match change {
            Change::Customer(id, c) => (&customers, id, serde_json::to_vec(c)?),
            Change::Order(id, o) => (&orders, id, serde_json::to_vec(o)?),
        };
        let record = BaseRecord::to(topic)
            .key(key)
            .payload(&value)
            .timestamp(*timestamp);
        producer.send(record).map_err(|(e, _)| e)?;
    }
    producer.flush(Duration::from_secs(30))?;

    let topology = topology_with(
        Topic::named(&orders),
        Topic::named(&customers),
        Topic::named(&output),
    )?;
    println!("{}", topology.describe());
    let state_dir = std::env::temp_dir().join("kstreams-order-customers");
    let config = StreamsConfig::new(format!("order-customers-{now}"))
        .bootstrap_servers(&bootstrap)
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(&state_dir);
    let streams = KafkaStreams::new(topology, config)?;
    streams.start()?;
    let want: BTreeMap<String, Option<EnrichedOrder>> = expected(&changes)
        .into_iter()
        .map(|(k, v)| (k, Some(v)))
        .collect();
    // Done once every order's last committed value is the expected one
    // (then 3 s more, so a later change would show).
    let read = read_committed_until(&bootstrap, &[&output], |read| {
        decode(read).is_ok_and(|changelog| last_of(&changelog) == want)
    });
    streams.close(Duration::from_secs(30));
    let _ = std::fs::remove_dir_all(&state_dir);

    let changelog = decode(&read?)?;
    println!("committed changelog ({} records):", changelog.len());
    let show = |v: &Option<EnrichedOrder>| match v {
        Some(o) => format!(
            "{} {:.2} for {} ({}) in {}",
            o.item,
            o.amount_cents as f64 / 100.0,
            o.name,
            o.customer_id,
            o.city
        ),
        None => "(tombstone)".to_owned(),
    };
    for (order, value, timestamp) in &changelog {
        println!(
            "  {order:<4} {:>4}  {}",
            format!("+{}m", (timestamp - base) / 60_000),
            show(value)
        );
    }
    let last = last_of(&changelog);
    println!("last value per order:");
    for (order, value) in &last {
        println!("  {order:<4} {}", show(value));
    }
    let ok = last == want;
    println!(
        "{}",
        if ok {
            "every order ends joined with its customer's last row, and no order is missing"
        } else {
            "MISMATCH: expected the last values of order_customers::expected, for every order"
        }
    );
    Ok(ok)
}
