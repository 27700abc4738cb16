//! The state updater on the broker (issue 14): rebalancing that does not
//! stop the world.
//!
//! - `outputs_continue_while_a_large_store_restores`: one instance, one
//!   stream thread, two tasks of a counting topology; task 0_0's changelog
//!   holds 1 000 000 records, task 0_1's is empty. While 0_0 restores,
//!   0_1 processes a steady input: its outputs keep arriving during the
//!   restore (printed with their arrival times), the restore lasts longer
//!   than `max.poll.interval.ms` and the member is never evicted (no task
//!   closed, one restore start), and 0_0 ends up exact.
//! - `kept_task_is_not_closed_across_rebalances`: a second instance joins
//!   and leaves; the first keeps the task it still owns open through both
//!   rebalances (`task-created-total` / `task-closed-total`), and every
//!   count stays exact.
//! - `a_restore_cut_short_by_a_rebalance_goes_on_from_its_checkpoint`: a
//!   second instance joins while the first restores; the restore is
//!   suspended (`on_restore_suspended`) and checkpointed where it stopped,
//!   and the first instance's next restore of that store starts right
//!   there.

mod broker;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use broker::{bootstrap, create_topics, group_lag, produce_placed, unique, wait_for_state, Placed};
use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::metrics::{MetricsSnapshot, THREAD_GROUP};
use kstreams::runtime::query::{QueryableStoreTypes, StoreQueryParameters};
use kstreams::serde::I64;
use kstreams::state::{ChangelogPartition, StateRestoreListener};
use kstreams::{KafkaStreams, ProcessingGuarantee, State, StreamsConfig};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::Message;

/// Keys in partition 0's changelog.
const KEYS: u64 = 1_000_000;
/// Keys in partition 0's changelog in the first test: enough that the
/// restore outlasts `max.poll.interval.ms` even on an idle machine (a
/// 1 000 000-record restore took 5.6 s in one CI run, too short; about
/// 180 000 records/s at most here, debug build, 1 000 per iteration).
const LARGE_KEYS: u64 = 2_500_000;
/// The main consumer's `max.poll.interval.ms` in the first test.
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(6);

fn counter(input: &str, output: &str) -> kstreams::Topology {
    let b = StreamsBuilder::new();
    let (i, o): (Topic<String, String, 2>, Topic<String, I64, 2>) =
        (Topic::named(input), Topic::named(output));
    b.stream(i)
        .group_by_key()
        .count_with(Materialized::<String, I64>::as_("counts"))
        .to_stream()
        .to(o);
    b.build().expect("topology")
}

/// Restore listener calls with their times, by changelog partition.
#[derive(Default)]
struct Restores {
    starts: Mutex<Vec<(i32, Instant)>>,
    /// (partition, start offset) of each restore started.
    start_offsets: Mutex<Vec<(i32, i64)>>,
    ends: Mutex<Vec<(i32, Instant, u64)>>,
    /// (partition, records restored) of each restore cut short.
    suspended: Mutex<Vec<(i32, u64)>>,
    /// Records restored into partition 0's store.
    restored_p0: AtomicU64,
}

struct Listener(Arc<Restores>);

impl StateRestoreListener for Listener {
    fn on_restore_start(&self, p: &ChangelogPartition, _: &str, start: i64, _: i64) {
        self.0
            .starts
            .lock()
            .unwrap()
            .push((p.partition, Instant::now()));
        self.0
            .start_offsets
            .lock()
            .unwrap()
            .push((p.partition, start));
    }
    fn on_batch_restored(&self, p: &ChangelogPartition, _: &str, _: i64, n: u64) {
        if p.partition == 0 {
            self.0.restored_p0.fetch_add(n, Ordering::Relaxed);
        }
    }
    fn on_restore_suspended(&self, p: &ChangelogPartition, _: &str, total: u64) {
        self.0.suspended.lock().unwrap().push((p.partition, total));
    }
    fn on_restore_end(&self, p: &ChangelogPartition, _: &str, total: u64) {
        self.0
            .ends
            .lock()
            .unwrap()
            .push((p.partition, Instant::now(), total));
    }
}

fn thread_metric(streams: &KafkaStreams, name: &str) -> f64 {
    let m: MetricsSnapshot = streams.metrics();
    m.find(name, &[])
        .filter(|x| x.group == THREAD_GROUP)
        .map(|x| x.value)
        .sum()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Reads every committed output record (all partitions) until `stop`,
/// noting when each arrived: (arrival, key, count).
fn read_outputs(
    output: String,
    stop: Arc<AtomicBool>,
) -> thread::JoinHandle<Vec<(Instant, String, i64)>> {
    thread::spawn(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap())
            .set("group.id", unique("checker"))
            .set("isolation.level", "read_committed")
            .set("enable.auto.commit", "false")
            .set("fetch.wait.max.ms", "20")
            .create()
            .expect("consumer");
        let mut tpl = TopicPartitionList::new();
        for p in 0..2 {
            tpl.add_partition_offset(&output, p, Offset::Beginning)
                .expect("tpl");
        }
        consumer.assign(&tpl).expect("assign");
        let mut out = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            if let Some(Ok(m)) = consumer.poll(Duration::from_millis(50)) {
                let key = String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned();
                let value = m
                    .payload()
                    .and_then(|v| <[u8; 8]>::try_from(v).ok())
                    .map_or(-1, i64::from_be_bytes);
                out.push((Instant::now(), key, value));
            }
        }
        out
    })
}

/// `key`'s count in the instance's store; `None` while the store cannot
/// be queried (rebalancing, restoring) or holds no such key.
fn count_of(streams: &KafkaStreams, key: &str) -> Option<i64> {
    streams
        .store(StoreQueryParameters::from_name_and_type(
            "counts",
            QueryableStoreTypes::key_value::<String, I64>(),
        ))
        .ok()?
        .get(&key.to_owned())
        .ok()?
}

#[test]
fn outputs_continue_while_a_large_store_restores() {
    let (input, output, app) = (unique("rwp-in"), unique("rwp-out"), unique("rwp-app"));
    create_topics(&[&input, &output], 2);
    let changelog = format!("{app}-counts-changelog");
    create_topics(&[&changelog], 2);
    // Partition 0's changelog: LARGE_KEYS keys counted once each.
    broker::fill_count_changelog(&changelog, 0, LARGE_KEYS);
    // Input of task 0_0, waiting behind its restore: 100 restored keys once more.
    produce_placed((0..100).map(|i| Placed {
        topic: input.clone(),
        partition: 0,
        key: format!("key-{i:07}"),
        value: "x".into(),
        timestamp: now_ms(),
    }));

    // Task 0_1's input: one record every 20 ms for as long as the test runs.
    let stop_traffic = Arc::new(AtomicBool::new(false));
    let traffic = {
        let (input, stop) = (input.clone(), stop_traffic.clone());
        thread::spawn(move || {
            // Threaded: it sends in the background (a `flush` per record
            // would take rust-rdkafka's 100 ms poll step each time).
            let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
                .set("bootstrap.servers", bootstrap())
                .set("linger.ms", "1")
                .create()
                .expect("traffic producer");
            let mut sent = BTreeMap::<String, i64>::new();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let key = format!("p1-{}", n % 20);
                let record = BaseRecord::to(&input)
                    .partition(1)
                    .key(&key)
                    .payload("x")
                    .timestamp(now_ms());
                producer.send(record).map_err(|(e, _)| e).expect("send");
                *sent.entry(key).or_default() += 1;
                n += 1;
                thread::sleep(Duration::from_millis(20));
            }
            producer.flush(Duration::from_secs(30)).expect("flush");
            sent
        })
    };
    let stop_reading = Arc::new(AtomicBool::new(false));
    let reader = read_outputs(output.clone(), stop_reading.clone());

    let state_dir = std::env::temp_dir().join(unique("rwp-state"));
    let config = StreamsConfig::new(&app)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(&state_dir)
        .consumer_config("session.timeout.ms", "6000")
        .consumer_config(
            "max.poll.interval.ms",
            &MAX_POLL_INTERVAL.as_millis().to_string(),
        )
        // A restore longer than max.poll.interval.ms, even on a fast machine.
        .restore_max_poll_records(1_000);
    let streams = KafkaStreams::new(counter(&input, &output), config).expect("client");
    let restores = Arc::new(Restores::default());
    streams.set_global_state_restore_listener(Listener(restores.clone()));
    let states = Arc::new(Mutex::new(Vec::new()));
    {
        let states = states.clone();
        streams.set_state_listener(move |old, new| {
            states.lock().unwrap().push((old, new, Instant::now()));
        });
    }
    let t0 = Instant::now();
    streams.start().expect("start");

    let deadline = Instant::now() + Duration::from_secs(300);
    let (restore_start, restore_end, restored) = loop {
        let start = restores
            .starts
            .lock()
            .unwrap()
            .iter()
            .find(|(p, _)| *p == 0)
            .map(|(_, at)| *at);
        let end = restores
            .ends
            .lock()
            .unwrap()
            .iter()
            .find(|(p, _, _)| *p == 0)
            .map(|(_, at, n)| (*at, *n));
        if let (Some(start), Some((end, n))) = (start, end) {
            break (start, end, n);
        }
        assert!(
            Instant::now() < deadline,
            "partition 0 not restored in time"
        );
        thread::sleep(Duration::from_millis(100));
    };
    wait_for_state(&streams, State::Running);
    thread::sleep(Duration::from_secs(3));
    stop_traffic.store(true, Ordering::Relaxed);
    let sent = traffic.join().expect("traffic");
    let deadline = Instant::now() + Duration::from_secs(120);
    while group_lag(&app, &input, 2) != 0 {
        assert!(
            Instant::now() < deadline,
            "the application did not catch up"
        );
        thread::sleep(Duration::from_millis(200));
    }

    // Partition 0's task is exact: restored keys, and counted once more.
    assert_eq!(restored, LARGE_KEYS);
    assert_eq!(count_of(&streams, "key-0000000"), Some(2));
    assert_eq!(count_of(&streams, "key-0000099"), Some(2));
    assert_eq!(count_of(&streams, "key-0000100"), Some(1));
    assert_eq!(count_of(&streams, "key-0999999"), Some(1));
    for (key, n) in &sent {
        assert_eq!(count_of(&streams, key), Some(*n), "{key}");
    }
    // Never evicted: no task closed (a lost or revoked assignment closes or
    // suspends them, and the restore would start over), one restore of
    // partition 0, REBALANCING entered once.
    let (created, closed) = (
        thread_metric(&streams, "task-created-total"),
        thread_metric(&streams, "task-closed-total"),
    );
    let starts_p0 = restores
        .starts
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, _)| *p == 0)
        .count();
    let states = states.lock().unwrap().clone();
    let rebalances = states
        .iter()
        .filter(|(_, new, _)| *new == State::Rebalancing)
        .count();
    assert!(streams.close(Duration::from_secs(60)));
    thread::sleep(Duration::from_secs(2));
    stop_reading.store(true, Ordering::Relaxed);
    let outputs = reader.join().expect("reader");

    // The timeline, relative to start().
    let rel = |at: Instant| at.saturating_duration_since(t0).as_secs_f64();
    let restore_secs = (restore_end - restore_start).as_secs_f64();
    println!(
        "restore of partition 0: {restored} records from t={:.2} s to t={:.2} s ({restore_secs:.2} s, {:.0} records/s); max.poll.interval.ms {} ms",
        rel(restore_start),
        rel(restore_end),
        restored as f64 / restore_secs.max(1e-6),
        MAX_POLL_INTERVAL.as_millis()
    );
    for (old, new, at) in &states {
        println!("state {old} -> {new} at t={:.2} s", rel(*at));
    }
    let p1: Vec<Instant> = outputs
        .iter()
        .filter(|(_, k, _)| k.starts_with("p1-"))
        .map(|(at, _, _)| *at)
        .collect();
    let during: Vec<Instant> = p1
        .iter()
        .copied()
        .filter(|at| *at >= restore_start && *at <= restore_end)
        .collect();
    let mut per_second = BTreeMap::<u64, usize>::new();
    for at in &p1 {
        *per_second.entry(rel(*at) as u64).or_default() += 1;
    }
    println!("partition 1 outputs per second of arrival (t: count): {per_second:?}");
    // Between partition 1's outputs, from its first to the restore's end
    // (the first one waits for task 0_1's start and first commit).
    let mut max_gap = Duration::ZERO;
    if let Some(first) = during.first() {
        let mut previous = *first;
        for at in during.iter().copied().chain([restore_end]) {
            max_gap = max_gap.max(at - previous);
            previous = at;
        }
    }
    println!(
        "partition 1 outputs: {} in all, {} during the restore (first at t={:.2} s, last at t={:.2} s), longest gap during the restore {:.2} s; tasks created {created}, closed {closed}",
        p1.len(),
        during.len(),
        during.first().map_or(f64::NAN, |at| rel(*at)),
        during.last().map_or(f64::NAN, |at| rel(*at)),
        max_gap.as_secs_f64()
    );

    assert!(
        restore_end - restore_start > MAX_POLL_INTERVAL,
        "the restore ({restore_secs:.2} s) must outlast max.poll.interval.ms for the test to mean anything; lower restore_max_poll_records"
    );
    assert!(
        during.len() as f64 >= restore_secs * 10.0,
        "only {} partition 1 outputs during a {restore_secs:.2} s restore",
        during.len()
    );
    assert!(
        during
            .first()
            .is_some_and(|at| *at - restore_start < (restore_end - restore_start) / 2),
        "partition 1's first output came late in the restore"
    );
    assert!(
        max_gap < Duration::from_secs(2),
        "partition 1's outputs paused for {max_gap:?} during the restore"
    );
    assert_eq!((created, closed), (2.0, 0.0), "tasks created, closed");
    assert_eq!(starts_p0, 1, "partition 0's restore started over");
    assert_eq!(rebalances, 1, "states {states:?}");
    let _ = std::fs::remove_dir_all(&state_dir);
}

fn start_instance(
    app: &str,
    input: &str,
    output: &str,
    state_dir: &std::path::Path,
    restores: &Arc<Restores>,
) -> KafkaStreams {
    let config = StreamsConfig::new(app)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(state_dir)
        .consumer_config("session.timeout.ms", "6000")
        .restore_max_poll_records(1_000);
    let streams = KafkaStreams::new(counter(input, output), config).expect("client");
    streams.set_global_state_restore_listener(Listener(restores.clone()));
    streams.start().expect("start");
    streams
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not in time");
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn kept_task_is_not_closed_across_rebalances() {
    let (input, output, app) = (unique("keep-in"), unique("keep-out"), unique("keep-app"));
    create_topics(&[&input, &output], 2);
    let round = |n: usize| {
        produce_placed((0..40).map(|i| Placed {
            topic: input.clone(),
            partition: i % 2,
            key: format!("k{i}"),
            value: format!("{n}"),
            timestamp: now_ms(),
        }));
    };
    let caught_up = || group_lag(&app, &input, 2) == 0;
    let (dir_a, dir_b) = (
        std::env::temp_dir().join(unique("keep-a")),
        std::env::temp_dir().join(unique("keep-b")),
    );
    let (restores_a, restores_b) = (Arc::new(Restores::default()), Arc::new(Restores::default()));

    round(1);
    let a = start_instance(&app, &input, &output, &dir_a, &restores_a);
    wait_for_state(&a, State::Running);
    wait_for("A caught up", caught_up);
    let metric = |s: &KafkaStreams| {
        (
            thread_metric(s, "task-created-total"),
            thread_metric(s, "task-closed-total"),
        )
    };
    assert_eq!(metric(&a), (2.0, 0.0), "A alone: created, closed");

    // B joins: each instance gets one task; A keeps one of its two open.
    let b = start_instance(&app, &input, &output, &dir_b, &restores_b);
    wait_for("B running its task", || {
        b.state() == State::Running && metric(&b).0 == 1.0
    });
    wait_for_state(&a, State::Running);
    println!(
        "after B joined: A created/closed {:?}, B {:?}",
        metric(&a),
        metric(&b)
    );
    assert_eq!(
        metric(&a),
        (2.0, 1.0),
        "A keeps one task open and closes the other"
    );
    round(2);
    wait_for("both caught up", caught_up);

    // B leaves: A gets the other task back (created anew, restored from
    // its checkpoint), and the one it kept stays open.
    assert!(b.close(Duration::from_secs(60)));
    wait_for("A running both tasks", || {
        a.state() == State::Running && metric(&a).0 == 3.0
    });
    println!("after B left: A created/closed {:?}", metric(&a));
    assert_eq!(metric(&a), (3.0, 1.0), "A created only the returning task");
    round(3);
    wait_for("A caught up again", caught_up);
    for i in 0..40 {
        assert_eq!(count_of(&a, &format!("k{i}")), Some(3), "k{i}");
    }
    assert!(a.close(Duration::from_secs(60)));
    let _ = std::fs::remove_dir_all(&dir_a);
    let _ = std::fs::remove_dir_all(&dir_b);
}

/// A restore cut short by a rebalance is checkpointed where it stopped:
/// when the task comes back, restoration goes on from there (never from
/// the start, never skipping a record), and the store ends up exact.
#[test]
fn a_restore_cut_short_by_a_rebalance_goes_on_from_its_checkpoint() {
    let (input, output, app) = (unique("cut-in"), unique("cut-out"), unique("cut-app"));
    create_topics(&[&input, &output], 2);
    let changelog = format!("{app}-counts-changelog");
    create_topics(&[&changelog], 2);
    broker::fill_count_changelog(&changelog, 0, KEYS);
    let (dir_a, dir_b) = (
        std::env::temp_dir().join(unique("cut-a")),
        std::env::temp_dir().join(unique("cut-b")),
    );
    let (restores_a, restores_b) = (Arc::new(Restores::default()), Arc::new(Restores::default()));
    let a = start_instance(&app, &input, &output, &dir_a, &restores_a);
    wait_for("A restoring", || {
        restores_a.restored_p0.load(Ordering::Relaxed) >= 100_000
    });
    // B joins mid-restore: A's restoring task is revoked, checkpointed.
    let b = start_instance(&app, &input, &output, &dir_b, &restores_b);
    wait_for("A's restore suspended", || {
        !restores_a.suspended.lock().unwrap().is_empty()
    });
    let cut = restores_a.suspended.lock().unwrap()[0];
    println!(
        "A's first restore of partition 0 suspended after {} records",
        cut.1
    );
    assert_eq!(cut.0, 0);
    assert!(cut.1 >= 100_000 && cut.1 < KEYS, "{cut:?}");
    wait_for_state(&b, State::Running);
    // B leaves: partition 0's task ends on A whatever B did.
    assert!(b.close(Duration::from_secs(60)));
    wait_for_state(&a, State::Running);
    wait_for("A owns partition 0's task", || {
        count_of(&a, "key-0999999").is_some()
    });
    let starts: Vec<i64> = restores_a
        .start_offsets
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, _)| *p == 0)
        .map(|(_, o)| *o)
        .collect();
    println!(
        "A's restores of partition 0 started at offsets {starts:?}; B's: {:?}",
        restores_b.start_offsets.lock().unwrap()
    );
    // Offsets 0.. of a changelog written without transactions: A's next
    // restore starts right after the last record it restored.
    assert!(starts.len() >= 2, "{starts:?}");
    assert_eq!(
        starts[..2],
        [0, cut.1 as i64],
        "A's restores of partition 0"
    );
    for key in ["key-0000000", "key-0123456", "key-0500000", "key-0999999"] {
        assert_eq!(count_of(&a, key), Some(1), "{key}");
    }
    produce_placed([Placed {
        topic: input.clone(),
        partition: 0,
        key: "key-0000007".into(),
        value: "x".into(),
        timestamp: now_ms(),
    }]);
    wait_for("A caught up", || group_lag(&app, &input, 2) == 0);
    assert_eq!(count_of(&a, "key-0000007"), Some(2));
    assert!(a.close(Duration::from_secs(60)));
    let _ = std::fs::remove_dir_all(&dir_a);
    let _ = std::fs::remove_dir_all(&dir_b);
}
