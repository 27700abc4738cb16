//! The one test suite every bytes store passes (RocksDB, in-memory, LRU,
//! and the caching layer over them): [`bytes_store_suite!`] expands to one
//! `#[test]` per case in the implementing file.
//!
//! Owns: the behavioural contract of `KeyValueBytesStore` as tests. Must
//! never: be compiled outside `cfg(test)`.

use std::collections::BTreeMap;

use crate::state::store::{KeyValueBytes, KeyValueBytesStore, RestoreRecord};

/// Expands to the shared suite for the store made by `$make(dir: &Path)`.
macro_rules! bytes_store_suite {
    ($make:expr) => {
        mod shared_suite {
            #[allow(unused_imports)]
            use super::*;
            use crate::state::test_suite as suite;

            fn with_store(case: fn(&mut dyn crate::state::KeyValueBytesStore)) {
                let dir = tempfile::tempdir().expect("tempdir");
                let mut store = ($make)(dir.path());
                case(&mut store);
            }

            #[test]
            fn get_put_delete() {
                with_store(suite::get_put_delete)
            }
            #[test]
            fn put_if_absent_and_put_all() {
                with_store(suite::put_if_absent_and_put_all)
            }
            #[test]
            fn ranges_are_inclusive_and_ordered() {
                with_store(suite::ranges_are_inclusive_and_ordered)
            }
            #[test]
            fn unsigned_byte_order_with_ff() {
                with_store(suite::unsigned_byte_order_with_ff)
            }
            #[test]
            fn prefix_scan() {
                with_store(suite::prefix_scan)
            }
            #[test]
            fn approximate_count() {
                with_store(suite::approximate_count)
            }
            #[test]
            fn restore_batch_applies_puts_and_tombstones() {
                with_store(suite::restore_batch)
            }
            #[test]
            fn matches_a_btreemap_on_random_operations() {
                with_store(suite::random_against_reference)
            }
        }
    };
}
pub(crate) use bytes_store_suite;

fn collect(iter: crate::Result<crate::state::store::BytesIter<'_>>) -> Vec<KeyValueBytes> {
    iter.expect("scan")
        .map(|item| item.expect("item"))
        .collect()
}

fn kv(k: &[u8], v: &[u8]) -> KeyValueBytes {
    (k.to_vec(), v.to_vec())
}

pub(crate) fn get_put_delete(s: &mut dyn KeyValueBytesStore) {
    assert_eq!(s.get(b"a").expect("get"), None);
    s.put(b"a", b"1").expect("put");
    s.put(b"a", b"2").expect("overwrite");
    assert_eq!(s.get(b"a").expect("get"), Some(b"2".to_vec()));
    assert_eq!(s.delete(b"a").expect("delete"), Some(b"2".to_vec()));
    assert_eq!(s.delete(b"a").expect("delete again"), None);
    assert_eq!(s.get(b"a").expect("get"), None);
    s.put(b"empty", b"").expect("empty value");
    assert_eq!(s.get(b"empty").expect("get"), Some(Vec::new()));
    s.flush().expect("flush");
}

pub(crate) fn put_if_absent_and_put_all(s: &mut dyn KeyValueBytesStore) {
    assert_eq!(s.put_if_absent(b"k", b"1").expect("pia"), None);
    assert_eq!(
        s.put_if_absent(b"k", b"2").expect("pia"),
        Some(b"1".to_vec())
    );
    assert_eq!(s.get(b"k").expect("get"), Some(b"1".to_vec()));
    s.put_all(&[
        (b"x".to_vec(), Some(b"1".to_vec())),
        (b"k".to_vec(), None),
        (b"y".to_vec(), Some(b"2".to_vec())),
    ])
    .expect("put_all");
    assert_eq!(collect(s.all()), vec![kv(b"x", b"1"), kv(b"y", b"2")]);
}

pub(crate) fn ranges_are_inclusive_and_ordered(s: &mut dyn KeyValueBytesStore) {
    for k in [&b"a"[..], b"b", b"ba", b"c", b"d"] {
        s.put(k, k).expect("put");
    }
    let forward = collect(s.range(b"b", b"c"));
    assert_eq!(
        forward,
        vec![kv(b"b", b"b"), kv(b"ba", b"ba"), kv(b"c", b"c")]
    );
    let backward = collect(s.reverse_range(b"b", b"c"));
    assert_eq!(backward, forward.iter().rev().cloned().collect::<Vec<_>>());
    assert!(
        collect(s.range(b"c", b"b")).is_empty(),
        "from > to is empty"
    );
    assert_eq!(collect(s.range(b"bb", b"bz")), Vec::<KeyValueBytes>::new());
}

pub(crate) fn unsigned_byte_order_with_ff(s: &mut dyn KeyValueBytesStore) {
    let keys: [&[u8]; 6] = [
        &[0x00],
        &[0x01, 0xFF],
        &[0x7F],
        &[0x80],
        &[0xFF],
        &[0xFF, 0xFF],
    ];
    for k in keys.iter().rev() {
        s.put(k, b"v").expect("put");
    }
    let order: Vec<Vec<u8>> = collect(s.all()).into_iter().map(|(k, _)| k).collect();
    assert_eq!(order, keys.iter().map(|k| k.to_vec()).collect::<Vec<_>>());
    let reverse: Vec<Vec<u8>> = collect(s.reverse_all())
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        reverse,
        keys.iter().rev().map(|k| k.to_vec()).collect::<Vec<_>>()
    );
    let high: Vec<Vec<u8>> = collect(s.range(&[0x80], &[0xFF, 0xFF]))
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(high, vec![vec![0x80], vec![0xFF], vec![0xFF, 0xFF]]);
}

pub(crate) fn prefix_scan(s: &mut dyn KeyValueBytesStore) {
    for k in [
        &b"ab"[..],
        b"abc",
        b"abd",
        b"ac",
        b"b",
        &[0xFF],
        &[0xFF, 0x01],
        &[0xFE, 0xFF],
    ] {
        s.put(k, b"v").expect("put");
    }
    let keys = |p: &[u8]| -> Vec<Vec<u8>> {
        collect(s.prefix_scan(p))
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    };
    assert_eq!(
        keys(b"ab"),
        vec![b"ab".to_vec(), b"abc".to_vec(), b"abd".to_vec()]
    );
    assert_eq!(keys(&[0xFF]), vec![vec![0xFF], vec![0xFF, 0x01]]);
    assert_eq!(keys(b"zz"), Vec::<Vec<u8>>::new());
    assert_eq!(keys(b"").len(), 8);
}

pub(crate) fn approximate_count(s: &mut dyn KeyValueBytesStore) {
    for i in 0u32..20 {
        s.put(&i.to_be_bytes(), b"v").expect("put");
    }
    s.flush().expect("flush");
    assert_eq!(s.approximate_num_entries().expect("count"), 20);
}

pub(crate) fn restore_batch(s: &mut dyn KeyValueBytesStore) {
    s.put(b"gone", b"x").expect("put");
    let records = [
        RestoreRecord {
            offset: 10,
            key: b"a",
            value: Some(b"1"),
        },
        RestoreRecord {
            offset: 11,
            key: b"a",
            value: Some(b"2"),
        },
        RestoreRecord {
            offset: 12,
            key: b"gone",
            value: None,
        },
        RestoreRecord {
            offset: 13,
            key: b"b",
            value: Some(b"3"),
        },
    ];
    s.restore_batch(&records).expect("restore");
    assert_eq!(collect(s.all()), vec![kv(b"a", b"2"), kv(b"b", b"3")]);
}

/// Seeded random operations against a `BTreeMap` reference model.
pub(crate) fn random_against_reference(s: &mut dyn KeyValueBytesStore) {
    let mut reference = BTreeMap::new();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = [0x00u8, 0x01, 0x7F, 0x80, 0xFE, 0xFF];
    for step in 0..600u32 {
        let r = next();
        let len = 1 + (r % 3) as usize;
        let key: Vec<u8> = (0..len)
            .map(|i| alphabet[((r >> (8 * (i + 1))) % 6) as usize])
            .collect();
        match r % 5 {
            0 => assert_eq!(s.delete(&key).expect("delete"), reference.remove(&key)),
            1 => assert_eq!(s.get(&key).expect("get"), reference.get(&key).cloned()),
            _ => {
                let value = step.to_be_bytes().to_vec();
                s.put(&key, &value).expect("put");
                reference.insert(key, value);
            }
        }
        if step % 100 == 99 {
            let expected: Vec<KeyValueBytes> = reference
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            assert_eq!(collect(s.all()), expected, "after step {step}");
            s.flush().expect("flush");
        }
    }
}

/// A UTF-8 string serde for tests (kstreams-serde's own serdes are not in
/// this crate's dependency snapshot yet).
pub(crate) struct Utf8;

impl kstreams_serde::Serde for Utf8 {
    type Target = String;

    fn serialize(value: &String, out: &mut Vec<u8>) -> Result<(), kstreams_serde::SerdeError> {
        out.extend_from_slice(value.as_bytes());
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<String, kstreams_serde::SerdeError> {
        String::from_utf8(bytes.to_vec())
            .map_err(|e| kstreams_serde::SerdeError::Custom(e.to_string()))
    }
}

/// A big-endian `i64` serde for tests.
pub(crate) struct BeI64;

impl kstreams_serde::Serde for BeI64 {
    type Target = i64;

    fn serialize(value: &i64, out: &mut Vec<u8>) -> Result<(), kstreams_serde::SerdeError> {
        out.extend_from_slice(&value.to_be_bytes());
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<i64, kstreams_serde::SerdeError> {
        let array: [u8; 8] =
            bytes
                .try_into()
                .map_err(|_| kstreams_serde::SerdeError::WrongLength {
                    serde: "BeI64",
                    expected: 8,
                    actual: bytes.len(),
                })?;
        Ok(i64::from_be_bytes(array))
    }
}
