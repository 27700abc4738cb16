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

use std::thread;
use std::time::Duration;

use broker::{
    app_binary, check_exactly_once, create_topics, produce, read_committed, unique, AppSpec,
};

const RECORDS: usize = 200_000;
const PARTITIONS: i32 = 4;
const KILLS: usize = 5;

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
            produce(
                &producer_topic,
                (start..start + RECORDS / 40).map(|i| (format!("k{i}"), i.to_string())),
            );
            thread::sleep(Duration::from_millis(750));
        }
    });

    let child = broker::run_with_kills(&spec, &binary, &log, KILLS, 300);
    producer.join().expect("input producer");
    broker::drain_and_stop(&spec, child, &log, PARTITIONS, Duration::from_secs(180));

    let records = read_committed(&output, PARTITIONS, Duration::from_secs(120));
    let (missing, duplicates) = check_exactly_once(&records, RECORDS);
    println!("{guarantee}: {} output records, {missing} missing, {duplicates} duplicates after {KILLS} kills", records.len());
    (missing, duplicates)
}

#[test]
fn exactly_once_v2_survives_sigkill() {
    let (missing, duplicates) = kill_harness("exactly_once_v2", 100);
    assert_eq!(
        (missing, duplicates),
        (0, 0),
        "exactly-once violated: {missing} missing, {duplicates} duplicates"
    );
}

#[test]
fn at_least_once_duplicates_are_detected() {
    let (missing, duplicates) = kill_harness("at_least_once", 5_000);
    assert_eq!(missing, 0, "at-least-once lost {missing} records");
    assert!(
        duplicates > 0,
        "the checker saw no duplicates under at_least_once with kills; it cannot be trusted"
    );
}
