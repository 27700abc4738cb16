//! kstreams side of `cargo xtask bench`: payments per account and minute,
//! `stream(input).filter(success).group_by_key()
//! .windowed_by(TimeWindows::of_size_and_grace(60 s, 10 s)).count()
//! [.suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))]
//! .to_stream().to(output)`, the same topology and knobs as `bench/java`
//! (`Topologies.windowed`).
//!
//! `--topology windowed` forwards every update of a window (through the
//! record cache, as Java); `--topology windowed-suppress` only each
//! window's final count once stream time passes its end + grace. Output
//! keys are Java's `TimeWindowedSerde` layout (`[key][window start: 8 BE]`),
//! values 8-byte big-endian counts. Record timestamps come from the input
//! (`bench_load produce` spreads them over event time).
//!
//! For the restore figure, as `bench_kstreams_counter`: a global
//! `RestoreTimer` prints `BENCH restored records=N ms=M`.

use std::time::{Duration, Instant};

use kstreams::dsl::{BufferConfig, Grouped, Suppressed};
use kstreams::serde::{Json, TimeWindowed, I64};
use kstreams::{StreamsBuilder, TimeWindows, Topic};
use kstreams_examples::bench::args::AppArgs;
use kstreams_examples::bench::kstreams_app::{init_logging, run};
use kstreams_examples::bench::payment::Payment;

/// The window size (also the output key serde's, as Java's
/// `WindowedSerdes.timeWindowedSerdeFrom(String.class, 60_000)`).
const WINDOW_MS: i64 = 60_000;
/// How long a window accepts late records after its end.
const GRACE: Duration = Duration::from_secs(10);

fn main() -> kstreams::Result<()> {
    let started = Instant::now();
    init_logging();
    let args = AppArgs::from_env_or_exit("bench_kstreams_windowed");
    let suppress = match args.topology.as_str() {
        "windowed" => false,
        "windowed-suppress" => true,
        other => {
            eprintln!(
                "bench_kstreams_windowed: --topology must be windowed or windowed-suppress, not `{other}`"
            );
            std::process::exit(2);
        }
    };
    // Topic names are `&'static str` (topics are meant to be constants); the
    // benchmark names them at run time, once per process.
    let input: Topic<String, Json<Payment>, 8> = Topic::named(args.input.clone());
    let output: Topic<TimeWindowed<String, WINDOW_MS>, I64, 8> = Topic::named(args.output.clone());

    let builder = StreamsBuilder::new();
    let counts = builder
        .stream(input)
        .filter(|_account, p| p.succeeded())
        .group_by_key_with(Grouped::<String, Json<Payment>>::new())
        .windowed_by(TimeWindows::of_size_and_grace(
            Duration::from_millis(WINDOW_MS as u64),
            GRACE,
        ))
        .count();
    let counts = if suppress {
        counts.suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
    } else {
        counts
    };
    counts.to_stream().to(output);
    run(builder.build()?, &args, started)
}
