//! kstreams side of `cargo xtask bench`: payments enriched with their
//! account, `stream(input).filter(success).join(table(accounts), joiner)
//! .to(output)`, the same topology and knobs as `bench/java`
//! (`Topologies.streamTableJoin`).
//!
//! The table (`--table`, one JSON row per account, written once by
//! `bench_load produce --table-topic`) is stamped before every payment, so
//! the task's timestamp order (and `max.task.idle.ms` = 0, KIP-695: wait
//! for records already on the broker) loads it before the payments that
//! look it up. An inner join: a payment whose account has no row is
//! dropped (the harness checks that none is).
//!
//! For the restore figure, as `bench_kstreams_counter`: a global
//! `RestoreTimer` prints `BENCH restored records=N ms=M`.

use std::time::Instant;

use kstreams::dsl::Joined;
use kstreams::serde::Json;
use kstreams::{StreamsBuilder, Topic};
use kstreams_examples::bench::account::{Account, PaymentEnriched};
use kstreams_examples::bench::args::AppArgs;
use kstreams_examples::bench::kstreams_app::{init_logging, run};
use kstreams_examples::bench::payment::Payment;

fn main() -> kstreams::Result<()> {
    let started = Instant::now();
    init_logging();
    let args = AppArgs::from_env_or_exit("bench_kstreams_stream_table_join");
    if args.table.is_empty() {
        eprintln!("bench_kstreams_stream_table_join: missing --table (the account topic)");
        std::process::exit(2);
    }
    // Topic names are `&'static str` (topics are meant to be constants); the
    // benchmark names them at run time, once per process.
    let input: Topic<String, Json<Payment>, 8> = Topic::named(args.input.clone());
    let table: Topic<String, Json<Account>, 8> = Topic::named(args.table.clone());
    let output: Topic<String, Json<PaymentEnriched>, 8> = Topic::named(args.output.clone());

    let builder = StreamsBuilder::new();
    let accounts = builder.table(table);
    builder
        .stream(input)
        .filter(|_account, p| p.succeeded())
        .join_with(
            &accounts,
            PaymentEnriched::join,
            Joined::<String, Json<Payment>>::new(),
        )
        .to(output);
    run(builder.build()?, &args, started)
}
