//! [`KeyValueStoreHandle`]: a typed, shareable handle on one task's
//! key/value store, as a processor gets it from its context.
//!
//! Owns: the lock around the store. Must never: be held across a forward.

use std::sync::{Arc, Mutex, MutexGuard};

use kstreams_serde::Serde;

use crate::error::Result;
use crate::state::{
    MeteredKeyValueStore, MeteredSessionStore, MeteredWindowStore, SessionStore, WindowStore,
};
use kstreams_serde::Windowed;

/// Windows or sessions of keys `K` with their values.
type WindowedValues<K, V> = Vec<(Windowed<K>, V)>;

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Stores are used by one thread at a time; a panic mid-write leaves the
    // task to be closed dirty and rebuilt from the changelog anyway.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A typed handle on one task's key/value store, with key serde `KS` and
/// value serde `VS` (Kafka Streams' `KeyValueStore<K, V>` as a processor
/// gets it from its context).
///
/// Lock it for the duration of a few calls; never keep the guard across a
/// `forward`.
pub struct KeyValueStoreHandle<KS: Serde, VS: Serde> {
    store: Arc<Mutex<MeteredKeyValueStore<KS, VS>>>,
}

impl<KS: Serde, VS: Serde> Clone for KeyValueStoreHandle<KS, VS> {
    fn clone(&self) -> Self {
        KeyValueStoreHandle {
            store: self.store.clone(),
        }
    }
}

impl<KS: Serde, VS: Serde> std::fmt::Debug for KeyValueStoreHandle<KS, VS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("KeyValueStoreHandle")
            .field(&*lock(&self.store))
            .finish()
    }
}

impl<KS: Serde, VS: Serde> KeyValueStoreHandle<KS, VS> {
    /// Wraps a built store.
    pub(crate) fn new(store: MeteredKeyValueStore<KS, VS>) -> Self {
        KeyValueStoreHandle {
            store: Arc::new(Mutex::new(store)),
        }
    }

    /// Exclusive access to the store: every
    /// [`KeyValueStore`](crate::state::KeyValueStore) method, scans included.
    pub fn lock(&self) -> MutexGuard<'_, MeteredKeyValueStore<KS, VS>> {
        lock(&self.store)
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &KS::Target) -> Result<Option<VS::Target>> {
        crate::state::KeyValueStore::get(&*self.lock(), key)
    }

    /// Stores `value` under `key`.
    pub fn put(&self, key: &KS::Target, value: &VS::Target) -> Result<()> {
        crate::state::KeyValueStore::put(&mut *self.lock(), key, value)
    }

    /// Deletes `key`; returns its previous value.
    pub fn delete(&self, key: &KS::Target) -> Result<Option<VS::Target>> {
        crate::state::KeyValueStore::delete(&mut *self.lock(), key)
    }
}

/// A typed handle on one task's window store, with key serde `KS` and
/// value serde `VS` (Kafka Streams' `WindowStore<K, V>` as a processor gets
/// it from its context). Lock it for a few calls; never across a forward.
pub struct WindowStoreHandle<KS: Serde, VS: Serde> {
    store: Arc<Mutex<MeteredWindowStore<KS, VS>>>,
}

impl<KS: Serde, VS: Serde> Clone for WindowStoreHandle<KS, VS> {
    fn clone(&self) -> Self {
        WindowStoreHandle {
            store: self.store.clone(),
        }
    }
}

impl<KS: Serde, VS: Serde> std::fmt::Debug for WindowStoreHandle<KS, VS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("WindowStoreHandle")
            .field(&*lock(&self.store))
            .finish()
    }
}

impl<KS: Serde, VS: Serde> WindowStoreHandle<KS, VS> {
    /// Wraps a built store.
    pub(crate) fn new(store: MeteredWindowStore<KS, VS>) -> Self {
        WindowStoreHandle {
            store: Arc::new(Mutex::new(store)),
        }
    }

    /// Exclusive access to the store: every
    /// [`WindowStore`](crate::state::WindowStore) method.
    pub fn lock(&self) -> MutexGuard<'_, MeteredWindowStore<KS, VS>> {
        lock(&self.store)
    }

    /// Stores `value` for `key` in the window starting at `window_start`
    /// ([`WindowStore::put`]).
    pub fn put(&self, key: &KS::Target, value: &VS::Target, window_start: i64) -> Result<()> {
        self.lock().put(key, value, window_start)
    }

    /// The value of `key` in the window starting at `window_start`
    /// ([`WindowStore::fetch`]).
    pub fn fetch(&self, key: &KS::Target, window_start: i64) -> Result<Option<VS::Target>> {
        self.lock().fetch(key, window_start)
    }

    /// `(start, value)` of `key`'s windows starting in `[from, to]`,
    /// ascending ([`WindowStore::fetch_range`], Java's `fetch(key, from, to)`).
    pub fn fetch_range(
        &self,
        key: &KS::Target,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, VS::Target)>> {
        self.lock().fetch_range(key, from, to)
    }

    /// [`fetch_range`](Self::fetch_range), descending.
    pub fn backward_fetch(
        &self,
        key: &KS::Target,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, VS::Target)>> {
        self.lock().backward_fetch(key, from, to)
    }

    /// Windows of every key starting in `[from, to]` ([`WindowStore::fetch_all`]).
    pub fn fetch_all(&self, from: i64, to: i64) -> Result<WindowedValues<KS::Target, VS::Target>> {
        self.lock().fetch_all(from, to)
    }
}

/// A typed handle on one task's session store (Kafka Streams'
/// `SessionStore<K, V>`). Lock it for a few calls; never across a forward.
pub struct SessionStoreHandle<KS: Serde, VS: Serde> {
    store: Arc<Mutex<MeteredSessionStore<KS, VS>>>,
}

impl<KS: Serde, VS: Serde> Clone for SessionStoreHandle<KS, VS> {
    fn clone(&self) -> Self {
        SessionStoreHandle {
            store: self.store.clone(),
        }
    }
}

impl<KS: Serde, VS: Serde> std::fmt::Debug for SessionStoreHandle<KS, VS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SessionStoreHandle")
            .field(&*lock(&self.store))
            .finish()
    }
}

impl<KS: Serde, VS: Serde> SessionStoreHandle<KS, VS> {
    /// Wraps a built store.
    pub(crate) fn new(store: MeteredSessionStore<KS, VS>) -> Self {
        SessionStoreHandle {
            store: Arc::new(Mutex::new(store)),
        }
    }

    /// Exclusive access to the store: every
    /// [`SessionStore`](crate::state::SessionStore) method.
    pub fn lock(&self) -> MutexGuard<'_, MeteredSessionStore<KS, VS>> {
        lock(&self.store)
    }

    /// Stores the aggregate of a session ([`SessionStore::put`]).
    pub fn put(&self, session: &Windowed<KS::Target>, value: &VS::Target) -> Result<()> {
        self.lock().put(session, value)
    }

    /// Removes a session ([`SessionStore::remove`]).
    pub fn remove(&self, session: &Windowed<KS::Target>) -> Result<()> {
        self.lock().remove(session)
    }

    /// Sessions of `key` ending at or after `earliest_session_end` and
    /// starting at or before `latest_session_start`, ascending by end
    /// ([`SessionStore::find_sessions`]).
    pub fn find_sessions(
        &self,
        key: &KS::Target,
        earliest_session_end: i64,
        latest_session_start: i64,
    ) -> Result<WindowedValues<KS::Target, VS::Target>> {
        self.lock()
            .find_sessions(key, earliest_session_end, latest_session_start)
    }

    /// All live sessions of `key` ([`SessionStore::fetch`]).
    pub fn fetch(&self, key: &KS::Target) -> Result<WindowedValues<KS::Target, VS::Target>> {
        SessionStore::fetch(&*self.lock(), key)
    }
}
