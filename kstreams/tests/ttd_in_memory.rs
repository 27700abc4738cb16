//! Topologies whose stores live in memory, run by the TopologyTestDriver.
//!
//! `cargo xtask test` runs this file twice: with the default features, and
//! with `--no-default-features` (kstreams built without RocksDB), where it
//! also checks that a persistent store is refused with a clear error.

use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::serde::I64;
use kstreams::test_driver::TopologyTestDriver;

const EVENTS: Topic<String, String, 1> = Topic::new("events");
const COUNTS: Topic<String, I64, 1> = Topic::new("counts");
const TOTALS: Topic<String, I64, 1> = Topic::new("totals");

#[test]
fn in_memory_and_lru_aggregations_run_without_rocksdb() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    let events = b.stream(EVENTS);
    events
        .group_by_key()
        .count_with(Materialized::<String, I64>::as_("counts").in_memory())
        .to_stream()
        .to(COUNTS);
    events
        .map_values(|v: String| v.len() as i64)
        .group_by_key()
        .reduce_with(
            |a, b| a + b,
            Materialized::<String, I64>::as_("totals").lru(100),
        )
        .to_stream()
        .to(TOTALS);
    let d = TopologyTestDriver::new(b.build()?)?;
    let mut input = d.create_input_topic(EVENTS);
    for (k, v) in [("a", "x"), ("b", "yy"), ("a", "zzz")] {
        input.pipe_input(k, v)?;
    }
    assert_eq!(
        d.create_output_topic(COUNTS).read_key_values_to_vec()?,
        vec![
            ("a".to_string(), 1),
            ("b".to_string(), 1),
            ("a".to_string(), 2)
        ]
    );
    assert_eq!(
        d.create_output_topic(TOTALS).read_key_values_to_vec()?,
        vec![
            ("a".to_string(), 1),
            ("b".to_string(), 2),
            ("a".to_string(), 4)
        ]
    );
    let counts = d.get_key_value_store::<String, I64>("counts")?;
    assert_eq!(counts.get(&"a".to_string())?, Some(2));
    Ok(())
}

#[cfg(not(feature = "rocksdb"))]
#[test]
fn a_persistent_store_without_rocksdb_is_refused_by_name() {
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .count_with(Materialized::<String, I64>::as_("durable-counts"))
        .to_stream()
        .to(COUNTS);
    let err = b.build().expect_err("a RocksDB store needs the feature");
    let message = err.to_string();
    for needle in [
        "durable-counts",
        "`rocksdb` feature",
        "Materialized::in_memory()",
    ] {
        assert!(
            message.contains(needle),
            "`{needle}` missing from: {message}"
        );
    }
}
