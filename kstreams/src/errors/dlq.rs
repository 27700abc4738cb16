//! Dead-letter queue records (KIP-1034, `errors.dead.letter.queue.topic.name`).
//!
//! A dead-letter record has the consumed record's key and value bytes
//! untouched, its timestamp, its headers, and then the headers below, all
//! UTF-8 strings, named as Kafka Streams names them (a Java tool that reads
//! Kafka Streams' dead-letter topics reads ours). It goes to whatever
//! partition the producer picks (no key-based partitioning), as in Kafka
//! Streams. Create the topic before starting the application.

use super::ErrorHandlerContext;
use crate::processor::Headers;
use crate::processor::ProducedRecord;
use crate::Error;

/// Header: the kind of error (`kstreams::Error::Serde`, ...), where Kafka
/// Streams puts the exception's class name.
pub const HEADER_ERRORS_EXCEPTION_NAME: &str = "__streams.errors.exception";
/// Header: the error chain, outermost first (Kafka Streams: the stack trace).
pub const HEADER_ERRORS_STACKTRACE_NAME: &str = "__streams.errors.stacktrace";
/// Header: the error's message.
pub const HEADER_ERRORS_EXCEPTION_MESSAGE_NAME: &str = "__streams.errors.message";
/// Header: the topic the record was consumed from.
pub const HEADER_ERRORS_TOPIC_NAME: &str = "__streams.errors.topic";
/// Header: its partition, in decimal.
pub const HEADER_ERRORS_PARTITION_NAME: &str = "__streams.errors.partition";
/// Header: its offset, in decimal.
pub const HEADER_ERRORS_OFFSET_NAME: &str = "__streams.errors.offset";

/// The name written in [`HEADER_ERRORS_EXCEPTION_NAME`] for `error`.
pub fn exception_name(error: &Error) -> &'static str {
    match error {
        Error::Config(_) => "kstreams::Error::Config",
        Error::Topology(_) => "kstreams::Error::Topology",
        Error::Serde { .. } => "kstreams::Error::Serde",
        Error::Kafka { .. } => "kstreams::Error::Kafka",
        Error::ProducerFenced(_) => "kstreams::Error::ProducerFenced",
        Error::Topic(_) => "kstreams::Error::Topic",
        Error::State { .. } => "kstreams::Error::State",
        Error::Processing { .. } => "kstreams::Error::Processing",
        Error::HandlerFailed { .. } => "kstreams::Error::HandlerFailed",
        Error::IllegalState(_) => "kstreams::Error::IllegalState",
        Error::StateDirLocked { .. } => "kstreams::Error::StateDirLocked",
        Error::Io { .. } => "kstreams::Error::Io",
        #[allow(unreachable_patterns)] // Error is non_exhaustive for users, not for us
        _ => "kstreams::Error",
    }
}

fn chain(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        text.push_str("\ncaused by: ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

/// The dead-letter record for the consumed record of `context` failing with `error`.
pub(crate) fn dead_letter_record(
    topic: &str,
    context: &ErrorHandlerContext<'_>,
    error: &Error,
) -> ProducedRecord {
    let mut headers: Headers = context.headers.clone();
    let text = |s: String| Some(s.into_bytes());
    headers
        .add(
            HEADER_ERRORS_EXCEPTION_NAME,
            text(exception_name(error).to_owned()),
        )
        .add(
            HEADER_ERRORS_EXCEPTION_MESSAGE_NAME,
            text(error.to_string()),
        )
        .add(HEADER_ERRORS_STACKTRACE_NAME, text(chain(error)))
        .add(HEADER_ERRORS_TOPIC_NAME, text(context.topic.to_owned()))
        .add(
            HEADER_ERRORS_PARTITION_NAME,
            text(context.partition.to_string()),
        )
        .add(HEADER_ERRORS_OFFSET_NAME, text(context.offset.to_string()));
    ProducedRecord {
        topic: topic.into(),
        partition: None,
        key: context.source_raw_key.map(<[u8]>::to_vec),
        value: context.source_raw_value.map(<[u8]>::to_vec),
        timestamp: context.timestamp,
        headers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processor::TaskId;

    #[test]
    fn dead_letter_record_keeps_bytes_and_names_the_error() {
        let mut original = Headers::new();
        original.add("trace", Some(b"t1".to_vec()));
        let context = ErrorHandlerContext {
            topic: "orders",
            partition: 3,
            offset: 42,
            timestamp: 1_000,
            headers: &original,
            processor_node_id: "KSTREAM-SOURCE-0000000000",
            task_id: TaskId {
                subtopology: 0,
                partition: 3,
            },
            source_raw_key: Some(b"k"),
            source_raw_value: Some(b"{not json"),
        };
        let error = Error::Processing {
            node: "n".into(),
            message: "boom".into(),
        };
        let record = dead_letter_record("dlq", &context, &error);
        assert_eq!(
            (&*record.topic, record.partition, record.timestamp),
            ("dlq", None, 1_000)
        );
        assert_eq!(record.key.as_deref(), Some(&b"k"[..]));
        assert_eq!(record.value.as_deref(), Some(&b"{not json"[..]));
        let header = |k: &str| {
            record
                .headers
                .last(k)
                .flatten()
                .map(|v| String::from_utf8_lossy(v).into_owned())
        };
        assert_eq!(header("trace").as_deref(), Some("t1"));
        assert_eq!(
            header(HEADER_ERRORS_EXCEPTION_NAME).as_deref(),
            Some("kstreams::Error::Processing")
        );
        assert_eq!(
            header(HEADER_ERRORS_EXCEPTION_MESSAGE_NAME).as_deref(),
            Some("processing error in `n`: boom")
        );
        assert_eq!(header(HEADER_ERRORS_TOPIC_NAME).as_deref(), Some("orders"));
        assert_eq!(header(HEADER_ERRORS_PARTITION_NAME).as_deref(), Some("3"));
        assert_eq!(header(HEADER_ERRORS_OFFSET_NAME).as_deref(), Some("42"));
    }
}
