//! [`LruOrder`]: recency bookkeeping shared by the LRU store and the record
//! cache.
//!
//! Owns: which key was used least recently, by a monotonically increasing
//! tick per use. Must never: hold values or decide *when* to evict (its
//! owners do, by entry count or by byte budget).

use std::collections::BTreeMap;

/// Keys ordered by last use. Each use gets a fresh tick; the smallest live
/// tick is the eldest key. Owners store the tick next to their entry so a
/// later use can retire it.
#[derive(Debug)]
pub(crate) struct LruOrder<K> {
    by_tick: BTreeMap<u64, K>,
    next_tick: u64,
}

impl<K> Default for LruOrder<K> {
    fn default() -> Self {
        Self {
            by_tick: BTreeMap::new(),
            next_tick: 0,
        }
    }
}

impl<K> LruOrder<K> {
    /// Records a use of `key`, retiring its previous tick; returns the new one.
    pub(crate) fn touch(&mut self, previous: Option<u64>, key: K) -> u64 {
        if let Some(tick) = previous {
            self.by_tick.remove(&tick);
        }
        let tick = self.next_tick;
        self.next_tick += 1;
        self.by_tick.insert(tick, key);
        tick
    }

    /// Records another use of the key last used at `tick`, moving it (not
    /// a copy) to a new tick; `key` makes it only if `tick` is unknown.
    pub(crate) fn retouch(&mut self, tick: u64, key: impl FnOnce() -> K) -> u64 {
        let key = self.by_tick.remove(&tick).unwrap_or_else(key);
        self.touch(None, key)
    }

    /// Forgets the key last used at `tick`.
    pub(crate) fn remove(&mut self, tick: u64) {
        self.by_tick.remove(&tick);
    }

    /// Removes and returns the least recently used key.
    pub(crate) fn pop_eldest(&mut self) -> Option<K> {
        self.by_tick.pop_first().map(|(_, key)| key)
    }

    /// Forgets every key.
    pub(crate) fn clear(&mut self) {
        self.by_tick.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eldest_is_least_recently_touched() {
        let mut order = LruOrder::default();
        let a = order.touch(None, "a");
        let _b = order.touch(None, "b");
        order.touch(Some(a), "a");
        assert_eq!(order.pop_eldest(), Some("b"));
        assert_eq!(order.pop_eldest(), Some("a"));
        assert_eq!(order.pop_eldest(), None);
    }
}
