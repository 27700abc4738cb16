//! [`MeteredWindowStore`]: the outer, typed layer of a window store stack,
//! as Kafka Streams' `MeteredWindowStore`, and the serde helpers the
//! metered session store shares.
//!
//! Owns: serialization of keys and values and the store's
//! [`StoreMetrics`]. Must never: cache, log, or reorder.

use std::marker::PhantomData;

use kstreams_serde::{Serde, Windowed};

use crate::error::Result;
use crate::state::store::{state_error, StateStore};
use crate::state::store_metrics::StoreMetrics;
use crate::state::window_store::{time_window, WindowBytesStore, WindowStore, WindowedBytes};

/// Serializes a key with `KS`, naming the store in errors.
pub(crate) fn key_bytes<KS: Serde>(store: &str, key: &KS::Target) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    KS::serialize(key, &mut out).map_err(|e| {
        state_error(
            store,
            format!("cannot serialize a key with {}: {e}", KS::name()),
        )
    })?;
    Ok(out)
}

/// Serializes a value with `VS`; `None` when the serde writes `null`.
pub(crate) fn value_bytes<VS: Serde>(store: &str, value: &VS::Target) -> Result<Option<Vec<u8>>> {
    VS::to_bytes(value).map_err(|e| {
        state_error(
            store,
            format!("cannot serialize a value with {}: {e}", VS::name()),
        )
    })
}

/// Deserializes stored bytes (`what`: "key" or "value") with `S`.
pub(crate) fn decode<S: Serde>(store: &str, what: &str, bytes: &[u8]) -> Result<S::Target> {
    S::deserialize(bytes).map_err(|e| {
        state_error(
            store,
            format!("cannot deserialize a stored {what} with {}: {e}", S::name()),
        )
    })
}

type WindowedList<K, V> = Vec<(Windowed<K>, V)>;

/// A typed window store over a stack of window bytes layers.
pub struct MeteredWindowStore<KS: Serde, VS: Serde> {
    inner: Box<dyn WindowBytesStore>,
    metrics: StoreMetrics,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> std::fmt::Debug for MeteredWindowStore<KS, VS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeteredWindowStore")
            .field("store", &self.inner.name())
            .field("key_serde", &KS::name())
            .field("value_serde", &VS::name())
            .finish()
    }
}

impl<KS: Serde, VS: Serde> MeteredWindowStore<KS, VS> {
    /// The typed face of `inner` (normally change-logging → bytes store).
    pub(crate) fn new(inner: Box<dyn WindowBytesStore>) -> Self {
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

    /// The bytes stack below, for the runtime (restoration, `close`).
    /// Writes through it skip serdes but not logging.
    pub(crate) fn bytes_store_mut(&mut self) -> &mut dyn WindowBytesStore {
        self.inner.as_mut()
    }

    fn key(&self, key: &KS::Target) -> Result<Vec<u8>> {
        key_bytes::<KS>(self.inner.name(), key)
    }

    fn values(&self, entries: Vec<WindowedBytes>) -> Result<Vec<(i64, VS::Target)>> {
        self.metrics.range.record(None, 1);
        let name = self.inner.name();
        entries
            .into_iter()
            .map(|e| Ok((e.start_ms, decode::<VS>(name, "value", &e.value)?)))
            .collect()
    }

    fn windowed(
        &self,
        entries: Vec<WindowedBytes>,
    ) -> Result<WindowedList<KS::Target, VS::Target>> {
        self.metrics.range.record(None, 1);
        let (name, size) = (self.inner.name(), self.inner.window_size_ms());
        entries
            .into_iter()
            .map(|e| {
                let key = decode::<KS>(name, "key", &e.key)?;
                let window = time_window(e.start_ms, size);
                Ok((
                    Windowed::new(key, window),
                    decode::<VS>(name, "value", &e.value)?,
                ))
            })
            .collect()
    }
}

impl<KS: Serde, VS: Serde> StateStore for MeteredWindowStore<KS, VS> {
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

impl<KS: Serde, VS: Serde> WindowStore<KS::Target, VS::Target> for MeteredWindowStore<KS, VS> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn put(&mut self, key: &KS::Target, value: &VS::Target, window_start: i64) -> Result<()> {
        let since = self.metrics.put.start();
        let key = self.key(key)?;
        let value = value_bytes::<VS>(self.inner.name(), value)?;
        self.inner.put(&key, window_start, value.as_deref())?;
        self.metrics.put.record(since, 1);
        Ok(())
    }

    fn delete(&mut self, key: &KS::Target, window_start: i64) -> Result<()> {
        let key = self.key(key)?;
        self.inner.put(&key, window_start, None)?;
        self.metrics.delete.record(None, 1);
        Ok(())
    }

    fn fetch(&self, key: &KS::Target, window_start: i64) -> Result<Option<VS::Target>> {
        let since = self.metrics.get.start();
        let bytes = self.inner.fetch_one(&self.key(key)?, window_start)?;
        self.metrics.get.record(since, 1);
        bytes
            .map(|b| decode::<VS>(self.inner.name(), "value", &b))
            .transpose()
    }

    fn fetch_range(&self, key: &KS::Target, from: i64, to: i64) -> Result<Vec<(i64, VS::Target)>> {
        self.values(self.inner.fetch(&self.key(key)?, from, to)?)
    }

    fn backward_fetch(
        &self,
        key: &KS::Target,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, VS::Target)>> {
        self.values(self.inner.backward_fetch(&self.key(key)?, from, to)?)
    }

    fn fetch_key_range(
        &self,
        key_from: &KS::Target,
        key_to: &KS::Target,
        from: i64,
        to: i64,
    ) -> Result<WindowedList<KS::Target, VS::Target>> {
        let (key_from, key_to) = (self.key(key_from)?, self.key(key_to)?);
        self.windowed(self.inner.fetch_key_range(&key_from, &key_to, from, to)?)
    }

    fn fetch_all(&self, from: i64, to: i64) -> Result<WindowedList<KS::Target, VS::Target>> {
        self.windowed(self.inner.fetch_all(from, to)?)
    }

    fn backward_fetch_all(
        &self,
        from: i64,
        to: i64,
    ) -> Result<WindowedList<KS::Target, VS::Target>> {
        self.windowed(self.inner.backward_fetch_all(from, to)?)
    }

    fn all(&self) -> Result<WindowedList<KS::Target, VS::Target>> {
        self.windowed(self.inner.all()?)
    }

    fn flush(&mut self) -> Result<()> {
        StateStore::flush(self)
    }
}
