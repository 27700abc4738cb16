//! Foreign-key table-table joins (KIP-213) as Java Kafka Streams defines
//! them (`KTableImpl.doJoinOnForeignKey` and `foreignkeyjoin/*`), with
//! exact outputs, timestamps included. As in Java's TopologyTestDriver,
//! records written to the internal subscription and response topics are
//! processed right after the record that wrote them.
//!
//! Left values are `"<customer>:<amount>"`; the foreign key is the customer.
//!
//! `cargo xtask conformance fk-join fk-left-join` checks the same against
//! Java on a broker.

use kstreams::dsl::{KTable, Materialized, StreamsBuilder, Topic};
use kstreams::serde::Bytes;
use kstreams::test_driver::TopologyTestDriver;
use kstreams::{Record, Result};

const ORDERS: Topic<String, Option<String>, 1> = Topic::new("orders");
const CUSTOMERS: Topic<String, Option<String>, 1> = Topic::new("customers");
const ORDERS_T: Topic<String, String, 1> = Topic::new("orders");
const CUSTOMERS_T: Topic<String, String, 1> = Topic::new("customers");
const OUT: Topic<String, Option<String>, 1> = Topic::new("out");

type Triple = (String, Option<String>, i64);

fn t(key: &str, value: Option<&str>, timestamp: i64) -> Triple {
    (key.to_string(), value.map(str::to_string), timestamp)
}

#[allow(clippy::ptr_arg)] // the extractor takes the table's value type
fn customer_of(order: &String) -> String {
    order.split(':').next().unwrap_or_default().to_string()
}

/// The join kind under test.
#[derive(Clone, Copy)]
enum Kind {
    Inner,
    Left,
}

fn topology(kind: Kind) -> StreamsBuilder {
    let builder = StreamsBuilder::new();
    let orders = builder.table(ORDERS_T);
    let customers = builder.table(CUSTOMERS_T);
    let joined: KTable<String, String> = match kind {
        Kind::Inner => {
            orders.join_on_foreign_key(&customers, customer_of, |o, c: &String| format!("{o}/{c}"))
        }
        Kind::Left => orders.left_join_on_foreign_key(
            &customers,
            |o: &String| o.split_once(':').map(|(c, _)| c.to_string()),
            |o, c: Option<&String>| format!("{o}/{}", c.map_or("-", String::as_str)),
        ),
    };
    joined.to_changelog_stream().to(OUT);
    builder
}

/// Drives one join: `("o", key, value, ts)` updates orders, `("c", ..)`
/// customers; returns the output.
fn run(kind: Kind, steps: &[(&str, &str, Option<&str>, i64)]) -> Result<Vec<Triple>> {
    let driver = TopologyTestDriver::new(topology(kind).build()?)?;
    let mut orders = driver.create_input_topic(ORDERS);
    let mut customers = driver.create_input_topic(CUSTOMERS);
    for (table, key, value, ts) in steps {
        let input = if *table == "o" {
            &mut orders
        } else {
            &mut customers
        };
        input.pipe_input_with_timestamp(*key, value.map(str::to_string), *ts)?;
    }
    let out = driver.create_output_topic(OUT).read_records_to_vec()?;
    Ok(out
        .into_iter()
        .map(|r: Record<String, Option<String>>| (r.key, r.value, r.timestamp))
        .collect())
}

#[test]
fn inner_left_row_before_its_foreign_row() -> Result<()> {
    let out = run(
        Kind::Inner,
        &[("o", "o1", Some("c1:30"), 10), ("c", "c1", Some("Ada"), 20)],
    )?;
    // The right update fans out at its own timestamp.
    assert_eq!(out, vec![t("o1", Some("c1:30/Ada"), 20)]);
    Ok(())
}

#[test]
fn inner_foreign_row_before_the_left_row() -> Result<()> {
    let out = run(
        Kind::Inner,
        &[("c", "c1", Some("Ada"), 20), ("o", "o1", Some("c1:30"), 10)],
    )?;
    // The larger of the two timestamps.
    assert_eq!(out, vec![t("o1", Some("c1:30/Ada"), 20)]);
    Ok(())
}

#[test]
fn right_update_fans_out_to_every_subscriber() -> Result<()> {
    let out = run(
        Kind::Inner,
        &[
            ("c", "c1", Some("Ada"), 1),
            ("o", "o1", Some("c1:30"), 2),
            ("o", "o2", Some("c1:12"), 3),
            ("o", "o3", Some("c2:5"), 4),
            ("c", "c1", Some("Bob"), 5),
        ],
    )?;
    assert_eq!(
        out,
        vec![
            t("o1", Some("c1:30/Ada"), 2),
            t("o2", Some("c1:12/Ada"), 3),
            t("o1", Some("c1:30/Bob"), 5),
            t("o2", Some("c1:12/Bob"), 5),
        ]
    );
    Ok(())
}

#[test]
fn inner_foreign_key_change_moves_the_row() -> Result<()> {
    let out = run(
        Kind::Inner,
        &[
            ("c", "c1", Some("Ada"), 1),
            ("c", "c2", Some("Cy"), 2),
            ("o", "o1", Some("c1:30"), 3),
            // to c2: unsubscribed from c1 (DELETE_KEY_NO_PROPAGATE), joined with c2
            ("o", "o1", Some("c2:30"), 4),
            // to c3, which has no row: a tombstone (PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE)
            ("o", "o1", Some("c3:30"), 5),
            ("c", "c3", Some("Di"), 6),
            // c1 and c2 no longer have subscribers
            ("c", "c1", Some("Ann"), 7),
            ("c", "c2", Some("Cyd"), 8),
            // an update with the same foreign key re-joins
            ("o", "o1", Some("c3:31"), 9),
        ],
    )?;
    assert_eq!(
        out,
        vec![
            t("o1", Some("c1:30/Ada"), 3),
            t("o1", Some("c2:30/Cy"), 4),
            t("o1", None, 5),
            t("o1", Some("c3:30/Di"), 6),
            t("o1", Some("c3:31/Di"), 9),
        ]
    );
    Ok(())
}

#[test]
fn inner_left_and_right_deletes() -> Result<()> {
    let out = run(
        Kind::Inner,
        &[
            ("c", "c1", Some("Ada"), 1),
            ("o", "o1", Some("c1:30"), 2),
            ("o", "o2", Some("c1:40"), 3),
            // left delete: DELETE_KEY_AND_PROPAGATE, a tombstone
            ("o", "o1", None, 4),
            // right delete: a tombstone for the remaining subscriber
            ("c", "c1", None, 5),
            ("c", "c1", Some("Bea"), 6),
            // a delete of a row that does not exist: nothing
            ("o", "o9", None, 7),
        ],
    )?;
    assert_eq!(
        out,
        vec![
            t("o1", Some("c1:30/Ada"), 2),
            t("o2", Some("c1:40/Ada"), 3),
            t("o1", None, 4),
            t("o2", None, 5),
            t("o2", Some("c1:40/Bea"), 6),
        ]
    );
    Ok(())
}

#[test]
fn left_join_rows_without_a_foreign_row_or_key() -> Result<()> {
    let out = run(
        Kind::Left,
        &[
            ("o", "o1", Some("c1:30"), 1),
            ("c", "c1", Some("Ada"), 2),
            // no foreign key at all (Java: the extractor returns null)
            ("o", "o2", Some("cash"), 3),
            ("c", "c1", None, 4),
        ],
    )?;
    assert_eq!(
        out,
        vec![
            t("o1", Some("c1:30/-"), 1),
            t("o1", Some("c1:30/Ada"), 2),
            t("o2", Some("cash/-"), 3),
            t("o1", Some("c1:30/-"), 4),
        ]
    );
    Ok(())
}

#[test]
fn left_join_foreign_key_change_and_delete() -> Result<()> {
    let out = run(
        Kind::Left,
        &[
            ("c", "c1", Some("Ada"), 1),
            ("o", "o1", Some("c1:30"), 2),
            // to c2 (no row): DELETE_KEY_NO_PROPAGATE to c1, and only
            // PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE to c2 answers
            // (Kafka Streams 4.3; 4.0 answered from both sides).
            ("o", "o1", Some("c2:30"), 3),
            // delete: one tombstone, the answer to the subscription with
            // no foreign key
            ("o", "o1", None, 4),
            // deleting it again outputs nothing
            ("o", "o1", None, 5),
        ],
    )?;
    assert_eq!(
        out,
        vec![
            t("o1", Some("c1:30/Ada"), 2),
            t("o1", Some("c2:30/-"), 3),
            t("o1", None, 4),
        ]
    );
    Ok(())
}

/// A response computed for a left value that has changed since is dropped
/// (its hash is not the current value's); one for the current value is
/// joined. The responses are written to the response topic in Java's
/// format: `[version 0][hash: 2 × i64 BE][foreign value]`.
#[test]
fn stale_responses_are_dropped() -> Result<()> {
    let builder = topology(Kind::Inner);
    let topology = builder.build()?;
    let driver = TopologyTestDriver::new(topology)?;
    driver
        .create_input_topic(ORDERS)
        .pipe_input_with_timestamp("o1", Some("c1:30".to_string()), 1)?;
    let response_topic = format!(
        "{}-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic",
        driver.application_id()
    );
    let responses: Topic<String, Bytes, 1> = Topic::named(&response_topic);
    let mut responses = driver.create_input_topic(responses);
    let response = |h1: i64, h2: i64, value: &str| {
        let mut bytes = vec![0u8];
        bytes.extend_from_slice(&h1.to_be_bytes());
        bytes.extend_from_slice(&h2.to_be_bytes());
        bytes.extend_from_slice(value.as_bytes());
        bytes
    };
    // Java's Murmur3.hash128 of "c1:10" (an older value) and "c1:30".
    responses.pipe_input_with_timestamp(
        "o1",
        response(8399075882899531536, 6410171323892098223, "Old"),
        5,
    )?;
    responses.pipe_input_with_timestamp(
        "o1",
        response(6125695166359875436, -6098506568091843454, "Ada"),
        6,
    )?;
    let out = driver.create_output_topic(OUT).read_records_to_vec()?;
    let out: Vec<Triple> = out
        .into_iter()
        .map(|r| (r.key, r.value, r.timestamp))
        .collect();
    assert_eq!(out, vec![t("o1", Some("c1:30/Ada"), 6)]);
    Ok(())
}

#[test]
fn materialized_result_is_queryable() -> Result<()> {
    let builder = StreamsBuilder::new();
    let joined = builder.table(ORDERS_T).join_on_foreign_key_with(
        &builder.table(CUSTOMERS_T),
        customer_of,
        |o: &String, c: &String| format!("{o}/{c}"),
        Materialized::<String, String>::as_("orders-by-customer"),
    );
    assert_eq!(joined.queryable_store_name(), Some("orders-by-customer"));
    let driver = TopologyTestDriver::new(builder.build()?)?;
    let mut orders = driver.create_input_topic(ORDERS);
    let mut customers = driver.create_input_topic(CUSTOMERS);
    customers.pipe_input("c1", Some("Ada".to_string()))?;
    orders.pipe_input("o1", Some("c1:30".to_string()))?;
    orders.pipe_input("o2", Some("c1:12".to_string()))?;
    orders.pipe_input("o3", Some("c9:1".to_string()))?;
    let store = driver.get_key_value_store::<String, String>("orders-by-customer")?;
    assert_eq!(store.get(&"o1".to_string())?, Some("c1:30/Ada".to_string()));
    assert_eq!(store.get(&"o3".to_string())?, None);
    customers.pipe_input("c1", None)?;
    assert_eq!(store.get(&"o1".to_string())?, None);
    assert_eq!(store.get(&"o2".to_string())?, None);
    Ok(())
}

#[test]
fn describe_names_nodes_topics_and_stores_as_java() -> Result<()> {
    let builder = StreamsBuilder::new();
    builder
        .table(ORDERS_T)
        .join_on_foreign_key(&builder.table(CUSTOMERS_T), customer_of, |o, c: &String| {
            format!("{o}/{c}")
        })
        .to_changelog_stream()
        .to(OUT);
    let topology = builder.build()?;
    let described = topology.describe().to_string();
    let expected = "\
Topologies:
   Sub-topology: 0
    Source: KTABLE-SOURCE-0000000016 (topics: [KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic])
      --> KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-0000000017
    Source: KSTREAM-SOURCE-0000000001 (topics: [orders])
      --> KTABLE-SOURCE-0000000002
    Processor: KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-0000000017 (stores: [orders-STATE-STORE-0000000000])
      --> KTABLE-FK-JOIN-OUTPUT-0000000018
      <-- KTABLE-SOURCE-0000000016
    Processor: KTABLE-FK-JOIN-OUTPUT-0000000018 (stores: [])
      --> KTABLE-TOSTREAM-0000000020
      <-- KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-0000000017
    Processor: KTABLE-SOURCE-0000000002 (stores: [orders-STATE-STORE-0000000000])
      --> KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000007
      <-- KSTREAM-SOURCE-0000000001
    Processor: KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000007 (stores: [])
      --> KTABLE-SINK-0000000008
      <-- KTABLE-SOURCE-0000000002
    Processor: KTABLE-TOSTREAM-0000000020 (stores: [])
      --> KSTREAM-SINK-0000000021
      <-- KTABLE-FK-JOIN-OUTPUT-0000000018
    Sink: KSTREAM-SINK-0000000021 (topic: out)
      <-- KTABLE-TOSTREAM-0000000020
    Sink: KTABLE-SINK-0000000008 (topic: KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic)
      <-- KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000007

  Sub-topology: 1
    Source: KSTREAM-SOURCE-0000000004 (topics: [customers])
      --> KTABLE-SOURCE-0000000005
    Source: KTABLE-SOURCE-0000000009 (topics: [KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic])
      --> KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000011
    Processor: KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000011 (stores: [KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000010])
      --> KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000012
      <-- KTABLE-SOURCE-0000000009
    Processor: KTABLE-SOURCE-0000000005 (stores: [customers-STATE-STORE-0000000003])
      --> KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000013
      <-- KSTREAM-SOURCE-0000000004
    Processor: KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000012 (stores: [customers-STATE-STORE-0000000003])
      --> KTABLE-SINK-0000000015
      <-- KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000011
    Processor: KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000013 (stores: [KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000010])
      --> KTABLE-SINK-0000000015
      <-- KTABLE-SOURCE-0000000005
    Sink: KTABLE-SINK-0000000015 (topic: KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic)
      <-- KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000012, KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000013

";
    assert_eq!(described, expected, "{described}");
    Ok(())
}

/// The subscription store is change-logged (Java's
/// `SubscriptionStoreFactory`): its changelog holds one entry per
/// subscription, keyed `[fk length: i32 BE][fk][pk]`.
#[test]
fn subscription_store_is_change_logged() -> Result<()> {
    let driver = TopologyTestDriver::new(topology(Kind::Inner).build()?)?;
    let mut orders = driver.create_input_topic(ORDERS);
    orders.pipe_input("o1", Some("c1:30".to_string()))?;
    orders.pipe_input("o1", Some("c2:30".to_string()))?;
    let changelog = driver.changelog("KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000010");
    let keys: Vec<(Vec<u8>, bool)> = changelog
        .into_iter()
        .map(|(k, v)| (k, v.is_some()))
        .collect();
    let key = |fk: &[u8]| [&[0, 0, 0, 2][..], fk, b"o1"].concat();
    assert_eq!(
        keys,
        vec![(key(b"c1"), true), (key(b"c1"), false), (key(b"c2"), true)]
    );
    Ok(())
}

#[test]
fn inner_update_with_the_same_unmatched_key_outputs_nothing() -> Result<()> {
    let out = run(
        Kind::Inner,
        &[
            // c9 has no row: the insert subscribes, nothing joins
            ("o", "o1", Some("c9:10"), 1),
            // same foreign key, still no row: PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE
            // (no idempotent tombstone, Kafka Streams 4.3)
            ("o", "o1", Some("c9:20"), 2),
            ("c", "c9", Some("Bo"), 3),
            // the foreign key goes away: the old result is retracted
            ("o", "o1", Some("cash"), 4),
        ],
    )?;
    assert_eq!(out, vec![t("o1", Some("c9:20/Bo"), 3), t("o1", None, 4)]);
    Ok(())
}
