//! The one test suite every session bytes store passes (RocksDB and
//! in-memory): [`session_store_suite!`] expands to one `#[test]` per case.
//! The main case runs seeded random operations against [`SessionModel`],
//! a `BTreeMap` reference filtering expired sessions at query time.
//!
//! Owns: the behavioural contract of `SessionBytesStore` as tests. Must
//! never: be compiled outside `cfg(test)`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use kstreams_serde::Window;

use crate::state::changelog::{InMemoryChangelogCollector, RecordTimestamp};
use crate::state::store::RestoreRecord;
use crate::state::window_test_suite::{XorShift, KEYS};
use crate::state::{ChangeLoggingSessionBytesStore, SessionBytes, SessionBytesStore};

/// Expands to the shared suite for the store made by
/// `$make(dir: &Path, retention_ms)`.
macro_rules! session_store_suite {
    ($make:expr) => {
        mod shared_session_suite {
            #[allow(unused_imports)]
            use super::*;
            use crate::state::session_test_suite as suite;

            fn make(
                dir: &std::path::Path,
                retention: i64,
            ) -> Box<dyn crate::state::SessionBytesStore> {
                Box::new(($make)(dir, retention))
            }

            #[test]
            fn put_find_remove_and_order() {
                suite::put_find_remove_and_order(make)
            }
            #[test]
            fn key_prefixes_do_not_collide() {
                suite::key_prefixes_do_not_collide(make)
            }
            #[test]
            fn expired_sessions_disappear() {
                suite::expired_sessions_disappear(make)
            }
            #[test]
            fn matches_the_model_on_random_operations() {
                suite::random_against_model(make)
            }
            #[test]
            fn restore_reproduces_the_logged_store() {
                suite::restore_reproduces(make)
            }
        }
    };
}
pub(crate) use session_store_suite;

/// Makes a store in a directory with a retention.
pub(crate) type Make = fn(&Path, i64) -> Box<dyn SessionBytesStore>;

/// The reference model of a session store.
struct SessionModel {
    retention: i64,
    observed: i64,
    map: BTreeMap<(i64, Vec<u8>, i64), Vec<u8>>,
}

impl SessionModel {
    fn put(&mut self, key: &[u8], w: Window, value: Option<&[u8]>) {
        self.observed = self.observed.max(w.end_ms);
        if w.end_ms > self.observed - self.retention {
            let k = (w.end_ms, key.to_vec(), w.start_ms);
            match value {
                Some(v) => self.map.insert(k, v.to_vec()),
                None => self.map.remove(&k),
            };
        }
    }

    fn find(&self, key: Option<&[u8]>, earliest_end: i64, latest_start: i64) -> Vec<SessionBytes> {
        let from = earliest_end.max(self.observed - self.retention + 1);
        self.map
            .iter()
            .filter(|((end, k, start), _)| {
                *end >= from && *start <= latest_start && key.is_none_or(|key| key == k.as_slice())
            })
            .map(|((end, k, start), v)| SessionBytes {
                key: k.clone(),
                window: Window::new(*start, *end),
                value: v.clone(),
            })
            .collect()
    }
}

fn windows(v: Vec<SessionBytes>) -> Vec<(i64, i64)> {
    v.into_iter()
        .map(|s| (s.window.start_ms, s.window.end_ms))
        .collect()
}

pub(crate) fn put_find_remove_and_order(make: Make) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = make(dir.path(), 600_000);
    s.put(b"k", Window::new(10, 20), Some(b"a")).unwrap();
    s.put(b"k", Window::new(0, 5), Some(b"b")).unwrap();
    s.put(b"k", Window::new(15, 20), Some(b"c")).unwrap();
    s.put(b"k", Window::new(30, 30), Some(b"d")).unwrap();
    s.put(b"j", Window::new(0, 25), Some(b"j")).unwrap();
    assert_eq!(
        windows(s.fetch(b"k").unwrap()),
        vec![(0, 5), (10, 20), (15, 20), (30, 30)]
    );
    // end >= 6 and start <= 15
    assert_eq!(
        windows(s.find_sessions(b"k", 6, 15).unwrap()),
        vec![(10, 20), (15, 20)]
    );
    assert_eq!(
        windows(s.backward_find_sessions(b"k", 6, 15).unwrap()),
        vec![(15, 20), (10, 20)]
    );
    let all: Vec<(Vec<u8>, i64)> = s
        .find_sessions_all(0, i64::MAX)
        .unwrap()
        .into_iter()
        .map(|s| (s.key, s.window.end_ms))
        .collect();
    assert_eq!(
        all,
        vec![
            (b"k".to_vec(), 5),
            (b"k".to_vec(), 20),
            (b"k".to_vec(), 20),
            (b"j".to_vec(), 25),
            (b"k".to_vec(), 30)
        ]
    );
    assert_eq!(
        s.fetch_session(b"k", Window::new(10, 20)).unwrap(),
        Some(b"a".to_vec())
    );
    assert_eq!(s.fetch_session(b"k", Window::new(11, 20)).unwrap(), None);
    s.remove(b"k", Window::new(10, 20)).unwrap();
    assert_eq!(s.fetch_session(b"k", Window::new(10, 20)).unwrap(), None);
    assert_eq!(s.fetch(b"k").unwrap().len(), 3);
    assert!(
        s.put(b"k", Window::new(5, 4), Some(b"x")).is_err(),
        "end before start"
    );
    assert!(
        s.put(b"k", Window::new(-1, 4), Some(b"x")).is_err(),
        "negative start"
    );
    s.flush().unwrap();
    s.close().unwrap();
    assert!(s.fetch(b"k").is_err(), "a closed store refuses reads");
}

pub(crate) fn key_prefixes_do_not_collide(make: Make) {
    let dir = tempfile::tempdir().unwrap();
    // Ends whose first byte is 'c' (0x63) meet "abc" when scanning "ab".
    let mut s = make(dir.path(), i64::MAX);
    let c = 0x6363_6363_6363_6363;
    for (i, key) in KEYS.iter().enumerate() {
        for (start, end) in [(0i64, 0i64), (5, c), (0x6262_6262_6262_6262, c)] {
            s.put(key, Window::new(start, end), Some(&[i as u8]))
                .unwrap();
        }
    }
    for (i, key) in KEYS.iter().enumerate() {
        let found = s.find_sessions(key, 0, i64::MAX).unwrap();
        assert_eq!(found.len(), 3, "key {key:?}");
        assert!(found.iter().all(|e| e.key == *key && e.value == [i as u8]));
    }
}

pub(crate) fn expired_sessions_disappear(make: Make) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = make(dir.path(), 120_000);
    s.put(b"k", Window::new(0, 10_000), Some(b"old")).unwrap();
    s.put(b"k", Window::new(50_000, 100_000), Some(b"mid"))
        .unwrap();
    s.put(b"k", Window::new(210_000, 220_000), Some(b"new"))
        .unwrap();
    assert_eq!(s.observed_stream_time(), 220_000);
    assert_eq!(windows(s.fetch(b"k").unwrap()), vec![(210_000, 220_000)]);
    assert_eq!(
        s.fetch_session(b"k", Window::new(50_000, 100_000)).unwrap(),
        None
    );
    s.put(b"k", Window::new(0, 100_001), Some(b"edge")).unwrap();
    assert_eq!(
        s.find_sessions_all(0, i64::MAX).unwrap().len(),
        2,
        "end 100_001 is live"
    );
}

pub(crate) fn random_against_model(make: Make) {
    let dir = tempfile::tempdir().unwrap();
    let retention = 120_000;
    let mut s = make(dir.path(), retention);
    let mut model = SessionModel {
        retention,
        observed: -1,
        map: BTreeMap::new(),
    };
    let mut rng = XorShift(0x5DEE_CE66_D1CE_4E5B);
    let mut now = 0i64;
    for step in 0..1_500u32 {
        now += rng.below(4) as i64 * 1_000;
        let start = (now - rng.below(160) as i64 * 1_000).max(0);
        let w = Window::new(start, start + rng.below(4) as i64 * 1_000);
        let key = KEYS[rng.below(KEYS.len() as u64) as usize];
        let earliest_end = (now - rng.below(200) as i64 * 1_000).max(0);
        let latest_start = earliest_end + rng.below(100) as i64 * 1_000 - 50_000;
        match rng.below(10) {
            0..=3 => {
                let value = step.to_be_bytes();
                s.put(key, w, Some(&value)).unwrap();
                model.put(key, w, Some(&value));
            }
            4 => {
                s.remove(key, w).unwrap();
                model.put(key, w, None);
            }
            5 => assert_eq!(
                s.find_sessions(key, earliest_end, latest_start).unwrap(),
                model.find(Some(key), earliest_end, latest_start),
                "step {step}"
            ),
            6 => {
                let mut expected = model.find(Some(key), earliest_end, latest_start);
                expected.reverse();
                assert_eq!(
                    s.backward_find_sessions(key, earliest_end, latest_start)
                        .unwrap(),
                    expected
                );
            }
            7 => assert_eq!(
                s.find_sessions_all(earliest_end, latest_start).unwrap(),
                model.find(None, earliest_end, latest_start),
                "step {step}"
            ),
            8 => assert_eq!(s.fetch(key).unwrap(), model.find(Some(key), 0, i64::MAX)),
            _ => {
                let expected = model
                    .find(Some(key), w.end_ms, w.start_ms)
                    .into_iter()
                    .find(|x| x.window == w);
                assert_eq!(
                    s.fetch_session(key, w).unwrap(),
                    expected.map(|x| x.value),
                    "step {step}"
                );
            }
        }
        if step % 100 == 99 {
            assert_eq!(
                s.find_sessions_all(0, i64::MAX).unwrap(),
                model.find(None, 0, i64::MAX)
            );
            assert_eq!(s.observed_stream_time(), model.observed);
            s.flush().unwrap();
        }
    }
    assert!(
        now > 10 * retention,
        "the run crossed many retention periods"
    );
}

pub(crate) fn restore_reproduces(make: Make) {
    let dir = tempfile::tempdir().unwrap();
    let collector = Arc::new(InMemoryChangelogCollector::default());
    let mut logged = ChangeLoggingSessionBytesStore::new(
        make(&dir.path().join("a"), 120_000),
        collector.clone(),
        "app-s-changelog",
        0,
        RecordTimestamp::default(),
    );
    let mut rng = XorShift(0xC0FF_EE00_1234_5678);
    for step in 0..400u32 {
        let start = (step as i64 * 1_000 - rng.below(50) as i64 * 1_000).max(0);
        let w = Window::new(start, start + rng.below(3) as i64 * 1_000);
        let key = KEYS[rng.below(KEYS.len() as u64) as usize];
        let value = (rng.below(3) > 0).then(|| step.to_be_bytes());
        logged.put(key, w, value.as_ref().map(|v| &v[..])).unwrap();
    }
    let records = collector.records();
    let mut restored = make(&dir.path().join("b"), 120_000);
    for chunk in records.chunks(41) {
        let batch: Vec<RestoreRecord<'_>> = chunk
            .iter()
            .map(|r| RestoreRecord {
                offset: 0,
                key: &r.key,
                value: r.value.as_deref(),
            })
            .collect();
        restored.restore_batch(&batch).unwrap();
    }
    let expected = logged.find_sessions_all(0, i64::MAX).unwrap();
    assert!(!expected.is_empty());
    assert_eq!(restored.find_sessions_all(0, i64::MAX).unwrap(), expected);
    assert_eq!(
        restored.observed_stream_time(),
        logged.observed_stream_time()
    );
}
