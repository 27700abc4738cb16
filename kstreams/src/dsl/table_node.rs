//! The node behind every stateful operator that produces a table
//! (`count`, `reduce`, `aggregate`, `builder.table`, KGroupedTable
//! `aggregate`): it updates its store for each input record and emits the
//! resulting [`Change`] — at once without a record cache, or when the cache
//! writes the key down (commit or eviction) with one.
//!
//! The store is a timestamped store, as Kafka Streams' DSL stores
//! (`TimestampedKeyValueStore`): it keeps `ValueAndTimestamp<V>` (serde
//! `Timestamped<VS>`, `[timestamp: 8 BE][value]`, so the changelog reads
//! the same in Java), and a change is forwarded with the timestamp of its
//! new value, as Java's `TimestampedTupleForwarder` (no cache) and
//! `TimestampedCacheFlushListener` (cache) do.
//!
//! Old values are forwarded only when `send_old_values` is set (Java's
//! `sendOldValues`, turned on by the downstream operators that need them,
//! see `ktable::TableInfo`); otherwise `Change::old` is `None`.
//!
//! Invariant: the store is never locked while forwarding (the update runs
//! first and returns; the cache's entries are forwarded from the task's
//! flush, see `topology::stores`).

use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use kstreams_serde::{Serde, Timestamped};

use super::ktable::Change;
use crate::processor::node::{forward, Child, Instance, NodeCx, NodeEnv, NodeFactory, NodeInput};
use crate::processor::{Headers, Record};
use crate::state::{FlushedEntry, KeyValueStoreHandle};
use crate::{Error, Result};

/// Applies one input record to the (timestamped) store; returns the change
/// to forward, stamped with its new value's timestamp (ignored when the
/// store caches: the cache forwards).
pub(crate) type UpdateFn<KI, VI, KS, VS> = Arc<
    dyn Fn(
            Record<KI, VI>,
            &KeyValueStoreHandle<KS, Timestamped<VS>>,
        ) -> Result<Option<Record<<KS as Serde>::Target, Change<<VS as Serde>::Target>>>>
        + Send
        + Sync,
>;

/// Factory of a table-producing node over store `store`.
pub(crate) struct TableNodeFactory<KI, VI, KS: Serde, VS: Serde> {
    pub(crate) store: String,
    pub(crate) caching: bool,
    pub(crate) update: UpdateFn<KI, VI, KS, VS>,
    /// Java's `sendOldValues`: read when the node is instantiated.
    pub(crate) send_old_values: Arc<AtomicBool>,
    pub(crate) _types: PhantomData<fn(KI, VI)>,
}

/// The children of a table node, shared with its cache forwarder.
type Children<KS, VS> = Arc<Vec<Child<<KS as Serde>::Target, Change<<VS as Serde>::Target>>>>;

struct TableNode<KI, VI, KS: Serde, VS: Serde> {
    store: KeyValueStoreHandle<KS, Timestamped<VS>>,
    caching: bool,
    send_old_values: bool,
    update: UpdateFn<KI, VI, KS, VS>,
    children: Children<KS, VS>,
}

impl<KI, VI, KS, VS> NodeInput<KI, VI> for TableNode<KI, VI, KS, VS>
where
    KS: Serde,
    VS: Serde,
    KS::Target: Clone,
    VS::Target: Clone,
{
    fn process(&self, record: Record<KI, VI>, cx: &mut NodeCx<'_>) -> Result<()> {
        match (self.update)(record, &self.store)? {
            Some(mut change) if !self.caching => {
                if !self.send_old_values {
                    change.value.old = None;
                }
                forward(&self.children, change, cx)
            }
            _ => Ok(()),
        }
    }
}

/// Deserializes entries the cache wrote down and forwards them as changes
/// (Java's `TimestampedCacheFlushListener`: the new value's timestamp, or
/// the writing record's for a delete).
pub(crate) fn forward_flushed<KS, VS>(
    store: &str,
    send_old_values: bool,
    children: &[Child<KS::Target, Change<VS::Target>>],
    entries: Vec<FlushedEntry>,
    cx: &mut NodeCx<'_>,
) -> Result<()>
where
    KS: Serde,
    VS: Serde,
    KS::Target: Clone,
    VS::Target: Clone,
{
    let fail = |what: &str, e: kstreams_serde::SerdeError| Error::State {
        store: store.to_owned(),
        message: format!("cannot deserialize a cached {what}: {e}"),
    };
    for e in entries {
        let key = KS::deserialize(&e.key).map_err(|err| fail("key", err))?;
        let value = |v: Option<Vec<u8>>| {
            v.map(|b| Timestamped::<VS>::deserialize(&b))
                .transpose()
                .map_err(|err| fail("value", err))
        };
        let new = value(e.new_value)?;
        let old = if send_old_values {
            value(e.old_value)?.map(|o| o.value)
        } else {
            None
        };
        let timestamp = new.as_ref().map_or(e.timestamp, |n| n.timestamp);
        let change = Change {
            new: new.map(|n| n.value),
            old,
        };
        forward(
            children,
            Record {
                key,
                value: change,
                timestamp,
                headers: Headers::default(),
            },
            cx,
        )?;
    }
    Ok(())
}

impl<KI, VI, KS, VS> NodeFactory for TableNodeFactory<KI, VI, KS, VS>
where
    KI: 'static,
    VI: 'static,
    KS: Serde,
    VS: Serde,
    KS::Target: Clone,
    VS::Target: Clone,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let children = Arc::new(env.children::<KS::Target, Change<VS::Target>>()?);
        let store = env
            .stores
            .key_value::<KS, Timestamped<VS>>(env.name, &self.store)?;
        let send_old_values = self.send_old_values.load(Ordering::Relaxed);
        // As Java's TimestampedTupleForwarder: forward from the cache if
        // the store has one (not with a cache of 0 bytes), else directly.
        let caching = self.caching && store.lock().bytes_store_mut().is_caching();
        if caching {
            let task_store = env.stores.get(&self.store).ok_or_else(|| {
                Error::IllegalState(format!(
                    "store `{}` was not built for this task",
                    self.store
                ))
            })?;
            let (name, children) = (self.store.clone(), children.clone());
            task_store.set_forwarder(Arc::new(move |entries, cx| {
                forward_flushed::<KS, VS>(&name, send_old_values, &children, entries, cx)
            }));
        }
        let node: Arc<dyn NodeInput<KI, VI>> = Arc::new(TableNode {
            store,
            caching,
            send_old_values,
            update: self.update.clone(),
            children,
        });
        Ok(Instance::node(node))
    }
}
