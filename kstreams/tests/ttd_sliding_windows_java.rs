//! Kafka Streams' own expectations for sliding windows, ported from
//! `KStreamSlidingWindowAggregateTest` (apache/kafka, `streams/src/test/
//! java/org/apache/kafka/streams/kstream/internals/`), the eager-emit
//! cases: `testAggregateSmallInput`, `testAggregateLargeInput` and
//! `testEarlyRecordsSmallInput`, with the same inputs and the same
//! expected outputs (Java's `MockInitializer.STRING_INIT` is "0" and
//! `MockAggregator.TOSTRING_ADDER` appends "+value").
//!
//! As Java's test, the small-input cases compare, per window start, the
//! set of (value, timestamp) forwarded; the large-input case compares
//! every update forwarded, stably sorted by key and window start.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use kstreams::dsl::{SlidingWindows, StreamsBuilder, Topic};
use kstreams::serde::TimeWindowed;
use kstreams::test_driver::TopologyTestDriver;

const TOPIC: Topic<String, String, 1> = Topic::new("topic");
const OUT_10: Topic<TimeWindowed<String, 10>, String, 1> = Topic::new("out-10");
const OUT_50: Topic<TimeWindowed<String, 50>, String, 1> = Topic::new("out-50");

/// Every update as (key, window start, value, timestamp).
type Updates = Vec<(String, i64, String, i64)>;

/// Java's `MockInitializer.STRING_INIT` and `MockAggregator.TOSTRING_ADDER`.
fn string_adder(
    b: &StreamsBuilder,
    difference_ms: u64,
    grace_ms: u64,
) -> kstreams::dsl::KTable<kstreams::serde::Windowed<String>, String> {
    b.stream(TOPIC)
        .group_by_key()
        .windowed_by(SlidingWindows::of_time_difference_and_grace(
            Duration::from_millis(difference_ms),
            Duration::from_millis(grace_ms),
        ))
        .aggregate(
            || "0".to_string(),
            |_, value, agg: String| format!("{agg}+{value}"),
        )
}

fn run_10(grace_ms: u64, input: &[(&str, &str, i64)]) -> kstreams::Result<Updates> {
    let b = StreamsBuilder::new();
    string_adder(&b, 10, grace_ms).to_stream().to(OUT_10);
    let d = TopologyTestDriver::new(b.build()?)?;
    let mut topic = d.create_input_topic(TOPIC);
    for (key, value, ts) in input {
        topic.pipe_input_with_timestamp(*key, *value, *ts)?;
    }
    Ok(d.create_output_topic(OUT_10)
        .read_records_to_vec()?
        .into_iter()
        .map(|r| (r.key.key, r.key.window.start_ms, r.value, r.timestamp))
        .collect())
}

/// Java's `gatherOutput`: window start → set of (value, timestamp).
fn gather(updates: Updates) -> BTreeMap<i64, BTreeSet<(String, i64)>> {
    let mut out: BTreeMap<i64, BTreeSet<(String, i64)>> = BTreeMap::new();
    for (_, start, value, ts) in updates {
        out.entry(start).or_default().insert((value, ts));
    }
    out
}

fn expected(rows: Vec<(i64, Vec<(&str, i64)>)>) -> BTreeMap<i64, BTreeSet<(String, i64)>> {
    rows.into_iter()
        .map(|(start, set)| {
            (
                start,
                set.into_iter().map(|(v, t)| (v.to_string(), t)).collect(),
            )
        })
        .collect()
}

#[test]
fn javas_aggregate_small_input() -> kstreams::Result<()> {
    let input = [
        ("A", "1", 10),
        ("A", "2", 10),
        ("A", "3", 14),
        ("A", "4", 15),
        ("A", "5", 20),
        ("A", "6", 22),
        ("A", "7", 30),
    ];
    let actual = gather(run_10(5, &input)?);
    assert_eq!(
        actual,
        expected(vec![
            (0, vec![("0+1", 10), ("0+1+2", 10)]),
            (4, vec![("0+1+2+3", 14)]),
            (5, vec![("0+1+2+3+4", 15)]),
            (10, vec![("0+1+2+3+4+5", 20)]),
            (11, vec![("0+3", 14), ("0+3+4", 15), ("0+3+4+5", 20)]),
            (12, vec![("0+3+4+5+6", 22)]),
            (15, vec![("0+4", 15), ("0+4+5", 20), ("0+4+5+6", 22)]),
            (16, vec![("0+5", 20), ("0+5+6", 22)]),
            (20, vec![("0+5+6+7", 30)]),
            (21, vec![("0+6", 22), ("0+6+7", 30)]),
            (23, vec![("0+7", 30)]),
        ])
    );
    Ok(())
}

#[test]
fn javas_aggregate_large_input() -> kstreams::Result<()> {
    let input = [
        ("A", "1", 10),
        ("A", "2", 20),
        ("A", "3", 22),
        ("A", "4", 15),
        ("B", "1", 12),
        ("B", "2", 13),
        ("B", "3", 18),
        ("B", "4", 19),
        ("B", "5", 25),
        ("B", "6", 14),
        ("C", "1", 11),
        ("C", "2", 15),
        ("C", "3", 16),
        ("C", "4", 21),
        ("C", "5", 23),
        ("D", "4", 11),
        ("D", "2", 12),
        ("D", "3", 29),
        ("D", "5", 16),
    ];
    let mut actual = run_10(50, &input)?;
    actual.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1))); // stable, as Java's `List.sort`
    let expected: Vec<(&str, i64, &str, i64)> = vec![
        ("A", 0, "0+1", 10),
        ("A", 5, "0+1+4", 15),
        ("A", 10, "0+1+2", 20),
        ("A", 10, "0+1+2+4", 20),
        ("A", 11, "0+2", 20),
        ("A", 11, "0+2+4", 20),
        ("A", 12, "0+2+3", 22),
        ("A", 12, "0+2+3+4", 22),
        ("A", 16, "0+2+3", 22),
        ("A", 21, "0+3", 22),
        ("B", 2, "0+1", 12),
        ("B", 3, "0+1+2", 13),
        ("B", 4, "0+1+2+6", 14),
        ("B", 8, "0+1+2+3", 18),
        ("B", 8, "0+1+2+3+6", 18),
        ("B", 9, "0+1+2+3+4", 19),
        ("B", 9, "0+1+2+3+4+6", 19),
        ("B", 13, "0+2", 13),
        ("B", 13, "0+2+3", 18),
        ("B", 13, "0+2+3+4", 19),
        ("B", 13, "0+2+3+4+6", 19),
        ("B", 14, "0+3", 18),
        ("B", 14, "0+3+4", 19),
        ("B", 14, "0+3+4+6", 19),
        ("B", 15, "0+3+4+5", 25),
        ("B", 19, "0+4", 19),
        ("B", 19, "0+4+5", 25),
        ("B", 20, "0+5", 25),
        ("C", 1, "0+1", 11),
        ("C", 5, "0+1+2", 15),
        ("C", 6, "0+1+2+3", 16),
        ("C", 11, "0+1+2+3+4", 21),
        ("C", 12, "0+2", 15),
        ("C", 12, "0+2+3", 16),
        ("C", 12, "0+2+3+4", 21),
        ("C", 13, "0+2+3+4+5", 23),
        ("C", 16, "0+3", 16),
        ("C", 16, "0+3+4", 21),
        ("C", 16, "0+3+4+5", 23),
        ("C", 17, "0+4", 21),
        ("C", 17, "0+4+5", 23),
        ("C", 22, "0+5", 23),
        ("D", 1, "0+4", 11),
        ("D", 2, "0+4+2", 12),
        ("D", 6, "0+4+2+5", 16),
        ("D", 12, "0+2", 12),
        ("D", 12, "0+2+5", 16),
        ("D", 13, "0+5", 16),
        ("D", 19, "0+3", 29),
    ];
    let expected: Updates = expected
        .into_iter()
        .map(|(k, s, v, t)| (k.to_string(), s, v.to_string(), t))
        .collect();
    assert_eq!(actual, expected);
    Ok(())
}

#[test]
fn javas_early_records_small_input() -> kstreams::Result<()> {
    // Time difference 50, no grace.
    let b = StreamsBuilder::new();
    string_adder(&b, 50, 0).to_stream().to(OUT_50);
    let d = TopologyTestDriver::new(b.build()?)?;
    let mut topic = d.create_input_topic(TOPIC);
    for (value, ts) in [
        ("1", 0),
        ("2", 5),
        ("3", 6),
        ("4", 3),
        ("5", 13),
        ("6", 10),
        ("7", 70),
    ] {
        topic.pipe_input_with_timestamp("A", value, ts)?;
    }
    let actual = gather(
        d.create_output_topic(OUT_50)
            .read_records_to_vec()?
            .into_iter()
            .map(|r| (r.key.key, r.key.window.start_ms, r.value, r.timestamp))
            .collect(),
    );
    assert_eq!(
        actual,
        expected(vec![
            (
                0,
                vec![
                    ("0+1", 0),
                    ("0+1+2", 5),
                    ("0+1+2+3", 6),
                    ("0+1+2+3+4", 6),
                    ("0+1+2+3+4+5", 13),
                    ("0+1+2+3+4+5+6", 13)
                ]
            ),
            (
                1,
                vec![
                    ("0+2", 5),
                    ("0+2+3", 6),
                    ("0+2+3+4", 6),
                    ("0+2+3+4+5", 13),
                    ("0+2+3+4+5+6", 13)
                ]
            ),
            (4, vec![("0+2+3", 6), ("0+2+3+5", 13), ("0+2+3+5+6", 13)]),
            (6, vec![("0+3", 6), ("0+3+5", 13), ("0+3+5+6", 13)]),
            (7, vec![("0+5", 13), ("0+5+6", 13)]),
            (11, vec![("0+5", 13)]),
            (20, vec![("0+7", 70)]),
        ])
    );
    Ok(())
}
