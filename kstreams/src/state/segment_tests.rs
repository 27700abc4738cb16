//! Tests of the RocksDB window and session stores' segments on disk:
//! expired segments are deleted whole, segments are reopened after close
//! (observed stream time recovered), and unexpected directory entries are
//! errors, not panics.

use kstreams_serde::Window;

use crate::state::*;

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn rocksdb_window_segments_are_dropped_whole_and_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let config = RocksDbConfig::new(8 << 20, 2 << 20);
    // retention 120 s → segments of 60 s.
    let mut store =
        RocksDbWindowStore::open("w", dir.path(), &config, 120_000, 10_000, false).unwrap();
    let seg_dir = dir.path().join("rocksdb").join("w");
    assert_eq!(store.path(), seg_dir);
    for start in [0i64, 30_000, 60_000, 130_000] {
        store.put(b"k", start, Some(&start.to_be_bytes())).unwrap();
    }
    assert_eq!(entries(&seg_dir), vec!["w.0", "w.120000", "w.60000"]);
    store.put(b"k", 190_000, Some(b"x")).unwrap();
    // min live 70_001 → segment 1 (60 s..120 s) is the oldest live one.
    assert_eq!(entries(&seg_dir), vec!["w.120000", "w.180000", "w.60000"]);
    assert_eq!(store.segment_ids(), vec![1, 2, 3]);
    let before = store.all().unwrap();
    assert_eq!(
        before.len(),
        2,
        "60_000 is expired although its segment lives"
    );
    store.close().unwrap();

    let mut reopened =
        RocksDbWindowStore::open("w", dir.path(), &config, 120_000, 10_000, false).unwrap();
    assert_eq!(
        reopened.observed_stream_time(),
        190_000,
        "recovered from the newest segment"
    );
    assert_eq!(reopened.all().unwrap(), before);
    reopened.put(b"k", 400_000, Some(b"y")).unwrap();
    assert_eq!(entries(&seg_dir), vec!["w.360000"]);
    reopened.close().unwrap();

    // Reopening once more finds the one live window.
    let again = RocksDbWindowStore::open("w", dir.path(), &config, 120_000, 10_000, false).unwrap();
    assert_eq!(again.fetch(b"k", 0, i64::MAX).unwrap().len(), 1);
}

#[test]
fn rocksdb_session_segments_are_dropped_whole_and_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let config = RocksDbConfig::new(8 << 20, 2 << 20);
    let mut store = RocksDbSessionStore::open("s", dir.path(), &config, 120_000).unwrap();
    store.put(b"k", Window::new(0, 10_000), Some(b"a")).unwrap();
    store
        .put(b"k", Window::new(50_000, 130_000), Some(b"b"))
        .unwrap();
    let seg_dir = dir.path().join("rocksdb").join("s");
    assert_eq!(
        entries(&seg_dir),
        vec!["s.0", "s.120000"],
        "segmented by session end"
    );
    store
        .put(b"j", Window::new(200_000, 200_000), Some(b"c"))
        .unwrap();
    assert_eq!(entries(&seg_dir), vec!["s.120000", "s.180000"]);
    let before = store.find_sessions_all(0, i64::MAX).unwrap();
    assert_eq!(before.len(), 2);
    store.close().unwrap();
    let reopened = RocksDbSessionStore::open("s", dir.path(), &config, 120_000).unwrap();
    assert_eq!(reopened.observed_stream_time(), 200_000);
    assert_eq!(reopened.find_sessions_all(0, i64::MAX).unwrap(), before);
}

#[test]
fn a_stray_entry_in_the_segment_directory_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let config = RocksDbConfig::new(8 << 20, 2 << 20);
    let seg_dir = dir.path().join("rocksdb").join("w");
    std::fs::create_dir_all(seg_dir.join("w.notanumber")).unwrap();
    std::fs::create_dir_all(seg_dir.join("unrelated")).unwrap();
    let err =
        RocksDbWindowStore::open("w", dir.path(), &config, 120_000, 10_000, false).unwrap_err();
    assert!(err.to_string().contains("w.notanumber"), "{err}");
}

#[test]
fn segments_of_another_interval_are_refused_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let config = RocksDbConfig::new(8 << 20, 2 << 20);
    let mut store = RocksDbSessionStore::open("s", dir.path(), &config, 120_000).unwrap();
    store
        .put(b"k", Window::new(0, 130_000), Some(b"v"))
        .unwrap(); // segment s.120000
    store.close().unwrap();
    // retention 300 s → segments of 150 s: 120000 is not a segment start.
    let err = RocksDbSessionStore::open("s", dir.path(), &config, 300_000).unwrap_err();
    assert!(err.to_string().contains("retention changed"), "{err}");
    let same = RocksDbSessionStore::open("s", dir.path(), &config, 120_000).unwrap();
    assert_eq!(same.fetch(b"k").unwrap().len(), 1);
}
