//! kstreams side of `cargo xtask bench`: successful payments paired with
//! the successful payments of the same account at most 10 s apart,
//! `s = stream(input).filter(success); s.join(s.map_values(cents), joiner,
//! JoinWindows::of_time_difference_with_no_grace(10 s)).to(output)`, the
//! same topology and knobs as `bench/java` (`Topologies.streamStreamJoin`).
//! The topology, the window and the number of results the harness expects
//! are in `kstreams_examples::bench::pairs`.
//!
//! Both sides are buffered in change-logged RocksDB window stores; the key
//! stays the account, so nothing is repartitioned. For the restore figure,
//! as `bench_kstreams_counter`: a global `RestoreTimer` prints
//! `BENCH restored records=N ms=M`.

use std::time::Instant;

use kstreams::Topic;
use kstreams_examples::bench::args::AppArgs;
use kstreams_examples::bench::kstreams_app::{init_logging, run};
use kstreams_examples::bench::pairs::topology;

fn main() -> kstreams::Result<()> {
    let started = Instant::now();
    init_logging();
    let args = AppArgs::from_env_or_exit("bench_kstreams_stream_stream_join");
    if args.topology != "stream-stream-join" {
        eprintln!(
            "bench_kstreams_stream_stream_join: --topology must be stream-stream-join, not `{}`",
            args.topology
        );
        std::process::exit(2);
    }
    // Topic names are `&'static str` (topics are meant to be constants); the
    // benchmark names them at run time, once per process.
    let topology = topology(
        Topic::named(args.input.clone()),
        Topic::named(args.output.clone()),
    )?;
    run(topology, &args, started)
}
