//! Support for the code `kstreams-macros` generates. Not a public API:
//! everything here may change in any release.
//!
//! The traits carry `#[diagnostic::on_unimplemented]` so that a check the
//! macros emit (spanned at the user's tokens) fails with a message about the
//! user's topology, never about these internals.

use std::sync::Arc;

use kstreams_serde::Serde;

use crate::processor::node::{Instance, NodeEnv, NodeFactory, OpFn, StatelessFactory};
pub use crate::processor::supplier::{ConnectedStore, Factory};
use crate::processor::{Processor, ProcessorContext, ProcessorSupplier, Record};
use crate::state::{
    KeyValueStore, KeyValueStoreBuilder, MeteredKeyValueStore, MeteredSessionStore,
    MeteredWindowStore, SessionStore, SessionStoreBuilder, StoreKind, WindowStore,
    WindowStoreBuilder,
};
use crate::Result;

/// The factory of a stateless node running `op` for each record; `op`
/// gets the node's name (as wired: the function's name, a `.named(..)` or
/// an `add_processor` name) for its errors, and `emit` forwards to the
/// node's children.
pub fn stateless<KI, VI, KO, VO>(
    op: impl Fn(Record<KI, VI>, &str, &mut dyn FnMut(Record<KO, VO>) -> Result<()>) -> Result<()>
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
    Factory(Arc::new(NamedStatelessFactory { op: Arc::new(op) }))
}

type NamedOpFn<KI, VI, KO, VO> = Arc<
    dyn Fn(Record<KI, VI>, &str, &mut dyn FnMut(Record<KO, VO>) -> Result<()>) -> Result<()>
        + Send
        + Sync,
>;

/// A [`StatelessFactory`] whose operator learns the node's name when the
/// node is instantiated for a task.
struct NamedStatelessFactory<KI, VI, KO, VO> {
    op: NamedOpFn<KI, VI, KO, VO>,
}

impl<KI, VI, KO, VO> NodeFactory for NamedStatelessFactory<KI, VI, KO, VO>
where
    KI: 'static,
    VI: 'static,
    KO: Clone + 'static,
    VO: Clone + 'static,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let (op, name) = (self.op.clone(), env.name.clone());
        let op: OpFn<KI, VI, KO, VO> = Arc::new(move |record, emit| op(record, &name, emit));
        StatelessFactory { op }.instantiate(env)
    }
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

/// A persistent (RocksDB), change-logged window store named `name` with
/// serdes `KS`/`VS`, windows of `size_ms` kept for `retention_ms` (Kafka
/// Streams' `Stores.persistentWindowStore(name, retention, size,
/// retainDuplicates)`; `#[processor]` checked retention >= size).
pub fn window_store<KS: Serde, VS: Serde>(
    name: &str,
    size_ms: u64,
    retention_ms: u64,
    retain_duplicates: bool,
) -> ConnectedStore {
    let ms = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    ConnectedStore(Arc::new(WindowStoreBuilder::<KS, VS>::new(
        name,
        StoreKind::RocksDb,
        ms(retention_ms),
        ms(size_ms),
        retain_duplicates,
    )))
}

/// A persistent (RocksDB), change-logged session store named `name` with
/// serdes `KS`/`VS`, keeping sessions `retention_ms` past their end
/// (Kafka Streams' `Stores.persistentSessionStore(name, retention)`).
pub fn session_store<KS: Serde, VS: Serde>(name: &str, retention_ms: u64) -> ConnectedStore {
    ConnectedStore(Arc::new(SessionStoreBuilder::<KS, VS>::new(
        name,
        StoreKind::RocksDb,
        i64::try_from(retention_ms).unwrap_or(i64::MAX),
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

/// A `#[processor]` function's window store parameter, from the task's
/// store declared as `Window<KS, VS>(..)`: `&mut dyn WindowStore<K, V>`
/// with the serdes' types (a parameter of other types is a type mismatch
/// at the user's parameter).
pub fn window_store_param<KS: Serde, VS: Serde>(
    store: &mut MeteredWindowStore<KS, VS>,
) -> &mut dyn WindowStore<KS::Target, VS::Target> {
    store
}

/// A `#[processor]` function's session store parameter, from the task's
/// store declared as `Session<KS, VS>(..)`: `&mut dyn SessionStore<K, V>`.
pub fn session_store_param<KS: Serde, VS: Serde>(
    store: &mut MeteredSessionStore<KS, VS>,
) -> &mut dyn SessionStore<KS::Target, VS::Target> {
    store
}

/// The name of the node `ctx` belongs to (for its errors).
pub fn node_name<'c, K, V>(ctx: &'c ProcessorContext<'_, K, V>) -> &'c str {
    ctx.ops.stores().1
}

pub use crate::errors::IntoProcessingError;

pub use ::core::time::Duration;

pub use crate::topology::co_partitioning::CoPartitionMessage;

/// The partition count of a topic constant, usable in a constant
/// expression (`#[topology]`'s co-partitioning checks): the topic is
/// forgotten, not dropped, since a run-time name would need a destructor.
pub const fn partitions_of<K, V, const P: u32>(topic: crate::dsl::Topic<K, V, P>) -> u32 {
    std::mem::forget(topic);
    P
}

/// Which minimum retention a constant window definition and retention
/// fall short of (`#[topology]`'s compile-time retention check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionShortfall {
    /// The retention is long enough.
    None,
    /// Shorter than window size + grace.
    TimeWindows,
    /// Shorter than 2 × time difference + grace.
    SlidingWindows,
    /// Shorter than inactivity gap + grace.
    SessionWindows,
}

/// A window definition in a constant expression, for the retention check:
/// `WindowRetention(windows).shortfall(retention)` picks the rule of the
/// window type (Java's `WindowStoreMaterializer`,
/// `SlidingWindowStoreMaterializer`, `SessionStoreMaterializer`).
#[derive(Debug, Clone, Copy)]
pub struct WindowRetention<W>(pub W);

/// `retention` in ms against `minimum` ms.
const fn short(retention: Duration, minimum: u64) -> bool {
    retention.as_millis() < minimum as u128
}

impl WindowRetention<crate::dsl::TimeWindows> {
    /// Whether `retention` is shorter than size + grace.
    pub const fn shortfall(&self, retention: Duration) -> RetentionShortfall {
        let w = &self.0;
        if short(retention, w.size_ms().saturating_add(w.grace_ms())) {
            RetentionShortfall::TimeWindows
        } else {
            RetentionShortfall::None
        }
    }
}

impl WindowRetention<crate::dsl::SlidingWindows> {
    /// Whether `retention` is shorter than 2 × time difference + grace.
    pub const fn shortfall(&self, retention: Duration) -> RetentionShortfall {
        let w = &self.0;
        let minimum = w
            .time_difference_ms()
            .saturating_mul(2)
            .saturating_add(w.grace_ms());
        if short(retention, minimum) {
            RetentionShortfall::SlidingWindows
        } else {
            RetentionShortfall::None
        }
    }
}

impl WindowRetention<crate::dsl::SessionWindows> {
    /// Whether `retention` is shorter than inactivity gap + grace.
    pub const fn shortfall(&self, retention: Duration) -> RetentionShortfall {
        let w = &self.0;
        if short(
            retention,
            w.inactivity_gap_ms().saturating_add(w.grace_ms()),
        ) {
            RetentionShortfall::SessionWindows
        } else {
            RetentionShortfall::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[derive(Debug, thiserror::Error)]
    #[error("bad amount `{0}`")]
    struct BadAmount(String, #[source] std::num::ParseIntError);

    fn convert(e: impl IntoProcessingError) -> Error {
        e.into_processing_error("parse")
    }

    fn processing(e: &Error) -> (&str, &str) {
        match e {
            Error::Processing { node, message } => (node, message),
            other => panic!("expected a processing error, got {other:?}"),
        }
    }

    #[test]
    fn errors_become_processing_errors_of_the_node() {
        let parse = "x".parse::<i64>().expect_err("not a number");
        assert_eq!(
            processing(&convert(parse.clone())),
            ("parse", "invalid digit found in string")
        );
        assert_eq!(
            processing(&convert(BadAmount("x".into(), parse))),
            ("parse", "bad amount `x`: invalid digit found in string")
        );
        assert_eq!(processing(&convert("negative")), ("parse", "negative"));
        assert_eq!(processing(&convert(String::from("odd"))), ("parse", "odd"));
        let boxed: Box<dyn std::error::Error + Send + Sync> = "boxed".into();
        assert_eq!(processing(&convert(boxed)), ("parse", "boxed"));
        let state = Error::State {
            store: "totals".into(),
            message: "disk full".into(),
        };
        assert_eq!(
            processing(&convert(state)),
            ("parse", "state store `totals`: disk full")
        );
    }

    #[test]
    fn processing_and_infrastructure_errors_are_kept() {
        let own = Error::Processing {
            node: "validate".into(),
            message: "negative".into(),
        };
        assert_eq!(processing(&convert(own)), ("validate", "negative"));
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(Error::Processing {
            node: "validate".into(),
            message: "negative".into(),
        });
        assert_eq!(processing(&convert(boxed)), ("validate", "negative"));
        assert!(matches!(
            convert(Error::ProducerFenced("commit".into())),
            Error::ProducerFenced(_)
        ));
        let failed = Error::HandlerFailed {
            stage: "processing",
            config_key: "processing.exception.handler",
            topic: "in".into(),
            partition: 0,
            offset: 3,
            source: Box::new(Error::IllegalState("x".into())),
        };
        assert!(matches!(
            convert(failed),
            Error::HandlerFailed { offset: 3, .. }
        ));
    }
}
