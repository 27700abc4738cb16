//! The standby consumer: reads the changelog partitions of an instance's
//! standby tasks (read_committed, no consumer group) continuously, as the
//! restore consumer of Kafka Streams' state updater does for standbys.
//!
//! The caller says which partitions to follow and from where
//! ([`StandbyConsumer::follow`]); records come back in batches. It never
//! reaches an "end": a standby follows its changelog for as long as it
//! lives. Under read_committed, records of aborted or still open
//! transactions are never handed out.

use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use super::client_config::groupless_consumer_config;
use super::restore_consumer::RestoredRecord;
use crate::config::StreamsConfig;
use crate::{Error, Result};

/// `fetch.wait.max.ms`: how long the broker holds an empty fetch. Short, so
/// that a standby stays within a fraction of a second of its active.
const STANDBY_FETCH_WAIT_MS: &str = "100";

/// One changelog record for a standby, with its partition.
#[derive(Debug)]
pub(crate) struct StandbyRecord {
    pub(crate) topic: String,
    pub(crate) partition: i32,
    pub(crate) record: RestoredRecord,
}

struct StandbyContext;

impl ClientContext for StandbyContext {
    fn error(&self, error: KafkaError, reason: &str) {
        tracing::warn!(error = %error, reason, "standby consumer error");
    }
}

impl ConsumerContext for StandbyContext {}

/// The standby consumer of one instance.
pub(crate) struct StandbyConsumer {
    consumer: BaseConsumer<StandbyContext>,
}

impl StandbyConsumer {
    /// A group-less read_committed consumer with the application's client settings.
    pub(crate) fn new(config: &StreamsConfig, client_id: &str) -> Result<Self> {
        let mut cc = groupless_consumer_config(config, client_id, "standby", true);
        cc.set("enable.partition.eof", "false");
        cc.set("fetch.wait.max.ms", STANDBY_FETCH_WAIT_MS);
        let consumer: BaseConsumer<StandbyContext> = cc
            .create_with_context(StandbyContext)
            .map_err(|e| Error::kafka("creating the standby consumer", e))?;
        Ok(StandbyConsumer { consumer })
    }

    /// Follows exactly these partitions, each from its given next offset
    /// (`None`: the log start). Partitions left out are no longer read.
    pub(crate) fn follow(&self, partitions: &[(String, i32, Option<i64>)]) -> Result<()> {
        if partitions.is_empty() {
            return self
                .consumer
                .unassign()
                .map_err(|e| Error::kafka("stopping the standby consumer", e));
        }
        let mut tpl = TopicPartitionList::with_capacity(partitions.len());
        for (topic, partition, next) in partitions {
            tpl.add_partition_offset(
                topic,
                *partition,
                next.map_or(Offset::Beginning, Offset::Offset),
            )
            .map_err(|e| {
                Error::kafka(
                    format!("following changelog `{topic}` partition {partition}"),
                    e,
                )
            })?;
        }
        self.consumer
            .assign(&tpl)
            .map_err(|e| Error::kafka("assigning the standby consumer's changelog partitions", e))
    }

    /// Up to `max` records, waiting at most `timeout` for the first one.
    pub(crate) fn poll_batch(&self, timeout: Duration, max: usize) -> Result<Vec<StandbyRecord>> {
        let mut out = Vec::new();
        let deadline = Instant::now() + timeout;
        let mut wait = timeout;
        while out.len() < max {
            match self.consumer.poll(wait) {
                None => break,
                Some(Err(KafkaError::PartitionEOF(_))) => {}
                Some(Err(e)) => {
                    if out.is_empty() {
                        return Err(Error::kafka("reading changelogs for standby tasks", e));
                    }
                    tracing::warn!(error = %e, "standby consumer error");
                    break;
                }
                Some(Ok(m)) => {
                    let Some(key) = m.key() else { continue };
                    out.push(StandbyRecord {
                        topic: m.topic().to_owned(),
                        partition: m.partition(),
                        record: RestoredRecord {
                            offset: m.offset(),
                            key: key.to_vec(),
                            value: m.payload().map(<[u8]>::to_vec),
                        },
                    });
                }
            }
            // Drain what is buffered; wait only for the first record.
            wait = if out.is_empty() {
                deadline.saturating_duration_since(Instant::now())
            } else {
                Duration::ZERO
            };
            if out.is_empty() && wait.is_zero() {
                break;
            }
        }
        Ok(out)
    }
}
