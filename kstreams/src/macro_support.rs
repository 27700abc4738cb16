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
use crate::state::{KeyValueStore, KeyValueStoreBuilder, MeteredKeyValueStore, StoreKind};
use crate::{Error, Result};

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

/// The name of the node `ctx` belongs to (for its errors).
pub fn node_name<'c, K, V>(ctx: &'c ProcessorContext<'_, K, V>) -> &'c str {
    ctx.ops.stores().1
}

/// The error types a `#[processor]` function, or the `process` method of a
/// `#[processor]` impl, may return in its `Result`: [`Error`] itself
/// (`kstreams::Result<T>`, so `store.put(..)?` works), any
/// `E: std::error::Error + Send + Sync + 'static` (e.g. your own error
/// enum, `std::num::ParseIntError`, `serde_json::Error`),
/// `Box<dyn std::error::Error + Send + Sync>`, and `String` or
/// `&'static str` messages: everything that converts into
/// `Box<dyn std::error::Error + Send + Sync>`.
///
/// An `Err` becomes [`Error::Processing`] naming the node, with the
/// error's text (and that of its sources) as the message, and goes to
/// `processing.exception.handler` like any processing error (KIP-1033):
/// by default the application fails
/// ([`Error::HandlerFailed`]); with
/// [`LogAndContinueProcessingExceptionHandler`](crate::errors::LogAndContinueProcessingExceptionHandler)
/// the record is dropped at that node, logged and counted. A
/// [`kstreams::Error`](Error) is kept as it is when it is already a
/// processing error, or when it is not the record's fault and no handler
/// may skip it: a fenced producer, a Kafka error the thread recovers from,
/// or a downstream node's error a handler already answered
/// ([`Error::HandlerFailed`]).
///
/// Implemented for you; there is nothing to implement.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error type of a `#[processor]`",
    label = "the error type of this `Result`",
    note = "a `#[processor]` may return `kstreams::Result<..>`, or `Result<.., E>` with `E: std::error::Error + Send + Sync + 'static` (e.g. your own error enum), `Box<dyn std::error::Error + Send + Sync>`, `String` or `&'static str`",
    note = "an `Err` goes to `processing.exception.handler` as an `Error::Processing` that names the node"
)]
pub trait IntoProcessingError {
    /// The error as [`Error::Processing`] of `node` (see the trait's docs).
    #[doc(hidden)]
    fn into_processing_error(self, node: &str) -> Error;
}

// `do_not_recommend`: an error type that does not convert is reported with
// the trait's own message, not with `From`'s list of every implementation.
#[diagnostic::do_not_recommend]
impl<E> IntoProcessingError for E
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn into_processing_error(self, node: &str) -> Error {
        processing_error(self.into(), node)
    }
}

/// `error` as the processing error of `node` (see [`IntoProcessingError`]).
fn processing_error(error: Box<dyn std::error::Error + Send + Sync>, node: &str) -> Error {
    let error = match error.downcast::<Error>() {
        Ok(error) => match *error {
            error @ (Error::Processing { .. }
            | Error::HandlerFailed { .. }
            | Error::ProducerFenced(_)
            | Error::Kafka { .. }) => return error,
            other => Box::new(other) as Box<dyn std::error::Error + Send + Sync>,
        },
        Err(other) => other,
    };
    Error::Processing {
        node: node.to_owned(),
        message: message(&*error),
    }
}

/// The error's text followed by that of its sources, each source left out
/// when the text before already shows it.
fn message(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

pub use ::core::time::Duration;

/// The partition count of a topic constant, usable in a constant
/// expression (`#[topology]`'s co-partitioning checks): the topic is
/// forgotten, not dropped, since a run-time name would need a destructor.
pub const fn partitions_of<K, V, const P: u32>(topic: crate::dsl::Topic<K, V, P>) -> u32 {
    std::mem::forget(topic);
    P
}

#[cfg(test)]
mod tests {
    use super::*;

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
