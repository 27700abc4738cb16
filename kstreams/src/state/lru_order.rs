//! [`LruOrder`]: recency bookkeeping shared by the LRU store and the record
//! cache.
//!
//! Owns: which key was used least recently, as a doubly linked list over a
//! slab of nodes (as Java's `NamedCache` links its entries), so a use moves
//! one node in O(1) without copying, allocating or rebalancing. Must never:
//! hold values or decide *when* to evict (its owners do, by entry count or
//! by byte budget).

/// No node: the end of the list, or an empty list.
const NIL: usize = usize::MAX;

#[derive(Debug)]
struct Node<K> {
    /// `None` while the slot is free.
    key: Option<K>,
    /// The next older node.
    older: usize,
    /// The next newer node.
    newer: usize,
}

/// Keys ordered by last use. Each key gets a handle when it is first used;
/// owners store it next to their entry and pass it back to record another
/// use or to forget the key. A handle is valid until its key is removed or
/// popped; after that its slot may be given to another key.
#[derive(Debug)]
pub(crate) struct LruOrder<K> {
    nodes: Vec<Node<K>>,
    free: Vec<usize>,
    /// The least recently used node.
    eldest: usize,
    /// The most recently used node.
    newest: usize,
}

impl<K> Default for LruOrder<K> {
    fn default() -> Self {
        Self {
            nodes: Vec::new(),
            free: Vec::new(),
            eldest: NIL,
            newest: NIL,
        }
    }
}

impl<K> LruOrder<K> {
    /// Records a use of `key`, forgetting the handle `previous` (the key's
    /// last one, if any); returns the key's handle.
    pub(crate) fn touch(&mut self, previous: Option<u64>, key: K) -> u64 {
        if let Some(handle) = previous.and_then(|h| self.live(h)) {
            self.nodes[handle].key = Some(key);
            self.move_to_newest(handle);
            return handle as u64;
        }
        self.push(key)
    }

    /// Records another use of the key with `handle`, moving it (not a copy)
    /// to the newest end; `key` makes it only if `handle` is not live.
    /// Returns the key's handle.
    pub(crate) fn retouch(&mut self, handle: u64, key: impl FnOnce() -> K) -> u64 {
        match self.live(handle) {
            Some(slot) => {
                self.move_to_newest(slot);
                handle
            }
            None => self.push(key()),
        }
    }

    /// Forgets the key with `handle`.
    pub(crate) fn remove(&mut self, handle: u64) {
        if let Some(slot) = self.live(handle) {
            self.take(slot);
        }
    }

    /// Removes and returns the least recently used key.
    pub(crate) fn pop_eldest(&mut self) -> Option<K> {
        (self.eldest != NIL)
            .then(|| self.take(self.eldest))
            .flatten()
    }

    /// Forgets every key.
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }

    fn live(&self, handle: u64) -> Option<usize> {
        let slot = usize::try_from(handle).ok()?;
        self.nodes
            .get(slot)
            .is_some_and(|n| n.key.is_some())
            .then_some(slot)
    }

    fn push(&mut self, key: K) -> u64 {
        let node = Node {
            key: Some(key),
            older: NIL,
            newer: NIL,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.nodes[slot] = node;
                slot
            }
            None => {
                self.nodes.push(node);
                self.nodes.len() - 1
            }
        };
        self.link_newest(slot);
        slot as u64
    }

    fn take(&mut self, slot: usize) -> Option<K> {
        self.unlink(slot);
        self.free.push(slot);
        self.nodes[slot].key.take()
    }

    fn move_to_newest(&mut self, slot: usize) {
        if self.newest != slot {
            self.unlink(slot);
            self.link_newest(slot);
        }
    }

    fn unlink(&mut self, slot: usize) {
        let (older, newer) = (self.nodes[slot].older, self.nodes[slot].newer);
        match older {
            NIL => self.eldest = newer,
            o => self.nodes[o].newer = newer,
        }
        match newer {
            NIL => self.newest = older,
            n => self.nodes[n].older = older,
        }
    }

    fn link_newest(&mut self, slot: usize) {
        self.nodes[slot].older = self.newest;
        self.nodes[slot].newer = NIL;
        match self.newest {
            NIL => self.eldest = slot,
            n => self.nodes[n].newer = slot,
        }
        self.newest = slot;
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

    #[test]
    fn retouch_moves_and_removed_slots_are_reused() {
        let mut order = LruOrder::default();
        let a = order.touch(None, "a");
        let b = order.touch(None, "b");
        let c = order.touch(None, "c");
        assert_eq!(order.retouch(a, || "never made"), a);
        order.remove(b);
        // b's slot goes to d; the order is c, a, d.
        let d = order.touch(None, "d");
        assert_eq!(d, b);
        assert_eq!(order.retouch(c, || "never made"), c);
        // a dead handle makes the key anew
        order.remove(d);
        let e = order.retouch(d, || "e");
        assert_eq!(order.pop_eldest(), Some("a"));
        assert_eq!(order.pop_eldest(), Some("c"));
        assert_eq!(order.pop_eldest(), Some("e"));
        assert_eq!(order.pop_eldest(), None);
        order.remove(e);
        assert_eq!(order.pop_eldest(), None);
        let f = order.touch(None, "f");
        order.clear();
        assert_eq!(order.pop_eldest(), None);
        order.remove(f);
    }
}
