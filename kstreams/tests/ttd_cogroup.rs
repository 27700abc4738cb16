//! Cogroup (KIP-150) through the TopologyTestDriver: Java's node and store
//! names, exact outputs from inputs of different value types, the record
//! cache merging updates until a commit, a key change repartitioning only
//! the changed input, and the store holding the shared aggregate.

use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::serde::I64;
use kstreams::test_driver::{DriverConfig, TopologyTestDriver};

const CLICKS: Topic<String, String, 1> = Topic::new("clicks");
const SPEND: Topic<String, I64, 1> = Topic::new("spend");
const OUT: Topic<String, String, 1> = Topic::new("summary");

fn topology(builder: &StreamsBuilder, materialized: bool) {
    let spend = builder.stream(SPEND).group_by_key();
    let cogrouped = builder
        .stream(CLICKS)
        .group_by_key()
        .cogroup(|_, page: String, acc: String| format!("{acc}c:{page};"))
        .cogroup(&spend, |_, cents: i64, acc: String| {
            format!("{acc}s:{cents};")
        });
    let table = if materialized {
        cogrouped.aggregate_with(String::new, Materialized::<String, String>::as_("activity"))
    } else {
        cogrouped.aggregate(String::new)
    };
    table.to_stream().to(OUT);
}

#[test]
fn nodes_and_store_are_named_as_in_kafka_streams() {
    let builder = StreamsBuilder::new();
    topology(&builder, false);
    let described = builder.build().unwrap().describe().to_string();
    for expected in [
        "Processor: COGROUPKSTREAM-AGGREGATE-0000000003 (stores: [COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000002])",
        "Processor: COGROUPKSTREAM-AGGREGATE-0000000004 (stores: [COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000002])",
        "Processor: COGROUPKSTREAM-MERGE-0000000005 (stores: [])",
    ] {
        assert!(described.contains(expected), "missing `{expected}` in:\n{described}");
    }
}

#[test]
fn both_inputs_fold_into_one_aggregate_per_key() {
    let builder = StreamsBuilder::new();
    topology(&builder, true);
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let (mut clicks, mut spend) = (
        driver.create_input_topic(CLICKS),
        driver.create_input_topic(SPEND),
    );
    clicks.pipe_input_with_timestamp("ann", "home", 10).unwrap();
    spend.pipe_input_with_timestamp("bob", 5, 20).unwrap();
    spend.pipe_input_with_timestamp("ann", 250, 15).unwrap();
    clicks.pipe_input_with_timestamp("ann", "cart", 5).unwrap();
    let out: Vec<_> = driver
        .create_output_topic(OUT)
        .read_records_to_vec()
        .unwrap()
        .into_iter()
        .map(|r| (r.key, r.value, r.timestamp))
        .collect();
    let row = |k: &str, v: &str, ts: i64| (k.to_owned(), v.to_owned(), ts);
    assert_eq!(
        out,
        vec![
            row("ann", "c:home;", 10),
            row("bob", "s:5;", 20),
            row("ann", "c:home;s:250;", 15),
            // A late record does not move the key's result back in time.
            row("ann", "c:home;s:250;c:cart;", 15),
        ]
    );
    let store = driver
        .get_key_value_store::<String, String>("activity")
        .unwrap();
    assert_eq!(
        store.get(&"ann".to_owned()).unwrap().as_deref(),
        Some("c:home;s:250;c:cart;")
    );
}

#[test]
fn the_record_cache_merges_updates_until_commit() {
    let builder = StreamsBuilder::new();
    topology(&builder, false);
    let config = DriverConfig {
        commit_after_each_input: false,
        ..DriverConfig::default()
    };
    let driver = TopologyTestDriver::with_config(builder.build().unwrap(), config).unwrap();
    let (mut clicks, mut spend) = (
        driver.create_input_topic(CLICKS),
        driver.create_input_topic(SPEND),
    );
    clicks.pipe_input("ann", "home").unwrap();
    spend.pipe_input("ann", 1).unwrap();
    spend.pipe_input("ann", 2).unwrap();
    let out = driver.create_output_topic(OUT);
    assert!(out.is_empty());
    driver.commit().unwrap();
    assert_eq!(
        out.read_values_to_vec().unwrap(),
        vec!["c:home;s:1;s:2;".to_owned()]
    );
}

#[test]
fn a_key_change_repartitions_only_that_input() {
    let builder = StreamsBuilder::new();
    let by_page = builder
        .stream(SPEND)
        .group_by(|_, cents: &i64| format!("amount-{cents}"));
    builder
        .stream(CLICKS)
        .group_by_key()
        .cogroup(|_, page: String, n: i64| n + page.len() as i64)
        .cogroup(&by_page, |_, _cents: i64, n: i64| n + 1000)
        .aggregate(|| 0)
        .to_stream()
        .to(Topic::<String, I64, 1>::new("sums"));
    let described = builder.build().unwrap().describe().to_string();
    assert_eq!(
        described.matches("-repartition").count(),
        2,
        "one sink and one source:\n{described}"
    );
    assert!(
        described.contains("COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition"),
        "{described}"
    );
}
