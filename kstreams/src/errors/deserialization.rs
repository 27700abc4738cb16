//! `deserialization.exception.handler`: what to do with a consumed record
//! whose key or value does not deserialize (a poison pill).

use super::ErrorHandlerContext;
use crate::Error;

/// The answer of a [`DeserializationExceptionHandler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeserializationHandlerResponse {
    /// Skip the record (it is consumed, counted and logged; written to the
    /// dead-letter queue if one is configured) and go on.
    Continue,
    /// Stop: the stream thread fails and no offset past the record is committed.
    Fail,
}

/// Decides what happens to a record that does not deserialize (Kafka
/// Streams' `DeserializationExceptionHandler`).
///
/// Closures `Fn(&ErrorHandlerContext, &Error) -> DeserializationHandlerResponse`
/// are handlers too:
///
/// ```
/// use kstreams::errors::{DeserializationHandlerResponse, ErrorHandlerContext};
/// use kstreams::StreamsConfig;
///
/// // Skip bad records of the `clicks` topic only; fail on any other.
/// let config = StreamsConfig::new("app").deserialization_exception_handler(
///     |context: &ErrorHandlerContext<'_>, _error: &kstreams::Error| {
///         if context.topic == "clicks" {
///             DeserializationHandlerResponse::Continue
///         } else {
///             DeserializationHandlerResponse::Fail
///         }
///     },
/// );
/// # assert!(config.validate().is_ok());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a deserialization exception handler",
    note = "implement `DeserializationExceptionHandler`, pass a closure `|&ErrorHandlerContext, &Error| -> DeserializationHandlerResponse`, or use `LogAndContinueExceptionHandler` / `LogAndFailExceptionHandler`"
)]
pub trait DeserializationExceptionHandler: Send + Sync {
    /// Answers for one record; `error` is the serde's error
    /// ([`Error::Serde`](crate::Error::Serde)). kstreams logs the record's
    /// coordinates and counts skipped records whatever the answer.
    fn handle(
        &self,
        context: &ErrorHandlerContext<'_>,
        error: &Error,
    ) -> DeserializationHandlerResponse;
}

impl<F> DeserializationExceptionHandler for F
where
    F: Fn(&ErrorHandlerContext<'_>, &Error) -> DeserializationHandlerResponse + Send + Sync,
{
    fn handle(
        &self,
        context: &ErrorHandlerContext<'_>,
        error: &Error,
    ) -> DeserializationHandlerResponse {
        self(context, error)
    }
}

/// Logs the bad record and skips it (`LogAndContinueExceptionHandler`).
///
/// ```
/// use kstreams::errors::LogAndContinueExceptionHandler;
/// let config = kstreams::StreamsConfig::new("app")
///     .deserialization_exception_handler(LogAndContinueExceptionHandler);
/// # assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct LogAndContinueExceptionHandler;

impl DeserializationExceptionHandler for LogAndContinueExceptionHandler {
    fn handle(&self, _: &ErrorHandlerContext<'_>, _: &Error) -> DeserializationHandlerResponse {
        DeserializationHandlerResponse::Continue
    }
}

/// Logs the bad record and stops the application (`LogAndFailExceptionHandler`,
/// the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogAndFailExceptionHandler;

impl DeserializationExceptionHandler for LogAndFailExceptionHandler {
    fn handle(&self, _: &ErrorHandlerContext<'_>, _: &Error) -> DeserializationHandlerResponse {
        DeserializationHandlerResponse::Fail
    }
}
