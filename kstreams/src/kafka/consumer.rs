//! The main consumer of a stream thread.
//!
//! A thin wrapper over rdkafka's `BaseConsumer` that speaks kstreams' types
//! ([`ConsumedRecord`], `(topic, partition, offset)` triples) so that the
//! runtime never sees rdkafka.
//!
//! Rebalances: librdkafka runs the rebalance callback *inside* `poll`, on
//! the polling thread. The [`RebalanceListener`] is called there, with a
//! [`ConsumerHandle`] to commit through, before partitions are revoked and
//! after they are assigned. Whatever the listener touches must therefore not
//! be locked by the caller of [`StreamsConsumer::poll`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, FromClientConfigAndContext, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, ConsumerGroupMetadata, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers as _, Message};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

use super::{classify, log_librdkafka};
use crate::processor::Headers;
use crate::runtime::task::ConsumedRecord;
use crate::{Error, Result};

/// A topic partition, by name and number.
pub(crate) type TopicPartition = (String, i32);

/// Told about partition assignment changes, from inside `poll`.
pub(crate) trait RebalanceListener: Send + Sync + 'static {
    /// Partitions are about to be taken away. `lost` is true when the group
    /// already gave them to someone else (session expired): commit nothing.
    fn on_partitions_revoked(&self, consumer: ConsumerHandle<'_>, partitions: &[TopicPartition], lost: bool);
    /// Partitions were assigned (the full new assignment: range is eager).
    fn on_partitions_assigned(&self, consumer: ConsumerHandle<'_>, partitions: &[TopicPartition]);
}

/// rdkafka context: forwards rebalances to the listener, logs to `tracing`.
pub(crate) struct StreamsConsumerContext {
    listener: Arc<dyn RebalanceListener>,
}

impl ClientContext for StreamsConsumerContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        log_librdkafka("consumer", level, fac, message);
    }
    fn error(&self, error: KafkaError, reason: &str) {
        tracing::warn!(%error, reason, "consumer client error");
    }
}

impl ConsumerContext for StreamsConsumerContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Revoke(tpl) => {
                let lost = consumer.assignment_lost();
                self.listener.on_partitions_revoked(ConsumerHandle(consumer), &partitions_of(tpl), lost);
            }
            Rebalance::Assign(_) => {}
            Rebalance::Error(e) => tracing::error!(error = %e, "rebalance failed"),
        }
    }
    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(tpl) = rebalance {
            self.listener.on_partitions_assigned(ConsumerHandle(consumer), &partitions_of(tpl));
        }
    }
}

fn partitions_of(tpl: &TopicPartitionList) -> Vec<TopicPartition> {
    tpl.elements().iter().map(|e| (e.topic().to_owned(), e.partition())).collect()
}

fn tpl_of(partitions: &[TopicPartition]) -> TopicPartitionList {
    let mut tpl = TopicPartitionList::with_capacity(partitions.len());
    for (topic, partition) in partitions {
        tpl.add_partition(topic, *partition);
    }
    tpl
}

/// Builds the offset list to commit; fails on an offset out of range.
pub(crate) fn offsets_tpl(offsets: &[(String, i32, i64)]) -> Result<TopicPartitionList> {
    let mut tpl = TopicPartitionList::with_capacity(offsets.len());
    for (topic, partition, offset) in offsets {
        tpl.add_partition_offset(topic, *partition, Offset::Offset(*offset))
            .map_err(|e| Error::kafka(format!("building the offsets to commit for {topic}-{partition}"), e))?;
    }
    Ok(tpl)
}

/// The consumer group's metadata, for `send_offsets_to_transaction`.
pub(crate) struct GroupMetadata(pub(super) ConsumerGroupMetadata);

/// The consumer, as seen from inside a rebalance callback or from its owner.
#[derive(Clone, Copy)]
pub(crate) struct ConsumerHandle<'a>(&'a BaseConsumer<StreamsConsumerContext>);

impl ConsumerHandle<'_> {
    /// Commits offsets synchronously (at-least-once).
    pub(crate) fn commit_sync(&self, offsets: &[(String, i32, i64)]) -> Result<()> {
        if offsets.is_empty() {
            return Ok(());
        }
        let tpl = offsets_tpl(offsets)?;
        self.0.commit(&tpl, CommitMode::Sync).map_err(|e| classify("committing offsets", e))
    }

    /// The group's current generation and member id (exactly-once).
    pub(crate) fn group_metadata(&self) -> Result<GroupMetadata> {
        self.0
            .group_metadata()
            .map(GroupMetadata)
            .ok_or_else(|| Error::IllegalState("the consumer has no group metadata (not in a group)".into()))
    }
}

/// The main consumer of a stream thread.
pub(crate) struct StreamsConsumer {
    consumer: BaseConsumer<StreamsConsumerContext>,
    /// Interned topic names, so records share one allocation per topic.
    topics: HashMap<String, Arc<str>>,
}

impl StreamsConsumer {
    /// Creates the consumer and subscribes to `topics`.
    pub(crate) fn new(config: &ClientConfig, listener: Arc<dyn RebalanceListener>, topics: &[String]) -> Result<Self> {
        let context = StreamsConsumerContext { listener };
        let consumer = BaseConsumer::from_config_and_context(config, context)
            .map_err(|e| Error::kafka("creating the consumer", e))?;
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer.subscribe(&names).map_err(|e| Error::kafka("subscribing to the source topics", e))?;
        Ok(StreamsConsumer { consumer, topics: HashMap::new() })
    }

    /// A handle for commits and group metadata.
    pub(crate) fn handle(&self) -> ConsumerHandle<'_> {
        ConsumerHandle(&self.consumer)
    }

    /// Polls for at most `timeout`; rebalance callbacks run in here.
    /// `Ok(None)`: nothing arrived (or only an event was served).
    pub(crate) fn poll(&mut self, timeout: Duration) -> Result<Option<ConsumedRecord>> {
        let message = match self.consumer.poll(timeout) {
            None => return Ok(None),
            Some(Err(e)) => return Err(classify("polling the consumer", e)),
            Some(Ok(m)) => m,
        };
        let topic = match self.topics.get(message.topic()) {
            Some(t) => t.clone(),
            None => {
                let t: Arc<str> = Arc::from(message.topic());
                self.topics.insert(message.topic().to_owned(), t.clone());
                t
            }
        };
        let headers = match message.headers() {
            None => Headers::default(),
            Some(hs) => Headers(hs.iter().map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec))).collect()),
        };
        Ok(Some(ConsumedRecord {
            topic,
            partition: message.partition(),
            offset: message.offset(),
            timestamp: message.timestamp().to_millis().unwrap_or(-1),
            key: message.key().map(<[u8]>::to_vec),
            value: message.payload().map(<[u8]>::to_vec),
            headers,
        }))
    }

    /// Stops fetching from these partitions (back-pressure).
    pub(crate) fn pause(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.consumer.pause(&tpl_of(partitions)).map_err(|e| Error::kafka("pausing partitions", e))
    }

    /// Resumes fetching from these partitions.
    pub(crate) fn resume(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.consumer.resume(&tpl_of(partitions)).map_err(|e| Error::kafka("resuming partitions", e))
    }
}
