//! The restore consumer: reads changelog partitions (read_committed, no
//! consumer group) from a given offset to their end, in batches, as Kafka
//! Streams' `StoreChangelogReader` does with its restore consumer.
//!
//! "The end" is where the consumer reports partition EOF: under
//! read_committed that is the last stable offset, so records of aborted or
//! still open transactions are never restored.

use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use super::client_config::FETCH_QUEUE_BACKOFF_MS;
use crate::config::StreamsConfig;
use crate::{Error, Result};

/// How long restoring one task may go without progress before it fails.
const RESTORE_STALL_TIMEOUT: Duration = Duration::from_secs(120);
/// Records applied per batch (one RocksDB `WriteBatch`).
pub(crate) const RESTORE_BATCH: usize = 10_000;
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

/// A partition to restore: topic, partition, first offset (`None`: the
/// log start).
pub(crate) type RestoreTarget = (String, i32, Option<i64>);

/// Receives each restored batch: (topic, partition, records).
pub(crate) type BatchSink<'a> = &'a mut dyn FnMut(&str, i32, &[RestoredRecord]) -> Result<()>;

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
        let mut cc = ClientConfig::new();
        cc.set("bootstrap.servers", config.get_bootstrap_servers());
        for (key, value) in config.client_settings(crate::config::ClientKind::Consumer) {
            cc.set(key, value);
        }
        cc.set("client.id", client_id);
        cc.set("group.id", format!("{}-restore", config.application_id()));
        cc.set("enable.auto.commit", "false");
        cc.set("enable.partition.eof", "true");
        cc.set("isolation.level", "read_committed");
        cc.set("auto.offset.reset", "earliest");
        // The end of a changelog partition is known only when a fetch comes
        // back empty at the last stable offset; with the default wait
        // (500 ms) every restored partition would end with that long idle.
        cc.set("fetch.wait.max.ms", RESTORE_FETCH_WAIT_MS);
        // As the main consumer (see `client_config`): with librdkafka's
        // default (1000 ms) a restore idles for most of a second every time
        // it has drained a full 100 000-record local queue.
        if cc.get("fetch.queue.backoff.ms").is_none() {
            cc.set("fetch.queue.backoff.ms", FETCH_QUEUE_BACKOFF_MS);
        }
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

    /// Reads every target, one partition after the other, from its start
    /// offset to its end, handing batches of at most [`RESTORE_BATCH`]
    /// records to `apply(topic, partition, batch)`.
    pub(crate) fn restore(&self, targets: &[RestoreTarget], apply: BatchSink<'_>) -> Result<()> {
        for (topic, partition, start) in targets {
            let result = self.restore_one(topic, *partition, *start, apply);
            let _ = self.consumer.unassign();
            result?;
        }
        Ok(())
    }

    fn restore_one(
        &self,
        topic: &str,
        partition: i32,
        start: Option<i64>,
        apply: BatchSink<'_>,
    ) -> Result<()> {
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
            .map_err(|e| Error::kafka(context(), e))?;
        let mut batch: Vec<RestoredRecord> = Vec::with_capacity(1024);
        let mut last_progress = Instant::now();
        loop {
            match self.consumer.poll(Duration::from_millis(100)) {
                None if last_progress.elapsed() > RESTORE_STALL_TIMEOUT => {
                    return Err(Error::IllegalState(format!(
                        "{} made no progress for {} s; is the broker reachable?",
                        context(),
                        RESTORE_STALL_TIMEOUT.as_secs()
                    )));
                }
                None => {}
                // Under read_committed: the last stable offset.
                Some(Err(KafkaError::PartitionEOF(_))) => break,
                Some(Err(e)) => return Err(Error::kafka(context(), e)),
                Some(Ok(m)) => {
                    last_progress = Instant::now();
                    let Some(key) = m.key() else { continue };
                    batch.push(RestoredRecord {
                        offset: m.offset(),
                        key: key.to_vec(),
                        value: m.payload().map(<[u8]>::to_vec),
                    });
                    if batch.len() >= RESTORE_BATCH {
                        apply(topic, partition, &batch)?;
                        batch.clear();
                    }
                }
            }
        }
        if !batch.is_empty() {
            apply(topic, partition, &batch)?;
        }
        Ok(())
    }
}
