//! What the two kstreams benchmark apps share: their configuration from the
//! common flags, and the `BENCH state=RUNNING` line.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use kstreams::{KafkaStreams, ProcessingGuarantee, State, StreamsConfig};

use super::args::{AppArgs, Guarantee};
use super::report::report;

/// The benchmark's knobs, as `BenchApp.java` sets them.
pub fn config(args: &AppArgs) -> StreamsConfig {
    StreamsConfig::new(args.application_id.as_str())
        .bootstrap_servers(&args.bootstrap)
        .processing_guarantee(match args.guarantee {
            Guarantee::AtLeastOnce => ProcessingGuarantee::AtLeastOnce,
            Guarantee::ExactlyOnceV2 => ProcessingGuarantee::ExactlyOnceV2,
        })
        .commit_interval_ms(args.commit_interval_ms)
        .num_stream_threads(args.threads)
        .state_dir(&args.state_dir)
}

/// Prints `BENCH state=RUNNING uptime_ms=N` on the first REBALANCING → RUNNING
/// (`started`: when `main` began).
pub fn report_running(streams: &KafkaStreams, started: Instant) {
    let once = AtomicBool::new(false);
    streams.set_state_listener(move |old, new| {
        if old == State::Rebalancing && new == State::Running && !once.swap(true, Ordering::SeqCst) {
            report(&format!("state=RUNNING uptime_ms={}", started.elapsed().as_millis()));
        }
    });
}
