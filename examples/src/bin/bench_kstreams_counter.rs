//! kstreams side of `cargo xtask bench`: the payment counter
//! `stream(input).filter(success).group_by_key().count().to_stream().to(output)`
//! (8-byte big-endian counts, Java's `Serdes.Long()`), the same topology and
//! knobs as `bench/java` (`Topologies.counter`).
//!
//! For the restore figure the harness deletes `--state-dir` and restarts the
//! app; a global state restore listener (`RestoreTimer`) prints
//! `BENCH restored records=N ms=M`, as `BenchApp.java` does.

use std::time::Instant;

use kstreams::dsl::Grouped;
use kstreams::serde::{Json, I64};
use kstreams::{StreamsBuilder, Topic};
use kstreams_examples::bench::args::AppArgs;
use kstreams_examples::bench::kstreams_app::{init_logging, run};
use kstreams_examples::bench::payment::Payment;

fn main() -> kstreams::Result<()> {
    let started = Instant::now();
    init_logging();
    let args = AppArgs::from_env_or_exit("bench_kstreams_counter");
    // Topic names are `&'static str` (topics are meant to be constants); the
    // benchmark names them at run time, once per process.
    let input: Topic<String, Json<Payment>, 8> = Topic::named(args.input.clone());
    let output: Topic<String, I64, 8> = Topic::named(args.output.clone());

    let builder = StreamsBuilder::new();
    builder
        .stream(input)
        .filter(|_account, p| p.succeeded())
        .group_by_key_with(Grouped::<String, Json<Payment>>::new())
        .count()
        .to_stream()
        .to(output);
    run(builder.build()?, &args, started)
}
