//! Forwarding a windowed aggregation's results from its record cache, as
//! Java's `TimestampedCacheFlushListener` for windowed keys (and
//! `SessionCacheFlushListener` for sessions, at the end of the file): when the
//! window store caches (caching on in [`Materialized`](super::Materialized),
//! a cache budget above 0, the default [`EmitStrategy`](super::EmitStrategy)),
//! the time- and sliding-window nodes only update the store, and what the
//! cache writes down at commit or eviction — the latest aggregate of each
//! (key, window) — is forwarded here as a `Change` with the value the store
//! held before (`old`), stamped with the aggregate's timestamp.
//!
//! The cache keeps values and timestamps only; the headers of the record
//! behind each cached update (Java keeps each cache entry's record context)
//! are kept beside it, in [`CachedHeaders`], for the updates that have any.
//!
//! Must never: run while the store is locked (the task forwards queued
//! entries after the write returns, see `processor::stores`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kstreams_serde::{
    RawSessionKey, RawWindowStoreKey, Serde, SerdeError, Timestamped, Window, Windowed,
};

use super::ktable::Change;
use crate::processor::node::{forward, Child, NodeCx, NodeEnv};
use crate::processor::{Headers, Record};
use crate::state::{FlushedEntry, SessionStoreHandle, WindowStoreHandle};
use crate::{Error, Result};

/// A child of a windowed aggregation over key serde `KS` and aggregate serde `AS`.
type WindowedChild<KS, AS> = Child<Windowed<<KS as Serde>::Target>, Change<<AS as Serde>::Target>>;

/// The headers of cached updates, by cache key, until written down.
#[derive(Clone, Default)]
pub(crate) struct CachedHeaders(Arc<Mutex<HashMap<Vec<u8>, Headers>>>);

impl CachedHeaders {
    /// Notes the headers of the update of `key`'s window starting at `start`.
    pub(crate) fn remember<KS: Serde>(
        &self,
        store: &str,
        key: &KS::Target,
        start: i64,
        headers: &Headers,
    ) -> Result<()> {
        let mut map = crate::state::lock(&self.0);
        if headers.0.is_empty() && map.is_empty() {
            return Ok(());
        }
        let mut key_bytes = Vec::new();
        KS::serialize(key, &mut key_bytes).map_err(|e| Error::State {
            store: store.to_owned(),
            message: format!("cannot serialize a key: {e}"),
        })?;
        let cache_key = RawWindowStoreKey {
            key: &key_bytes,
            start_ms: start,
            seq: 0,
        }
        .to_vec();
        if headers.0.is_empty() {
            map.remove(&cache_key);
        } else {
            map.insert(cache_key, headers.clone());
        }
        Ok(())
    }

    fn take(&self, cache_key: &[u8]) -> Headers {
        crate::state::lock(&self.0)
            .remove(cache_key)
            .unwrap_or_default()
    }
}

/// Whether the node's window store `store` caches; if so, routes what its
/// cache writes down to `children` (windows `[start, start + size]`) and
/// returns where the node keeps its updates' headers.
pub(crate) fn forward_from_cache<KS, AS>(
    env: &NodeEnv<'_>,
    store: &str,
    handle: &WindowStoreHandle<KS, Timestamped<AS>>,
    window_size: i64,
    children: &[WindowedChild<KS, AS>],
) -> Result<Option<CachedHeaders>>
where
    KS: Serde,
    AS: Serde,
    KS::Target: Clone + 'static,
    AS::Target: Clone + 'static,
{
    if !handle.lock().bytes_store_mut().is_caching() {
        return Ok(None);
    }
    let task_store = env.stores.get(store).ok_or_else(|| {
        Error::IllegalState(format!("store `{store}` was not built for this task"))
    })?;
    let children = shared(children);
    let name = store.to_owned();
    let headers = CachedHeaders::default();
    let cached = headers.clone();
    task_store.set_forwarder(Arc::new(move |entries, cx| {
        forward_flushed::<KS, AS>(&name, window_size, &children, &cached, entries, cx)
    }));
    Ok(Some(headers))
}

/// Deserializes the written-down entries and forwards them.
fn forward_flushed<KS, AS>(
    store: &str,
    window_size: i64,
    children: &[WindowedChild<KS, AS>],
    headers: &CachedHeaders,
    entries: Vec<FlushedEntry>,
    cx: &mut NodeCx<'_>,
) -> Result<()>
where
    KS: Serde,
    AS: Serde,
    KS::Target: Clone,
    AS::Target: Clone,
{
    let fail = |what: &str, e: SerdeError| Error::State {
        store: store.to_owned(),
        message: format!("cannot deserialize a cached {what}: {e}"),
    };
    for e in entries {
        let raw = RawWindowStoreKey::parse(&e.key).map_err(|err| fail("window key", err))?;
        let key = KS::deserialize(raw.key).map_err(|err| fail("key", err))?;
        let value = |v: Option<Vec<u8>>| {
            v.map(|b| Timestamped::<AS>::deserialize(&b))
                .transpose()
                .map_err(|err| fail("value", err))
        };
        let new = value(e.new_value)?;
        let old = value(e.old_value)?.map(|o| o.value);
        let timestamp = new.as_ref().map_or(e.timestamp, |n| n.timestamp);
        let window = Window::new(raw.start_ms, raw.start_ms.saturating_add(window_size));
        forward(
            children,
            Record {
                key: Windowed::new(key, window),
                value: Change {
                    new: new.map(|n| n.value),
                    old,
                },
                timestamp,
                headers: headers.take(&e.key),
            },
            cx,
        )?;
    }
    Ok(())
}

/// Whether the session aggregation's store `store` caches; if so, routes
/// what its cache writes down to `children`, stamped with the session's
/// end, as Java's `SessionCacheFlushListener` (no headers: the cache does
/// not keep them for sessions).
pub(crate) fn forward_sessions_from_cache<KS, AS>(
    env: &NodeEnv<'_>,
    store: &str,
    handle: &SessionStoreHandle<KS, AS>,
    children: &[WindowedChild<KS, AS>],
) -> Result<bool>
where
    KS: Serde,
    AS: Serde,
    KS::Target: Clone + 'static,
    AS::Target: Clone + 'static,
{
    if !handle.lock().bytes_store_mut().is_caching() {
        return Ok(false);
    }
    let task_store = env.stores.get(store).ok_or_else(|| {
        Error::IllegalState(format!("store `{store}` was not built for this task"))
    })?;
    let children = shared(children);
    let name = store.to_owned();
    task_store.set_forwarder(Arc::new(move |entries, cx| {
        let fail = |what: &str, e: SerdeError| Error::State {
            store: name.clone(),
            message: format!("cannot deserialize a cached {what}: {e}"),
        };
        for e in entries {
            let raw = RawSessionKey::parse(&e.key).map_err(|err| fail("session key", err))?;
            let key = KS::deserialize(raw.key).map_err(|err| fail("key", err))?;
            let value = |v: Option<Vec<u8>>| {
                v.map(|b| AS::deserialize(&b))
                    .transpose()
                    .map_err(|err| fail("value", err))
            };
            let change = Change {
                new: value(e.new_value)?,
                old: value(e.old_value)?,
            };
            let end = raw.window.end_ms;
            forward(
                &children,
                Record::new(Windowed::new(key, raw.window), change, end),
                cx,
            )?;
        }
        Ok(())
    }));
    Ok(true)
}

/// A copy of `children` to move into a forwarder.
fn shared<K, V>(children: &[Child<K, V>]) -> Arc<Vec<Child<K, V>>> {
    Arc::new(
        children
            .iter()
            .map(|c| Child {
                name: c.name.clone(),
                input: c.input.clone(),
                metrics: c.metrics.clone(),
            })
            .collect(),
    )
}
