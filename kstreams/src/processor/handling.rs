//! The processor layer's calls into the exception handlers ([`crate::errors`]): source nodes on deserialization
//! errors, `forward` on processor errors, sinks on serialization and
//! producer errors.
//!
//! Every hook either swallows the error (CONTINUE: log, count, maybe write
//! to the dead-letter queue, return `Ok`) or returns the error to fail the
//! task ([`Error::HandlerFailed`], or the Kafka error itself for a
//! production RETRY, which the stream thread recovers from). Outside the
//! processing of a consumed record (punctuation) there is no record to
//! skip: errors pass through unchanged.

use kstreams_serde::SerdeError;

use crate::errors::dlq::dead_letter_record;
use crate::errors::*;
use crate::processor::node::{Child, NodeCx};
use crate::processor::{ProducedRecord, Record};
use crate::Error;

/// Where in the pipeline a record failed.
#[derive(Clone, Copy)]
enum Stage {
    Deserialization,
    Processing,
    Production,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::Deserialization => "deserialization",
            Stage::Processing => "processing",
            Stage::Production => "production",
        }
    }
    fn config_key(self) -> &'static str {
        match self {
            Stage::Deserialization => DESERIALIZATION_KEY,
            Stage::Processing => PROCESSING_KEY,
            Stage::Production => PRODUCTION_KEY,
        }
    }
    fn handler_name(self, c: &ErrorHandlerConfig) -> &str {
        match self {
            Stage::Deserialization => &c.deserialization.name,
            Stage::Processing => &c.processing.name,
            Stage::Production => &c.production.name,
        }
    }
}

/// The context of the consumed record being processed, if there is one.
fn context<'a>(cx: &'a NodeCx<'_>, node: &'a str) -> Option<ErrorHandlerContext<'a>> {
    let metadata = cx.metadata.as_ref()?;
    let raw = cx.raw?;
    Some(ErrorHandlerContext {
        topic: &metadata.topic,
        partition: metadata.partition,
        offset: metadata.offset,
        timestamp: raw.timestamp,
        headers: &raw.headers,
        processor_node_id: node,
        task_id: cx.task_id,
        source_raw_key: raw.key.as_deref(),
        source_raw_value: raw.value.as_deref(),
    })
}

/// Carries out the handler's answer (`Retry` only comes from the production handler).
fn conclude(
    cx: &mut NodeCx<'_>,
    stage: Stage,
    node: &str,
    answer: ProductionExceptionHandlerResponse,
    error: Error,
) -> Result<(), Error> {
    let Some(context) = context(cx, node) else {
        return Err(error);
    };
    let handler = stage.handler_name(&cx.errors.config);
    let (topic, partition, offset) = (context.topic, context.partition, context.offset);
    match answer {
        ProductionExceptionHandlerResponse::Continue => {
            tracing::warn!(
                stage = stage.name(), topic, partition, offset, node, handler, error = %error,
                "skipping a record the application cannot handle (counted in dropped-records-total)"
            );
            let dead_letter = cx
                .errors
                .config
                .dead_letter_queue
                .as_deref()
                .map(|dlq| dead_letter_record(dlq, &context, &error));
            cx.errors.record_dropped();
            match dead_letter {
                Some(record) => cx.collector.send(record),
                None => Ok(()),
            }
        }
        ProductionExceptionHandlerResponse::Retry if matches!(error, Error::Kafka { .. }) => {
            tracing::warn!(
                stage = stage.name(), topic, partition, offset, node, handler, error = %error,
                "production failed; retrying: the transaction is aborted and the task re-processes from its last commit"
            );
            Err(error)
        }
        ProductionExceptionHandlerResponse::Fail | ProductionExceptionHandlerResponse::Retry => {
            tracing::error!(
                stage = stage.name(), topic, partition, offset, node, handler, error = %error,
                "the exception handler answered FAIL; stopping before this record"
            );
            Err(Error::HandlerFailed {
                stage: stage.name(),
                config_key: stage.config_key(),
                topic: topic.to_owned(),
                partition,
                offset,
                source: Box::new(error),
            })
        }
    }
}

/// A source node could not deserialize the current record's key or value.
pub(crate) fn deserialization_failed(
    cx: &mut NodeCx<'_>,
    node: &str,
    source: SerdeError,
) -> Result<(), Error> {
    let topic = cx
        .metadata
        .as_ref()
        .map(|m| m.topic.clone())
        .unwrap_or_default();
    let error = Error::Serde { topic, source };
    let Some(context) = context(cx, node) else {
        return Err(error);
    };
    let answer = match cx
        .errors
        .config
        .deserialization
        .handler
        .handle(&context, &error)
    {
        DeserializationHandlerResponse::Continue => ProductionExceptionHandlerResponse::Continue,
        DeserializationHandlerResponse::Fail => ProductionExceptionHandlerResponse::Fail,
    };
    conclude(cx, Stage::Deserialization, node, answer, error)
}

/// Hands `record` to `child`; a processing error the child returns goes to
/// the processing handler here, at the innermost edge, so it is handled once.
pub(crate) fn process_child<K, V>(
    child: &Child<K, V>,
    record: Record<K, V>,
    cx: &mut NodeCx<'_>,
) -> Result<(), Error> {
    child.record_arrival(record.timestamp, cx);
    match child.input.process(record, cx) {
        Err(error @ Error::Processing { .. }) => {
            let Some(context) = context(cx, &child.name) else {
                return Err(error);
            };
            let answer = match cx.errors.config.processing.handler.handle(&context, &error) {
                ProcessingHandlerResponse::Continue => ProductionExceptionHandlerResponse::Continue,
                ProcessingHandlerResponse::Fail => ProductionExceptionHandlerResponse::Fail,
            };
            conclude(cx, Stage::Processing, &child.name, answer, error)
        }
        other => other,
    }
}

fn production_failed(
    cx: &mut NodeCx<'_>,
    node: &str,
    sink_topic: &str,
    error: Error,
) -> Result<(), Error> {
    if matches!(error, Error::ProducerFenced(_)) {
        return Err(error); // never the handler's call: the thread rejoins
    }
    let Some(context) = context(cx, node) else {
        return Err(error);
    };
    let answer = cx
        .errors
        .config
        .production
        .handler
        .handle(&context, sink_topic, &error);
    conclude(cx, Stage::Production, node, answer, error)
}

/// A sink could not serialize a record for `sink_topic`.
pub(crate) fn serialization_failed(
    cx: &mut NodeCx<'_>,
    node: &str,
    sink_topic: &str,
    source: SerdeError,
) -> Result<(), Error> {
    production_failed(
        cx,
        node,
        sink_topic,
        Error::Serde {
            topic: sink_topic.to_owned(),
            source,
        },
    )
}

/// Sends a sink's record; a producer error goes to the production handler.
pub(crate) fn send_produced(
    cx: &mut NodeCx<'_>,
    node: &str,
    record: ProducedRecord,
) -> Result<(), Error> {
    let topic = record.topic.clone();
    match cx.collector.send(record) {
        Ok(()) => Ok(()),
        Err(error) => production_failed(cx, node, &topic, error),
    }
}
