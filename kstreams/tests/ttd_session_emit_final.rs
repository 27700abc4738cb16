//! `emit_strategy(EmitStrategy::on_window_close())` (KIP-825) on session
//! windows in the TopologyTestDriver: each session's final count is
//! forwarded once, when stream time passes its end + gap + grace, by
//! (end, start, key), with its end as timestamp; sessions merged away are
//! never forwarded (no tombstones), late records are dropped but still
//! trigger the emission of what closed.
//!
//! A seeded random comparison checks the final results, on RocksDB and in
//! memory, against a reference built from the same topology with the
//! default strategy (every update and tombstone forwarded): the sessions
//! alive after each record whose end is before close time, in Java's
//! order (`KStreamSessionWindowAggregate.maybeForwardFinalResult`).

use std::collections::BTreeSet;
use std::time::Duration;

use kstreams::dsl::{EmitStrategy, Materialized, SessionWindows, StreamsBuilder, Topic};
use kstreams::serde::{SessionWindowed, I64};
use kstreams::test_driver::{DriverConfig, TopologyTestDriver};
use kstreams::Topology;

const EVENTS: Topic<String, I64, 1> = Topic::new("events");
const OUT: Topic<SessionWindowed<String>, Option<I64>, 1> = Topic::new("out");

/// (key, start, end, count, timestamp); count `None`: a tombstone.
type Row = (String, i64, i64, Option<i64>, i64);

const GAP: i64 = 10;
const GRACE: i64 = 5;

fn sessions() -> SessionWindows {
    SessionWindows::of_inactivity_gap_and_grace(
        Duration::from_millis(GAP as u64),
        Duration::from_millis(GRACE as u64),
    )
}

fn counting(strategy: EmitStrategy, in_memory: bool) -> kstreams::Result<Topology> {
    let b = StreamsBuilder::new();
    let materialized = Materialized::<String, I64>::new();
    let materialized = if in_memory {
        materialized.in_memory()
    } else {
        materialized
    };
    b.stream(EVENTS)
        .group_by_key()
        .windowed_by(sessions())
        .emit_strategy(strategy)
        .count_with(materialized)
        .to_changelog_stream()
        .to(OUT);
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

fn rows(driver: &TopologyTestDriver) -> kstreams::Result<Vec<Row>> {
    Ok(driver
        .create_output_topic(OUT)
        .read_records_to_vec()?
        .into_iter()
        .map(|r| {
            (
                r.key.key,
                r.key.window.start_ms,
                r.key.window.end_ms,
                r.value,
                r.timestamp,
            )
        })
        .collect())
}

fn pipe(driver: &TopologyTestDriver, records: &[(&str, i64)]) -> kstreams::Result<()> {
    let mut input = driver.create_input_topic(EVENTS);
    for (key, timestamp) in records {
        input.pipe_input_with_timestamp(*key, 1, *timestamp)?;
    }
    Ok(())
}

fn row(key: &str, start: i64, end: i64, count: i64) -> Row {
    (key.to_owned(), start, end, Some(count), end)
}

#[test]
fn each_session_is_emitted_once_when_it_closes_without_tombstones() -> kstreams::Result<()> {
    let d = driver(counting(EmitStrategy::on_window_close(), false)?)?;
    // a: [0, 8] (merging [0,0] and [8,8]), b: [3, 3].
    pipe(&d, &[("a", 0), ("b", 3), ("a", 8)])?;
    assert_eq!(rows(&d)?, vec![], "nothing closed, no update forwarded");
    // close = 20 - 10 - 5 = 5: b ([3, 3]) closed; a ends at 8, still open.
    pipe(&d, &[("c", 20)])?;
    assert_eq!(rows(&d)?, vec![row("b", 3, 3, 1)]);
    // A record within grace extends a: [0, 12]; close stays 5.
    pipe(&d, &[("a", 12)])?;
    assert_eq!(rows(&d)?, vec![]);
    // close = 40 - 15 = 25: a [0, 12] and c [20, 20], by end.
    pipe(&d, &[("b", 40)])?;
    assert_eq!(rows(&d)?, vec![row("a", 0, 12, 3), row("c", 20, 20, 1)]);
    // A late record (its session would end before close) is dropped, and
    // closes nothing new; the next record that moves close emits b [40].
    pipe(&d, &[("a", 1)])?;
    assert_eq!(rows(&d)?, vec![]);
    assert_eq!(d.metrics().dropped_records_total(), 1);
    pipe(&d, &[("z", 60)])?;
    assert_eq!(rows(&d)?, vec![row("b", 40, 40, 1)]);
    Ok(())
}

#[test]
fn sessions_closing_together_come_by_end_then_start_then_key() -> kstreams::Result<()> {
    let d = driver(counting(EmitStrategy::on_window_close(), false)?)?;
    pipe(&d, &[("b", 5), ("a", 5), ("c", 2), ("c", 5), ("d", 4)])?;
    pipe(&d, &[("z", 100)])?;
    assert_eq!(
        rows(&d)?,
        vec![
            row("d", 4, 4, 1),
            row("c", 2, 5, 2),
            row("a", 5, 5, 1),
            row("b", 5, 5, 1),
        ]
    );
    Ok(())
}

/// Random records: four keys, time moving forward in small steps with
/// out-of-order and late records mixed in (all inside one store segment,
/// so that no session expires before it closes).
fn random_records(seed: u64, n: usize) -> Vec<(String, i64)> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = |bound: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % bound
    };
    let mut time = 0i64;
    (0..n)
        .map(|_| {
            time += next(7) as i64;
            let back = if next(4) == 0 { next(30) as i64 } else { 0 };
            let key = ["a", "b", "c", "d"][next(4) as usize].to_owned();
            (key, (time - back).max(0))
        })
        .collect()
}

/// The finals an on-window-close run must produce, from a run forwarding
/// every update and tombstone: after each record, every live session not
/// yet emitted whose end is before close time (observed − gap − grace), by
/// (end, start, key), with its latest count.
fn reference(records: &[(String, i64)]) -> kstreams::Result<Vec<Row>> {
    let updates = driver(counting(EmitStrategy::on_window_update(), false)?)?;
    // (end, start, key) -> count
    let mut live: std::collections::BTreeMap<(i64, i64, String), i64> = Default::default();
    let mut emitted: BTreeSet<(i64, i64, String)> = BTreeSet::new();
    let mut observed = i64::MIN;
    let mut out = Vec::new();
    for (key, ts) in records {
        pipe(&updates, &[(key.as_str(), *ts)])?;
        for (k, start, end, count, _) in rows(&updates)? {
            match count {
                Some(n) => live.insert((end, start, k), n),
                None => live.remove(&(end, start, k)),
            };
        }
        observed = observed.max(*ts);
        let close = observed - GAP - GRACE;
        for ((end, start, k), count) in &live {
            if *end < close && emitted.insert((*end, *start, k.clone())) {
                out.push((k.clone(), *start, *end, Some(*count), *end));
            }
        }
    }
    Ok(out)
}

#[test]
fn final_sessions_are_the_last_updates_of_closed_sessions_on_both_store_kinds(
) -> kstreams::Result<()> {
    for seed in 1..=3 {
        let records = random_records(seed, 300);
        let expected = reference(&records)?;
        assert!(expected.len() > 30, "seed {seed}: too few sessions closed");
        for in_memory in [false, true] {
            let finals = driver(counting(EmitStrategy::on_window_close(), in_memory)?)?;
            let mut input = finals.create_input_topic(EVENTS);
            for (key, ts) in &records {
                input.pipe_input_with_timestamp(key.as_str(), 1, *ts)?;
            }
            assert_eq!(
                rows(&finals)?,
                expected,
                "seed {seed}, in memory: {in_memory}"
            );
        }
    }
    Ok(())
}
