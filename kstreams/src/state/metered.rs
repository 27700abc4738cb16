//! [`MeteredKeyValueStore`]: the outer, typed layer of every key/value
//! store stack. The only layer that knows serdes: keys and values are
//! serialized here and travel as bytes through caching, change-logging and
//! the bytes store. Counts operations cheaply (relaxed atomics) in
//! [`StoreMetrics`], and times them at `metrics.recording.level` DEBUG.
//!
//! Owns: serialization and metrics. Must never: cache, log, or reorder.

use std::marker::PhantomData;

use kstreams_serde::Serde;

use crate::error::Result;
use crate::state::key_value::{KeyValueIterator, KeyValueStore};
use crate::state::store::{state_error, BytesEntry, BytesIter, KeyValueBytesStore, StateStore};
use crate::state::store_metrics::StoreMetrics;

/// A typed store over a stack of bytes layers, with key serde `KS` and
/// value serde `VS`.
pub struct MeteredKeyValueStore<KS: Serde, VS: Serde> {
    inner: Box<dyn KeyValueBytesStore>,
    metrics: StoreMetrics,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> std::fmt::Debug for MeteredKeyValueStore<KS, VS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeteredKeyValueStore")
            .field("store", &self.inner.name())
            .field("key_serde", &KS::name())
            .field("value_serde", &VS::name())
            .finish()
    }
}

impl<KS: Serde, VS: Serde> MeteredKeyValueStore<KS, VS> {
    /// The typed face of `inner` (normally caching → change-logging → bytes).
    pub(crate) fn new(inner: Box<dyn KeyValueBytesStore>) -> Self {
        Self {
            inner,
            metrics: StoreMetrics::default(),
            _serdes: PhantomData,
        }
    }

    /// Reports to `metrics` (the runtime's, registered with the task).
    pub(crate) fn with_metrics(mut self, metrics: StoreMetrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// This store's metrics.
    pub fn metrics(&self) -> &StoreMetrics {
        &self.metrics
    }

    /// The bytes stack below, for the runtime: restoration
    /// ([`StateRestorer`](crate::state::StateRestorer)), `flush_evicted`,
    /// `close`. Writes through it skip serdes but not caching or logging.
    pub(crate) fn bytes_store_mut(&mut self) -> &mut dyn KeyValueBytesStore {
        self.inner.as_mut()
    }

    /// The bytes stack below, read-only: interactive queries read it in
    /// chunks (`runtime::query`).
    pub(crate) fn bytes_store(&self) -> &dyn KeyValueBytesStore {
        self.inner.as_ref()
    }

    fn key_bytes(&self, key: &KS::Target) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        KS::serialize(key, &mut out).map_err(|e| {
            state_error(
                self.inner.name(),
                format!("cannot serialize a key with {}: {e}", KS::name()),
            )
        })?;
        Ok(out)
    }

    fn value_bytes(&self, value: &VS::Target) -> Result<Option<Vec<u8>>> {
        VS::to_bytes(value).map_err(|e| {
            state_error(
                self.inner.name(),
                format!("cannot serialize a value with {}: {e}", VS::name()),
            )
        })
    }

    fn value_of(&self, bytes: Option<Vec<u8>>) -> Result<Option<VS::Target>> {
        bytes
            .map(|b| decode_value::<VS>(self.inner.name(), &b))
            .transpose()
    }

    fn typed<'a>(&'a self, iter: BytesIter<'a>) -> KeyValueIterator<'a, KS::Target, VS::Target> {
        self.metrics.range.record(None, 1);
        let name = self.inner.name();
        Box::new(iter.map(move |item| {
            let (k, v) = item?;
            let key = KS::deserialize(&k).map_err(|e| {
                state_error(
                    name,
                    format!("cannot deserialize a stored key with {}: {e}", KS::name()),
                )
            })?;
            Ok((key, decode_value::<VS>(name, &v)?))
        }))
    }
}

fn decode_value<VS: Serde>(store: &str, bytes: &[u8]) -> Result<VS::Target> {
    VS::deserialize(bytes).map_err(|e| {
        state_error(
            store,
            format!("cannot deserialize a stored value with {}: {e}", VS::name()),
        )
    })
}

impl<KS: Serde, VS: Serde> StateStore for MeteredKeyValueStore<KS, VS> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn persistent(&self) -> bool {
        self.inner.persistent()
    }

    fn flush(&mut self) -> Result<()> {
        let start = self.metrics.flush.start();
        let flushed = self.inner.flush();
        self.metrics.flush.record(start, 1);
        flushed
    }

    fn close(&mut self) -> Result<()> {
        self.inner.close()
    }
}

impl<KS: Serde, VS: Serde> KeyValueStore<KS::Target, VS::Target> for MeteredKeyValueStore<KS, VS> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn get(&self, key: &KS::Target) -> Result<Option<VS::Target>> {
        let start = self.metrics.get.start();
        let bytes = self.inner.get(&self.key_bytes(key)?)?;
        self.metrics.get.record(start, 1);
        self.value_of(bytes)
    }

    fn put(&mut self, key: &KS::Target, value: &VS::Target) -> Result<()> {
        let start = self.metrics.put.start();
        let key = self.key_bytes(key)?;
        match self.value_bytes(value)? {
            Some(v) => self.inner.put(&key, &v)?,
            None => drop(self.inner.delete(&key)?),
        }
        self.metrics.put.record(start, 1);
        Ok(())
    }

    fn put_if_absent(
        &mut self,
        key: &KS::Target,
        value: &VS::Target,
    ) -> Result<Option<VS::Target>> {
        let start = self.metrics.put_if_absent.start();
        let key = self.key_bytes(key)?;
        let existing = match self.value_bytes(value)? {
            Some(v) => self.inner.put_if_absent(&key, &v)?,
            None => self.inner.get(&key)?,
        };
        self.metrics.put_if_absent.record(start, 1);
        self.value_of(existing)
    }

    fn put_all(&mut self, entries: &[(KS::Target, VS::Target)]) -> Result<()> {
        let start = self.metrics.put_all.start();
        let batch = entries
            .iter()
            .map(|(k, v)| Ok((self.key_bytes(k)?, self.value_bytes(v)?)))
            .collect::<Result<Vec<BytesEntry>>>()?;
        self.inner.put_all(&batch)?;
        self.metrics.put_all.record(start, 1);
        self.metrics.record_put_all_entries(entries.len());
        Ok(())
    }

    fn delete(&mut self, key: &KS::Target) -> Result<Option<VS::Target>> {
        let start = self.metrics.delete.start();
        let key = self.key_bytes(key)?;
        let previous = self.inner.delete(&key)?;
        self.metrics.delete.record(start, 1);
        self.value_of(previous)
    }

    fn range(
        &self,
        from: &KS::Target,
        to: &KS::Target,
    ) -> Result<KeyValueIterator<'_, KS::Target, VS::Target>> {
        let (from, to) = (self.key_bytes(from)?, self.key_bytes(to)?);
        Ok(self.typed(self.inner.range(&from, &to)?))
    }

    fn reverse_range(
        &self,
        from: &KS::Target,
        to: &KS::Target,
    ) -> Result<KeyValueIterator<'_, KS::Target, VS::Target>> {
        let (from, to) = (self.key_bytes(from)?, self.key_bytes(to)?);
        Ok(self.typed(self.inner.reverse_range(&from, &to)?))
    }

    fn prefix_scan_bytes(
        &self,
        prefix: &[u8],
    ) -> Result<KeyValueIterator<'_, KS::Target, VS::Target>> {
        Ok(self.typed(self.inner.prefix_scan(prefix)?))
    }

    fn all(&self) -> Result<KeyValueIterator<'_, KS::Target, VS::Target>> {
        Ok(self.typed(self.inner.all()?))
    }

    fn reverse_all(&self) -> Result<KeyValueIterator<'_, KS::Target, VS::Target>> {
        Ok(self.typed(self.inner.reverse_all()?))
    }

    fn approximate_num_entries(&self) -> Result<u64> {
        self.inner.approximate_num_entries()
    }

    fn flush(&mut self) -> Result<()> {
        StateStore::flush(self)
    }
}
