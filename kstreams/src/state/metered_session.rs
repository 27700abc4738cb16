//! [`MeteredSessionStore`]: the outer, typed layer of a session store
//! stack, as Kafka Streams' `MeteredSessionStore`.
//!
//! Owns: serialization of keys and aggregates and the store's
//! [`StoreMetrics`]. Must never: cache, log, or reorder.

use std::marker::PhantomData;

use kstreams_serde::{Serde, Window, Windowed};

use crate::error::Result;
use crate::state::metered_window::{decode, key_bytes, value_bytes};
use crate::state::session_store::{SessionBytes, SessionBytesStore, SessionStore};
use crate::state::store::StateStore;
use crate::state::store_metrics::StoreMetrics;

/// A typed session store over a stack of session bytes layers.
pub struct MeteredSessionStore<KS: Serde, VS: Serde> {
    inner: Box<dyn SessionBytesStore>,
    metrics: StoreMetrics,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> std::fmt::Debug for MeteredSessionStore<KS, VS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeteredSessionStore")
            .field("store", &self.inner.name())
            .field("key_serde", &KS::name())
            .field("value_serde", &VS::name())
            .finish()
    }
}

type Sessions<K, V> = Vec<(Windowed<K>, V)>;

impl<KS: Serde, VS: Serde> MeteredSessionStore<KS, VS> {
    /// The typed face of `inner` (normally change-logging → bytes store).
    pub(crate) fn new(inner: Box<dyn SessionBytesStore>) -> Self {
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
    pub(crate) fn bytes_store_mut(&mut self) -> &mut dyn SessionBytesStore {
        self.inner.as_mut()
    }

    fn key(&self, key: &KS::Target) -> Result<Vec<u8>> {
        key_bytes::<KS>(self.inner.name(), key)
    }

    /// Sessions of every key ending in `[earliest_end, latest_end]`, by
    /// `(end, start, key bytes)` (see `SessionBytesStore::find_sessions_ending`):
    /// what an emit-on-window-close session aggregation emits.
    pub(crate) fn find_sessions_ending(
        &self,
        earliest_end: i64,
        latest_end: i64,
    ) -> Result<Sessions<KS::Target, VS::Target>> {
        self.typed(self.inner.find_sessions_ending(earliest_end, latest_end)?)
    }

    fn typed(&self, sessions: Vec<SessionBytes>) -> Result<Sessions<KS::Target, VS::Target>> {
        self.metrics.range.record(None, 1);
        let name = self.inner.name();
        sessions
            .into_iter()
            .map(|s| {
                let key = decode::<KS>(name, "key", &s.key)?;
                let value = decode::<VS>(name, "value", &s.value)?;
                Ok((Windowed::new(key, s.window), value))
            })
            .collect()
    }
}

impl<KS: Serde, VS: Serde> StateStore for MeteredSessionStore<KS, VS> {
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

impl<KS: Serde, VS: Serde> SessionStore<KS::Target, VS::Target> for MeteredSessionStore<KS, VS> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn put(&mut self, session: &Windowed<KS::Target>, value: &VS::Target) -> Result<()> {
        let since = self.metrics.put.start();
        let key = self.key(&session.key)?;
        let value = value_bytes::<VS>(self.inner.name(), value)?;
        self.inner.put(&key, session.window, value.as_deref())?;
        self.metrics.put.record(since, 1);
        Ok(())
    }

    fn remove(&mut self, session: &Windowed<KS::Target>) -> Result<()> {
        let key = self.key(&session.key)?;
        self.inner.remove(&key, session.window)?;
        self.metrics.delete.record(None, 1);
        Ok(())
    }

    fn find_sessions(
        &self,
        key: &KS::Target,
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Sessions<KS::Target, VS::Target>> {
        let key = self.key(key)?;
        self.typed(
            self.inner
                .find_sessions(&key, earliest_session_end, latest_session_start)?,
        )
    }

    fn backward_find_sessions(
        &self,
        key: &KS::Target,
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Sessions<KS::Target, VS::Target>> {
        let key = self.key(key)?;
        let found =
            self.inner
                .backward_find_sessions(&key, earliest_session_end, latest_session_start)?;
        self.typed(found)
    }

    fn find_sessions_all(
        &self,
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<Sessions<KS::Target, VS::Target>> {
        self.typed(
            self.inner
                .find_sessions_all(earliest_session_end, latest_session_start)?,
        )
    }

    fn fetch(&self, key: &KS::Target) -> Result<Sessions<KS::Target, VS::Target>> {
        self.typed(self.inner.fetch(&self.key(key)?)?)
    }

    fn fetch_session(
        &self,
        key: &KS::Target,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Option<VS::Target>> {
        let since = self.metrics.get.start();
        let bytes = self
            .inner
            .fetch_session(&self.key(key)?, Window::new(start_ms, end_ms))?;
        self.metrics.get.record(since, 1);
        bytes
            .map(|b| decode::<VS>(self.inner.name(), "value", &b))
            .transpose()
    }

    fn flush(&mut self) -> Result<()> {
        StateStore::flush(self)
    }
}
