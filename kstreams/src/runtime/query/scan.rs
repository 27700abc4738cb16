//! Chunked scans of one task's key/value bytes store: a [`ScanCursor`]
//! reads at most [`CHUNK`] entries per call, each call holding the store's
//! lock only while it reads those, then resumes after the last key it
//! returned.
//!
//! Consistency: each chunk is read at one instant, under the lock; between
//! chunks the stream thread may write. A scan therefore returns every key
//! at most once, in order, each with a value it had at some point during
//! the scan; a key written or deleted during the scan may or may not
//! appear. Reads go through the record cache, so they see writes not yet
//! committed (as Java's interactive queries do).
//!
//! Must never: hold the store's lock between chunks.

use std::collections::VecDeque;

use crate::error::Result;
use crate::state::{prefix_upper_bound, KeyValueBytesStore};

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
        if let Some((key, _)) = self.buffer.back() {
            if self.reverse {
                self.upper = Some(key.clone());
            } else {
                self.lower = key.clone();
            }
            self.last = Some(key.clone());
        }
        Ok(())
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
}
