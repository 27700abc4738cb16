//! Stream-stream joins through the TopologyTestDriver: exact outputs for
//! inner, left and outer joins, including out-of-order records within
//! grace, records beyond retention, and non-joined records emitted only
//! once their window has closed (KIP-633). The expected outputs follow
//! Kafka Streams' `KStreamKStreamJoin` (the same topologies agree with Java
//! record by record in `cargo xtask conformance stream-stream-*`).

use std::time::Duration;

use kstreams::dsl::{JoinWindows, StreamJoined, StreamsBuilder, Topic};
use kstreams::test_driver::{DriverConfig, TopologyTestDriver};

const LEFT: Topic<String, String, 1> = Topic::new("left");
const RIGHT: Topic<String, String, 1> = Topic::new("right");
const OUT: Topic<String, String, 1> = Topic::new("joined");

/// 10 ms either way, 5 ms grace.
const WINDOWS: JoinWindows =
    JoinWindows::of_time_difference_and_grace(Duration::from_millis(10), Duration::from_millis(5));

fn show(v: Option<&String>) -> &str {
    v.map_or("null", |v| v.as_str())
}

#[derive(Clone, Copy)]
enum Kind {
    Inner,
    Left,
    Outer,
}

fn driver(kind: Kind, windows: JoinWindows) -> TopologyTestDriver {
    let builder = StreamsBuilder::new();
    let left = builder.stream(LEFT);
    let right = builder.stream(RIGHT);
    let joined = match kind {
        Kind::Inner => left.join_stream(&right, |l, r| format!("{l}|{r}"), windows),
        Kind::Left => left.left_join_stream(&right, |l, r| format!("{l}|{}", show(r)), windows),
        Kind::Outer => {
            left.outer_join_stream(&right, |l, r| format!("{}|{}", show(l), show(r)), windows)
        }
    };
    joined.to(OUT);
    TopologyTestDriver::new(builder.build().expect("topology")).expect("driver")
}

type Out = Vec<(String, String, i64)>;

fn read(driver: &TopologyTestDriver) -> Out {
    driver
        .create_output_topic(OUT)
        .read_records_to_vec()
        .expect("output")
        .into_iter()
        .map(|r| (r.key, r.value, r.timestamp))
        .collect()
}

fn rec(k: &str, v: &str, ts: i64) -> (String, String, i64) {
    (k.to_owned(), v.to_owned(), ts)
}

#[test]
fn inner_join_pairs_records_within_the_window_at_the_later_timestamp() {
    let d = driver(Kind::Inner, WINDOWS);
    let (mut l, mut r) = (d.create_input_topic(LEFT), d.create_input_topic(RIGHT));
    l.pipe_input_with_timestamp("A", "a0", 0).unwrap();
    r.pipe_input_with_timestamp("A", "b5", 5).unwrap();
    assert_eq!(read(&d), vec![rec("A", "a0|b5", 5)]);
    // 11 ms after a0: outside its window; no partner.
    r.pipe_input_with_timestamp("A", "b11", 11).unwrap();
    assert_eq!(read(&d), vec![]);
    // a20 sees b11 (9 ms before) but not b5 (15 ms before); another key never joins.
    l.pipe_input_with_timestamp("A", "a20", 20).unwrap();
    l.pipe_input_with_timestamp("B", "x20", 20).unwrap();
    assert_eq!(read(&d), vec![rec("A", "a20|b11", 20)]);
    // Duplicates (same key and timestamp) are all kept and all join.
    r.pipe_input_with_timestamp("A", "b21", 21).unwrap();
    r.pipe_input_with_timestamp("A", "b21'", 21).unwrap();
    assert_eq!(
        read(&d),
        vec![rec("A", "a20|b21", 21), rec("A", "a20|b21'", 21)]
    );
    // Out of order but within retention (size 20 + grace 5): joins.
    l.pipe_input_with_timestamp("A", "a12", 12).unwrap();
    assert_eq!(
        read(&d),
        vec![
            rec("A", "a12|b5", 12),
            rec("A", "a12|b11", 12),
            rec("A", "a12|b21", 21),
            rec("A", "a12|b21'", 21),
        ]
    );
}

#[test]
fn records_beyond_the_stores_retention_find_no_partner() {
    let d = driver(Kind::Inner, WINDOWS);
    let (mut l, mut r) = (d.create_input_topic(LEFT), d.create_input_topic(RIGHT));
    l.pipe_input_with_timestamp("A", "a100", 100).unwrap();
    r.pipe_input_with_timestamp("A", "b95", 95).unwrap();
    assert_eq!(read(&d), vec![rec("A", "a100|b95", 100)]);
    // The left store's time moves to 200: a100 falls out of its 25 ms retention.
    l.pipe_input_with_timestamp("Z", "z200", 200).unwrap();
    r.pipe_input_with_timestamp("A", "b105", 105).unwrap();
    assert_eq!(read(&d), vec![]);
}

#[test]
fn left_join_emits_unmatched_left_records_once_their_window_has_closed() {
    let d = driver(Kind::Left, WINDOWS);
    let (mut l, mut r) = (d.create_input_topic(LEFT), d.create_input_topic(RIGHT));
    l.pipe_input_with_timestamp("A", "a", 0).unwrap();
    r.pipe_input_with_timestamp("B", "x", 3).unwrap();
    l.pipe_input_with_timestamp("C", "c", 14).unwrap();
    // Stream time 14: a's window (0 + 10 + grace 5) is still open.
    assert_eq!(read(&d), vec![]);
    l.pipe_input_with_timestamp("D", "d", 16).unwrap();
    assert_eq!(read(&d), vec![rec("A", "a|null", 0)]);
    // c finds a partner in time: it is never emitted without one.
    r.pipe_input_with_timestamp("C", "y", 20).unwrap();
    assert_eq!(read(&d), vec![rec("C", "c|y", 20)]);
    l.pipe_input_with_timestamp("E", "e", 40).unwrap();
    assert_eq!(read(&d), vec![rec("D", "d|null", 16)]);
    // Out of order past its own window: emitted at once.
    l.pipe_input_with_timestamp("F", "f", 2).unwrap();
    assert_eq!(read(&d), vec![rec("F", "f|null", 2)]);
    // Right records never come out alone in a left join.
    r.pipe_input_with_timestamp("G", "g", 100).unwrap();
    assert_eq!(read(&d), vec![rec("E", "e|null", 40)]);
}

#[test]
fn outer_join_emits_unmatched_records_of_both_sides_in_time_order() {
    let d = driver(Kind::Outer, WINDOWS);
    let (mut l, mut r) = (d.create_input_topic(LEFT), d.create_input_topic(RIGHT));
    r.pipe_input_with_timestamp("R", "r0", 0).unwrap();
    l.pipe_input_with_timestamp("L", "l1", 1).unwrap();
    l.pipe_input_with_timestamp("M", "m2", 2).unwrap();
    r.pipe_input_with_timestamp("M", "n3", 3).unwrap();
    assert_eq!(read(&d), vec![rec("M", "m2|n3", 3)]);
    l.pipe_input_with_timestamp("Z", "z100", 100).unwrap();
    assert_eq!(
        read(&d),
        vec![rec("R", "null|r0", 0), rec("L", "l1|null", 1)]
    );
}

#[test]
fn asymmetric_windows_look_only_where_they_are_told() {
    // Right records from 0 to 10 ms *after* a left record.
    let after_only = JoinWindows::of_time_difference_with_no_grace(Duration::from_millis(10))
        .before(Duration::ZERO);
    let d = driver(Kind::Inner, after_only);
    let (mut l, mut r) = (d.create_input_topic(LEFT), d.create_input_topic(RIGHT));
    r.pipe_input_with_timestamp("A", "before", 45).unwrap();
    l.pipe_input_with_timestamp("A", "l50", 50).unwrap();
    r.pipe_input_with_timestamp("A", "after", 55).unwrap();
    assert_eq!(read(&d), vec![rec("A", "l50|after", 55)]);
}

#[test]
fn stores_and_nodes_are_named_as_in_kafka_streams() {
    let builder = StreamsBuilder::new();
    let left = builder.stream(LEFT);
    left.left_join_stream(
        &builder.stream(RIGHT),
        |l: &String, _r: Option<&String>| l.clone(),
        WINDOWS,
    )
    .to(OUT);
    let described = builder.build().expect("topology").describe().to_string();
    for expected in [
        "Processor: KSTREAM-WINDOWED-0000000002 (stores: [KSTREAM-JOINTHIS-0000000004-store])",
        "Processor: KSTREAM-WINDOWED-0000000003 (stores: [KSTREAM-OUTEROTHER-0000000005-store])",
        "Processor: KSTREAM-JOINTHIS-0000000004 (stores: [KSTREAM-OUTEROTHER-0000000005-store, KSTREAM-OUTERSHARED-0000000004-store])",
        "Processor: KSTREAM-OUTEROTHER-0000000005 (stores: [KSTREAM-JOINTHIS-0000000004-store, KSTREAM-OUTERSHARED-0000000004-store])",
        "Processor: KSTREAM-MERGE-0000000006 (stores: [])",
    ] {
        assert!(described.contains(expected), "missing `{expected}` in:\n{described}");
    }

    let builder = StreamsBuilder::new();
    let joined = StreamJoined::<String, String, String>::new()
        .with_name("orders")
        .with_store_name("order-store")
        .in_memory();
    builder
        .stream(LEFT)
        .join_stream_with(
            &builder.stream(RIGHT),
            |l: &String, r: &String| format!("{l}{r}"),
            WINDOWS,
            joined,
        )
        .to(OUT);
    let described = builder.build().expect("topology").describe().to_string();
    for expected in [
        "Processor: orders-this-windowed (stores: [order-store-this-join-store])",
        "Processor: orders-this-join (stores: [order-store-other-join-store])",
        "Processor: orders-merge (stores: [])",
    ] {
        assert!(
            described.contains(expected),
            "missing `{expected}` in:\n{described}"
        );
    }
}

#[test]
fn a_key_change_repartitions_the_changed_side_before_joining() {
    let builder = StreamsBuilder::new();
    let right = builder.stream(RIGHT);
    builder
        .stream(LEFT)
        .select_key(|_, v: &String| v.clone())
        .join_stream(&right, |l: &String, r: &String| format!("{l}|{r}"), WINDOWS)
        .to(OUT);
    let topology = builder.build().expect("topology");
    let described = topology.describe().to_string();
    assert!(
        described.contains("KSTREAM-KEY-SELECT-0000000002-repartition"),
        "no repartition topic in:\n{described}"
    );
    let d = TopologyTestDriver::with_config(topology, DriverConfig::default()).expect("driver");
    let (mut l, mut r) = (d.create_input_topic(LEFT), d.create_input_topic(RIGHT));
    r.pipe_input_with_timestamp("k2", "r", 0).unwrap();
    l.pipe_input_with_timestamp("k1", "k2", 1).unwrap();
    assert_eq!(read(&d), vec![rec("k2", "k2|r", 1)]);
}
