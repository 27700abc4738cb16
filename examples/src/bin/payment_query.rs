//! One instance of the payment counter with its counts queryable over
//! HTTP (interactive queries, feature `http`): run several, each on its
//! own port, and ask any of them for any account.
//!
//! ```text
//! cargo run -p kstreams-examples --bin payment_query -- 7070   # instance 1
//! cargo run -p kstreams-examples --bin payment_query -- 7071   # instance 2
//! cargo xtask demo --events 20000                              # payments to count
//! curl -L localhost:7070/stores/payment-counts-store/keys/acct-00042
//! ```
//!
//! Every instance runs the same application (`payment-query`) against the
//! broker at `KAFKA_BOOTSTRAP_SERVERS` (default `127.0.0.1:9092`), reading
//! `payment-events` (created with 4 partitions if missing), so the
//! instances share the partitions; each advertises `127.0.0.1:<port>` as
//! its `application.server` and serves `GET /stores/payment-counts-store/...`
//! on that port. A key another instance owns is answered with a redirect
//! to it (`curl -L` follows). Stops on Ctrl-C / SIGTERM.

use std::sync::Arc;

use kstreams::http::QueryServer;
use kstreams::serde::I64;
use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsConfig};
use kstreams_examples::bench::kafka::create_topics;
use kstreams_examples::payment_counter::{queryable_topology, COUNTS_STORE, PARTITIONS};

fn main() -> std::process::ExitCode {
    kstreams_examples::console::init_logging("warn");
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("payment_query: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let port: u16 = match std::env::args().nth(1) {
        Some(p) => p
            .parse()
            .map_err(|_| format!("the port must be a number from 1 to 65535, got `{p}`"))?,
        None => 7070,
    };
    let bootstrap =
        std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:9092".into());
    // The topics may already exist (another instance, or the demo).
    if let Err(e) = create_topics(
        &bootstrap,
        &["payment-events", "payment-counts"],
        PARTITIONS as i32,
    ) {
        tracing::debug!("creating the topics: {e}");
    }
    let endpoint = format!("127.0.0.1:{port}");
    let config = StreamsConfig::new("payment-query")
        .bootstrap_servers(&bootstrap)
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .application_server(&endpoint)
        .state_dir(std::env::temp_dir().join(format!("kstreams-payment-query-{port}")));
    let streams = Arc::new(KafkaStreams::new(queryable_topology()?, config)?);
    streams.set_global_state_restore_listener(kstreams_examples::console::RestoreBars::default());
    let server = QueryServer::new(streams.clone())
        .key_value::<String, I64>(COUNTS_STORE)
        .start(&endpoint)?;
    println!(
        "payment_query: counting payments; ask http://{}/stores/{COUNTS_STORE}/keys/<account>",
        server.local_addr()
    );
    streams.run_until_signal()?;
    Ok(())
}
