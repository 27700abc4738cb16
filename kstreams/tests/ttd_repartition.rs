//! `repartition`: round trip through `<application.id>-<name>-repartition`,
//! sub-topologies and partitioning of the internal topic.

use kstreams::processor::partitioner::partition_for_key;
use kstreams::{Repartitioned, StreamsBuilder, Topic, TopologyTestDriver};

const IN: Topic<String, String, 3> = Topic::new("clicks");
const OUT: Topic<String, String, 3> = Topic::new("by-user");

fn topology(repartitioned: Repartitioned<String, String>) -> kstreams::Result<kstreams::Topology> {
    let b = StreamsBuilder::new();
    b.stream(IN)
        .select_key(|_, v: &String| v.clone())
        .repartition(repartitioned)
        .map_values(|v| v + "!")
        .to(OUT);
    b.build()
}

#[test]
fn round_trip_through_the_internal_topic() -> kstreams::Result<()> {
    let d = TopologyTestDriver::with_settings(
        topology(Repartitioned::new().with_name("users"))?,
        "app",
        0,
    )?;
    const INTERNAL: Topic<String, String, 3> = Topic::new("app-users-repartition");
    let internal = d.create_output_topic(INTERNAL);
    d.create_input_topic(IN)
        .pipe_input_with_timestamp("page-1", "alice", 99)?;
    // The record went through the repartition topic, partitioned by its new key ...
    let written = internal.read_records_with_partition()?;
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].0, Some(partition_for_key(b"alice", 3)));
    assert_eq!(written[0].1.key, "alice");
    // ... and on into the second sub-topology, keeping its timestamp.
    let out = d.create_output_topic(OUT).read_record()?;
    assert_eq!(
        (out.key.as_str(), out.value.as_str(), out.timestamp),
        ("alice", "alice!", 99)
    );
    Ok(())
}

#[test]
fn repartition_splits_the_topology_in_two() -> kstreams::Result<()> {
    let text = topology(Repartitioned::new().with_name("users"))?
        .describe()
        .to_string();
    let expected = "\
Topologies:
   Sub-topology: 0
    Source: KSTREAM-SOURCE-0000000000 (topics: [clicks])
      --> KSTREAM-KEY-SELECT-0000000001
    Processor: KSTREAM-KEY-SELECT-0000000001 (stores: [])
      --> users-repartition-filter
      <-- KSTREAM-SOURCE-0000000000
    Processor: users-repartition-filter (stores: [])
      --> users-repartition-sink
      <-- KSTREAM-KEY-SELECT-0000000001
    Sink: users-repartition-sink (topic: users-repartition)
      <-- users-repartition-filter

  Sub-topology: 1
    Source: users-repartition-source (topics: [users-repartition])
      --> KSTREAM-MAPVALUES-0000000005
    Processor: KSTREAM-MAPVALUES-0000000005 (stores: [])
      --> KSTREAM-SINK-0000000006
      <-- users-repartition-source
    Sink: KSTREAM-SINK-0000000006 (topic: by-user)
      <-- KSTREAM-MAPVALUES-0000000005

";
    assert_eq!(text, expected);
    Ok(())
}

#[test]
fn generated_repartition_names_burn_indexes_like_kafka_streams() -> kstreams::Result<()> {
    let text = topology(Repartitioned::new())?.describe().to_string();
    assert!(
        text.contains(
            "Sink: KSTREAM-SINK-0000000003 (topic: KSTREAM-REPARTITION-0000000002-repartition)"
        ),
        "{text}"
    );
    assert!(
        text.contains("Processor: KSTREAM-FILTER-0000000004 (stores: [])"),
        "{text}"
    );
    assert!(text.contains("Source: KSTREAM-SOURCE-0000000005 (topics: [KSTREAM-REPARTITION-0000000002-repartition])"), "{text}");
    Ok(())
}

#[test]
fn internal_topic_partitions_default_to_upstream_and_can_be_set() -> kstreams::Result<()> {
    // Inferred from the source topic (3 partitions).
    let d = TopologyTestDriver::with_settings(
        topology(Repartitioned::new().with_name("u"))?,
        "app",
        0,
    )?;
    const U3: Topic<String, String, 3> = Topic::new("app-u-repartition");
    let internal = d.create_output_topic(U3);
    d.create_input_topic(IN)
        .pipe_key_values((0..20).map(|i| ("k", format!("user-{i}"))))?;
    let partitions: Vec<i32> = internal
        .read_records_with_partition()?
        .iter()
        .filter_map(|(p, _)| *p)
        .collect();
    assert!(partitions.iter().all(|p| (0..3).contains(p)));
    assert!(
        partitions.contains(&2),
        "20 keys over 3 partitions use partition 2: {partitions:?}"
    );

    // Given explicitly.
    let d = TopologyTestDriver::with_settings(
        topology(Repartitioned::new().with_name("u").with_partitions(1))?,
        "app",
        0,
    )?;
    const U1: Topic<String, String, 1> = Topic::new("app-u-repartition");
    let internal = d.create_output_topic(U1);
    d.create_input_topic(IN)
        .pipe_key_values((0..20).map(|i| ("k", format!("user-{i}"))))?;
    assert!(internal
        .read_records_with_partition()?
        .iter()
        .all(|(p, _)| *p == Some(0)));
    Ok(())
}
