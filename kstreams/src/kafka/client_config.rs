//! Turns a [`StreamsConfig`] into rdkafka client configurations.
//!
//! kstreams owns a few settings (group id, auto commit, transactional id,
//! isolation level under exactly-once); user values for those are dropped
//! with a warning. Everything else the user passed through wins over our
//! defaults.

use rdkafka::config::ClientConfig;

use crate::config::{ClientKind, ProcessingGuarantee, StreamsConfig};

/// `transaction.timeout.ms` that Kafka Streams sets on its producers.
const TRANSACTION_TIMEOUT_MS: &str = "10000";

/// Settings owned by kstreams for each client kind.
fn reserved(kind: ClientKind, eos: bool) -> &'static [&'static str] {
    match (kind, eos) {
        (ClientKind::Consumer, true) => &["group.id", "enable.auto.commit", "isolation.level"],
        (ClientKind::Consumer, false) => &["group.id", "enable.auto.commit"],
        (ClientKind::Producer, _) => &["transactional.id"],
        (ClientKind::Admin, _) => &[],
    }
}

/// Starts a client config: bootstrap servers, our defaults, then the user's
/// pass-through settings (minus reserved ones).
fn base(
    config: &StreamsConfig,
    kind: ClientKind,
    client_id: &str,
    defaults: &[(&str, &str)],
) -> ClientConfig {
    let eos = config.guarantee() == ProcessingGuarantee::ExactlyOnceV2;
    let mut cc = ClientConfig::new();
    cc.set("bootstrap.servers", config.get_bootstrap_servers());
    cc.set("client.id", client_id);
    for (k, v) in defaults {
        cc.set(*k, *v);
    }
    for (key, value) in config.client_settings(kind) {
        if reserved(kind, eos).contains(&key.as_str()) {
            tracing::warn!(setting = %key, "ignoring user value for a setting kstreams controls");
            continue;
        }
        // Client settings that don't apply to this client kind would make
        // librdkafka warn; those are the caller's business.
        cc.set(key, value);
    }
    cc
}

/// How often the main consumer reports its statistics (fetch positions and
/// end offsets: the fetched lag of each partition) unless the user sets
/// `statistics.interval.ms`.
pub(crate) const FETCHED_LAG_STATISTICS_MS: &str = "100";

/// `fetch.queue.backoff.ms` of the main consumer unless the user sets it.
/// librdkafka stops fetching once its local queue holds
/// `queued.min.messages` (100 000) records and, by default, waits 1000 ms
/// before it looks again; a stream thread drains 100 000 records in well
/// under a second, then idles until that second is over, which capped
/// throughput at about 115 000 records/s (measured: 113k → 356k records/s
/// with 10 ms on the stateless benchmark; see `bench/`).
pub(crate) const FETCH_QUEUE_BACKOFF_MS: &str = "10";

/// The main consumer of a stream thread.
/// A consumer outside the group (restore, standby, global): assigned its
/// partitions by kstreams, committing nothing, reading from the earliest
/// offset. `role` names its `group.id` (`<application.id>-<role>`), which
/// librdkafka wants even for `assign`; `read_committed` sets the isolation
/// level.
pub(crate) fn groupless_consumer_config(
    config: &StreamsConfig,
    client_id: &str,
    role: &str,
    read_committed: bool,
) -> ClientConfig {
    let mut cc = ClientConfig::new();
    cc.set("bootstrap.servers", config.get_bootstrap_servers());
    for (key, value) in config.client_settings(ClientKind::Consumer) {
        cc.set(key, value);
    }
    cc.set("client.id", client_id);
    cc.set("group.id", format!("{}-{role}", config.application_id()));
    cc.set("enable.auto.commit", "false");
    cc.set("enable.auto.offset.store", "false");
    cc.set(
        "isolation.level",
        if read_committed {
            "read_committed"
        } else {
            "read_uncommitted"
        },
    );
    cc.set("auto.offset.reset", "earliest");
    // As the main consumer: with librdkafka's default (1000 ms) a reader
    // idles for most of a second every time it drained a full local queue.
    if cc.get("fetch.queue.backoff.ms").is_none() {
        cc.set("fetch.queue.backoff.ms", FETCH_QUEUE_BACKOFF_MS);
    }
    cc
}

/// The `client.id` a main consumer built by [`consumer_config`] with
/// `client_id` has (the user's `client.id` wins; the endpoint is appended).
pub(crate) fn main_consumer_client_id(config: &StreamsConfig, client_id: &str) -> String {
    consumer_config(config, client_id)
        .get("client.id")
        .unwrap_or(client_id)
        .to_owned()
}

pub(crate) fn consumer_config(config: &StreamsConfig, client_id: &str) -> ClientConfig {
    let mut cc = base(
        config,
        ClientKind::Consumer,
        client_id,
        &[
            ("partition.assignment.strategy", "range"),
            ("auto.offset.reset", "earliest"),
            ("enable.partition.eof", "false"),
            // Per-partition fetch positions and end offsets, for max.task.idle.ms.
            ("statistics.interval.ms", FETCHED_LAG_STATISTICS_MS),
            ("fetch.queue.backoff.ms", FETCH_QUEUE_BACKOFF_MS),
        ],
    );
    cc.set("group.id", config.application_id());
    if let Some(endpoint) = config.get_application_server() {
        // Other instances find this member's endpoint here (`kafka::group`).
        let id = cc.get("client.id").unwrap_or(client_id).to_owned();
        cc.set("client.id", super::group::with_endpoint(&id, endpoint));
    }
    cc.set("enable.auto.commit", "false");
    cc.set("enable.auto.offset.store", "false");
    if config.guarantee() == ProcessingGuarantee::ExactlyOnceV2 {
        cc.set("isolation.level", "read_committed");
    }
    cc
}

/// The producer of a stream thread: transactional under exactly-once
/// (`transactional_id` is `Some`), idempotent otherwise.
pub(crate) fn producer_config(
    config: &StreamsConfig,
    client_id: &str,
    transactional_id: Option<&str>,
) -> ClientConfig {
    let mut defaults = vec![("partitioner", "murmur2_random")];
    if transactional_id.is_some() {
        defaults.push(("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS));
    }
    let mut cc = base(config, ClientKind::Producer, client_id, &defaults);
    cc.set("enable.idempotence", "true");
    if let Some(id) = transactional_id {
        cc.set("transactional.id", id);
        // librdkafka requires message.timeout.ms <= transaction.timeout.ms.
        if cc.get("message.timeout.ms").is_none() {
            let txn = cc
                .get("transaction.timeout.ms")
                .unwrap_or(TRANSACTION_TIMEOUT_MS)
                .to_owned();
            cc.set("message.timeout.ms", txn);
        }
    }
    cc
}

/// The admin client (internal topics, metadata).
pub(crate) fn admin_config(config: &StreamsConfig, client_id: &str) -> ClientConfig {
    base(config, ClientKind::Admin, client_id, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eos_clients_get_the_settings_kafka_streams_uses() {
        let config = StreamsConfig::new("app")
            .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
            .set("consumer.group.id", "other")
            .set("consumer.session.timeout.ms", "6000");
        let c = consumer_config(&config, "c");
        assert_eq!(c.get("group.id"), Some("app"));
        assert_eq!(c.get("isolation.level"), Some("read_committed"));
        assert_eq!(c.get("partition.assignment.strategy"), Some("range"));
        assert_eq!(c.get("session.timeout.ms"), Some("6000"));
        assert_eq!(c.get("fetch.queue.backoff.ms"), Some("10"));
        let p = producer_config(&config, "p", Some("app-x-0"));
        assert_eq!(p.get("transactional.id"), Some("app-x-0"));
        assert_eq!(p.get("transaction.timeout.ms"), Some("10000"));
        assert_eq!(p.get("message.timeout.ms"), Some("10000"));
        assert_eq!(p.get("partitioner"), Some("murmur2_random"));
        assert_eq!(p.get("enable.idempotence"), Some("true"));
    }
}
