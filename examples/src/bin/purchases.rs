//! Runs the purchases topology against the broker at
//! `KAFKA_BOOTSTRAP_SERVERS` (default `localhost:9092`) until Ctrl-C.
//!
//! Topics `transactions`, `purchases`, `patterns`, `rewards`, `coffee` and
//! `electronics` (one partition each) must exist.

use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsConfig};

fn main() -> kstreams::Result<()> {
    kstreams_examples::console::init_logging("warn");
    let bootstrap =
        std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "localhost:9092".to_owned());
    let topology = kstreams_examples::purchases::topology()?;
    println!("{}", topology.describe());
    let config = StreamsConfig::new("zmart-purchases")
        .bootstrap_servers(bootstrap)
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2);
    KafkaStreams::new(topology, config)?.run_until_signal()
}
