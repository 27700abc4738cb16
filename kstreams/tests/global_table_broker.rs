//! Global tables on the broker (`KAFKA_BOOTSTRAP_SERVERS`):
//! - the global store is bootstrapped before any stream record is
//!   processed: customers produced before start join the very first order;
//! - an update produced while running reaches the store;
//! - the global thread checkpoints the global topic's offsets in
//!   `<state.dir>/<application.id>/global/.checkpoint`, and a restart
//!   resumes from there: with the topic's records deleted meanwhile, the
//!   restarted instance still has every row (from its RocksDB store) and
//!   reads only what was produced after the checkpoint;
//! - the global store is queryable through `KafkaStreams::store`;
//! - after a restart with the state directory wiped, the instance
//!   bootstraps the whole table again (the latest row of every key)
//!   before it reaches RUNNING;
//! - a missing global topic fails `start()` with an error naming it;
//! - a poison record in the global topic, with the default
//!   deserialization handler (fail), moves the instance to ERROR.

mod broker;

use std::thread;
use std::time::{Duration, Instant};

use broker::{bootstrap, create_topics, end_offsets, produce, unique, wait_for_state};
use kstreams::dsl::{StreamsBuilder, Topic};
use kstreams::runtime::query::{QueryableStoreTypes, StoreQueryParameters};
use kstreams::serde::I64;
use kstreams::{KafkaStreams, ProcessingGuarantee, State, StreamsConfig, Topology};
use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

const CUSTOMER_PARTITIONS: i32 = 3;
const ORDER_PARTITIONS: i32 = 2;

/// Orders (key: order id, value: customer id) joined with the global
/// customers table (key: customer id, value: name): `<customer>=<name>`.
fn topology(customers: &str, orders: &str, out: &str) -> Topology {
    let b = StreamsBuilder::new();
    let customers = b.global_table(Topic::<String, String, 3>::named(customers));
    b.stream(Topic::<String, String, 2>::named(orders))
        .join_global(
            &customers,
            |_order: &String, customer: &String| customer.clone(),
            |customer: &String, name: &String| format!("{customer}={name}"),
        )
        .to(Topic::<String, String, 2>::named(out));
    b.build().expect("topology")
}

fn config(app: &str, state_dir: &std::path::Path) -> StreamsConfig {
    StreamsConfig::new(app)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .commit_interval_ms(100)
        .state_dir(state_dir)
}

/// A read_committed consumer of `topic` from its beginning.
fn reader(topic: &str) -> BaseConsumer {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("group.id", unique("global-checker"))
        .set("isolation.level", "read_committed")
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("checker consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    consumer
}

/// The next output record (key, value), waiting at most a minute (a hang
/// guard, not a speed check).
fn next_output(consumer: &BaseConsumer) -> Option<(String, String)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                let text =
                    |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or_default()).into_owned();
                return Some((text(m.key()), text(m.payload())));
            }
            Some(Err(e)) => eprintln!("checker consumer: {e}"),
            None => {}
        }
    }
    None
}

fn order(orders: &str, id: &str, customer: &str) {
    produce(orders, [(id.to_string(), customer.to_string())]);
}

/// `(topic, partition, offset)` lines of the global checkpoint.
fn checkpoint(state_dir: &std::path::Path, app: &str) -> Vec<(String, i32, i64)> {
    let path = state_dir.join(app).join("global").join(".checkpoint");
    let text = std::fs::read_to_string(&path).expect("the global checkpoint exists");
    text.lines()
        .skip(2)
        .map(|line| {
            let parts: Vec<&str> = line.split(' ').collect();
            assert_eq!(parts.len(), 3, "checkpoint line `{line}`");
            (
                parts[0].to_string(),
                parts[1].parse().expect("partition"),
                parts[2].parse().expect("offset"),
            )
        })
        .collect()
}

/// Deletes every record of `topic` (the log start moves to its end).
fn delete_all_records(topic: &str, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .expect("admin client");
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::End)
            .expect("partition");
    }
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(20)));
    let result =
        futures_executor::block_on(admin.delete_records(&tpl, &options)).expect("delete records");
    for e in result.elements() {
        assert!(
            e.error().is_ok(),
            "deleting records of {topic}/{}: {:?}",
            e.partition(),
            e.error()
        );
    }
}

#[test]
fn global_table_bootstraps_follows_updates_and_resumes_from_its_checkpoint() {
    let (customers, orders, out, app) = (
        unique("global-customers"),
        unique("global-orders"),
        unique("global-out"),
        unique("global-app"),
    );
    create_topics(&[&customers], CUSTOMER_PARTITIONS);
    create_topics(&[&orders, &out], ORDER_PARTITIONS);
    let state_dir = std::env::temp_dir().join(unique("global-state"));
    produce(
        &customers,
        (0..10).map(|i| (format!("c{i}"), format!("name-{i}"))),
    );

    let streams = KafkaStreams::new(
        topology(&customers, &orders, &out),
        config(&app, &state_dir),
    )
    .expect("client");
    streams.start().expect("start");
    wait_for_state(&streams, State::Running);
    let output = reader(&out);
    // The very first stream record finds the customer produced before start.
    order(&orders, "o1", "c5");
    assert_eq!(
        next_output(&output),
        Some(("o1".to_string(), "c5=name-5".to_string()))
    );

    // An update produced while running is seen by a later order.
    produce(&customers, [("c5".to_string(), "renamed".to_string())]);
    let mut seen = false;
    for i in 0..100 {
        let id = format!("u{i}");
        order(&orders, &id, "c5");
        let (key, value) = next_output(&output).expect("a join result for every order");
        assert_eq!(key, id);
        assert!(
            value == "c5=name-5" || value == "c5=renamed",
            "unexpected join result {value}"
        );
        if value == "c5=renamed" {
            seen = true;
            break;
        }
        thread::sleep(Duration::from_millis(200));
    }
    assert!(seen, "the global update never reached the join");
    // The global store is queryable, with every row on every instance.
    let name = format!("{customers}-STATE-STORE-0000000000");
    let store = streams
        .store(StoreQueryParameters::from_name_and_type(
            &name,
            QueryableStoreTypes::key_value::<String, String>(),
        ))
        .expect("the global store");
    assert_eq!(
        store.get(&"c5".to_string()).expect("get"),
        Some("renamed".to_string())
    );
    assert_eq!(store.all().expect("all").count(), 10);
    assert!(streams.close(Duration::from_secs(60)));
    assert_eq!(streams.state(), State::NotRunning);

    // The checkpoint holds the next offset of every customers partition.
    let checkpointed = checkpoint(&state_dir, &app);
    assert_eq!(
        checkpointed.len(),
        CUSTOMER_PARTITIONS as usize,
        "{checkpointed:?}"
    );
    assert!(checkpointed.iter().all(|(t, _, _)| *t == customers));
    let total: i64 = checkpointed.iter().map(|(_, _, o)| o).sum();
    assert_eq!(total, end_offsets(&customers, CUSTOMER_PARTITIONS));

    // Restart after the topic's records are gone: rows come from the
    // local store, new records from the checkpointed offsets on.
    delete_all_records(&customers, CUSTOMER_PARTITIONS);
    produce(&customers, [("c10".to_string(), "late".to_string())]);
    let streams = KafkaStreams::new(
        topology(&customers, &orders, &out),
        config(&app, &state_dir),
    )
    .expect("client");
    streams.start().expect("restart");
    wait_for_state(&streams, State::Running);
    let output = reader(&out);
    // Skip what the first run wrote.
    let mut results = Vec::new();
    order(&orders, "r1", "c5");
    order(&orders, "r2", "c10");
    order(&orders, "r3", "c3");
    while results.len() < 3 {
        let (key, value) = next_output(&output).expect("the restarted instance's results");
        if key.starts_with('r') {
            results.push((key, value));
        }
    }
    results.sort();
    assert_eq!(
        results,
        vec![
            ("r1".to_string(), "c5=renamed".to_string()),
            ("r2".to_string(), "c10=late".to_string()),
            ("r3".to_string(), "c3=name-3".to_string()),
        ]
    );
    assert!(streams.close(Duration::from_secs(60)));
    let _ = std::fs::remove_dir_all(&state_dir);
}

#[test]
fn a_missing_global_topic_fails_start() {
    let (customers, orders, out, app) = (
        unique("global-missing"),
        unique("global-orders"),
        unique("global-out"),
        unique("global-app"),
    );
    create_topics(&[&orders, &out], ORDER_PARTITIONS);
    let state_dir = std::env::temp_dir().join(unique("global-state"));
    let streams = KafkaStreams::new(
        topology(&customers, &orders, &out),
        config(&app, &state_dir),
    )
    .expect("client");
    let error = streams.start().expect_err("start without the global topic");
    let message = error.to_string();
    assert!(
        message.contains(&format!("global table topic `{customers}` does not exist")),
        "{message}"
    );
    let _ = std::fs::remove_dir_all(&state_dir);
}

#[test]
fn a_poison_global_record_moves_the_instance_to_error() {
    let (rates, orders, out, app) = (
        unique("global-rates"),
        unique("global-orders"),
        unique("global-out"),
        unique("global-app"),
    );
    create_topics(&[&rates], 1);
    create_topics(&[&orders, &out], ORDER_PARTITIONS);
    let state_dir = std::env::temp_dir().join(unique("global-state"));
    let b = StreamsBuilder::new();
    let table = b.global_table(Topic::<String, I64, 1>::named(&rates));
    b.stream(Topic::<String, String, 2>::named(&orders))
        .join_global(
            &table,
            |k: &String, _| k.clone(),
            |v: &String, r: &i64| format!("{v}{r}"),
        )
        .to(Topic::<String, String, 2>::named(&out));
    let streams =
        KafkaStreams::new(b.build().expect("topology"), config(&app, &state_dir)).expect("client");
    streams.start().expect("start");
    wait_for_state(&streams, State::Running);
    // Three bytes are no 8-byte I64: the default handler fails.
    produce(&rates, [("eur".to_string(), "abc".to_string())]);
    wait_for_state(&streams, State::Error);
    assert!(streams.close(Duration::from_secs(60)));
    let _ = std::fs::remove_dir_all(&state_dir);
}

#[test]
fn after_a_restart_with_wiped_state_the_global_table_is_whole_again() {
    const CUSTOMERS: usize = 3_000;
    let (customers, orders, out, app) = (
        unique("global-wiped-customers"),
        unique("global-wiped-orders"),
        unique("global-wiped-out"),
        unique("global-wiped-app"),
    );
    create_topics(&[&customers], CUSTOMER_PARTITIONS);
    create_topics(&[&orders, &out], ORDER_PARTITIONS);
    let state_dir = std::env::temp_dir().join(unique("global-wiped-state"));
    // Every customer, then a second version of every tenth one: the table
    // is the latest row per key, not the topic's records.
    produce(
        &customers,
        (0..CUSTOMERS).map(|i| (format!("c{i}"), format!("v1-{i}"))),
    );
    produce(
        &customers,
        (0..CUSTOMERS)
            .step_by(10)
            .map(|i| (format!("c{i}"), format!("v2-{i}"))),
    );
    let latest = |i: usize| {
        if i % 10 == 0 {
            format!("v2-{i}")
        } else {
            format!("v1-{i}")
        }
    };
    let store_name = format!("{customers}-STATE-STORE-0000000000");
    let global_rows = |streams: &KafkaStreams| -> Vec<(String, String)> {
        let store = streams
            .store(StoreQueryParameters::from_name_and_type(
                &store_name,
                QueryableStoreTypes::key_value::<String, String>(),
            ))
            .expect("the global store");
        let mut rows: Vec<(String, String)> = store
            .all()
            .expect("all")
            .collect::<kstreams::Result<_>>()
            .expect("read every row");
        rows.sort();
        rows
    };
    let mut expected: Vec<(String, String)> = (0..CUSTOMERS)
        .map(|i| (format!("c{i}"), latest(i)))
        .collect();
    expected.sort();

    for run in ["first start", "restart with the state directory wiped"] {
        let streams = KafkaStreams::new(
            topology(&customers, &orders, &out),
            config(&app, &state_dir),
        )
        .expect("client");
        streams.start().expect("start");
        wait_for_state(&streams, State::Running);
        // Bootstrapped before RUNNING: the whole table, at once.
        assert_eq!(global_rows(&streams), expected, "{run}: the global store");
        // And the join sees it: orders for the first, a middle, an
        // updated and the last customer.
        let output = reader(&out);
        let probes = [0, CUSTOMERS / 2 + 1, 1_230, CUSTOMERS - 1];
        for (n, i) in probes.iter().enumerate() {
            order(&orders, &format!("{run}-{n}"), &format!("c{i}"));
        }
        let mut results = Vec::new();
        while results.len() < probes.len() {
            let (key, value) = next_output(&output).expect("a join result for every order");
            if key.starts_with(run) {
                results.push((key, value));
            }
        }
        results.sort();
        let wanted: Vec<(String, String)> = probes
            .iter()
            .enumerate()
            .map(|(n, i)| (format!("{run}-{n}"), format!("c{i}={}", latest(*i))))
            .collect();
        assert_eq!(results, wanted, "{run}: join results");
        assert!(streams.close(Duration::from_secs(60)));
        // Wipe everything the instance kept: global store and checkpoint.
        std::fs::remove_dir_all(&state_dir).expect("wipe the state directory");
        assert!(!state_dir.join(&app).join("global").exists());
    }
}
