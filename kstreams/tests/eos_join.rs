//! Exactly-once for a stream-stream join under failure: orders whose two
//! halves (`L:<i>` then `R:<i>`, one second apart, same key) arrive on one
//! input are joined within 5 s (`eos_passthrough` with `MODE=join`: two
//! change-logged RocksDB window stores). The process is SIGKILLed at
//! random moments while the input is still being produced, and restarted:
//! the window stores are restored from their changelogs. A read_committed
//! consumer then checks that every order's pair appears exactly once and
//! none is missing.
//!
//! Under at_least_once the same harness reports what it sees: input
//! replayed after a kill finds its partner again in the restored store and
//! joins again, so pairs appear twice. The join has a minute of grace on
//! purpose: a restored window store's stream time may be ahead of the
//! replayed input by the records processed after the last commit, and with
//! a retention shorter than that gap a replayed record finds its partner
//! already expired (so at_least_once could also *lose* joins, in Kafka
//! Streams as here; with 1 s of grace this harness saw 3 % of pairs
//! missing under at_least_once, none under exactly_once_v2).

mod broker;

use std::collections::HashMap;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use broker::{
    app_binary, create_topics, log_text, produce_placed, read_committed_until, unique, AppSpec,
    Placed,
};
use kstreams::processor::partitioner::partition_for_key;

const PARTITIONS: i32 = 4;
/// Milliseconds between consecutive orders; an order's right half comes 1 s
/// after its left half (inside the 5 s join window).
const STEP_MS: i64 = 2;
const CHUNKS: usize = 20;

fn placed(topic: &str, key: String, value: String, timestamp: i64) -> Placed {
    Placed {
        topic: topic.to_owned(),
        partition: partition_for_key(key.as_bytes(), PARTITIONS as u32),
        key,
        value,
        timestamp,
    }
}

/// Order `i`'s two halves.
fn halves(topic: &str, base: i64, i: usize) -> [Placed; 2] {
    let (key, at) = (format!("order-{i:06}"), base + i as i64 * STEP_MS);
    [
        placed(topic, key.clone(), format!("L:{i}"), at),
        placed(topic, key, format!("R:{i}"), at + 1_000),
    ]
}

/// (exact, missing, duplicated, wrong) over the orders.
fn harness(
    guarantee: &'static str,
    orders: usize,
    commit_interval_ms: u64,
    kills: usize,
    min_delay_ms: u64,
) -> (usize, usize, usize, usize) {
    let started = Instant::now();
    let (input, output) = (unique("eos-join-in"), unique("eos-join-out"));
    create_topics(&[&input, &output], PARTITIONS);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let base = now - 2 * 3_600_000;
    let spec = AppSpec {
        app_id: unique("eos-join-app"),
        input: input.clone(),
        output: output.clone(),
        guarantee,
        state_dir: std::env::temp_dir().join(unique("eos-join-state")),
        extra_env: vec![
            ("MODE", "join".into()),
            ("COMMIT_INTERVAL_MS", commit_interval_ms.to_string()),
            ("SESSION_TIMEOUT_MS", "6000".into()),
            ("HEARTBEAT_INTERVAL_MS", "1000".into()),
        ],
    };
    let log = std::env::temp_dir().join(format!("{}.log", spec.app_id));
    eprintln!("{guarantee}: application log at {}", log.display());
    let binary = app_binary();

    let topic = input.clone();
    let producer = thread::spawn(move || {
        let per_chunk = orders / CHUNKS;
        for chunk in 0..CHUNKS {
            let range = chunk * per_chunk..(chunk + 1) * per_chunk;
            produce_placed(range.flat_map(|i| halves(&topic, base, i)));
            thread::sleep(Duration::from_millis(400));
        }
    });

    let child = broker::run_with_kills(&spec, &binary, &log, kills, min_delay_ms);
    producer.join().expect("input producer");
    broker::drain_and_stop(&spec, child, &log, PARTITIONS, Duration::from_secs(600));

    let mut seen: HashMap<String, (usize, String)> = HashMap::new();
    for (key, value, _) in read_committed_until(&output, orders) {
        let entry = seen.entry(key).or_default();
        entry.0 += 1;
        entry.1 = String::from_utf8_lossy(&value).into_owned();
    }
    let (mut exact, mut missing, mut duplicated, mut wrong) = (0, 0, 0, 0);
    for i in 0..orders {
        match seen.get(&format!("order-{i:06}")) {
            None => missing += 1,
            Some((n, _)) if *n > 1 => duplicated += 1,
            Some((_, v)) if *v != format!("L:{i}+R:{i}") => wrong += 1,
            Some(_) => exact += 1,
        }
    }
    assert_eq!(
        seen.len(),
        exact + duplicated + wrong,
        "pairs for keys no order has"
    );
    let restores = log_text(&log).matches("restoring state store").count();
    println!(
        "{guarantee}: {orders} orders, {kills} kills, {restores} store restorations: {exact} exact, {missing} missing, {duplicated} joined more than once, {wrong} wrong ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&spec.state_dir);
    (exact, missing, duplicated, wrong)
}

#[test]
fn exactly_once_v2_joins_every_pair_exactly_once_after_sigkills() {
    let orders = 60_000;
    let (exact, missing, duplicated, wrong) = harness("exactly_once_v2", orders, 100, 5, 300);
    assert_eq!(
        (missing, duplicated, wrong),
        (0, 0, 0),
        "exactly-once violated: {missing} pairs missing, {duplicated} duplicated, {wrong} wrong"
    );
    assert_eq!(exact, orders);
}

#[test]
fn at_least_once_duplicates_are_reported() {
    let (_, missing, duplicated, wrong) = harness("at_least_once", 40_000, 1_000, 4, 1_300);
    // At-least-once may repeat results, never lose one. (Lost pairs seen
    // here on 2026-12-03 were the test broker's 2-hour retention deleting
    // input timestamped 2 hours back before the app read it; the broker now
    // keeps Kafka's default 7 days.)
    assert_eq!(missing, 0, "at_least_once lost {missing} pairs");
    println!("at_least_once: the harness saw {duplicated} duplicated, {wrong} wrong and {missing} missing pairs");
    assert!(
        duplicated + wrong + missing > 0,
        "no duplicate under at_least_once with kills; the checker cannot be trusted"
    );
}
