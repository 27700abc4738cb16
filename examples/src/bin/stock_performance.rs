//! Runs the stock-performance topology
//! (`kstreams_examples::stock_performance`) against the broker at
//! `KAFKA_BOOTSTRAP_SERVERS` (default `localhost:9092`) until Ctrl-C, under
//! exactly_once_v2.
//!
//! Environment: `STATE_DIR` (default `/tmp/kstreams`). The topics
//! `stock-transactions` and `stock-performance` must exist with two
//! partitions each. Records on `stock-transactions`: key = ticker symbol,
//! value = JSON `{"symbol":"ACME","customer_id":"c-1","shares":100,
//! "share_price":12.5,"timestamp":1700000000000}`; the record timestamp is
//! the event time that drives the 10 s punctuator.

use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsConfig};

fn main() -> kstreams::Result<()> {
    kstreams_examples::console::init_logging("info,librdkafka=warn");
    let bootstrap =
        std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "localhost:9092".to_owned());
    let state_dir = std::env::var("STATE_DIR").unwrap_or_else(|_| "/tmp/kstreams".to_owned());
    let topology = kstreams_examples::stock_performance::stock_performance()?;
    println!("{}", topology.describe());
    let config = StreamsConfig::new("stock-performance")
        .bootstrap_servers(bootstrap)
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(state_dir);
    KafkaStreams::new(topology, config)?.run_until_signal()
}
