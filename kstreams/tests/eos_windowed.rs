//! Exactly-once for windowed state under failure: final counts per user
//! and 10 s window (`eos_passthrough` with `MODE=windowed`: `windowed_by →
//! count → suppress(until_window_closes)`), SIGKILLed at random moments
//! while the input is still being produced, and restarted (the window
//! store and the suppression buffer are restored from their changelogs).
//! A read_committed consumer then checks that every (user, window) has
//! exactly one final result, with the exact count.
//!
//! Under at_least_once the same harness reports what it sees: replayed
//! input is counted again, and final results are emitted again.
//!
//! `MODE=windowed-emit-final` runs the same check with
//! `emit_strategy(on_window_close)` (KIP-825) in place of `suppress`.

mod broker;

use std::collections::HashMap;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use broker::{
    app_binary, create_topics, log_text, produce_placed, read_committed_raw_until, unique, AppSpec,
    Placed,
};
use kstreams::processor::partitioner::partition_for_key;

const PARTITIONS: i32 = 4;
const USERS: usize = 200;
/// Milliseconds between consecutive events: 10 s windows hold 2 000 events.
const STEP_MS: i64 = 5;
const WINDOW_MS: i64 = 10_000;
const CHUNKS: usize = 20;

fn user(i: usize) -> String {
    format!("user-{:03}", (i * 7919) % USERS)
}

/// Event `i`: its key and timestamp (in order; the first window starts at `base`).
fn event(base: i64, i: usize) -> (String, i64) {
    (user(i), base + i as i64 * STEP_MS)
}

fn placed(topic: &str, key: String, timestamp: i64) -> Placed {
    Placed {
        topic: topic.to_owned(),
        partition: partition_for_key(key.as_bytes(), PARTITIONS as u32),
        key,
        value: "view".to_owned(),
        timestamp,
    }
}

/// One record per partition a minute after the last event: stream time
/// passes every event window's end + grace, so every final result is due.
fn closers(topic: &str, after: i64) -> Vec<Placed> {
    let mut out = Vec::new();
    for p in 0..PARTITIONS {
        let key = (0..)
            .map(|j| format!("closer-{j}"))
            .find(|k| partition_for_key(k.as_bytes(), PARTITIONS as u32) == p)
            .expect("a key for every partition");
        out.push(placed(topic, key, after));
    }
    out
}

/// What the finals must be: (user, window start) → count.
fn expected(base: i64, events: usize) -> HashMap<(String, i64), i64> {
    let mut out = HashMap::new();
    for (key, ts) in (0..events).map(|i| event(base, i)) {
        *out.entry((key, ts - ts.rem_euclid(WINDOW_MS))).or_insert(0) += 1;
    }
    out
}

/// Per (user, window): how many final results arrived, and the last count.
type Finals = HashMap<(String, i64), (usize, i64)>;

fn finals(topic: &str, expected: usize) -> Finals {
    let mut out: Finals = HashMap::new();
    for (key, value, _) in read_committed_raw_until(topic, expected) {
        let key = key.expect("a windowed key");
        let (user, start) = key.split_at(key.len() - 8);
        let start = i64::from_be_bytes(start.try_into().expect("8-byte start"));
        let count = i64::from_be_bytes(
            value
                .as_deref()
                .and_then(|v| v.try_into().ok())
                .expect("an I64 count"),
        );
        let entry = out
            .entry((String::from_utf8_lossy(user).into_owned(), start))
            .or_default();
        entry.0 += 1;
        entry.1 = count;
    }
    out
}

/// (exact, missing, duplicated, wrong count) over the expected windows.
fn harness(
    mode: &'static str,
    guarantee: &'static str,
    events: usize,
    commit_interval_ms: u64,
    kills: usize,
    min_delay_ms: u64,
) -> (usize, usize, usize, usize) {
    let started = Instant::now();
    let (input, output) = (unique("eos-windowed-in"), unique("eos-windowed-out"));
    create_topics(&[&input, &output], PARTITIONS);
    // Event time two hours back, aligned to a window (the broker refuses
    // timestamps an hour in the future, the topics keep a week).
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let base = now - 2 * 3_600_000 - now.rem_euclid(WINDOW_MS);
    let spec = AppSpec {
        app_id: unique("eos-windowed-app"),
        input: input.clone(),
        output: output.clone(),
        guarantee,
        state_dir: std::env::temp_dir().join(unique("eos-windowed-state")),
        extra_env: vec![
            ("MODE", mode.into()),
            ("COMMIT_INTERVAL_MS", commit_interval_ms.to_string()),
            ("SESSION_TIMEOUT_MS", "6000".into()),
            ("HEARTBEAT_INTERVAL_MS", "1000".into()),
            // at_least_once without the record cache: every count reaches
            // the changelog at once, so a kill between commits leaves the
            // restored store ahead of the committed offsets and the replay
            // counts again (with the cache, changelog writes and offsets
            // go out together at commit, and since stores are no longer
            // flushed on every commit that window is too short for the
            // kills to hit: three CI runs in a row saw nothing).
            (
                "CACHE_MAX_BYTES",
                if guarantee == "at_least_once" {
                    "0"
                } else {
                    "10485760"
                }
                .into(),
            ),
        ],
    };
    let log = std::env::temp_dir().join(format!("{}.log", spec.app_id));
    eprintln!("{guarantee}: application log at {}", log.display());
    let binary = app_binary();

    // The stream-time markers close every window. On window close emits a
    // window only while its store retains it (size + grace): the markers
    // land exactly when the last windows close (their end + 1 s grace;
    // `events * STEP_MS` is a whole number of windows). `suppress` keeps
    // closed windows in its buffer, so a later marker works too.
    let closer_gap = if mode == "windowed-emit-final" {
        1_000
    } else {
        60_000
    };
    let topic = input.clone();
    let producer = thread::spawn(move || {
        let per_chunk = events / CHUNKS;
        for chunk in 0..CHUNKS {
            let range = chunk * per_chunk..(chunk + 1) * per_chunk;
            produce_placed(range.map(|i| {
                let (key, ts) = event(base, i);
                placed(&topic, key, ts)
            }));
            thread::sleep(Duration::from_millis(400));
        }
        produce_placed(closers(&topic, base + events as i64 * STEP_MS + closer_gap));
    });

    let child = broker::run_with_kills(&spec, &binary, &log, kills, min_delay_ms);
    producer.join().expect("input producer");
    broker::drain_and_stop(&spec, child, &log, PARTITIONS, Duration::from_secs(600));

    let expected = expected(base, events);
    let actual = finals(&output, expected.len());
    let (mut exact, mut missing, mut duplicated, mut wrong) = (0, 0, 0, 0);
    for (window, count) in &expected {
        match actual.get(window) {
            None => missing += 1,
            Some((n, _)) if *n > 1 => duplicated += 1,
            Some((_, c)) if c != count => wrong += 1,
            Some(_) => exact += 1,
        }
    }
    let foreign = actual.keys().filter(|w| !expected.contains_key(w)).count();
    assert_eq!(
        foreign, 0,
        "final results for windows no event fell in (closers' windows never close)"
    );
    let restores = log_text(&log).matches("restoring state store").count();
    println!(
        "{guarantee}: {events} events, {} windows, {kills} kills, {restores} store restorations: {exact} exact, {missing} missing, {duplicated} with more than one final result, {wrong} with a wrong count ({:.0} s)",
        expected.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&spec.state_dir);
    (exact, missing, duplicated, wrong)
}

#[test]
fn exactly_once_v2_gives_one_exact_final_result_per_window_after_sigkills() {
    let events = 200_000;
    let (exact, missing, duplicated, wrong) =
        harness("windowed", "exactly_once_v2", events, 100, 5, 300);
    assert_eq!(
        (missing, duplicated, wrong),
        (0, 0, 0),
        "exactly-once violated: {missing} windows missing, {duplicated} duplicated, {wrong} wrong"
    );
    assert_eq!(exact, USERS * events / (WINDOW_MS / STEP_MS) as usize);
}

#[test]
fn at_least_once_duplicates_or_wrong_counts_are_reported() {
    // A kill that lands right after a commit replays nothing: run again
    // (at most 3 runs) until the kills caused an anomaly to check.
    let mut run = harness("windowed", "at_least_once", 100_000, 1_000, 4, 1_300);
    for _ in 1..3 {
        if run.2 + run.3 > 0 {
            break;
        }
        println!(
            "at_least_once: no anomaly in this run (kills between commits replayed nothing); again"
        );
        run = harness("windowed", "at_least_once", 100_000, 1_000, 4, 1_300);
    }
    let (_, missing, duplicated, wrong) = run;
    assert_eq!(missing, 0, "at-least-once lost a window");
    println!(
        "at_least_once: the harness saw {duplicated} duplicated and {wrong} wrong final results"
    );
    assert!(
        duplicated + wrong > 0,
        "no duplicate or wrong final result under at_least_once with kills in 3 runs; the checker cannot be trusted"
    );
}

#[test]
fn emit_on_window_close_gives_one_exact_final_result_per_window_after_sigkills() {
    // The same check with `emit_strategy(on_window_close)`: a restarted
    // task resumes from the close time committed with its offsets (the
    // processor metadata), so it emits no window's final result twice.
    let events = 200_000;
    let (exact, missing, duplicated, wrong) = harness(
        "windowed-emit-final",
        "exactly_once_v2",
        events,
        100,
        5,
        300,
    );
    assert_eq!(
        (missing, duplicated, wrong),
        (0, 0, 0),
        "exactly-once violated: {missing} windows missing, {duplicated} duplicated, {wrong} wrong"
    );
    assert_eq!(exact, USERS * events / (WINDOW_MS / STEP_MS) as usize);
}
