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
//!
//! The consumer also keeps its thread's `task.timeout.ms` clock
//! ([`Unreachable`]) going: its error callback starts it when every broker
//! is down; records, assignments and statistics showing a broker up stop
//! it; `poll` fails with [`Error::BrokerUnreachable`] past the bound.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, FromClientConfigAndContext, RDKafkaLogLevel};
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, ConsumerGroupMetadata, Rebalance,
};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Headers as _, Message};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

use super::unreachable::Unreachable;
use super::{classify, log_librdkafka};
use crate::processor::ConsumedRecord;
use crate::processor::Headers;
use crate::{Error, Result};

/// How long the last metadata request before [`Error::BrokerUnreachable`] may take.
const METADATA_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// A topic partition, by name and number.
pub(crate) type TopicPartition = (String, i32);

/// Told about partition assignment changes, from inside `poll`.
pub(crate) trait RebalanceListener: Send + Sync + 'static {
    /// Partitions are about to be taken away. `lost` is true when the group
    /// already gave them to someone else (session expired): commit nothing.
    fn on_partitions_revoked(
        &self,
        consumer: ConsumerHandle<'_>,
        partitions: &[TopicPartition],
        lost: bool,
    );
    /// Partitions were assigned (the full new assignment: range is eager).
    fn on_partitions_assigned(&self, consumer: ConsumerHandle<'_>, partitions: &[TopicPartition]);
}

/// How far each partition's fetch position is from the end of its log, as
/// the consumer's statistics last said (`statistics.interval.ms`): the
/// "fetched lag" Kafka Streams uses to decide whether an empty partition
/// is caught up (KIP-695) before processing the task's other partitions.
#[derive(Debug, Default)]
pub(crate) struct FetchedLags {
    /// Bumped by every statistics report.
    pub(crate) version: u64,
    /// Partitions whose position and end offset are known.
    pub(crate) lags: HashMap<TopicPartition, i64>,
}

/// How the consumer reads a partition's statistics into a fetched lag.
#[derive(Debug, Clone, Copy)]
struct LagRule {
    /// `isolation.level=read_committed`: the end is the last stable offset.
    read_committed: bool,
    /// `auto.offset.reset=earliest`: a partition without a committed
    /// offset starts at the log start.
    reset_earliest: bool,
}

/// The fetched lag of one partition from its statistics (KIP-695's "fetched
/// lag", as the Java consumer's `currentLag`): records between the
/// application's position and the end of the log (the last stable offset
/// under read_committed, where transaction markers and aborted records sit
/// below it). Records fetched but not yet handed to the application count,
/// because they are below the application's position.
///
/// The position is librdkafka's `app_offset` (after the last record handed
/// over). Before the first record of the partition is handed over it is
/// where the partition starts: the committed offset, or the log start under
/// `auto.offset.reset=earliest`. `fetchq_cnt` can't be used for records in
/// flight: the main consumer forwards every partition's fetch queue to one
/// queue, and librdkafka reports that shared queue's length for each
/// partition (a partition at its end showed 80 000 "queued" records while
/// another one's were waiting). It only says that nothing at all is queued
/// when it is 0. `None` while the position or the end is unknown.
fn fetched_lag(p: &rdkafka::statistics::Partition, rule: LagRule) -> Option<i64> {
    let end = if rule.read_committed {
        p.ls_offset
    } else {
        p.hi_offset
    };
    if end < 0 || p.fetch_state != "active" {
        return None;
    }
    let position = if p.app_offset >= 0 {
        p.app_offset
    } else if p.committed_offset >= 0 {
        p.committed_offset
    } else if rule.reset_earliest && p.lo_offset >= 0 {
        p.lo_offset
    } else if p.fetchq_cnt == 0 && p.next_offset >= 0 {
        // Nothing is queued for any partition: the fetcher's position is
        // the application's.
        p.next_offset
    } else {
        return None;
    };
    Some((end - position).max(0))
}

/// rdkafka context: forwards rebalances to the listener, logs to `tracing`,
/// keeps the fetched lags from the statistics.
pub(crate) struct StreamsConsumerContext {
    listener: Arc<dyn RebalanceListener>,
    lag_rule: LagRule,
    lags: std::sync::Mutex<FetchedLags>,
    /// Started when every broker is down, stopped when one answers.
    unreachable: Arc<Unreachable>,
}

impl ClientContext for StreamsConsumerContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        log_librdkafka("consumer", level, fac, message);
    }
    fn stats(&self, statistics: rdkafka::Statistics) {
        if statistics.brokers.values().any(|b| b.state == "UP") {
            self.unreachable.reached();
        }
        let mut lags = HashMap::new();
        for (name, topic) in &statistics.topics {
            for (id, p) in &topic.partitions {
                if *id < 0 {
                    continue; // librdkafka's internal "unassigned" partition
                }
                if let Some(lag) = fetched_lag(p, self.lag_rule) {
                    lags.insert((name.clone(), *id), lag);
                }
            }
        }
        let mut shared = self.lags.lock().unwrap_or_else(|p| p.into_inner());
        shared.version += 1;
        shared.lags = lags;
    }
    fn error(&self, error: KafkaError, reason: &str) {
        if error.rdkafka_error_code() == Some(RDKafkaErrorCode::AllBrokersDown) {
            self.unreachable.blocked();
        }
        tracing::warn!(%error, reason, "consumer client error");
    }
}

impl ConsumerContext for StreamsConsumerContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Revoke(tpl) => {
                let lost = consumer.assignment_lost();
                self.listener.on_partitions_revoked(
                    ConsumerHandle(consumer),
                    &partitions_of(tpl),
                    lost,
                );
            }
            Rebalance::Assign(_) => {}
            Rebalance::Error(e) => tracing::error!(error = %e, "rebalance failed"),
        }
    }
    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(tpl) = rebalance {
            self.unreachable.reached();
            self.listener
                .on_partitions_assigned(ConsumerHandle(consumer), &partitions_of(tpl));
        }
    }
}

fn partitions_of(tpl: &TopicPartitionList) -> Vec<TopicPartition> {
    tpl.elements()
        .iter()
        .map(|e| (e.topic().to_owned(), e.partition()))
        .collect()
}

fn tpl_of(partitions: &[TopicPartition]) -> TopicPartitionList {
    let mut tpl = TopicPartitionList::with_capacity(partitions.len());
    for (topic, partition) in partitions {
        tpl.add_partition(topic, *partition);
    }
    tpl
}

/// One input partition's offset to commit, with the metadata string
/// committed alongside (Kafka's `OffsetAndMetadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommitOffset {
    pub(crate) topic: String,
    pub(crate) partition: i32,
    /// The next offset to consume.
    pub(crate) offset: i64,
    pub(crate) metadata: String,
}

/// Builds the offset list to commit; fails on an offset out of range.
pub(crate) fn offsets_tpl(offsets: &[CommitOffset]) -> Result<TopicPartitionList> {
    let mut tpl = TopicPartitionList::with_capacity(offsets.len());
    for c in offsets {
        let built = tpl.add_partition_offset(&c.topic, c.partition, Offset::Offset(c.offset));
        built.map_err(|e| {
            Error::kafka(
                format!(
                    "building the offsets to commit for {}-{}",
                    c.topic, c.partition
                ),
                e,
            )
        })?;
        if let Some(mut elem) = tpl.find_partition(&c.topic, c.partition) {
            elem.set_metadata(&c.metadata);
        }
    }
    Ok(tpl)
}

/// How long fetching the group's committed offsets may take.
const COMMITTED_TIMEOUT: Duration = Duration::from_secs(30);

/// The consumer group's metadata, for `send_offsets_to_transaction`.
pub(crate) struct GroupMetadata(pub(super) ConsumerGroupMetadata);

/// The consumer, as seen from inside a rebalance callback or from its owner.
#[derive(Clone, Copy)]
pub(crate) struct ConsumerHandle<'a>(&'a BaseConsumer<StreamsConsumerContext>);

impl ConsumerHandle<'_> {
    /// Commits offsets synchronously (at-least-once).
    pub(crate) fn commit_sync(&self, offsets: &[CommitOffset]) -> Result<()> {
        if offsets.is_empty() {
            return Ok(());
        }
        let tpl = offsets_tpl(offsets)?;
        self.0
            .commit(&tpl, CommitMode::Sync)
            .map_err(|e| classify("committing offsets", e))
    }

    /// The group's committed offsets of `partitions`, with their metadata
    /// strings; partitions without a committed offset are left out.
    pub(crate) fn committed(&self, partitions: &[TopicPartition]) -> Result<Vec<CommitOffset>> {
        if partitions.is_empty() {
            return Ok(Vec::new());
        }
        let tpl = self
            .0
            .committed_offsets(tpl_of(partitions), COMMITTED_TIMEOUT)
            .map_err(|e| classify("fetching the committed offsets", e))?;
        Ok(tpl
            .elements()
            .iter()
            .filter_map(|e| match e.offset() {
                Offset::Offset(offset) => Some(CommitOffset {
                    topic: e.topic().to_owned(),
                    partition: e.partition(),
                    offset,
                    metadata: e.metadata().to_owned(),
                }),
                _ => None,
            })
            .collect())
    }

    /// Stops fetching from these partitions (back-pressure, restoring tasks).
    pub(crate) fn pause(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.0
            .pause(&tpl_of(partitions))
            .map_err(|e| Error::kafka("pausing partitions", e))
    }

    /// Resumes fetching from these partitions.
    pub(crate) fn resume(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.0
            .resume(&tpl_of(partitions))
            .map_err(|e| Error::kafka("resuming partitions", e))
    }

    /// The group's current generation and member id (exactly-once).
    pub(crate) fn group_metadata(&self) -> Result<GroupMetadata> {
        self.0.group_metadata().map(GroupMetadata).ok_or_else(|| {
            Error::IllegalState("the consumer has no group metadata (not in a group)".into())
        })
    }
}

/// The main consumer of a stream thread.
pub(crate) struct StreamsConsumer {
    consumer: BaseConsumer<StreamsConsumerContext>,
    /// Interned topic names, so records share one allocation per topic.
    topics: HashMap<String, Arc<str>>,
    /// Whether statistics (and so fetched lags) are reported.
    reports_lags: bool,
    /// The thread's `task.timeout.ms` clock (shared with the context).
    unreachable: Arc<Unreachable>,
}

impl StreamsConsumer {
    /// Creates the consumer and subscribes to `topics`; `unreachable` is
    /// the stream thread's `task.timeout.ms` clock.
    pub(crate) fn new(
        config: &ClientConfig,
        listener: Arc<dyn RebalanceListener>,
        topics: &[String],
        unreachable: Arc<Unreachable>,
    ) -> Result<Self> {
        let lag_rule = LagRule {
            read_committed: config.get("isolation.level") == Some("read_committed"),
            // librdkafka's default is `largest`.
            reset_earliest: matches!(
                config.get("auto.offset.reset"),
                Some("earliest" | "smallest" | "beginning")
            ),
        };
        let context = StreamsConsumerContext {
            listener,
            lag_rule,
            lags: Default::default(),
            unreachable: unreachable.clone(),
        };
        let consumer = BaseConsumer::from_config_and_context(config, context)
            .map_err(|e| Error::kafka("creating the consumer", e))?;
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer
            .subscribe(&names)
            .map_err(|e| Error::kafka("subscribing to the source topics", e))?;
        let reports_lags = config
            .get("statistics.interval.ms")
            .is_some_and(|v| v.trim().parse::<u64>().is_ok_and(|ms| ms > 0));
        Ok(StreamsConsumer {
            consumer,
            topics: HashMap::new(),
            reports_lags,
            unreachable,
        })
    }

    /// A handle for commits and group metadata.
    pub(crate) fn handle(&self) -> ConsumerHandle<'_> {
        ConsumerHandle(&self.consumer)
    }

    /// Polls for at most `timeout`; rebalance callbacks run in here.
    /// `Ok(None)`: nothing arrived (or only an event was served).
    /// [`Error::BrokerUnreachable`] once the cluster has been unreachable
    /// for longer than `task.timeout.ms`.
    pub(crate) fn poll(&mut self, timeout: Duration) -> Result<Option<ConsumedRecord>> {
        let message = match self.consumer.poll(timeout) {
            Some(Ok(m)) => {
                self.unreachable.reached();
                m
            }
            other => {
                self.fail_if_unreachable_too_long()?;
                return match other {
                    Some(Err(e)) => Err(classify("polling the consumer", e)),
                    _ => Ok(None),
                };
            }
        };
        let topic = match self.topics.get(message.topic()) {
            Some(t) => t.clone(),
            None => {
                let t: Arc<str> = Arc::from(message.topic());
                self.topics.insert(message.topic().to_owned(), t.clone());
                t
            }
        };
        let headers = headers_of(&message);
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

    /// Past `task.timeout.ms` of unreachability, asks for the cluster's
    /// metadata once more: an answer stops the clock, a failure is the
    /// thread's fatal [`Error::BrokerUnreachable`].
    fn fail_if_unreachable_too_long(&self) -> Result<()> {
        let Some(waited) = self.unreachable.exceeded() else {
            return Ok(());
        };
        let probe = std::time::Instant::now();
        match self.consumer.fetch_metadata(None, METADATA_PROBE_TIMEOUT) {
            Ok(_) => {
                self.unreachable.reached();
                Ok(())
            }
            Err(e) => Err(self.unreachable.error(
                waited + probe.elapsed(),
                format_args!("fetching the cluster's metadata: {e}"),
            )),
        }
    }

    /// Whether [`StreamsConsumer::fetched_lags_since`] ever reports anything
    /// (`statistics.interval.ms` > 0). Without statistics, tasks assume
    /// their empty partitions are caught up.
    pub(crate) fn reports_fetched_lags(&self) -> bool {
        self.reports_lags
    }

    /// The fetched lags of the last statistics report, if it is newer than
    /// `seen` (a version returned before; 0 for none).
    pub(crate) fn fetched_lags_since(
        &self,
        seen: u64,
    ) -> Option<(u64, HashMap<TopicPartition, i64>)> {
        let lags = self
            .consumer
            .context()
            .lags
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        (lags.version > seen).then(|| (lags.version, lags.lags.clone()))
    }

    /// Stops fetching from these partitions (back-pressure).
    pub(crate) fn pause(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.handle().pause(partitions)
    }

    /// Resumes fetching from these partitions.
    pub(crate) fn resume(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.handle().resume(partitions)
    }
}

/// A consumed message's headers in kstreams' form.
pub(super) fn headers_of<M: Message>(message: &M) -> Headers {
    match message.headers() {
        None => Headers::default(),
        Some(hs) => Headers(
            hs.iter()
                .map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::statistics::Partition;

    const EARLIEST: LagRule = LagRule {
        read_committed: false,
        reset_earliest: true,
    };

    fn partition(hi: i64, next: i64, app: i64, committed: i64, fetchq: i64) -> Partition {
        Partition {
            hi_offset: hi,
            ls_offset: hi,
            lo_offset: 0,
            next_offset: next,
            app_offset: app,
            committed_offset: committed,
            fetchq_cnt: fetchq,
            fetch_state: "active".to_owned(),
            ..Partition::default()
        }
    }

    #[test]
    fn the_lag_runs_from_the_applications_position_not_the_shared_queue() {
        // At its end, while the shared queue holds another partition's
        // records (seen with librdkafka 2.12.1: fetchq_cnt 81 641 of 6 248).
        assert_eq!(
            fetched_lag(&partition(6248, 6248, 6248, -1001, 81_641), EARLIEST),
            Some(0)
        );
        // Fetched up to the end, but 48 records not yet handed over.
        assert_eq!(
            fetched_lag(&partition(6248, 6248, 6200, -1001, 48), EARLIEST),
            Some(48)
        );
    }

    #[test]
    fn before_the_first_record_the_partition_starts_where_it_was_committed_or_reset() {
        // Committed at 100, end 150, all fetched into the queue: 50 to go.
        assert_eq!(
            fetched_lag(&partition(150, 150, -1001, 100, 50), EARLIEST),
            Some(50)
        );
        // No commit, earliest: from the log start.
        assert_eq!(
            fetched_lag(&partition(150, 150, -1001, -1001, 50), EARLIEST),
            Some(150)
        );
        // An empty partition is caught up from the start.
        assert_eq!(
            fetched_lag(&partition(0, 0, -1001, -1001, 7), EARLIEST),
            Some(0)
        );
        let latest = LagRule {
            read_committed: false,
            reset_earliest: false,
        };
        // Reset to the end: caught up only when nothing at all is queued.
        assert_eq!(
            fetched_lag(&partition(150, 150, -1001, -1001, 3), latest),
            None
        );
        assert_eq!(
            fetched_lag(&partition(150, 150, -1001, -1001, 0), latest),
            Some(0)
        );
    }

    #[test]
    fn unknown_ends_and_inactive_fetchers_have_no_lag() {
        assert_eq!(
            fetched_lag(&partition(-1001, 0, -1001, -1001, 0), EARLIEST),
            None
        );
        let mut p = partition(10, 10, 10, -1001, 0);
        p.fetch_state = "offset-query".to_owned();
        assert_eq!(fetched_lag(&p, EARLIEST), None);
        // read_committed: the end is the last stable offset.
        let mut p = partition(10, 10, 4, -1001, 0);
        p.ls_offset = 6;
        let committed = LagRule {
            read_committed: true,
            reset_earliest: true,
        };
        assert_eq!(fetched_lag(&p, committed), Some(2));
    }
}
