//! `split` (named branches, default branch, dropped records) and `merge`.

use kstreams::serde::I64;
use kstreams::{StreamsBuilder, Topic, TopologyTestDriver};

const IN: Topic<String, I64, 1> = Topic::new("numbers");
const SMALL: Topic<String, I64, 1> = Topic::new("small");
const LARGE: Topic<String, I64, 1> = Topic::new("large");
const REST: Topic<String, I64, 1> = Topic::new("rest");

#[test]
fn first_matching_branch_wins_and_default_takes_the_rest() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    let branches = b
        .stream(IN)
        .named("n-")
        .split()
        .branch_as("small", |_, v| *v < 10)
        .branch_as("large", |_, v| *v >= 5) // 5..10 also match here, but "small" comes first
        .default_branch_as("rest");
    assert_eq!(
        branches.keys().collect::<Vec<_>>(),
        vec!["n-large", "n-rest", "n-small"]
    );
    branches["n-small"].to(SMALL);
    branches["n-large"].to(LARGE);
    branches["n-rest"].to(REST);
    let d = TopologyTestDriver::new(b.build()?)?;
    d.create_input_topic(IN)
        .pipe_key_values([("a", 1), ("b", 7), ("c", 100), ("d", -5)])?;
    assert_eq!(
        d.create_output_topic(SMALL).read_values_to_vec()?,
        vec![1, 7, -5]
    );
    assert_eq!(
        d.create_output_topic(LARGE).read_values_to_vec()?,
        vec![100]
    );
    assert!(d.create_output_topic(REST).is_empty());
    Ok(())
}

#[test]
fn default_branch_receives_records_matching_nothing() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    let branches = b.stream(IN).split().branch(|_, v| *v > 0).default_branch();
    // Generated names: splitter KSTREAM-BRANCH-0000000001, branches + index (default: 0).
    branches["KSTREAM-BRANCH-00000000011"].to(LARGE);
    branches["KSTREAM-BRANCH-00000000010"].to(REST);
    let d = TopologyTestDriver::new(b.build()?)?;
    d.create_input_topic(IN)
        .pipe_key_values([("a", 3), ("b", -3), ("c", 0)])?;
    assert_eq!(d.create_output_topic(LARGE).read_values_to_vec()?, vec![3]);
    assert_eq!(
        d.create_output_topic(REST).read_values_to_vec()?,
        vec![-3, 0]
    );
    Ok(())
}

#[test]
fn without_default_branch_unmatched_records_are_dropped() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    let branches = b
        .stream(IN)
        .named("s-")
        .split()
        .branch_as("even", |_, v| v % 2 == 0)
        .no_default_branch();
    assert_eq!(branches.len(), 1);
    branches["s-even"].to(SMALL);
    let topology = b.build()?;
    let d = TopologyTestDriver::new(topology)?;
    d.create_input_topic(IN)
        .pipe_key_values([("a", 1), ("b", 2), ("c", 3), ("d", 4)])?;
    assert_eq!(
        d.create_output_topic(SMALL).read_values_to_vec()?,
        vec![2, 4]
    );
    assert!(
        d.producer_topics().is_empty(),
        "nothing else was written anywhere"
    );
    Ok(())
}

#[test]
fn split_describes_branch_children_like_kafka_streams() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    let branches = b
        .stream(IN)
        .split()
        .branch(|_, v| *v > 0)
        .branch(|_, _| true)
        .no_default_branch();
    branches["KSTREAM-BRANCH-00000000011"].to(SMALL);
    let text = b.build()?.describe().to_string();
    assert!(text.contains("Processor: KSTREAM-BRANCH-0000000001 (stores: [])\n      --> KSTREAM-BRANCH-00000000011, KSTREAM-BRANCH-00000000012\n"), "{text}");
    // Two branch children burned indexes 2 and 3: the sink is 4.
    assert!(
        text.contains("Sink: KSTREAM-SINK-0000000004 (topic: small)"),
        "{text}"
    );
    Ok(())
}

#[test]
fn merge_combines_both_inputs() -> kstreams::Result<()> {
    const A: Topic<String, I64, 1> = Topic::new("a");
    const B: Topic<String, I64, 1> = Topic::new("b");
    let b = StreamsBuilder::new();
    b.stream(A)
        .merge(&b.stream(B).map_values(|v| v * 10))
        .to(REST);
    let topology = b.build()?;
    assert!(topology
        .describe()
        .to_string()
        .contains("<-- KSTREAM-MAPVALUES-0000000002, KSTREAM-SOURCE-0000000000"));
    let d = TopologyTestDriver::new(topology)?;
    let (mut a, mut bb) = (d.create_input_topic(A), d.create_input_topic(B));
    a.pipe_input_with_timestamp("k", 1, 10)?;
    bb.pipe_input_with_timestamp("k", 2, 5)?;
    a.pipe_input_with_timestamp("k", 3, 20)?;
    assert_eq!(
        d.create_output_topic(REST).read_values_to_vec()?,
        vec![1, 20, 3]
    );
    Ok(())
}
