//! [`ClientMetrics`]: the client-level metrics of a `KafkaStreams`
//! instance (Java's `ClientMetrics`, group `stream-metrics`, tag
//! `client-id` = `<application.id>-<process id>`), set by the client as
//! its state and its threads change.

use std::sync::Arc;

use super::registry::{StreamsMetrics, Tags};
use super::sensor::{Gauge, Sensor};
use super::specs::*;
use super::RecordingLevel;

/// The client's gauges and sensors.
#[derive(Debug)]
pub(crate) struct ClientMetrics {
    state: Option<Arc<Gauge>>,
    alive_threads: Option<Arc<Gauge>>,
    failed_threads: Option<Arc<Sensor>>,
}

impl ClientMetrics {
    pub(crate) fn new(registry: &StreamsMetrics, client_id: &str) -> ClientMetrics {
        let tags: Tags = [(CLIENT_ID_TAG.to_owned(), client_id.to_owned())].into();
        ClientMetrics {
            state: registry.gauge(
                RecordingLevel::Info,
                CLIENT_GROUP,
                CLIENT_STATE,
                "The state of the Kafka Streams client, as the ordinal of its state (CREATED 0, REBALANCING 1, RUNNING 2, PENDING_SHUTDOWN 3, NOT_RUNNING 4, PENDING_ERROR 5, ERROR 6)",
                &tags,
            ),
            alive_threads: registry.gauge(
                RecordingLevel::Info,
                CLIENT_GROUP,
                ALIVE_STREAM_THREADS,
                "The current number of alive stream threads that are running or participating in rebalance",
                &tags,
            ),
            failed_threads: registry.sensor(&CLIENT_FAILED_THREADS, &tags),
        }
    }

    /// The client moved to the state with this ordinal.
    pub(crate) fn set_state(&self, ordinal: u8) {
        if let Some(g) = &self.state {
            g.set(f64::from(ordinal));
        }
    }

    /// `alive` threads are running or rebalancing.
    pub(crate) fn set_alive_threads(&self, alive: usize) {
        if let Some(g) = &self.alive_threads {
            g.set(alive as f64);
        }
    }

    /// A stream thread failed.
    pub(crate) fn record_failed_thread(&self) {
        if let Some(s) = &self.failed_threads {
            s.record(0);
        }
    }
}
