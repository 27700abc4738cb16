//! [`Unreachable`]: how long a stream thread has been kept from the Kafka
//! cluster, the clock behind `task.timeout.ms` (Kafka Streams' KIP-572
//! task timeout, kept per stream thread).
//!
//! The clock starts when librdkafka reports every broker connection down
//! (the main consumer's error callback) or when the thread starts over
//! after a Kafka error; it stops when the cluster answers again: a record
//! arrives, partitions are assigned, or a statistics report shows a broker
//! `UP`. Once it has run longer than the bound, the consumer asks for the
//! cluster's metadata once more and, if that fails too, returns
//! [`Error::BrokerUnreachable`], which the stream thread hands to the
//! uncaught exception handler instead of retrying forever.
//!
//! It never decides anything by itself: it keeps one timestamp, shared by
//! the consumer's callbacks and the thread, and lives as long as the thread
//! (across its restarts).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::Error;

/// One stream thread's clock of unreachability.
#[derive(Debug)]
pub(crate) struct Unreachable {
    bootstrap: String,
    bound: Duration,
    base: Instant,
    /// Milliseconds after `base` at which the clock started, plus one;
    /// 0 while the cluster is reachable.
    since: AtomicU64,
}

impl Unreachable {
    /// A stopped clock for the cluster at `bootstrap` with `task.timeout.ms` = `bound`.
    pub(crate) fn new(bootstrap: &str, bound: Duration) -> Unreachable {
        Unreachable {
            bootstrap: bootstrap.to_owned(),
            bound,
            base: Instant::now(),
            since: AtomicU64::new(0),
        }
    }

    /// The cluster did not answer: starts the clock unless it runs.
    pub(crate) fn blocked(&self) {
        let now = self.base.elapsed().as_millis() as u64 + 1;
        let _ = self
            .since
            .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The cluster answered: stops the clock.
    pub(crate) fn reached(&self) {
        self.since.store(0, Ordering::Relaxed);
    }

    /// How long the cluster has been unreachable, once that is longer than the bound.
    pub(crate) fn exceeded(&self) -> Option<Duration> {
        let since = self.since.load(Ordering::Relaxed);
        if since == 0 {
            return None;
        }
        let waited = self
            .base
            .elapsed()
            .saturating_sub(Duration::from_millis(since - 1));
        (waited > self.bound).then_some(waited)
    }

    /// The fatal error after `waited`, with the last thing that failed.
    pub(crate) fn error(&self, waited: Duration, last: impl std::fmt::Display) -> Error {
        Error::BrokerUnreachable {
            bootstrap: self.bootstrap.clone(),
            waited_ms: waited.as_millis() as u64,
            task_timeout_ms: self.bound.as_millis() as u64,
            last: last.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_runs_from_the_first_block_until_the_cluster_answers() {
        let patient = Unreachable::new("b:9092", Duration::from_secs(3600));
        patient.blocked();
        assert_eq!(patient.exceeded(), None, "within the bound");

        let clock = Unreachable::new("b:9092", Duration::ZERO);
        assert_eq!(clock.exceeded(), None, "stopped at first");
        clock.blocked();
        std::thread::sleep(Duration::from_millis(5));
        let first = clock.exceeded().expect("past the bound");
        std::thread::sleep(Duration::from_millis(5));
        clock.blocked(); // does not restart it
        let later = clock.exceeded().expect("still past the bound");
        assert!(
            later >= first + Duration::from_millis(5),
            "{later:?} vs {first:?}"
        );
        let message = clock.error(later, "connection refused").to_string();
        assert!(
            message.contains("`b:9092`") && message.contains("task.timeout.ms (0 ms)"),
            "{message}"
        );
        clock.reached();
        assert_eq!(clock.exceeded(), None, "stopped when the cluster answered");
    }
}
