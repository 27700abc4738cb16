//! The restore consumer: reads changelog partitions (read_committed, no
//! consumer group) from a given offset to their end, one partition at a
//! time and a bounded batch per call, as Kafka Streams'
//! `StoreChangelogReader` does with its restore consumer. Never blocks
//! longer than its caller allows: the stream thread restores between
//! polls of its main consumer (see `runtime::state_updater`).
//!
//! "The end" is where the consumer reports partition EOF: under
//! read_committed that is the last stable offset, so records of aborted or
//! still open transactions are never restored.

use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use super::client_config::groupless_consumer_config;
use crate::config::StreamsConfig;
use crate::{Error, Result};

const METADATA_TIMEOUT: Duration = Duration::from_secs(30);
/// `fetch.wait.max.ms` of the restore consumer: how long the broker holds
/// an empty fetch, i.e. how long reaching a partition's end takes to notice.
const RESTORE_FETCH_WAIT_MS: &str = "10";

/// One changelog record read for restoration.
#[derive(Debug)]
pub(crate) struct RestoredRecord {
    pub(crate) offset: i64,
    pub(crate) key: Vec<u8>,
    pub(crate) value: Option<Vec<u8>>,
}

/// Reaching a partition's end is expected here, not an error to log.
struct RestoreContext;

impl ClientContext for RestoreContext {
    fn error(&self, error: KafkaError, reason: &str) {
        if !matches!(error, KafkaError::PartitionEOF(_)) {
            tracing::warn!(error = %error, reason, "restore consumer error");
        }
    }
}

impl ConsumerContext for RestoreContext {}

/// The restore consumer of one stream thread.
pub(crate) struct RestoreConsumer {
    consumer: BaseConsumer<RestoreContext>,
}

impl RestoreConsumer {
    /// A group-less read_committed consumer with the application's client settings.
    pub(crate) fn new(config: &StreamsConfig, client_id: &str) -> Result<Self> {
        let mut cc = groupless_consumer_config(config, client_id, "restore", true);
        cc.set("enable.partition.eof", "true");
        // The end of a changelog partition is known only when a fetch comes
        // back empty at the last stable offset; with the default wait
        // (500 ms) every restored partition would end with that long idle.
        cc.set("fetch.wait.max.ms", RESTORE_FETCH_WAIT_MS);
        let consumer: BaseConsumer<RestoreContext> = cc
            .create_with_context(RestoreContext)
            .map_err(|e| Error::kafka("creating the restore consumer", e))?;
        Ok(RestoreConsumer { consumer })
    }

    /// (log start, high watermark) of a changelog partition.
    pub(crate) fn watermarks(&self, topic: &str, partition: i32) -> Result<(i64, i64)> {
        self.consumer
            .fetch_watermarks(topic, partition, METADATA_TIMEOUT)
            .map_err(|e| {
                Error::kafka(
                    format!("fetching the offsets of changelog `{topic}` partition {partition}"),
                    e,
                )
            })
    }

    /// Starts reading changelog `topic` `partition` from `start` (`None`:
    /// the log start), replacing whatever was assigned: one partition at a
    /// time, so that reaching the end (`PartitionEOF`, which names no
    /// topic) is unambiguous.
    pub(crate) fn assign_one(&self, topic: &str, partition: i32, start: Option<i64>) -> Result<()> {
        let context = || format!("restoring from changelog `{topic}` partition {partition}");
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(
            topic,
            partition,
            start.map_or(Offset::Beginning, Offset::Offset),
        )
        .map_err(|e| Error::kafka(context(), e))?;
        self.consumer
            .assign(&tpl)
            .map_err(|e| Error::kafka(context(), e))
    }

    /// Stops reading (the restored partition is done, or its task went away).
    pub(crate) fn unassign(&self) {
        if let Err(e) = self.consumer.unassign() {
            tracing::debug!(error = %e, "unassigning the restore consumer failed");
        }
    }

    /// Reads the partition assigned by [`Self::assign_one`]: appends at
    /// most `max` records to `batch`, waiting at most `max_wait` in all
    /// (records already fetched are taken without waiting). Returns whether
    /// the partition's end was reached; `context` names the partition in
    /// errors.
    pub(crate) fn poll_batch(
        &self,
        context: &str,
        max: usize,
        max_wait: Duration,
        batch: &mut Vec<RestoredRecord>,
    ) -> Result<bool> {
        let deadline = Instant::now() + max_wait;
        let mut taken = 0;
        while taken < max {
            let wait = deadline.saturating_duration_since(Instant::now());
            match self.consumer.poll(wait) {
                None => return Ok(false),
                // Under read_committed: the last stable offset.
                Some(Err(KafkaError::PartitionEOF(_))) => return Ok(true),
                Some(Err(e)) => return Err(Error::kafka(context.to_owned(), e)),
                Some(Ok(m)) => {
                    taken += 1;
                    let Some(key) = m.key() else { continue };
                    batch.push(RestoredRecord {
                        offset: m.offset(),
                        key: key.to_vec(),
                        value: m.payload().map(<[u8]>::to_vec),
                    });
                }
            }
        }
        Ok(false)
    }
}
