//! Runs the protobuf pipeline (`kstreams_examples::protobuf_pipeline`)
//! against Kafka until SIGINT/SIGTERM.
//!
//! Environment: `KAFKA_BOOTSTRAP_SERVERS` (default `localhost:9092`),
//! `STATE_DIR` (default `/tmp/kstreams`). The topics `orders`,
//! `enriched-orders` and `orders-dlq` must exist (one partition each).

use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsConfig};
use kstreams_examples::protobuf_pipeline::{
    demo_customers, topology, with_error_handling, ORDERS_DLQ,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,librdkafka=warn")),
        )
        .init();
    let bootstrap =
        std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "localhost:9092".into());
    let state_dir = std::env::var("STATE_DIR").unwrap_or_else(|_| "/tmp/kstreams".into());
    let config = StreamsConfig::new("protobuf-pipeline")
        .bootstrap_servers(bootstrap)
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(state_dir);
    let streams = KafkaStreams::new(
        topology(demo_customers())?,
        with_error_handling(config, ORDERS_DLQ),
    )?;
    streams.run_until_signal()?;
    Ok(())
}
