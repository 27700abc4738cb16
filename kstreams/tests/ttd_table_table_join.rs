//! Table-table joins as Java Kafka Streams defines them
//! (`KTableKTableInnerJoin`, `KTableKTableLeftJoin` /
//! `KTableKTableRightJoin`, `KTableKTableOuterJoin`,
//! `KTableKTableJoinMerger`), with exact outputs, timestamps included:
//! - an update of either side re-joins the key with the other side's
//!   current row, at the larger of the two timestamps;
//! - deletes reach downstream as deletes (`None` on a changelog stream);
//! - old values (asked for by `group_by`) retract the previous result;
//! - a materialized result is queryable, and a join result can be joined
//!   again (through its store, or its parents' rows when unmaterialized).
//!
//! `cargo xtask conformance table-table-join table-table-left-join
//! table-table-outer-join` checks the same against Java on a broker.

use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::serde::{ValueAndTimestamp, I64};
use kstreams::test_driver::{DriverConfig, TopologyTestDriver};
use kstreams::{Error, Record, Result};

const LEFT: Topic<String, String, 1> = Topic::new("left");
const LEFT_IN: Topic<String, Option<String>, 1> = Topic::new("left");
const RIGHT: Topic<String, String, 1> = Topic::new("right");
const RIGHT_IN: Topic<String, Option<String>, 1> = Topic::new("right");
const OUT: Topic<String, Option<String>, 1> = Topic::new("out");

type Triple = (String, Option<String>, i64);

fn triples(records: Vec<Record<String, Option<String>>>) -> Vec<Triple> {
    records
        .into_iter()
        .map(|r| (r.key, r.value, r.timestamp))
        .collect()
}

fn t(key: &str, value: Option<&str>, timestamp: i64) -> Triple {
    (key.to_string(), value.map(str::to_string), timestamp)
}

/// An update of the left or right table (`None`: a delete).
#[derive(Clone, Copy)]
enum In {
    L(&'static str, Option<&'static str>, i64),
    R(&'static str, Option<&'static str>, i64),
}

/// Updates on both sides, deletes on both sides, out-of-order timestamps,
/// and deletes of keys the deleting side never had.
const EVENTS: &[In] = &[
    In::L("a", Some("A1"), 10),
    In::R("a", Some("X1"), 5),
    In::R("b", Some("Y1"), 20),
    In::L("b", Some("B1"), 15),
    In::L("a", Some("A2"), 30),
    In::R("a", None, 40),
    In::L("a", None, 50),
    In::R("c", None, 60),
    In::L("b", None, 70),
    In::R("d", Some("Z"), 80),
    In::L("d", None, 90),
];

fn pipe(d: &TopologyTestDriver, events: &[In]) -> Result<()> {
    let mut left = d.create_input_topic(LEFT_IN);
    let mut right = d.create_input_topic(RIGHT_IN);
    for event in events {
        match *event {
            In::L(k, v, ts) => left.pipe_input_with_timestamp(k, v.map(str::to_string), ts)?,
            In::R(k, v, ts) => right.pipe_input_with_timestamp(k, v.map(str::to_string), ts)?,
        }
    }
    Ok(())
}

fn show(v: Option<&String>) -> &str {
    v.map_or("null", |v| v.as_str())
}

fn driver(b: StreamsBuilder) -> Result<TopologyTestDriver> {
    TopologyTestDriver::with_config(
        b.build()?,
        DriverConfig {
            cache_max_bytes: 0,
            ..DriverConfig::default()
        },
    )
}

/// Builds with `build` (which writes to `OUT`), pipes `events` and
/// returns what `OUT` got.
fn run(events: &[In], build: impl FnOnce(&StreamsBuilder)) -> Result<Vec<Triple>> {
    let b = StreamsBuilder::new();
    build(&b);
    let d = driver(b)?;
    pipe(&d, events)?;
    Ok(triples(d.create_output_topic(OUT).read_records_to_vec()?))
}

#[test]
fn inner_join() -> Result<()> {
    let out = run(EVENTS, |b| {
        b.table(LEFT)
            .join(&b.table(RIGHT), |l: &String, r: &String| format!("{l}+{r}"))
            .to_changelog_stream()
            .to(OUT);
    })?;
    assert_eq!(
        out,
        vec![
            t("a", Some("A1+X1"), 10), // right update at 5, left row at 10
            t("b", Some("B1+Y1"), 20),
            t("a", Some("A2+X1"), 30),
            t("a", None, 40), // right delete
            // left delete of `a` at 50: no right row, nothing
            t("b", None, 70), // left delete, right row at 20
            // `d`: a left delete of a key the left never had, with a right
            // row: Java forwards a change with neither value (a null).
            t("d", None, 90),
        ]
    );
    Ok(())
}

#[test]
fn left_join() -> Result<()> {
    let out = run(EVENTS, |b| {
        b.table(LEFT)
            .left_join(&b.table(RIGHT), |l: &String, r: Option<&String>| {
                format!("{l}+{}", show(r))
            })
            .to_changelog_stream()
            .to(OUT);
    })?;
    assert_eq!(
        out,
        vec![
            t("a", Some("A1+null"), 10),
            t("a", Some("A1+X1"), 10),
            // right `b` at 20 without a left row: nothing
            t("b", Some("B1+Y1"), 20),
            t("a", Some("A2+X1"), 30),
            t("a", Some("A2+null"), 40), // right delete: the left row stays
            t("a", None, 50),            // left delete (the left sends old values)
            // right delete of `c`: no left row, nothing
            t("b", None, 70),
            // right `d` at 80: no left row, nothing
            t("d", None, 90),
        ]
    );
    Ok(())
}

#[test]
fn outer_join() -> Result<()> {
    let out = run(EVENTS, |b| {
        b.table(LEFT)
            .outer_join(&b.table(RIGHT), |l: Option<&String>, r: Option<&String>| {
                format!("{}+{}", show(l), show(r))
            })
            .to_changelog_stream()
            .to(OUT);
    })?;
    assert_eq!(
        out,
        vec![
            t("a", Some("A1+null"), 10),
            t("a", Some("A1+X1"), 10),
            t("b", Some("null+Y1"), 20),
            t("b", Some("B1+Y1"), 20),
            t("a", Some("A2+X1"), 30),
            t("a", Some("A2+null"), 40),
            t("a", None, 50), // both rows gone
            // right delete of `c`, which neither side had: nothing
            t("b", Some("null+Y1"), 70),
            t("d", Some("null+Z"), 80),
            t("d", Some("null+Z"), 90),
        ]
    );
    Ok(())
}

#[test]
fn materialized_results_are_queryable_with_their_timestamps() -> Result<()> {
    let b = StreamsBuilder::new();
    let joined = b.table(LEFT).left_join_with(
        &b.table(RIGHT),
        |l: &String, r: Option<&String>| format!("{l}+{}", show(r)),
        Materialized::<String, String>::as_("joined").with_caching_disabled(),
    );
    assert_eq!(joined.queryable_store_name(), Some("joined"));
    joined.to_changelog_stream().to(OUT);
    let topology = b.build()?;
    let described = topology.describe().to_string();
    // Java's names: left store 0, left source 1-2, right store 3, right
    // source 4-5, then merge 6, join-this 7, join-other 8 (the named store
    // takes no index).
    for line in [
        "Processor: KTABLE-JOINTHIS-0000000007 (stores: [right-STATE-STORE-0000000003])",
        "Processor: KTABLE-JOINOTHER-0000000008 (stores: [left-STATE-STORE-0000000000])",
        "Processor: KTABLE-MERGE-0000000006 (stores: [joined])",
    ] {
        assert!(described.contains(line), "{line} in {described}");
    }
    let d = TopologyTestDriver::with_config(
        topology,
        DriverConfig {
            cache_max_bytes: 0,
            ..DriverConfig::default()
        },
    )?;
    let store = d.get_timestamped_key_value_store::<String, String>("joined")?;
    pipe(&d, &EVENTS[..6])?;
    assert_eq!(
        store.get(&"a".to_string())?,
        Some(ValueAndTimestamp::new("A2+null".to_string(), 40))
    );
    assert_eq!(
        store.get(&"b".to_string())?,
        Some(ValueAndTimestamp::new("B1+Y1".to_string(), 20))
    );
    pipe(&d, &EVENTS[6..])?;
    assert_eq!(store.get(&"a".to_string())?, None, "deleted");
    assert_eq!(store.get(&"b".to_string())?, None, "deleted");
    // The changelog stream is the same as without a store.
    assert_eq!(
        triples(d.create_output_topic(OUT).read_records_to_vec()?)[..3],
        [
            t("a", Some("A1+null"), 10),
            t("a", Some("A1+X1"), 10),
            t("b", Some("B1+Y1"), 20),
        ]
    );
    Ok(())
}

#[test]
fn old_values_retract_previous_results_downstream() -> Result<()> {
    // group_by asks the join for old values: a count of rows per right
    // value only stays right if each update retracts the row it replaces.
    let b = StreamsBuilder::new();
    b.table(LEFT)
        .join(&b.table(RIGHT), |l: &String, r: &String| format!("{l}+{r}"))
        .group_by(|_, v: &String| (v.split('+').nth(1).unwrap_or("").to_string(), v.clone()))
        .aggregate_with(
            || 0,
            |_, _, n| n + 1,
            |_, _, n| n - 1,
            Materialized::<String, I64>::as_("per-right").with_caching_disabled(),
        );
    let d = driver(b)?;
    let counts = d.get_key_value_store::<String, I64>("per-right")?;
    let count = |k: &str| counts.get(&k.to_string());
    let events = [
        In::L("a", Some("A1"), 1),
        In::R("a", Some("X"), 2),
        In::L("b", Some("B1"), 3),
        In::R("b", Some("X"), 4),
    ];
    pipe(&d, &events)?;
    assert_eq!(count("X")?, Some(2));
    // Left update: "A1+X" is retracted, "A2+X" added.
    pipe(&d, &[In::L("a", Some("A2"), 5)])?;
    assert_eq!(count("X")?, Some(2));
    // Right update moves `b` to Y.
    pipe(&d, &[In::R("b", Some("Y"), 6)])?;
    assert_eq!((count("X")?, count("Y")?), (Some(1), Some(1)));
    // Deletes on either side retract.
    pipe(&d, &[In::R("a", None, 7), In::L("b", None, 8)])?;
    assert_eq!((count("X")?, count("Y")?), (Some(0), Some(0)));
    Ok(())
}

#[test]
fn join_results_join_again_and_feed_stream_table_joins() -> Result<()> {
    const MIDDLE: Topic<String, String, 1> = Topic::new("middle");
    const ORDERS: Topic<String, String, 1> = Topic::new("orders");
    const ENRICHED: Topic<String, String, 1> = Topic::new("enriched");
    let b = StreamsBuilder::new();
    // Unmaterialized: the three-way join reads (left ⋈ right) through the
    // getters of `left` and `right`.
    let lr = b
        .table(LEFT)
        .join(&b.table(RIGHT), |l: &String, r: &String| format!("{l}+{r}"));
    let lrm = lr.join(&b.table(MIDDLE), |lr: &String, m: &String| {
        format!("{lr}+{m}")
    });
    lrm.to_changelog_stream().to(OUT);
    b.stream(ORDERS)
        .join(&lr, |o: &String, lr: &String| format!("{o}@{lr}"))
        .to(ENRICHED);
    let d = driver(b)?;
    pipe(&d, &[In::L("k", Some("L"), 1), In::R("k", Some("R"), 2)])?;
    d.create_input_topic(MIDDLE)
        .pipe_input_with_timestamp("k", "M", 3)?;
    d.create_input_topic(ORDERS)
        .pipe_input_with_timestamp("k", "o1", 4)?;
    pipe(&d, &[In::R("k", Some("R2"), 5)])?;
    d.create_input_topic(ORDERS)
        .pipe_input_with_timestamp("k", "o2", 6)?;
    assert_eq!(
        triples(d.create_output_topic(OUT).read_records_to_vec()?),
        vec![t("k", Some("L+R+M"), 3), t("k", Some("L+R2+M"), 5)]
    );
    let enriched: Vec<(String, String)> =
        d.create_output_topic(ENRICHED).read_key_values_to_vec()?;
    assert_eq!(
        enriched,
        vec![
            ("k".to_string(), "o1@L+R".to_string()),
            ("k".to_string(), "o2@L+R2".to_string()),
        ]
    );
    Ok(())
}

#[test]
fn tables_with_different_partition_counts_fail_build() {
    const RIGHT_2: Topic<String, String, 2> = Topic::new("right");
    let b = StreamsBuilder::new();
    b.table(LEFT).outer_join(
        &b.table(RIGHT_2),
        |_: Option<&String>, _: Option<&String>| 1i64,
    );
    match b.build() {
        Err(Error::Topology(message)) => {
            assert!(message.contains("KTABLE-MERGE-"), "{message}");
            assert!(message.contains("`left` has 1, `right` has 2"), "{message}");
        }
        other => panic!("expected a co-partitioning error, got {other:?}"),
    }
}

#[test]
fn a_filter_over_a_join_gets_old_values_and_to_stream_drops_deletes() -> Result<()> {
    const MATCHES: Topic<String, String, 1> = Topic::new("matches");
    // The filter asks the join for old values (Java's merger always
    // sends them when asked): an update that matched neither before nor
    // now is dropped, one that stops matching is a delete.
    let events = [
        In::L("a", Some("A1"), 1),
        In::R("a", Some("X"), 2),  // A1+X matches
        In::R("a", Some("Y"), 3),  // A1+Y: stops matching, a delete
        In::L("a", Some("A2"), 4), // A2+Y: matched neither before nor now
        In::R("a", Some("X2"), 5), // A2+X2 matches
    ];
    let b = StreamsBuilder::new();
    let matching = b
        .table(LEFT)
        .join(&b.table(RIGHT), |l: &String, r: &String| format!("{l}+{r}"))
        .filter(|_, v| v.contains('X'));
    matching.to_changelog_stream().to(OUT);
    matching.to_stream().to(MATCHES);
    let d = driver(b)?;
    pipe(&d, &events)?;
    assert_eq!(
        triples(d.create_output_topic(OUT).read_records_to_vec()?),
        vec![
            t("a", Some("A1+X"), 2),
            t("a", None, 3),
            t("a", Some("A2+X2"), 5),
        ]
    );
    let values: Vec<String> = d.create_output_topic(MATCHES).read_values_to_vec()?;
    assert_eq!(values, vec!["A1+X".to_string(), "A2+X2".to_string()]);
    Ok(())
}
