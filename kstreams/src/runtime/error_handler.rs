//! What happens when a stream thread hits an error it cannot recover from
//! by itself (Kafka Streams' `StreamsUncaughtExceptionHandler`).
//!
//! Errors a thread *can* recover from never reach the handler: a fenced
//! producer, a lost assignment, a failed commit or a Kafka error in the
//! produce path make the thread abort its transaction, close its tasks dirty
//! and rejoin the group. Everything else — a processor failing, a record
//! that doesn't deserialize, a sink topic that doesn't exist — is handed to
//! the handler on the failing thread.

use std::sync::Arc;

use crate::Error;

/// The handler's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamThreadExceptionResponse {
    /// Start over with a fresh stream thread (new consumer and producer) in
    /// place of the failed one; its tasks are re-read from the last commit.
    ReplaceThread,
    /// Shut the whole client down: PENDING_ERROR, then ERROR.
    ShutdownClient,
}

/// The handler type stored by `KafkaStreams`.
pub(crate) type UncaughtExceptionHandler = Arc<dyn Fn(&Error) -> StreamThreadExceptionResponse + Send + Sync>;

/// Whether the stream thread recovers from `error` by itself (closing its
/// tasks dirty and rejoining), rather than asking the handler.
pub(crate) fn is_task_migrated(error: &Error) -> bool {
    matches!(error, Error::ProducerFenced(_) | Error::Kafka { .. })
}
