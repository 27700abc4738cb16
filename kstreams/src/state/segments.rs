//! [`Segments`]: the time-segmented RocksDB storage under the window and
//! session stores, as Kafka Streams' `AbstractSegments` / `KeyValueSegments`.
//!
//! Time is cut into segments of `interval` ms (segment id =
//! `timestamp / interval`); each segment is its own RocksDB database in
//! `<task dir>/rocksdb/<store>/<store>.<id * interval>` (Java's segment
//! name; Java puts the store directory directly under the task directory,
//! we keep every RocksDB file under `rocksdb/` as our key/value stores do).
//! Expired segments are closed and their directory deleted whole, which is
//! the point of segmenting: no per-record deletes for retention.
//!
//! Owns: segment directories, their databases and their expiry. Must
//! never: interpret keys (callers pass the timestamps), or log.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rocksdb::{FlushOptions, IteratorMode, ReadOptions, WriteBatch, WriteOptions, DB};

use crate::error::{Error, Result};
use crate::state::directory::rocksdb_store_dir;
use crate::state::rocksdb_config::RocksDbConfig;
use crate::state::store::{closed_error, exclusive_after, state_error, KeyValueBytes};

pub(crate) use crate::state::window_store::segment_interval;

/// The open segments of one store.
pub(crate) struct Segments {
    store: String,
    dir: PathBuf,
    interval: i64,
    config: RocksDbConfig,
    write_options: WriteOptions,
    segments: BTreeMap<i64, DB>,
    open: bool,
}

impl Segments {
    /// Opens every segment found in the store's directory (creating the
    /// directory), in id order, as Java's `openExisting`.
    pub(crate) fn open(
        store: &str,
        task_dir: &Path,
        interval: i64,
        config: &RocksDbConfig,
    ) -> Result<Self> {
        let dir = rocksdb_store_dir(task_dir, store);
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("creating segment directory {}", dir.display()), e))?;
        let mut write_options = WriteOptions::default();
        write_options.disable_wal(true);
        let mut segments = Self {
            store: store.to_owned(),
            dir,
            interval,
            config: config.clone(),
            write_options,
            segments: BTreeMap::new(),
            open: true,
        };
        for id in segments.existing_ids()? {
            segments.get_or_create(id)?;
        }
        Ok(segments)
    }

    fn existing_ids(&self) -> Result<Vec<i64>> {
        let listing = std::fs::read_dir(&self.dir)
            .map_err(|e| Error::io(format!("listing segments in {}", self.dir.display()), e))?;
        let prefix = format!("{}.", self.store);
        let mut ids = Vec::new();
        for entry in listing {
            let entry = entry
                .map_err(|e| Error::io(format!("listing segments in {}", self.dir.display()), e))?;
            let name = entry.file_name();
            let Some(suffix) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
                continue;
            };
            let start: i64 = suffix.parse().map_err(|_| {
                state_error(
                    &self.store,
                    format!(
                        "unexpected entry {:?} in segment directory {}: not `<store>.<segment start ms>`",
                        name,
                        self.dir.display()
                    ),
                )
            })?;
            if start < 0 || start % self.interval != 0 {
                // Java would open a new segment beside it and never delete
                // the old one; refuse instead.
                return Err(state_error(
                    &self.store,
                    format!(
                        "segment {:?} in {} does not start on a multiple of the segment interval {} ms: \
                         the store's retention changed since it was written; delete the task's local \
                         state (it is restored from the changelog)",
                        name,
                        self.dir.display(),
                        self.interval
                    ),
                ));
            }
            ids.push(start / self.interval);
        }
        ids.sort_unstable();
        Ok(ids)
    }

    pub(crate) fn segment_id(&self, timestamp: i64) -> i64 {
        timestamp / self.interval
    }

    fn segment_path(&self, id: i64) -> PathBuf {
        self.dir.join(format!(
            "{}.{}",
            self.store,
            id.saturating_mul(self.interval)
        ))
    }

    /// The store directory holding the segments.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn check_open(&self) -> Result<()> {
        if self.open {
            Ok(())
        } else {
            Err(closed_error(&self.store))
        }
    }

    fn fail(&self, action: &str, error: rocksdb::Error) -> Error {
        state_error(&self.store, format!("RocksDB {action} failed: {error}"))
    }

    /// The segment `id`, opened or created.
    pub(crate) fn get_or_create(&mut self, id: i64) -> Result<&DB> {
        self.check_open()?;
        if !self.segments.contains_key(&id) {
            let path = self.segment_path(id);
            // Java's segment name, `<store>.<segment start>`, is the directory's.
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| self.store.clone());
            let db = DB::open(&self.config.store_options(&name), &path).map_err(|e| {
                state_error(
                    &self.store,
                    format!("cannot open segment RocksDB at {}: {e}", path.display()),
                )
            })?;
            // Writes move on to the new segment: the older ones' memtables
            // are flushed now (in the background). Otherwise segments that
            // no longer take writes keep their memtables, charged to the
            // instance's shared write-buffer budget, until they expire;
            // once those fill the budget, RocksDB's write-buffer manager
            // makes every write to a live segment flush a memtable of a few
            // entries. Under exactly-once no checkpoint flushes the stores
            // while the task runs, so nothing else would free them.
            if self
                .segments
                .keys()
                .next_back()
                .is_some_and(|last| *last < id)
            {
                let mut background = FlushOptions::default();
                background.set_wait(false);
                for older in self.segments.values() {
                    older
                        .flush_opt(&background)
                        .map_err(|e| self.fail("flush", e))?;
                }
            }
            self.segments.insert(id, db);
        }
        self.segments
            .get(&id)
            .ok_or_else(|| state_error(&self.store, "segment vanished while opening"))
    }

    /// The open segment `id`, if any.
    pub(crate) fn get(&self, id: i64) -> Result<Option<&DB>> {
        self.check_open()?;
        Ok(self.segments.get(&id))
    }

    /// Open segments with ids in `[from_id, to_id]`, ascending.
    pub(crate) fn range(&self, from_id: i64, to_id: i64) -> Result<Vec<&DB>> {
        self.check_open()?;
        if from_id > to_id {
            return Ok(Vec::new());
        }
        Ok(self
            .segments
            .range(from_id..=to_id)
            .map(|(_, db)| db)
            .collect())
    }

    /// The ids of the open segments, ascending.
    pub(crate) fn ids(&self) -> Vec<i64> {
        self.segments.keys().copied().collect()
    }

    /// Closes and deletes every segment whose id is below the segment of
    /// `min_live_timestamp` (Java's `cleanupExpiredSegments`).
    pub(crate) fn drop_expired(&mut self, min_live_timestamp: i64) -> Result<()> {
        let min_live = self.segment_id(min_live_timestamp);
        let live = self.segments.split_off(&min_live);
        let expired = std::mem::replace(&mut self.segments, live);
        for (id, db) in expired {
            drop(db);
            let path = self.segment_path(id);
            std::fs::remove_dir_all(&path).map_err(|e| {
                Error::io(format!("deleting expired segment {}", path.display()), e)
            })?;
        }
        Ok(())
    }

    pub(crate) fn put(&self, db: &DB, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        match value {
            Some(v) => db.put_opt(key, v, &self.write_options),
            None => db.delete_opt(key, &self.write_options),
        }
        .map_err(|e| self.fail("write", e))
    }

    pub(crate) fn get_value(&self, db: &DB, key: &[u8]) -> Result<Option<Vec<u8>>> {
        db.get(key).map_err(|e| self.fail("get", e))
    }

    /// Writes one batch to segment `id` (creating it).
    pub(crate) fn write_batch(&mut self, id: i64, batch: WriteBatch) -> Result<()> {
        self.get_or_create(id)?;
        let db = self.get(id)?.ok_or_else(|| closed_error(&self.store))?;
        db.write_opt(batch, &self.write_options)
            .map_err(|e| self.fail("batch write", e))
    }

    /// Entries of `db` with `lower <= key <= upper` (either unbounded when
    /// `None`), ascending.
    pub(crate) fn scan(
        &self,
        db: &DB,
        lower: Option<&[u8]>,
        upper: Option<&[u8]>,
    ) -> Result<Vec<KeyValueBytes>> {
        let mut read = ReadOptions::default();
        if let Some(lower) = lower {
            read.set_iterate_lower_bound(lower.to_vec());
        }
        if let Some(upper) = upper {
            read.set_iterate_upper_bound(exclusive_after(upper));
        }
        db.iterator_opt(IteratorMode::Start, read)
            .map(|item| {
                item.map(|(k, v)| (k.into_vec(), v.into_vec()))
                    .map_err(|e| self.fail("iteration", e))
            })
            .collect()
    }

    pub(crate) fn flush(&self) -> Result<()> {
        self.check_open()?;
        for db in self.segments.values() {
            db.flush().map_err(|e| self.fail("flush", e))?;
        }
        Ok(())
    }

    pub(crate) fn close(&mut self) -> Result<()> {
        if self.open {
            self.flush()?;
        }
        self.segments.clear();
        self.open = false;
        Ok(())
    }
}
