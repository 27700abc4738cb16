//! [`ReadOnlyWindowStore`] and [`ReadOnlySessionStore`]: one window or
//! session store across every local task that hosts it (Kafka Streams'
//! `CompositeReadOnlyWindowStore` / `CompositeReadOnlySessionStore`).
//!
//! A query locks each task's store for one call, bounded by its time range
//! and the store's retention (window and session stores answer with
//! collected lists); tasks are read one after the other, never all locked
//! at once. Results of several tasks are merged in the stores' own order.

use kstreams_serde::{Serde, Timestamped, Windowed};

use super::registry::{Instances, StoreProvider};
use crate::error::{InvalidStateStore, Result};
use crate::processor::stores::TaskStore;
use crate::processor::windowed_stores::{SessionTaskStore, WindowTaskStore};
use crate::state::{SessionStoreHandle, WindowStoreHandle};

/// Windows (or sessions) of keys `K` with their values.
pub type WindowedEntries<K, V> = Vec<(Windowed<K>, V)>;

enum WindowInstance<KS: Serde, VS: Serde> {
    Plain(WindowStoreHandle<KS, VS>),
    Timestamped(WindowStoreHandle<KS, Timestamped<VS>>),
}

impl<KS: Serde, VS: Serde> WindowInstance<KS, VS> {
    fn downcast(store: &dyn TaskStore) -> Option<Self> {
        let any = store.as_any();
        any.downcast_ref::<WindowTaskStore<KS, VS>>()
            .map(|s| WindowInstance::Plain(s.handle()))
            .or_else(|| {
                any.downcast_ref::<WindowTaskStore<KS, Timestamped<VS>>>()
                    .map(|s| WindowInstance::Timestamped(s.handle()))
            })
    }

    fn fetch(&self, key: &KS::Target, start: i64) -> Result<Option<VS::Target>> {
        match self {
            WindowInstance::Plain(h) => h.fetch(key, start),
            WindowInstance::Timestamped(h) => Ok(h.fetch(key, start)?.map(|v| v.value)),
        }
    }

    fn fetch_range(
        &self,
        key: &KS::Target,
        from: i64,
        to: i64,
        backward: bool,
    ) -> Result<Vec<(i64, VS::Target)>> {
        match (self, backward) {
            (WindowInstance::Plain(h), false) => h.fetch_range(key, from, to),
            (WindowInstance::Plain(h), true) => h.backward_fetch(key, from, to),
            (WindowInstance::Timestamped(h), backward) => {
                let found = if backward {
                    h.backward_fetch(key, from, to)?
                } else {
                    h.fetch_range(key, from, to)?
                };
                Ok(found.into_iter().map(|(t, v)| (t, v.value)).collect())
            }
        }
    }

    fn fetch_all(&self, from: i64, to: i64) -> Result<WindowedEntries<KS::Target, VS::Target>> {
        match self {
            WindowInstance::Plain(h) => h.fetch_all(from, to),
            WindowInstance::Timestamped(h) => Ok(h
                .fetch_all(from, to)?
                .into_iter()
                .map(|(k, v)| (k, v.value))
                .collect()),
        }
    }
}

/// Sorts windowed entries by `(window start, serialized key)`, the order of
/// one task's window store, so the tasks' answers merge into one sequence.
fn sort_by_start_and_key<KS: Serde, V>(entries: &mut Vec<(Windowed<KS::Target>, V)>) {
    let mut keyed: Vec<_> = std::mem::take(entries)
        .into_iter()
        .map(|e| {
            let mut bytes = Vec::new();
            // A key that was read from the store serializes again.
            let _ = KS::serialize(&e.0.key, &mut bytes);
            ((e.0.window.start_ms, bytes), e)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    *entries = keyed.into_iter().map(|(_, e)| e).collect();
}

/// A read-only view of one window store over every local task that hosts
/// it, as Kafka Streams' `ReadOnlyWindowStore`. Times are epoch
/// milliseconds of window *starts*, ranges inclusive at both ends. The
/// timestamped window stores of DSL windowed aggregations are read with
/// their plain value serde.
///
/// ```no_run
/// use kstreams::runtime::query::{QueryableStoreTypes, StoreQueryParameters};
/// use kstreams::serde::I64;
/// # fn demo(streams: &kstreams::KafkaStreams) -> kstreams::Result<()> {
/// let per_minute = streams.store(StoreQueryParameters::from_name_and_type(
///     "views-per-minute",
///     QueryableStoreTypes::window_store::<String, I64>(),
/// ))?;
/// for (start, views) in per_minute.fetch(&"ann".to_string(), 0, 3_600_000)? {
///     println!("minute starting at {start}: {views}");
/// }
/// # Ok(()) }
/// ```
pub struct ReadOnlyWindowStore<KS: Serde, VS: Serde> {
    provider: StoreProvider,
    _serdes: std::marker::PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> std::fmt::Debug for ReadOnlyWindowStore<KS, VS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOnlyWindowStore")
            .field("name", &self.provider.name)
            .finish()
    }
}

impl<KS: Serde, VS: Serde> ReadOnlyWindowStore<KS, VS> {
    pub(crate) fn describe() -> String {
        format!(
            "a window store with serdes ({}, {})",
            KS::name(),
            VS::name()
        )
    }

    pub(crate) fn create(provider: StoreProvider) -> Result<Self, InvalidStateStore> {
        let view = ReadOnlyWindowStore {
            provider,
            _serdes: std::marker::PhantomData,
        };
        view.instances()?;
        Ok(view)
    }

    fn instances(&self) -> Instances<WindowInstance<KS, VS>> {
        self.provider
            .stores(&Self::describe, &WindowInstance::<KS, VS>::downcast)
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.provider.name
    }

    /// The value of `key` in the window starting at `window_start`.
    pub fn fetch_at(&self, key: &KS::Target, window_start: i64) -> Result<Option<VS::Target>> {
        for (_, instance) in self.instances()? {
            if let Some(v) = instance.fetch(key, window_start)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    fn fetch_key(
        &self,
        key: &KS::Target,
        from: i64,
        to: i64,
        backward: bool,
    ) -> Result<Vec<(i64, VS::Target)>> {
        for (_, instance) in self.instances()? {
            let found = instance.fetch_range(key, from, to, backward)?;
            if !found.is_empty() {
                return Ok(found);
            }
        }
        Ok(Vec::new())
    }

    /// `(window start, value)` of `key`'s windows starting in `[from, to]`,
    /// ascending (Java's `fetch(key, timeFrom, timeTo)`).
    pub fn fetch(&self, key: &KS::Target, from: i64, to: i64) -> Result<Vec<(i64, VS::Target)>> {
        self.fetch_key(key, from, to, false)
    }

    /// [`fetch`](Self::fetch), descending (Java's `backwardFetch`).
    pub fn backward_fetch(
        &self,
        key: &KS::Target,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, VS::Target)>> {
        self.fetch_key(key, from, to, true)
    }

    /// Windows of every key starting in `[from, to]`, ascending by (start,
    /// serialized key) across all local tasks (Java's `fetchAll`).
    pub fn fetch_all(&self, from: i64, to: i64) -> Result<WindowedEntries<KS::Target, VS::Target>> {
        let mut out = Vec::new();
        for (_, instance) in self.instances()? {
            out.extend(instance.fetch_all(from, to)?);
        }
        sort_by_start_and_key::<KS, _>(&mut out);
        Ok(out)
    }

    /// [`fetch_all`](Self::fetch_all), descending (Java's `backwardFetchAll`).
    pub fn backward_fetch_all(
        &self,
        from: i64,
        to: i64,
    ) -> Result<WindowedEntries<KS::Target, VS::Target>> {
        let mut out = self.fetch_all(from, to)?;
        out.reverse();
        Ok(out)
    }

    /// Every live window of every key (Java's `all`).
    pub fn all(&self) -> Result<WindowedEntries<KS::Target, VS::Target>> {
        self.fetch_all(0, i64::MAX)
    }
}

/// A read-only view of one session store over every local task that hosts
/// it, as Kafka Streams' `ReadOnlySessionStore`. Sessions are `[start, end]`
/// (both inclusive), in epoch milliseconds.
///
/// ```no_run
/// use kstreams::runtime::query::{QueryableStoreTypes, StoreQueryParameters};
/// use kstreams::serde::I64;
/// # fn demo(streams: &kstreams::KafkaStreams) -> kstreams::Result<()> {
/// let sessions = streams.store(StoreQueryParameters::from_name_and_type(
///     "clicks-per-session",
///     QueryableStoreTypes::session_store::<String, I64>(),
/// ))?;
/// for (session, clicks) in sessions.fetch(&"ann".to_string())? {
///     println!("{}..{}: {clicks}", session.window.start_ms, session.window.end_ms);
/// }
/// # Ok(()) }
/// ```
pub struct ReadOnlySessionStore<KS: Serde, VS: Serde> {
    provider: StoreProvider,
    _serdes: std::marker::PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> std::fmt::Debug for ReadOnlySessionStore<KS, VS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOnlySessionStore")
            .field("name", &self.provider.name)
            .finish()
    }
}

impl<KS: Serde, VS: Serde> ReadOnlySessionStore<KS, VS> {
    pub(crate) fn describe() -> String {
        format!(
            "a session store with serdes ({}, {})",
            KS::name(),
            VS::name()
        )
    }

    pub(crate) fn create(provider: StoreProvider) -> Result<Self, InvalidStateStore> {
        let view = ReadOnlySessionStore {
            provider,
            _serdes: std::marker::PhantomData,
        };
        view.instances()?;
        Ok(view)
    }

    fn instances(&self) -> Instances<SessionStoreHandle<KS, VS>> {
        self.provider.stores(&Self::describe, &|store| {
            store
                .as_any()
                .downcast_ref::<SessionTaskStore<KS, VS>>()
                .map(SessionTaskStore::handle)
        })
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.provider.name
    }

    /// Every live session of `key`, ascending by end (Java's `fetch(key)`).
    pub fn fetch(&self, key: &KS::Target) -> Result<WindowedEntries<KS::Target, VS::Target>> {
        self.find_sessions(key, 0, i64::MAX)
    }

    /// Sessions of `key` ending at or after `earliest_session_end` and
    /// starting at or before `latest_session_start`, ascending by end
    /// (Java's `findSessions`).
    pub fn find_sessions(
        &self,
        key: &KS::Target,
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<WindowedEntries<KS::Target, VS::Target>> {
        for (_, handle) in self.instances()? {
            let found = handle.find_sessions(key, earliest_session_end, latest_session_start)?;
            if !found.is_empty() {
                return Ok(found);
            }
        }
        Ok(Vec::new())
    }

    /// [`find_sessions`](Self::find_sessions), descending (Java's
    /// `backwardFindSessions`).
    pub fn backward_find_sessions(
        &self,
        key: &KS::Target,
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<WindowedEntries<KS::Target, VS::Target>> {
        let mut found = self.find_sessions(key, earliest_session_end, latest_session_start)?;
        found.reverse();
        Ok(found)
    }

    /// The aggregate of `key`'s session `[start, end]` (Java's `fetchSession`).
    pub fn fetch_session(
        &self,
        key: &KS::Target,
        start: i64,
        end: i64,
    ) -> Result<Option<VS::Target>> {
        for (_, handle) in self.instances()? {
            let found =
                crate::state::SessionStore::fetch_session(&*handle.lock(), key, start, end)?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }
}
