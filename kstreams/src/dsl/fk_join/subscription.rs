//! The subscription half of a foreign-key join: the left table's changes
//! become (un)subscriptions keyed by foreign key (Java's
//! `SubscriptionSendProcessorSupplier`), the right side records them in
//! the subscription store (`SubscriptionReceiveProcessorSupplier`) and
//! answers each with the foreign row it finds (`SubscriptionJoinProcessorSupplier`).
//!
//! Invariant: a subscription carries the hash of the left row's *new*
//! value (none for a delete); the response join compares it with the row's
//! current value, so only the answer to the latest subscription counts.

use std::sync::Arc;

use kstreams_serde::{Serde, Timestamped, ValueAndTimestamp};

use super::murmur3::hash128;
use super::wrappers::{
    CombinedKey, CombinedKeySchema, Instruction, SubscriptionResponseWrapper, SubscriptionWrapper,
    SubscriptionWrapperSerde, SUBSCRIPTION_VERSION,
};
use crate::dsl::ktable::Change;
use crate::dsl::value_getter::{ValueGetter, ValueGetterSupplier};
use crate::processor::node::{forward, Child, Instance, NodeCx, NodeEnv, NodeFactory, NodeInput};
use crate::processor::Record;
use crate::state::KeyValueStoreHandle;
use crate::{Error, Result};

/// Extracts a left row's foreign key; `None`: it has none (left join only).
pub(crate) type ForeignKeyFn<V, KO> = Arc<dyn Fn(&V) -> Option<KO> + Send + Sync>;

/// The subscription store as its nodes see it: combined key bytes →
/// timestamped subscription.
pub(crate) type SubscriptionStore<KS> =
    KeyValueStoreHandle<kstreams_serde::Bytes, Timestamped<SubscriptionWrapperSerde<KS>>>;

fn serde_failed(node: &str, what: &str, e: kstreams_serde::SerdeError) -> Error {
    Error::Processing {
        node: node.to_owned(),
        message: format!("cannot serialize the {what}: {e}"),
    }
}

/// The hash of a left value's bytes (Java: `Murmur3.hash128` of the
/// table's value serde's bytes).
pub(crate) fn value_hash<VS: Serde>(node: &str, value: &VS::Target) -> Result<[i64; 2]> {
    let mut bytes = Vec::new();
    VS::serialize(value, &mut bytes).map_err(|e| serde_failed(node, "value to hash", e))?;
    Ok(hash128(&bytes))
}

/// Factory of `KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-…` (Java's
/// `SubscriptionSendProcessorSupplier`), with the foreign key serde `KOS`
/// (to compare foreign keys as Java does, by their bytes) and the left
/// value serde `VS` (to hash values).
pub(crate) struct SubscriptionSendFactory<K, KOS: Serde, VS: Serde> {
    pub(crate) foreign_key: ForeignKeyFn<VS::Target, KOS::Target>,
    pub(crate) left_join: bool,
    pub(crate) _types: super::response::Types<(K, KOS, VS)>,
}

struct SubscriptionSend<K, KOS: Serde, VS: Serde> {
    name: Arc<str>,
    foreign_key: ForeignKeyFn<VS::Target, KOS::Target>,
    left_join: bool,
    children: Vec<Child<Option<KOS::Target>, SubscriptionWrapper<K>>>,
}

impl<K: Clone, KOS: Serde, VS: Serde> SubscriptionSend<K, KOS, VS>
where
    KOS::Target: Clone,
{
    fn fk_bytes(&self, fk: &Option<KOS::Target>) -> Result<Option<Vec<u8>>> {
        fk.as_ref()
            .map(|fk| {
                let mut out = Vec::new();
                KOS::serialize(fk, &mut out).map(|()| out)
            })
            .transpose()
            .map_err(|e| serde_failed(&self.name, "foreign key", e))
    }

    fn send(
        &self,
        record: &Record<K, Change<VS::Target>>,
        hash: Option<[i64; 2]>,
        foreign_key: Option<KOS::Target>,
        instruction: Instruction,
        cx: &mut NodeCx<'_>,
    ) -> Result<()> {
        let partition = cx
            .metadata
            .as_ref()
            .map_or(cx.task_id.partition, |m| m.partition);
        let wrapper = SubscriptionWrapper {
            hash,
            instruction,
            primary_key: record.key.clone(),
            version: SUBSCRIPTION_VERSION,
            primary_partition: Some(partition),
        };
        let out = Record {
            key: foreign_key,
            value: wrapper,
            timestamp: record.timestamp,
            headers: record.headers.clone(),
        };
        forward(&self.children, out, cx)
    }
}

impl<K, KOS, VS> NodeInput<K, Change<VS::Target>> for SubscriptionSend<K, KOS, VS>
where
    K: Clone,
    KOS: Serde,
    KOS::Target: Clone,
    VS: Serde,
{
    /// Kafka Streams 4.3's `SubscriptionSendProcessorSupplier`
    /// (`leftJoinInstructions` / `defaultJoinInstructions`).
    fn process(&self, record: Record<K, Change<VS::Target>>, cx: &mut NodeCx<'_>) -> Result<()> {
        use Instruction::*;
        let change = &record.value;
        let hash = match &change.new {
            Some(v) => Some(value_hash::<VS>(&self.name, v)?),
            None => None,
        };
        let old_fk = change.old.as_ref().and_then(|v| (self.foreign_key)(v));
        if self.left_join {
            if change.old.is_none() && change.new.is_none() {
                // An idempotent delete: no output.
                return Ok(());
            }
            let new_fk = change.new.as_ref().and_then(|v| (self.foreign_key)(v));
            // A changed foreign key unsubscribes from the old one without
            // an answer: the answer to the new subscription below (sent
            // for a delete too, with no key, so that the right side still
            // answers) gives the left-join result.
            if old_fk.is_some() && self.fk_bytes(&new_fk)? != self.fk_bytes(&old_fk)? {
                self.send(&record, hash, old_fk, DeleteKeyNoPropagate, cx)?;
            }
            return self.send(&record, hash, new_fk, PropagateNullIfNoFkValAvailable, cx);
        }
        let subscribed = old_fk.is_some();
        let Some(new) = &change.new else {
            // A deleted row: unsubscribe, and retract its result.
            if subscribed {
                self.send(&record, hash, old_fk, DeleteKeyAndPropagate, cx)?;
            }
            return Ok(());
        };
        let Some(new_fk) = (self.foreign_key)(new) else {
            // A row without a foreign key joins nothing (Java logs and
            // drops it), and retracts the result of its old key.
            tracing::warn!(node = %self.name, "skipping a record whose foreign key is null");
            cx.errors.metrics.record_dropped();
            if subscribed {
                self.send(&record, hash, old_fk, DeleteKeyAndPropagate, cx)?;
            }
            return Ok(());
        };
        let new_fk = Some(new_fk);
        if !subscribed {
            return self.send(&record, hash, new_fk, PropagateOnlyIfFkValAvailable, cx);
        }
        if self.fk_bytes(&new_fk)? != self.fk_bytes(&old_fk)? {
            self.send(&record, hash, old_fk, DeleteKeyNoPropagate, cx)?;
            // No partner under the new key retracts the old result.
            return self.send(&record, hash, new_fk, PropagateNullIfNoFkValAvailable, cx);
        }
        // Same key: a row that did not join before does not now either.
        self.send(&record, hash, new_fk, PropagateOnlyIfFkValAvailable, cx)
    }
}

impl<K, KOS, VS> NodeFactory for SubscriptionSendFactory<K, KOS, VS>
where
    K: Clone + 'static,
    KOS: Serde,
    KOS::Target: Clone + 'static,
    VS: Serde,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let node: Arc<dyn NodeInput<K, Change<VS::Target>>> =
            Arc::new(SubscriptionSend::<K, KOS, VS> {
                name: env.name.clone(),
                foreign_key: self.foreign_key.clone(),
                left_join: self.left_join,
                children: env.children()?,
            });
        Ok(Instance::node(node))
    }
}

/// What the receive node forwards to the join node.
pub(crate) type ReceivedChange<K> = Change<ValueAndTimestamp<SubscriptionWrapper<K>>>;

/// The edge from the receive node to the join node.
type ReceivedChild<KOS, KS> = Child<
    CombinedKey<<KOS as Serde>::Target, <KS as Serde>::Target>,
    ReceivedChange<<KS as Serde>::Target>,
>;

/// Factory of the `KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-…` that stores
/// subscriptions (Java's `SubscriptionReceiveProcessorSupplier`).
pub(crate) struct SubscriptionReceiveFactory<KOS, KS> {
    pub(crate) store: String,
    pub(crate) _types: std::marker::PhantomData<fn() -> (KOS, KS)>,
}

struct SubscriptionReceive<KOS: Serde, KS: Serde> {
    name: Arc<str>,
    store: SubscriptionStore<KS>,
    children: Vec<ReceivedChild<KOS, KS>>,
}

impl<KOS, KS> NodeInput<Option<KOS::Target>, SubscriptionWrapper<KS::Target>>
    for SubscriptionReceive<KOS, KS>
where
    KOS: Serde,
    KOS::Target: Clone,
    KS: Serde,
    KS::Target: Clone,
{
    fn process(
        &self,
        record: Record<Option<KOS::Target>, SubscriptionWrapper<KS::Target>>,
        cx: &mut NodeCx<'_>,
    ) -> Result<()> {
        let instruction = record.value.instruction;
        let new = ValueAndTimestamp::new(record.value.clone(), record.timestamp);
        let change = match &record.key {
            // Only a left join's row without a foreign key: never stored.
            None if instruction == Instruction::PropagateNullIfNoFkValAvailable => Change {
                new: Some(new),
                old: None,
            },
            None => return Ok(()),
            Some(fk) => {
                let key = CombinedKeySchema::<KOS, KS>::to_bytes(fk, &record.value.primary_key)
                    .map_err(|e| serde_failed(&self.name, "subscription key", e))?;
                let old = self.store.get(&key)?;
                match instruction {
                    Instruction::DeleteKeyAndPropagate | Instruction::DeleteKeyNoPropagate => {
                        drop(self.store.delete(&key)?)
                    }
                    _ => self.store.put(&key, &new)?,
                }
                Change {
                    new: Some(new),
                    old,
                }
            }
        };
        let out = Record {
            key: CombinedKey {
                foreign_key: record.key,
                primary_key: record.value.primary_key,
            },
            value: change,
            timestamp: record.timestamp,
            headers: record.headers,
        };
        forward(&self.children, out, cx)
    }
}

impl<KOS, KS> NodeFactory for SubscriptionReceiveFactory<KOS, KS>
where
    KOS: Serde,
    KOS::Target: Clone,
    KS: Serde,
    KS::Target: Clone,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let store = env.stores.key_value(env.name, &self.store)?;
        let node: Arc<dyn NodeInput<Option<KOS::Target>, SubscriptionWrapper<KS::Target>>> =
            Arc::new(SubscriptionReceive::<KOS, KS> {
                name: env.name.clone(),
                store,
                children: env.children()?,
            });
        Ok(Instance::node(node))
    }
}

/// Factory of the `KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-…` that answers a
/// subscription with the foreign row (Java's `SubscriptionJoinProcessorSupplier`).
pub(crate) struct SubscriptionJoinFactory<K, KO, VO> {
    pub(crate) foreign: ValueGetterSupplier<KO, VO>,
    pub(crate) _types: std::marker::PhantomData<fn() -> K>,
}

struct SubscriptionJoin<K, KO, VO> {
    foreign: Arc<dyn ValueGetter<KO, VO>>,
    children: Vec<Child<K, SubscriptionResponseWrapper<VO>>>,
}

impl<K: Clone, KO, VO: Clone> NodeInput<CombinedKey<KO, K>, ReceivedChange<K>>
    for SubscriptionJoin<K, KO, VO>
{
    fn process(
        &self,
        record: Record<CombinedKey<KO, K>, ReceivedChange<K>>,
        cx: &mut NodeCx<'_>,
    ) -> Result<()> {
        let Some(subscription) = record.value.new else {
            return Ok(()); // the receive node always sends a new value
        };
        let foreign = match &record.key.foreign_key {
            Some(fk) => self.foreign.get(fk)?,
            None => None,
        };
        let timestamp = foreign.as_ref().map_or(subscription.timestamp, |f| {
            subscription.timestamp.max(f.timestamp)
        });
        let wrapper = subscription.value;
        let foreign_value = match (wrapper.instruction, foreign) {
            (Instruction::DeleteKeyNoPropagate, _) => return Ok(()),
            (Instruction::PropagateOnlyIfFkValAvailable, None) => return Ok(()),
            (Instruction::DeleteKeyAndPropagate, _) => None,
            (_, foreign) => foreign.map(|f| f.value),
        };
        let out = Record {
            key: record.key.primary_key,
            value: SubscriptionResponseWrapper {
                original_value_hash: wrapper.hash,
                foreign_value,
                primary_partition: wrapper.primary_partition,
            },
            timestamp,
            headers: record.headers,
        };
        forward(&self.children, out, cx)
    }
}

impl<K, KO, VO> NodeFactory for SubscriptionJoinFactory<K, KO, VO>
where
    K: Clone + 'static,
    KO: 'static,
    VO: Clone + 'static,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let node: Arc<dyn NodeInput<CombinedKey<KO, K>, ReceivedChange<K>>> =
            Arc::new(SubscriptionJoin {
                foreign: (self.foreign.init)(env)?,
                children: env.children()?,
            });
        Ok(Instance::node(node))
    }
}
