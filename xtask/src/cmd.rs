//! `cargo xtask demo` and `cargo xtask test`: the README's two commands.

use std::process::Command;
use std::time::Duration;

use crate::probe::{probe, Probe};
use crate::{kafka, prereqs, Result};

/// A broker for the duration of a command: the one at
/// `KAFKA_BOOTSTRAP_SERVERS` if it answers, else ours, started now.
pub(crate) struct Broker {
    pub(crate) bootstrap: String,
    pub(crate) started_here: bool,
}

impl Broker {
    pub(crate) fn up() -> Result<Broker> {
        if let Ok(given) = std::env::var("KAFKA_BOOTSTRAP_SERVERS") {
            if !given.trim().is_empty() {
                match probe(&given, Duration::from_secs(3)) {
                    Probe::Kafka { .. } => return Ok(Broker { bootstrap: given, started_here: false }),
                    other => eprintln!("xtask: nothing usable at KAFKA_BOOTSTRAP_SERVERS={given} ({other:?}); starting a local broker"),
                }
            }
        }
        let port = kafka::port()?;
        let was_running = matches!(
            probe(&kafka::address()?, Duration::from_secs(2)),
            Probe::Kafka { .. }
        );
        let bootstrap = kafka::start()?;
        let started_here = !was_running && kafka::running_pid(port).is_some();
        Ok(Broker {
            bootstrap,
            started_here,
        })
    }
}

/// `cargo` with the same toolchain that runs xtask.
pub(crate) fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// `cargo xtask test`: broker up, `cargo test --workspace --features
/// kstreams/http,kstreams/prometheus` with `KAFKA_BOOTSTRAP_SERVERS` and
/// `KSTREAMS_KAFKA_LIBS` (the broker's jars) exported, broker as found.
pub(crate) fn test(extra: &[&str]) -> Result {
    crate::layers::run()?;
    prereqs::ensure()?;
    let broker = Broker::up()?;
    eprintln!("xtask: testing against Kafka at {}", broker.bootstrap);
    // `tests/broker_outage.rs` stops and restarts a private broker of its
    // own (never the shared one): it runs these jars.
    let kafka_libs = match std::env::var_os("KSTREAMS_KAFKA_LIBS") {
        Some(dir) if !dir.is_empty() => std::path::PathBuf::from(dir),
        _ => kafka::fetch()?,
    };
    let status = cargo()
        .current_dir(crate::paths::repo_root())
        // `http`: the interactive-query endpoint's tests (`iq_http`, `iq_failover`);
        // `prometheus`: the metrics endpoint's (`metrics_broker`).
        .args([
            "test",
            "--workspace",
            "--features",
            "kstreams/http,kstreams/prometheus",
        ])
        .args(extra)
        .env("KAFKA_BOOTSTRAP_SERVERS", &broker.bootstrap)
        .env("KSTREAMS_KAFKA_LIBS", &kafka_libs)
        .status();
    // kstreams without its default `rocksdb` feature: the in-memory stores
    // and the clear error for a persistent store (no C++ is compiled).
    let status = match status {
        Ok(s) if s.success() && extra.is_empty() => cargo()
            .current_dir(crate::paths::repo_root())
            .args([
                "test",
                "-p",
                "kstreams",
                "--no-default-features",
                "--lib",
                "--test",
                "ttd_in_memory",
            ])
            .status(),
        other => other,
    };
    if broker.started_here {
        match kafka::stop() {
            // The tests' topics (unique names, never reused) would pile up
            // run after run: a broker this command started leaves no data.
            Ok(()) => kafka::discard_data(),
            Err(e) => eprintln!("xtask: could not stop the broker: {e}"),
        }
    }
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("cargo test failed ({s})")),
        Err(e) => Err(format!("cannot run cargo: {e}")),
    }
}

/// `cargo xtask demo`: broker up (left running), then the demo program.
pub(crate) fn demo(extra: &[&str]) -> Result {
    prereqs::ensure()?;
    let broker = Broker::up()?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| crate::paths::repo_root().join("target"));
    if !target.join("debug").join("demo").exists() {
        eprintln!(
            "xtask: building the demo first; the first build compiles RocksDB's C++ \
             (about 10 to 15 minutes on two cores), cargo shows its progress below"
        );
    }
    // Not `--quiet`: cargo's own progress shows while it builds.
    let status = cargo()
        .current_dir(crate::paths::repo_root())
        .args([
            "run",
            "--package",
            "kstreams-examples",
            "--bin",
            "demo",
            "--",
        ])
        .args(extra)
        .env("KAFKA_BOOTSTRAP_SERVERS", &broker.bootstrap)
        .status();
    if broker.started_here {
        eprintln!(
            "xtask: the broker keeps running at {}; stop it with `cargo xtask kafka stop`",
            broker.bootstrap
        );
    }
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("the demo failed ({s})")),
        Err(e) => Err(format!("cannot run cargo: {e}")),
    }
}
