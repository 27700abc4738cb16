//! Test application for the broker tests (`tests/eos_*.rs`): a stateless
//! pipeline `input → filter(non-empty) → map_values(identity) → output`
//! over `Topic<String, String, 4>`, run with `KafkaStreams::run_until_signal`.
//!
//! Configured by environment variables, so the tests can SIGKILL and
//! restart it:
//! - `KAFKA_BOOTSTRAP_SERVERS`, `APP_ID`, `INPUT_TOPIC`, `OUTPUT_TOPIC`;
//! - `GUARANTEE` (`exactly_once_v2` | `at_least_once`), `STATE_DIR`;
//! - optional `COMMIT_INTERVAL_MS`, `SESSION_TIMEOUT_MS`, `NUM_THREADS`
//!   (`num.stream.threads`), `CACHE_MAX_BYTES`, `TASK_TIMEOUT_MS`
//!   (`task.timeout.ms`);
//! - optional `MODE=counter`: the payment counter instead (seed 000):
//!   `input (account → status) → filter(SUCCESS) → group_by_key → count →
//!   to_stream → output (account → I64)`, state in RocksDB with a changelog;
//!   input and output have `PARTITIONS` partitions (4, the default, or 6:
//!   `tests/eos_scale_out.rs`, `tests/broker_outage.rs`);
//! - optional `MODE=windowed`: final counts per key and 10 s window
//!   (`windowed_by → count → suppress(until_window_closes)`), RocksDB window
//!   store and a change-logged suppression buffer;
//! - optional `MODE=windowed-emit-final`: the same final counts through
//!   `emit_strategy(EmitStrategy::on_window_close())` (KIP-825) instead of
//!   `suppress`, `tests/eos_windowed.rs`;
//! - optional `MODE=join`: a stream-stream join of the input with itself
//!   split by value prefix: `L:…` records joined with `R:…` records of the
//!   same key within 5 s (grace 60 s) into `L:…+R:…` (two RocksDB window
//!   stores with changelogs), `tests/eos_join.rs`;
//! - optional `MODE=fk`: a foreign-key table-table join: orders (the
//!   `INPUT_TOPIC` table, value `<customer>/<n>`) joined with customers
//!   (the `RIGHT_TOPIC` table) on the customer before the `/`, into
//!   `<order>+<customer>` (`to_changelog_stream`, so a tombstone shows),
//!   `tests/eos_fk_join.rs`;
//! - optional `MODE=table-join`: the `INPUT_TOPIC` table joined with the
//!   `RIGHT_TOPIC` table (co-partitioned, same key) into `<left>+<right>`
//!   (`to_changelog_stream`), `tests/eos_table_join.rs`;
//! - optional `MODE=stream-table-join`: the `INPUT_TOPIC` stream joined
//!   with the `RIGHT_TOPIC` table into `<left>+<right>`,
//!   `tests/eos_table_join.rs`;
//! - optional `MODE=cogroup`: `INPUT_TOPIC` (amounts to add) and
//!   `RIGHT_TOPIC` (amounts to subtract) cogrouped per key into
//!   `<events>:<net sum>`, one update per input record when
//!   `CACHE_MAX_BYTES=0`, `tests/eos_cogroup.rs`.
//!
//! Logs (tracing) go to stderr; state transitions are printed as
//! `STATE <old> -> <new>` lines.

use kstreams::dsl::{
    BufferConfig, EmitStrategy, StreamsBuilder, Suppressed, TimeWindowedKStream, TimeWindows, Topic,
};
use kstreams::serde::TimeWindowed;
use kstreams::{KafkaStreams, StreamsConfig};

fn var(name: &str) -> Result<String, String> {
    std::env::var(name)
        .map_err(|_| format!("eos_passthrough: environment variable {name} is required"))
}

/// The input grouped by key into 10 s windows with 1 s grace (the windowed
/// modes).
fn ten_second_windows(
    builder: &StreamsBuilder,
    input: Topic<String, String, 4>,
) -> TimeWindowedKStream<String, String> {
    builder
        .stream(input)
        .group_by_key()
        .windowed_by(TimeWindows::of_size_and_grace(
            std::time::Duration::from_secs(10),
            std::time::Duration::from_secs(1),
        ))
}

/// The payment counter over `P` partitions (`MODE=counter`).
fn payment_counter<const P: u32>(builder: &StreamsBuilder, input: &str, output: &str) {
    let payments: Topic<String, String, P> = Topic::named(input);
    let counts: Topic<String, kstreams::serde::I64, P> = Topic::named(output);
    builder
        .stream(payments)
        .filter(|_k, status: &String| status == "SUCCESS")
        .group_by_key()
        .count()
        .to_stream()
        .to(counts);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,librdkafka=warn")),
        )
        .init();
    let input: Topic<String, String, 4> = Topic::named(var("INPUT_TOPIC")?);
    let output: Topic<String, String, 4> = Topic::named(var("OUTPUT_TOPIC")?);
    let builder = StreamsBuilder::new();
    if std::env::var("MODE").as_deref() == Ok("windowed-emit-final") {
        let finals: Topic<TimeWindowed<String, 10_000>, kstreams::serde::I64, 4> =
            Topic::named(output.name());
        ten_second_windows(&builder, input)
            .emit_strategy(EmitStrategy::on_window_close())
            .count()
            .to_stream()
            .to(finals);
    } else if std::env::var("MODE").as_deref() == Ok("windowed") {
        // Final counts per user and 10 s window (1 s grace), suppressed
        // until each window closes: `tests/eos_windowed.rs`.
        let finals: Topic<TimeWindowed<String, 10_000>, kstreams::serde::I64, 4> =
            Topic::named(output.name());
        ten_second_windows(&builder, input)
            .count()
            .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
            .to_stream()
            .to(finals);
    } else if std::env::var("MODE").as_deref() == Ok("join") {
        let events = builder.stream(input);
        let right = events.filter(|_, v: &String| v.starts_with("R:"));
        events
            .filter(|_, v: &String| v.starts_with("L:"))
            .join_stream(
                &right,
                |l: &String, r: &String| format!("{l}+{r}"),
                // A minute of grace: the window stores keep a record for
                // 70 s of event time, longer than any replay after a kill
                // reaches back, so at_least_once can only duplicate.
                kstreams::dsl::JoinWindows::of_time_difference_and_grace(
                    std::time::Duration::from_secs(5),
                    std::time::Duration::from_secs(60),
                ),
            )
            .to(output);
    } else if std::env::var("MODE").as_deref() == Ok("fk") {
        let customers: Topic<String, String, 4> = Topic::named(var("RIGHT_TOPIC")?);
        let results: Topic<String, Option<String>, 4> = Topic::named(output.name());
        builder
            .table(input)
            .join_on_foreign_key(
                &builder.table(customers),
                |order: &String| order.split('/').next().unwrap_or_default().to_owned(),
                |order: &String, customer: &String| format!("{order}+{customer}"),
            )
            .to_changelog_stream()
            .to(results);
    } else if std::env::var("MODE").as_deref() == Ok("table-join") {
        let right: Topic<String, String, 4> = Topic::named(var("RIGHT_TOPIC")?);
        let results: Topic<String, Option<String>, 4> = Topic::named(output.name());
        builder
            .table(input)
            .join(&builder.table(right), |l: &String, r: &String| {
                format!("{l}+{r}")
            })
            .to_changelog_stream()
            .to(results);
    } else if std::env::var("MODE").as_deref() == Ok("stream-table-join") {
        let right: Topic<String, String, 4> = Topic::named(var("RIGHT_TOPIC")?);
        builder
            .stream(input)
            .join(&builder.table(right), |l: &String, r: &String| {
                format!("{l}+{r}")
            })
            .to(output);
    } else if std::env::var("MODE").as_deref() == Ok("cogroup") {
        // `<events>:<net sum>`: every update carries its running event
        // count, so a replayed (duplicated) or lost update shows.
        fn fold(aggregate: String, amount: i64) -> String {
            let (events, sum) = aggregate.split_once(':').unwrap_or(("0", "0"));
            let events = events.parse::<u64>().unwrap_or(0) + 1;
            let sum = sum.parse::<i64>().unwrap_or(0) + amount;
            format!("{events}:{sum}")
        }
        let minus: Topic<String, String, 4> = Topic::named(var("RIGHT_TOPIC")?);
        let amount = |v: &str| v.parse::<i64>().unwrap_or(0);
        builder
            .stream(input)
            .group_by_key()
            .cogroup(move |_, v: String, agg: String| fold(agg, amount(&v)))
            .cogroup(
                &builder.stream(minus).group_by_key(),
                move |_, v: String, agg: String| fold(agg, -amount(&v)),
            )
            .aggregate(|| String::from("0:0"))
            .to_stream()
            .to(output);
    } else if std::env::var("MODE").as_deref() == Ok("counter") {
        match std::env::var("PARTITIONS").as_deref() {
            Err(_) | Ok("4") => payment_counter::<4>(&builder, input.name(), output.name()),
            Ok("6") => payment_counter::<6>(&builder, input.name(), output.name()),
            Ok(other) => return Err(format!("eos_passthrough: PARTITIONS={other}: 4 or 6").into()),
        }
    } else {
        builder
            .stream(input)
            .filter(|_k, v: &String| !v.is_empty())
            .map_values(|v: String| v)
            .to(output);
    }
    let topology = builder.build()?;

    let mut config = StreamsConfig::new(var("APP_ID")?)
        .bootstrap_servers(var("KAFKA_BOOTSTRAP_SERVERS")?)
        .set("processing.guarantee", &var("GUARANTEE")?)
        .state_dir(var("STATE_DIR")?);
    for (env, key) in [
        ("COMMIT_INTERVAL_MS", "commit.interval.ms"),
        ("NUM_THREADS", "num.stream.threads"),
        ("SESSION_TIMEOUT_MS", "consumer.session.timeout.ms"),
        ("HEARTBEAT_INTERVAL_MS", "consumer.heartbeat.interval.ms"),
        ("CACHE_MAX_BYTES", "statestore.cache.max.bytes"),
        ("NUM_STANDBY_REPLICAS", "num.standby.replicas"),
        ("TASK_TIMEOUT_MS", "task.timeout.ms"),
    ] {
        if let Ok(value) = std::env::var(env) {
            config = config.set(key, &value);
        }
    }
    let streams = KafkaStreams::new(topology, config)?;
    streams.set_state_listener(|old, new| eprintln!("STATE {old} -> {new}"));
    streams.run_until_signal()?;
    eprintln!("EXITED CLEANLY");
    Ok(())
}
