//! The global consumer: reads every partition of the global topics, with
//! no consumer group and no committed offsets (the global thread
//! checkpoints its own), as Kafka Streams' global consumer.
//!
//! Partition ends are reported (`enable.partition.eof`) so the global
//! thread knows when its bootstrap has reached the end of every partition:
//! under read_committed that end is the last stable offset. rdkafka
//! reports an end with its partition number only, so there is one
//! consumer per global topic.

use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use super::client_config::groupless_consumer_config;
use crate::config::StreamsConfig;
use crate::processor::ConsumedRecord;
use crate::{Error, Result};

/// What one poll of the global consumer returned.
#[derive(Debug)]
pub(crate) enum GlobalPoll {
    /// A record of a global topic.
    Record(ConsumedRecord),
    /// The consumer reached the end of (topic, partition).
    End(String, i32),
    /// Nothing within the timeout.
    Idle,
}

/// Reaching a partition's end is expected here, not an error to log.
struct GlobalContext;

impl ClientContext for GlobalContext {
    fn error(&self, error: KafkaError, reason: &str) {
        if !matches!(error, KafkaError::PartitionEOF(_)) {
            tracing::warn!(error = %error, reason, "global consumer error");
        }
    }
}

impl ConsumerContext for GlobalContext {}

/// The consumer of the global thread.
pub(crate) struct GlobalConsumer {
    consumer: BaseConsumer<GlobalContext>,
    topic: String,
}

impl GlobalConsumer {
    /// A group-less consumer of `topic` with the application's client
    /// settings; `read_committed` under exactly-once.
    pub(crate) fn new(
        config: &StreamsConfig,
        client_id: &str,
        topic: &str,
        read_committed: bool,
    ) -> Result<Self> {
        // Java: a global table always reads from the earliest offset.
        let mut cc = groupless_consumer_config(config, client_id, "global", read_committed);
        cc.set("enable.partition.eof", "true");
        let consumer: BaseConsumer<GlobalContext> = cc
            .create_with_context(GlobalContext)
            .map_err(|e| Error::kafka("creating the global consumer", e))?;
        Ok(GlobalConsumer {
            consumer,
            topic: topic.to_owned(),
        })
    }

    /// Assigns (partition, start offset; `None`: the log start) of the topic.
    pub(crate) fn assign(&self, partitions: &[(i32, Option<i64>)]) -> Result<()> {
        let context = || {
            format!(
                "assigning global topic `{}` to the global consumer",
                self.topic
            )
        };
        let mut tpl = TopicPartitionList::new();
        for (partition, start) in partitions {
            tpl.add_partition_offset(
                &self.topic,
                *partition,
                start.map_or(Offset::Beginning, Offset::Offset),
            )
            .map_err(|e| Error::kafka(context(), e))?;
        }
        self.consumer
            .assign(&tpl)
            .map_err(|e| Error::kafka(context(), e))
    }

    /// Polls once.
    pub(crate) fn poll(&self, timeout: Duration) -> Result<GlobalPoll> {
        let message = match self.consumer.poll(timeout) {
            None => return Ok(GlobalPoll::Idle),
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                return Ok(GlobalPoll::End(self.topic.clone(), partition))
            }
            Some(Err(e)) => {
                return Err(super::classify(
                    format!("polling global topic `{}`", self.topic),
                    e,
                ))
            }
            Some(Ok(m)) => m,
        };
        let headers = super::consumer::headers_of(&message);
        Ok(GlobalPoll::Record(ConsumedRecord {
            topic: message.topic().into(),
            partition: message.partition(),
            offset: message.offset(),
            timestamp: message.timestamp().to_millis().unwrap_or(-1),
            key: message.key().map(<[u8]>::to_vec),
            value: message.payload().map(<[u8]>::to_vec),
            headers,
        }))
    }
}
