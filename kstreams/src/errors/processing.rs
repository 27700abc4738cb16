//! `processing.exception.handler` (KIP-1033): what to do when a processor
//! returns an error for a record.

use super::ErrorHandlerContext;
use crate::Error;

/// The answer of a [`ProcessingExceptionHandler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessingHandlerResponse {
    /// Drop the record at the failing node (siblings and the rest of the
    /// topology still see it), count and log it, and go on.
    Continue,
    /// Stop: the stream thread fails and no offset past the record is committed.
    Fail,
}

/// Decides what happens when a processor fails on a record (Kafka Streams'
/// `ProcessingExceptionHandler`). Closures
/// `Fn(&ErrorHandlerContext, &Error) -> ProcessingHandlerResponse` are
/// handlers too.
///
/// ```
/// use kstreams::errors::{ErrorHandlerContext, ProcessingHandlerResponse};
///
/// // Tolerate failures of one node only.
/// let config = kstreams::StreamsConfig::new("app").processing_exception_handler(
///     |context: &ErrorHandlerContext<'_>, _error: &kstreams::Error| {
///         if context.processor_node_id == "enrich" {
///             ProcessingHandlerResponse::Continue
///         } else {
///             ProcessingHandlerResponse::Fail
///         }
///     },
/// );
/// # assert!(config.validate().is_ok());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a processing exception handler",
    note = "implement `ProcessingExceptionHandler`, pass a closure `|&ErrorHandlerContext, &Error| -> ProcessingHandlerResponse`, or use `LogAndContinueProcessingExceptionHandler` / `LogAndFailProcessingExceptionHandler`"
)]
pub trait ProcessingExceptionHandler: Send + Sync {
    /// Answers for one failed record; `error` is what the processor returned.
    fn handle(&self, context: &ErrorHandlerContext<'_>, error: &Error)
        -> ProcessingHandlerResponse;
}

impl<F> ProcessingExceptionHandler for F
where
    F: Fn(&ErrorHandlerContext<'_>, &Error) -> ProcessingHandlerResponse + Send + Sync,
{
    fn handle(
        &self,
        context: &ErrorHandlerContext<'_>,
        error: &Error,
    ) -> ProcessingHandlerResponse {
        self(context, error)
    }
}

/// Logs and drops the record (`LogAndContinueProcessingExceptionHandler`).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogAndContinueProcessingExceptionHandler;

impl ProcessingExceptionHandler for LogAndContinueProcessingExceptionHandler {
    fn handle(&self, _: &ErrorHandlerContext<'_>, _: &Error) -> ProcessingHandlerResponse {
        ProcessingHandlerResponse::Continue
    }
}

/// Logs and stops the application (`LogAndFailProcessingExceptionHandler`,
/// the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogAndFailProcessingExceptionHandler;

impl ProcessingExceptionHandler for LogAndFailProcessingExceptionHandler {
    fn handle(&self, _: &ErrorHandlerContext<'_>, _: &Error) -> ProcessingHandlerResponse {
        ProcessingHandlerResponse::Fail
    }
}
