//! Aggregations and KTables in the TopologyTestDriver: count, reduce,
//! aggregate, table updates and tombstones, KGroupedTable adder/subtractor
//! with old values, the record cache on and off, and the repartition topic
//! inserted after a key change.

use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::serde::I64;
use kstreams::test_driver::{DriverConfig, TopologyTestDriver};

const EVENTS: Topic<String, String, 1> = Topic::new("events");
const COUNTS: Topic<String, I64, 1> = Topic::new("counts");

fn counter(materialized: Materialized<String, I64>) -> kstreams::Result<kstreams::Topology> {
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .count_with(materialized)
        .to_stream()
        .to(COUNTS);
    b.build()
}

fn driver(
    topology: kstreams::Topology,
    cache_max_bytes: usize,
    commit_after_each_input: bool,
) -> kstreams::Result<TopologyTestDriver> {
    let config = DriverConfig {
        cache_max_bytes,
        commit_after_each_input,
        ..DriverConfig::default()
    };
    TopologyTestDriver::with_config(topology, config)
}

#[test]
fn count_emits_per_record_and_fills_the_store_and_changelog() -> kstreams::Result<()> {
    let d = TopologyTestDriver::new(counter(Materialized::as_("counts-store"))?)?;
    let mut input = d.create_input_topic(EVENTS);
    for key in ["a", "b", "a", "a"] {
        input.pipe_input(key, "x")?;
    }
    let out = d.create_output_topic(COUNTS).read_key_values_to_vec()?;
    let expected: Vec<(String, i64)> = vec![
        ("a".into(), 1),
        ("b".into(), 1),
        ("a".into(), 2),
        ("a".into(), 3),
    ];
    assert_eq!(out, expected);
    let store = d.get_key_value_store::<String, I64>("counts-store")?;
    assert_eq!(store.get(&"a".to_string())?, Some(3));
    assert_eq!(store.get(&"b".to_string())?, Some(1));
    // Every update reached the changelog (the driver commits after each
    // record), in Java's timestamped layout: `[timestamp: 8 BE][value]`
    // (`ValueAndTimestampSerializer`), the input records being at time 0.
    let changelog = d.changelog("counts-store");
    assert_eq!(changelog.len(), 4);
    assert_eq!(
        changelog.last().map(|(k, v)| (k.clone(), v.clone())),
        Some((
            b"a".to_vec(),
            Some([0i64.to_be_bytes(), 3i64.to_be_bytes()].concat())
        ))
    );
    Ok(())
}

#[test]
fn cache_on_emits_the_latest_value_per_key_per_commit() -> kstreams::Result<()> {
    let d = driver(counter(Materialized::new())?, 10 << 20, false)?;
    let mut input = d.create_input_topic(EVENTS);
    let output = d.create_output_topic(COUNTS);
    for key in ["a", "b", "a", "a", "b"] {
        input.pipe_input(key, "x")?;
    }
    assert!(
        output.is_empty(),
        "updates wait in the cache until the commit"
    );
    d.commit()?;
    let mut out = output.read_key_values_to_vec()?;
    out.sort();
    assert_eq!(out, vec![("a".to_string(), 3), ("b".to_string(), 2)]);
    input.pipe_input("a", "x")?;
    d.commit()?;
    assert_eq!(output.read_key_values_to_vec()?, vec![("a".to_string(), 4)]);
    Ok(())
}

#[test]
fn cache_off_emits_every_update() -> kstreams::Result<()> {
    for (label, topology, budget) in [
        ("budget 0", counter(Materialized::new())?, 0),
        (
            "caching disabled",
            counter(Materialized::new().with_caching_disabled())?,
            10 << 20,
        ),
    ] {
        let d = driver(topology, budget, false)?;
        let mut input = d.create_input_topic(EVENTS);
        for key in ["a", "b", "a"] {
            input.pipe_input(key, "x")?;
        }
        let out = d.create_output_topic(COUNTS).read_key_values_to_vec()?;
        assert_eq!(
            out,
            vec![
                ("a".to_string(), 1),
                ("b".to_string(), 1),
                ("a".to_string(), 2)
            ],
            "{label}"
        );
    }
    Ok(())
}

#[test]
fn reduce_and_aggregate() -> kstreams::Result<()> {
    const AMOUNTS: Topic<String, I64, 1> = Topic::new("amounts");
    const SUMS: Topic<String, I64, 1> = Topic::new("sums");
    const MAXES: Topic<String, String, 1> = Topic::new("maxes");
    let b = StreamsBuilder::new();
    let amounts = b.stream(AMOUNTS);
    amounts
        .group_by_key()
        .reduce(|a, b| a + b)
        .to_stream()
        .to(SUMS);
    amounts
        .group_by_key()
        .aggregate(String::new, |_, v: i64, acc: String| format!("{acc}{v};"))
        .to_stream()
        .to(MAXES);
    let d = TopologyTestDriver::new(b.build()?)?;
    let mut input = d.create_input_topic(AMOUNTS);
    input.pipe_input("k", 3)?;
    input.pipe_input("k", 4)?;
    input.pipe_input("j", 1)?;
    assert_eq!(
        d.create_output_topic(SUMS).read_values_to_vec()?,
        vec![3, 7, 1]
    );
    assert_eq!(
        d.create_output_topic(MAXES).read_values_to_vec()?,
        vec!["3;", "3;4;", "1;"]
    );
    Ok(())
}

#[test]
fn ktable_updates_and_tombstones() -> kstreams::Result<()> {
    const PRICES: Topic<String, String, 1> = Topic::new("prices");
    const PRICES_IN: Topic<String, Option<String>, 1> = Topic::new("prices");
    const CHANGES: Topic<String, Option<String>, 1> = Topic::new("price-changes");
    let b = StreamsBuilder::new();
    b.table_with(PRICES, Materialized::as_("prices-store").in_memory())
        .filter(|k, _| k != "HIDDEN")
        .to_changelog_stream()
        .to(CHANGES);
    let d = TopologyTestDriver::new(b.build()?)?;
    let mut input = d.create_input_topic(PRICES_IN);
    input.pipe_input("YERB", Some("105.24".to_string()))?;
    input.pipe_input("YERB", Some("105.36".to_string()))?;
    input.pipe_input("HIDDEN", Some("1".to_string()))?;
    input.pipe_input("YERB", None)?;
    input.pipe_input("NOPE", None)?; // deleting an absent key emits nothing
    let out = d.create_output_topic(CHANGES).read_key_values_to_vec()?;
    let expected = vec![
        ("YERB".to_string(), Some("105.24".to_string())),
        ("YERB".to_string(), Some("105.36".to_string())),
        ("YERB".to_string(), None),
    ];
    assert_eq!(out, expected);
    let store = d.get_key_value_store::<String, String>("prices-store")?;
    assert_eq!(store.get(&"YERB".to_string())?, None);
    assert_eq!(store.get(&"HIDDEN".to_string())?, Some("1".to_string()));
    assert_eq!(
        d.changelog("prices-store").last().map(|(_, v)| v.is_none()),
        Some(true),
        "delete logged as a tombstone"
    );
    Ok(())
}

#[test]
fn grouped_table_subtractor_receives_the_old_value() -> kstreams::Result<()> {
    // symbol → "industry:volume"; total volume per industry.
    const VOLUMES: Topic<String, String, 1> = Topic::new("volumes");
    const VOLUMES_IN: Topic<String, Option<String>, 1> = Topic::new("volumes");
    const TOTALS: Topic<String, String, 1> = Topic::new("totals");
    let b = StreamsBuilder::new();
    b.table(VOLUMES)
        .group_by(|_, v: &String| {
            let (industry, volume) = v.split_once(':').unwrap_or((v, "0"));
            (industry.to_string(), volume.to_string())
        })
        .aggregate(
            String::new,
            |_, v: String, log: String| format!("{log}+{v}"),
            |_, old: String, log: String| format!("{log}-{old}"),
        )
        .to_stream()
        .to(TOTALS);
    let topology = b.build()?;
    assert!(topology
        .describe()
        .to_string()
        .contains("KTABLE-AGGREGATE-STATE-STORE-0000000004-repartition"));
    let d = TopologyTestDriver::new(topology)?;
    let mut input = d.create_input_topic(VOLUMES_IN);
    let output = d.create_output_topic(TOTALS);
    input.pipe_input("YERB", Some("tech:100".to_string()))?;
    input.pipe_input("YERB", Some("tech:120".to_string()))?; // same group: -100 then +120
    input.pipe_input("YERB", Some("energy:5".to_string()))?; // moves: tech -120, energy +5
    input.pipe_input("YERB", None)?; // deleted: energy -5
    let out = output.read_key_values_to_vec()?;
    let last = |k: &str| {
        out.iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(last("tech").as_deref(), Some("+100-100+120-120"));
    assert_eq!(last("energy").as_deref(), Some("+5-5"));
    Ok(())
}

#[test]
fn select_key_then_count_repartitions_through_the_store_named_topic() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .select_key(|_, v: &String| v.clone())
        .group_by_key()
        .count()
        .to_stream()
        .to(COUNTS);
    let topology = b.build()?;
    let text = topology.describe().to_string();
    let expected = "\
Topologies:
   Sub-topology: 0
    Source: KSTREAM-SOURCE-0000000000 (topics: [events])
      --> KSTREAM-KEY-SELECT-0000000001
    Processor: KSTREAM-KEY-SELECT-0000000001 (stores: [])
      --> KSTREAM-FILTER-0000000005
      <-- KSTREAM-SOURCE-0000000000
    Processor: KSTREAM-FILTER-0000000005 (stores: [])
      --> KSTREAM-SINK-0000000004
      <-- KSTREAM-KEY-SELECT-0000000001
    Sink: KSTREAM-SINK-0000000004 (topic: KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition)
      <-- KSTREAM-FILTER-0000000005

  Sub-topology: 1
    Source: KSTREAM-SOURCE-0000000006 (topics: [KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition])
      --> KSTREAM-AGGREGATE-0000000003
    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000002])
      --> KTABLE-TOSTREAM-0000000007
      <-- KSTREAM-SOURCE-0000000006
    Processor: KTABLE-TOSTREAM-0000000007 (stores: [])
      --> KSTREAM-SINK-0000000008
      <-- KSTREAM-AGGREGATE-0000000003
    Sink: KSTREAM-SINK-0000000008 (topic: counts)
      <-- KTABLE-TOSTREAM-0000000007
";
    assert_eq!(text.trim_end(), expected.trim_end(), "\n{text}");
    let d = TopologyTestDriver::new(topology)?;
    let mut input = d.create_input_topic(EVENTS);
    input.pipe_input("1", "alice")?;
    input.pipe_input("2", "alice")?;
    input.pipe_input("3", "bob")?;
    let out = d.create_output_topic(COUNTS).read_key_values_to_vec()?;
    assert_eq!(
        out,
        vec![
            ("alice".to_string(), 1),
            ("alice".to_string(), 2),
            ("bob".to_string(), 1)
        ]
    );
    Ok(())
}

#[test]
fn group_by_key_without_key_change_does_not_repartition() -> kstreams::Result<()> {
    let text = counter(Materialized::new())?.describe().to_string();
    assert!(!text.contains("repartition"), "{text}");
    assert!(
        text.contains("(stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000001])"),
        "{text}"
    );
    Ok(())
}
