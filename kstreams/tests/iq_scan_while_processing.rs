//! A long interactive-query scan does not stop the stream thread, on the
//! broker: a counter over 20 000 keys (RocksDB store `counts`, one stream
//! thread, two partitions) is scanned with `all()` slowly (a pause after
//! every 1 000 entries, so the scan lasts about 4 s) while a second wave
//! of 200 000 updates flows. The stream thread keeps processing while the
//! scan is open (records counted by a `peek` during the scan, and the rate
//! before and during, printed); the scan returns every key exactly once,
//! in key order, each with a count it had during the scan (from the count
//! at the scan's start to the final one). And it reads a consistent
//! snapshot (`runtime/query/scan.rs`: each task's store is pinned when its
//! first chunk is read; the store's lock is not held between chunks): the
//! wave updates each partition's keys round after round in key order, so
//! at any one instant a partition's counts, in key order, never increase
//! and differ by at most one. A scan reading chunks live, 0.2 s apart,
//! would see later chunks already a round ahead.

mod broker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use broker::{bootstrap, create_topics, group_lag, produce, unique};
use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::runtime::query::{QueryableStoreTypes, StoreQueryParameters};
use kstreams::serde::I64;
use kstreams::{KafkaStreams, ProcessingGuarantee, State, StreamsConfig};

const PARTITIONS: i32 = 2;
const KEYS: usize = 20_000;
const WAVE: usize = 200_000;

fn key(i: usize) -> String {
    format!("k{i:06}")
}

fn wait_caught_up(app: &str, input: &str) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while group_lag(app, input, PARTITIONS) != 0 {
        assert!(
            Instant::now() < deadline,
            "the application did not catch up"
        );
        thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_slow_scan_does_not_stop_processing_and_sees_each_key_once() {
    let (input, app) = (unique("iqs-in"), unique("iqs-app"));
    create_topics(&[&input], PARTITIONS);
    let dir = tempfile::tempdir().expect("state dir");
    let processed = Arc::new(AtomicU64::new(0));
    let counter = processed.clone();
    let b = StreamsBuilder::new();
    b.stream(Topic::<String, String, 2>::named(&input))
        .peek(move |_, _| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .group_by_key()
        .count_with(Materialized::<String, I64>::as_("counts"));
    let config = StreamsConfig::new(&app)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(ProcessingGuarantee::AtLeastOnce)
        .state_dir(dir.path());
    let streams = KafkaStreams::new(b.build().expect("topology"), config).expect("client");
    streams.start().expect("start");

    // Every key once: the store holds KEYS entries of count 1.
    produce(&input, (0..KEYS).map(|i| (key(i), "x".to_owned())));
    let deadline = Instant::now() + Duration::from_secs(120);
    while streams.state() != State::Running {
        assert!(
            Instant::now() < deadline,
            "not RUNNING ({})",
            streams.state()
        );
        thread::sleep(Duration::from_millis(50));
    }
    wait_caught_up(&app, &input);
    let store = streams
        .store(StoreQueryParameters::from_name_and_type(
            "counts",
            QueryableStoreTypes::key_value::<String, I64>(),
        ))
        .expect("the counts store");
    assert_eq!(
        store.approximate_num_entries().expect("entries"),
        KEYS as u64
    );

    // The second wave: WAVE more updates, spread over every key.
    let producer_input = input.clone();
    let wave = thread::spawn(move || {
        produce(
            &producer_input,
            (0..WAVE).map(|i| (key(i % KEYS), "x".to_owned())),
        );
    });
    // Measure the rate before the scan, for a second, once records flow.
    let base = processed.load(Ordering::Relaxed);
    let deadline = Instant::now() + Duration::from_secs(60);
    while processed.load(Ordering::Relaxed) < base + 1_000 {
        assert!(Instant::now() < deadline, "the second wave never arrived");
        thread::sleep(Duration::from_millis(10));
    }
    let before_from = (Instant::now(), processed.load(Ordering::Relaxed));
    thread::sleep(Duration::from_secs(1));
    let before = processed.load(Ordering::Relaxed) - before_from.1;
    let before_rate = before as f64 / before_from.0.elapsed().as_secs_f64();

    // The slow scan.
    let scan_start = (Instant::now(), processed.load(Ordering::Relaxed));
    let mut scanned: Vec<(String, i64)> = Vec::with_capacity(KEYS);
    for entry in store.all().expect("scan") {
        scanned.push(entry.expect("an entry"));
        if scanned.len() % 1_000 == 0 {
            thread::sleep(Duration::from_millis(200));
        }
    }
    let during = processed.load(Ordering::Relaxed) - scan_start.1;
    let scan_secs = scan_start.0.elapsed().as_secs_f64();
    wave.join().expect("second wave");
    wait_caught_up(&app, &input);
    println!(
        "processing: {before_rate:.0} records/s before the scan, {:.0} records/s during it ({during} records in the scan's {scan_secs:.1} s over {} entries)",
        during as f64 / scan_secs,
        scanned.len()
    );
    assert!(
        during > 0,
        "the stream thread processed nothing during a {scan_secs:.1} s scan"
    );

    // Every key once, in order, with a count from its value at the scan's
    // start (at least 1) to its final one.
    let finals: HashMap<String, i64> = store
        .all()
        .expect("final scan")
        .collect::<kstreams::Result<_>>()
        .expect("final entries");
    assert_eq!(scanned.len(), KEYS, "every key once");
    assert!(
        scanned.windows(2).all(|w| w[0].0 < w[1].0),
        "keys in strictly increasing order"
    );
    for (k, count) in &scanned {
        let last = finals[k];
        assert!(
            (1..=last).contains(count),
            "{k}: scanned {count}, final {last}"
        );
    }
    // One instant per partition: counts never increase along key order.
    let mut by_partition: HashMap<i32, Vec<(&String, i64)>> = HashMap::new();
    for (k, count) in &scanned {
        let p =
            kstreams::processor::partitioner::partition_for_key(k.as_bytes(), PARTITIONS as u32);
        by_partition.entry(p).or_default().push((k, *count));
    }
    for (p, counts) in &by_partition {
        let increase = counts.windows(2).find(|w| w[1].1 > w[0].1);
        assert!(
            increase.is_none(),
            "partition {p}: not one instant: {increase:?} (a later chunk saw a later state)"
        );
        let (max, min) = (counts[0].1, counts[counts.len() - 1].1);
        assert!(
            max - min <= 1,
            "partition {p}: counts from {min} to {max} at one instant"
        );
    }
    let expected_final = |i: usize| 1 + (WAVE / KEYS) as i64 + i64::from(i < WAVE % KEYS);
    for i in 0..KEYS {
        assert_eq!(
            finals[&key(i)],
            expected_final(i),
            "final count of {}",
            key(i)
        );
    }
    assert!(streams.close(Duration::from_secs(60)));
}
