//! Global tables and stream-global-table joins as Java Kafka Streams'
//! `GlobalKTable` / `KStreamGlobalKTableJoin` define them, with exact
//! outputs (timestamps included):
//! - the stream drives: each record looks up the key its key selector
//!   computes; a global table update emits nothing;
//! - inner join: a record without a row is dropped; left join: the joiner
//!   gets `None`; the result keeps the stream record's key and timestamp;
//! - global updates and tombstones are visible to the very next record;
//! - no co-partitioning: the global topic's partition count is irrelevant;
//! - `describe()` names and prints the global store as Java does (both
//!   joins are `KSTREAM-LEFTJOIN-…` in Java, inner ones included).
//!
//! `cargo xtask conformance stream-globaltable-join
//! stream-globaltable-left-join` checks the same against Java on a broker.

use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::errors::LogAndContinueExceptionHandler;
use kstreams::serde::{ValueAndTimestamp, I64};
use kstreams::test_driver::TopologyTestDriver;
use kstreams::{Record, Result, StreamsConfig};

/// Orders: key = order id, value = "<customer>:<amount>".
const ORDERS: Topic<String, String, 4> = Topic::new("orders");
/// Customers (global): key = customer id, value = name. Another partition
/// count than the orders: a global table needs no co-partitioning.
const CUSTOMERS: Topic<String, String, 3> = Topic::new("customers");
const CUSTOMERS_IN: Topic<String, Option<String>, 3> = Topic::new("customers");
const OUT: Topic<String, String, 4> = Topic::new("out");

/// (key, value, timestamp) of every output record.
fn triples<V>(records: Vec<Record<String, V>>) -> Vec<(String, V, i64)> {
    records
        .into_iter()
        .map(|r| (r.key, r.value, r.timestamp))
        .collect()
}

fn t(key: &str, value: &str, timestamp: i64) -> (String, String, i64) {
    (key.to_string(), value.to_string(), timestamp)
}

/// The customer an order is for (a key selector: `Fn(&K, &V) -> KG`).
#[allow(clippy::ptr_arg)]
fn customer_of(_order: &String, value: &String) -> String {
    value.split(':').next().unwrap_or_default().to_string()
}

/// Pipes a fixed script of customers (global) and orders (stream) and
/// returns the joined output.
fn run(left: bool) -> Result<Vec<(String, String, i64)>> {
    let b = StreamsBuilder::new();
    let customers = b.global_table(CUSTOMERS);
    let orders = b.stream(ORDERS);
    let joined = if left {
        orders.left_join_global(&customers, customer_of, |order: &String, name| {
            format!("{order}/{}", name.map_or("null", |n: &String| n.as_str()))
        })
    } else {
        orders.join_global(&customers, customer_of, |order: &String, name: &String| {
            format!("{order}/{name}")
        })
    };
    joined.to(OUT);
    let driver = TopologyTestDriver::new(b.build()?)?;
    let mut customers = driver.create_input_topic(CUSTOMERS_IN);
    let mut orders = driver.create_input_topic(ORDERS);
    orders.pipe_input_with_timestamp("o1", "c1:10", 5)?; // no customer yet
    customers.pipe_input_with_timestamp("c1", Some("ann".to_string()), 10)?;
    orders.pipe_input_with_timestamp("o2", "c1:20", 3)?; // earlier timestamp: kept
    customers.pipe_input_with_timestamp("c1", Some("anna".to_string()), 20)?; // update
    customers.pipe_input_with_timestamp("c2", Some("bob".to_string()), 21)?;
    orders.pipe_input_with_timestamp("o3", "c1:30", 30)?;
    orders.pipe_input_with_timestamp("o4", "c2:40", 40)?;
    customers.pipe_input_with_timestamp("c1", None, 50)?; // tombstone
    orders.pipe_input_with_timestamp("o5", "c1:50", 60)?;
    orders.pipe_input_with_timestamp("o6", "c3:60", 70)?; // never a customer
    Ok(triples(
        driver.create_output_topic(OUT).read_records_to_vec()?,
    ))
}

#[test]
fn inner_join_drops_orders_without_a_customer() -> Result<()> {
    assert_eq!(
        run(false)?,
        vec![
            t("o2", "c1:20/ann", 3),
            t("o3", "c1:30/anna", 30),
            t("o4", "c2:40/bob", 40),
        ]
    );
    Ok(())
}

#[test]
fn left_join_passes_none_for_orders_without_a_customer() -> Result<()> {
    assert_eq!(
        run(true)?,
        vec![
            t("o1", "c1:10/null", 5),
            t("o2", "c1:20/ann", 3),
            t("o3", "c1:30/anna", 30),
            t("o4", "c2:40/bob", 40),
            t("o5", "c1:50/null", 60),
            t("o6", "c3:60/null", 70),
        ]
    );
    Ok(())
}

#[test]
fn the_key_selector_may_use_the_stream_key() -> Result<()> {
    // Stream key "region/user", global key "region".
    const CLICKS: Topic<String, I64, 2> = Topic::new("clicks");
    const REGIONS: Topic<String, String, 1> = Topic::new("regions");
    const BY_REGION: Topic<String, String, 2> = Topic::new("by-region");
    let b = StreamsBuilder::new();
    let regions = b.global_table(REGIONS);
    b.stream(CLICKS)
        .join_global(
            &regions,
            |key: &String, _| key.split('/').next().unwrap_or_default().to_string(),
            |clicks: &i64, name: &String| format!("{clicks} in {name}"),
        )
        .to(BY_REGION);
    let driver = TopologyTestDriver::new(b.build()?)?;
    driver
        .create_input_topic(REGIONS)
        .pipe_input("eu", "Europe")?;
    let mut clicks = driver.create_input_topic(CLICKS);
    clicks.pipe_input_with_timestamp("eu/ann", 3, 7)?;
    clicks.pipe_input_with_timestamp("us/bob", 4, 8)?;
    assert_eq!(
        triples(
            driver
                .create_output_topic(BY_REGION)
                .read_records_to_vec()?
        ),
        vec![t("eu/ann", "3 in Europe", 7)]
    );
    Ok(())
}

#[test]
fn the_global_store_follows_updates_and_tombstones_at_once() -> Result<()> {
    let b = StreamsBuilder::new();
    let customers = b.global_table_with(CUSTOMERS, Materialized::as_("customers-store"));
    assert_eq!(customers.queryable_store_name(), Some("customers-store"));
    let driver = TopologyTestDriver::new(b.build()?)?;
    let mut input = driver.create_input_topic(CUSTOMERS_IN);
    let store = driver.get_timestamped_key_value_store::<String, String>("customers-store")?;
    input.pipe_input_with_timestamp("c1", Some("ann".to_string()), 10)?;
    assert_eq!(
        store.get(&"c1".to_string())?,
        Some(ValueAndTimestamp::new("ann".to_string(), 10))
    );
    input.pipe_input_with_timestamp("c1", Some("anna".to_string()), 20)?;
    assert_eq!(
        store.get(&"c1".to_string())?,
        Some(ValueAndTimestamp::new("anna".to_string(), 20))
    );
    input.pipe_input_with_timestamp("c1", None, 30)?;
    assert_eq!(store.get(&"c1".to_string())?, None);
    Ok(())
}

#[test]
fn a_poison_global_record_goes_to_the_deserialization_handler() -> Result<()> {
    const RATES: Topic<String, I64, 1> = Topic::new("rates");
    const RATES_RAW: Topic<String, String, 1> = Topic::new("rates");
    let build = || {
        let b = StreamsBuilder::new();
        b.global_table_with(RATES, Materialized::as_("rates-store"));
        b.build()
    };
    // Default handler: fail.
    let driver = TopologyTestDriver::new(build()?)?;
    assert!(driver
        .create_input_topic(RATES_RAW)
        .pipe_input("eur", "abc")
        .is_err());
    // Log and continue: skipped, later records applied.
    let config = StreamsConfig::new("global-poison")
        .deserialization_exception_handler(LogAndContinueExceptionHandler);
    let driver = TopologyTestDriver::with_streams_config(build()?, &config)?;
    driver
        .create_input_topic(RATES_RAW)
        .pipe_input("eur", "abc")?;
    driver.create_input_topic(RATES).pipe_input("usd", 7)?;
    let store = driver.get_key_value_store::<String, I64>("rates-store")?;
    assert_eq!(store.get(&"eur".to_string())?, None);
    assert_eq!(store.get(&"usd".to_string())?, Some(7));
    Ok(())
}

#[test]
fn describe_prints_the_global_store_as_java() -> Result<()> {
    let b = StreamsBuilder::new();
    let customers = b.global_table(CUSTOMERS);
    b.stream(ORDERS)
        .join_global(&customers, customer_of, |o: &String, n: &String| {
            format!("{o}{n}")
        })
        .to(OUT);
    b.stream(Topic::<String, String, 4>::new("returns"))
        .left_join_global(&customers, customer_of, |o: &String, _| o.clone())
        .to(Topic::<String, String, 4>::new("returned"));
    assert_eq!(
        b.build()?.describe().to_string(),
        "Topologies:\n   \
         Sub-topology: 0 for global store (will not generate tasks)\n    \
         Source: KSTREAM-SOURCE-0000000001 (topics: [customers])\n      \
         --> KTABLE-SOURCE-0000000002\n    \
         Processor: KTABLE-SOURCE-0000000002 (stores: [customers-STATE-STORE-0000000000])\n      \
         --> none\n      \
         <-- KSTREAM-SOURCE-0000000001\n  \
         Sub-topology: 1\n    \
         Source: KSTREAM-SOURCE-0000000003 (topics: [orders])\n      \
         --> KSTREAM-LEFTJOIN-0000000004\n    \
         Processor: KSTREAM-LEFTJOIN-0000000004 (stores: [])\n      \
         --> KSTREAM-SINK-0000000005\n      \
         <-- KSTREAM-SOURCE-0000000003\n    \
         Sink: KSTREAM-SINK-0000000005 (topic: out)\n      \
         <-- KSTREAM-LEFTJOIN-0000000004\n\n  \
         Sub-topology: 2\n    \
         Source: KSTREAM-SOURCE-0000000006 (topics: [returns])\n      \
         --> KSTREAM-LEFTJOIN-0000000007\n    \
         Processor: KSTREAM-LEFTJOIN-0000000007 (stores: [])\n      \
         --> KSTREAM-SINK-0000000008\n      \
         <-- KSTREAM-SOURCE-0000000006\n    \
         Sink: KSTREAM-SINK-0000000008 (topic: returned)\n      \
         <-- KSTREAM-LEFTJOIN-0000000007\n\n"
    );
    Ok(())
}

#[test]
fn a_global_table_cannot_be_read_as_a_stream_source_twice() {
    let b = StreamsBuilder::new();
    b.global_table(CUSTOMERS);
    b.stream(CUSTOMERS).to(OUT);
    let err = b.build().err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("read by two sources"), "{err}");
}

#[test]
fn pictures_draw_the_global_store_as_its_own_group() -> Result<()> {
    let b = StreamsBuilder::new();
    let customers = b.global_table(CUSTOMERS);
    b.stream(ORDERS)
        .join_global(&customers, customer_of, |o: &String, n: &String| {
            format!("{o}{n}")
        })
        .to(OUT);
    let description = b.build()?.describe();
    let mermaid = description.to_mermaid();
    assert!(
        mermaid.contains("subgraph sub_0 [\"Sub-topology 0 (global store)\"]"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("subgraph sub_1 [\"Sub-topology 1\"]"),
        "{mermaid}"
    );
    assert!(mermaid.contains("KTABLE-SOURCE-0000000002"), "{mermaid}");
    let dot = description.to_dot();
    assert!(
        dot.contains("label=\"Sub-topology 0 (global store)\";"),
        "{dot}"
    );
    Ok(())
}
