//! Developer commands for kstreams (the `cargo xtask` convention).
//!
//! ```text
//! cargo xtask kafka start|stop|status   a real Apache Kafka on 127.0.0.1
//! cargo xtask demo                      broker up, then the end-to-end demo
//! cargo xtask test [ARGS]               broker up, cargo test --workspace --features kstreams/http,kstreams/prometheus, broker as found
//! cargo xtask prereqs                   install build prerequisites (libclang)
//! cargo xtask bench [--quick]           kstreams vs Java Kafka Streams vs the rdkafka limit
//! cargo xtask fuzz [--seconds N]        run the serde fuzz targets for a bounded time
//! cargo xtask layers                    check that kstreams' modules import only from layers below
//! cargo xtask conformance [CASES..]     Java Kafka Streams vs kstreams, same input, outputs compared
//! ```
//!
//! xtask depends on std only, so it builds in seconds on a fresh machine
//! before any system package is installed.

mod bench;
mod cmd;
mod conformance;
mod fuzz;
mod kafka;
mod layers;
mod paths;
mod prereqs;
mod probe;

use std::process::ExitCode;

/// An error for the user: printed as is, then the command exits with 1.
type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  kafka start    fetch Apache Kafka from Maven Central (cached) and start one
                 KRaft broker on 127.0.0.1 (port: KSTREAMS_KAFKA_PORT, default 9092)
  kafka stop     stop the broker started by `kafka start`
  kafka status   say whether it runs
  demo           bring a broker up if none answers, run the end-to-end demo
  test [ARGS]    bring a broker up, run `cargo test --workspace --features kstreams/http,kstreams/prometheus [ARGS]` with
                 KAFKA_BOOTSTRAP_SERVERS set (and KSTREAMS_KAFKA_LIBS, the broker's jars, for the
                 tests that stop a private broker), leave the broker as it was found
  prereqs        install build prerequisites (libclang for RocksDB)
  bench [--quick] [--dev] [--only limit,kstreams,java] [--events N]
        [--topologies stateless,counter,windowed,windowed-suppress,stream-table-join,stream-stream-join,counter-2-threads,counter-2-instances]
                 kstreams vs Java Kafka Streams vs a raw rdkafka copy loop on the
                 local broker: prints a markdown table, saves bench/results/<date>-<mode>.md
                 (--quick: 200 000 events, short runs; --dev: debug build, for harness work;
                 --topologies: only these rows, default all)
  fuzz [--seconds N] [TARGET...]
                 run kstreams-serde's fuzz targets (json, protobuf, windowed)
                 for N seconds each (default 30), on stable
  layers         check that kstreams' modules import only from the layers below
                 them (also run first by `test`)
  conformance [--release] [--keep] [--quiet-ms 3000] [--show 5] [--seed N] [--list] [CASES..]
                 the same seeded input through Java Kafka Streams (the oracle) and
                 kstreams on the local broker; compares the outputs record by record
                 (cases: examples/src/conformance/cases.rs); exits 1 on any difference";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match words.as_slice() {
        ["kafka", "start"] => {
            kafka::start().map(|addr| println!("Kafka is up: KAFKA_BOOTSTRAP_SERVERS={addr}"))
        }
        ["kafka", "stop"] => kafka::stop(),
        ["kafka", "status"] => kafka::status(),
        ["demo", rest @ ..] => cmd::demo(rest),
        ["test", rest @ ..] => cmd::test(rest),
        ["prereqs"] => prereqs::ensure(),
        ["bench", rest @ ..] => bench::run(rest),
        ["fuzz", rest @ ..] => fuzz::run(rest),
        ["layers"] => layers::run(),
        ["conformance", rest @ ..] => conformance::run(rest),
        ["help" | "--help" | "-h"] | [] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown command `{}`\n\n{USAGE}", words.join(" "))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
