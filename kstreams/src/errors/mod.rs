//! What happens to a record that cannot be deserialized, processed or
//! produced: Kafka Streams 4's exception handlers and dead-letter queue.
//!
//! Three handlers, each configured on [`StreamsConfig`](crate::StreamsConfig)
//! by Kafka Streams' setting name or a builder method:
//!
//! | setting | trait | built-ins (default first) |
//! | --- | --- | --- |
//! | `deserialization.exception.handler` | [`DeserializationExceptionHandler`] | [`LogAndFailExceptionHandler`], [`LogAndContinueExceptionHandler`] |
//! | `processing.exception.handler` (KIP-1033) | [`ProcessingExceptionHandler`] | [`LogAndFailProcessingExceptionHandler`], [`LogAndContinueProcessingExceptionHandler`] |
//! | `production.exception.handler` | [`ProductionExceptionHandler`] | [`DefaultProductionExceptionHandler`] (fail), [`ProductionExceptionHandlerResponse::Continue`], [`ProductionExceptionHandlerResponse::Retry`] |
//!
//! and `errors.dead.letter.queue.topic.name` (KIP-1034): a record that a
//! handler lets the application continue past is also written, with its
//! original key, value and headers, to that topic, with headers naming the
//! error ([`dlq`] lists them). The dead-letter record goes through the
//! task's record collector, so under exactly-once it is part of the same
//! transaction as the task's output and input offsets.
//!
//! Invariants:
//! - a record the application continues past is consumed: its offset is
//!   committed like any other; it is counted in
//!   [`StreamsMetrics::dropped_records_total`] and logged (WARN, with topic,
//!   partition and offset), whatever the handler — never dropped silently;
//! - a FAIL answer becomes [`Error::HandlerFailed`](crate::Error::HandlerFailed):
//!   the stream thread stops (by default the client goes to ERROR), its
//!   transaction is aborted and no offset past the record is committed;
//! - the processing handler sees errors returned by processors
//!   ([`Error::Processing`](crate::Error::Processing)) while a consumed
//!   record is processed, once, at the node that failed; errors in
//!   punctuators are not handled (they fail the thread).
//!
//! Where we differ from Kafka Streams, on purpose: a record whose handler
//! answers FAIL is not written to the dead-letter queue. Under exactly-once
//! the write would be aborted with the transaction anyway; under
//! at-least-once it would be written again on every restart. The record
//! stays in its topic at the committed offset, to be fixed and re-read.
//!
//! This module never talks to Kafka itself: it builds records and hands them
//! to the task's collector.

mod config;
mod context;
mod deserialization;
pub mod dlq;
mod into_processing;
mod processing;
mod production;

pub use crate::metrics::{StreamsMetrics, DROPPED_RECORDS_TOTAL};
pub use context::ErrorHandlerContext;
pub use deserialization::{
    DeserializationExceptionHandler, DeserializationHandlerResponse,
    LogAndContinueExceptionHandler, LogAndFailExceptionHandler,
};
pub use into_processing::IntoProcessingError;
pub use processing::{
    LogAndContinueProcessingExceptionHandler, LogAndFailProcessingExceptionHandler,
    ProcessingExceptionHandler, ProcessingHandlerResponse,
};
pub use production::{
    DefaultProductionExceptionHandler, ProductionExceptionHandler,
    ProductionExceptionHandlerResponse,
};

pub(crate) use config::{
    ErrorHandlerConfig, ErrorHandlers, Named, DESERIALIZATION_KEY, DLQ_KEY, PROCESSING_KEY,
    PRODUCTION_KEY,
};
