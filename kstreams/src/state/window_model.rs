//! The reference model of window stores, [`WindowModel`] (a `BTreeMap`
//! that filters expired windows at query time instead of dropping them),
//! and the suite cases that run seeded random operations against it and
//! replay a changelog into a fresh store.
//!
//! Owns: the model-based cases of `window_store_suite!`. Must never: be
//! compiled outside `cfg(test)`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::state::changelog::{InMemoryChangelogCollector, RecordTimestamp};
use crate::state::store::RestoreRecord;
use crate::state::window_test_suite::{Make, XorShift, KEYS};
use crate::state::{ChangeLoggingWindowBytesStore, WindowBytesStore, WindowedBytes};

/// The reference model of a window store.
pub(crate) struct WindowModel {
    retention: i64,
    dups: bool,
    observed: i64,
    seq: u32,
    map: BTreeMap<(i64, Vec<u8>, u32), Vec<u8>>,
}

impl WindowModel {
    pub(crate) fn new(retention: i64, dups: bool) -> Self {
        Self {
            retention,
            dups,
            observed: -1,
            seq: 0,
            map: BTreeMap::new(),
        }
    }

    pub(crate) fn put(&mut self, key: &[u8], start: i64, value: Option<&[u8]>) -> Option<u32> {
        if self.dups && value.is_none() {
            return None;
        }
        self.observed = self.observed.max(start);
        let seq = if self.dups {
            self.seq += 1;
            self.seq
        } else {
            0
        };
        if start > self.observed - self.retention {
            match value {
                Some(v) => self.map.insert((start, key.to_vec(), seq), v.to_vec()),
                None => self.map.remove(&(start, key.to_vec(), seq)),
            };
        }
        Some(seq)
    }

    pub(crate) fn fetch_all(&self, from: i64, to: i64) -> Vec<WindowedBytes> {
        let from = from.max(self.observed - self.retention + 1).max(0);
        self.map
            .iter()
            .filter(|((start, _, _), _)| *start >= from && *start <= to)
            .map(|((start, key, seq), value)| WindowedBytes {
                start_ms: *start,
                key: key.clone(),
                seq: *seq,
                value: value.clone(),
            })
            .collect()
    }

    pub(crate) fn fetch(&self, key: &[u8], from: i64, to: i64) -> Vec<WindowedBytes> {
        let mut all = self.fetch_all(from, to);
        all.retain(|e| e.key == key);
        all
    }
}

fn reversed(mut v: Vec<WindowedBytes>) -> Vec<WindowedBytes> {
    v.reverse();
    v
}

/// Seeded random puts, deletes and queries, compared with [`WindowModel`].
pub(crate) fn random_against_model(make: Make, dups: bool, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let retention = 120_000;
    let mut s = make(dir.path(), retention, 10_000, dups);
    let mut model = WindowModel::new(retention, dups);
    let mut rng = XorShift(seed);
    let mut now = 0i64;
    for step in 0..1_500u32 {
        now += rng.below(4) as i64 * 1_000;
        let start = (now - rng.below(160) as i64 * 1_000).max(0);
        let key = KEYS[rng.below(KEYS.len() as u64) as usize];
        let from = (now - rng.below(200) as i64 * 1_000).max(0);
        let to = from + rng.below(150) as i64 * 1_000;
        match rng.below(10) {
            0..=4 => {
                let value = step.to_be_bytes();
                let got = s.put(key, start, Some(&value)).unwrap();
                assert_eq!(
                    got,
                    model.put(key, start, Some(&value)),
                    "put at step {step}"
                );
            }
            5 => assert_eq!(
                s.put(key, start, None).unwrap(),
                model.put(key, start, None)
            ),
            6 => assert_eq!(
                s.fetch(key, from, to).unwrap(),
                model.fetch(key, from, to),
                "step {step}"
            ),
            7 => assert_eq!(
                s.backward_fetch(key, from, to).unwrap(),
                reversed(model.fetch(key, from, to))
            ),
            8 => assert_eq!(
                s.fetch_all(from, to).unwrap(),
                model.fetch_all(from, to),
                "step {step}"
            ),
            _ => assert_eq!(
                s.backward_fetch_all(from, to).unwrap(),
                reversed(model.fetch_all(from, to))
            ),
        }
        if step % 100 == 99 {
            assert_eq!(
                s.all().unwrap(),
                model.fetch_all(0, i64::MAX),
                "all at step {step}"
            );
            assert_eq!(s.observed_stream_time(), model.observed);
            let mut expected = model.fetch_all(0, i64::MAX);
            expected.retain(|e| {
                e.key.as_slice() >= b"ab".as_slice() && e.key.as_slice() <= b"b".as_slice()
            });
            assert_eq!(
                s.fetch_key_range(b"ab", b"b", 0, i64::MAX).unwrap(),
                expected
            );
            s.flush().unwrap();
        }
    }
    assert!(
        now > 10 * retention,
        "the run crossed many retention periods"
    );
}

/// Writes through a change-logging layer, restores the changelog into a
/// fresh store in batches, and expects the same contents.
pub(crate) fn restore_reproduces(make: Make) {
    let dir = tempfile::tempdir().unwrap();
    for dups in [false, true] {
        let collector = Arc::new(InMemoryChangelogCollector::default());
        let inner = make(&dir.path().join(format!("a{dups}")), 120_000, 10_000, dups);
        let mut logged = ChangeLoggingWindowBytesStore::new(
            inner,
            collector.clone(),
            "app-w-changelog",
            0,
            RecordTimestamp::default(),
        );
        let mut rng = XorShift(0xDEAD_BEEF ^ dups as u64);
        for step in 0..400u32 {
            let start = step as i64 * 1_000 - rng.below(50) as i64 * 1_000;
            let key = KEYS[rng.below(KEYS.len() as u64) as usize];
            let value = (rng.below(3) > 0).then(|| step.to_be_bytes());
            logged
                .put(key, start.max(0), value.as_ref().map(|v| &v[..]))
                .unwrap();
        }
        let records = collector.records();
        let mut restored = make(&dir.path().join(format!("b{dups}")), 120_000, 10_000, dups);
        for chunk in records.chunks(37) {
            let batch: Vec<RestoreRecord<'_>> = chunk
                .iter()
                .enumerate()
                .map(|(i, r)| RestoreRecord {
                    offset: i as i64,
                    key: &r.key,
                    value: r.value.as_deref(),
                })
                .collect();
            restored.restore_batch(&batch).unwrap();
        }
        assert!(!logged.all().unwrap().is_empty());
        assert_eq!(
            restored.all().unwrap(),
            logged.all().unwrap(),
            "dups: {dups}"
        );
        assert_eq!(
            restored.observed_stream_time(),
            logged.observed_stream_time()
        );
        if dups {
            // New puts continue after the restored sequence numbers.
            let next = restored.put(b"a", 400_000, Some(b"z")).unwrap();
            assert_eq!(next, logged.put(b"a", 400_000, Some(b"z")).unwrap());
        }
    }
}
