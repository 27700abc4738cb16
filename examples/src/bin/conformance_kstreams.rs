//! kstreams side of `cargo xtask conformance`: runs the topology of one
//! conformance case (`examples/src/conformance/cases.rs`) until SIGTERM.
//!
//! ```text
//! conformance_kstreams --case NAME --bootstrap HOST:PORT --application-id ID
//!                      --input TOPIC[,TOPIC..] --output TOPIC --state-dir DIR [--commit-interval-ms 100]
//! ```
//!
//! Settings as the Java side (`dev.kstreams.conformance.ConformanceApp`):
//! exactly_once_v2, record cache off (`statestore.cache.max.bytes=0`: every
//! update is emitted), one stream thread. Prints `BENCH state=RUNNING ...`
//! when running, `BENCH state=NOT_RUNNING` after a clean stop.

#[allow(dead_code)]
#[path = "../conformance/mod.rs"]
mod conformance;

use std::time::Instant;

use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsBuilder, StreamsConfig};
use kstreams_examples::bench::args::Flags;
use kstreams_examples::bench::kstreams_app::{init_logging, report_running};
use kstreams_examples::bench::report::report;

const USAGE: &str =
    "usage: conformance_kstreams --case NAME --bootstrap HOST:PORT --application-id ID \
--input TOPIC[,TOPIC..] --output TOPIC --state-dir DIR [--commit-interval-ms 100]";

fn main() -> std::process::ExitCode {
    let started = Instant::now();
    init_logging();
    match run(started) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("conformance_kstreams: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(started: Instant) -> Result<(), Box<dyn std::error::Error>> {
    let flags = Flags::parse(std::env::args().skip(1)).map_err(|e| format!("{e}\n{USAGE}"))?;
    let name = flags.required("case")?;
    let case = conformance::cases::find(name).ok_or_else(|| {
        let known: Vec<&str> = conformance::cases::CASES.iter().map(|c| c.name).collect();
        format!("unknown case `{name}` (known: {})", known.join(", "))
    })?;
    let inputs: Vec<&str> = flags.required("input")?.split(',').collect();
    if inputs.len() != case.inputs.len() {
        return Err(format!(
            "case `{name}` reads {} input topic(s), --input names {}",
            case.inputs.len(),
            inputs.len()
        )
        .into());
    }
    let builder = StreamsBuilder::new();
    (case.kstreams)(&builder, &inputs, flags.required("output")?);
    let topology = builder.build()?;
    eprintln!("{}", topology.describe());
    let config = StreamsConfig::new(flags.required("application-id")?)
        .bootstrap_servers(flags.required("bootstrap")?)
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .commit_interval_ms(flags.number("commit-interval-ms", 100)?)
        .num_stream_threads(1)
        .state_dir(flags.required("state-dir")?)
        .set("statestore.cache.max.bytes", "0")
        // As the Java app: a task with two inputs waits (up to 1 s) for
        // both to have data instead of racing ahead on the first fetched.
        .max_task_idle_ms(1000)
        // As the Java app: emit non-joined records of left/outer
        // stream-stream joins as soon as their window closes.
        .set(kstreams::config::OUTER_JOIN_EMIT_INTERVAL_MS, "0");
    let streams = KafkaStreams::new(topology, config)?;
    report_running(&streams, started);
    streams.run_until_signal()?;
    report("state=NOT_RUNNING");
    Ok(())
}
