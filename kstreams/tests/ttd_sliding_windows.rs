//! Sliding windows (KIP-450) in the TopologyTestDriver, against Kafka
//! Streams' `KStreamSlidingWindowAggregate` (the reverse-iterator path,
//! which Java takes with its RocksDB and in-memory window stores).
//!
//! Expected outputs are derived by hand from Java's algorithm, record by
//! record, in the comments: `d` is the time difference, `W(s)` the window
//! `[s, s + d]`, and a store entry `s: (aggregate, timestamp)`. Every
//! update is forwarded (no cache), with the window's timestamp (the
//! largest record timestamp in it).

use std::time::Duration;

use kstreams::dsl::{
    BufferConfig, Materialized, SlidingWindows, StreamsBuilder, Suppressed, Topic,
};
use kstreams::serde::{TimeWindowed, I64};
use kstreams::test_driver::TopologyTestDriver;

const EVENTS: Topic<String, String, 1> = Topic::new("events");
/// Windows of d = 10 ms: the serde's size is the time difference.
const COUNTS: Topic<TimeWindowed<String, 10>, I64, 1> = Topic::new("counts");
const SUMS: Topic<TimeWindowed<String, 10>, I64, 1> = Topic::new("sums");
const NUMBERS: Topic<String, I64, 1> = Topic::new("numbers");

/// `(start, end, value, timestamp)` of one output record.
type Row = (i64, i64, i64, i64);

fn counts(grace_ms: u64) -> kstreams::Result<TopologyTestDriver> {
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .windowed_by(SlidingWindows::of_time_difference_and_grace(
            Duration::from_millis(10),
            Duration::from_millis(grace_ms),
        ))
        .count()
        .to_stream()
        .to(COUNTS);
    TopologyTestDriver::new(b.build()?)
}

fn read(d: &TopologyTestDriver) -> kstreams::Result<Vec<Row>> {
    Ok(d.create_output_topic(COUNTS)
        .read_records_to_vec()?
        .into_iter()
        .map(|r| {
            (
                r.key.window.start_ms,
                r.key.window.end_ms,
                r.value,
                r.timestamp,
            )
        })
        .collect())
}

#[test]
fn left_and_right_windows_follow_kip_450_with_out_of_order_records() -> kstreams::Result<()> {
    let d = counts(100)?;
    let mut input = d.create_input_topic(EVENTS);

    // t=20: nothing in [0, 21]; left window W(10) = 1.
    input.pipe_input_with_timestamp("a", "x", 20)?;
    assert_eq!(read(&d)?, vec![(10, 20, 1, 20)]);

    // t=25: backward over [5, 26]: 10:(1,20) ends before 25 → left agg,
    // previous record 20. Previous record's right window W(21) is missing
    // and 21 + 10 >= 25: created, 1. Left window W(15): 25 − 10 <= 20, so
    // it starts from W(10)'s aggregate: 2.
    input.pipe_input_with_timestamp("a", "x", 25)?;
    assert_eq!(read(&d)?, vec![(21, 31, 1, 25), (15, 25, 2, 25)]);

    // t=22, out of order: backward over [2, 23]: 21:(1,25) and 15:(2,25)
    // contain 22 → 2 and 3 (timestamps stay 25; the first is the right
    // agg); 10:(1,20) ends before → left agg, previous 20. W(21) exists.
    // Left W(12) from W(10): 2 at 22. Right W(23) copies (1,25).
    input.pipe_input_with_timestamp("a", "x", 22)?;
    assert_eq!(
        read(&d)?,
        vec![
            (21, 31, 2, 25),
            (15, 25, 3, 25),
            (12, 22, 2, 22),
            (23, 33, 1, 25)
        ]
    );

    // t=40: backward over [20, 41]: 23:(1,25) ends before → previous 25.
    // W(26) would end at 36 < 40: not created. 40 − 10 > 25: left W(30)
    // starts empty: 1.
    input.pipe_input_with_timestamp("a", "x", 40)?;
    assert_eq!(read(&d)?, vec![(30, 40, 1, 40)]);

    // t=33, out of order: backward over [13, 34]: 30:(1,40) contains it →
    // 2 (right agg); 23:(1,25) ends at 33 = t → it is the left window: 2
    // at 33, and its max timestamp 25 < 33 → previous 25; 21:(2,25) ends
    // before → stop. Previous record's right window W(26) is missing and
    // 26 + 10 >= 33: 1. Right window W(34) copies (1,40).
    input.pipe_input_with_timestamp("a", "x", 33)?;
    assert_eq!(
        read(&d)?,
        vec![
            (30, 40, 2, 40),
            (23, 33, 2, 33),
            (26, 36, 1, 33),
            (34, 44, 1, 40)
        ]
    );
    assert_eq!(d.metrics().dropped_records_total(), 0);
    Ok(())
}

#[test]
fn early_records_share_the_window_from_zero() -> kstreams::Result<()> {
    let d = counts(100)?;
    let mut input = d.create_input_topic(EVENTS);

    // t=3 < d: early. Nothing in [0, 4]: W(0) = [0, 10] gets 1.
    input.pipe_input_with_timestamp("a", "x", 3)?;
    assert_eq!(read(&d)?, vec![(0, 10, 1, 3)]);

    // t=8: forward over [0, 9]: 0:(1,3) is the combined window, 3 < 8 →
    // previous 3. No right agg (W(0)'s timestamp 3 <= 8). Previous
    // record's right window W(4): 1. Then W(0): 2 at 8.
    input.pipe_input_with_timestamp("a", "x", 8)?;
    assert_eq!(read(&d)?, vec![(4, 14, 1, 8), (0, 10, 2, 8)]);

    // t=1: over [0, 2]: 0:(2,8), not before 1 → no previous. No right agg
    // found, but W(0)'s timestamp 8 > 1 → the right window W(2) copies
    // (2,8). Then W(0): 3, timestamp stays 8.
    input.pipe_input_with_timestamp("a", "x", 1)?;
    assert_eq!(read(&d)?, vec![(2, 12, 2, 8), (0, 10, 3, 8)]);

    // t=12 >= d: backward over [0, 13]: 4:(1,8) contains 12 → 2 (right agg
    // (1,8)); 2:(2,8) ends at 12 = t → left window, 3, previous 8;
    // 0:(3,8) ends before → stop. W(9) is missing and 9 + 10 >= 12: 1.
    // The right agg's timestamp 8 is not after 12: no right window.
    input.pipe_input_with_timestamp("a", "x", 12)?;
    assert_eq!(
        read(&d)?,
        vec![(4, 14, 2, 12), (2, 12, 3, 12), (9, 19, 1, 12)]
    );
    Ok(())
}

#[test]
fn closed_windows_are_skipped_and_counted_once_each() -> kstreams::Result<()> {
    // Grace 5: close = stream time − 5.
    let d = counts(5)?;
    let mut input = d.create_input_topic(EVENTS);
    input.pipe_input_with_timestamp("a", "x", 100)?; // W(90) = 1; close 95
                                                     // t=84: its right window would end at 94 < 95: dropped outright (1).
    input.pipe_input_with_timestamp("a", "x", 84)?;
    // t=85: 95 is not before the close. Nothing in [65, 86]; the left
    // window W(75) ends at 85 < 95: skipped, counted (2). No output.
    input.pipe_input_with_timestamp("a", "x", 85)?;
    // t=92: backward over [72, 93]: 90:(1,100) contains it → 2, right agg.
    // Left W(82) ends at 92 < 95: skipped (3). Right window W(93) copies
    // (1,100) (Java creates it without checking the close).
    input.pipe_input_with_timestamp("a", "x", 92)?;
    assert_eq!(
        read(&d)?,
        vec![(90, 100, 1, 100), (90, 100, 2, 100), (93, 103, 1, 100)]
    );
    assert_eq!(d.metrics().dropped_records_total(), 3);
    Ok(())
}

#[test]
fn reduce_and_aggregate_fold_the_values_of_each_window() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    let windowed = b.stream(NUMBERS).group_by_key().windowed_by(
        SlidingWindows::of_time_difference_with_no_grace(Duration::from_millis(10)),
    );
    windowed
        .reduce_with(
            |a, b| a + b,
            Materialized::<String, I64>::as_("sums").in_memory(),
        )
        .to_stream()
        .to(SUMS);
    windowed
        .aggregate(|| 100, |_, v, agg: i64| agg + v)
        .to_stream()
        .to(COUNTS);
    let d = TopologyTestDriver::new(b.build()?)?;
    let mut input = d.create_input_topic(NUMBERS);
    input.pipe_input_with_timestamp("a", 1, 20)?; // W(10) = 1
    input.pipe_input_with_timestamp("a", 2, 25)?; // W(21) = 2, W(15) = 1 + 2
    let sums: Vec<Row> = d
        .create_output_topic(SUMS)
        .read_records_to_vec()?
        .into_iter()
        .map(|r| {
            (
                r.key.window.start_ms,
                r.key.window.end_ms,
                r.value,
                r.timestamp,
            )
        })
        .collect();
    assert_eq!(
        sums,
        vec![(10, 20, 1, 20), (21, 31, 2, 25), (15, 25, 3, 25)]
    );
    // The initializer (100) starts each new window; W(15) starts from W(10).
    assert_eq!(
        read(&d)?,
        vec![(10, 20, 101, 20), (21, 31, 102, 25), (15, 25, 103, 25)]
    );
    Ok(())
}

#[test]
fn suppress_emits_sliding_windows_once_closed() -> kstreams::Result<()> {
    // d = 10, grace 5: a window is final once stream time − 5 reaches its end.
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .windowed_by(SlidingWindows::of_time_difference_and_grace(
            Duration::from_millis(10),
            Duration::from_millis(5),
        ))
        .count()
        .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
        .to_stream()
        .to(COUNTS);
    let d = TopologyTestDriver::new(b.build()?)?;
    let mut input = d.create_input_topic(EVENTS);
    input.pipe_input_with_timestamp("a", "x", 20)?; // W(10) = 1
    assert!(read(&d)?.is_empty());
    // t=25: W(21) = 1, W(15) = 2; expiry 20: W(10) (end 20) is final.
    input.pipe_input_with_timestamp("a", "x", 25)?;
    assert_eq!(read(&d)?, vec![(10, 20, 1, 20)]);
    // t=40: W(30) = 1 (no shared window with 25). Expiry 35: W(15) and
    // W(21) (ends 25, 31) are final, in order of their ends.
    input.pipe_input_with_timestamp("a", "x", 40)?;
    assert_eq!(read(&d)?, vec![(15, 25, 2, 25), (21, 31, 1, 25)]);
    Ok(())
}

#[test]
fn describe_names_the_sliding_reduce_and_its_store_as_java() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    b.stream(NUMBERS)
        .group_by_key()
        .windowed_by(SlidingWindows::of_time_difference_with_no_grace(
            Duration::from_millis(10),
        ))
        .reduce(|a, b| a + b)
        .to_stream()
        .to(SUMS);
    let description = b.build()?.describe().to_string();
    assert!(
        description.contains(
            "Processor: KSTREAM-REDUCE-0000000002 (stores: [KSTREAM-REDUCE-STATE-STORE-0000000001])"
        ),
        "{description}"
    );
    Ok(())
}

/// Java's sliding-window results are the input record with a new key,
/// value and timestamp (`record.withKey(..)`): its headers stay.
#[test]
fn sliding_results_keep_the_input_headers() -> kstreams::Result<()> {
    let d = counts(100)?;
    let mut input = d.create_input_topic(EVENTS);
    let mut headers = kstreams::Headers::new();
    headers.add("trace", Some(b"abc".to_vec()));
    input.pipe_record(
        kstreams::Record::new("a".to_string(), "x".to_string(), 20).with_headers(headers),
    )?;
    let out = d.create_output_topic(COUNTS).read_records_to_vec()?;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].headers.last("trace"), Some(Some(&b"abc"[..])));
    Ok(())
}
