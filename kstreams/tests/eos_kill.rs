//! Exactly-once under failure: the `eos_passthrough` application runs in a
//! child process over 200 000 input records (4 partitions) and is SIGKILLed
//! at random moments while it processes, at least 5 times, restarting each
//! time. A read_committed consumer then checks that every input id appears
//! in the output exactly once.
//!
//! The same harness under at_least_once must *see* duplicates (its commit
//! interval is long, so kills land between produce and commit): this shows
//! the checker can fail.

mod broker;

use std::path::PathBuf;
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};

use broker::{app_binary, check_exactly_once, create_topics, group_lag, produce, read_committed, unique, AppSpec, Rng};

const RECORDS: usize = 200_000;
const PARTITIONS: i32 = 4;
const KILLS: usize = 5;

/// Occurrences of `needle` in the log file.
fn count_in_log(log: &PathBuf, needle: &str) -> usize {
    std::fs::read_to_string(log).map_or(0, |s| s.matches(needle).count())
}

/// Waits until the log holds more than `before` RUNNING transitions.
fn wait_running(log: &PathBuf, before: usize, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while count_in_log(log, "-> RUNNING") <= before {
        if let Ok(Some(status)) = child.try_wait() {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            panic!("the application exited ({status}) before RUNNING; log:\n{text}");
        }
        assert!(Instant::now() < deadline, "the application did not reach RUNNING; see {}", log.display());
        thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the kill/restart harness; returns (missing, duplicates).
fn kill_harness(guarantee: &'static str, commit_interval_ms: u64) -> (usize, usize) {
    let (input, output) = (unique("eos-kill-in"), unique("eos-kill-out"));
    create_topics(&[&input, &output], PARTITIONS);
    let spec = AppSpec {
        app_id: unique("eos-kill-app"),
        input: input.clone(),
        output: output.clone(),
        guarantee,
        state_dir: std::env::temp_dir().join(unique("eos-kill-state")),
        extra_env: vec![
            ("COMMIT_INTERVAL_MS", commit_interval_ms.to_string()),
            ("SESSION_TIMEOUT_MS", "6000".into()),
            ("HEARTBEAT_INTERVAL_MS", "1000".into()),
        ],
    };
    let log = std::env::temp_dir().join(format!("{}.log", spec.app_id));
    eprintln!("{guarantee}: application log at {}", log.display());
    let binary = app_binary();

    // Input arrives while the application is being killed and restarted.
    let producer_topic = input.clone();
    let producer = thread::spawn(move || {
        for chunk in 0..40 {
            let start = chunk * (RECORDS / 40);
            produce(&producer_topic, (start..start + RECORDS / 40).map(|i| (format!("k{i}"), i.to_string())));
            thread::sleep(Duration::from_millis(750));
        }
    });

    let mut rng = Rng::from_time();
    for kill in 0..KILLS {
        let before = count_in_log(&log, "-> RUNNING");
        let mut child = spec.spawn(&binary, &log);
        wait_running(&log, before, &mut child);
        let after = Duration::from_millis(300 + rng.below(2500));
        thread::sleep(after);
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        eprintln!("{guarantee}: kill {} after {after:?} of RUNNING", kill + 1);
    }

    // A last instance finishes the input, then stops cleanly.
    let before = count_in_log(&log, "-> RUNNING");
    let mut child = spec.spawn(&binary, &log);
    wait_running(&log, before, &mut child);
    producer.join().expect("input producer");
    let deadline = Instant::now() + Duration::from_secs(180);
    while group_lag(&spec.app_id, &input, PARTITIONS) != 0 {
        assert!(Instant::now() < deadline, "the application did not catch up; see {}", log.display());
        thread::sleep(Duration::from_millis(500));
    }
    broker::signal(&child, libc::SIGTERM);
    let status = child.wait().expect("reap");
    assert!(status.success(), "the last instance did not exit cleanly ({status}); see {}", log.display());

    let records = read_committed(&output, PARTITIONS, Duration::from_secs(120));
    let (missing, duplicates) = check_exactly_once(&records, RECORDS);
    println!("{guarantee}: {} output records, {missing} missing, {duplicates} duplicates after {KILLS} kills", records.len());
    (missing, duplicates)
}

#[test]
fn exactly_once_v2_survives_sigkill() {
    let (missing, duplicates) = kill_harness("exactly_once_v2", 100);
    assert_eq!((missing, duplicates), (0, 0), "exactly-once violated: {missing} missing, {duplicates} duplicates");
}

#[test]
fn at_least_once_duplicates_are_detected() {
    let (missing, duplicates) = kill_harness("at_least_once", 5_000);
    assert_eq!(missing, 0, "at-least-once lost {missing} records");
    assert!(duplicates > 0, "the checker saw no duplicates under at_least_once with kills; it cannot be trusted");
}
