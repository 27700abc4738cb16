//! Admin operations at start-up: topic metadata and internal topic creation
//! (Kafka Streams' `InternalTopicManager`).
//!
//! Every call is bounded: an unreachable broker becomes a clear error after
//! [`ADMIN_TIMEOUT`], never a hang.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::{ClientConfig, FromClientConfig};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use crate::{Error, Result};

/// Upper bound for one admin request, including reaching the broker.
pub(crate) const ADMIN_TIMEOUT: Duration = Duration::from_secs(15);

/// An internal topic to create: name, partition count, topic configs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InternalTopicSpec {
    pub(crate) name: String,
    pub(crate) partitions: i32,
    pub(crate) configs: Vec<(&'static str, String)>,
}

/// The admin client used by `KafkaStreams` at start-up.
pub(crate) struct StreamsAdmin {
    admin: AdminClient<DefaultClientContext>,
    bootstrap: String,
}

impl StreamsAdmin {
    /// Creates the admin client (no network traffic yet).
    pub(crate) fn new(config: &ClientConfig) -> Result<Self> {
        let admin = AdminClient::from_config(config).map_err(|e| Error::kafka("creating the admin client", e))?;
        let bootstrap = config.get("bootstrap.servers").unwrap_or("?").to_owned();
        Ok(StreamsAdmin { admin, bootstrap })
    }

    /// Partition counts of the named topics that exist (missing ones are absent).
    pub(crate) fn partition_counts(&self, topics: &[String]) -> Result<HashMap<String, i32>> {
        let metadata = self.admin.inner().fetch_metadata(None, ADMIN_TIMEOUT).map_err(|e| self.unreachable(e))?;
        Ok(metadata
            .topics()
            .iter()
            .filter(|t| t.error().is_none() && topics.iter().any(|n| n == t.name()))
            .map(|t| (t.name().to_owned(), t.partitions().len() as i32))
            .collect())
    }

    fn unreachable(&self, e: KafkaError) -> Error {
        Error::kafka(
            format!(
                "fetching cluster metadata from `{}` (waited {} s; is the broker running and `bootstrap.servers` right?)",
                self.bootstrap,
                ADMIN_TIMEOUT.as_secs()
            ),
            e,
        )
    }

    /// Creates internal topics, tolerating ones that already exist with the
    /// right partition count, and waits until their metadata is visible.
    pub(crate) fn create_internal_topics(&self, specs: &[InternalTopicSpec]) -> Result<()> {
        if specs.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
        let existing = self.partition_counts(&names)?;
        let mut to_create = Vec::new();
        for spec in specs {
            match existing.get(&spec.name) {
                Some(n) if *n == spec.partitions => {}
                Some(n) => {
                    return Err(Error::Topic(format!(
                        "internal topic `{}` exists with {n} partitions but the topology needs {}; \
                         delete it (or reset the application) and restart",
                        spec.name, spec.partitions
                    )))
                }
                None => to_create.push(spec),
            }
        }
        let new_topics: Vec<NewTopic<'_>> = to_create
            .iter()
            .map(|s| {
                s.configs.iter().fold(NewTopic::new(&s.name, s.partitions, TopicReplication::Fixed(-1)), |t, (k, v)| {
                    t.set(k, v)
                })
            })
            .collect();
        let options = AdminOptions::new().operation_timeout(Some(ADMIN_TIMEOUT)).request_timeout(Some(ADMIN_TIMEOUT));
        let results = futures_executor::block_on(self.admin.create_topics(&new_topics, &options))
            .map_err(|e| Error::kafka("creating internal topics", e))?;
        for result in results {
            match result {
                Ok(name) => tracing::info!(topic = %name, "created internal topic"),
                Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((name, code)) => {
                    return Err(Error::Topic(format!("could not create internal topic `{name}`: {code}")));
                }
            }
        }
        // Wait until the metadata of every created topic is visible.
        let deadline = Instant::now() + ADMIN_TIMEOUT;
        loop {
            let counts = self.partition_counts(&names)?;
            if specs.iter().all(|s| counts.get(&s.name) == Some(&s.partitions)) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Error::Topic(format!(
                    "internal topics {names:?} were created but are not visible after {} s",
                    ADMIN_TIMEOUT.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
