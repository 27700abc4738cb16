//! The node behind every stateful operator that produces a table
//! (`count`, `reduce`, `aggregate`, `builder.table`, KGroupedTable
//! `aggregate`): it updates its store for each input record and emits the
//! resulting [`Change`] — at once without a record cache, or when the cache
//! writes the key down (commit or eviction) with one.
//!
//! Invariant: the store is never locked while forwarding (the update runs
//! first and returns; the cache's entries are forwarded from the task's
//! flush, see `topology::stores`).

use std::marker::PhantomData;
use std::sync::Arc;

use kstreams_serde::Serde;

use super::ktable::Change;
use crate::processor::node::{forward, Child, Instance, NodeCx, NodeEnv, NodeFactory, NodeInput};
use crate::processor::stores::FlushedRecord;
use crate::processor::{Headers, Record};
use crate::state::KeyValueStoreHandle;
use crate::{Error, Result};

/// Applies one input record to the store; returns the change to forward
/// (ignored when the store caches: the cache forwards).
pub(crate) type UpdateFn<KI, VI, KS, VS> = Arc<
    dyn Fn(
            Record<KI, VI>,
            &KeyValueStoreHandle<KS, VS>,
        ) -> Result<Option<Record<<KS as Serde>::Target, Change<<VS as Serde>::Target>>>>
        + Send
        + Sync,
>;

/// Factory of a table-producing node over store `store`.
pub(crate) struct TableNodeFactory<KI, VI, KS: Serde, VS: Serde> {
    pub(crate) store: String,
    pub(crate) caching: bool,
    pub(crate) update: UpdateFn<KI, VI, KS, VS>,
    pub(crate) _types: PhantomData<fn(KI, VI)>,
}

/// The children of a table node, shared with its cache forwarder.
type Children<KS, VS> = Arc<Vec<Child<<KS as Serde>::Target, Change<<VS as Serde>::Target>>>>;

struct TableNode<KI, VI, KS: Serde, VS: Serde> {
    store: KeyValueStoreHandle<KS, VS>,
    caching: bool,
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
            Some(change) if !self.caching => forward(&self.children, change, cx),
            _ => Ok(()),
        }
    }
}

/// Deserializes entries the cache wrote down and forwards them as changes.
fn forward_flushed<KS, VS>(
    store: &str,
    children: &[Child<KS::Target, Change<VS::Target>>],
    entries: Vec<FlushedRecord>,
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
            v.map(|b| VS::deserialize(&b))
                .transpose()
                .map_err(|err| fail("value", err))
        };
        let change = Change {
            new: value(e.new_value)?,
            old: value(e.old_value)?,
        };
        forward(
            children,
            Record {
                key,
                value: change,
                timestamp: e.timestamp,
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
        let store = env.stores.key_value::<KS, VS>(env.name, &self.store)?;
        if self.caching {
            let task_store = env.stores.get(&self.store).ok_or_else(|| {
                Error::IllegalState(format!(
                    "store `{}` was not built for this task",
                    self.store
                ))
            })?;
            let (name, children) = (self.store.clone(), children.clone());
            task_store.set_forwarder(Arc::new(move |entries, cx| {
                forward_flushed::<KS, VS>(&name, &children, entries, cx)
            }));
        }
        let node: Arc<dyn NodeInput<KI, VI>> = Arc::new(TableNode {
            store,
            caching: self.caching,
            update: self.update.clone(),
            children,
        });
        Ok(Instance::node(node))
    }
}
