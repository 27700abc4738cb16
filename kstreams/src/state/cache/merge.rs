//! [`MergedSortedCacheIter`]: a scan of a caching store, merging a snapshot
//! of the cache with the iterator of the store below, as Kafka Streams'
//! `MergedSortedCacheKeyValueBytesStoreIterator`.
//!
//! Owns: the merge rule: on equal keys the cache wins, and a cached delete
//! hides the key. Must never: reorder, or buffer the store's side.

use std::iter::Peekable;

use crate::error::Result;
use crate::state::store::{BytesEntry, BytesIter, KeyValueBytes};

/// Cached entries (in scan order, `None` = cached delete) merged with the
/// store below's iterator (same order).
pub(crate) struct MergedSortedCacheIter<'a> {
    cache: Peekable<std::vec::IntoIter<BytesEntry>>,
    store: Peekable<BytesIter<'a>>,
    reverse: bool,
}

impl<'a> MergedSortedCacheIter<'a> {
    pub(crate) fn new(cache: Vec<BytesEntry>, store: BytesIter<'a>, reverse: bool) -> Self {
        Self {
            cache: cache.into_iter().peekable(),
            store: store.peekable(),
            reverse,
        }
    }
}

impl Iterator for MergedSortedCacheIter<'_> {
    type Item = Result<KeyValueBytes>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match (self.cache.peek(), self.store.peek()) {
                (None, None) => return None,
                (None, Some(_)) => return self.store.next(),
                (Some(_), None) => {}
                (Some(_), Some(Err(_))) => return self.store.next(),
                (Some((cached, _)), Some(Ok((stored, _)))) => {
                    let mut order = cached.cmp(stored);
                    if self.reverse {
                        order = order.reverse();
                    }
                    match order {
                        std::cmp::Ordering::Greater => return self.store.next(),
                        std::cmp::Ordering::Equal => {
                            self.store.next();
                        }
                        std::cmp::Ordering::Less => {}
                    }
                }
            }
            if let Some((key, Some(value))) = self.cache.next() {
                return Some(Ok((key, value)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(k: &str, v: &str) -> KeyValueBytes {
        (k.as_bytes().to_vec(), v.as_bytes().to_vec())
    }

    #[test]
    fn cache_wins_and_deletes_hide() {
        let store: BytesIter<'_> =
            Box::new(vec![Ok(kv("a", "1")), Ok(kv("b", "1")), Ok(kv("d", "1"))].into_iter());
        let cache = vec![
            (b"b".to_vec(), Some(b"2".to_vec())),
            (b"c".to_vec(), Some(b"2".to_vec())),
            (b"d".to_vec(), None),
        ];
        let merged: Vec<_> = MergedSortedCacheIter::new(cache, store, false)
            .map(|r| r.expect("ok"))
            .collect();
        assert_eq!(merged, vec![kv("a", "1"), kv("b", "2"), kv("c", "2")]);
    }

    #[test]
    fn reverse_merge() {
        let store: BytesIter<'_> = Box::new(vec![Ok(kv("c", "1")), Ok(kv("a", "1"))].into_iter());
        let cache = vec![(b"b".to_vec(), Some(b"2".to_vec())), (b"a".to_vec(), None)];
        let merged: Vec<_> = MergedSortedCacheIter::new(cache, store, true)
            .map(|r| r.expect("ok"))
            .collect();
        assert_eq!(merged, vec![kv("c", "1"), kv("b", "2")]);
    }
}
