//! Interactive queries on the broker: local queries on every store kind
//! against a reference model of seeded random data, and the availability
//! errors (`Error::InvalidStateStore`).
//!
//! One application, three input topics of 3 partitions:
//! - `kv-a` → a table in the RocksDB store `kv-rocks` (timestamped, DSL);
//! - `kv-b` (the same records) → a table in the in-memory store `kv-mem`;
//! - `cmd` → a processor writing a window store `win`, a session store
//!   `ses` and a plain (Processor API) key/value store `plain`.

mod broker;

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use broker::{bootstrap, create_topics, group_lag, produce, unique};
use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::error::InvalidStateStore;
use kstreams::runtime::query::{QueryableStoreTypes, StoreQueryParameters};
use kstreams::serde::{Window, Windowed, I64};
use kstreams::state::{
    ChangelogPartition, KeyValueStore, SessionStore, StateRestoreListener, WindowStore,
};
use kstreams::{processor, Error, KafkaStreams, ProcessingGuarantee, State, StreamsConfig};
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

const PARTITIONS: i32 = 3;
const MINUTE: i64 = 60_000;

/// Applies one command: `w <start> <n>` (window), `s <start> <end> <n>`
/// (session), `p <n>` (plain store; `n < 0` deletes).
#[processor(stores(
    win = Window<String, I64>(size = "1m", retention = "1d"),
    ses = Session<String, I64>(retention = "1d"),
    plain = KeyValue<String, I64>
))]
fn apply(
    key: &String,
    cmd: String,
    win: &mut dyn WindowStore<String, i64>,
    ses: &mut dyn SessionStore<String, i64>,
    plain: &mut dyn KeyValueStore<String, i64>,
) -> kstreams::Result<i64> {
    let parts: Vec<i64> = cmd
        .split(' ')
        .skip(1)
        .map(|p| p.parse().unwrap_or(0))
        .collect();
    match (cmd.as_bytes().first(), parts.as_slice()) {
        (Some(b'w'), [start, n]) => win.put(key, n, *start)?,
        (Some(b's'), [start, end, n]) => {
            ses.put(&Windowed::new(key.clone(), Window::new(*start, *end)), n)?
        }
        (Some(b'p'), [n]) if *n < 0 => drop(plain.delete(key)?),
        (Some(b'p'), [n]) => plain.put(key, n)?,
        _ => {}
    }
    Ok(0)
}

fn topology(kv_a: &str, kv_b: &str, cmd: &str) -> kstreams::Topology {
    let b = StreamsBuilder::new();
    let (a, bb, c): (
        Topic<String, I64, 3>,
        Topic<String, I64, 3>,
        Topic<String, String, 3>,
    ) = (Topic::named(kv_a), Topic::named(kv_b), Topic::named(cmd));
    b.table_with(a, Materialized::<String, I64>::as_("kv-rocks"));
    b.table_with(bb, Materialized::<String, I64>::as_("kv-mem").in_memory());
    b.stream(c).via(apply);
    b.build().expect("topology")
}

/// splitmix64: a small seeded generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A key of 1–4 letters from "abc", so prefixes and ranges overlap.
    fn key(&mut self) -> String {
        let len = 1 + self.below(4);
        (0..len)
            .map(|_| (b'a' + self.below(3) as u8) as char)
            .collect()
    }
}

/// Produces `(key, value)` with Java's partitioner; `None` is a tombstone.
fn produce_longs(topic: &str, records: &[(String, Option<i64>)]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("partitioner", "murmur2_random")
        .set("enable.idempotence", "true")
        .create()
        .expect("producer");
    for (k, v) in records {
        let bytes = v.map(i64::to_be_bytes);
        let mut record = BaseRecord::<String, [u8]>::to(topic).key(k);
        if let Some(b) = &bytes {
            record = record.payload(&b[..]);
        }
        let mut record = record;
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, back)) => {
                    record = back;
                    producer.poll(Duration::from_millis(10));
                }
            }
        }
    }
    producer.flush(Duration::from_secs(60)).expect("flush");
}

fn start(app: &str, topology: kstreams::Topology, dir: &std::path::Path) -> KafkaStreams {
    let config = StreamsConfig::new(app)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(dir);
    let streams = KafkaStreams::new(topology, config).expect("client");
    streams.start().expect("start");
    streams
}

fn wait_running(streams: &KafkaStreams) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while streams.state() != State::Running {
        assert!(
            Instant::now() < deadline,
            "not RUNNING ({})",
            streams.state()
        );
        thread::sleep(Duration::from_millis(50));
    }
}

fn wait_caught_up(app: &str, topics: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while topics.iter().any(|t| group_lag(app, t, PARTITIONS) != 0) {
        assert!(
            Instant::now() < deadline,
            "the application did not catch up"
        );
        thread::sleep(Duration::from_millis(200));
    }
}

type Kv = Vec<(String, i64)>;

fn collect(iter: impl Iterator<Item = kstreams::Result<(String, i64)>>) -> Kv {
    iter.collect::<kstreams::Result<_>>().expect("scan")
}

/// Checks a key/value store against the model (keys are ASCII, so string
/// order is serialized-key order).
fn check_key_value(
    streams: &KafkaStreams,
    name: &str,
    model: &BTreeMap<String, i64>,
    rng: &mut Rng,
) {
    let store = streams
        .store(StoreQueryParameters::from_name_and_type(
            name,
            QueryableStoreTypes::key_value::<String, I64>(),
        ))
        .expect("store");
    let everything: Kv = model.iter().map(|(k, v)| (k.clone(), *v)).collect();
    assert_eq!(
        collect(store.all().expect("all")),
        everything,
        "{name}: all"
    );
    let mut reversed = everything.clone();
    reversed.reverse();
    assert_eq!(
        collect(store.reverse_all().expect("reverse_all")),
        reversed,
        "{name}: reverse_all"
    );
    for _ in 0..200 {
        let key = rng.key();
        assert_eq!(
            store.get(&key).expect("get"),
            model.get(&key).copied(),
            "{name}: get {key}"
        );
    }
    for _ in 0..100 {
        let (from, to) = (rng.key(), rng.key());
        let expected: Kv = if from <= to {
            model
                .range(from.clone()..=to.clone())
                .map(|(k, v)| (k.clone(), *v))
                .collect()
        } else {
            Vec::new()
        };
        assert_eq!(
            collect(store.range(&from, &to).expect("range")),
            expected,
            "{name}: range {from}..={to}"
        );
        let mut expected = expected;
        expected.reverse();
        assert_eq!(
            collect(store.reverse_range(&from, &to).expect("reverse_range")),
            expected,
            "{name}: reverse_range {from}..={to}"
        );
        let prefix: String = from.chars().take(1 + rng.below(2) as usize).collect();
        let expected: Kv = model
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        assert_eq!(
            collect(store.prefix_scan::<String>(&prefix).expect("prefix")),
            expected,
            "{name}: prefix {prefix}"
        );
    }
    let empty = collect(
        store
            .range(&"zz".to_string(), &"zzz".to_string())
            .expect("range"),
    );
    assert!(empty.is_empty(), "{name}: a range past every key is empty");
    assert!(store.approximate_num_entries().expect("count") > 0 || model.is_empty());
}

#[test]
fn local_queries_match_a_reference_model_on_every_store_kind() {
    let (kv_a, kv_b, cmd, app) = (
        unique("iq-kva"),
        unique("iq-kvb"),
        unique("iq-cmd"),
        unique("iq-app"),
    );
    create_topics(&[&kv_a, &kv_b, &cmd], PARTITIONS);
    let mut rng = Rng(0x5EED_0015);

    // Key/value records, with deletes; the model applies them in order.
    let mut kv_model = BTreeMap::new();
    let mut kv_records = Vec::new();
    for _ in 0..2_000 {
        let key = rng.key();
        let value = (rng.below(10) != 0).then(|| rng.below(1_000_000) as i64);
        match value {
            Some(v) => kv_model.insert(key.clone(), v),
            None => kv_model.remove(&key),
        };
        kv_records.push((key, value));
    }
    produce_longs(&kv_a, &kv_records);
    produce_longs(&kv_b, &kv_records);

    // Window, session and plain-store commands.
    let mut win_model: BTreeMap<(String, i64), i64> = BTreeMap::new();
    let mut ses_model: BTreeMap<(String, i64, i64), i64> = BTreeMap::new();
    let mut plain_model: BTreeMap<String, i64> = BTreeMap::new();
    let mut commands = Vec::new();
    for _ in 0..3_000 {
        let key = rng.key();
        let n = rng.below(1000) as i64;
        let command = match rng.below(3) {
            0 => {
                let start = rng.below(60) as i64 * MINUTE;
                win_model.insert((key.clone(), start), n);
                format!("w {start} {n}")
            }
            1 => {
                let start = rng.below(3_600) as i64 * 1_000;
                let end = start + rng.below(600) as i64 * 1_000;
                ses_model.insert((key.clone(), end, start), n);
                format!("s {start} {end} {n}")
            }
            _ => {
                let n = n - 100;
                if n < 0 {
                    plain_model.remove(&key);
                } else {
                    plain_model.insert(key.clone(), n);
                }
                format!("p {n}")
            }
        };
        commands.push((key, command));
    }
    produce(&cmd, commands);

    let dir = tempfile::tempdir().expect("state dir");
    let streams = start(&app, topology(&kv_a, &kv_b, &cmd), dir.path());
    wait_running(&streams);
    wait_caught_up(&app, &[&kv_a, &kv_b, &cmd]);

    check_key_value(&streams, "kv-rocks", &kv_model, &mut rng);
    check_key_value(&streams, "kv-mem", &kv_model, &mut rng);
    check_key_value(&streams, "plain", &plain_model, &mut rng);

    // Window store.
    let win = streams
        .store(StoreQueryParameters::from_name_and_type(
            "win",
            QueryableStoreTypes::window_store::<String, I64>(),
        ))
        .expect("window store");
    for _ in 0..200 {
        let key = rng.key();
        let (a, b) = (
            rng.below(70) as i64 * MINUTE / 2,
            rng.below(70) as i64 * MINUTE / 2,
        );
        let expected: Vec<(i64, i64)> = win_model
            .iter()
            .filter(|((k, s), _)| *k == key && (a..=b).contains(s))
            .map(|((_, s), v)| (*s, *v))
            .collect();
        assert_eq!(
            win.fetch(&key, a, b).expect("fetch"),
            expected,
            "fetch {key} {a}..{b}"
        );
        let mut backward = expected.clone();
        backward.reverse();
        assert_eq!(win.backward_fetch(&key, a, b).expect("backward"), backward);
        if let Some((start, v)) = expected.first() {
            assert_eq!(win.fetch_at(&key, *start).expect("fetch_at"), Some(*v));
        }
        let mut all: Vec<(i64, String, i64)> = win_model
            .iter()
            .filter(|((_, s), _)| (a..=b).contains(s))
            .map(|((k, s), v)| (*s, k.clone(), *v))
            .collect();
        all.sort();
        let got: Vec<(i64, String, i64)> = win
            .fetch_all(a, b)
            .expect("fetch_all")
            .into_iter()
            .map(|(w, v)| {
                assert_eq!(
                    w.window.end_ms,
                    w.window.start_ms + MINUTE,
                    "window end = start + size"
                );
                (w.window.start_ms, w.key, v)
            })
            .collect();
        assert_eq!(got, all, "fetch_all {a}..{b}");
    }

    // Session store.
    let ses = streams
        .store(StoreQueryParameters::from_name_and_type(
            "ses",
            QueryableStoreTypes::session_store::<String, I64>(),
        ))
        .expect("session store");
    for _ in 0..200 {
        let key = rng.key();
        let sessions = |earliest_end: i64, latest_start: i64| -> Vec<(i64, i64, i64)> {
            ses_model
                .iter()
                .filter(|((k, e, s), _)| *k == key && *e >= earliest_end && *s <= latest_start)
                .map(|((_, e, s), v)| (*s, *e, *v))
                .collect()
        };
        let flat = |found: Vec<(Windowed<String>, i64)>| -> Vec<(i64, i64, i64)> {
            found
                .into_iter()
                .map(|(w, v)| {
                    assert_eq!(w.key, key);
                    (w.window.start_ms, w.window.end_ms, v)
                })
                .collect()
        };
        assert_eq!(
            flat(ses.fetch(&key).expect("fetch")),
            sessions(0, i64::MAX),
            "sessions of {key}"
        );
        let (e, s) = (
            rng.below(4_200) as i64 * 1_000,
            rng.below(4_200) as i64 * 1_000,
        );
        assert_eq!(
            flat(ses.find_sessions(&key, e, s).expect("find")),
            sessions(e, s),
            "find_sessions {key} {e} {s}"
        );
        let mut backward = sessions(e, s);
        backward.reverse();
        assert_eq!(
            flat(ses.backward_find_sessions(&key, e, s).expect("backward")),
            backward
        );
        if let Some((s0, e0, v0)) = sessions(0, i64::MAX).first() {
            assert_eq!(
                ses.fetch_session(&key, *s0, *e0).expect("fetch_session"),
                Some(*v0)
            );
        }
    }

    // One partition only.
    let one = streams
        .store(
            StoreQueryParameters::from_name_and_type(
                "kv-mem",
                QueryableStoreTypes::key_value::<String, I64>(),
            )
            .with_partition(0),
        )
        .expect("partition 0");
    let part0 = collect(one.all().expect("all"));
    assert!(
        !part0.is_empty() && part0.len() < kv_model.len(),
        "partition 0 holds some keys, not all"
    );
    for (k, v) in &part0 {
        assert_eq!(kv_model.get(k), Some(v));
    }

    // Availability errors on a running instance.
    let unknown = streams
        .store(StoreQueryParameters::from_name_and_type(
            "nope",
            QueryableStoreTypes::key_value::<String, I64>(),
        ))
        .expect_err("unknown store");
    let text = unknown.to_string();
    assert!(
        matches!(
            unknown,
            Error::InvalidStateStore(InvalidStateStore::UnknownStore { .. })
        ),
        "{text}"
    );
    for name in ["`nope`", "kv-rocks", "kv-mem", "win", "ses", "plain"] {
        assert!(text.contains(name), "{text} names {name}");
    }
    let wrong = streams
        .store(StoreQueryParameters::from_name_and_type(
            "win",
            QueryableStoreTypes::key_value::<String, String>(),
        ))
        .expect_err("wrong type");
    let text = wrong.to_string();
    assert!(
        matches!(
            wrong,
            Error::InvalidStateStore(InvalidStateStore::WrongType { .. })
        ),
        "{text}"
    );
    assert!(
        text.contains("key/value store with serdes (String, String)")
            && text.contains("window store with serdes (String, I64)"),
        "{text}"
    );
    let wrong_values = streams
        .store(StoreQueryParameters::from_name_and_type(
            "kv-rocks",
            QueryableStoreTypes::key_value::<String, String>(),
        ))
        .expect_err("wrong value serde");
    assert!(!matches!(&wrong_values, Error::InvalidStateStore(e) if e.is_retriable()));
    let not_here = streams
        .store(
            StoreQueryParameters::from_name_and_type(
                "kv-mem",
                QueryableStoreTypes::key_value::<String, I64>(),
            )
            .with_partition(7),
        )
        .expect_err("partition 7 is not hosted");
    assert!(matches!(
        not_here,
        Error::InvalidStateStore(InvalidStateStore::PartitionNotHosted { partition: 7, .. })
    ));

    streams.close(Duration::from_secs(60));
    let closed = streams
        .store(StoreQueryParameters::from_name_and_type(
            "kv-mem",
            QueryableStoreTypes::key_value::<String, I64>(),
        ))
        .expect_err("closed");
    assert!(
        matches!(&closed, Error::InvalidStateStore(e @ InvalidStateStore::NotRunning { .. }) if !e.is_retriable()),
        "{closed}"
    );
}

/// Blocks the stream thread at the end of restoration until released.
struct Gate {
    reached: Mutex<mpsc::Sender<()>>,
    release: Mutex<mpsc::Receiver<()>>,
}

impl StateRestoreListener for Gate {
    fn on_restore_start(&self, _: &ChangelogPartition, _: &str, _: i64, _: i64) {}
    fn on_batch_restored(&self, _: &ChangelogPartition, _: &str, _: i64, _: u64) {}
    fn on_restore_end(&self, _: &ChangelogPartition, _: &str, _: u64) {
        let _ = self.reached.lock().map(|s| s.send(()));
        let _ = self.release.lock().map(|r| r.recv());
    }
}

#[test]
fn queries_fail_before_start_and_while_restoring_unless_stale_stores_are_enabled() {
    let (kv_a, kv_b, cmd, app) = (
        unique("iq2-kva"),
        unique("iq2-kvb"),
        unique("iq2-cmd"),
        unique("iq2-app"),
    );
    create_topics(&[&kv_a, &kv_b, &cmd], PARTITIONS);
    let records: Vec<(String, Option<i64>)> =
        (0..300).map(|i| (format!("k{i}"), Some(i))).collect();
    produce_longs(&kv_b, &records);
    let kv_mem = || {
        StoreQueryParameters::from_name_and_type(
            "kv-mem",
            QueryableStoreTypes::key_value::<String, I64>(),
        )
    };

    // First run: fills the in-memory store's changelog.
    let dir = tempfile::tempdir().expect("state dir");
    let first = start(&app, topology(&kv_a, &kv_b, &cmd), dir.path());
    wait_running(&first);
    wait_caught_up(&app, &[&kv_b]);
    first.close(Duration::from_secs(60));
    drop(first);

    // Second run: the in-memory store restores from the changelog, and the
    // stream thread waits at the end of restoration.
    let config = StreamsConfig::new(&app)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(dir.path());
    let streams = KafkaStreams::new(topology(&kv_a, &kv_b, &cmd), config).expect("client");
    let not_started = streams.store(kv_mem()).expect_err("not started");
    assert!(
        matches!(&not_started, Error::InvalidStateStore(e @ InvalidStateStore::NotStarted { .. }) if !e.is_retriable()),
        "{not_started}"
    );
    let (reached_tx, reached_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    streams.set_global_state_restore_listener(Gate {
        reached: Mutex::new(reached_tx),
        release: Mutex::new(release_rx),
    });
    streams.start().expect("start");
    reached_rx
        .recv_timeout(Duration::from_secs(120))
        .expect("restoration reached its end");

    let restoring = streams.store(kv_mem()).expect_err("restoring");
    assert!(
        matches!(&restoring, Error::InvalidStateStore(e @ InvalidStateStore::Unavailable { .. }) if e.is_retriable()),
        "{restoring}"
    );
    assert!(restoring.to_string().contains("retry"), "{restoring}");
    // Stale stores: the restoring copy answers.
    let stale = streams
        .store(kv_mem().enable_stale_stores())
        .expect("stale store");
    let restored: Vec<i64> = stale
        .all()
        .expect("all")
        .map(|e| e.expect("entry").1)
        .collect();
    assert!(!restored.is_empty(), "the restored partition is readable");
    // A view taken now keeps working once the instance runs.
    let release = Arc::new(release_tx);
    for _ in 0..PARTITIONS * 3 {
        let _ = release.send(());
    }
    // Later restorations (other partitions' stores) pass the gate too.
    let releaser = {
        let release = release.clone();
        thread::spawn(move || {
            while reached_rx.recv_timeout(Duration::from_secs(5)).is_ok() {
                let _ = release.send(());
            }
        })
    };
    wait_running(&streams);
    let view = streams.store(kv_mem()).expect("store once running");
    assert_eq!(view.get(&"k42".to_string()).expect("get"), Some(42));
    assert_eq!(collect(view.all().expect("all")).len(), 300);
    streams.close(Duration::from_secs(60));
    drop(release);
    let _ = releaser.join();
}
