//! `production.exception.handler`: what to do when an output record cannot
//! be serialized or handed to the producer.
//!
//! Covered: serialization errors in sinks, and errors the producer reports
//! when a record is queued. A delivery that fails later (reported at flush
//! or commit) fails the commit: the transaction is aborted and the thread
//! re-processes from the last committed offsets, which is what `Retry`
//! asks for.

use super::ErrorHandlerContext;
use crate::Error;

/// The answer of a [`ProductionExceptionHandler`]; each answer is also a
/// handler that always gives itself, so
/// `config.production_exception_handler(ProductionExceptionHandlerResponse::Continue)`
/// configures "log and continue".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductionExceptionHandlerResponse {
    /// Drop the output record (counted and logged) and go on. Output is lost:
    /// only for data you can afford to lose.
    Continue,
    /// Stop: the stream thread fails and nothing past the input record is committed.
    Fail,
    /// For Kafka errors: abort the transaction and re-process from the last
    /// committed offsets (Kafka Streams' `RETRY`, via a corrupted task).
    /// For other errors (serialization), the same as `Fail`.
    Retry,
}

/// Decides what happens when an output record cannot be produced (Kafka
/// Streams' `ProductionExceptionHandler`). Closures
/// `Fn(&ErrorHandlerContext, &str, &Error) -> ProductionExceptionHandlerResponse`
/// (the middle argument is the sink topic) are handlers too.
///
/// ```
/// use kstreams::errors::ProductionExceptionHandlerResponse;
///
/// let config = kstreams::StreamsConfig::new("app")
///     .production_exception_handler(ProductionExceptionHandlerResponse::Retry);
/// # assert!(config.validate().is_ok());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a production exception handler",
    note = "implement `ProductionExceptionHandler`, pass a closure `|&ErrorHandlerContext, &str, &Error| -> ProductionExceptionHandlerResponse`, or use a `ProductionExceptionHandlerResponse` value"
)]
pub trait ProductionExceptionHandler: Send + Sync {
    /// Answers for one output record bound for `sink_topic`; `context`
    /// describes the consumed record whose processing produced it.
    fn handle(
        &self,
        context: &ErrorHandlerContext<'_>,
        sink_topic: &str,
        error: &Error,
    ) -> ProductionExceptionHandlerResponse;
}

impl<F> ProductionExceptionHandler for F
where
    F: Fn(&ErrorHandlerContext<'_>, &str, &Error) -> ProductionExceptionHandlerResponse
        + Send
        + Sync,
{
    fn handle(
        &self,
        context: &ErrorHandlerContext<'_>,
        sink_topic: &str,
        error: &Error,
    ) -> ProductionExceptionHandlerResponse {
        self(context, sink_topic, error)
    }
}

impl ProductionExceptionHandler for ProductionExceptionHandlerResponse {
    fn handle(
        &self,
        _: &ErrorHandlerContext<'_>,
        _: &str,
        _: &Error,
    ) -> ProductionExceptionHandlerResponse {
        *self
    }
}

/// Fails on every production error (`DefaultProductionExceptionHandler`,
/// the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultProductionExceptionHandler;

impl ProductionExceptionHandler for DefaultProductionExceptionHandler {
    fn handle(
        &self,
        _: &ErrorHandlerContext<'_>,
        _: &str,
        _: &Error,
    ) -> ProductionExceptionHandlerResponse {
        ProductionExceptionHandlerResponse::Fail
    }
}
