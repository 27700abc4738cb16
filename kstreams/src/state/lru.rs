//! [`LruMemoryStore`]: a bounded in-memory bytes store that evicts the
//! least recently used key, as Kafka Streams' `Stores.lruMap` (the Java
//! `MemoryLRUCache`).
//!
//! Owns: at most `max_entries` keys; recency updated by `get` and by every
//! write. Evicted keys are queued for [`KeyValueBytesStore::drain_evicted`]
//! so the change-logging layer writes them to the changelog as tombstones
//! (Java's `MemoryLRUCache` does the same through its eldest-removed
//! listener); otherwise a restore would bring evicted keys back.
//! Must never: log to a changelog itself, or record evictions caused by a
//! restore (the changelog already holds the restored state).
//!
//! Scans are supported (Java's `MemoryLRUCache` throws) and do not count as
//! uses.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::error::Result;
use crate::state::in_memory::{scan_btree, Scan};
use crate::state::lru_order::LruOrder;
use crate::state::store::{
    closed_error, state_error, BytesIter, KeyValueBytesStore, RestoreRecord, StateStore,
};

#[derive(Debug)]
struct Entry {
    value: Vec<u8>,
    tick: AtomicU64,
}

/// A bounded map of at most `max_entries` keys; the least recently used key
/// is evicted when a new one does not fit.
#[derive(Debug)]
pub(crate) struct LruMemoryStore {
    name: String,
    max_entries: usize,
    map: BTreeMap<Vec<u8>, Entry>,
    /// Behind a mutex because `get(&self)` counts as a use.
    order: Mutex<LruOrder<Vec<u8>>>,
    evicted: Vec<Vec<u8>>,
    open: bool,
}

impl LruMemoryStore {
    /// An empty store holding at most `max_entries` keys (at least 1).
    pub(crate) fn new(name: impl Into<String>, max_entries: usize) -> Result<Self> {
        let name = name.into();
        if max_entries == 0 {
            return Err(state_error(&name, "an LRU store needs max_entries >= 1"));
        }
        Ok(Self {
            name,
            max_entries,
            map: BTreeMap::new(),
            order: Mutex::new(LruOrder::default()),
            evicted: Vec::new(),
            open: true,
        })
    }

    fn order(&self) -> MutexGuard<'_, LruOrder<Vec<u8>>> {
        // The order holds no invariant a panic elsewhere could break.
        self.order
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn check_open(&self) -> Result<()> {
        if self.open {
            Ok(())
        } else {
            Err(closed_error(&self.name))
        }
    }

    /// Inserts or replaces, then evicts down to the bound; returns the
    /// evicted keys.
    fn insert(&mut self, key: &[u8], value: &[u8]) -> Vec<Vec<u8>> {
        let previous = self.map.get(key).map(|e| e.tick.load(Ordering::Relaxed));
        let tick = self.order().touch(previous, key.to_vec());
        self.map.insert(
            key.to_vec(),
            Entry {
                value: value.to_vec(),
                tick: AtomicU64::new(tick),
            },
        );
        let mut evicted = Vec::new();
        while self.map.len() > self.max_entries {
            let Some(eldest) = self.order().pop_eldest() else {
                break;
            };
            self.map.remove(&eldest);
            evicted.push(eldest);
        }
        evicted
    }

    fn remove(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        let entry = self.map.remove(key)?;
        self.order().remove(entry.tick.load(Ordering::Relaxed));
        Some(entry.value)
    }

    fn scan(&self, scan: Scan<'_>) -> Result<BytesIter<'_>> {
        self.check_open()?;
        Ok(scan_btree(&self.map, scan, |e| e.value.as_slice()))
    }
}

impl StateStore for LruMemoryStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn persistent(&self) -> bool {
        false
    }

    fn flush(&mut self) -> Result<()> {
        self.check_open()
    }

    fn close(&mut self) -> Result<()> {
        self.open = false;
        self.map.clear();
        self.order().clear();
        Ok(())
    }
}

impl KeyValueBytesStore for LruMemoryStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.check_open()?;
        let Some(entry) = self.map.get(key) else {
            return Ok(None);
        };
        let tick = self
            .order()
            .touch(Some(entry.tick.load(Ordering::Relaxed)), key.to_vec());
        entry.tick.store(tick, Ordering::Relaxed);
        Ok(Some(entry.value.clone()))
    }

    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.check_open()?;
        let evicted = self.insert(key, value);
        self.evicted.extend(evicted);
        Ok(())
    }

    fn delete(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.check_open()?;
        Ok(self.remove(key))
    }

    crate::state::in_memory::scans_via_scan!();

    fn approximate_num_entries(&self) -> Result<u64> {
        self.check_open()?;
        Ok(self.map.len() as u64)
    }

    fn restore_batch(&mut self, records: &[RestoreRecord<'_>]) -> Result<()> {
        self.check_open()?;
        for record in records {
            match record.value {
                // Evictions during a restore are not logged: see the module doc.
                Some(value) => drop(self.insert(record.key, value)),
                None => drop(self.remove(record.key)),
            }
        }
        Ok(())
    }

    fn drain_evicted(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.evicted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::state::test_suite::bytes_store_suite!(
        |_dir| LruMemoryStore::new("lru", 1000).expect("valid bound")
    );

    #[test]
    fn evicts_least_recently_used_and_reports_it() {
        let mut store = LruMemoryStore::new("lru", 2).expect("valid bound");
        store.put(b"a", b"1").expect("put");
        store.put(b"b", b"2").expect("put");
        assert_eq!(store.get(b"a").expect("get"), Some(b"1".to_vec()));
        store.put(b"c", b"3").expect("put");
        assert_eq!(store.get(b"b").expect("get"), None);
        assert_eq!(store.drain_evicted(), vec![b"b".to_vec()]);
        assert!(store.drain_evicted().is_empty());
        assert_eq!(store.approximate_num_entries().expect("count"), 2);
    }

    #[test]
    fn restore_evicts_silently_and_zero_bound_is_rejected() {
        let mut store = LruMemoryStore::new("lru", 1).expect("valid bound");
        let records = [
            RestoreRecord {
                offset: 0,
                key: b"a",
                value: Some(b"1"),
            },
            RestoreRecord {
                offset: 1,
                key: b"b",
                value: Some(b"2"),
            },
        ];
        store.restore_batch(&records).expect("restore");
        assert!(store.drain_evicted().is_empty());
        assert_eq!(store.get(b"b").expect("get"), Some(b"2".to_vec()));
        assert!(LruMemoryStore::new("lru", 0).is_err());
    }
}
