//! Where xtask keeps things: everything outside the repository, under
//! `$XDG_CACHE_HOME/kstreams` (default `~/.cache/kstreams`), so clones share
//! one broker download and one build directory.

use std::path::{Path, PathBuf};

/// The Kafka version fetched from Maven Central (kept in step with `xtask/kafka/pom.xml`).
pub(crate) const KAFKA_VERSION: &str = "4.3.1";

/// `~/.cache/kstreams`.
pub(crate) fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("kstreams");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    home.join(".cache").join("kstreams")
}

/// The broker's jars: `~/.cache/kstreams/kafka-<version>/libs`.
pub(crate) fn kafka_home() -> PathBuf {
    cache_root().join(format!("kafka-{KAFKA_VERSION}"))
}

/// The running broker's files (data, config, log, pid), one set per port.
pub(crate) fn kafka_run_dir(port: u16) -> PathBuf {
    cache_root().join(format!("kafka-run-{port}"))
}

/// The repository root (xtask's parent directory). `cargo run` sets
/// `CARGO_MANIFEST_DIR` for the process too: prefer it to the path baked in
/// at compile time, which is stale when another clone sharing the target
/// directory built this binary.
pub(crate) fn repo_root() -> PathBuf {
    let runtime = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let manifest = runtime
        .as_deref()
        .unwrap_or(Path::new(env!("CARGO_MANIFEST_DIR")));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.to_path_buf())
}
