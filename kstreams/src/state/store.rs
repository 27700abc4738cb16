//! The byte-level store contract every layer and every implementation
//! shares: [`StateStore`] (lifecycle) and [`KeyValueBytesStore`] (data).
//!
//! Owns: the meaning of keys and values as raw bytes, their order (unsigned
//! lexicographic, as RocksDB's default comparator and Kafka's `Bytes`), the
//! inclusive-range and prefix-bound helpers, and the restore entry point.
//! Must never: know about serdes, Kafka clients or the record cache.

use crate::error::{Error, Result};

/// One key/value pair read from a bytes store, in key order.
pub(super) type KeyValueBytes = (Vec<u8>, Vec<u8>);

/// An iterator over a bytes store, borrowing the store. Items are fallible
/// because a persistent store can fail mid-scan.
pub(super) type BytesIter<'a> = Box<dyn Iterator<Item = Result<KeyValueBytes>> + 'a>;

/// A batch write: `None` deletes the key, as Kafka's `putAll` with `null`.
pub(super) type BytesEntry = (Vec<u8>, Option<Vec<u8>>);

/// A store's contents pinned at one instant, for a scan that reads them in
/// chunks with the store unlocked in between (interactive queries:
/// `runtime::query::scan`). Dropping it releases the pin.
#[derive(Default)]
pub(crate) struct ScanSnapshot {
    /// The persistent store's pin (a RocksDB snapshot).
    #[cfg_attr(not(feature = "rocksdb"), allow(dead_code))]
    pub(super) pinned: Option<Box<dyn std::any::Any + Send + Sync>>,
    /// The caching layer's entries at that instant, ascending (`None`: a
    /// cached delete).
    pub(super) cached: Option<Vec<BytesEntry>>,
}

/// One chunk of a snapshot scan.
#[derive(Debug, Default)]
pub(crate) struct SnapshotChunk {
    /// Entries in scan order.
    pub(crate) entries: Vec<(Vec<u8>, Vec<u8>)>,
    /// Whether nothing is left in the scanned range past these entries.
    pub(crate) exhausted: bool,
}

/// One changelog record handed to [`KeyValueBytesStore::restore_batch`],
/// borrowed from the consumer's message so restoring copies nothing twice.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RestoreRecord<'a> {
    /// The record's offset in the changelog partition.
    pub offset: i64,
    /// The store key.
    pub key: &'a [u8],
    /// The value; `None` is a tombstone (the key is deleted).
    pub value: Option<&'a [u8]>,
}

/// What every store — layer or implementation — has: a name and a lifecycle.
///
/// A store belongs to exactly one task and is used by one thread at a time.
pub(crate) trait StateStore: Send {
    /// The store's name, unique within the topology.
    fn name(&self) -> &str;

    /// Whether the data survives a process restart without a changelog
    /// restore (RocksDB: yes; in-memory and LRU: no).
    fn persistent(&self) -> bool;

    /// Writes the record cache's dirty entries down (to the changelog and
    /// the bytes store, and to the flush listener, which forwards them),
    /// without making anything durable: Java's `CachedStateStore.flushCache`.
    /// Called on every commit. Only caching layers have anything to do.
    fn flush_cache(&mut self) -> Result<()> {
        Ok(())
    }

    /// Makes every write so far durable in this layer and the layers below
    /// (cache → changelog → disk: RocksDB's memtables become files).
    /// Called before a checkpoint is written (see `runtime::state_manager`
    /// for when), and by `close`.
    fn flush(&mut self) -> Result<()>;

    /// Flushes and releases resources (files, locks). Any later call fails.
    fn close(&mut self) -> Result<()>;
}

/// A key/value store over raw bytes, ordered by unsigned lexicographic key
/// order. Layers (change-logging, caching) and implementations (RocksDB,
/// in-memory, LRU) all implement it, so layers stack as boxed trait objects.
///
/// Ranges are inclusive at both ends, as in Kafka Streams; `from > to` gives
/// an empty iterator.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a kstreams key/value bytes store",
    note = "use `InMemoryKeyValueStore`, `LruMemoryStore` or `RocksDbStore`, or implement `kstreams::state::KeyValueBytesStore`"
)]
pub(crate) trait KeyValueBytesStore: StateStore {
    /// The value stored under `key`.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// Stores `value` under `key`, replacing any previous value.
    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()>;

    /// Stores `value` only if `key` is absent; returns the existing value.
    fn put_if_absent(&mut self, key: &[u8], value: &[u8]) -> Result<Option<Vec<u8>>> {
        let existing = self.get(key)?;
        if existing.is_none() {
            self.put(key, value)?;
        }
        Ok(existing)
    }

    /// Writes all entries; `None` values delete. Implementations that can
    /// (RocksDB) write them atomically.
    fn put_all(&mut self, entries: &[BytesEntry]) -> Result<()> {
        for (key, value) in entries {
            match value {
                Some(v) => self.put(key, v)?,
                None => {
                    self.delete(key)?;
                }
            }
        }
        Ok(())
    }

    /// Deletes `key`; returns the value it had.
    fn delete(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// Entries with `from <= key <= to`, ascending.
    fn range(&self, from: &[u8], to: &[u8]) -> Result<BytesIter<'_>>;

    /// Entries with `from <= key <= to`, descending.
    fn reverse_range(&self, from: &[u8], to: &[u8]) -> Result<BytesIter<'_>>;

    /// Entries whose key starts with `prefix`, ascending.
    fn prefix_scan(&self, prefix: &[u8]) -> Result<BytesIter<'_>>;

    /// All entries, ascending.
    fn all(&self) -> Result<BytesIter<'_>>;

    /// All entries, descending.
    fn reverse_all(&self) -> Result<BytesIter<'_>>;

    /// An estimate of the number of keys (exact for in-memory stores).
    fn approximate_num_entries(&self) -> Result<u64>;

    /// Pins what the store holds now, for a scan read in chunks later
    /// ([`KeyValueBytesStore::snapshot_chunk`]). `None` when the store cannot
    /// (in-memory stores): such scans read each chunk live.
    fn open_snapshot(&self) -> Result<Option<ScanSnapshot>> {
        Ok(None)
    }

    /// Up to `limit` entries with `from <= key <= to` (`to: None`:
    /// unbounded) as of `snapshot`, ascending or descending.
    fn snapshot_chunk(
        &self,
        _snapshot: &ScanSnapshot,
        _from: &[u8],
        _to: Option<&[u8]>,
        _reverse: bool,
        _limit: usize,
    ) -> Result<SnapshotChunk> {
        Err(state_error(
            self.name(),
            "this store does not read snapshots; open_snapshot returned none",
        ))
    }

    /// Applies changelog records directly, bypassing change-logging and
    /// caching: layers only pass this down. Persistent stores write the
    /// whole batch at once (one RocksDB `WriteBatch`).
    fn restore_batch(&mut self, records: &[RestoreRecord<'_>]) -> Result<()>;

    /// Keys this store evicted by itself since the last call (only the LRU
    /// store evicts). The change-logging layer turns them into tombstones.
    fn drain_evicted(&mut self) -> Vec<Vec<u8>> {
        Vec::new()
    }

    /// Writes down and forwards entries the thread's record cache evicted
    /// from this store (only the caching layer has any; other layers do
    /// nothing). The runtime calls it on a task's stores after each record.
    fn flush_evicted(&mut self) -> Result<()> {
        Ok(())
    }

    /// Whether this layer is a record cache, which forwards what it writes
    /// down to its flush listener (Java's `WrappedStateStore.setFlushListener`
    /// returning whether caching is enabled). Only the caching layer says yes.
    fn is_caching(&self) -> bool {
        false
    }
}

/// The smallest key strictly greater than every key starting with `prefix`,
/// or `None` when no such key exists (empty prefix, or all `0xFF`).
pub(crate) fn prefix_upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
    let last = prefix.iter().rposition(|b| *b != 0xFF)?;
    let mut bound = prefix[..=last].to_vec();
    bound[last] += 1;
    Some(bound)
}

/// The smallest key strictly greater than `key`: `key ++ [0x00]`. Turns an
/// inclusive upper bound into the exclusive one RocksDB iterators take.
#[cfg(any(test, feature = "rocksdb"))]
pub(crate) fn exclusive_after(key: &[u8]) -> Vec<u8> {
    let mut bound = Vec::with_capacity(key.len() + 1);
    bound.extend_from_slice(key);
    bound.push(0);
    bound
}

/// The error every store returns once [`StateStore::close`] was called.
pub(crate) fn closed_error(store: &str) -> Error {
    state_error(
        store,
        "the store is closed; reopen the task's stores before using them",
    )
}

/// Builds [`Error::State`] for `store`.
pub(crate) fn state_error(store: &str, message: impl Into<String>) -> Error {
    Error::State {
        store: store.to_owned(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_bounds_skip_trailing_ff() {
        assert_eq!(prefix_upper_bound(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_upper_bound(&[0x01, 0xFF]), Some(vec![0x02]));
        assert_eq!(prefix_upper_bound(&[0xFF, 0xFF]), None);
        assert_eq!(prefix_upper_bound(b""), None);
        assert_eq!(exclusive_after(b"a"), b"a\0".to_vec());
    }
}
