//! The response half of a foreign-key join: a right-table update fans out
//! to every left row subscribed to its key (Java's
//! `ForeignTableJoinProcessorSupplier`, a prefix scan of the subscription
//! store), and responses are joined with the left row on its own partition
//! (`ResponseJoinProcessorSupplier`), dropping those answering a left
//! value that has changed since (their hash no longer matches).

use std::sync::Arc;

use kstreams_serde::Serde;

use super::subscription::{value_hash, SubscriptionStore};
use super::wrappers::{CombinedKeySchema, SubscriptionResponseWrapper};
use crate::dsl::ktable::Change;
use crate::dsl::value_getter::{ValueGetter, ValueGetterSupplier};
use crate::processor::node::{forward, Child, Instance, NodeCx, NodeEnv, NodeFactory, NodeInput};
use crate::processor::Record;
use crate::state::KeyValueStore;
use crate::{Error, Result};

/// The type parameters a factory only carries.
pub(crate) type Types<T> = std::marker::PhantomData<fn() -> T>;

/// Factory of the `KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-…` under the right
/// table (Java's `ForeignTableJoinProcessorSupplier`).
pub(crate) struct ForeignTableJoinFactory<KOS, KS, VO> {
    pub(crate) store: String,
    pub(crate) _types: Types<(KOS, KS, VO)>,
}

struct ForeignTableJoin<KOS: Serde, KS: Serde, VO> {
    name: Arc<str>,
    store: SubscriptionStore<KS>,
    children: Vec<Child<KS::Target, SubscriptionResponseWrapper<VO>>>,
    _types: std::marker::PhantomData<fn() -> KOS>,
}

impl<KOS, KS, VO> NodeInput<KOS::Target, Change<VO>> for ForeignTableJoin<KOS, KS, VO>
where
    KOS: Serde,
    KS: Serde,
    KS::Target: Clone,
    VO: Clone,
{
    fn process(&self, record: Record<KOS::Target, Change<VO>>, cx: &mut NodeCx<'_>) -> Result<()> {
        let fail = |what: &str, e: kstreams_serde::SerdeError| Error::Processing {
            node: self.name.to_string(),
            message: format!("{what}: {e}"),
        };
        let prefix = CombinedKeySchema::<KOS, KS>::prefix_bytes(&record.key)
            .map_err(|e| fail("cannot serialize the foreign key", e))?;
        // Read every subscription first: the store is never locked across
        // a forward.
        let subscriptions = {
            let store = self.store.lock();
            let scan = store.prefix_scan_bytes(&prefix)?;
            scan.collect::<Result<Vec<_>>>()?
        };
        for (key, subscription) in subscriptions {
            let primary_key = CombinedKeySchema::<KOS, KS>::primary_key(&key)
                .map_err(|e| fail("cannot read a subscription key", e))?;
            let out = Record {
                key: primary_key,
                value: SubscriptionResponseWrapper {
                    original_value_hash: subscription.value.hash,
                    foreign_value: record.value.new.clone(),
                    primary_partition: subscription.value.primary_partition,
                },
                timestamp: record.timestamp,
                headers: record.headers.clone(),
            };
            forward(&self.children, out, cx)?;
        }
        Ok(())
    }
}

impl<KOS, KS, VO> NodeFactory for ForeignTableJoinFactory<KOS, KS, VO>
where
    KOS: Serde,
    KS: Serde,
    KS::Target: Clone,
    VO: Clone + 'static,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let node: Arc<dyn NodeInput<KOS::Target, Change<VO>>> =
            Arc::new(ForeignTableJoin::<KOS, KS, VO> {
                name: env.name.clone(),
                store: env.stores.key_value(env.name, &self.store)?,
                children: env.children()?,
                _types: std::marker::PhantomData,
            });
        Ok(Instance::node(node))
    }
}

/// The user's joiner: the left value and the foreign value (`None` only
/// in a left join) → the result (`None`: an inner join without a foreign value).
pub(crate) type FkJoiner<V, VO, VR> = Arc<dyn Fn(&V, Option<&VO>) -> Option<VR> + Send + Sync>;

/// Factory of `KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-…`
/// (Java's `ResponseJoinProcessorSupplier`), hashing left values with `VS`.
pub(crate) struct ResponseJoinFactory<K, VS: Serde, VO, VR> {
    pub(crate) primary: ValueGetterSupplier<K, VS::Target>,
    pub(crate) joiner: FkJoiner<VS::Target, VO, VR>,
    pub(crate) left_join: bool,
}

struct ResponseJoin<K, VS: Serde, VO, VR> {
    name: Arc<str>,
    primary: Arc<dyn ValueGetter<K, VS::Target>>,
    joiner: FkJoiner<VS::Target, VO, VR>,
    left_join: bool,
    children: Vec<Child<K, Option<VR>>>,
}

impl<K, VS, VO, VR> NodeInput<K, SubscriptionResponseWrapper<VO>> for ResponseJoin<K, VS, VO, VR>
where
    K: Clone,
    VS: Serde,
    VR: Clone,
{
    fn process(
        &self,
        record: Record<K, SubscriptionResponseWrapper<VO>>,
        cx: &mut NodeCx<'_>,
    ) -> Result<()> {
        let current = self.primary.get(&record.key)?;
        let current_hash = match &current {
            Some(row) => Some(value_hash::<VS>(&self.name, &row.value)?),
            None => None,
        };
        if current_hash != record.value.original_value_hash {
            // A response to a left value that has changed since: stale.
            return Ok(());
        }
        let foreign = record.value.foreign_value.as_ref();
        // Java: a tombstone when there is no foreign value (inner join)
        // or no left row.
        let result = match &current {
            Some(row) if foreign.is_some() || self.left_join => (self.joiner)(&row.value, foreign),
            _ => None,
        };
        let out = Record {
            key: record.key,
            value: result,
            timestamp: record.timestamp,
            headers: record.headers,
        };
        forward(&self.children, out, cx)
    }
}

impl<K, VS, VO, VR> NodeFactory for ResponseJoinFactory<K, VS, VO, VR>
where
    K: Clone + 'static,
    VS: Serde,
    VO: 'static,
    VR: Clone + 'static,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let node: Arc<dyn NodeInput<K, SubscriptionResponseWrapper<VO>>> =
            Arc::new(ResponseJoin::<K, VS, VO, VR> {
                name: env.name.clone(),
                primary: (self.primary.init)(env)?,
                joiner: self.joiner.clone(),
                left_join: self.left_join,
                children: env.children()?,
            });
        Ok(Instance::node(node))
    }
}
