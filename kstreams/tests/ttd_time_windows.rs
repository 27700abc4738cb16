//! Tumbling and hopping windowed aggregations and `suppress` in the
//! TopologyTestDriver, with exact outputs: window boundaries, out-of-order
//! records within grace, late records beyond it (dropped and counted), the
//! result timestamps (the highest timestamp aggregated, as Java's
//! timestamped window store), and final results per window.

use std::time::Duration;

use kstreams::dsl::{BufferConfig, Materialized, StreamsBuilder, Suppressed, TimeWindows, Topic};
use kstreams::serde::{TimeWindowed, I64};
use kstreams::test_driver::TopologyTestDriver;
use kstreams::Topology;

const EVENTS: Topic<String, I64, 1> = Topic::new("events");
const OUT_10S: Topic<TimeWindowed<String, 10_000>, I64, 1> = Topic::new("per-10s");

/// (key, window start, value, timestamp) of every output record.
fn rows(driver: &TopologyTestDriver) -> kstreams::Result<Vec<(String, i64, i64, i64)>> {
    Ok(driver
        .create_output_topic(OUT_10S)
        .read_records_to_vec()?
        .into_iter()
        .map(|r| (r.key.key, r.key.window.start_ms, r.value, r.timestamp))
        .collect())
}

fn counting(windows: TimeWindows) -> kstreams::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .windowed_by(windows)
        .count()
        .to_stream()
        .to(OUT_10S);
    b.build()
}

fn pipe(driver: &TopologyTestDriver, records: &[(&str, i64)]) -> kstreams::Result<()> {
    let mut input = driver.create_input_topic(EVENTS);
    for (key, timestamp) in records {
        input.pipe_input_with_timestamp(*key, 1, *timestamp)?;
    }
    Ok(())
}

#[test]
fn tumbling_count_accepts_out_of_order_records_within_grace_and_drops_later_ones(
) -> kstreams::Result<()> {
    let windows = TimeWindows::of_size_and_grace(Duration::from_secs(10), Duration::from_secs(5));
    let driver = TopologyTestDriver::new(counting(windows)?)?;
    pipe(
        &driver,
        &[
            ("a", 1_000),  // [0, 10 s)
            ("a", 12_000), // [10 s, 20 s); stream time 12 s, windows ending after 7 s are open
            ("a", 8_000),  // out of order, [0, 10 s) still open: count 2, timestamp stays the max
            ("a", 16_000), // stream time 16 s: [0, 10 s) closes (10 s <= 16 s - 5 s)
            ("a", 3_000),  // late: dropped and counted
            ("b", 9_999),  // late too, for another key
        ],
    )?;
    assert_eq!(
        rows(&driver)?,
        vec![
            ("a".into(), 0, 1, 1_000),
            ("a".into(), 10_000, 1, 12_000),
            ("a".into(), 0, 2, 8_000),
            ("a".into(), 10_000, 2, 16_000),
        ]
    );
    assert_eq!(driver.metrics().dropped_records_total(), 2);
    Ok(())
}

#[test]
fn window_boundaries_are_start_inclusive_end_exclusive_and_no_grace_closes_at_the_end(
) -> kstreams::Result<()> {
    let windows = TimeWindows::of_size_with_no_grace(Duration::from_secs(10));
    let driver = TopologyTestDriver::new(counting(windows)?)?;
    pipe(
        &driver,
        &[("k", 0), ("k", 9_999), ("k", 10_000), ("k", 9_999)],
    )?;
    assert_eq!(
        rows(&driver)?,
        vec![
            ("k".into(), 0, 1, 0),
            ("k".into(), 0, 2, 9_999),
            ("k".into(), 10_000, 1, 10_000),
        ],
        "at stream time 10 s the window [0, 10 s) is closed without grace"
    );
    assert_eq!(driver.metrics().dropped_records_total(), 1);
    Ok(())
}

#[test]
fn hopping_windows_update_every_window_a_record_falls_in() -> kstreams::Result<()> {
    let windows = TimeWindows::of_size_with_no_grace(Duration::from_secs(10))
        .advance_by(Duration::from_secs(5));
    let driver = TopologyTestDriver::new(counting(windows)?)?;
    pipe(&driver, &[("h", 7_000), ("h", 12_000), ("h", 4_000)])?;
    assert_eq!(
        rows(&driver)?,
        vec![
            ("h".into(), 0, 1, 7_000),
            ("h".into(), 5_000, 1, 7_000),
            ("h".into(), 5_000, 2, 12_000),
            ("h".into(), 10_000, 1, 12_000),
            // 4 s falls in [0, 10 s), closed at stream time 12 s: dropped.
        ]
    );
    assert_eq!(driver.metrics().dropped_records_total(), 1);
    Ok(())
}

#[test]
fn windowed_reduce_and_aggregate_fold_per_key_and_window() -> kstreams::Result<()> {
    const SUMS: Topic<TimeWindowed<String, 10_000>, I64, 1> = Topic::new("sums");
    const MAXES: Topic<TimeWindowed<String, 10_000>, I64, 1> = Topic::new("maxes");
    let windows = TimeWindows::of_size_with_no_grace(Duration::from_secs(10));
    let b = StreamsBuilder::new();
    let grouped = b.stream(EVENTS).group_by_key();
    grouped
        .windowed_by(windows)
        .reduce_with(
            |a, b| a + b,
            Materialized::<String, I64>::as_("sums").in_memory(),
        )
        .to_stream()
        .to(SUMS);
    grouped
        .windowed_by(windows)
        .aggregate(|| i64::MIN, |_, v, max: i64| max.max(v))
        .to_stream()
        .to(MAXES);
    let driver = TopologyTestDriver::new(b.build()?)?;
    let mut input = driver.create_input_topic(EVENTS);
    for (key, value, ts) in [
        ("x", 5, 1_000),
        ("y", 7, 2_000),
        ("x", -2, 3_000),
        ("x", 4, 11_000),
    ] {
        input.pipe_input_with_timestamp(key, value, ts)?;
    }
    let read = |topic: Topic<TimeWindowed<String, 10_000>, I64, 1>| -> kstreams::Result<Vec<(String, i64, i64)>> {
        Ok(driver
            .create_output_topic(topic)
            .read_key_values_to_vec()?
            .into_iter()
            .map(|(w, v)| (w.key, w.window.start_ms, v))
            .collect())
    };
    assert_eq!(
        read(SUMS)?,
        vec![
            ("x".into(), 0, 5),
            ("y".into(), 0, 7),
            ("x".into(), 0, 3),
            ("x".into(), 10_000, 4)
        ]
    );
    assert_eq!(
        read(MAXES)?,
        vec![
            ("x".into(), 0, 5),
            ("y".into(), 0, 7),
            ("x".into(), 0, 5),
            ("x".into(), 10_000, 4)
        ]
    );
    // The store is a timestamped window store: its changelog keys are
    // Java's `[key][start: 8][seq: 4]`, values `[timestamp: 8][value]`.
    let changelog = driver.changelog("sums");
    let (key, value) = changelog
        .last()
        .cloned()
        .expect("the store is change-logged");
    assert_eq!(
        key,
        [
            b"x".as_slice(),
            &10_000i64.to_be_bytes(),
            &0u32.to_be_bytes()
        ]
        .concat()
    );
    assert_eq!(
        value,
        Some([11_000i64.to_be_bytes(), 4i64.to_be_bytes()].concat())
    );
    Ok(())
}

#[test]
fn suppress_until_window_closes_emits_one_final_result_per_window() -> kstreams::Result<()> {
    let windows = TimeWindows::of_size_and_grace(Duration::from_secs(10), Duration::from_secs(2));
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .windowed_by(windows)
        .count()
        .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
        .to_stream()
        .to(OUT_10S);
    let driver = TopologyTestDriver::new(b.build()?)?;
    pipe(
        &driver,
        &[("b", 2_000), ("a", 1_000), ("a", 5_000), ("a", 11_000)],
    )?;
    assert!(
        rows(&driver)?.is_empty(),
        "stream time 11 s < 10 s end + 2 s grace"
    );
    pipe(&driver, &[("a", 9_000)])?; // out of order, within grace: counted in the final result
    pipe(&driver, &[("c", 12_000)])?; // stream time 12 s: [0, 10 s) closes for every key
    assert_eq!(
        rows(&driver)?,
        vec![("a".into(), 0, 3, 9_000), ("b".into(), 0, 1, 2_000)],
        "one result per key and window, in key order, with the last update's timestamp"
    );
    pipe(&driver, &[("a", 3_000)])?; // late: dropped by the aggregation, nothing more emitted
    pipe(&driver, &[("z", 22_000)])?;
    assert_eq!(
        rows(&driver)?,
        vec![
            ("a".into(), 10_000, 1, 11_000),
            ("c".into(), 10_000, 1, 12_000)
        ]
    );
    assert_eq!(driver.metrics().dropped_records_total(), 1);
    Ok(())
}

#[test]
fn suppress_until_time_limit_emits_the_latest_update_after_the_wait() -> kstreams::Result<()> {
    const TOTALS: Topic<String, I64, 1> = Topic::new("totals");
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .count()
        .suppress(Suppressed::until_time_limit(
            Duration::from_secs(5),
            BufferConfig::max_records(100).emit_early_when_full(),
        ))
        .to_stream()
        .to(TOTALS);
    let driver = TopologyTestDriver::with_config(
        b.build()?,
        kstreams::test_driver::DriverConfig {
            cache_max_bytes: 0,
            ..Default::default()
        },
    )?;
    pipe(
        &driver,
        &[("a", 1_000), ("a", 2_000), ("b", 3_000), ("a", 5_999)],
    )?;
    let out = driver.create_output_topic(TOTALS);
    assert!(out.is_empty());
    pipe(&driver, &[("c", 6_000)])?; // a's first update (1 s) has waited 5 s
    assert_eq!(
        out.read_records_to_vec()?
            .into_iter()
            .map(|r| (r.key, r.value, r.timestamp))
            .collect::<Vec<_>>(),
        vec![("a".to_string(), 3, 5_999)]
    );
    Ok(())
}
