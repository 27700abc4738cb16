//! End-to-end tests of built window and session store stacks: typed
//! access through metered → change-logging → bytes store, changelog bytes
//! checked against Java's layouts by hand, builder checks, restoring a
//! wiped task. RocksDB segments on disk are tested in `segment_tests`.

use std::sync::Arc;

use kstreams_serde::{Window, Windowed};

use crate::state::changelog::InMemoryChangelogCollector;
use crate::state::test_suite::{BeI64, Utf8};
use crate::state::*;

fn context(task_dir: &std::path::Path) -> (StoreContext, Arc<InMemoryChangelogCollector>) {
    let collector = Arc::new(InMemoryChangelogCollector::default());
    let ctx = StoreContext {
        application_id: "app".into(),
        task_id: "0_2".into(),
        partition: 2,
        task_dir: task_dir.to_path_buf(),
        rocksdb: RocksDbConfig::new(8 << 20, 2 << 20),
        cache: Arc::new(ThreadCache::new(0)),
        collector: collector.clone(),
        timestamp: RecordTimestamp::default(),
        metrics: crate::metrics::StoreScope::detached(),
    };
    (ctx, collector)
}

fn key_value_log(c: &InMemoryChangelogCollector) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    c.records().into_iter().map(|r| (r.key, r.value)).collect()
}

#[test]
fn window_changelog_keys_are_javas_window_key_schema() {
    for kind in [StoreKind::InMemory, StoreKind::RocksDb] {
        let dir = tempfile::tempdir().unwrap();
        let (ctx, collector) = context(dir.path());
        ctx.timestamp.set(77);
        let builder = WindowStoreBuilder::<Utf8, BeI64>::new("w", kind, 60_000, 10_000, false);
        assert_eq!(
            builder.changelog_topic("app").as_deref(),
            Some("app-w-changelog")
        );
        let mut store = builder.build(&ctx).unwrap();
        store.put(&"k".to_owned(), &5, 1_000).unwrap();
        store.delete(&"k".to_owned(), 1_000).unwrap();
        // [k][start = 1000: 8 BE][seq = 0: 4 BE], by hand.
        let key = b"k\x00\x00\x00\x00\x00\x00\x03\xe8\x00\x00\x00\x00".to_vec();
        assert_eq!(
            key_value_log(&collector),
            vec![
                (key.clone(), Some(5i64.to_be_bytes().to_vec())),
                (key, None)
            ]
        );
        let first = &collector.records()[0];
        assert_eq!(
            (first.topic.as_str(), first.partition, first.timestamp),
            ("app-w-changelog", 2, 77)
        );

        let dups = WindowStoreBuilder::<Utf8, BeI64>::new("d", kind, 60_000, 10_000, true);
        let (ctx, collector) = context(dir.path());
        let mut store = dups.build(&ctx).unwrap();
        store.put(&"k".to_owned(), &1, 0x0102).unwrap();
        store.put(&"k".to_owned(), &2, 0x0102).unwrap();
        store.delete(&"k".to_owned(), 0x0102).unwrap();
        let keys: Vec<Vec<u8>> = collector.records().into_iter().map(|r| r.key).collect();
        assert_eq!(
            keys,
            vec![
                b"k\x00\x00\x00\x00\x00\x00\x01\x02\x00\x00\x00\x01".to_vec(),
                b"k\x00\x00\x00\x00\x00\x00\x01\x02\x00\x00\x00\x02".to_vec(),
            ],
            "duplicates get sequence numbers 1, 2; deletes are not logged"
        );
        assert_eq!(
            store.fetch_range(&"k".to_owned(), 0, 1_000).unwrap(),
            vec![(0x0102, 1), (0x0102, 2)]
        );
    }
}

#[test]
fn session_changelog_keys_are_javas_session_key_schema() {
    for kind in [StoreKind::InMemory, StoreKind::RocksDb] {
        let dir = tempfile::tempdir().unwrap();
        let (ctx, collector) = context(dir.path());
        let builder = SessionStoreBuilder::<Utf8, BeI64>::new("s", kind, 60_000);
        let mut store = builder.build(&ctx).unwrap();
        let session = Windowed::new("bob".to_owned(), Window::new(1_000, 5_000));
        store.put(&session, &3).unwrap();
        store.remove(&session).unwrap();
        // [bob][end = 5000: 8 BE][start = 1000: 8 BE], by hand.
        let key = b"bob\x00\x00\x00\x00\x00\x00\x13\x88\x00\x00\x00\x00\x00\x00\x03\xe8".to_vec();
        assert_eq!(
            key_value_log(&collector),
            vec![
                (key.clone(), Some(3i64.to_be_bytes().to_vec())),
                (key, None)
            ]
        );
    }
}

#[test]
fn typed_window_store_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, _) = context(dir.path());
    let mut store =
        WindowStoreBuilder::<Utf8, BeI64>::new("w", StoreKind::RocksDb, 60_000, 10_000, false)
            .with_logging_disabled()
            .build(&ctx)
            .unwrap();
    let (a, b) = ("a".to_owned(), "b".to_owned());
    store.put(&a, &1, 0).unwrap();
    store.put(&a, &2, 10_000).unwrap();
    store.put(&b, &3, 10_000).unwrap();
    assert_eq!(store.fetch(&a, 10_000).unwrap(), Some(2));
    assert_eq!(
        store.fetch_range(&a, 0, 10_000).unwrap(),
        vec![(0, 1), (10_000, 2)]
    );
    assert_eq!(
        store.backward_fetch(&a, 0, 10_000).unwrap(),
        vec![(10_000, 2), (0, 1)]
    );
    let w = |k: &str, s: i64| Windowed::new(k.to_owned(), Window::new(s, s + 10_000));
    assert_eq!(
        store.fetch_all(5_000, 10_000).unwrap(),
        vec![(w("a", 10_000), 2), (w("b", 10_000), 3)]
    );
    assert_eq!(
        store.backward_fetch_all(0, 10_000).unwrap()[0],
        (w("b", 10_000), 3)
    );
    assert_eq!(
        store.fetch_key_range(&b, &b, 0, 20_000).unwrap(),
        vec![(w("b", 10_000), 3)]
    );
    assert_eq!(store.all().unwrap().len(), 3);
    assert_eq!(store.metrics().puts(), 3);
    WindowStore::flush(&mut store).unwrap();
}

#[test]
fn typed_session_store_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, _) = context(dir.path());
    let mut store = SessionStoreBuilder::<Utf8, BeI64>::new("s", StoreKind::InMemory, 60_000)
        .build(&ctx)
        .unwrap();
    let s = |k: &str, start: i64, end: i64| Windowed::new(k.to_owned(), Window::new(start, end));
    store.put(&s("a", 0, 10), &1).unwrap();
    store.put(&s("a", 20, 30), &2).unwrap();
    store.put(&s("b", 5, 5), &3).unwrap();
    let a = "a".to_owned();
    assert_eq!(
        store.find_sessions(&a, 10, 25).unwrap(),
        vec![(s("a", 0, 10), 1), (s("a", 20, 30), 2)]
    );
    assert_eq!(
        store.backward_find_sessions(&a, 11, 25).unwrap(),
        vec![(s("a", 20, 30), 2)]
    );
    assert_eq!(store.fetch_session(&a, 20, 30).unwrap(), Some(2));
    assert_eq!(
        store.find_sessions_all(0, 5).unwrap(),
        vec![(s("b", 5, 5), 3), (s("a", 0, 10), 1)]
    );
    store.remove(&s("a", 0, 10)).unwrap();
    assert_eq!(store.fetch(&a).unwrap(), vec![(s("a", 20, 30), 2)]);
}

#[test]
fn builders_refuse_what_they_cannot_build() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, _) = context(dir.path());
    let lru = StoreKind::Lru { max_entries: 3 };
    assert!(
        WindowStoreBuilder::<Utf8, BeI64>::new("w", lru, 60_000, 1_000, false)
            .build(&ctx)
            .is_err()
    );
    assert!(
        WindowStoreBuilder::<Utf8, BeI64>::new("w", StoreKind::InMemory, 500, 1_000, false)
            .build(&ctx)
            .is_err()
    );
    assert!(
        WindowStoreBuilder::<Utf8, BeI64>::new("w", StoreKind::InMemory, 60_000, 0, false)
            .build(&ctx)
            .is_err()
    );
    let cached =
        WindowStoreBuilder::<Utf8, BeI64>::new("w", StoreKind::InMemory, 60_000, 1_000, false)
            .with_caching_enabled();
    assert!(cached.caching_enabled());
    assert!(cached.build(&ctx).is_ok(), "a window store may cache");
    let session = SessionStoreBuilder::<Utf8, BeI64>::new("s", StoreKind::RocksDb, -1);
    assert!(session.build(&ctx).is_err());
}

#[test]
fn restore_through_the_builder_into_a_wiped_task() {
    let root = tempfile::tempdir().unwrap();
    let task = task_dir(root.path(), "app", "0_2");
    let (ctx, collector) = context(&task);
    let builder =
        WindowStoreBuilder::<Utf8, BeI64>::new("w", StoreKind::RocksDb, 120_000, 10_000, false);
    let mut store = builder.build(&ctx).unwrap();
    for i in 0..50i64 {
        store.put(&format!("k{}", i % 7), &i, i * 7_000).unwrap();
    }
    let before = store.all().unwrap();
    StateStore::close(&mut store).unwrap();
    wipe_task_dir(&task).unwrap();

    let (ctx, fresh_log) = context(&task);
    let mut restored = builder.build(&ctx).unwrap();
    assert!(restored.all().unwrap().is_empty());
    let records = collector.records();
    let batch: Vec<RestoreRecord<'_>> = records
        .iter()
        .enumerate()
        .map(|(i, r)| RestoreRecord {
            offset: i as i64,
            key: &r.key,
            value: r.value.as_deref(),
        })
        .collect();
    let partition = ChangelogPartition {
        topic: changelog_topic("app", "w"),
        partition: 2,
    };
    let end = batch.len() as i64;
    let mut restorer =
        StateRestorer::start("w", partition, 0, end, Arc::new(LoggingRestoreListener));
    for chunk in batch.chunks(16) {
        restorer
            .restore_batch_with(chunk, |b| restored.bytes_store_mut().restore_batch(b))
            .unwrap();
    }
    assert_eq!(restorer.complete(), Some(end - 1));
    assert_eq!(restored.all().unwrap(), before);
    assert!(fresh_log.records().is_empty(), "restores are not logged");
}
