//! [`KeyValueStore`]: the typed key/value store processors and interactive
//! queries see, as Kafka Streams' `KeyValueStore<K, V>`.
//!
//! Owns: the typed contract only. Must never: expose bytes, layers or the
//! changelog; the implementation is
//! [`MeteredKeyValueStore`](crate::state::MeteredKeyValueStore), the outer
//! layer of a store stack.

use kstreams_serde::Serde;

use crate::error::Result;

/// A typed iterator over a store, in key-byte order (the order of the
/// serialized keys, unsigned lexicographic, not `K`'s `Ord`).
pub type KeyValueIterator<'a, K, V> = Box<dyn Iterator<Item = Result<(K, V)>> + 'a>;

/// A key/value state store. Ranges are inclusive at both ends and compare
/// serialized keys by unsigned bytes; `from > to` gives an empty iterator.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a kstreams key/value store of these key and value types",
    note = "build one with `KeyValueStoreBuilder` (RocksDB, in-memory or LRU), whose key and value serdes must match the processor's types"
)]
pub trait KeyValueStore<K, V> {
    /// The store's name.
    fn name(&self) -> &str;

    /// The value of `key`.
    fn get(&self, key: &K) -> Result<Option<V>>;

    /// Stores `value` under `key`. A value the serde writes as `null`
    /// (`None` of an `Option` serde) deletes the key, as Java's `put(k, null)`.
    fn put(&mut self, key: &K, value: &V) -> Result<()>;

    /// Stores `value` if `key` is absent; returns the existing value.
    fn put_if_absent(&mut self, key: &K, value: &V) -> Result<Option<V>>;

    /// Stores every entry, in order.
    fn put_all(&mut self, entries: &[(K, V)]) -> Result<()>;

    /// Deletes `key`; returns its previous value.
    fn delete(&mut self, key: &K) -> Result<Option<V>>;

    /// Entries with `from <= key <= to`, ascending.
    fn range(&self, from: &K, to: &K) -> Result<KeyValueIterator<'_, K, V>>;

    /// Entries with `from <= key <= to`, descending.
    fn reverse_range(&self, from: &K, to: &K) -> Result<KeyValueIterator<'_, K, V>>;

    /// Entries whose serialized key starts with `prefix` bytes, ascending.
    fn prefix_scan_bytes(&self, prefix: &[u8]) -> Result<KeyValueIterator<'_, K, V>>;

    /// Entries whose serialized key starts with `prefix` serialized by `PS`
    /// (Java's `prefixScan(prefix, prefixKeySerializer)`).
    fn prefix_scan<PS: Serde>(&self, prefix: &PS::Target) -> Result<KeyValueIterator<'_, K, V>>
    where
        Self: Sized,
    {
        let mut bytes = Vec::new();
        PS::serialize(prefix, &mut bytes).map_err(|e| crate::Error::State {
            store: self.name().to_owned(),
            message: format!("cannot serialize the scan prefix with {}: {e}", PS::name()),
        })?;
        self.prefix_scan_bytes(&bytes)
    }

    /// All entries, ascending.
    fn all(&self) -> Result<KeyValueIterator<'_, K, V>>;

    /// All entries, descending.
    fn reverse_all(&self) -> Result<KeyValueIterator<'_, K, V>>;

    /// An estimate of the number of keys.
    fn approximate_num_entries(&self) -> Result<u64>;

    /// Flushes the cache and every layer below (the runtime does this on
    /// commit; processors need not).
    fn flush(&mut self) -> Result<()>;
}
