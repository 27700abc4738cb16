//! The one test suite every window bytes store passes (RocksDB and
//! in-memory): [`window_store_suite!`] expands to one `#[test]` per case
//! in the implementing file. The model-based cases (seeded random operations,
//! changelog restore) are in [`window_model`](super::window_model).
//!
//! Owns: the behavioural contract of `WindowBytesStore` as tests. Must
//! never: be compiled outside `cfg(test)`.

use std::path::Path;

use crate::state::{WindowBytesStore, WindowedBytes};

/// Expands to the shared suite for the store made by
/// `$make(dir: &Path, retention_ms, window_size_ms, retain_duplicates)`.
macro_rules! window_store_suite {
    ($make:expr) => {
        mod shared_window_suite {
            #[allow(unused_imports)]
            use super::*;
            use crate::state::window_model as model;
            use crate::state::window_test_suite as suite;

            fn make(
                dir: &std::path::Path,
                retention: i64,
                size: i64,
                dups: bool,
            ) -> Box<dyn crate::state::WindowBytesStore> {
                Box::new(($make)(dir, retention, size, dups))
            }

            #[test]
            fn put_fetch_delete_and_order() {
                suite::put_fetch_delete_and_order(make)
            }
            #[test]
            fn key_prefixes_do_not_collide() {
                suite::key_prefixes_do_not_collide(make)
            }
            #[test]
            fn duplicates_get_sequence_numbers() {
                suite::duplicates_get_sequence_numbers(make)
            }
            #[test]
            fn expired_windows_disappear() {
                suite::expired_windows_disappear(make)
            }
            #[test]
            fn matches_the_model_on_random_operations() {
                model::random_against_model(make, false, 0x2545_F491_4F6C_DD1D)
            }
            #[test]
            fn matches_the_model_on_random_operations_with_duplicates() {
                model::random_against_model(make, true, 0x9E37_79B9_7F4A_7C15)
            }
            #[test]
            fn restore_reproduces_the_logged_store() {
                model::restore_reproduces(make)
            }
        }
    };
}
pub(crate) use window_store_suite;

/// Makes a store in a directory: `(dir, retention, size, retain_duplicates)`.
pub(crate) type Make = fn(&Path, i64, i64, bool) -> Box<dyn WindowBytesStore>;

/// A tiny xorshift PRNG: reproducible, no dependencies.
pub(crate) struct XorShift(pub(crate) u64);

impl XorShift {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Keys chosen so that some are byte prefixes of others.
pub(crate) const KEYS: [&[u8]; 6] = [b"a", b"ab", b"abc", b"ab\0", b"b", b"\xff"];

fn starts(v: Vec<WindowedBytes>) -> Vec<(i64, Vec<u8>)> {
    v.into_iter().map(|e| (e.start_ms, e.value)).collect()
}

pub(crate) fn put_fetch_delete_and_order(make: Make) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = make(dir.path(), 600_000, 10_000, false);
    assert_eq!(s.put(b"k", 20_000, Some(b"2")).unwrap(), Some(0));
    s.put(b"k", 0, Some(b"0")).unwrap();
    s.put(b"k", 10_000, Some(b"1")).unwrap();
    s.put(b"k", 10_000, Some(b"1b")).unwrap();
    s.put(b"j", 10_000, Some(b"j")).unwrap();
    assert_eq!(s.fetch_one(b"k", 10_000).unwrap(), Some(b"1b".to_vec()));
    assert_eq!(s.fetch_one(b"k", 5_000).unwrap(), None);
    let expected = vec![
        (0, b"0".to_vec()),
        (10_000, b"1b".to_vec()),
        (20_000, b"2".to_vec()),
    ];
    assert_eq!(starts(s.fetch(b"k", 0, 20_000).unwrap()), expected);
    assert_eq!(
        starts(s.fetch(b"k", 1, 19_999).unwrap()),
        expected[1..2].to_vec()
    );
    assert_eq!(
        starts(s.backward_fetch(b"k", 0, i64::MAX).unwrap()),
        reversed_pairs(&expected)
    );
    assert!(
        s.fetch(b"k", 20_001, 10).unwrap().is_empty(),
        "from > to is empty"
    );
    let all: Vec<(i64, Vec<u8>)> = s
        .all()
        .unwrap()
        .into_iter()
        .map(|e| (e.start_ms, e.key))
        .collect();
    assert_eq!(
        all,
        vec![
            (0, b"k".to_vec()),
            (10_000, b"j".to_vec()),
            (10_000, b"k".to_vec()),
            (20_000, b"k".to_vec())
        ]
    );
    assert_eq!(s.put(b"k", 10_000, None).unwrap(), Some(0));
    assert_eq!(s.fetch_one(b"k", 10_000).unwrap(), None);
    assert_eq!(s.fetch(b"k", 0, i64::MAX).unwrap().len(), 2);
    assert!(
        s.put(b"k", -1, Some(b"x")).is_err(),
        "negative starts are refused"
    );
    s.flush().unwrap();
    s.close().unwrap();
    assert!(
        s.fetch(b"k", 0, 10).is_err(),
        "a closed store refuses reads"
    );
}

fn reversed_pairs(v: &[(i64, Vec<u8>)]) -> Vec<(i64, Vec<u8>)> {
    v.iter().rev().cloned().collect()
}

pub(crate) fn key_prefixes_do_not_collide(make: Make) {
    let dir = tempfile::tempdir().unwrap();
    // Starts whose first byte is 'c' (0x63) meet "abc" when scanning "ab";
    // "ab\0" meets "ab" at every start below 2^56. Retention keeps them all.
    let mut s = make(dir.path(), i64::MAX, 10_000, false);
    for (i, key) in KEYS.iter().enumerate() {
        for start in [0i64, 5, 0x6363_6363_6363_6363] {
            s.put(key, start, Some(&[i as u8])).unwrap();
        }
    }
    for (i, key) in KEYS.iter().enumerate() {
        let found = s.fetch(key, 0, i64::MAX).unwrap();
        assert_eq!(found.len(), 3, "key {key:?}");
        assert!(found.iter().all(|e| e.key == *key && e.value == [i as u8]));
    }
    let range: Vec<Vec<u8>> = s
        .fetch_key_range(b"ab", b"abc", 0, 0)
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(
        range,
        vec![b"ab".to_vec(), b"ab\0".to_vec(), b"abc".to_vec()]
    );
    assert!(s
        .fetch_key_range(b"b", b"a", 0, i64::MAX)
        .unwrap()
        .is_empty());
}

pub(crate) fn duplicates_get_sequence_numbers(make: Make) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = make(dir.path(), 600_000, 10_000, true);
    assert_eq!(s.put(b"k", 5, Some(b"x")).unwrap(), Some(1));
    assert_eq!(s.put(b"k", 5, Some(b"y")).unwrap(), Some(2));
    assert_eq!(s.put(b"k", 5, None).unwrap(), None, "deletes are ignored");
    assert_eq!(s.put(b"k", 5, Some(b"x")).unwrap(), Some(3));
    let found: Vec<(u32, Vec<u8>)> = s
        .fetch(b"k", 0, 10)
        .unwrap()
        .into_iter()
        .map(|e| (e.seq, e.value))
        .collect();
    assert_eq!(
        found,
        vec![(1, b"x".to_vec()), (2, b"y".to_vec()), (3, b"x".to_vec())]
    );
    assert_eq!(s.fetch_one(b"k", 5).unwrap(), Some(b"x".to_vec()));
}

pub(crate) fn expired_windows_disappear(make: Make) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = make(dir.path(), 120_000, 10_000, false);
    s.put(b"k", 0, Some(b"old")).unwrap();
    s.put(b"k", 100_000, Some(b"mid")).unwrap();
    assert_eq!(s.fetch(b"k", 0, i64::MAX).unwrap().len(), 2);
    s.put(b"k", 220_000, Some(b"new")).unwrap();
    assert_eq!(s.observed_stream_time(), 220_000);
    // Live: start > 220_000 - 120_000.
    assert_eq!(
        starts(s.fetch(b"k", 0, i64::MAX).unwrap()),
        vec![(220_000, b"new".to_vec())]
    );
    assert_eq!(s.fetch_one(b"k", 100_000).unwrap(), None);
    assert_eq!(
        s.put(b"k", 100_000, Some(b"late")).unwrap(),
        Some(0),
        "logged, but dropped"
    );
    assert_eq!(s.all().unwrap().len(), 1);
    s.put(b"k", 100_001, Some(b"edge")).unwrap();
    assert_eq!(
        s.fetch_all(0, i64::MAX).unwrap().len(),
        2,
        "100_001 is still live"
    );
}
