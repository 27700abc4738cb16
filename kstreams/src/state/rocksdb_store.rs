//! [`RocksDbStore`]: the persistent bytes store, one RocksDB instance per
//! store per task under `<task dir>/rocksdb/<store>`.
//!
//! Owns: the database handle, its options (from the shared
//! [`RocksDbConfig`]) and the write path.
//!
//! # Write path
//! As in Kafka Streams, the write-ahead log is disabled: the changelog
//! topic is the log. Single `put`/`delete` calls write directly to the
//! memtable (the record cache above already batches per commit);
//! `put_all` and `restore_batch` go through one `WriteBatch` each.
//! [`StateStore::flush`] flushes the memtables to SST files, which is what
//! makes the data durable: the runtime must flush before it writes the
//! checkpoint. A crash therefore loses writes after the last flush, and the
//! store may also hold writes *newer* than its checkpoint (memtables flushed
//! under memory pressure); replay from the checkpoint fixes both for
//! key/value stores, and under exactly-once a store without a valid
//! checkpoint is wiped (see [`crate::state::wipe_task_dir`]).
//!
//! Must never: write to a changelog, or share a database between tasks.

use std::path::{Path, PathBuf};

use std::sync::{Arc, Mutex};

use rocksdb::{IteratorMode, ReadOptions, WriteBatch, WriteOptions, DB};

use crate::error::{Error, Result};
use crate::state::directory::rocksdb_store_dir;
use crate::state::rocksdb_config::RocksDbConfig;
use crate::state::store::{
    closed_error, exclusive_after, prefix_upper_bound, state_error, BytesEntry, BytesIter,
    KeyValueBytesStore, RestoreRecord, ScanSnapshot, SnapshotChunk, StateStore,
};

/// A key/value bytes store in its own RocksDB database.
pub(crate) struct RocksDbStore {
    name: String,
    path: PathBuf,
    /// Boxed: snapshots refer to it, so it must not move (see [`Pin`]).
    db: Option<Box<DB>>,
    write_options: WriteOptions,
    /// The snapshots handed out for scans, released before `db` goes.
    pins: Mutex<Vec<Pin>>,
}

/// A RocksDB snapshot shared by the store and one scan: whichever comes
/// first (the scan dropping its [`ScanSnapshot`], or the store closing)
/// releases it, under the mutex.
///
/// Soundness of the `'static`: the snapshot refers to the boxed `DB`, which
/// never moves, and the store releases every pin (`release_pins`) before it
/// drops the box (in `close` and in `Drop`); a scan's drop that comes later
/// finds `None` and touches nothing.
type Pin = Arc<Mutex<Option<rocksdb::SnapshotWithThreadMode<'static, DB>>>>;

/// The scan's side of a [`Pin`]: releases the snapshot when dropped.
struct ScanPin(Pin);

impl Drop for ScanPin {
    fn drop(&mut self) {
        drop(self.0.lock().unwrap_or_else(|p| p.into_inner()).take());
    }
}

impl Drop for RocksDbStore {
    fn drop(&mut self) {
        self.release_pins();
    }
}

impl std::fmt::Debug for RocksDbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksDbStore")
            .field("name", &self.name)
            .field("path", &self.path)
            .field("open", &self.db.is_some())
            .finish()
    }
}

impl RocksDbStore {
    /// Opens (creating if needed) store `name` of the task whose state
    /// directory is `task_dir`, i.e. `<task_dir>/rocksdb/<name>`.
    pub(crate) fn open(
        name: impl Into<String>,
        task_dir: &Path,
        config: &RocksDbConfig,
    ) -> Result<Self> {
        let name = name.into();
        let path = rocksdb_store_dir(task_dir, &name);
        std::fs::create_dir_all(&path)
            .map_err(|e| Error::io(format!("creating RocksDB directory {}", path.display()), e))?;
        let db = DB::open(&config.store_options(&name), &path).map_err(|e| {
            state_error(
                &name,
                format!(
                    "cannot open RocksDB at {}: {e}; if another instance uses this state.dir, give each its own",
                    path.display()
                ),
            )
        })?;
        let mut write_options = WriteOptions::default();
        write_options.disable_wal(true);
        Ok(Self {
            name,
            path,
            db: Some(Box::new(db)),
            write_options,
            pins: Mutex::new(Vec::new()),
        })
    }

    /// Releases every snapshot handed out (before the database closes).
    fn release_pins(&self) {
        let pins = std::mem::take(&mut *self.pins.lock().unwrap_or_else(|p| p.into_inner()));
        for pin in pins {
            drop(pin.lock().unwrap_or_else(|p| p.into_inner()).take());
        }
    }

    /// The database directory.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn db(&self) -> Result<&DB> {
        self.db.as_deref().ok_or_else(|| closed_error(&self.name))
    }

    fn fail(&self, action: &str, error: rocksdb::Error) -> Error {
        state_error(&self.name, format!("RocksDB {action} failed: {error}"))
    }

    fn write(&self, batch: WriteBatch) -> Result<()> {
        self.db()?
            .write_opt(batch, &self.write_options)
            .map_err(|e| self.fail("batch write", e))
    }

    /// Iterates between optional bounds (`upper` exclusive) in one direction.
    fn iter(
        &self,
        lower: Option<Vec<u8>>,
        upper: Option<Vec<u8>>,
        reverse: bool,
    ) -> Result<BytesIter<'_>> {
        let db = self.db()?;
        let mut read = ReadOptions::default();
        if let Some(lower) = lower {
            read.set_iterate_lower_bound(lower);
        }
        if let Some(upper) = upper {
            read.set_iterate_upper_bound(upper);
        }
        let mode = if reverse {
            IteratorMode::End
        } else {
            IteratorMode::Start
        };
        let name = self.name.clone();
        Ok(Box::new(db.iterator_opt(mode, read).map(move |item| {
            item.map(|(k, v)| (k.into_vec(), v.into_vec()))
                .map_err(|e| state_error(&name, format!("RocksDB iteration failed: {e}")))
        })))
    }

    fn range_iter(&self, from: &[u8], to: &[u8], reverse: bool) -> Result<BytesIter<'_>> {
        if from > to {
            self.db()?;
            return Ok(Box::new(std::iter::empty()));
        }
        self.iter(Some(from.to_vec()), Some(exclusive_after(to)), reverse)
    }
}

impl StateStore for RocksDbStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn persistent(&self) -> bool {
        true
    }

    fn flush(&mut self) -> Result<()> {
        self.db()?.flush().map_err(|e| self.fail("flush", e))
    }

    fn close(&mut self) -> Result<()> {
        if self.db.is_some() {
            self.flush()?;
        }
        self.release_pins();
        self.db = None;
        Ok(())
    }
}

impl KeyValueBytesStore for RocksDbStore {
    /// A RocksDB snapshot: what the database holds now, readable after
    /// later writes (Java's RocksDB iterators pin one implicitly).
    fn open_snapshot(&self) -> Result<Option<ScanSnapshot>> {
        let db = self.db()?;
        let snapshot = db.snapshot();
        // SAFETY: only the lifetime changes. The snapshot refers to the
        // boxed DB, which does not move and is dropped only after
        // `release_pins` released every snapshot (see `Pin`).
        let snapshot: rocksdb::SnapshotWithThreadMode<'static, DB> =
            unsafe { std::mem::transmute(snapshot) };
        let pin: Pin = Arc::new(Mutex::new(Some(snapshot)));
        let mut pins = self.pins.lock().unwrap_or_else(|p| p.into_inner());
        // Forget pins whose scan has gone (released already).
        pins.retain(|p| Arc::strong_count(p) > 1);
        pins.push(pin.clone());
        Ok(Some(ScanSnapshot {
            pinned: Some(Box::new(ScanPin(pin))),
            cached: None,
        }))
    }

    fn snapshot_chunk(
        &self,
        snapshot: &ScanSnapshot,
        from: &[u8],
        to: Option<&[u8]>,
        reverse: bool,
        limit: usize,
    ) -> Result<SnapshotChunk> {
        let db = self.db()?;
        let pin = snapshot
            .pinned
            .as_ref()
            .and_then(|p| p.downcast_ref::<ScanPin>())
            .ok_or_else(|| state_error(&self.name, "not a snapshot of this RocksDB store"))?;
        let guard = pin.0.lock().unwrap_or_else(|p| p.into_inner());
        let Some(snap) = guard.as_ref() else {
            return Err(closed_error(&self.name));
        };
        let mut read = ReadOptions::default();
        read.set_snapshot(snap);
        read.set_iterate_lower_bound(from.to_vec());
        if let Some(to) = to {
            read.set_iterate_upper_bound(exclusive_after(to));
        }
        let mode = if reverse {
            IteratorMode::End
        } else {
            IteratorMode::Start
        };
        let mut chunk = SnapshotChunk {
            entries: Vec::new(),
            exhausted: true,
        };
        for item in db.iterator_opt(mode, read) {
            let (k, v) = item.map_err(|e| self.fail("snapshot iteration", e))?;
            if chunk.entries.len() == limit {
                chunk.exhausted = false;
                break;
            }
            chunk.entries.push((k.into_vec(), v.into_vec()));
        }
        Ok(chunk)
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.db()?.get(key).map_err(|e| self.fail("get", e))
    }

    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.db()?
            .put_opt(key, value, &self.write_options)
            .map_err(|e| self.fail("put", e))
    }

    fn put_all(&mut self, entries: &[BytesEntry]) -> Result<()> {
        // In key order: the memtable's skip list then finds each insert
        // next to the previous one (RocksDB keeps a splice of the last
        // insert), instead of searching from the top for every random key.
        // A stable sort keeps a repeated key's writes in order.
        let mut sorted: Vec<&BytesEntry> = entries.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut batch = WriteBatch::default();
        for (key, value) in sorted {
            match value {
                Some(v) => batch.put(key, v),
                None => batch.delete(key),
            }
        }
        self.write(batch)
    }

    fn delete(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let previous = self.get(key)?;
        if previous.is_some() {
            self.db()?
                .delete_opt(key, &self.write_options)
                .map_err(|e| self.fail("delete", e))?;
        }
        Ok(previous)
    }

    fn range(&self, from: &[u8], to: &[u8]) -> Result<BytesIter<'_>> {
        self.range_iter(from, to, false)
    }

    fn reverse_range(&self, from: &[u8], to: &[u8]) -> Result<BytesIter<'_>> {
        self.range_iter(from, to, true)
    }

    fn prefix_scan(&self, prefix: &[u8]) -> Result<BytesIter<'_>> {
        self.iter(Some(prefix.to_vec()), prefix_upper_bound(prefix), false)
    }

    fn all(&self) -> Result<BytesIter<'_>> {
        self.iter(None, None, false)
    }

    fn reverse_all(&self) -> Result<BytesIter<'_>> {
        self.iter(None, None, true)
    }

    fn approximate_num_entries(&self) -> Result<u64> {
        let estimate = self
            .db()?
            .property_int_value("rocksdb.estimate-num-keys")
            .map_err(|e| self.fail("reading estimate-num-keys", e))?;
        Ok(estimate.unwrap_or(0))
    }

    fn restore_batch(&mut self, records: &[RestoreRecord<'_>]) -> Result<()> {
        let mut batch = WriteBatch::default();
        for record in records {
            match record.value {
                Some(value) => batch.put(record.key, value),
                None => batch.delete(record.key),
            }
        }
        self.write(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::state::test_suite::bytes_store_suite!(|dir: &Path| RocksDbStore::open(
        "rocks",
        dir,
        &RocksDbConfig::new(8 << 20, 2 << 20)
    )
    .expect("open RocksDB"));

    #[test]
    fn data_survives_close_and_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = RocksDbConfig::new(8 << 20, 2 << 20);
        let mut store = RocksDbStore::open("counts", dir.path(), &config).expect("open");
        store.put(b"a", b"1").expect("put");
        store
            .put_all(&[(b"b".to_vec(), Some(b"2".to_vec())), (b"a".to_vec(), None)])
            .expect("put_all");
        store.close().expect("close");
        assert!(store.get(b"b").is_err(), "a closed store refuses reads");

        let reopened = RocksDbStore::open("counts", dir.path(), &config).expect("reopen");
        assert_eq!(reopened.path(), dir.path().join("rocksdb").join("counts"));
        assert_eq!(reopened.get(b"a").expect("get"), None);
        assert_eq!(reopened.get(b"b").expect("get"), Some(b"2".to_vec()));
    }
}
