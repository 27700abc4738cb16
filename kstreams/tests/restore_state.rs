//! Restoration on the broker: run the counter, stop it, delete its state
//! directory, run it again: the store is rebuilt from its changelog with
//! identical contents (and the restore listener sees it), and the outputs
//! go on from the restored counts. Also prints the restore rate
//! (records/s) of a 1 000 000-key changelog.

mod broker;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use broker::{bootstrap, create_topics, group_lag, produce, unique};
use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::runtime::query::{QueryableStoreTypes, StoreQueryParameters};
use kstreams::serde::I64;
use kstreams::state::{ChangelogPartition, StateRestoreListener};
use kstreams::{KafkaStreams, ProcessingGuarantee, State, StreamsConfig};

/// Counts listener calls and restored records; remembers start/end times.
#[derive(Default)]
struct Recorder {
    starts: AtomicU64,
    ends: AtomicU64,
    restored: AtomicU64,
    started_at: std::sync::Mutex<Option<Instant>>,
    ended_at: std::sync::Mutex<Option<Instant>>,
}

struct Listener(Arc<Recorder>);

impl StateRestoreListener for Listener {
    fn on_restore_start(&self, _: &ChangelogPartition, _: &str, _: i64, _: i64) {
        self.0.starts.fetch_add(1, Ordering::Relaxed);
        self.0
            .started_at
            .lock()
            .unwrap()
            .get_or_insert_with(Instant::now);
    }
    fn on_batch_restored(&self, _: &ChangelogPartition, _: &str, _: i64, n: u64) {
        self.0.restored.fetch_add(n, Ordering::Relaxed);
    }
    fn on_restore_end(&self, _: &ChangelogPartition, _: &str, _: u64) {
        self.0.ends.fetch_add(1, Ordering::Relaxed);
        *self.0.ended_at.lock().unwrap() = Some(Instant::now());
    }
}

fn counter(input: &str, output: &str, partitions: u32) -> kstreams::Topology {
    let b = StreamsBuilder::new();
    match partitions {
        1 => {
            let (i, o): (Topic<String, String, 1>, Topic<String, I64, 1>) =
                (Topic::named(input), Topic::named(output));
            b.stream(i)
                .group_by_key()
                .count_with(Materialized::<String, I64>::as_("counts"))
                .to_stream()
                .to(o);
        }
        _ => {
            let (i, o): (Topic<String, String, 2>, Topic<String, I64, 2>) =
                (Topic::named(input), Topic::named(output));
            b.stream(i)
                .group_by_key()
                .count_with(Materialized::<String, I64>::as_("counts"))
                .to_stream()
                .to(o);
        }
    }
    b.build().expect("topology")
}

fn start(
    app: &str,
    input: &str,
    output: &str,
    partitions: u32,
    state_dir: &std::path::Path,
    recorder: &Arc<Recorder>,
) -> KafkaStreams {
    let config = StreamsConfig::new(app)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(state_dir);
    let streams = KafkaStreams::new(counter(input, output, partitions), config).expect("client");
    streams.set_global_state_restore_listener(Listener(recorder.clone()));
    streams.start().expect("start");
    let deadline = Instant::now() + Duration::from_secs(120);
    while streams.state() != State::Running {
        assert!(
            Instant::now() < deadline,
            "not RUNNING in time ({})",
            streams.state()
        );
        thread::sleep(Duration::from_millis(50));
    }
    streams
}

fn wait_caught_up(app: &str, input: &str, partitions: i32) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while group_lag(app, input, partitions) != 0 {
        assert!(
            Instant::now() < deadline,
            "the application did not catch up"
        );
        thread::sleep(Duration::from_millis(200));
    }
}

fn store_contents(streams: &KafkaStreams) -> BTreeMap<String, i64> {
    streams
        .store(StoreQueryParameters::from_name_and_type(
            "counts",
            QueryableStoreTypes::key_value::<String, I64>(),
        ))
        .expect("store")
        .all()
        .expect("scan")
        .collect::<kstreams::Result<_>>()
        .expect("scan")
}

#[test]
fn deleted_state_is_restored_from_the_changelog() {
    let (input, output, app) = (
        unique("restore-in"),
        unique("restore-out"),
        unique("restore-app"),
    );
    create_topics(&[&input, &output], 2);
    let state_dir = std::env::temp_dir().join(unique("restore-state"));
    produce(
        &input,
        (0..5_000).map(|i| (format!("acct-{}", i % 200), "pay".to_owned())),
    );

    let first = Arc::new(Recorder::default());
    let streams = start(&app, &input, &output, 2, &state_dir, &first);
    wait_caught_up(&app, &input, 2);
    let before = store_contents(&streams);
    assert_eq!(before.len(), 200);
    assert!(before.values().all(|n| *n == 25), "{before:?}");
    assert!(streams.close(Duration::from_secs(30)));
    assert_eq!(
        first.restored.load(Ordering::Relaxed),
        0,
        "a fresh application has nothing to restore"
    );

    std::fs::remove_dir_all(&state_dir).expect("delete the state directory");
    let second = Arc::new(Recorder::default());
    let streams = start(&app, &input, &output, 2, &state_dir, &second);
    let after = store_contents(&streams);
    assert_eq!(after, before, "restored store differs");
    assert!(
        second.starts.load(Ordering::Relaxed) >= 1 && second.ends.load(Ordering::Relaxed) >= 1,
        "restore listener not called"
    );
    assert!(
        second.restored.load(Ordering::Relaxed) >= 200,
        "restored {} records",
        second.restored.load(Ordering::Relaxed)
    );

    // Outputs go on from the restored counts.
    produce(
        &input,
        (0..200).map(|i| (format!("acct-{i}"), "pay".to_owned())),
    );
    wait_caught_up(&app, &input, 2);
    let now = store_contents(&streams);
    assert!(now.values().all(|n| *n == 26), "{now:?}");
    assert!(streams.close(Duration::from_secs(30)));
    let records = broker::read_committed(&output, 2, Duration::from_secs(60));
    let mut last: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (_, k, v) in records {
        last.insert(k, v.into_bytes());
    }
    assert_eq!(last.len(), 200);
    assert!(
        last.values().all(|v| v.as_slice() == 26i64.to_be_bytes()),
        "final outputs are not 26"
    );
    let _ = std::fs::remove_dir_all(&state_dir);
}

#[test]
fn restore_rate_of_a_one_million_key_changelog() {
    const KEYS: u64 = 1_000_000;
    let (input, output, app) = (unique("rate-in"), unique("rate-out"), unique("rate-app"));
    create_topics(&[&input, &output], 1);
    let changelog = format!("{app}-counts-changelog");
    create_topics(&[&changelog], 1);
    broker::fill_count_changelog(&changelog, 0, KEYS);

    let state_dir = std::env::temp_dir().join(unique("rate-state"));
    let recorder = Arc::new(Recorder::default());
    let streams = start(&app, &input, &output, 1, &state_dir, &recorder);
    let restored = recorder.restored.load(Ordering::Relaxed);
    let (Some(t0), Some(t1)) = (
        *recorder.started_at.lock().unwrap(),
        *recorder.ended_at.lock().unwrap(),
    ) else {
        panic!("the restore listener was not called");
    };
    let secs = (t1 - t0).as_secs_f64();
    println!(
        "restore rate: {restored} records in {secs:.2} s = {:.0} records/s (RocksDB store, 1 partition, {} build)",
        restored as f64 / secs.max(1e-6),
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    assert_eq!(restored, KEYS);
    assert_eq!(
        streams
            .store(StoreQueryParameters::from_name_and_type(
                "counts",
                QueryableStoreTypes::key_value::<String, I64>(),
            ))
            .expect("store")
            .get(&"key-0999999".to_string())
            .expect("get"),
        Some(1)
    );
    streams.close(Duration::from_secs(30));
    let _ = std::fs::remove_dir_all(&state_dir);
}
