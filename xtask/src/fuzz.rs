//! `cargo xtask fuzz [--seconds N] [TARGET...]`: runs the fuzz targets of
//! `kstreams-serde/fuzz/` (`json`, `protobuf`, `windowed`) for a bounded
//! time each.
//!
//! The route needs no nightly and no cargo-fuzz: the targets are built on
//! the pinned stable toolchain with libFuzzer's coverage instrumentation
//! (sanitizer-coverage passes, no AddressSanitizer), as
//! `kstreams-serde/fuzz/Cargo.toml` describes, into their own target
//! directory (the flags would otherwise invalidate the shared build). The
//! corpus and any crashing input are kept under `~/.cache/kstreams/fuzz/`,
//! so runs build on each other and nothing lands in the repository.

use std::path::Path;
use std::process::Command;

use crate::paths::{cache_root, repo_root};
use crate::Result;

/// The targets, as named in `kstreams-serde/fuzz/Cargo.toml`.
const TARGETS: [&str; 3] = ["json", "protobuf", "windowed"];
/// Seconds per target unless `--seconds` says otherwise.
const DEFAULT_SECONDS: u64 = 30;
/// libFuzzer instrumentation on stable (`--cfg fuzzing` as cargo-fuzz sets it).
const RUSTFLAGS: &str = "--cfg fuzzing -Cdebug-assertions -Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares";

/// Parses `[--seconds N] [TARGET...]`.
fn parse(args: &[&str]) -> Result<(u64, Vec<&'static str>)> {
    let (mut seconds, mut targets) = (DEFAULT_SECONDS, Vec::new());
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match *arg {
            "--seconds" => {
                let value = args.next().ok_or("--seconds needs a number")?;
                seconds = value.parse().ok().filter(|s| *s > 0).ok_or(format!(
                    "--seconds: `{value}` is not a positive whole number"
                ))?;
            }
            name => match TARGETS.iter().find(|t| **t == name) {
                Some(t) => targets.push(*t),
                None => {
                    return Err(format!(
                        "unknown fuzz target `{name}` (targets: {})",
                        TARGETS.join(", ")
                    ))
                }
            },
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    Ok((seconds, targets))
}

/// The host triple (`--target` keeps the flags off build scripts and proc macros).
fn host_triple() -> Result<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc)
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run {rustc}: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .ok_or_else(|| "`rustc -vV` printed no host triple".into())
}

fn create_dir(dir: &Path) -> Result {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

/// `cargo xtask fuzz`.
pub(crate) fn run(args: &[&str]) -> Result {
    let (seconds, targets) = parse(args)?;
    let triple = host_triple()?;
    let fuzz_dir = repo_root().join("kstreams-serde").join("fuzz");
    let work = cache_root().join("fuzz");
    let target_dir = work.join("target");
    eprintln!(
        "xtask: building fuzz targets {targets:?} (stable, coverage-instrumented) into {}",
        target_dir.display()
    );
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&fuzz_dir)
        .args(["build", "--release", "--target", &triple])
        .args(targets.iter().flat_map(|t| ["--bin", t]))
        .env("RUSTFLAGS", RUSTFLAGS)
        .env("CARGO_TARGET_DIR", &target_dir)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the fuzz targets failed ({status})"));
    }
    for target in &targets {
        let corpus = work.join("corpus").join(target);
        let artifacts = work.join("artifacts").join(target);
        create_dir(&corpus)?;
        create_dir(&artifacts)?;
        let binary = target_dir.join(&triple).join("release").join(target);
        eprintln!(
            "xtask: fuzzing `{target}` for {seconds} s (corpus {})",
            corpus.display()
        );
        let status = Command::new(&binary)
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .arg("-print_final_stats=1")
            .arg(&corpus)
            .status()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        if !status.success() {
            return Err(format!(
                "fuzz target `{target}` found a failing input ({status}); it is saved in {} — \
                 reproduce with `{} <file>`",
                artifacts.display(),
                binary.display()
            ));
        }
    }
    eprintln!(
        "xtask: {} fuzz target(s) ran {seconds} s each without a finding",
        targets.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        assert_eq!(parse(&[]).unwrap(), (DEFAULT_SECONDS, TARGETS.to_vec()));
        assert_eq!(
            parse(&["--seconds", "5", "json"]).unwrap(),
            (5, vec!["json"])
        );
        assert!(parse(&["--seconds", "0"]).is_err());
        assert!(parse(&["xml"]).unwrap_err().contains("unknown fuzz target"));
    }
}
