//! Stream-table joins as Java Kafka Streams' `KStreamKTableJoinProcessor`
//! defines them, with exact outputs (timestamps included):
//! - the stream drives: each record looks up its key's current row; a
//!   table update emits nothing;
//! - inner join: a record without a row is dropped; left join: the joiner
//!   gets `None`;
//! - a table delete removes the row; the result keeps the stream record's
//!   timestamp;
//! - the table is materialized for the join (a `builder.table` source gets
//!   `<topic>-STATE-STORE-…`), the join node is connected to its store and
//!   runs in the table's sub-topology;
//! - both sides must be co-partitioned (a `build()` error), and a stream
//!   with a changed key is repartitioned first, as Java does.
//!
//! `cargo xtask conformance stream-table-join stream-table-left-join`
//! checks the same against Java on a broker.

use kstreams::dsl::{Joined, Materialized, Repartitioned, StreamsBuilder, Topic};
use kstreams::serde::I64;
use kstreams::test_driver::{DriverConfig, TopologyTestDriver};
use kstreams::{Error, Record, Result};

const ORDERS: Topic<String, I64, 1> = Topic::new("orders");
const PRICES: Topic<String, I64, 1> = Topic::new("prices");
const PRICES_IN: Topic<String, Option<I64>, 1> = Topic::new("prices");
const OUT: Topic<String, String, 1> = Topic::new("out");

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

/// An input event: an order (stream) or a price (table; `None` deletes).
enum In {
    Order(&'static str, i64, i64),
    Price(&'static str, Option<i64>, i64),
}

/// Orders and price updates, interleaved; timestamps are not monotonic
/// (the join does not look at them).
const EVENTS: &[In] = &[
    In::Order("a", 1, 10),         // no price yet
    In::Price("a", Some(100), 20), // table update: nothing
    In::Order("a", 2, 15),         // a=100 (even though older than the price)
    In::Order("b", 3, 30),         // no price for b
    In::Price("b", Some(7), 40),
    In::Price("a", Some(200), 50), // update
    In::Order("a", 4, 60),
    In::Order("b", 5, 70),
    In::Price("a", None, 80), // delete
    In::Order("a", 6, 90),
    In::Price("c", None, 95), // delete of a key never seen
    In::Order("c", 7, 99),
];

fn pipe(d: &TopologyTestDriver) -> Result<()> {
    let mut orders = d.create_input_topic(ORDERS);
    let mut prices = d.create_input_topic(PRICES_IN);
    for event in EVENTS {
        match *event {
            In::Order(k, v, ts) => orders.pipe_input_with_timestamp(k, v, ts)?,
            In::Price(k, v, ts) => prices.pipe_input_with_timestamp(k, v, ts)?,
        }
    }
    Ok(())
}

fn driver(b: StreamsBuilder, cache_max_bytes: usize) -> Result<TopologyTestDriver> {
    TopologyTestDriver::with_config(
        b.build()?,
        DriverConfig {
            cache_max_bytes,
            ..DriverConfig::default()
        },
    )
}

/// Builds with `build` (which writes to `OUT`), pipes `EVENTS` and
/// returns what `OUT` got.
fn run(
    cache_max_bytes: usize,
    build: impl FnOnce(&StreamsBuilder),
) -> Result<Vec<(String, String, i64)>> {
    let b = StreamsBuilder::new();
    build(&b);
    let d = driver(b, cache_max_bytes)?;
    pipe(&d)?;
    Ok(triples(d.create_output_topic(OUT).read_records_to_vec()?))
}

#[test]
fn inner_join_drops_records_without_a_row_and_follows_updates_and_deletes() -> Result<()> {
    // The table's store with the record cache off and on: the join reads
    // through the cache either way.
    for cache in [0, 10 << 20] {
        let out = run(cache, |b| {
            let prices = b.table(PRICES);
            b.stream(ORDERS)
                .join(&prices, |qty: &i64, price: &i64| format!("{qty}x{price}"))
                .to(OUT);
        })?;
        assert_eq!(
            out,
            vec![t("a", "2x100", 15), t("a", "4x200", 60), t("b", "5x7", 70),],
            "cache {cache}"
        );
    }
    Ok(())
}

#[test]
fn left_join_gives_none_for_records_without_a_row() -> Result<()> {
    let out = run(0, |b| {
        let prices = b.table(PRICES);
        b.stream(ORDERS)
            .left_join(&prices, |qty: &i64, price: Option<&i64>| match price {
                Some(p) => format!("{qty}x{p}"),
                None => format!("{qty}x?"),
            })
            .to(OUT);
    })?;
    assert_eq!(
        out,
        vec![
            t("a", "1x?", 10),
            t("a", "2x100", 15),
            t("b", "3x?", 30),
            t("a", "4x200", 60),
            t("b", "5x7", 70),
            t("a", "6x?", 90),
            t("c", "7x?", 99),
        ]
    );
    Ok(())
}

#[test]
fn join_with_key_passes_the_key_and_keeps_the_timestamp() -> Result<()> {
    let out = run(0, |b| {
        let prices = b.table(PRICES);
        b.stream(ORDERS)
            .join_with_key(&prices, |k: &String, qty: &i64, price: &i64| {
                format!("{k}:{}", qty * price)
            })
            .to(OUT);
    })?;
    assert_eq!(
        out,
        vec![t("a", "a:200", 15), t("a", "a:800", 60), t("b", "b:35", 70)]
    );
    Ok(())
}

#[test]
fn the_source_is_materialized_and_the_join_runs_in_its_subtopology() -> Result<()> {
    let b = StreamsBuilder::new();
    let prices = b.table(PRICES);
    b.stream(ORDERS)
        .join(&prices, |qty: &i64, price: &i64| format!("{qty}x{price}"))
        .to(OUT);
    let described = b.build()?.describe().to_string();
    // As Java: store 0, table source nodes 1-2, stream source 3, join 4.
    assert!(
        described.contains(
            "Processor: KTABLE-SOURCE-0000000002 (stores: [prices-STATE-STORE-0000000000])"
        ),
        "{described}"
    );
    assert!(
        described.contains(
            "Processor: KSTREAM-JOIN-0000000004 (stores: [prices-STATE-STORE-0000000000])"
        ),
        "{described}"
    );
    assert!(described.contains("Sub-topology: 0"), "{described}");
    assert!(
        !described.contains("Sub-topology: 1"),
        "one task reads both topics: {described}"
    );
    Ok(())
}

#[test]
fn joins_filtered_mapped_and_aggregated_tables_through_their_views() -> Result<()> {
    // A filtered and mapped table has no store of its own: the join reads
    // the source's store and applies the filter and the mapper (Java's
    // KTableFilter.view / KTableMapValues.view).
    let out = run(0, |b| {
        let cheap = b
            .table(PRICES)
            .filter(|_, p| *p < 150)
            .map_values(|p: &i64| p * 10);
        b.stream(ORDERS)
            .left_join(&cheap, |qty: &i64, price: Option<&i64>| {
                format!("{qty}x{price:?}")
            })
            .to(OUT);
    })?;
    assert_eq!(
        out,
        vec![
            t("a", "1xNone", 10),
            t("a", "2xSome(1000)", 15),
            t("b", "3xNone", 30),
            t("a", "4xNone", 60), // 200 is filtered out
            t("b", "5xSome(70)", 70),
            t("a", "6xNone", 90),
            t("c", "7xNone", 99),
        ]
    );

    // An aggregation's table: its store (the running sum of prices).
    const SUMS_OUT: Topic<String, String, 1> = Topic::new("sums-out");
    let b = StreamsBuilder::new();
    let sums = b
        .stream(PRICES)
        .group_by_key()
        .reduce_with(|a, v| a + v, Materialized::<String, I64>::as_("sums"));
    b.stream(ORDERS)
        .join(&sums, |qty: &i64, sum: &i64| format!("{qty}/{sum}"))
        .to(SUMS_OUT);
    let d = driver(b, 0)?;
    let mut prices = d.create_input_topic(PRICES);
    let mut orders = d.create_input_topic(ORDERS);
    orders.pipe_input_with_timestamp("a", 1, 1)?;
    prices.pipe_input_with_timestamp("a", 5, 2)?;
    orders.pipe_input_with_timestamp("a", 2, 3)?;
    prices.pipe_input_with_timestamp("a", 6, 4)?;
    orders.pipe_input_with_timestamp("a", 3, 5)?;
    let out = triples(d.create_output_topic(SUMS_OUT).read_records_to_vec()?);
    assert_eq!(out, vec![t("a", "2/5", 3), t("a", "3/11", 5)]);
    Ok(())
}

#[test]
fn sides_with_different_partition_counts_fail_build() {
    const PRICES_4: Topic<String, I64, 4> = Topic::new("prices");
    let b = StreamsBuilder::new();
    let prices = b.table(PRICES_4);
    b.stream(ORDERS)
        .join(&prices, |qty: &i64, price: &i64| qty * price)
        .to(Topic::<String, I64, 1>::new("out"));
    match b.build() {
        Err(Error::Topology(message)) => {
            assert!(message.contains("not co-partitioned"), "{message}");
            assert!(message.contains("`orders` has 1"), "{message}");
            assert!(message.contains("`prices` has 4"), "{message}");
        }
        other => panic!("expected a co-partitioning error, got {other:?}"),
    }
}

#[test]
fn a_stream_with_a_changed_key_is_repartitioned_before_the_join() -> Result<()> {
    // Java's KStreamImpl.join(KTable): repartitionForJoin through
    // `<the stream's node name>-repartition`, generated node names (the
    // names below are Kafka Streams 4.3.1's `describe()` of the same
    // topology).
    let b = StreamsBuilder::new();
    let prices = b.table(PRICES);
    b.stream(ORDERS)
        .select_key(|k: &String, _| k.to_lowercase())
        .join(&prices, |qty: &i64, price: &i64| format!("{qty}x{price}"))
        .to(OUT);
    let topology = b.build()?;
    let description = topology.describe().to_string();
    for part in [
        "KSTREAM-KEY-SELECT-0000000004",
        "KSTREAM-SINK-0000000005 (topic: KSTREAM-KEY-SELECT-0000000004-repartition)",
        "KSTREAM-SOURCE-0000000007 (topics: [KSTREAM-KEY-SELECT-0000000004-repartition])",
        "Processor: KSTREAM-JOIN-0000000008 (stores: [prices-STATE-STORE-0000000000])",
        "Processor: KSTREAM-FILTER-0000000006 (stores: [])",
    ] {
        assert!(description.contains(part), "no `{part}` in\n{description}");
    }
    let d = TopologyTestDriver::new(topology)?;
    d.create_input_topic(PRICES)
        .pipe_input_with_timestamp("a", 3, 1)?;
    let mut orders = d.create_input_topic(ORDERS);
    orders.pipe_input_with_timestamp("A", 2, 2)?;
    orders.pipe_input_with_timestamp("B", 5, 3)?; // no row for b
    let out = triples(d.create_output_topic(OUT).read_records_to_vec()?);
    assert_eq!(out, vec![t("a", "2x3", 2)]);

    // A named join names its repartition topic and nodes after itself.
    let b = StreamsBuilder::new();
    let prices = b.table(PRICES);
    b.stream(ORDERS)
        .select_key(|k: &String, _| k.to_lowercase())
        .left_join_with(
            &prices,
            |qty: &i64, price: Option<&i64>| format!("{qty}x{price:?}"),
            Joined::<String, I64>::new().with_name("priced"),
        )
        .to(OUT);
    let description = b.build()?.describe().to_string();
    for part in [
        "priced-repartition-sink (topic: priced-repartition)",
        "priced-repartition-source (topics: [priced-repartition])",
        "Processor: priced (stores: [prices-STATE-STORE-0000000000])",
        "Processor: priced-repartition-filter (stores: [])",
    ] {
        assert!(description.contains(part), "no `{part}` in\n{description}");
    }

    // An explicit repartition first: no second one.
    let b = StreamsBuilder::new();
    let prices = b.table(PRICES);
    b.stream(ORDERS)
        .select_key(|k: &String, _| k.to_lowercase())
        .repartition(Repartitioned::<String, I64>::new())
        .join(&prices, |qty: &i64, price: &i64| format!("{qty}x{price}"))
        .to(OUT);
    let description = b.build()?.describe().to_string();
    assert_eq!(
        description.matches("-repartition)").count(),
        1,
        "{description}"
    );
    Ok(())
}
