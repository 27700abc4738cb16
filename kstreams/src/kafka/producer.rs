//! The producer of a stream thread: transactional (exactly-once v2) or
//! idempotent (at-least-once).
//!
//! Invariants:
//! - a transaction is begun lazily, by the first send or by a commit that
//!   has offsets but no output;
//! - delivery failures are remembered by the context and fail the next
//!   [`StreamsProducer::commit_transaction`] / [`StreamsProducer::flush`]:
//!   output that did not reach Kafka must never have its input offsets
//!   committed;
//! - before committing, the producer is drained with short polls until
//!   nothing is in flight (rust-rdkafka's own flush polls in 100 ms steps,
//!   which would cap throughput at one commit per 100 ms).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, FromClientConfigAndContext, RDKafkaLogLevel};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::Message;

use super::consumer::{offsets_tpl, CommitOffset, GroupMetadata};
use super::{classify, log_librdkafka};
use crate::processor::ProducedRecord;
use crate::{Error, Result};

/// How long transactional control calls may block.
const TXN_TIMEOUT: Duration = Duration::from_secs(30);

/// rdkafka context: remembers the first failed delivery.
#[derive(Default)]
pub(crate) struct StreamsProducerContext {
    first_error: Mutex<Option<(String, KafkaError)>>,
}

impl ClientContext for StreamsProducerContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        log_librdkafka("producer", level, fac, message);
    }
    fn error(&self, error: KafkaError, reason: &str) {
        tracing::warn!(%error, reason, "producer client error");
    }
}

impl ProducerContext for StreamsProducerContext {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((error, message)) = result {
            let mut first = self.first_error.lock().unwrap_or_else(|p| p.into_inner());
            if first.is_none() {
                *first = Some((message.topic().to_owned(), error.clone()));
            }
        }
    }
}

/// A stream thread's producer.
pub(crate) struct StreamsProducer {
    producer: BaseProducer<StreamsProducerContext>,
    context: Arc<StreamsProducerContext>,
    transactional: bool,
    in_transaction: bool,
    partition_counts: HashMap<String, i32>,
}

impl StreamsProducer {
    /// Creates the producer; a transactional one also runs
    /// `init_transactions`, which fences older producers with the same
    /// `transactional.id` and aborts their open transaction.
    pub(crate) fn new(config: &ClientConfig) -> Result<Self> {
        let transactional = config.get("transactional.id").is_some();
        let producer: BaseProducer<StreamsProducerContext> =
            BaseProducer::from_config_and_context(config, StreamsProducerContext::default())
                .map_err(|e| Error::kafka("creating the producer", e))?;
        if transactional {
            producer
                .init_transactions(TXN_TIMEOUT)
                .map_err(|e| classify("initializing transactions", e))?;
        }
        let context = producer.context().clone();
        Ok(StreamsProducer {
            producer,
            context,
            transactional,
            in_transaction: false,
            partition_counts: HashMap::new(),
        })
    }

    /// Whether this producer is transactional.
    pub(crate) fn is_transactional(&self) -> bool {
        self.transactional
    }

    fn maybe_begin(&mut self) -> Result<()> {
        if self.transactional && !self.in_transaction {
            self.producer
                .begin_transaction()
                .map_err(|e| classify("beginning a transaction", e))?;
            self.in_transaction = true;
        }
        Ok(())
    }

    /// Queues one record. Blocks (serving delivery reports) while the
    /// producer's queue is full.
    pub(crate) fn send(&mut self, record: &ProducedRecord) -> Result<()> {
        self.maybe_begin()?;
        let mut base: BaseRecord<'_, [u8], [u8]> =
            BaseRecord::to(&record.topic).timestamp(record.timestamp);
        // librdkafka allocates a header list even when it stays empty: most
        // records (changelogs, a counter's output) have none.
        if !record.headers.0.is_empty() {
            let mut headers = OwnedHeaders::new_with_capacity(record.headers.0.len());
            for (key, value) in &record.headers.0 {
                headers = headers.insert(Header {
                    key,
                    value: value.as_deref(),
                });
            }
            base = base.headers(headers);
        }
        if let Some(p) = record.partition {
            base = base.partition(p);
        }
        if let Some(k) = &record.key {
            base = base.key(k.as_slice());
        }
        if let Some(v) = &record.value {
            base = base.payload(v.as_slice());
        }
        loop {
            match self.producer.send(base) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    base = back;
                    self.producer.poll(Duration::from_millis(1));
                }
                // A transactional producer refuses every send once its
                // transaction failed (aborted by the coordinator after
                // `transaction.timeout.ms`, e.g. when the process was
                // frozen, or fenced): librdkafka's "Erroneous state". Not
                // a record's fault, so never the production handler's
                // call: the thread closes its tasks dirty and rejoins with
                // a new producer, as Java's `StreamsProducer.send` turns
                // such errors into a `TaskMigratedException`.
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::State), _))
                    if self.transactional =>
                {
                    return Err(Error::ProducerFenced(format!(
                        "sending a record to `{}`: the transaction can no longer go on (Local: Erroneous state); the tasks are closed and the thread rejoins",
                        record.topic
                    )));
                }
                Err((e, _)) => {
                    return Err(classify(
                        format!("sending a record to `{}`", record.topic),
                        e,
                    ))
                }
            }
        }
    }

    /// Serves delivery reports without blocking.
    pub(crate) fn poll(&self) {
        self.producer.poll(Duration::ZERO);
    }

    /// Waits until every queued record is acknowledged, then reports the
    /// first delivery failure, if any.
    pub(crate) fn flush(&self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        while self.producer.in_flight_count() > 0 {
            if Instant::now() >= deadline {
                return Err(Error::kafka(
                    "flushing the producer",
                    KafkaError::Flush(RDKafkaErrorCode::OperationTimedOut),
                ));
            }
            self.producer.poll(Duration::from_millis(1));
        }
        let failed = self
            .context
            .first_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        match failed {
            Some((topic, e)) => Err(classify(format!("delivering a record to `{topic}`"), e)),
            None => Ok(()),
        }
    }

    /// Commits the open transaction together with the consumed `offsets`.
    /// Does nothing when there is neither output nor offsets.
    pub(crate) fn commit_transaction(
        &mut self,
        offsets: &[CommitOffset],
        group: &GroupMetadata,
    ) -> Result<()> {
        if !self.in_transaction && offsets.is_empty() {
            return Ok(());
        }
        self.flush(TXN_TIMEOUT)?;
        self.maybe_begin()?;
        if !offsets.is_empty() {
            let tpl = offsets_tpl(offsets)?;
            self.producer
                .send_offsets_to_transaction(&tpl, &group.0, TXN_TIMEOUT)
                .map_err(|e| classify("sending offsets to the transaction", e))?;
        }
        self.producer
            .commit_transaction(TXN_TIMEOUT)
            .map_err(|e| classify("committing the transaction", e))?;
        self.in_transaction = false;
        Ok(())
    }

    /// Aborts the open transaction, if any; its records stay invisible to
    /// read_committed consumers.
    pub(crate) fn abort_transaction(&mut self) -> Result<()> {
        if !self.in_transaction {
            return Ok(());
        }
        self.in_transaction = false;
        self.context
            .first_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        self.producer
            .abort_transaction(TXN_TIMEOUT)
            .map_err(|e| classify("aborting the transaction", e))
    }

    /// Number of partitions of `topic`, from (cached) metadata.
    pub(crate) fn partition_count(&mut self, topic: &str) -> Result<i32> {
        if let Some(n) = self.partition_counts.get(topic) {
            return Ok(*n);
        }
        let metadata = self
            .producer
            .client()
            .fetch_metadata(Some(topic), Duration::from_secs(10))
            .map_err(|e| Error::kafka(format!("fetching metadata of `{topic}`"), e))?;
        let count = metadata
            .topics()
            .iter()
            .find(|t| t.name() == topic && t.error().is_none())
            .map(|t| t.partitions().len() as i32)
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                Error::Topic(format!(
                    "sink topic `{topic}` does not exist; create it (e.g. `kafka-topics.sh --create --topic {topic}`) before starting the application"
                ))
            })?;
        self.partition_counts.insert(topic.to_owned(), count);
        Ok(count)
    }
}
