//! Chunked scans of one task's key/value bytes store: a [`ScanCursor`]
//! reads at most [`CHUNK`] entries per call, each call holding the store's
//! lock only while it reads those, then resumes after the last key it
//! returned.
//!
//! Consistency: the first chunk pins the store's contents
//! (`KeyValueBytesStore::open_snapshot`: a RocksDB snapshot plus a copy of
//! the record cache's entries, taken under the lock at one instant), and
//! every chunk reads that snapshot: the scan sees the store exactly as it
//! was then, whatever the stream thread writes meanwhile. Reads include
//! cached writes not yet committed (as Java's interactive queries do).
//! Stores without snapshots (in-memory, LRU) read each chunk live: every
//! key at most once, in order, each with a value it had at some point
//! during the scan. The pin is released when the cursor is dropped, or
//! when the store closes first (a task migrating away), after which the
//! next chunk fails as for a closed store.
//!
//! Must never: hold the store's lock between chunks.

use std::collections::VecDeque;

use crate::error::Result;
use crate::state::{prefix_upper_bound, KeyValueBytesStore, ScanSnapshot};

/// Entries read per lock acquisition.
pub(crate) const CHUNK: usize = 1000;

/// Where one task's part of a scan stands.
#[derive(Debug)]
pub(crate) struct ScanCursor {
    /// Inclusive lower bound.
    lower: Vec<u8>,
    /// Inclusive upper bound; `None` until the first chunk reads the
    /// store's largest key (an unbounded scan).
    upper: Option<Vec<u8>>,
    /// A key never returned: the exclusive upper bound of a prefix scan.
    excluded: Option<Vec<u8>>,
    reverse: bool,
    /// The last key returned; the next chunk starts at it and skips it.
    last: Option<Vec<u8>>,
    done: bool,
    pub(crate) buffer: VecDeque<(Vec<u8>, Vec<u8>)>,
    /// The store's pinned contents, from the first chunk on (`None` before
    /// it, or for a store without snapshots).
    snapshot: Option<ScanSnapshot>,
    opened: bool,
}

impl std::fmt::Debug for ScanSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScanSnapshot")
    }
}

impl ScanCursor {
    /// Keys in `[from, to]` (empty when `from > to`).
    pub(crate) fn range(from: Vec<u8>, to: Vec<u8>, reverse: bool) -> Self {
        let done = from > to;
        Self::new(from, Some(to), None, reverse, done)
    }

    /// Every key.
    pub(crate) fn all(reverse: bool) -> Self {
        Self::new(Vec::new(), None, None, reverse, false)
    }

    /// Keys starting with `prefix`, ascending.
    pub(crate) fn prefix(prefix: &[u8]) -> Self {
        let excluded = prefix_upper_bound(prefix);
        let upper = excluded.clone();
        Self::new(prefix.to_vec(), upper, excluded, false, false)
    }

    fn new(
        lower: Vec<u8>,
        upper: Option<Vec<u8>>,
        excluded: Option<Vec<u8>>,
        reverse: bool,
        done: bool,
    ) -> Self {
        ScanCursor {
            lower,
            upper,
            excluded,
            reverse,
            last: None,
            done,
            buffer: VecDeque::new(),
            snapshot: None,
            opened: false,
        }
    }

    /// Whether the buffer is empty and nothing is left to read.
    #[cfg(test)]
    pub(crate) fn exhausted(&self) -> bool {
        self.done && self.buffer.is_empty()
    }

    /// Whether the next entry needs a chunk read first.
    pub(crate) fn needs_chunk(&self) -> bool {
        !self.done && self.buffer.is_empty()
    }

    /// Reads up to `limit` more entries from `store` into the buffer.
    pub(crate) fn read_chunk(
        &mut self,
        store: &dyn KeyValueBytesStore,
        limit: usize,
    ) -> Result<()> {
        if self.done {
            return Ok(());
        }
        if !self.opened {
            self.snapshot = store.open_snapshot()?;
            self.opened = true;
        }
        if let Some(snapshot) = &self.snapshot {
            // Two more than asked: the last key returned and the excluded
            // bound may come back and are skipped.
            let chunk = store.snapshot_chunk(
                snapshot,
                &self.lower,
                self.upper.as_deref(),
                self.reverse,
                limit + 2,
            )?;
            let mut fresh = chunk.entries.into_iter().filter(|(key, _)| {
                self.last.as_ref() != Some(key) && self.excluded.as_ref() != Some(key)
            });
            let mut read = 0;
            for entry in fresh.by_ref().take(limit) {
                self.buffer.push_back(entry);
                read += 1;
            }
            let more = fresh.next().is_some();
            self.done = chunk.exhausted && !more;
            if read == 0 {
                self.done = true;
            }
            self.advance();
            return Ok(());
        }
        if self.upper.is_none() {
            match store.reverse_all()?.next() {
                Some(entry) => self.upper = Some(entry?.0),
                None => {
                    self.done = true;
                    return Ok(());
                }
            }
        }
        let upper = self.upper.clone().unwrap_or_default();
        if self.lower > upper {
            self.done = true;
            return Ok(());
        }
        let entries = if self.reverse {
            store.reverse_range(&self.lower, &upper)?
        } else {
            store.range(&self.lower, &upper)?
        };
        let mut read = 0;
        for entry in entries {
            let (key, value) = entry?;
            if self.last.as_ref() == Some(&key) || self.excluded.as_ref() == Some(&key) {
                continue;
            }
            self.buffer.push_back((key, value));
            read += 1;
            if read == limit {
                break;
            }
        }
        if read < limit {
            self.done = true;
        }
        self.advance();
        Ok(())
    }

    /// Moves the scan's open bound to the last key buffered.
    fn advance(&mut self) {
        if let Some((key, _)) = self.buffer.back() {
            if self.reverse {
                self.upper = Some(key.clone());
            } else {
                self.lower = key.clone();
            }
            self.last = Some(key.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{InMemoryKeyValueStore, KeyValueBytesStore};

    fn drain(cursor: &mut ScanCursor, store: &dyn KeyValueBytesStore) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while !cursor.exhausted() {
            if cursor.needs_chunk() {
                cursor.read_chunk(store, 2).expect("chunk");
            }
            if let Some((k, _)) = cursor.buffer.pop_front() {
                out.push(k);
            }
        }
        out
    }

    #[test]
    fn chunks_cover_ranges_prefixes_and_reverse_scans() {
        let mut store = InMemoryKeyValueStore::new("s");
        let keys: Vec<Vec<u8>> = vec![
            b"a".to_vec(),
            b"ab".to_vec(),
            b"abc".to_vec(),
            b"b".to_vec(),
            vec![0xFF],
            vec![0xFF, 0x00],
            vec![0xFF, 0xFF],
        ];
        for k in &keys {
            store.put(k, b"v").expect("put");
        }
        assert_eq!(drain(&mut ScanCursor::all(false), &store), keys);
        let mut rev = keys.clone();
        rev.reverse();
        assert_eq!(drain(&mut ScanCursor::all(true), &store), rev);
        assert_eq!(
            drain(&mut ScanCursor::prefix(b"a"), &store),
            keys[..3].to_vec()
        );
        assert_eq!(
            drain(&mut ScanCursor::prefix(&[0xFF]), &store),
            keys[4..].to_vec()
        );
        assert_eq!(
            drain(
                &mut ScanCursor::range(b"ab".to_vec(), b"b".to_vec(), true),
                &store
            ),
            vec![b"b".to_vec(), b"abc".to_vec(), b"ab".to_vec()]
        );
        assert!(drain(
            &mut ScanCursor::range(b"b".to_vec(), b"a".to_vec(), false),
            &store
        )
        .is_empty());
    }

    /// Every kind of scan, read 3 entries at a time with writes, deletes,
    /// cache flushes between chunks: each returns exactly what the store
    /// held when its first chunk was read (RocksDB snapshot + cache copy).
    #[cfg(feature = "rocksdb")]
    #[test]
    fn a_scan_reads_the_store_as_it_was_at_its_first_chunk() {
        use crate::state::CachingKeyValueStore;
        use crate::state::{RecordTimestamp, RocksDbConfig, RocksDbStore, StateStore, ThreadCache};
        use std::collections::BTreeMap;
        use std::sync::Arc;

        let dir = tempfile::tempdir().expect("dir");
        let rocks =
            RocksDbStore::open("snap", dir.path(), &RocksDbConfig::default()).expect("open");
        let mut store = CachingKeyValueStore::new(
            Box::new(rocks),
            Arc::new(ThreadCache::new(1 << 20)),
            "0_0",
            RecordTimestamp::default(),
        );
        let key = |i: usize| format!("k{i:02}").into_bytes();
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for i in 0..20 {
            store.put(&key(i), b"v1").expect("put");
            model.insert(key(i), b"v1".to_vec());
            if i == 9 {
                // Half in RocksDB, half only in the cache.
                store.flush_cache().expect("flush");
            }
        }
        store.delete(&key(3)).expect("delete");
        model.remove(&key(3));

        type Expected = fn(&BTreeMap<Vec<u8>, Vec<u8>>) -> Vec<Vec<u8>>;
        let cases: Vec<(&str, ScanCursor, Expected)> = vec![
            ("all", ScanCursor::all(false), |m| {
                m.keys().cloned().collect()
            }),
            ("reverse all", ScanCursor::all(true), |m| {
                m.keys().rev().cloned().collect()
            }),
            (
                "range",
                ScanCursor::range(b"k02".to_vec(), b"k16".to_vec(), false),
                |m| {
                    m.range(b"k02".to_vec()..=b"k16".to_vec())
                        .map(|(k, _)| k.clone())
                        .collect()
                },
            ),
            (
                "reverse range",
                ScanCursor::range(b"k02".to_vec(), b"k16".to_vec(), true),
                |m| {
                    m.range(b"k02".to_vec()..=b"k16".to_vec())
                        .rev()
                        .map(|(k, _)| k.clone())
                        .collect()
                },
            ),
            ("prefix", ScanCursor::prefix(b"k1"), |m| {
                m.keys().filter(|k| k.starts_with(b"k1")).cloned().collect()
            }),
        ];
        let mut round = 0;
        for (name, mut cursor, expected) in cases {
            let expected = expected(&model);
            let mut seen = Vec::new();
            while !cursor.exhausted() {
                if cursor.needs_chunk() {
                    cursor.read_chunk(&store, 3).expect("chunk");
                    // The stream thread writes between chunks.
                    round += 1;
                    for i in 0..20 {
                        if i % 3 == round % 3 {
                            store
                                .put(&key(i), format!("v{}", round + 1).as_bytes())
                                .expect("put");
                        } else if i % 5 == round % 5 {
                            store.delete(&key(i)).expect("delete");
                        }
                    }
                    store
                        .put(format!("k{round:02}x").as_bytes(), b"new")
                        .expect("put");
                    if round % 2 == 0 {
                        store.flush_cache().expect("flush");
                    }
                }
                if let Some((k, v)) = cursor.buffer.pop_front() {
                    assert_eq!(
                        model.get(&k),
                        Some(&v),
                        "{name}: a value the snapshot did not hold"
                    );
                    seen.push(k);
                }
            }
            assert_eq!(seen, expected, "{name}");
            // Later scans start from what the store holds now.
            model = BTreeMap::new();
            let mut all = ScanCursor::all(false);
            while !all.exhausted() {
                if all.needs_chunk() {
                    all.read_chunk(&store, 1000).expect("chunk");
                }
                if let Some((k, v)) = all.buffer.pop_front() {
                    model.insert(k, v);
                }
            }
            assert_eq!(
                model.keys().cloned().collect::<Vec<_>>(),
                store
                    .all()
                    .expect("all")
                    .map(|e| e.expect("entry").0)
                    .collect::<Vec<_>>()
            );
        }

        // A store closing under an open scan releases its snapshot: the next
        // chunk fails as for a closed store, and dropping the scan is harmless.
        let mut cursor = ScanCursor::all(false);
        cursor.read_chunk(&store, 2).expect("chunk");
        store.close().expect("close");
        cursor.buffer.clear();
        assert!(cursor.read_chunk(&store, 2).is_err());
        drop(cursor);
    }
}
