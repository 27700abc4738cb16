//! Support code for the benchmark programs (`src/bin/bench_*.rs`) that
//! `cargo xtask bench` runs: command-line flags, the payment-event model and
//! its generator, the join's account table, the stream-stream join's
//! topology and expected pair count, Kafka client helpers, and the
//! `BENCH key=value` lines the programs print for the harness.
//!
//! Nothing here asserts a speed; the programs print numbers and the xtask
//! turns them into a table (see `bench/README.md`).

pub mod account;
pub mod args;
pub mod kafka;
pub mod kstreams_app;
pub mod pairs;
pub mod payment;
pub mod report;

/// The error type of the benchmark programs: a message for the user.
pub type BenchResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;
