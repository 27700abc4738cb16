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
    /// The Kafka cluster was unreachable for longer than `task.timeout.ms`
    /// (a stream thread's error: the uncaught exception handler decides).
    #[error("the Kafka cluster at `{bootstrap}` (bootstrap.servers) has been unreachable for {waited_ms} ms, longer than task.timeout.ms ({task_timeout_ms} ms); last error: {last}. Check that the brokers run and that bootstrap.servers is right, or raise task.timeout.ms to wait longer")]
    BrokerUnreachable {
        /// `bootstrap.servers`.
        bootstrap: String,
        /// How long the thread waited.
        waited_ms: u64,
        /// `task.timeout.ms`.
        task_timeout_ms: u64,
        /// The last error seen, or what the last attempt to reach the cluster said.
        last: String,
    },
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
    /// An interactive query could not read a store (Kafka Streams'
    /// `InvalidStateStoreException` family); see [`InvalidStateStore`] and
    /// [`InvalidStateStore::is_retriable`].
    #[error(transparent)]
    InvalidStateStore(#[from] InvalidStateStore),
    /// Another `KafkaStreams` instance of the same application, in this
    /// process or another, holds the lock on this state directory (Kafka
    /// Streams' "multiple instances ... running in the same state
    /// directory"). Two instances sharing one directory would corrupt each
    /// other's stores and share a process id, hence transactional ids.
    #[error("the state directory {} is locked by another KafkaStreams instance of this application (in this process or another); instances cannot share one: give each instance its own `state.dir`", dir.display())]
    StateDirLocked {
        /// The application's state directory, `<state.dir>/<application.id>`.
        dir: std::path::PathBuf,
    },
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

/// Why an interactive query cannot read a store now, as Kafka Streams'
/// `InvalidStateStoreException` and its subclasses.
///
/// [`is_retriable`](Self::is_retriable) tells a caller whether asking again
/// later (after a rebalance or a restoration) can succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidStateStore {
    /// No store of that name is in the topology (Java's
    /// `UnknownStateStoreException`).
    #[error("cannot get state store `{store}`: no such store is registered in the topology (stores: {})", known.join(", "))]
    UnknownStore {
        /// The name asked for.
        store: String,
        /// The stores the topology has, sorted.
        known: Vec<String>,
    },
    /// The store exists with another kind or other serdes than the query
    /// type asked for.
    #[error("cannot get state store `{store}`: the query asked for {requested}, but the store is {actual}; query it with the kind and serdes it was declared with")]
    WrongType {
        /// The store's name.
        store: String,
        /// What the query asked for (kind and serdes).
        requested: String,
        /// What the store is (kind and serdes).
        actual: String,
    },
    /// `KafkaStreams::start` was not called yet (Java's
    /// `StreamsNotStartedException`).
    #[error("cannot get state store `{store}`: the KafkaStreams instance is CREATED; call start() first")]
    NotStarted {
        /// The store's name.
        store: String,
    },
    /// The instance is rebalancing, or the store's local copies are still
    /// restoring or have moved to another instance (Java's
    /// `InvalidStateStoreException` / `StateStoreMigratedException`):
    /// retry, use `StoreQueryParameters::enable_stale_stores` to read
    /// restoring copies, or ask `query_metadata_for_key` where the key lives.
    #[error("cannot get state store `{store}` now: {reason}; retry later")]
    Unavailable {
        /// The store's name.
        store: String,
        /// What is going on (instance state, restoration, migration).
        reason: String,
    },
    /// The instance is shutting down or stopped (Java's
    /// `StateStoreNotAvailableException`): retrying this instance won't help.
    #[error("cannot get state store `{store}`: the KafkaStreams instance is {state}; it will not serve queries again")]
    NotRunning {
        /// The store's name.
        store: String,
        /// The instance state (`PENDING_SHUTDOWN`, `NOT_RUNNING`, `ERROR`, ...).
        state: String,
    },
    /// The query asked for a partition this instance doesn't host (Java's
    /// `InvalidStateStorePartitionException`).
    #[error("cannot get state store `{store}` for partition {partition}: this instance does not host that partition now")]
    PartitionNotHosted {
        /// The store's name.
        store: String,
        /// The partition asked for.
        partition: i32,
    },
}

impl InvalidStateStore {
    /// Whether the same query may succeed later on this instance (after the
    /// rebalance or restoration in progress): true for
    /// [`Unavailable`](Self::Unavailable) and
    /// [`PartitionNotHosted`](Self::PartitionNotHosted) only.
    pub fn is_retriable(&self) -> bool {
        matches!(
            self,
            InvalidStateStore::Unavailable { .. } | InvalidStateStore::PartitionNotHosted { .. }
        )
    }

    /// The store the query named.
    pub fn store(&self) -> &str {
        match self {
            InvalidStateStore::UnknownStore { store, .. }
            | InvalidStateStore::WrongType { store, .. }
            | InvalidStateStore::NotStarted { store }
            | InvalidStateStore::Unavailable { store, .. }
            | InvalidStateStore::NotRunning { store, .. }
            | InvalidStateStore::PartitionNotHosted { store, .. } => store,
        }
    }
}
