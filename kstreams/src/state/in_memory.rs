//! [`InMemoryKeyValueStore`]: a `BTreeMap` bytes store, as Kafka Streams'
//! `Stores.inMemoryKeyValueStore`, plus the ordered-scan helper the LRU
//! store shares.
//!
//! Owns: in-process key/value data in unsigned byte order. Must never:
//! touch the disk, log to a changelog (a layer above does), or evict.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::error::Result;
use crate::state::store::{
    closed_error, prefix_upper_bound, BytesIter, KeyValueBytesStore, RestoreRecord, StateStore,
};

/// Which entries of an ordered map a scan visits.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scan<'k> {
    /// `from <= key <= to`.
    Range {
        from: &'k [u8],
        to: &'k [u8],
        reverse: bool,
    },
    /// Keys starting with the prefix, ascending.
    Prefix(&'k [u8]),
    /// Everything.
    All { reverse: bool },
}

/// One end of a key range.
pub(crate) type KeyBound = Bound<Vec<u8>>;

/// Key bounds and direction of `scan`; `None` when it is empty by
/// definition (`from > to`).
pub(crate) fn scan_bounds(scan: Scan<'_>) -> Option<(KeyBound, KeyBound, bool)> {
    match scan {
        Scan::Range { from, to, reverse } => {
            if from > to {
                return None;
            }
            Some((
                Bound::Included(from.to_vec()),
                Bound::Included(to.to_vec()),
                reverse,
            ))
        }
        Scan::Prefix(prefix) => {
            let upper = prefix_upper_bound(prefix).map_or(Bound::Unbounded, Bound::Excluded);
            Some((Bound::Included(prefix.to_vec()), upper, false))
        }
        Scan::All { reverse } => Some((Bound::Unbounded, Bound::Unbounded, reverse)),
    }
}

/// Scans `map` (ordered by unsigned bytes, as `Vec<u8>` orders) and copies
/// out each value through `value_of`.
pub(crate) fn scan_btree<'a, V>(
    map: &'a BTreeMap<Vec<u8>, V>,
    scan: Scan<'_>,
    value_of: fn(&V) -> &[u8],
) -> BytesIter<'a> {
    let Some((lower, upper, reverse)) = scan_bounds(scan) else {
        return Box::new(std::iter::empty());
    };
    let range = map.range::<Vec<u8>, _>((lower, upper));
    let copy = move |(k, v): (&Vec<u8>, &V)| Ok((k.clone(), value_of(v).to_vec()));
    if reverse {
        Box::new(range.rev().map(copy))
    } else {
        Box::new(range.map(copy))
    }
}

/// Implements the five scan methods of `KeyValueBytesStore` by calling
/// `self.scan(Scan)`, for the map-backed stores.
macro_rules! scans_via_scan {
    () => {
        fn range(&self, from: &[u8], to: &[u8]) -> Result<BytesIter<'_>> {
            self.scan(Scan::Range {
                from,
                to,
                reverse: false,
            })
        }

        fn reverse_range(&self, from: &[u8], to: &[u8]) -> Result<BytesIter<'_>> {
            self.scan(Scan::Range {
                from,
                to,
                reverse: true,
            })
        }

        fn prefix_scan(&self, prefix: &[u8]) -> Result<BytesIter<'_>> {
            self.scan(Scan::Prefix(prefix))
        }

        fn all(&self) -> Result<BytesIter<'_>> {
            self.scan(Scan::All { reverse: false })
        }

        fn reverse_all(&self) -> Result<BytesIter<'_>> {
            self.scan(Scan::All { reverse: true })
        }
    };
}
pub(crate) use scans_via_scan;

/// A bytes store held in a `BTreeMap`. Not persistent: after a restart its
/// content comes back only from the changelog.
#[derive(Debug)]
pub(crate) struct InMemoryKeyValueStore {
    name: String,
    map: BTreeMap<Vec<u8>, Vec<u8>>,
    open: bool,
}

impl InMemoryKeyValueStore {
    /// An empty, open store.
    pub(crate) fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            map: BTreeMap::new(),
            open: true,
        }
    }

    fn check_open(&self) -> Result<()> {
        if self.open {
            Ok(())
        } else {
            Err(closed_error(&self.name))
        }
    }

    fn scan(&self, scan: Scan<'_>) -> Result<BytesIter<'_>> {
        self.check_open()?;
        Ok(scan_btree(&self.map, scan, |v| v.as_slice()))
    }
}

impl StateStore for InMemoryKeyValueStore {
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
        Ok(())
    }
}

impl KeyValueBytesStore for InMemoryKeyValueStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.check_open()?;
        Ok(self.map.get(key).cloned())
    }

    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.check_open()?;
        self.map.insert(key.to_vec(), value.to_vec());
        Ok(())
    }

    fn delete(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.check_open()?;
        Ok(self.map.remove(key))
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
                Some(value) => self.map.insert(record.key.to_vec(), value.to_vec()),
                None => self.map.remove(record.key),
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::state::test_suite::bytes_store_suite!(|_dir| InMemoryKeyValueStore::new("mem"));
}
