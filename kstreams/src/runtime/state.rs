//! The lifecycle of a `KafkaStreams` client and of its stream threads.
//!
//! Client states and their valid transitions are Kafka Streams' own:
//!
//! ```text
//! CREATED ──start──▶ REBALANCING ◀──▶ RUNNING
//!    │                  │  │             │  │
//!    │                  │  └──────┬──────┘  │
//!    ▼                  ▼         ▼         ▼
//! PENDING_SHUTDOWN ◀────┴─── PENDING_ERROR ─▶ ERROR
//!    │
//!    ▼
//! NOT_RUNNING
//! ```
//!
//! (`RUNNING → RUNNING` is allowed, as in Kafka Streams.) The client state is
//! derived from the stream threads' states: any thread between revocation
//! and its first loop on the new assignment makes the client REBALANCING;
//! all live threads RUNNING make it RUNNING.

use std::fmt;

/// The state of a `KafkaStreams` client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Constructed, not started.
    Created,
    /// Started; some stream thread is joining the group or (re)assigning tasks.
    Rebalancing,
    /// Every stream thread is processing its assigned tasks.
    Running,
    /// `close()` was called; threads are shutting down.
    PendingShutdown,
    /// Closed cleanly.
    NotRunning,
    /// A stream thread failed and the client is shutting down because of it.
    PendingError,
    /// Shut down after a failure.
    Error,
}

impl State {
    /// The position of the state in Java's `KafkaStreams.State` (CREATED 0,
    /// REBALANCING 1, RUNNING 2, PENDING_SHUTDOWN 3, NOT_RUNNING 4,
    /// PENDING_ERROR 5, ERROR 6): the value of the `client-state` metric.
    pub fn ordinal(self) -> u8 {
        self as u8
    }

    /// Whether Kafka Streams allows `self → next`.
    pub fn is_valid_transition(self, next: State) -> bool {
        use State::*;
        matches!(
            (self, next),
            (Created, Rebalancing | PendingShutdown)
                | (Rebalancing, Running | PendingShutdown | PendingError)
                | (
                    Running,
                    Rebalancing | Running | PendingShutdown | PendingError
                )
                | (PendingShutdown, NotRunning)
                | (PendingError, Error)
        )
    }

    /// Whether threads may be running in this state.
    pub fn is_running_or_rebalancing(self) -> bool {
        matches!(self, State::Running | State::Rebalancing)
    }

    /// Kafka Streams' name of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Created => "CREATED",
            State::Rebalancing => "REBALANCING",
            State::Running => "RUNNING",
            State::PendingShutdown => "PENDING_SHUTDOWN",
            State::NotRunning => "NOT_RUNNING",
            State::PendingError => "PENDING_ERROR",
            State::Error => "ERROR",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of one stream thread (Kafka Streams' `StreamThread.State`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ThreadState {
    /// Clients created, joining the group.
    Starting,
    /// Tasks were closed on revocation; waiting for the new assignment.
    PartitionsRevoked,
    /// Tasks were created for the new assignment.
    PartitionsAssigned,
    /// Processing.
    Running,
    /// Shutting down.
    PendingShutdown,
    /// Exited.
    Dead,
}

impl ThreadState {
    /// Whether a thread in this state makes the client REBALANCING.
    pub(crate) fn is_rebalancing(self) -> bool {
        matches!(
            self,
            ThreadState::Starting
                | ThreadState::PartitionsRevoked
                | ThreadState::PartitionsAssigned
        )
    }
}

#[cfg(test)]
mod tests {
    use super::State::*;

    #[test]
    fn transitions_match_kafka_streams() {
        assert!(Created.is_valid_transition(Rebalancing));
        assert!(Rebalancing.is_valid_transition(Running));
        assert!(Running.is_valid_transition(Rebalancing));
        assert!(Running.is_valid_transition(PendingShutdown));
        assert!(PendingShutdown.is_valid_transition(NotRunning));
        assert!(Running.is_valid_transition(PendingError));
        assert!(PendingError.is_valid_transition(Error));
        assert!(!Created.is_valid_transition(Running));
        assert!(!NotRunning.is_valid_transition(Rebalancing));
        assert!(!Error.is_valid_transition(PendingShutdown));
        assert!(!PendingShutdown.is_valid_transition(Running));
    }
}
