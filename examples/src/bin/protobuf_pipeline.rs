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
    kstreams_examples::console::init_logging("info,librdkafka=warn");
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
