//! [`ThreadCache`]: the record cache of one stream thread, shared by all
//! caching stores of the thread's tasks, as Kafka Streams' `ThreadCache`.
//!
//! Owns: a byte budget (`statestore.cache.max.bytes` divided by the number
//! of stream threads), one namespace per store (`<task id>-<store>`), at
//! most one entry per key per namespace, and a single LRU order across all
//! namespaces. Must never: call into a store or a flush listener. Evicting a
//! dirty entry therefore does not write it down: the entry moves to its
//! namespace's *pending* set, which reads still see, and the owning
//! [`CachingKeyValueStore`](crate::state::CachingKeyValueStore) writes and
//! forwards it on its next write, `flush_evicted` or flush. A store's own
//! evictions are forwarded before its `put` returns, as in Java; another
//! store's wait until the runtime calls that store (it should call
//! `flush_evicted` on a task's caching stores after each record).
//!
//! Invariants: `current_bytes` is the size of all non-pending entries; a
//! key is in `entries` or in `pending` of its namespace, never both; a
//! namespace's `sorted` holds exactly the keys of its `entries`.
//!
//! Layout: reads and updates of a cached key (a counter's every record)
//! cost one hash lookup and one O(1) move in the LRU list; only a new or
//! removed key touches the ordered index that range scans read. Java's
//! `NamedCache` keeps a `TreeMap` and pays its search on every access.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::state::in_memory::{scan_bounds, Scan};
use crate::state::lru_order::LruOrder;
use crate::state::store::BytesEntry;

/// Bytes charged per cache entry on top of its key and value.
pub(crate) const CACHE_ENTRY_OVERHEAD_BYTES: usize = 64;

/// A dirty entry on its way down: its value (`None` = delete) and the
/// timestamp of the write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DirtyEntry {
    pub(crate) key: Vec<u8>,
    pub(crate) value: Option<Vec<u8>>,
    pub(crate) timestamp: i64,
    /// The value the store below holds for the key, when the cache knows it
    /// (the entry replaced a clean one): saves reading it back on write-down.
    pub(crate) below: Option<Option<Vec<u8>>>,
}

#[derive(Debug)]
struct Entry {
    value: Option<Vec<u8>>,
    /// For a dirty entry: the store's value under it, if known (see
    /// [`DirtyEntry::below`]). Not charged to the budget: it is the clean
    /// value this entry replaced, moved rather than copied.
    below: Option<Option<Vec<u8>>>,
    dirty: bool,
    timestamp: i64,
    tick: u64,
    dirty_seq: u64,
}

fn entry_size(key: &[u8], value: Option<&Vec<u8>>) -> usize {
    key.len() + value.map_or(0, Vec::len) + CACHE_ENTRY_OVERHEAD_BYTES
}

#[derive(Debug)]
struct NamedCache {
    /// The namespace, shared with its keys in the LRU order.
    name: Arc<str>,
    /// Cached entries by key.
    entries: foldhash::HashMap<Vec<u8>, Entry>,
    /// The keys of `entries` in order, for scans.
    sorted: BTreeSet<Vec<u8>>,
    /// Evicted dirty entries not yet written down.
    pending: BTreeMap<Vec<u8>, Entry>,
}

impl NamedCache {
    fn new(name: &str) -> Self {
        Self {
            name: Arc::from(name),
            entries: Default::default(),
            sorted: BTreeSet::new(),
            pending: BTreeMap::new(),
        }
    }

    /// Removes a cached (not pending) entry.
    fn remove_entry(&mut self, key: &[u8]) -> Option<Entry> {
        let entry = self.entries.remove(key)?;
        self.sorted.remove(key);
        Some(entry)
    }
}

#[derive(Debug)]
struct CacheState {
    max_bytes: usize,
    current_bytes: usize,
    namespaces: foldhash::HashMap<String, NamedCache>,
    order: LruOrder<(Arc<str>, Vec<u8>)>,
    next_dirty_seq: u64,
    evictions: u64,
}

/// The per-thread record cache. Share it as `Arc<ThreadCache>` between the
/// caching stores of one stream thread.
#[derive(Debug)]
pub(crate) struct ThreadCache {
    state: Mutex<CacheState>,
}

impl ThreadCache {
    /// A cache of `max_bytes`; 0 disables caching (every write is forwarded
    /// at once).
    pub(crate) fn new(max_bytes: usize) -> Self {
        Self {
            state: Mutex::new(CacheState {
                max_bytes,
                current_bytes: 0,
                namespaces: Default::default(),
                order: LruOrder::default(),
                next_dirty_seq: 0,
                evictions: 0,
            }),
        }
    }

    /// The cache of one of `num_threads` threads sharing an instance budget
    /// of `instance_max_bytes`, as Kafka Streams divides it.
    pub(crate) fn for_thread(instance_max_bytes: usize, num_threads: usize) -> Self {
        Self::new(instance_max_bytes / num_threads.max(1))
    }

    fn lock(&self) -> MutexGuard<'_, CacheState> {
        // Every mutation below completes before it can panic (no user code
        // runs under the lock), so a poisoned state is still consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes currently charged (pending evictions excluded).
    #[cfg(test)]
    pub(crate) fn size_bytes(&self) -> usize {
        self.lock().current_bytes
    }

    /// The budget.
    pub(crate) fn max_bytes(&self) -> usize {
        self.lock().max_bytes
    }

    /// Entries evicted so far.
    #[cfg(test)]
    pub(crate) fn evictions(&self) -> u64 {
        self.lock().evictions
    }

    /// The cached value: `Some(None)` is a cached delete; `None` a miss.
    pub(crate) fn get(&self, ns: &str, key: &[u8]) -> Option<Option<Vec<u8>>> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let named = state.namespaces.get_mut(ns)?;
        if let Some(entry) = named.entries.get_mut(key) {
            entry.tick = state
                .order
                .retouch(entry.tick, || (named.name.clone(), key.to_vec()));
            return Some(entry.value.clone());
        }
        named.pending.get(key).map(|e| e.value.clone())
    }

    /// Caches a write (`None` = delete) as dirty, then evicts to budget.
    pub(crate) fn put_dirty(&self, ns: &str, key: &[u8], value: Option<Vec<u8>>, timestamp: i64) {
        self.insert(ns, key, value, true, timestamp);
    }

    /// Caches what a read of the store below found (clean: never written
    /// down; `None`: the key is absent below). Only for a key the cache
    /// missed: it would replace a dirty entry.
    pub(crate) fn put_clean(&self, ns: &str, key: &[u8], value: Option<Vec<u8>>) {
        self.insert(ns, key, value, false, 0);
    }

    fn insert(&self, ns: &str, key: &[u8], value: Option<Vec<u8>>, dirty: bool, timestamp: i64) {
        let mut guard = self.lock();
        let state = &mut *guard;
        if !state.namespaces.contains_key(ns) {
            state.namespaces.insert(ns.to_owned(), NamedCache::new(ns));
        }
        let Some(named) = state.namespaces.get_mut(ns) else {
            return;
        };
        // A newer write supersedes a pending one: it was never forwarded.
        named.pending.remove(key);
        let dirty_seq = state.next_dirty_seq;
        state.next_dirty_seq += 1;
        let size = entry_size(key, value.as_ref());
        if let Some(entry) = named.entries.get_mut(key) {
            // Updated in place: the key's bytes are neither copied nor
            // moved, in the map or in the LRU order.
            state.current_bytes -= entry_size(key, entry.value.as_ref());
            // What the store below holds: a clean entry's value is exactly
            // that; a dirty one knows it only if it replaced a clean one.
            let below = if entry.dirty {
                entry.below.take()
            } else {
                Some(entry.value.take())
            };
            entry.below = if dirty { below } else { None };
            entry.tick = state
                .order
                .retouch(entry.tick, || (named.name.clone(), key.to_vec()));
            entry.value = value;
            entry.dirty = dirty;
            entry.timestamp = timestamp;
            entry.dirty_seq = dirty_seq;
        } else {
            let tick = state.order.touch(None, (named.name.clone(), key.to_vec()));
            named.sorted.insert(key.to_vec());
            named.entries.insert(
                key.to_vec(),
                Entry {
                    value,
                    below: None,
                    dirty,
                    timestamp,
                    tick,
                    dirty_seq,
                },
            );
        }
        state.current_bytes += size;
        state.evict_to_budget();
    }

    /// Takes the namespace's pending (evicted dirty) entries, oldest write first.
    pub(crate) fn take_pending(&self, ns: &str) -> Vec<DirtyEntry> {
        let mut state = self.lock();
        let Some(named) = state.namespaces.get_mut(ns) else {
            return Vec::new();
        };
        if named.pending.is_empty() {
            return Vec::new();
        }
        to_dirty_entries(std::mem::take(&mut named.pending).into_iter().collect())
    }

    /// Takes every dirty entry of the namespace (pending ones included),
    /// oldest write first; cached ones stay as clean entries, deletes are
    /// dropped.
    pub(crate) fn take_dirty(&self, ns: &str) -> Vec<DirtyEntry> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let Some(named) = state.namespaces.get_mut(ns) else {
            return Vec::new();
        };
        let mut dirty: Vec<(Vec<u8>, Entry)> =
            std::mem::take(&mut named.pending).into_iter().collect();
        let mut deletes = Vec::new();
        // A scan of all entries, not a list of dirty keys as Java's
        // `NamedCache.dirtyKeys`: the scan streams through the table, where
        // a list pays a hash lookup (a cache miss) per dirty key. Tried on
        // the counter (50 000 keys, about a quarter dirty per 100 ms
        // commit): taking the dirty entries still cost 3.8 % of its CPU,
        // 1.6 % of it the lookups, no gain over the scan.
        for (key, entry) in named.entries.iter_mut().filter(|(_, e)| e.dirty) {
            entry.dirty = false;
            dirty.push((
                key.clone(),
                Entry {
                    value: entry.value.clone(),
                    below: entry.below.take(),
                    ..*entry
                },
            ));
            if entry.value.is_none() {
                deletes.push(key.clone());
            }
        }
        for key in deletes {
            if let Some(entry) = named.remove_entry(&key) {
                state.current_bytes -= entry_size(&key, None);
                state.order.remove(entry.tick);
            }
        }
        to_dirty_entries(dirty)
    }

    /// The namespace's cached entries (pending included) within `scan`, in
    /// scan order; `None` values are cached deletes.
    pub(crate) fn snapshot(&self, ns: &str, scan: Scan<'_>) -> Vec<BytesEntry> {
        let state = self.lock();
        let Some(named) = state.namespaces.get(ns) else {
            return Vec::new();
        };
        let Some((lower, upper, reverse)) = scan_bounds(scan) else {
            return Vec::new();
        };
        let mut merged: BTreeMap<&Vec<u8>, &Option<Vec<u8>>> = BTreeMap::new();
        for (k, e) in named
            .pending
            .range::<Vec<u8>, _>((lower.clone(), upper.clone()))
        {
            merged.insert(k, &e.value);
        }
        for k in named.sorted.range::<Vec<u8>, _>((lower, upper)) {
            if let Some(e) = named.entries.get(k) {
                merged.insert(k, &e.value);
            }
        }
        let mut out: Vec<_> = merged
            .into_iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if reverse {
            out.reverse();
        }
        out
    }

    /// Forgets `keys` of the namespace (a restore overwrote them below).
    pub(crate) fn invalidate(&self, ns: &str, keys: impl Iterator<Item = Vec<u8>>) {
        let mut guard = self.lock();
        let state = &mut *guard;
        let Some(named) = state.namespaces.get_mut(ns) else {
            return;
        };
        for key in keys {
            named.pending.remove(&key);
            if let Some(entry) = named.remove_entry(&key) {
                state.current_bytes -= entry_size(&key, entry.value.as_ref());
                state.order.remove(entry.tick);
            }
        }
    }

    /// Drops a namespace (its store closed). Dirty entries are lost: flush first.
    pub(crate) fn close_namespace(&self, ns: &str) {
        let mut guard = self.lock();
        let state = &mut *guard;
        if let Some(named) = state.namespaces.remove(ns) {
            for (key, entry) in named.entries {
                state.current_bytes -= entry_size(&key, entry.value.as_ref());
                state.order.remove(entry.tick);
            }
        }
    }
}

impl CacheState {
    fn evict_to_budget(&mut self) {
        while self.current_bytes > self.max_bytes {
            let Some((ns, key)) = self.order.pop_eldest() else {
                break;
            };
            let Some(named) = self.namespaces.get_mut(&*ns) else {
                continue;
            };
            let Some(entry) = named.remove_entry(&key) else {
                continue;
            };
            self.current_bytes -= entry_size(&key, entry.value.as_ref());
            self.evictions += 1;
            if entry.dirty {
                named.pending.insert(key, entry);
            }
        }
    }
}

fn to_dirty_entries(mut entries: Vec<(Vec<u8>, Entry)>) -> Vec<DirtyEntry> {
    entries.sort_by_key(|(_, e)| e.dirty_seq);
    entries
        .into_iter()
        .map(|(key, e)| DirtyEntry {
            key,
            value: e.value,
            timestamp: e.timestamp,
            below: e.below,
        })
        .collect()
}
