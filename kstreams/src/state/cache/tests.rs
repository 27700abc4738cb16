//! Tests of the record cache: deduplication, forwarding with old values,
//! eviction across stores, budget 0, and the shared bytes-store suite run
//! through the caching layer with a budget small enough to evict.

use std::sync::{Arc, Mutex};

use super::*;
use crate::state::{InMemoryKeyValueStore, KeyValueBytesStore, RecordTimestamp, StateStore};

type Forwarded = Arc<Mutex<Vec<(String, Option<String>, Option<String>, i64)>>>;

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn caching(
    name: &str,
    cache: &Arc<ThreadCache>,
    ts: &RecordTimestamp,
) -> (CachingKeyValueStore, Forwarded) {
    let forwarded: Forwarded = Arc::default();
    let sink = forwarded.clone();
    let mut store = CachingKeyValueStore::new(
        Box::new(InMemoryKeyValueStore::new(name)),
        cache.clone(),
        "0_0",
        ts.clone(),
    );
    store.set_flush_listener(Box::new(move |e: FlushedEntry| {
        let entry = (
            s(&e.key),
            e.new_value.as_deref().map(s),
            e.old_value.as_deref().map(s),
            e.timestamp,
        );
        sink.lock().expect("sink").push(entry);
        Ok(())
    }));
    (store, forwarded)
}

fn taken(forwarded: &Forwarded) -> Vec<(String, Option<String>, Option<String>, i64)> {
    std::mem::take(&mut *forwarded.lock().expect("sink"))
}

fn fwd(
    k: &str,
    new: Option<&str>,
    old: Option<&str>,
    ts: i64,
) -> (String, Option<String>, Option<String>, i64) {
    (
        k.to_owned(),
        new.map(str::to_owned),
        old.map(str::to_owned),
        ts,
    )
}

#[test]
fn dedups_per_key_and_forwards_latest_with_old_value_on_flush() {
    let cache = Arc::new(ThreadCache::new(10 << 20));
    let ts = RecordTimestamp::default();
    let (mut store, forwarded) = caching("t", &cache, &ts);
    ts.set(1);
    store.put(b"YERB", b"105.24").expect("put");
    ts.set(2);
    store.put(b"NDLE", b"33.56").expect("put");
    ts.set(3);
    store.put(b"YERB", b"105.36").expect("put");
    assert!(
        taken(&forwarded).is_empty(),
        "nothing forwarded before the flush"
    );
    assert_eq!(store.get(b"YERB").expect("get"), Some(b"105.36".to_vec()));
    store.flush().expect("flush");
    assert_eq!(
        taken(&forwarded),
        vec![
            fwd("NDLE", Some("33.56"), None, 2),
            fwd("YERB", Some("105.36"), None, 3)
        ]
    );

    store.put(b"YERB", b"106").expect("put");
    store.delete(b"NDLE").expect("delete");
    store.delete(b"never-there").expect("delete absent");
    store.flush().expect("flush");
    assert_eq!(
        taken(&forwarded),
        vec![
            fwd("YERB", Some("106"), Some("105.36"), 3),
            fwd("NDLE", None, Some("33.56"), 3)
        ]
    );
    store.flush().expect("flush");
    assert!(
        taken(&forwarded).is_empty(),
        "a flush without writes forwards nothing"
    );
}

#[test]
fn eviction_over_budget_writes_down_and_forwards() {
    let entry = CACHE_ENTRY_OVERHEAD_BYTES + 2;
    let cache = Arc::new(ThreadCache::new(2 * entry));
    let ts = RecordTimestamp::default();
    let (mut store, forwarded) = caching("t", &cache, &ts);
    store.put(b"a", b"1").expect("put");
    store.put(b"b", b"1").expect("put");
    assert!(taken(&forwarded).is_empty());
    store.put(b"c", b"1").expect("put");
    assert_eq!(
        taken(&forwarded),
        vec![fwd("a", Some("1"), None, 0)],
        "eldest evicted and forwarded"
    );
    assert!(cache.size_bytes() <= cache.max_bytes());
    assert_eq!(cache.evictions(), 1);
    let keys: Vec<_> = store
        .all()
        .expect("all")
        .map(|r| r.expect("item").0)
        .collect();
    assert_eq!(keys, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
}

#[test]
fn budget_zero_forwards_every_update() {
    let cache = Arc::new(ThreadCache::new(0));
    let ts = RecordTimestamp::default();
    let (mut store, forwarded) = caching("t", &cache, &ts);
    store.put(b"a", b"1").expect("put");
    store.put(b"a", b"2").expect("put");
    store.delete(b"a").expect("delete");
    assert_eq!(
        taken(&forwarded),
        vec![
            fwd("a", Some("1"), None, 0),
            fwd("a", Some("2"), Some("1"), 0),
            fwd("a", None, Some("2"), 0)
        ]
    );
    assert_eq!(cache.size_bytes(), 0);
}

#[test]
fn another_stores_eviction_stays_readable_until_flushed() {
    let entry = CACHE_ENTRY_OVERHEAD_BYTES + 2;
    let cache = Arc::new(ThreadCache::new(entry));
    let ts = RecordTimestamp::default();
    let (mut left, left_fwd) = caching("left", &cache, &ts);
    let (mut right, right_fwd) = caching("right", &cache, &ts);
    left.put(b"k", b"L").expect("put");
    right.put(b"k", b"R").expect("put evicts left's entry");
    assert!(
        left_fwd.lock().expect("sink").is_empty(),
        "left is not called from right's put"
    );
    assert_eq!(
        left.get(b"k").expect("pending entries are read"),
        Some(b"L".to_vec())
    );
    left.flush_evicted().expect("flush evicted");
    assert_eq!(taken(&left_fwd), vec![fwd("k", Some("L"), None, 0)]);
    assert!(taken(&right_fwd).is_empty());
    assert_eq!(right.get(b"k").expect("get"), Some(b"R".to_vec()));
}

#[test]
fn close_flushes_and_frees_the_namespace() {
    let cache = Arc::new(ThreadCache::new(10 << 20));
    let ts = RecordTimestamp::default();
    let (mut store, forwarded) = caching("t", &cache, &ts);
    store.put(b"a", b"1").expect("put");
    store.close().expect("close");
    assert_eq!(taken(&forwarded), vec![fwd("a", Some("1"), None, 0)]);
    assert_eq!(cache.size_bytes(), 0);
}

mod through_cache_with_evictions {
    use super::*;

    crate::state::test_suite::bytes_store_suite!(|_dir| {
        let cache = Arc::new(ThreadCache::new(8 * (CACHE_ENTRY_OVERHEAD_BYTES + 6)));
        CachingKeyValueStore::new(
            Box::new(InMemoryKeyValueStore::new("c")),
            cache,
            "0_0",
            RecordTimestamp::default(),
        )
    });
}

#[test]
fn a_dirty_entry_knows_the_value_below_when_it_replaced_a_clean_one() {
    let cache = ThreadCache::new(10 << 20);
    cache.put_clean("ns", b"a", Some(b"1".to_vec()));
    cache.put_dirty("ns", b"a", Some(b"2".to_vec()), 5);
    cache.put_dirty("ns", b"a", Some(b"3".to_vec()), 6); // still above "1"
    cache.put_dirty("ns", b"b", Some(b"9".to_vec()), 7); // nothing known below
    let dirty = cache.take_dirty("ns");
    let below: Vec<(String, Option<Option<Vec<u8>>>)> =
        dirty.into_iter().map(|e| (s(&e.key), e.below)).collect();
    assert_eq!(
        below,
        vec![
            ("a".to_owned(), Some(Some(b"1".to_vec()))),
            ("b".to_owned(), None)
        ]
    );
    // Written down, "a" is clean at "3": the next write sits above "3".
    cache.put_dirty("ns", b"a", None, 8);
    let dirty = cache.take_dirty("ns");
    assert_eq!(dirty.len(), 1);
    assert_eq!(dirty[0].below, Some(Some(b"3".to_vec())));
}

#[test]
fn a_flush_takes_each_dirty_key_once_in_write_order_and_skips_clean_ones() {
    // Entries of ~70 bytes each: a budget of 200 holds two.
    let cache = ThreadCache::new(200);
    cache.put_dirty("ns", b"a", Some(b"1".to_vec()), 1);
    cache.put_clean("ns", b"c", Some(b"clean".to_vec()));
    cache.put_dirty("ns", b"b", Some(b"2".to_vec()), 2); // evicts "a" to pending
    cache.put_dirty("ns", b"a", Some(b"3".to_vec()), 3); // "a" cached again, dirty
    cache.put_dirty("ns", b"b", Some(b"4".to_vec()), 4);
    let dirty: Vec<(String, Option<Vec<u8>>, i64)> = cache
        .take_dirty("ns")
        .into_iter()
        .map(|e| (s(&e.key), e.value, e.timestamp))
        .collect();
    assert_eq!(
        dirty,
        vec![
            ("a".to_owned(), Some(b"3".to_vec()), 3),
            ("b".to_owned(), Some(b"4".to_vec()), 4),
        ]
    );
    assert!(
        cache.take_dirty("ns").is_empty(),
        "flushed entries are clean"
    );
    cache.put_dirty("ns", b"b", Some(b"5".to_vec()), 5);
    let again: Vec<String> = cache
        .take_dirty("ns")
        .into_iter()
        .map(|e| s(&e.key))
        .collect();
    assert_eq!(again, vec!["b".to_owned()]);
}

#[test]
fn an_absent_read_cached_clean_tells_the_next_write_there_is_nothing_below() {
    let cache = ThreadCache::new(10 << 20);
    cache.put_clean("ns", b"w", None);
    assert_eq!(
        cache.get("ns", b"w"),
        Some(None),
        "a cached miss reads absent"
    );
    assert!(
        cache.take_dirty("ns").is_empty(),
        "a clean read is never written down"
    );
    cache.put_dirty("ns", b"w", Some(b"1".to_vec()), 1);
    let dirty = cache.take_dirty("ns");
    assert_eq!(dirty.len(), 1);
    assert_eq!(dirty[0].below, Some(None));
}
