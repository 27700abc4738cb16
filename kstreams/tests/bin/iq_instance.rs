//! Test application for `tests/iq_failover.rs`: one instance of a counter
//! (`input → group_by_key → count` into the store `counts`) whose store is
//! served over HTTP by `kstreams::http::QueryServer` at its
//! `application.server`, run with `KafkaStreams::run_until_signal` so the
//! test can SIGKILL it.
//!
//! Environment: `KAFKA_BOOTSTRAP_SERVERS`, `APP_ID`, `INPUT_TOPIC`
//! (`Topic<String, String, 4>`), `STATE_DIR`, `APPLICATION_SERVER`
//! (`host:port`, also the address served), optional `SESSION_TIMEOUT_MS`.

use std::sync::Arc;

use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::http::QueryServer;
use kstreams::serde::I64;
use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsConfig};

fn var(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("iq_instance: environment variable {name} is required"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,librdkafka=warn")),
        )
        .init();
    let input: Topic<String, String, 4> = Topic::named(var("INPUT_TOPIC")?);
    let builder = StreamsBuilder::new();
    builder
        .stream(input)
        .group_by_key()
        .count_with(Materialized::<String, I64>::as_("counts"));
    let endpoint = var("APPLICATION_SERVER")?;
    let mut config = StreamsConfig::new(var("APP_ID")?)
        .bootstrap_servers(var("KAFKA_BOOTSTRAP_SERVERS")?)
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(var("STATE_DIR")?)
        .application_server(&endpoint);
    if let Ok(ms) = std::env::var("SESSION_TIMEOUT_MS") {
        config = config.set("consumer.session.timeout.ms", &ms);
    }
    let streams = Arc::new(KafkaStreams::new(builder.build()?, config)?);
    streams.set_state_listener(|old, new| eprintln!("STATE {old} -> {new}"));
    let _server = QueryServer::new(streams.clone())
        .key_value::<String, I64>("counts")
        .start(&endpoint)?;
    streams.run_until_signal()?;
    eprintln!("EXITED CLEANLY");
    Ok(())
}
