//! [`RecordDeleter`]: Kafka's `DeleteRecords`, sent without blocking the
//! stream thread (Java's `TaskManager.maybePurgeCommittedRecords` keeps
//! the `DeleteRecordsResult` and only looks whether it is done).
//!
//! rdkafka's admin client completes the request on its own polling
//! thread; the stream thread polls the returned future once per attempt
//! with a no-op waker, so at most one request is in flight.
//!
//! Must never: decide which topics to purge, or wait for the broker.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::{ClientConfig, FromClientConfig};
use rdkafka::error::KafkaResult;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

use super::admin::ADMIN_TIMEOUT;
use crate::{Error, Result};

type InFlight = Pin<Box<dyn Future<Output = KafkaResult<TopicPartitionList>>>>;

/// The outcome of deleting the records of one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Deleted {
    pub(crate) topic: String,
    pub(crate) partition: i32,
    /// The partition's low watermark after the deletion, or why it failed.
    pub(crate) low_watermark: std::result::Result<i64, String>,
}

/// An admin client that deletes records, one request at a time.
pub(crate) struct RecordDeleter {
    admin: AdminClient<DefaultClientContext>,
    in_flight: Option<InFlight>,
}

impl RecordDeleter {
    /// Creates the admin client (no network traffic yet).
    pub(crate) fn new(config: &ClientConfig) -> Result<Self> {
        let admin = AdminClient::from_config(config)
            .map_err(|e| Error::kafka("creating the admin client that purges records", e))?;
        Ok(RecordDeleter {
            admin,
            in_flight: None,
        })
    }

    /// The request in flight, looked at once without blocking: `Pending`
    /// while the broker has not answered, else what it answered per
    /// partition (none if nothing was in flight), or why the whole request
    /// failed.
    pub(crate) fn poll(&mut self) -> Poll<std::result::Result<Vec<Deleted>, String>> {
        let Some(in_flight) = self.in_flight.as_mut() else {
            return Poll::Ready(Ok(Vec::new()));
        };
        let outcome = match in_flight
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(outcome) => outcome,
        };
        self.in_flight = None;
        Poll::Ready(match outcome {
            Ok(list) => Ok(list
                .elements()
                .iter()
                .map(|e| Deleted {
                    topic: e.topic().to_owned(),
                    partition: e.partition(),
                    low_watermark: match (e.error(), e.offset()) {
                        (Err(err), _) => Err(err.to_string()),
                        (Ok(()), Offset::Offset(low)) => Ok(low),
                        (Ok(()), other) => {
                            Err(format!("no low watermark in the answer ({other:?})"))
                        }
                    },
                })
                .collect()),
            Err(e) => Err(e.to_string()),
        })
    }

    /// Sends one request deleting, in each `(topic, partition, offset)`,
    /// every record before `offset`. Fails if a request is still in flight.
    pub(crate) fn delete_before(&mut self, offsets: &[(String, i32, i64)]) -> Result<()> {
        if self.in_flight.is_some() {
            return Err(Error::IllegalState(
                "a delete-records request is still in flight".into(),
            ));
        }
        let mut list = TopicPartitionList::with_capacity(offsets.len());
        for (topic, partition, offset) in offsets {
            list.add_partition_offset(topic, *partition, Offset::Offset(*offset))
                .map_err(|e| Error::kafka("preparing a delete-records request", e))?;
        }
        let options = AdminOptions::new()
            .operation_timeout(Some(ADMIN_TIMEOUT))
            .request_timeout(Some(ADMIN_TIMEOUT));
        self.in_flight = Some(Box::pin(self.admin.delete_records(&list, &options)));
        Ok(())
    }
}
