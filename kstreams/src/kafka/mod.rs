//! The only module that talks to rdkafka.
//!
//! - [`consumer`]: a stream thread's main consumer and the rebalance hook;
//! - [`producer`]: a stream thread's transactional or idempotent producer;
//! - [`admin`]: topic metadata and internal topic creation at start-up;
//! - `delete_records`: purging committed records of repartition topics;
//! - `client_config`: `StreamsConfig` → librdkafka settings;
//! - `group`: the consumer group's members, assignments and query endpoints;
//! - `restore_consumer` / `standby_consumer`: changelog readers for restoring
//!   active tasks and for following standby tasks;
//! - `unreachable`: how long the cluster has been unreachable (`task.timeout.ms`).
//!
//! Nothing outside this module names an rdkafka type; errors leave it as
//! [`crate::Error`], with fencing (another instance owns the tasks now)
//! singled out as [`crate::Error::ProducerFenced`] so that the stream thread
//! can close its tasks dirty and rejoin.

pub(crate) mod admin;
pub(crate) mod client_config;
pub(crate) mod consumer;
pub(crate) mod delete_records;
pub(crate) mod global_consumer;
pub(crate) mod group;
pub(crate) mod producer;
pub(crate) mod restore_consumer;
pub(crate) mod standby_consumer;
pub(crate) mod unreachable;

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

use crate::Error;

/// Error codes meaning "another member or producer owns these tasks now".
const FENCING_CODES: &[RDKafkaErrorCode] = &[
    RDKafkaErrorCode::Fenced,
    RDKafkaErrorCode::ProducerFenced,
    RDKafkaErrorCode::InvalidProducerEpoch,
    RDKafkaErrorCode::InvalidProducerIdMapping,
    RDKafkaErrorCode::TransactionCoordinatorFenced,
    RDKafkaErrorCode::IllegalGeneration,
    RDKafkaErrorCode::UnknownMemberId,
    RDKafkaErrorCode::RebalanceInProgress,
    RDKafkaErrorCode::FencedInstanceId,
];

/// Wraps a client error, mapping fencing errors to `Error::ProducerFenced`.
pub(crate) fn classify(context: impl Into<String>, error: KafkaError) -> Error {
    let context = context.into();
    let fenced = match &error {
        KafkaError::Transaction(e) => FENCING_CODES.contains(&e.code()),
        other => other
            .rdkafka_error_code()
            .is_some_and(|c| FENCING_CODES.contains(&c)),
    };
    if fenced {
        Error::ProducerFenced(format!("{context}: {error}"))
    } else {
        Error::kafka(context, error)
    }
}

/// Whether a consumer error means the consumer must be recreated (or,
/// for an unreachable cluster, the thread must fail).
pub(crate) fn is_fatal(error: &Error) -> bool {
    matches!(
        error,
        Error::ProducerFenced(_)
            | Error::BrokerUnreachable { .. }
            | Error::Kafka {
                source: KafkaError::MessageConsumptionFatal(_),
                ..
            }
    )
}

/// Forwards librdkafka's log lines to `tracing`.
pub(crate) fn log_librdkafka(client: &str, level: RDKafkaLogLevel, facility: &str, message: &str) {
    match level {
        RDKafkaLogLevel::Emerg
        | RDKafkaLogLevel::Alert
        | RDKafkaLogLevel::Critical
        | RDKafkaLogLevel::Error => {
            tracing::error!(target: "librdkafka", client, facility, "{message}")
        }
        RDKafkaLogLevel::Warning => {
            tracing::warn!(target: "librdkafka", client, facility, "{message}")
        }
        RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
            tracing::info!(target: "librdkafka", client, facility, "{message}")
        }
        RDKafkaLogLevel::Debug => {
            tracing::debug!(target: "librdkafka", client, facility, "{message}")
        }
    }
}
