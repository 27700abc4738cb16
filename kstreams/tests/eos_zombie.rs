//! Zombie fencing: two instances of one exactly-once application (child
//! processes with different state directories, hence different
//! transactional ids). One is frozen with SIGSTOP past its session timeout
//! (and past the transaction timeout), so the group moves its partitions to
//! the other; then it is resumed. The zombie must notice it was fenced — its
//! log says so — and the read_committed output must hold every input
//! exactly once.

mod broker;

use std::path::PathBuf;
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};

use broker::{app_binary, check_exactly_once, create_topics, group_lag, produce, read_committed, unique, AppSpec};

const RECORDS: usize = 60_000;
const PARTITIONS: i32 = 4;

fn log_text(log: &PathBuf) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

fn wait_for_log(log: &PathBuf, what: &str, at_least: usize, child: &mut Child, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while log_text(log).matches(what).count() < at_least {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("instance exited ({status}) while waiting for `{what}`; log:\n{}", log_text(log));
        }
        assert!(Instant::now() < deadline, "no `{what}` (x{at_least}) in {} in time", log.display());
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_frozen_instance_is_fenced_and_output_has_no_duplicates() {
    let (input, output, app_id) = (unique("eos-zombie-in"), unique("eos-zombie-out"), unique("eos-zombie-app"));
    create_topics(&[&input, &output], PARTITIONS);
    let instance = |name: &str| AppSpec {
        app_id: app_id.clone(),
        input: input.clone(),
        output: output.clone(),
        guarantee: "exactly_once_v2",
        state_dir: std::env::temp_dir().join(unique(&format!("eos-zombie-{name}"))),
        extra_env: vec![("SESSION_TIMEOUT_MS", "6000".into()), ("HEARTBEAT_INTERVAL_MS", "1000".into())],
    };
    let (spec_a, spec_b) = (instance("a"), instance("b"));
    let log_a = std::env::temp_dir().join(format!("{app_id}-a.log"));
    let log_b = std::env::temp_dir().join(format!("{app_id}-b.log"));
    eprintln!("logs: {} {}", log_a.display(), log_b.display());
    let binary = app_binary();

    // Input keeps arriving during the whole test.
    let producer_topic = input.clone();
    let producer = thread::spawn(move || {
        for chunk in 0..30 {
            let start = chunk * (RECORDS / 30);
            produce(&producer_topic, (start..start + RECORDS / 30).map(|i| (format!("k{i}"), i.to_string())));
            thread::sleep(Duration::from_millis(1000));
        }
    });

    let mut a = spec_a.spawn(&binary, &log_a);
    wait_for_log(&log_a, "-> RUNNING", 1, &mut a, Duration::from_secs(60));
    let mut b = spec_b.spawn(&binary, &log_b);
    wait_for_log(&log_b, "-> RUNNING", 1, &mut b, Duration::from_secs(60));
    wait_for_log(&log_a, "-> RUNNING", 2, &mut a, Duration::from_secs(60)); // A after B joined
    thread::sleep(Duration::from_secs(1));

    // Freeze A past session.timeout.ms (6 s) and transaction.timeout.ms (10 s).
    broker::signal(&a, libc::SIGSTOP);
    eprintln!("A stopped");
    thread::sleep(Duration::from_secs(14));
    broker::signal(&a, libc::SIGCONT);
    eprintln!("A resumed");

    wait_for_log(&log_a, "fenced", 1, &mut a, Duration::from_secs(30));
    producer.join().expect("input producer");
    let deadline = Instant::now() + Duration::from_secs(120);
    while group_lag(&app_id, &input, PARTITIONS) != 0 {
        assert!(Instant::now() < deadline, "the group did not catch up; see the logs");
        thread::sleep(Duration::from_millis(500));
    }
    for child in [&mut a, &mut b] {
        broker::signal(child, libc::SIGTERM);
        let status = child.wait().expect("reap");
        assert!(status.success(), "an instance did not exit cleanly ({status})");
    }

    let records = read_committed(&output, PARTITIONS, Duration::from_secs(60));
    let (missing, duplicates) = check_exactly_once(&records, RECORDS);
    println!("zombie: {} output records, {missing} missing, {duplicates} duplicates", records.len());
    let fenced: Vec<String> = log_text(&log_a).lines().filter(|l| l.contains("fenced")).map(str::to_owned).collect();
    println!("zombie's fencing log lines:\n{}", fenced.join("\n"));
    assert_eq!((missing, duplicates), (0, 0));
}
