//! The record cache in front of window stores (Java's `CachingWindowStore`
//! over the `ThreadCache`), in the TopologyTestDriver: windowed
//! aggregations forward the latest update of each (key, window) when the
//! cache writes it down at commit, every update with a cache of 0 bytes or
//! with `Materialized::with_caching_disabled()`; reads through the cache
//! (the aggregations' own fetches) see unflushed updates, which a seeded
//! random comparison with an uncached run checks for tumbling, hopping and
//! sliding windows, and the same for session windows (Java's
//! `CachingSessionStore`), where a session created and merged away
//! between two commits is never forwarded.

use std::collections::HashMap;
use std::time::Duration;

use kstreams::dsl::{
    Materialized, SessionWindows, SlidingWindows, StreamsBuilder, TimeWindows, Topic,
};
use kstreams::serde::{SessionWindowed, TimeWindowed, I64};
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

#[derive(Clone, Copy)]
enum Kind {
    Time(TimeWindows),
    Sliding(SlidingWindows),
}

/// `sum` per window; `cached: false` turns the store's cache off.
fn summing(kind: Kind, cached: bool) -> kstreams::Result<Topology> {
    let b = StreamsBuilder::new();
    let grouped = b.stream(EVENTS).group_by_key();
    let materialized = if cached {
        Materialized::<String, I64>::new()
    } else {
        Materialized::<String, I64>::new().with_caching_disabled()
    };
    let table = match kind {
        Kind::Time(w) => grouped
            .windowed_by(w)
            .reduce_with(|a, b| a + b, materialized),
        Kind::Sliding(w) => grouped
            .windowed_by(w)
            .reduce_with(|a, b| a + b, materialized),
    };
    table.to_stream().to(OUT);
    b.build()
}

/// A driver committing only when told, with a cache of `cache_bytes`.
fn driver(topology: Topology, cache_bytes: usize) -> kstreams::Result<TopologyTestDriver> {
    TopologyTestDriver::with_config(
        topology,
        DriverConfig {
            cache_max_bytes: cache_bytes,
            commit_after_each_input: false,
            ..DriverConfig::default()
        },
    )
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

const MIB: usize = 1 << 20;

#[test]
fn updates_of_a_window_are_merged_until_the_commit() -> kstreams::Result<()> {
    let tumbling = Kind::Time(TimeWindows::of_size_with_no_grace(ms(10)));
    let driver = driver(summing(tumbling, true)?, MIB)?;
    pipe(&driver, &[("a", 1), ("a", 2), ("b", 3), ("a", 12)])?;
    assert_eq!(rows(&driver)?, vec![], "updates wait in the cache");
    driver.commit()?;
    // One record per window, in the order of each window's last update.
    assert_eq!(
        rows(&driver)?,
        vec![
            ("a".into(), 0, 2, 2),
            ("b".into(), 0, 1, 3),
            ("a".into(), 10, 1, 12)
        ]
    );
    pipe(&driver, &[("a", 13), ("a", 14)])?;
    driver.commit()?;
    assert_eq!(rows(&driver)?, vec![("a".into(), 10, 3, 14)]);
    driver.commit()?;
    assert_eq!(rows(&driver)?, vec![], "nothing new: nothing forwarded");
    Ok(())
}

#[test]
fn hopping_windows_of_one_record_are_flushed_together() -> kstreams::Result<()> {
    let hopping = Kind::Time(TimeWindows::of_size_with_no_grace(ms(10)).advance_by(ms(5)));
    let driver = driver(summing(hopping, true)?, MIB)?;
    pipe(&driver, &[("a", 7), ("a", 8)])?;
    driver.commit()?;
    assert_eq!(
        rows(&driver)?,
        vec![("a".into(), 0, 2, 8), ("a".into(), 5, 2, 8)]
    );
    Ok(())
}

#[test]
fn a_cache_of_zero_bytes_or_caching_disabled_forwards_every_update() -> kstreams::Result<()> {
    let tumbling = Kind::Time(TimeWindows::of_size_with_no_grace(ms(10)));
    let every = vec![
        ("a".to_owned(), 0, 1, 1),
        ("a".to_owned(), 0, 2, 2),
        ("a".to_owned(), 10, 1, 12),
    ];
    for (cached, bytes) in [(true, 0), (false, MIB)] {
        let driver = driver(summing(tumbling, cached)?, bytes)?;
        pipe(&driver, &[("a", 1), ("a", 2), ("a", 12)])?;
        assert_eq!(rows(&driver)?, every, "cached {cached}, {bytes} bytes");
    }
    Ok(())
}

#[test]
fn a_small_cache_forwards_what_it_evicts_before_the_commit() -> kstreams::Result<()> {
    let tumbling = Kind::Time(TimeWindows::of_size_with_no_grace(ms(10)));
    // Room for about one entry: each new window evicts the previous one.
    let driver = driver(summing(tumbling, true)?, 100)?;
    pipe(&driver, &[("a", 1), ("a", 2), ("a", 12), ("a", 25)])?;
    let evicted = rows(&driver)?;
    assert!(
        evicted.contains(&("a".into(), 0, 2, 2)) && evicted.contains(&("a".into(), 10, 1, 12)),
        "{evicted:?}"
    );
    driver.commit()?;
    assert_eq!(rows(&driver)?, vec![("a".into(), 20, 1, 25)]);
    Ok(())
}

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

/// The cached run commits every `batch` records; its output must be the
/// uncached run's updates of each batch, keeping only the last update of
/// each window, in the order of those last updates.
fn check_against_uncached(kind: Kind) -> kstreams::Result<()> {
    for seed in 1..=3u64 {
        let mut rng = Lcg(seed);
        let batch = 1 + rng.next(8) as usize;
        let cached = driver(summing(kind, true)?, MIB)?;
        let uncached = driver(summing(kind, false)?, MIB)?;
        let mut time = 0i64;
        let (mut expected, mut actual) = (Vec::new(), Vec::new());
        let mut pending: Vec<Row> = Vec::new();
        for i in 0..200 {
            time += rng.next(5) as i64;
            let ts = (time
                - if rng.next(4) == 0 {
                    rng.next(15) as i64
                } else {
                    0
                })
            .max(0);
            let key = ["a", "b", "c"][rng.next(3) as usize];
            pipe(&cached, &[(key, ts)])?;
            pipe(&uncached, &[(key, ts)])?;
            pending.extend(rows(&uncached)?);
            if (i + 1) % batch == 0 {
                cached.commit()?;
                actual.extend(rows(&cached)?);
                expected.extend(last_per_window(std::mem::take(&mut pending)));
            }
        }
        cached.commit()?;
        actual.extend(rows(&cached)?);
        expected.extend(last_per_window(pending));
        assert!(expected.len() > 50, "seed {seed}: too few updates");
        assert_eq!(actual, expected, "seed {seed}, commit every {batch}");
    }
    Ok(())
}

fn last_per_window(updates: Vec<Row>) -> Vec<Row> {
    let last: HashMap<(String, i64), usize> = updates
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.0.clone(), r.1), i))
        .collect();
    updates
        .into_iter()
        .enumerate()
        .filter(|(i, r)| last[&(r.0.clone(), r.1)] == *i)
        .map(|(_, r)| r)
        .collect()
}

#[test]
fn tumbling_with_cache_matches_the_uncached_updates() -> kstreams::Result<()> {
    check_against_uncached(Kind::Time(TimeWindows::of_size_and_grace(ms(10), ms(5))))
}

#[test]
fn hopping_with_cache_matches_the_uncached_updates() -> kstreams::Result<()> {
    check_against_uncached(Kind::Time(
        TimeWindows::of_size_and_grace(ms(10), ms(5)).advance_by(ms(4)),
    ))
}

#[test]
fn sliding_with_cache_matches_the_uncached_updates() -> kstreams::Result<()> {
    check_against_uncached(Kind::Sliding(SlidingWindows::of_time_difference_and_grace(
        ms(10),
        ms(5),
    )))
}

const SESSIONS: Topic<SessionWindowed<String>, Option<I64>, 1> = Topic::new("sessions");

/// (key, start, end, sum or `None` for a merged-away session, timestamp).
type SessionRow = (String, i64, i64, Option<i64>, i64);

/// Sums per session of gap 5 ms. The grace (20 ms) is longer than the
/// inputs' reordering: a cached store sees its writes only at commit, so
/// its retention clock lags the uncached one's (see `CachingSessionStore`).
fn session_sums(cached: bool) -> kstreams::Result<Topology> {
    let b = StreamsBuilder::new();
    let materialized = if cached {
        Materialized::<String, I64>::new()
    } else {
        Materialized::<String, I64>::new().with_caching_disabled()
    };
    b.stream(EVENTS)
        .group_by_key()
        .windowed_by(SessionWindows::of_inactivity_gap_and_grace(ms(5), ms(20)))
        .reduce_with(|a, b| a + b, materialized)
        .to_changelog_stream()
        .to(SESSIONS);
    b.build()
}

fn session_rows(driver: &TopologyTestDriver) -> kstreams::Result<Vec<SessionRow>> {
    Ok(driver
        .create_output_topic(SESSIONS)
        .read_records_to_vec()?
        .into_iter()
        .map(|r| {
            let w = r.key.window;
            (r.key.key, w.start_ms, w.end_ms, r.value, r.timestamp)
        })
        .collect())
}

#[test]
fn session_updates_are_merged_until_the_commit() -> kstreams::Result<()> {
    let driver = driver(session_sums(true)?, MIB)?;
    pipe(&driver, &[("a", 10), ("a", 12)])?;
    driver.commit()?;
    assert_eq!(
        session_rows(&driver)?,
        vec![("a".into(), 10, 12, Some(2), 12)]
    );
    // 30 opens a session, 20 bridges both: [10, 30]. The session [30, 30]
    // lived only in the cache: neither it nor its removal is forwarded.
    pipe(&driver, &[("a", 30), ("a", 16), ("a", 21), ("a", 26)])?;
    assert_eq!(session_rows(&driver)?, vec![]);
    driver.commit()?;
    assert_eq!(
        session_rows(&driver)?,
        vec![
            ("a".into(), 10, 12, None, 12),
            ("a".into(), 10, 30, Some(6), 30)
        ]
    );
    Ok(())
}

#[test]
fn sessions_with_cache_match_the_uncached_updates() -> kstreams::Result<()> {
    for seed in 1..=3u64 {
        let mut rng = Lcg(seed);
        let batch = 1 + rng.next(8) as usize;
        let cached = driver(session_sums(true)?, MIB)?;
        let uncached = driver(session_sums(false)?, MIB)?;
        let mut time = 0i64;
        let (mut expected, mut actual) = (Vec::new(), Vec::new());
        let mut pending: Vec<SessionRow> = Vec::new();
        let mut stored = std::collections::HashSet::new();
        for i in 0..200 {
            time += rng.next(5) as i64;
            let ts = (time
                - if rng.next(4) == 0 {
                    rng.next(8) as i64
                } else {
                    0
                })
            .max(0);
            let key = ["a", "b", "c"][rng.next(3) as usize];
            pipe(&cached, &[(key, ts)])?;
            pipe(&uncached, &[(key, ts)])?;
            pending.extend(session_rows(&uncached)?);
            if (i + 1) % batch == 0 || i == 199 {
                cached.commit()?;
                actual.extend(session_rows(&cached)?);
                expected.extend(last_per_session(std::mem::take(&mut pending), &mut stored));
            }
        }
        assert!(expected.len() > 30, "seed {seed}: too few updates");
        let first = actual.iter().zip(&expected).position(|(a, e)| a != e);
        assert_eq!(
            actual,
            expected,
            "seed {seed}, commit every {batch}, first difference at {first:?}: {:?}",
            first.map(|i| (
                &actual[i..(i + 3).min(actual.len())],
                &expected[i..(i + 3).min(expected.len())]
            ))
        );
    }
    Ok(())
}

/// The last update of each session in `updates`, in the order of those
/// last updates, leaving out removals of sessions the store below never
/// had (`stored`: the sessions written down so far).
fn last_per_session(
    updates: Vec<SessionRow>,
    stored: &mut std::collections::HashSet<(String, i64, i64)>,
) -> Vec<SessionRow> {
    let id = |r: &SessionRow| (r.0.clone(), r.1, r.2);
    let last: HashMap<(String, i64, i64), usize> = updates
        .iter()
        .enumerate()
        .map(|(i, r)| (id(r), i))
        .collect();
    let mut out = Vec::new();
    for (i, r) in updates.into_iter().enumerate() {
        if last[&id(&r)] != i {
            continue;
        }
        let existed = if r.3.is_some() {
            stored.insert(id(&r));
            true
        } else {
            stored.remove(&id(&r))
        };
        if existed {
            out.push(r);
        }
    }
    out
}
