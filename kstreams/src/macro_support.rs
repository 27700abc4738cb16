//! Support for the code `kstreams-macros` generates. Not a public API:
//! everything here may change in any release.
//!
//! The traits carry `#[diagnostic::on_unimplemented]` so that a check the
//! macros emit (spanned at the user's tokens) fails with a message about the
//! user's topology, never about these internals.

use std::sync::Arc;

use kstreams_serde::Serde;

use crate::processor::node::{OpFn, StatelessFactory};
pub use crate::processor::supplier::{ConnectedStore, Factory};
use crate::processor::{Processor, ProcessorContext, ProcessorSupplier, Record};
use crate::state::{KeyValueStore, KeyValueStoreBuilder, MeteredKeyValueStore, StoreKind};
use crate::Result;

/// The factory of a stateless node running `op` for each record; `emit`
/// forwards to the node's children.
pub fn stateless<KI, VI, KO, VO>(
    op: impl Fn(Record<KI, VI>, &mut dyn FnMut(Record<KO, VO>) -> Result<()>) -> Result<()>
        + Send
        + Sync
        + 'static,
) -> Factory
where
    KI: 'static,
    VI: 'static,
    KO: Clone + 'static,
    VO: Clone + 'static,
{
    let op: OpFn<KI, VI, KO, VO> = Arc::new(op);
    Factory(Arc::new(StatelessFactory { op }))
}

/// A persistent (RocksDB), change-logged, cached key/value store named
/// `name` with serdes `KS`/`VS`, as Kafka Streams'
/// `Stores.persistentKeyValueStore`.
pub fn key_value_store<KS: Serde, VS: Serde>(name: &str) -> ConnectedStore {
    ConnectedStore(Arc::new(KeyValueStoreBuilder::<KS, VS>::new(
        name,
        StoreKind::RocksDb,
    )))
}

/// A processor running `op` for each record, with its context (stores,
/// forwarding): what `#[processor]` makes of a function with stores.
struct FnProcessor<F>(Arc<F>);

impl<KI, VI, KO, VO, F> Processor<KI, VI, KO, VO> for FnProcessor<F>
where
    F: Fn(Record<KI, VI>, &mut ProcessorContext<'_, KO, VO>) -> Result<()> + Send + Sync + 'static,
{
    fn process(
        &mut self,
        record: Record<KI, VI>,
        ctx: &mut ProcessorContext<'_, KO, VO>,
    ) -> Result<()> {
        (self.0)(record, ctx)
    }
}

/// The factory of a node running `op` for each record with its context.
pub fn with_context<KI, VI, KO, VO>(
    op: impl Fn(Record<KI, VI>, &mut ProcessorContext<'_, KO, VO>) -> Result<()> + Send + Sync + 'static,
) -> Factory
where
    KI: 'static,
    VI: 'static,
    KO: Clone + 'static,
    VO: Clone + 'static,
{
    let op = Arc::new(op);
    ProcessorSupplier::<KI, VI, KO, VO>::into_factory(move || FnProcessor(op.clone()))
}

/// A `#[processor]` function's store parameter, from the task's store
/// declared as `KeyValue<KS, VS>`: `&mut dyn KeyValueStore<K, V>` with the
/// serdes' types. A parameter of other types is a plain type mismatch at
/// the user's parameter.
pub fn store_param<KS: Serde, VS: Serde>(
    store: &mut MeteredKeyValueStore<KS, VS>,
) -> &mut dyn KeyValueStore<KS::Target, VS::Target> {
    store
}

pub use ::core::time::Duration;

/// The partition count of a topic constant, usable in a constant
/// expression (`#[topology]`'s co-partitioning checks): the topic is
/// forgotten, not dropped, since a run-time name would need a destructor.
pub const fn partitions_of<K, V, const P: u32>(topic: crate::dsl::Topic<K, V, P>) -> u32 {
    std::mem::forget(topic);
    P
}
