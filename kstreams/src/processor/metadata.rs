//! [`ProcessorMetadata`]: small per-task facts that processors must keep
//! across restarts and task moves without a store of their own, committed
//! with the task's input offsets (Kafka Streams' `ProcessorMetadata`,
//! carried in `TopicPartitionMetadata` since KIP-825).
//!
//! The one user today: windowed aggregations emitting on window close keep
//! the close time they emitted up to under their store's name, so that a
//! restarted task does not emit the same final results again.
//!
//! Byte format (Java's `ProcessorMetadata.serialize`, big-endian): entry
//! count (i32), then per entry the key's UTF-8 length (i32), the key, and
//! the value (i64); no entries: no bytes.

use std::collections::BTreeMap;

/// Named `i64` facts of one task, with a flag saying whether they changed
/// since the last commit.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ProcessorMetadata {
    entries: BTreeMap<String, i64>,
    needs_commit: bool,
}

impl ProcessorMetadata {
    /// The value under `key`.
    pub(crate) fn get(&self, key: &str) -> Option<i64> {
        self.entries.get(key).copied()
    }

    /// Sets `key` (the next commit writes it to every input partition).
    pub(crate) fn put(&mut self, key: &str, value: i64) {
        if self.entries.get(key) != Some(&value) {
            self.entries.insert(key.to_owned(), value);
            self.needs_commit = true;
        }
    }

    /// Whether a value changed since [`ProcessorMetadata::committed`].
    pub(crate) fn needs_commit(&self) -> bool {
        self.needs_commit
    }

    /// The values were committed.
    pub(crate) fn committed(&mut self) {
        self.needs_commit = false;
    }

    /// Keeps the larger value of every key of `other` (Java's `update`,
    /// merging what the task's input partitions were committed with).
    pub(crate) fn merge_max(&mut self, other: &ProcessorMetadata) {
        for (key, value) in &other.entries {
            let entry = self.entries.entry(key.clone()).or_insert(*value);
            *entry = (*entry).max(*value);
        }
    }

    /// Java's byte layout (see the module docs).
    pub(crate) fn serialize(&self) -> Vec<u8> {
        if self.entries.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(self.entries.len() as i32).to_be_bytes());
        for (key, value) in &self.entries {
            out.extend_from_slice(&(key.len() as i32).to_be_bytes());
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(&value.to_be_bytes());
        }
        out
    }

    /// Reads [`ProcessorMetadata::serialize`]'s bytes; `None` if they are
    /// malformed.
    pub(crate) fn deserialize(bytes: &[u8]) -> Option<ProcessorMetadata> {
        let mut metadata = ProcessorMetadata::default();
        if bytes.is_empty() {
            return Some(metadata);
        }
        let mut rest = bytes;
        let mut take = |n: usize| -> Option<&[u8]> {
            let (head, tail) = (rest.get(..n)?, rest.get(n..)?);
            rest = tail;
            Some(head)
        };
        let count = i32::from_be_bytes(take(4)?.try_into().ok()?);
        for _ in 0..count.max(0) {
            let len = i32::from_be_bytes(take(4)?.try_into().ok()?);
            let key = std::str::from_utf8(take(usize::try_from(len).ok()?)?).ok()?;
            let value = i64::from_be_bytes(take(8)?.try_into().ok()?);
            metadata.entries.insert(key.to_owned(), value);
        }
        rest.is_empty().then_some(metadata)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_javas_layout() {
        let mut m = ProcessorMetadata::default();
        assert!(m.serialize().is_empty());
        m.put("store", 0x0102);
        let bytes = m.serialize();
        let mut expected = vec![0, 0, 0, 1, 0, 0, 0, 5];
        expected.extend_from_slice(b"store");
        expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(bytes, expected);
        let back = ProcessorMetadata::deserialize(&bytes).expect("decodes");
        assert_eq!(back.get("store"), Some(0x0102));
        assert_eq!(ProcessorMetadata::deserialize(&bytes[..7]), None);
        assert_eq!(ProcessorMetadata::deserialize(&[0, 0, 0, 1]), None);
    }

    #[test]
    fn put_marks_changes_and_merge_keeps_the_larger_value() {
        let mut m = ProcessorMetadata::default();
        m.put("a", 5);
        assert!(m.needs_commit());
        m.committed();
        m.put("a", 5);
        assert!(!m.needs_commit(), "an unchanged value needs no commit");
        let mut other = ProcessorMetadata::default();
        other.put("a", 3);
        other.put("b", 9);
        m.merge_max(&other);
        assert_eq!((m.get("a"), m.get("b")), (Some(5), Some(9)));
    }
}
