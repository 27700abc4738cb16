//! End-to-end tests of a built store stack: typed access through
//! metered → caching → change-logging → RocksDB, the changelog the cache
//! lets through, and a restore + checkpoint round trip into a wiped task
//! directory, as a restarted exactly-once task would do it.

use std::sync::{Arc, Mutex};

use crate::state::cache::FlushedEntry;
use crate::state::changelog::InMemoryChangelogCollector;
use crate::state::store::state_error;
use crate::state::test_suite::{BeI64, Utf8};
use crate::state::*;
use kstreams_serde::Serde;

fn context(
    task_dir: &std::path::Path,
    cache_bytes: usize,
) -> (StoreContext, Arc<InMemoryChangelogCollector>) {
    let collector = Arc::new(InMemoryChangelogCollector::default());
    let ctx = StoreContext {
        application_id: "payments".into(),
        task_id: "0_1".into(),
        partition: 1,
        task_dir: task_dir.to_path_buf(),
        rocksdb: RocksDbConfig::new(8 << 20, 2 << 20),
        cache: Arc::new(ThreadCache::new(cache_bytes)),
        collector: collector.clone(),
        timestamp: RecordTimestamp::default(),
        metrics: crate::metrics::StoreScope::detached(),
    };
    (ctx, collector)
}

#[derive(Default)]
struct Progress(Mutex<Vec<String>>);

impl StateRestoreListener for Progress {
    fn on_restore_start(&self, p: &ChangelogPartition, store: &str, start: i64, end: i64) {
        self.0.lock().expect("log").push(format!(
            "start {store} {}-{} {start}..{end}",
            p.topic, p.partition
        ));
    }
    fn on_batch_restored(&self, _: &ChangelogPartition, store: &str, batch_end: i64, n: u64) {
        self.0
            .lock()
            .expect("log")
            .push(format!("batch {store} {batch_end} {n}"));
    }
    fn on_restore_end(&self, _: &ChangelogPartition, store: &str, total: u64) {
        self.0
            .lock()
            .expect("log")
            .push(format!("end {store} {total}"));
    }
}

#[test]
fn typed_stack_logs_only_what_the_cache_flushes_and_forwards_typed_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ctx, collector) = context(dir.path(), 1 << 20);
    let forwarded = Arc::new(Mutex::new(Vec::new()));
    let sink = forwarded.clone();
    let listener = typed_flush_listener::<Utf8, BeI64, _>("counts", move |k, new, old, _ts| {
        sink.lock().expect("sink").push((k, new, old));
        Ok(())
    });
    let builder = KeyValueStoreBuilder::<Utf8, BeI64>::new("counts", StoreKind::RocksDb);
    assert_eq!(
        builder.changelog_topic("payments").as_deref(),
        Some("payments-counts-changelog")
    );
    let mut store = builder.build(&ctx, Some(listener)).expect("build");

    for n in 1..=3 {
        store.put(&"alice".to_owned(), &n).expect("put");
    }
    store.put(&"bob".to_owned(), &7).expect("put");
    assert_eq!(
        KeyValueStore::get(&store, &"alice".to_owned()).expect("get"),
        Some(3)
    );
    assert!(
        collector.records().is_empty(),
        "the cache holds writes until commit"
    );
    KeyValueStore::flush(&mut store).expect("commit flush");

    let log: Vec<_> = collector
        .records()
        .into_iter()
        .map(|r| (r.topic, r.partition, r.key, r.value))
        .collect();
    let topic = "payments-counts-changelog".to_owned();
    assert_eq!(
        log,
        vec![
            (
                topic.clone(),
                1,
                b"alice".to_vec(),
                Some(3i64.to_be_bytes().to_vec())
            ),
            (topic, 1, b"bob".to_vec(), Some(7i64.to_be_bytes().to_vec())),
        ]
    );
    assert_eq!(
        *forwarded.lock().expect("sink"),
        vec![
            ("alice".to_owned(), Some(3), None),
            ("bob".to_owned(), Some(7), None)
        ]
    );
    let all: Vec<_> = store
        .all()
        .expect("all")
        .map(|r| r.expect("item"))
        .collect();
    assert_eq!(all, vec![("alice".to_owned(), 3), ("bob".to_owned(), 7)]);
    assert_eq!(store.metrics().puts(), 4);
    assert_eq!(store.metrics().gets(), 1);
}

#[test]
fn restore_and_checkpoint_round_trip_after_wipe() {
    let root = tempfile::tempdir().expect("tempdir");
    let task = task_dir(root.path(), "payments", "0_1");
    let changelog = ChangelogPartition {
        topic: changelog_topic("payments", "counts"),
        partition: 1,
    };

    // Run 1: write, commit, capture the changelog and checkpoint its end.
    let (ctx, collector) = context(&task, 0);
    let builder = KeyValueStoreBuilder::<Utf8, BeI64>::new("counts", StoreKind::RocksDb);
    let mut store = builder.build(&ctx, None).expect("build");
    for (i, key) in ["a", "b", "c", "a"].iter().enumerate() {
        store.put(&(*key).to_owned(), &(i as i64)).expect("put");
    }
    store.delete(&"b".to_owned()).expect("delete");
    StateStore::close(&mut store).expect("close");
    let records = collector.records();
    assert_eq!(records.len(), 5, "budget 0: every write is logged");
    let before: Vec<(String, i64)> = vec![("a".into(), 3), ("c".into(), 2)];

    // Crash without a valid checkpoint under EOS: wipe, reopen, restore.
    wipe_task_dir(&task).expect("wipe");
    let checkpoint = Checkpoint::for_task(&task);
    let start = restore_start_offset(checkpoint.read().expect("read").get(&changelog).copied(), 0);
    let (ctx, collector) = context(&task, 1 << 20);
    let mut store = builder.build(&ctx, None).expect("rebuild");
    let progress = Arc::new(Progress::default());
    let mut restorer = StateRestorer::start(
        "counts",
        changelog.clone(),
        start,
        records.len() as i64,
        progress.clone(),
    );
    assert!(restorer.needs_restore());
    let restore: Vec<RestoreRecord<'_>> = records
        .iter()
        .enumerate()
        .map(|(offset, r)| RestoreRecord {
            offset: offset as i64,
            key: &r.key,
            value: r.value.as_deref(),
        })
        .collect();
    for batch in restore.chunks(3) {
        restorer
            .restore_batch(store.bytes_store_mut(), batch)
            .expect("restore batch");
    }
    let offset = restorer.complete().expect("restored something");
    assert!(
        collector.records().is_empty(),
        "restoring writes nothing to the changelog"
    );
    let after: Vec<_> = store
        .all()
        .expect("all")
        .map(|r| r.expect("item"))
        .collect();
    assert_eq!(after, before);

    StateStore::flush(&mut store).expect("flush before checkpoint");
    let mut offsets = CheckpointOffsets::new();
    offsets.insert(changelog.clone(), offset);
    checkpoint.write(&offsets).expect("write checkpoint");
    assert_eq!(
        restore_start_offset(checkpoint.read().expect("read").get(&changelog).copied(), 0),
        5
    );
    assert_eq!(
        *progress.0.lock().expect("log"),
        vec![
            "start counts payments-counts-changelog-1 0..5".to_owned(),
            "batch counts 2 3".to_owned(),
            "batch counts 4 2".to_owned(),
            "end counts 5".to_owned(),
        ]
    );
}

#[test]
fn lru_and_in_memory_kinds_build_and_null_values_delete() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ctx, collector) = context(dir.path(), 0);
    let mut lru =
        KeyValueStoreBuilder::<Utf8, BeI64>::new("recent", StoreKind::Lru { max_entries: 1 })
            .with_caching_disabled()
            .build(&ctx, None)
            .expect("build lru");
    lru.put(&"x".to_owned(), &1).expect("put");
    lru.put(&"y".to_owned(), &2).expect("put evicts x");
    let tombstones: Vec<_> = collector
        .records()
        .into_iter()
        .filter(|r| r.value.is_none())
        .map(|r| r.key)
        .collect();
    assert_eq!(tombstones, vec![b"x".to_vec()]);

    let mut mem = KeyValueStoreBuilder::<Utf8, OptionOf>::new("opt", StoreKind::InMemory)
        .with_logging_disabled()
        .build(&ctx, None)
        .expect("build in-memory");
    mem.put(&"k".to_owned(), &Some(5)).expect("put");
    assert_eq!(
        mem.put_if_absent(&"k".to_owned(), &Some(6)).expect("pia"),
        Some(Some(5))
    );
    mem.put(&"k".to_owned(), &None).expect("null deletes");
    assert_eq!(
        KeyValueStore::get(&mem, &"k".to_owned()).expect("get"),
        None
    );
}

/// `Option<i64>` whose `None` is Kafka `null`, like kstreams-serde's `Option<S>`.
struct OptionOf;

impl kstreams_serde::Serde for OptionOf {
    type Target = Option<i64>;

    fn serialize(value: &Option<i64>, out: &mut Vec<u8>) -> Result<(), kstreams_serde::SerdeError> {
        out.extend_from_slice(&value.unwrap_or_default().to_be_bytes());
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<Option<i64>, kstreams_serde::SerdeError> {
        <BeI64 as kstreams_serde::Serde>::deserialize(bytes).map(Some)
    }

    fn is_null(value: &Option<i64>) -> bool {
        value.is_none()
    }
}

/// Wraps a typed callback `(key, new value, old value, timestamp)` as a
/// [`CacheFlushListener`], deserializing with the store's serdes.
fn typed_flush_listener<KS, VS, F>(store: impl Into<String>, mut forward: F) -> CacheFlushListener
where
    KS: Serde,
    VS: Serde,
    F: FnMut(KS::Target, Option<VS::Target>, Option<VS::Target>, i64) -> crate::Result<()>
        + Send
        + 'static,
{
    let store = store.into();
    Box::new(move |entry: FlushedEntry| {
        let fail = |what: &str, e: kstreams_serde::SerdeError| {
            state_error(&store, format!("cannot deserialize a flushed {what}: {e}"))
        };
        let key = KS::deserialize(&entry.key).map_err(|e| fail("key", e))?;
        let new = entry
            .new_value
            .as_deref()
            .map(VS::deserialize)
            .transpose()
            .map_err(|e| fail("value", e))?;
        let old = entry
            .old_value
            .as_deref()
            .map(VS::deserialize)
            .transpose()
            .map_err(|e| fail("old value", e))?;
        forward(key, new, old, entry.timestamp)
    })
}
