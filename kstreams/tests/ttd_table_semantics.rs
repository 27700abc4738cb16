//! KTable semantics as Java Kafka Streams (the oracle) defines them, with
//! exact outputs, timestamps included:
//! - aggregation results carry `max(record time, stored aggregate time)`
//!   (`KStreamAggregate`, `KStreamReduce`, `KTableAggregate`), with the
//!   record cache on or off, and the stores keep `ValueAndTimestamp`;
//! - `builder.table` is not materialized unless named or needed; a filter
//!   over an unmaterialized source forwards a delete for every record it
//!   filters out and every tombstone (`KTableFilter` without old values),
//!   over a materialized one it drops updates that match neither now nor
//!   before (`KTableFilter` with old values).
//!
//! `cargo xtask conformance count reduce aggregate table` checks the same
//! against Java on a broker.

use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::serde::{ValueAndTimestamp, I64};
use kstreams::test_driver::{DriverConfig, TopologyTestDriver};
use kstreams::{Record, Result};

const NUMBERS: Topic<String, I64, 1> = Topic::new("numbers");
const NUMBERS_IN: Topic<String, Option<I64>, 1> = Topic::new("numbers");
const OUT: Topic<String, I64, 1> = Topic::new("out");
const OUT_NULLABLE: Topic<String, Option<I64>, 1> = Topic::new("out");
const TEXT_OUT: Topic<String, String, 1> = Topic::new("text-out");

/// (key, value, timestamp) of every output record.
fn triples<V>(records: Vec<Record<String, V>>) -> Vec<(String, V, i64)> {
    records
        .into_iter()
        .map(|r| (r.key, r.value, r.timestamp))
        .collect()
}

fn t<V>(key: &str, value: V, timestamp: i64) -> (String, V, i64) {
    (key.to_string(), value, timestamp)
}

/// Out of order: a@10, a@5 (late), b@7, a@20, a@15 (late), b@3 (late).
const OUT_OF_ORDER: [(&str, i64, i64); 6] = [
    ("a", 1, 10),
    ("a", 2, 5),
    ("b", 3, 7),
    ("a", 4, 20),
    ("a", 5, 15),
    ("b", 6, 3),
];

fn pipe_out_of_order(d: &TopologyTestDriver) -> Result<()> {
    let mut input = d.create_input_topic(NUMBERS);
    for (k, v, ts) in OUT_OF_ORDER {
        input.pipe_input_with_timestamp(k, v, ts)?;
    }
    Ok(())
}

fn with_cache(topology: kstreams::Topology, cache_max_bytes: usize) -> Result<TopologyTestDriver> {
    TopologyTestDriver::with_config(
        topology,
        DriverConfig {
            cache_max_bytes,
            ..DriverConfig::default()
        },
    )
}

#[test]
fn count_result_time_is_the_max_of_record_and_stored_time() -> Result<()> {
    // Cache off (every update) and on (the driver commits after each record).
    for cache in [0, 10 << 20] {
        let b = StreamsBuilder::new();
        b.stream(NUMBERS)
            .group_by_key()
            .count_with(Materialized::<String, I64>::as_("counts"))
            .to_stream()
            .to(OUT);
        let d = with_cache(b.build()?, cache)?;
        pipe_out_of_order(&d)?;
        let out = triples(d.create_output_topic(OUT).read_records_to_vec()?);
        assert_eq!(
            out,
            vec![
                t("a", 1, 10),
                t("a", 2, 10), // late record: the count keeps time 10
                t("b", 1, 7),
                t("a", 3, 20),
                t("a", 4, 20),
                t("b", 2, 7),
            ],
            "cache {cache}"
        );
        let store = d.get_timestamped_key_value_store::<String, I64>("counts")?;
        assert_eq!(
            store.get(&"a".to_string())?,
            Some(ValueAndTimestamp::new(4, 20))
        );
        assert_eq!(
            store.get(&"b".to_string())?,
            Some(ValueAndTimestamp::new(2, 7))
        );
        // Plain reads with the user's serdes still work (Java's facade).
        let plain = d.get_key_value_store::<String, I64>("counts")?;
        assert_eq!(plain.get(&"a".to_string())?, Some(4));
        // The changelog holds Java's `[timestamp][value]`.
        let last = d.changelog("counts").pop();
        assert_eq!(
            last,
            Some((
                b"b".to_vec(),
                Some([7i64.to_be_bytes(), 2i64.to_be_bytes()].concat())
            ))
        );
        // Changelog records carry their value's timestamp (Java's
        // ChangeLoggingTimestampedKeyValueBytesStore), late records included.
        let changelog: Topic<String, kstreams::serde::Timestamped<I64>, 1> =
            Topic::named(format!("{}-counts-changelog", d.application_id()));
        let logged: Vec<i64> = d
            .create_output_topic(changelog)
            .read_records_to_vec()?
            .into_iter()
            .map(|r| r.timestamp)
            .collect();
        assert_eq!(logged, vec![10, 10, 7, 20, 20, 7], "cache {cache}");
    }
    Ok(())
}

#[test]
fn reduce_result_time_is_the_max_of_record_and_stored_time() -> Result<()> {
    for cache in [0, 10 << 20] {
        let b = StreamsBuilder::new();
        b.stream(NUMBERS)
            .group_by_key()
            .reduce(|a, v| a + v)
            .to_stream()
            .to(OUT);
        let d = with_cache(b.build()?, cache)?;
        pipe_out_of_order(&d)?;
        let out = triples(d.create_output_topic(OUT).read_records_to_vec()?);
        assert_eq!(
            out,
            vec![
                t("a", 1, 10),
                t("a", 3, 10),
                t("b", 3, 7),
                t("a", 7, 20),
                t("a", 12, 20),
                t("b", 9, 7),
            ],
            "cache {cache}"
        );
    }
    Ok(())
}

#[test]
fn aggregate_result_time_is_the_max_of_record_and_stored_time() -> Result<()> {
    for cache in [0, 10 << 20] {
        let b = StreamsBuilder::new();
        b.stream(NUMBERS)
            .group_by_key()
            .aggregate_with(
                String::new,
                |_, v: i64, agg: String| format!("{agg}{v};"),
                Materialized::<String, String>::as_("lists"),
            )
            .to_stream()
            .to(TEXT_OUT);
        let d = with_cache(b.build()?, cache)?;
        pipe_out_of_order(&d)?;
        let out = triples(d.create_output_topic(TEXT_OUT).read_records_to_vec()?);
        let s = |v: &str| v.to_string();
        assert_eq!(
            out,
            vec![
                t("a", s("1;"), 10),
                t("a", s("1;2;"), 10),
                t("b", s("3;"), 7),
                t("a", s("1;2;4;"), 20),
                t("a", s("1;2;4;5;"), 20),
                t("b", s("3;6;"), 7),
            ],
            "cache {cache}"
        );
        let store = d.get_timestamped_key_value_store::<String, String>("lists")?;
        assert_eq!(
            store.get(&"b".to_string())?,
            Some(ValueAndTimestamp::new(s("3;6;"), 7))
        );
    }
    Ok(())
}

#[test]
fn grouped_table_aggregate_time_is_the_max_of_record_and_stored_time() -> Result<()> {
    // Every key goes to one group; the sum per group.
    let b = StreamsBuilder::new();
    b.table(NUMBERS)
        .group_by(|_, v: &i64| ("all".to_string(), *v))
        .aggregate(|| 0, |_, v, sum| sum + v, |_, old, sum| sum - old)
        .to_stream()
        .to(OUT);
    let topology = b.build()?;
    // group_by needs old values: the source is materialized.
    assert!(topology.describe().to_string().contains(
        "Processor: KTABLE-SOURCE-0000000002 (stores: [numbers-STATE-STORE-0000000000])"
    ));
    let d = with_cache(topology, 0)?;
    let mut input = d.create_input_topic(NUMBERS_IN);
    input.pipe_input_with_timestamp("x", Some(5), 10)?;
    input.pipe_input_with_timestamp("y", Some(7), 4)?; // late
    input.pipe_input_with_timestamp("x", Some(6), 12)?; // same group: one update (-5 +6)
    input.pipe_input_with_timestamp("y", None, 3)?; // late delete: -7
    let out = triples(d.create_output_topic(OUT).read_records_to_vec()?);
    assert_eq!(
        out,
        vec![
            t("all", 5, 10),
            t("all", 12, 10),
            t("all", 13, 12),
            t("all", 6, 12),
        ]
    );
    Ok(())
}

/// table -> filter(v % 3 != 0) -> mapValues(v * 10) -> toStream, as the
/// `table` conformance case.
fn filtered_table(b: &StreamsBuilder, materialized: bool) {
    let table = if materialized {
        b.table_with(NUMBERS, Materialized::as_("numbers-store"))
    } else {
        b.table(NUMBERS)
    };
    table
        .filter(|_, v| v % 3 != 0)
        .map_values(|v| v * 10)
        .to_changelog_stream()
        .to(OUT_NULLABLE);
}

fn pipe_table_input(d: &TopologyTestDriver) -> Result<()> {
    let mut input = d.create_input_topic(NUMBERS_IN);
    input.pipe_input_with_timestamp("a", Some(1), 1)?; // kept
    input.pipe_input_with_timestamp("a", Some(3), 2)?; // filtered out: was kept
    input.pipe_input_with_timestamp("a", None, 3)?; // delete of a filtered-out row
    input.pipe_input_with_timestamp("b", None, 4)?; // delete of an absent key
    input.pipe_input_with_timestamp("b", Some(6), 5)?; // filtered out, never kept
    input.pipe_input_with_timestamp("b", Some(7), 6)?; // kept
    Ok(())
}

#[test]
fn filter_over_an_unmaterialized_table_forwards_a_delete_for_every_miss() -> Result<()> {
    for cache in [0, 10 << 20] {
        let b = StreamsBuilder::new();
        filtered_table(&b, false);
        let topology = b.build()?;
        assert!(
            topology
                .describe()
                .to_string()
                .contains("Processor: KTABLE-SOURCE-0000000002 (stores: [])"),
            "{}",
            topology.describe()
        );
        let d = with_cache(topology, cache)?;
        pipe_table_input(&d)?;
        let out = triples(d.create_output_topic(OUT_NULLABLE).read_records_to_vec()?);
        assert_eq!(
            out,
            vec![
                t("a", Some(10), 1),
                t("a", None, 2),
                t("a", None, 3),
                t("b", None, 4),
                t("b", None, 5),
                t("b", Some(70), 6),
            ],
            "cache {cache}"
        );
    }
    Ok(())
}

#[test]
fn filter_over_a_materialized_table_drops_what_matches_neither_now_nor_before() -> Result<()> {
    for cache in [0, 10 << 20] {
        let b = StreamsBuilder::new();
        filtered_table(&b, true);
        let d = with_cache(b.build()?, cache)?;
        pipe_table_input(&d)?;
        let out = triples(d.create_output_topic(OUT_NULLABLE).read_records_to_vec()?);
        assert_eq!(
            out,
            vec![t("a", Some(10), 1), t("a", None, 2), t("b", Some(70), 6)],
            "cache {cache}"
        );
        let store = d.get_timestamped_key_value_store::<String, I64>("numbers-store")?;
        assert_eq!(store.get(&"a".to_string())?, None);
        assert_eq!(
            store.get(&"b".to_string())?,
            Some(ValueAndTimestamp::new(7, 6))
        );
    }
    Ok(())
}

#[test]
fn materialized_table_forwards_the_delete_of_an_absent_key_only_without_cache() -> Result<()> {
    // Java's KTableSource with a store forwards `Change(null, null)` for
    // the tombstone of an absent key; the record cache drops it
    // (CachingKeyValueStore: nothing new, nothing old).
    for (cache, expected) in [
        (0, vec![t("k", None, 1), t("k", Some(2), 2)]),
        (10 << 20, vec![t("k", Some(2), 2)]),
    ] {
        let b2 = StreamsBuilder::new();
        let materialized = if cache == 0 {
            Materialized::<String, I64>::as_("store").with_caching_disabled()
        } else {
            Materialized::<String, I64>::as_("store")
        };
        b2.table_with(NUMBERS, materialized)
            .to_changelog_stream()
            .to(OUT_NULLABLE);
        let d = with_cache(b2.build()?, 10 << 20)?;
        let mut input = d.create_input_topic(NUMBERS_IN);
        input.pipe_input_with_timestamp("k", None, 1)?;
        input.pipe_input_with_timestamp("k", Some(2), 2)?;
        let out = triples(d.create_output_topic(OUT_NULLABLE).read_records_to_vec()?);
        assert_eq!(out, expected, "cache {cache}");
    }
    Ok(())
}

#[test]
fn to_stream_drops_deletes_and_to_changelog_stream_keeps_them() -> Result<()> {
    let b = StreamsBuilder::new();
    let table = b.table(NUMBERS);
    table.to_stream().to(OUT);
    const CHANGELOG: Topic<String, Option<I64>, 1> = Topic::new("changelog");
    table.to_changelog_stream().to(CHANGELOG);
    let d = TopologyTestDriver::new(b.build()?)?;
    let mut input = d.create_input_topic(NUMBERS_IN);
    input.pipe_input_with_timestamp("k", Some(1), 1)?;
    input.pipe_input_with_timestamp("k", None, 2)?;
    assert_eq!(
        triples(d.create_output_topic(OUT).read_records_to_vec()?),
        vec![t("k", 1, 1)]
    );
    assert_eq!(
        triples(d.create_output_topic(CHANGELOG).read_records_to_vec()?),
        vec![t("k", Some(1), 1), t("k", None, 2)]
    );
    Ok(())
}

#[test]
fn writes_through_the_plain_view_are_stamped_with_no_timestamp() -> Result<()> {
    let b = StreamsBuilder::new();
    b.stream(NUMBERS)
        .group_by_key()
        .count_with(Materialized::<String, I64>::as_("counts"));
    let d = TopologyTestDriver::new(b.build()?)?;
    let plain = d.get_key_value_store::<String, I64>("counts")?;
    plain.put(&"z".to_string(), &9)?;
    let stamped = d.get_timestamped_key_value_store::<String, I64>("counts")?;
    assert_eq!(
        stamped.get(&"z".to_string())?,
        Some(ValueAndTimestamp::new(9, -1))
    );
    let all: Vec<(String, i64)> = {
        let guard = plain.lock();
        let all = kstreams::state::KeyValueStore::all(&*guard)?.collect::<Result<_>>()?;
        all
    };
    assert_eq!(all, vec![("z".to_string(), 9)]);
    assert!(d
        .get_timestamped_key_value_store::<String, String>("counts")
        .is_err());
    Ok(())
}

#[test]
fn filter_over_a_count_sees_the_initializer_as_old_value_only_without_cache() -> Result<()> {
    // Java's KStreamAggregate forwards the initializer's value as the old
    // value of a key's first update (`oldAgg = initializer.apply()`); the
    // record cache forwards what the store held (nothing). A cache of 0
    // bytes disables caching (InternalTopologyBuilder.rewriteTopology).
    const EVEN: Topic<String, Option<I64>, 1> = Topic::new("even");
    for (cache, first) in [(0, vec![t("a", None, 1)]), (10 << 20, vec![])] {
        let b = StreamsBuilder::new();
        b.stream(NUMBERS)
            .group_by_key()
            .count()
            .filter(|_, n| n % 2 == 0)
            .to_changelog_stream()
            .to(EVEN);
        let d = with_cache(b.build()?, cache)?;
        let mut input = d.create_input_topic(NUMBERS);
        for ts in 1..=4 {
            input.pipe_input_with_timestamp("a", 0, ts)?;
        }
        let mut expected = first;
        expected.extend([t("a", Some(2), 2), t("a", None, 3), t("a", Some(4), 4)]);
        let out = triples(d.create_output_topic(EVEN).read_records_to_vec()?);
        assert_eq!(out, expected, "cache {cache}");
    }
    Ok(())
}
