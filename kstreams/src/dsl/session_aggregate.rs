//! The session-window aggregation node: Kafka Streams'
//! `KStreamSessionWindowAggregate.process`, record by record (see
//! `session_windowed.rs` for the semantics it implements).

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use kstreams_serde::{Serde, Window, Windowed};

use super::emit_strategy::EmitStrategy;
use super::ktable::Change;
use super::time_windowed::NodeTime;
use super::windowed_cache::forward_sessions_from_cache;
use crate::processor::node::{forward, Child, Instance, NodeCx, NodeEnv, NodeFactory, NodeInput};
use crate::processor::Record;
use crate::state::{SessionStore, SessionStoreHandle};
use crate::Result;

/// Combines the aggregate so far (`None`: the initializer's) with a
/// merged-away session's aggregate (Java's `Merger`).
pub(crate) type Merge<K, A> = Arc<dyn Fn(&K, Option<A>, A) -> A + Send + Sync>;
/// Folds a record into the aggregate so far (`None`: the initializer's).
pub(crate) type Fold<K, V, A> = Arc<dyn Fn(&K, V, Option<A>) -> A + Send + Sync>;

/// Builds the node in each task (Java's `KStreamSessionWindowAggregate` supplier).
pub(crate) struct SessionAggregateFactory<K, V, KS: Serde, AS: Serde> {
    pub(crate) store: String,
    pub(crate) gap: i64,
    pub(crate) grace: i64,
    pub(crate) merge: Merge<K, AS::Target>,
    pub(crate) fold: Fold<K, V, AS::Target>,
    /// When results are forwarded (KIP-825).
    pub(crate) emit: EmitStrategy,
    pub(crate) _types: PhantomData<fn(KS)>,
}

impl<K, V, KS, AS> NodeFactory for SessionAggregateFactory<K, V, KS, AS>
where
    K: Clone + 'static,
    V: Clone + 'static,
    KS: Serde<Target = K>,
    AS: Serde,
    AS::Target: Clone,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let store = env.stores.session::<KS, AS>(env.name, &self.store)?;
        let children = env.children()?;
        let caching = forward_sessions_from_cache::<KS, AS>(env, &self.store, &store, &children)?;
        let node: Arc<dyn NodeInput<K, V>> = Arc::new(SessionAggregateNode::<K, V, KS, AS> {
            store,
            caching,
            gap: self.gap,
            grace: self.grace,
            merge: self.merge.clone(),
            fold: self.fold.clone(),
            emit: self.emit,
            children,
            time: Mutex::new(NodeTime::default()),
            name: env.name.clone(),
        });
        Ok(Instance::node(node))
    }
}

struct SessionAggregateNode<K, V, KS: Serde, AS: Serde> {
    store: SessionStoreHandle<KS, AS>,
    /// The store caches: its cache forwards the updates (`windowed_cache`).
    caching: bool,
    gap: i64,
    grace: i64,
    merge: Merge<K, AS::Target>,
    fold: Fold<K, V, AS::Target>,
    emit: EmitStrategy,
    children: Vec<Child<Windowed<K>, Change<AS::Target>>>,
    time: Mutex<NodeTime>,
    name: Arc<str>,
}

impl<K, V, KS, AS> NodeInput<K, V> for SessionAggregateNode<K, V, KS, AS>
where
    K: Clone + 'static,
    V: Clone + 'static,
    KS: Serde<Target = K>,
    AS: Serde,
    AS::Target: Clone,
{
    // Kafka Streams' `KStreamSessionWindowAggregate.process`. Its results
    // are new records (`maybeForwardUpdate`): session end as timestamp,
    // no headers (unlike time and sliding windows, which keep the input's).
    // On window close, nothing is forwarded per update; after every record
    // (late ones too) the sessions that closed are read from the store
    // (`maybeForwardFinalResult`), with the record's headers.
    fn process(&self, record: Record<K, V>, cx: &mut NodeCx<'_>) -> Result<()> {
        let mut time = self.time.lock().unwrap_or_else(|p| p.into_inner());
        let timestamp = record.timestamp;
        let observed = time.observed.map_or(timestamp, |t| t.max(timestamp));
        time.observed = Some(observed);
        let close = observed.saturating_sub(self.grace).saturating_sub(self.gap);
        let new_window = Window::new(timestamp, timestamp);
        let mut updates = Vec::new();
        let headers = record.headers.clone();
        {
            let mut store = self.store.lock();
            let merged = store.find_sessions(
                &record.key,
                timestamp.saturating_sub(self.gap),
                timestamp.saturating_add(self.gap),
            )?;
            let mut aggregate = None;
            let mut window = new_window;
            for (session, value) in &merged {
                aggregate = Some((self.merge)(&record.key, aggregate, value.clone()));
                window = Window::new(
                    window.start_ms.min(session.window.start_ms),
                    window.end_ms.max(session.window.end_ms),
                );
            }
            if window.end_ms < close {
                time.drop_late(cx, &self.name, timestamp, window, close);
            } else {
                if window != new_window {
                    for (session, value) in merged {
                        store.remove(&session)?;
                        let end = session.window.end_ms;
                        updates.push(Record::new(
                            session,
                            Change {
                                new: None,
                                old: Some(value),
                            },
                            end,
                        ));
                    }
                }
                let new = (self.fold)(&record.key, record.value, aggregate);
                let key = Windowed::new(record.key, window);
                store.put(&key, &new)?;
                updates.push(Record::new(
                    key,
                    Change {
                        new: Some(new),
                        old: None,
                    },
                    window.end_ms,
                ));
            }
            if self.emit.is_on_window_close() {
                updates = time.emit_final.closed_sessions(
                    cx.processor_metadata,
                    &store,
                    close,
                    &headers,
                )?;
            }
        }
        drop(time);
        if self.caching {
            return Ok(());
        }
        for update in updates {
            forward(&self.children, update, cx)?;
        }
        Ok(())
    }
}
