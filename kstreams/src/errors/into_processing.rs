//! [`IntoProcessingError`]: the error types a fallible `#[processor]` may
//! return, and how an `Err` becomes the [`Error::Processing`] that the
//! processing exception handler (KIP-1033) answers.

use crate::Error;

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
