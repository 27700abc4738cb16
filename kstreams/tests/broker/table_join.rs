//! The SIGKILL harness of the table-table joins (`eos_fk_join.rs`,
//! `eos_table_join.rs`): the right table's rows are produced first and
//! consumed (committed) by the application before any left row is
//! produced; then each left row is written once, in chunks, while the
//! application is SIGKILLed and restarted. With the right side fixed
//! before the left rows arrive, each left row has exactly one join result
//! (`to_changelog_stream`, so a tombstone would show): the checker counts,
//! per left key, how many results the read_committed output holds.

use std::collections::{HashMap, HashSet};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{
    app_binary, create_topics, log_text, produce_placed, read_committed_raw_until_done, unique,
    AppSpec, Placed,
};

const PARTITIONS: i32 = 4;
/// Milliseconds of event time between consecutive left rows.
const STEP_MS: i64 = 2;
const CHUNKS: usize = 20;
/// Pause between chunks: the input flows for about 25 s, long enough for
/// most kills (each restart takes a rebalance) to land while it does.
const CHUNK_PAUSE_MS: u64 = 1_200;

/// One join under test: the `eos_passthrough` `MODE` and its rows.
pub struct JoinCase {
    /// `eos_passthrough`'s `MODE`.
    pub mode: &'static str,
    /// The right table's rows, all produced before the first left row.
    pub right: Vec<(String, String)>,
    /// Left row `i` (key, value); every key distinct.
    pub left: fn(usize) -> (String, String),
    /// The one result left row `i` must have.
    pub joined: fn(usize) -> String,
}

/// What the checker saw, per left row.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub exact: usize,
    pub missing: usize,
    pub duplicated: usize,
    /// A result with the wrong value, or a tombstone.
    pub wrong: usize,
}

/// Runs `case` with `rows` left rows under `guarantee`, SIGKILLing the
/// application `kills` times, and prints and returns what the checker saw.
pub fn harness(
    case: &JoinCase,
    guarantee: &'static str,
    rows: usize,
    commit_interval_ms: u64,
    kills: usize,
    min_delay_ms: u64,
) -> Counts {
    let started = Instant::now();
    let prefix = format!("eos-{}", case.mode);
    let (input, right, output) = (
        unique(&format!("{prefix}-left")),
        unique(&format!("{prefix}-right")),
        unique(&format!("{prefix}-out")),
    );
    create_topics(&[&input, &right, &output], PARTITIONS);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let base = now - 2 * 3_600_000;
    let spec = AppSpec {
        app_id: unique(&format!("{prefix}-app")),
        input: input.clone(),
        output: output.clone(),
        guarantee,
        state_dir: std::env::temp_dir().join(unique(&format!("{prefix}-state"))),
        extra_env: vec![
            ("MODE", case.mode.into()),
            ("RIGHT_TOPIC", right.clone()),
            ("COMMIT_INTERVAL_MS", commit_interval_ms.to_string()),
            ("SESSION_TIMEOUT_MS", "6000".into()),
            ("HEARTBEAT_INTERVAL_MS", "1000".into()),
        ],
    };
    let log = std::env::temp_dir().join(format!("{}.log", spec.app_id));
    eprintln!("{guarantee}: application log at {}", log.display());
    let binary = app_binary();

    produce_placed(
        case.right
            .iter()
            .map(|(k, v)| Placed::keyed(&right, k.clone(), v.clone(), base, PARTITIONS)),
    );
    // A first instance takes every right row into its table (consumed and
    // committed) before any left row exists; it is the first one killed,
    // under load.
    let mut first = spec.spawn(&binary, &log);
    super::wait_for_log(&log, "-> RUNNING", 1, &mut first, Duration::from_secs(90));
    let app_started = Instant::now();
    super::drain(&spec, &right, &log, PARTITIONS, Duration::from_secs(120));
    let left = case.left;
    let producer = thread::spawn(move || {
        let from = app_started.elapsed();
        let per_chunk = rows / CHUNKS;
        for chunk in 0..CHUNKS {
            let range = chunk * per_chunk..(chunk + 1) * per_chunk;
            produce_placed(range.map(|i| {
                let (key, value) = left(i);
                let at = base + 1_000 + i as i64 * STEP_MS;
                Placed::keyed(&input, key, value, at, PARTITIONS)
            }));
            thread::sleep(Duration::from_millis(CHUNK_PAUSE_MS));
        }
        (from, app_started.elapsed())
    });
    let child = if kills == 0 {
        first
    } else {
        let after = Duration::from_millis(min_delay_ms + 1_000);
        thread::sleep(after);
        first.kill().expect("SIGKILL");
        first.wait().expect("reap");
        eprintln!("{guarantee}: first instance killed {after:?} into the left rows");
        super::run_with_kills(&spec, &binary, &log, kills - 1, min_delay_ms)
    };
    let killed_by = app_started.elapsed();
    let produced_by = producer.join().expect("input producer");
    super::drain(
        &spec,
        &spec.input,
        &log,
        PARTITIONS,
        Duration::from_secs(600),
    );
    // Results may still travel through internal topics (a foreign-key
    // join's subscriptions and responses): read them while the
    // application runs.
    let seen = results(&output, rows);
    super::stop(child, &log);

    let mut counts = Counts::default();
    // Missing rows per tenth of the input (in the order it was produced).
    let mut missing_by_tenth = [0; 10];
    for i in 0..rows {
        let expected = (case.joined)(i);
        match seen.get(&(case.left)(i).0).map(Vec::as_slice) {
            None | Some([]) => {
                counts.missing += 1;
                missing_by_tenth[i * 10 / rows] += 1;
            }
            Some(values) if values.iter().any(|v| v.as_deref() != Some(&*expected)) => {
                counts.wrong += 1
            }
            Some([_]) => counts.exact += 1,
            Some(_) => counts.duplicated += 1,
        }
    }
    assert_eq!(
        seen.len(),
        counts.exact + counts.duplicated + counts.wrong,
        "results for keys no left row has"
    );
    if counts.missing > 0 {
        eprintln!("{guarantee}: missing rows per tenth of the input: {missing_by_tenth:?}");
    }
    let restores = log_text(&log).matches("restoring state store").count();
    println!(
        "{guarantee}: {rows} left rows over {} right rows, {kills} kills (the last at {:.0} s of the run, left rows from {:.0} s to {:.0} s), {restores} store restorations: {} exact, {} missing, {} joined more than once, {} wrong or tombstoned ({:.0} s)",
        case.right.len(),
        killed_by.as_secs_f64(),
        produced_by.0.as_secs_f64(),
        produced_by.1.as_secs_f64(),
        counts.exact,
        counts.missing,
        counts.duplicated,
        counts.wrong,
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&spec.state_dir);
    counts
}

/// Per left key: every value the output holds for it (`None` a tombstone).
fn results(topic: &str, rows: usize) -> HashMap<String, Vec<Option<String>>> {
    // Done once every left row has a (non-null) result; a count of
    // records would stop early on duplicates.
    let mut joined_keys = HashSet::new();
    let records = read_committed_raw_until_done(topic, |(key, value, _)| {
        if value.is_some() {
            joined_keys.insert(key.clone());
        }
        joined_keys.len() >= rows
    });
    let mut out: HashMap<String, Vec<Option<String>>> = HashMap::new();
    for (key, value, _) in records {
        let key = String::from_utf8(key.expect("output key")).expect("utf-8 key");
        let value = value.map(|v| String::from_utf8(v).expect("utf-8 value"));
        out.entry(key).or_default().push(value);
    }
    out
}
