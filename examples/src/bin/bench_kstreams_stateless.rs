//! kstreams side of `cargo xtask bench`: the stateless pipeline
//! `stream(input).filter(success).map_values(amount in cents).to(output)`,
//! the same topology and knobs as `bench/java` (`Topologies.stateless`).

use std::time::Instant;

use kstreams::serde::Json;
use kstreams::{StreamsBuilder, Topic};
use kstreams_examples::bench::args::AppArgs;
use kstreams_examples::bench::kstreams_app::{init_logging, run};
use kstreams_examples::bench::payment::{Payment, PaymentCents};

fn main() -> kstreams::Result<()> {
    let started = Instant::now();
    init_logging();
    let args = AppArgs::from_env_or_exit("bench_kstreams_stateless");
    // Topic names are `&'static str` (topics are meant to be constants); the
    // benchmark names them at run time, once per process.
    let input: Topic<String, Json<Payment>, 8> = Topic::named(args.input.clone());
    let output: Topic<String, Json<PaymentCents>, 8> = Topic::named(args.output.clone());

    let builder = StreamsBuilder::new();
    builder
        .stream(input)
        .filter(|_account, p| p.succeeded())
        .map_values(PaymentCents::from)
        .to(output);
    run(builder.build()?, &args, started)
}
