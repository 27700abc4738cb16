//! Runs the co-grouping topology (`kstreams_examples::cogroup`) against the
//! broker at `KAFKA_BOOTSTRAP_SERVERS` (default `localhost:9092`) until
//! Ctrl-C, under exactly_once_v2.
//!
//! Environment: `STATE_DIR` (default `/tmp/kstreams`), `MAX_TASK_IDLE_MS`
//! (default 1000: how long a task waits for a partition with nothing
//! buffered before it takes records from the other topic alone). The
//! topics `click-events`, `stock-purchases` and `cogrouped-activity` must
//! exist with two partitions each, and both inputs must be keyed (and
//! partitioned) by customer id. Values are JSON: a click
//! `{"customer_id":"c-1","symbol":"ACME","link":"https://..","timestamp":1700000000000}`,
//! a purchase `{"symbol":"ACME","customer_id":"c-1","shares":100,"share_price":12.5,"timestamp":1700000000000}`;
//! record timestamps drive the 15 s punctuator.
//!
//! With `--dsl`, runs the DSL version instead (`cogroup_dsl`: KIP-150's
//! `cogroup`, each customer's whole history to `customer-activity`, which
//! must exist with two partitions too).

use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    kstreams_examples::console::init_logging("info,librdkafka=warn");
    let bootstrap =
        std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "localhost:9092".to_owned());
    let state_dir = std::env::var("STATE_DIR").unwrap_or_else(|_| "/tmp/kstreams".to_owned());
    let max_task_idle_ms: i64 = match std::env::var("MAX_TASK_IDLE_MS") {
        Ok(v) => v
            .parse()
            .map_err(|e| format!("MAX_TASK_IDLE_MS={v:?} is not a number of milliseconds: {e}"))?,
        Err(_) => 1_000,
    };
    let dsl = std::env::args().skip(1).any(|a| a == "--dsl");
    let topology = if dsl {
        kstreams_examples::cogroup::cogroup_dsl()?
    } else {
        kstreams_examples::cogroup::cogroup()?
    };
    println!("{}", topology.describe());
    let application_id = if dsl {
        "cogroup-dsl-clicks-purchases"
    } else {
        "cogroup-clicks-purchases"
    };
    let config = StreamsConfig::new(application_id)
        .bootstrap_servers(bootstrap)
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .max_task_idle_ms(max_task_idle_ms)
        .state_dir(state_dir);
    KafkaStreams::new(topology, config)?.run_until_signal()?;
    Ok(())
}
