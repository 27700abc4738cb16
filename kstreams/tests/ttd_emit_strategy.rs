//! `emit_strategy(EmitStrategy::on_window_close())` (KIP-825) on tumbling,
//! hopping and sliding windows in the TopologyTestDriver: each window's
//! final result is forwarded once, when stream time passes its end +
//! grace, in (window start, key) order, with the aggregate's timestamp;
//! out-of-order records within grace still count, late ones are dropped.
//!
//! Besides exact cases, a seeded random comparison checks the final
//! results against a reference built from the same topology with the
//! default strategy (every update forwarded): the last update of each
//! window, emitted after the first record that closes it, as Java's
//! `AbstractKStreamTimeWindowAggregateProcessor` does with no emit
//! throttle.

use std::collections::BTreeMap;
use std::time::Duration;

use kstreams::dsl::{
    EmitStrategy, Materialized, SlidingWindows, StreamsBuilder, TimeWindows, Topic,
};
use kstreams::serde::{TimeWindowed, I64};
use kstreams::test_driver::{DriverConfig, TopologyTestDriver};
use kstreams::Topology;

const EVENTS: Topic<String, I64, 1> = Topic::new("events");
const OUT: Topic<TimeWindowed<String, 10>, I64, 1> = Topic::new("out");

/// (key, window start, value, timestamp).
type Row = (String, i64, i64, i64);

fn rows(driver: &TopologyTestDriver) -> kstreams::Result<Vec<Row>> {
    Ok(driver
        .create_output_topic(OUT)
        .read_records_to_vec()?
        .into_iter()
        .map(|r| (r.key.key, r.key.window.start_ms, r.value, r.timestamp))
        .collect())
}

fn pipe(driver: &TopologyTestDriver, records: &[(&str, i64)]) -> kstreams::Result<()> {
    let mut input = driver.create_input_topic(EVENTS);
    for (key, timestamp) in records {
        input.pipe_input_with_timestamp(*key, 1, *timestamp)?;
    }
    Ok(())
}

/// Windows by time or sliding.
#[derive(Clone, Copy)]
enum Kind {
    Time(TimeWindows),
    Sliding(SlidingWindows),
}

/// `sum` of the values per window, emitted as `strategy` says.
fn summing(kind: Kind, strategy: EmitStrategy) -> kstreams::Result<Topology> {
    let b = StreamsBuilder::new();
    let grouped = b.stream(EVENTS).group_by_key();
    let table = match kind {
        Kind::Time(w) => grouped
            .windowed_by(w)
            .emit_strategy(strategy)
            .reduce(|a, b| a + b),
        Kind::Sliding(w) => grouped
            .windowed_by(w)
            .emit_strategy(strategy)
            .reduce(|a, b| a + b),
    };
    table.to_stream().to(OUT);
    b.build()
}

fn driver(topology: Topology) -> kstreams::Result<TopologyTestDriver> {
    TopologyTestDriver::with_config(
        topology,
        DriverConfig {
            cache_max_bytes: 0,
            ..DriverConfig::default()
        },
    )
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn tumbling_emits_each_window_once_when_it_closes() -> kstreams::Result<()> {
    let windows = Kind::Time(TimeWindows::of_size_and_grace(ms(10), ms(5)));
    let driver = driver(summing(windows, EmitStrategy::on_window_close())?)?;
    pipe(&driver, &[("a", 1), ("b", 2), ("a", 12)])?;
    assert_eq!(rows(&driver)?, vec![], "[0, 10) closes at stream time 15");
    pipe(&driver, &[("a", 8)])?; // out of order, within grace
    pipe(&driver, &[("b", 16)])?; // stream time 16: [0, 10) closed
    assert_eq!(
        rows(&driver)?,
        vec![("a".into(), 0, 2, 8), ("b".into(), 0, 1, 2)]
    );
    pipe(&driver, &[("a", 3), ("b", 19)])?; // late: dropped; nothing new closed
    assert_eq!(rows(&driver)?, vec![]);
    pipe(&driver, &[("c", 27)])?; // closes [10, 20)
    assert_eq!(
        rows(&driver)?,
        vec![("a".into(), 10, 1, 12), ("b".into(), 10, 2, 19)]
    );
    assert_eq!(driver.metrics().dropped_records_total(), 1);
    // A jump of stream time beyond the store's retention (size + grace):
    // as in Java, the store drops [20, 30) before it could be emitted.
    pipe(&driver, &[("c", 60)])?;
    assert_eq!(rows(&driver)?, vec![]);
    Ok(())
}

#[test]
fn a_longer_retention_keeps_windows_across_stream_time_jumps() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .windowed_by(TimeWindows::of_size_with_no_grace(ms(10)))
        .emit_strategy(EmitStrategy::on_window_close())
        .count_with(Materialized::<String, I64>::new().with_retention(ms(1_000)))
        .to_stream()
        .to(OUT);
    let driver = driver(b.build()?)?;
    pipe(&driver, &[("a", 1), ("a", 5), ("b", 500)])?;
    assert_eq!(rows(&driver)?, vec![("a".into(), 0, 2, 5)]);
    Ok(())
}

#[test]
fn hopping_emits_overlapping_windows_in_start_then_key_order() -> kstreams::Result<()> {
    let windows = Kind::Time(TimeWindows::of_size_with_no_grace(ms(10)).advance_by(ms(5)));
    let driver = driver(summing(windows, EmitStrategy::on_window_close())?)?;
    pipe(&driver, &[("a", 3), ("a", 7), ("b", 6)])?;
    assert_eq!(rows(&driver)?, vec![]);
    pipe(&driver, &[("a", 12)])?; // closes [0, 10)
    assert_eq!(
        rows(&driver)?,
        vec![("a".into(), 0, 2, 7), ("b".into(), 0, 1, 6)]
    );
    pipe(&driver, &[("a", 4)])?; // late for [0, 10), its only window
    pipe(&driver, &[("a", 19)])?; // closes [5, 15)
    assert_eq!(
        rows(&driver)?,
        vec![("a".into(), 5, 2, 12), ("b".into(), 5, 1, 6)]
    );
    pipe(&driver, &[("a", 20)])?; // closes [10, 20)
    assert_eq!(rows(&driver)?, vec![("a".into(), 10, 2, 19)]);
    assert_eq!(driver.metrics().dropped_records_total(), 1);
    Ok(())
}

#[test]
fn sliding_emits_final_windows_and_skips_late_records() -> kstreams::Result<()> {
    let windows = Kind::Sliding(SlidingWindows::of_time_difference_and_grace(ms(10), ms(5)));
    let driver = driver(summing(windows, EmitStrategy::on_window_close())?)?;
    // [10, 20]: 1; then [15, 25]: 2 and 20's right window [21, 31]: 1.
    pipe(&driver, &[("a", 20), ("a", 25)])?;
    assert_eq!(rows(&driver)?, vec![]);
    // Out of order within grace (stream time 25, close 20): 18 joins
    // [10, 20] and [15, 25] and gets its right window [19, 29] (20 and
    // 25): 2; its left window [8, 18] has closed already (dropped, as Java).
    pipe(&driver, &[("a", 18)])?;
    assert_eq!(driver.metrics().dropped_records_total(), 1);
    // Stream time 36, close 31: windows ending before 31 are final; 36's
    // left window [26, 36] is also 25's right window.
    pipe(&driver, &[("a", 36)])?;
    assert_eq!(
        rows(&driver)?,
        vec![
            ("a".into(), 10, 2, 20),
            ("a".into(), 15, 3, 25),
            ("a".into(), 19, 2, 25),
        ]
    );
    pipe(&driver, &[("a", 5)])?; // late: 5 + 10 < 31
    assert_eq!(driver.metrics().dropped_records_total(), 2);
    pipe(&driver, &[("b", 45)])?;
    assert_eq!(
        rows(&driver)?,
        vec![("a".into(), 21, 1, 25), ("a".into(), 26, 1, 36)]
    );
    Ok(())
}

/// A small deterministic generator (no dependency for a test).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

/// Random records: three keys, timestamps moving forward with
/// out-of-order and late ones mixed in (never jumping more than the
/// stores' retention, where Java would lose windows too).
fn random_records(seed: u64, n: usize) -> Vec<(String, i64)> {
    let mut rng = Lcg(seed);
    let mut time = 0i64;
    (0..n)
        .map(|_| {
            time += rng.next(6) as i64;
            let back = if rng.next(4) == 0 {
                rng.next(25) as i64
            } else {
                0
            };
            let key = ["a", "b", "c"][rng.next(3) as usize].to_owned();
            (key, (time - back).max(0))
        })
        .collect()
}

/// The final results the on-window-close run must produce, from a run
/// emitting every update: after each record (for sliding windows: not a
/// late or an early one, as Java), every window not yet emitted whose end
/// is at most close time (sliding: before it), with its last update, in
/// (start, key) order — unless the store dropped it already: Java's
/// time-ordered store keeps windows starting at or after the largest
/// window start put minus retention.
fn reference(kind: Kind, records: &[(String, i64)]) -> kstreams::Result<Vec<Row>> {
    let updates = driver(summing(kind, EmitStrategy::on_window_update())?)?;
    let (size, grace, sliding) = match kind {
        Kind::Time(w) => (w.size_ms() as i64, w.grace_ms() as i64, false),
        Kind::Sliding(w) => (w.time_difference_ms() as i64, w.grace_ms() as i64, true),
    };
    let retention = if sliding {
        2 * size + grace
    } else {
        size + grace
    };
    let mut store_time = i64::MIN;
    let mut latest: BTreeMap<(i64, String), (i64, i64)> = BTreeMap::new();
    let mut emitted = std::collections::HashSet::new();
    let mut observed = i64::MIN;
    let mut out = Vec::new();
    for (key, ts) in records {
        pipe(&updates, &[(key.as_str(), *ts)])?;
        for (k, start, value, timestamp) in rows(&updates)? {
            store_time = store_time.max(start);
            latest.insert((start, k), (value, timestamp));
        }
        observed = observed.max(*ts);
        let close = observed - grace;
        // Java's sliding `process` returns early for these.
        if sliding && (ts + size < close || *ts < size) {
            continue;
        }
        for ((start, k), (value, timestamp)) in &latest {
            let closed = if sliding {
                start + size < close
            } else {
                start + size <= close
            };
            let live = *start >= store_time - retention;
            if closed && live && emitted.insert((*start, k.clone())) {
                out.push((k.clone(), *start, *value, *timestamp));
            }
        }
    }
    Ok(out)
}

fn check_against_reference(kind: Kind) -> kstreams::Result<()> {
    for seed in 1..=3 {
        let records = random_records(seed, 200);
        let expected = reference(kind, &records)?;
        let finals = driver(summing(kind, EmitStrategy::on_window_close())?)?;
        let mut input = finals.create_input_topic(EVENTS);
        for (key, ts) in &records {
            input.pipe_input_with_timestamp(key.as_str(), 1, *ts)?;
        }
        let actual = rows(&finals)?;
        assert!(expected.len() > 30, "seed {seed}: too few windows closed");
        assert_eq!(actual, expected, "seed {seed}");
    }
    Ok(())
}

#[test]
fn tumbling_final_results_are_the_last_updates_of_closed_windows() -> kstreams::Result<()> {
    check_against_reference(Kind::Time(TimeWindows::of_size_and_grace(ms(10), ms(7))))
}

#[test]
fn hopping_final_results_are_the_last_updates_of_closed_windows() -> kstreams::Result<()> {
    check_against_reference(Kind::Time(
        TimeWindows::of_size_and_grace(ms(10), ms(4)).advance_by(ms(3)),
    ))
}

#[test]
fn sliding_final_results_are_the_last_updates_of_closed_windows() -> kstreams::Result<()> {
    check_against_reference(Kind::Sliding(SlidingWindows::of_time_difference_and_grace(
        ms(10),
        ms(6),
    )))
}
