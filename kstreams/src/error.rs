//! The one error type of the runtime crate.
//!
//! Messages say what went wrong *and* what to do about it.

use kstreams_serde::SerdeError;

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in kstreams.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid; the message names the setting.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The topology is invalid (found when it was built or started).
    #[error("invalid topology: {0}")]
    Topology(String),
    /// A key or value could not be (de)serialized.
    #[error("serialization error on topic `{topic}`: {source}")]
    Serde {
        /// The topic the record came from or was going to.
        topic: String,
        /// The serde's error.
        #[source]
        source: SerdeError,
    },
    /// The Kafka client reported an error.
    #[error("Kafka error during {context}: {source}")]
    Kafka {
        /// What kstreams was doing.
        context: String,
        /// The client's error.
        #[source]
        source: rdkafka::error::KafkaError,
    },
    /// This instance's transactional producer was fenced by a newer one
    /// (a zombie instance); its tasks must be closed and rejoined.
    #[error("producer fenced during {0}: another instance took over these tasks")]
    ProducerFenced(String),
    /// A topic the topology reads or writes does not exist or has the wrong shape.
    #[error("topic error: {0}")]
    Topic(String),
    /// A local state store failed.
    #[error("state store `{store}`: {message}")]
    State {
        /// The store's name.
        store: String,
        /// What happened.
        message: String,
    },
    /// A user processor failed.
    #[error("processing error in `{node}`: {message}")]
    Processing {
        /// The node that failed.
        node: String,
        /// What happened.
        message: String,
    },
    /// A record could not be deserialized, processed or produced, and the
    /// configured exception handler (`config_key`) answered FAIL. No offset
    /// past this record is committed: after a fix, the application re-reads it.
    #[error("{stage} failed for the record at topic `{topic}` partition {partition} offset {offset}, and `{config_key}` answered FAIL; no offset past this record is committed (set `{config_key}` to continue past bad records, and `errors.dead.letter.queue.topic.name` to keep them): {source}")]
    HandlerFailed {
        /// `deserialization`, `processing` or `production`.
        stage: &'static str,
        /// The setting naming the handler that answered FAIL.
        config_key: &'static str,
        /// The (resolved) source topic of the record.
        topic: String,
        /// Its partition.
        partition: i32,
        /// Its offset.
        offset: i64,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },
    /// The operation is not valid in the application's current state.
    #[error("illegal state: {0}")]
    IllegalState(String),
    /// A local I/O error (state directory, checkpoint files).
    #[error("I/O error during {context}: {source}")]
    Io {
        /// What kstreams was doing.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Wraps a Kafka client error with what kstreams was doing.
    pub(crate) fn kafka(context: impl Into<String>, source: rdkafka::error::KafkaError) -> Self {
        Error::Kafka {
            context: context.into(),
            source,
        }
    }

    /// Wraps an I/O error with what kstreams was doing.
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}
