//! Proves the broker is real: committed transactions are visible to a
//! read_committed consumer, aborted ones are not, and read_uncommitted sees
//! both. librdkafka's mock cluster would fail this test (it ignores
//! read_committed).

mod broker;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::Message;

const COMMITTED: usize = 10_000;
const ABORTED: usize = 1_000;
const PARTITIONS: i32 = 4;

fn transactional_producer() -> ThreadedProducer<DefaultProducerContext> {
    ClientConfig::new()
        .set("bootstrap.servers", broker::bootstrap())
        .set("transactional.id", broker::unique("roundtrip-txn"))
        .set("linger.ms", "5")
        .create()
        .expect("transactional producer")
}

fn produce_in_transaction(
    producer: &ThreadedProducer<DefaultProducerContext>,
    topic: &str,
    ids: std::ops::Range<usize>,
    commit: bool,
) {
    producer.begin_transaction().expect("begin_transaction");
    for id in ids {
        let key = format!("key-{}", id % 97);
        let value = format!("{id}");
        let mut record = BaseRecord::to(topic).key(&key).payload(&value);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((e, r)) => {
                    assert!(
                        matches!(
                            e.rdkafka_error_code(),
                            Some(rdkafka::types::RDKafkaErrorCode::QueueFull)
                        ),
                        "send failed: {e}"
                    );
                    record = r;
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
    }
    producer.flush(Duration::from_secs(30)).expect("flush");
    if commit {
        producer
            .commit_transaction(Duration::from_secs(30))
            .expect("commit_transaction");
    } else {
        producer
            .abort_transaction(Duration::from_secs(30))
            .expect("abort_transaction");
    }
}

/// Reads every record of `topic` with the given isolation level until
/// `expected` distinct values arrived and a further quiet period passes.
fn read_all(topic: &str, isolation: &str, expected: usize) -> Vec<String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker::bootstrap())
        .set("group.id", broker::unique("roundtrip-reader"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("isolation.level", isolation)
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let mut values = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut quiet_since = None;
    while Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(msg)) => {
                quiet_since = None;
                let value = msg
                    .payload_view::<str>()
                    .and_then(Result::ok)
                    .unwrap_or("<invalid>");
                values.push(value.to_string());
            }
            Some(Err(e)) => panic!("consume error: {e}"),
            None => {
                // Keep reading for 2 s after reaching the count, to catch extras.
                if values.len() >= expected {
                    let since = *quiet_since.get_or_insert_with(Instant::now);
                    if since.elapsed() > Duration::from_secs(2) {
                        break;
                    }
                }
            }
        }
    }
    values
}

#[test]
fn read_committed_sees_only_committed_transactions() {
    let topic = broker::unique("roundtrip");
    broker::create_topics(&[&topic], PARTITIONS);

    let producer = transactional_producer();
    producer
        .init_transactions(Duration::from_secs(30))
        .expect("init_transactions");
    produce_in_transaction(&producer, &topic, 0..COMMITTED, true);
    produce_in_transaction(&producer, &topic, COMMITTED..COMMITTED + ABORTED, false);

    let committed = read_all(&topic, "read_committed", COMMITTED);
    let unique: HashSet<&String> = committed.iter().collect();
    assert_eq!(
        committed.len(),
        COMMITTED,
        "read_committed must see exactly the committed records"
    );
    assert_eq!(unique.len(), COMMITTED, "no duplicates");
    assert!(
        committed
            .iter()
            .all(|v| v.parse::<usize>().is_ok_and(|id| id < COMMITTED)),
        "read_committed saw a record of the aborted transaction"
    );

    let everything = read_all(&topic, "read_uncommitted", COMMITTED + ABORTED);
    assert_eq!(
        everything.len(),
        COMMITTED + ABORTED,
        "read_uncommitted sees aborted records too"
    );
}
