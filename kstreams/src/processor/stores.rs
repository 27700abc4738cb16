//! The state stores of one task, as its nodes see them (Kafka Streams'
//! `ProcessorStateManager` from the processor's side).
//!
//! A topology holds one [`StoreFactory`] per store (a
//! [`KeyValueStoreBuilder`] behind a trait object, so the topology stays
//! untyped); every task whose sub-topology connects a store builds its own
//! instance ([`TaskStore`]) before its nodes are instantiated, and the
//! nodes take typed handles ([`KeyValueStoreHandle`]) from the task's
//! [`TaskStores`].
//!
//! Global stores (`StreamsBuilder::global_table`) are the exception: one
//! instance per application instance, written by the global thread and
//! read by every task of every stream thread (Kafka Streams'
//! `GlobalStateManager`). A task sees them in [`TaskStores::globals`],
//! readable by any of its nodes without being connected (as Java's
//! `ProcessorContext.getStateStore` finds global stores), never flushed or
//! closed by the task.
//!
//! Invariants:
//! - a task store is used by one task, on one thread at a time; the mutex
//!   in a handle is never contended, it only makes handles `Send + Sync`
//!   like the nodes that hold them;
//! - a global store's mutex *is* contended (global thread vs. tasks); it
//!   is held for one get/put at a time, and global stores have no record
//!   cache, so a task reads every write once the global thread's `put`
//!   has returned;
//! - nothing holds a store's lock while forwarding: entries written down by
//!   the record cache are queued by the store's flush listener and
//!   forwarded by [`TaskStore::forward_flushed`] after the write returns, so
//!   a downstream node may read or write any store, even this one.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kstreams_serde::Serde;

use crate::processor::node::NodeCx;
use crate::state::{
    CacheFlushListener, FlushedEntry, KeyValueStoreBuilder, KeyValueStoreHandle, RestoreRecord,
    StoreContext, StoreKind,
};
use crate::{Error, Result};

/// Forwards written-down cache entries downstream (set by the node that
/// owns the store, e.g. an aggregation).
pub(crate) type Forwarder =
    Arc<dyn Fn(Vec<FlushedEntry>, &mut NodeCx<'_>) -> Result<()> + Send + Sync>;

/// Declares one store of a topology and builds it per task.
pub(crate) trait StoreFactory: Send + Sync {
    fn name(&self) -> &str;
    /// Whether writes are logged to `<application.id>-<store>-changelog`.
    fn logged(&self) -> bool;
    /// Whether the data survives a restart (RocksDB).
    fn persistent(&self) -> bool;
    fn build(&self, ctx: &StoreContext) -> Result<Arc<dyn TaskStore>>;
}

/// A store instance of one task, type-erased.
pub(crate) trait TaskStore: Send + Sync {
    fn name(&self) -> &str;
    /// Writes the record cache's dirty entries down (queued for
    /// forwarding), on every commit.
    fn flush_cache(&self) -> Result<()>;
    /// Writes everything down (cache → changelog → disk), before a
    /// checkpoint.
    fn flush(&self) -> Result<()>;
    /// Writes down what the thread cache evicted from this store.
    fn flush_evicted(&self) -> Result<()> {
        Ok(())
    }
    /// Flushes and releases the store's resources.
    fn close(&self) -> Result<()>;
    /// Writes one batch of changelog records into the store's bytes layer
    /// (restoration bypasses caching and logging).
    fn restore_batch(&self, records: &[RestoreRecord<'_>]) -> Result<()>;
    /// Sets where written-down cache entries go.
    fn set_forwarder(&self, forwarder: Forwarder);
    /// Forwards queued cache entries; returns whether there were any.
    fn forward_flushed(&self, cx: &mut NodeCx<'_>) -> Result<bool>;
    /// The typed store (`KvTaskStore<KS, VS>`), for downcasting.
    fn as_any(&self) -> &dyn Any;
    /// Kind and serdes, for error messages (e.g. "a key/value store with
    /// serdes (String, I64)").
    fn describe(&self) -> String {
        "a state store".to_owned()
    }
}

use crate::state::lock;

/// What a store's record cache wrote down, queued by its flush listener
/// until the task forwards it (see the module invariants), and where it
/// goes.
#[derive(Default)]
pub(crate) struct FlushQueue {
    flushed: Arc<Mutex<Vec<FlushedEntry>>>,
    forwarder: Mutex<Option<Forwarder>>,
}

impl FlushQueue {
    /// The cache flush listener that queues entries here.
    pub(crate) fn listener(&self) -> CacheFlushListener {
        let queue = self.flushed.clone();
        Box::new(move |e: FlushedEntry| {
            lock(&queue).push(e);
            Ok(())
        })
    }

    /// Sets where queued entries go.
    pub(crate) fn set_forwarder(&self, forwarder: Forwarder) {
        *lock(&self.forwarder) = Some(forwarder);
    }

    /// Forwards the queued entries; returns whether there were any.
    pub(crate) fn forward(&self, cx: &mut NodeCx<'_>) -> Result<bool> {
        let entries = std::mem::take(&mut *lock(&self.flushed));
        if entries.is_empty() {
            return Ok(false);
        }
        let forwarder = lock(&self.forwarder).clone();
        match forwarder {
            Some(forward) => forward(entries, cx)?,
            None => drop(entries),
        }
        Ok(true)
    }
}

/// A key/value store of one task.
pub(crate) struct KvTaskStore<KS: Serde, VS: Serde> {
    name: String,
    handle: KeyValueStoreHandle<KS, VS>,
    queue: FlushQueue,
}

impl<KS: Serde, VS: Serde> KvTaskStore<KS, VS> {
    pub(crate) fn handle(&self) -> KeyValueStoreHandle<KS, VS> {
        self.handle.clone()
    }
}

impl<KS: Serde, VS: Serde> TaskStore for KvTaskStore<KS, VS> {
    fn name(&self) -> &str {
        &self.name
    }

    fn flush_cache(&self) -> Result<()> {
        self.handle.lock().bytes_store_mut().flush_cache()
    }

    fn flush(&self) -> Result<()> {
        self.handle.lock().bytes_store_mut().flush()
    }

    fn flush_evicted(&self) -> Result<()> {
        self.handle.lock().bytes_store_mut().flush_evicted()
    }

    fn close(&self) -> Result<()> {
        self.handle.lock().bytes_store_mut().close()
    }

    fn restore_batch(&self, records: &[RestoreRecord<'_>]) -> Result<()> {
        let mut store = self.handle.lock();
        let start = store.metrics().restore.start();
        let restored = store.bytes_store_mut().restore_batch(records);
        store.metrics().restore.record(start, 1);
        restored
    }

    fn set_forwarder(&self, forwarder: Forwarder) {
        self.queue.set_forwarder(forwarder);
    }

    fn forward_flushed(&self, cx: &mut NodeCx<'_>) -> Result<bool> {
        self.queue.forward(cx)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn describe(&self) -> String {
        format!(
            "a key/value store with serdes ({}, {})",
            KS::name(),
            VS::name()
        )
    }
}

impl<KS: Serde, VS: Serde> StoreFactory for KeyValueStoreBuilder<KS, VS> {
    fn name(&self) -> &str {
        KeyValueStoreBuilder::name(self)
    }

    fn logged(&self) -> bool {
        self.logging_enabled()
    }

    fn persistent(&self) -> bool {
        self.kind() == StoreKind::RocksDb
    }

    fn build(&self, ctx: &StoreContext) -> Result<Arc<dyn TaskStore>> {
        let queue = FlushQueue::default();
        let store = KeyValueStoreBuilder::build(self, ctx, Some(queue.listener()))?;
        Ok(Arc::new(KvTaskStore {
            name: KeyValueStoreBuilder::name(self).to_owned(),
            handle: KeyValueStoreHandle::new(store),
            queue,
        }))
    }
}

/// Node name → names of the stores connected to it.
pub(crate) type Connections = HashMap<String, Vec<String>>;

/// The store instances of one task, and which nodes may use them.
#[derive(Default)]
pub(crate) struct TaskStores {
    pub(crate) stores: Vec<Arc<dyn TaskStore>>,
    /// Node name → names of the stores connected to it.
    pub(crate) connections: HashMap<String, Vec<String>>,
    /// The instance's global stores, shared with the global thread (see
    /// the module docs); read-only for the task's nodes.
    pub(crate) globals: Vec<Arc<dyn TaskStore>>,
}

impl TaskStores {
    /// The store named `name`: the task's own, or a global store.
    pub(crate) fn get(&self, name: &str) -> Option<&Arc<dyn TaskStore>> {
        self.stores
            .iter()
            .chain(&self.globals)
            .find(|s| s.name() == name)
    }

    /// Fails unless store `name` is connected to node `node` or global.
    pub(crate) fn check_connected(&self, node: &str, name: &str) -> Result<()> {
        let connected = self
            .connections
            .get(node)
            .is_some_and(|s| s.iter().any(|s| s == name));
        if connected || self.globals.iter().any(|s| s.name() == name) {
            return Ok(());
        }
        Err(Error::Processing {
            node: node.to_owned(),
            message: format!(
                "store `{name}` is not connected to this processor; add it with `StreamsBuilder::add_state_store` and pass its name to `process_with_stores`"
            ),
        })
    }

    /// A typed handle on store `name` for node `node`, which must be
    /// connected to it and agree on its serdes.
    pub(crate) fn key_value<KS: Serde, VS: Serde>(
        &self,
        node: &str,
        name: &str,
    ) -> Result<KeyValueStoreHandle<KS, VS>> {
        self.check_connected(node, name)?;
        let store = self.get(name).ok_or_else(|| {
            Error::IllegalState(format!("store `{name}` was not built for this task"))
        })?;
        store
            .as_any()
            .downcast_ref::<KvTaskStore<KS, VS>>()
            .map(KvTaskStore::handle)
            .ok_or_else(|| Error::Processing {
                node: node.to_owned(),
                message: format!(
                    "store `{name}` is not a key/value store with serdes ({}, {}); use the serdes it was declared with",
                    KS::name(),
                    VS::name()
                ),
            })
    }

    /// Flushes every store's record cache and forwards what the caches
    /// wrote down, until nothing more is written down (a forward may write
    /// to another store). On every commit; stores become durable only in
    /// [`TaskStores::flush_stores`].
    pub(crate) fn flush_caches(&self, cx: &mut NodeCx<'_>) -> Result<()> {
        for _ in 0..=self.stores.len() {
            for store in &self.stores {
                store.flush_cache()?;
            }
            if !self.forward_flushed(cx)? {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Makes every store durable (RocksDB's memtables become files), after
    /// [`TaskStores::flush_caches`] and before a checkpoint.
    pub(crate) fn flush_stores(&self) -> Result<()> {
        self.stores.iter().try_for_each(|store| store.flush())
    }

    /// After each record: writes down entries the thread cache evicted from
    /// any store, and forwards them.
    pub(crate) fn flush_evicted(&self, cx: &mut NodeCx<'_>) -> Result<()> {
        if self.stores.is_empty() {
            return Ok(());
        }
        for store in &self.stores {
            store.flush_evicted()?;
        }
        self.forward_flushed(cx).map(drop)
    }

    fn forward_flushed(&self, cx: &mut NodeCx<'_>) -> Result<bool> {
        let mut any = false;
        for store in &self.stores {
            any |= store.forward_flushed(cx)?;
        }
        Ok(any)
    }
}
