//! `cargo xtask conformance [CASES..]`: Java Kafka Streams is the oracle.
//!
//! For each case (registry: `examples/src/conformance/cases.rs`, Java side:
//! `bench/java/src/main/java/dev/kstreams/conformance/Cases.java`):
//! 1. `conformance_io produce` writes the case's seeded input, once, into a
//!    fresh 4-partition topic `kstreams-conf-<unix time>-<case>-input` (a
//!    case with several inputs also gets `...-input-1`, `...-input-2`);
//! 2. the Java app (`dev.kstreams.conformance.ConformanceApp --case`) and the
//!    kstreams app (`conformance_kstreams --case`) run **concurrently** on
//!    that topic, with distinct application ids (`...-<case>-java`,
//!    `...-<case>-kstreams`) and output topics (`<app id>-output`), both with
//!    exactly_once_v2, the record cache off and a 100 ms commit interval;
//! 3. one `conformance_io read` per app reads its output with read_committed
//!    until the app's group has committed the end of the input (and of its
//!    repartition topics) and then no output arrived for `--quiet-ms`
//!    (default 3000; the reasoning is in `conformance_io.rs`); the apps are
//!    then stopped with SIGTERM;
//! 4. the two dumps are compared per output partition in offset order: key
//!    bytes, value bytes, timestamp (aligned on their longest common
//!    subsequence, so a missing record is reported as missing, not as a
//!    shift of everything after it; see `conformance/compare.rs`).
//!
//! Prints a table (case, records Java, records kstreams, agree, first
//! difference, time) and up to `--show N` (default 5) differences per case;
//! exits non-zero when a case differs or cannot run. `--seed N` varies
//! every input (XOR-ed into the registry's seeds). Topics are deleted
//! afterwards (`--keep` keeps them); logs and dumps stay in
//! `~/.cache/kstreams/conformance/<run id>/`.

mod compare;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::bench::build::{self, JavaApp};
use crate::bench::child::{field, Proc};
use crate::paths::{cache_root, repo_root};
use crate::Result;

/// Main class of the Java side in `bench/java`.
const JAVA_MAIN: &str = "dev.kstreams.conformance.ConformanceApp";
/// The kstreams app and the Kafka tool (`examples/src/bin/`).
const BINS: [&str; 2] = ["conformance_kstreams", "conformance_io"];

const USAGE: &str = "usage: cargo xtask conformance [--release] [--keep] [--quiet-ms 3000] [--show 5] [--seed N] [--list] [CASES..]";

#[derive(Debug)]
struct Settings {
    release: bool,
    keep: bool,
    list: bool,
    quiet_ms: u64,
    show: usize,
    /// XOR-ed into every case's seed (0: the registry's inputs).
    seed: u64,
    cases: Vec<String>,
}

impl Settings {
    fn parse(args: &[&str]) -> Result<Settings> {
        let mut s = Settings {
            release: false,
            keep: false,
            list: false,
            quiet_ms: 3000,
            show: 5,
            seed: 0,
            cases: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut number = |name: &str| -> Result<u64> {
                let v = it.next().ok_or_else(|| format!("{name} needs a number"))?;
                v.parse()
                    .map_err(|_| format!("{name}: `{v}` is not a number"))
            };
            match *arg {
                "--release" => s.release = true,
                "--keep" => s.keep = true,
                "--list" => s.list = true,
                "--quiet-ms" => s.quiet_ms = number("--quiet-ms")?,
                "--show" => s.show = number("--show")? as usize,
                "--seed" => s.seed = number("--seed")?,
                other if other.starts_with('-') => {
                    return Err(format!("conformance: unknown option `{other}`\n{USAGE}"))
                }
                case => s.cases.push(case.to_owned()),
            }
        }
        Ok(s)
    }
}

/// `cargo xtask conformance ...`
pub(crate) fn run(args: &[&str]) -> Result {
    let settings = Settings::parse(args)?;
    let total = Instant::now();
    crate::prereqs::ensure()?;
    let bins = build_rust(settings.release)?;
    let known = list_cases(&bins)?;
    if settings.list {
        for c in &known {
            println!("{:<12} {}", c.name, c.about);
        }
        return Ok(());
    }
    let selected: Vec<CaseInfo> = if settings.cases.is_empty() {
        known.clone()
    } else {
        let mut v = Vec::new();
        for name in &settings.cases {
            let case = known.iter().find(|c| &c.name == name).ok_or_else(|| {
                let names: Vec<&str> = known.iter().map(|c| c.name.as_str()).collect();
                format!("unknown case `{name}` (known: {})", names.join(", "))
            })?;
            v.push(case.clone());
        }
        v
    };
    let java = build::java()?;
    let broker = crate::cmd::Broker::up()?;
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let id = format!("kstreams-conf-{stamp}");
    let work = cache_root().join("conformance").join(&id);
    fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let run = Run {
        bootstrap: broker.bootstrap.clone(),
        id,
        bins,
        java,
        work,
        quiet_ms: settings.quiet_ms,
        seed: settings.seed,
    };
    eprintln!(
        "xtask: conformance run {} against Kafka at {}; logs in {}",
        run.id,
        run.bootstrap,
        run.work.display()
    );

    let mut rows = Vec::new();
    for case in &selected {
        let name = &case.name;
        eprintln!("xtask: == {name}");
        let started = Instant::now();
        let outcome = run.case(case);
        let secs = started.elapsed().as_secs_f64();
        if !settings.keep {
            if let Err(e) = run.io(&["cleanup", "--prefix", &format!("{}-{name}-", run.id)]) {
                eprintln!("xtask: could not delete the topics of case {name}: {e}");
            }
        }
        let _ = fs::remove_dir_all(run.work.join(format!("{name}-state")));
        match &outcome {
            Ok(o) => eprintln!(
                "xtask:    {name}: Java {} records, kstreams {} records, {} ({secs:.1} s)",
                o.java.len(),
                o.kstreams.len(),
                if o.diffs.is_empty() {
                    "agree".to_owned()
                } else {
                    compare::summarize(&o.diffs)
                }
            ),
            Err(e) => eprintln!("xtask:    {name} could not run ({secs:.1} s): {e}"),
        }
        rows.push((name.clone(), outcome, secs));
    }
    if broker.started_here {
        eprintln!(
            "xtask: the broker keeps running at {}; stop it with `cargo xtask kafka stop`",
            broker.bootstrap
        );
    }
    let failed = report(
        &rows,
        settings.show,
        total.elapsed().as_secs_f64(),
        &run.work,
    );
    if failed > 0 {
        return Err(format!(
            "{failed} of {} conformance cases differ from Java Kafka Streams or could not run",
            rows.len()
        ));
    }
    Ok(())
}

/// Prints the table and the details; returns the number of failed cases.
fn report(
    rows: &[(String, Result<Outcome>, f64)],
    show: usize,
    total_secs: f64,
    work: &Path,
) -> usize {
    let mut failed = 0;
    println!("\n| case | records Java | records kstreams | agree | first difference | time |");
    println!("|---|---:|---:|---|---|---:|");
    for (name, outcome, secs) in rows {
        match outcome {
            Ok(o) => {
                let first = o
                    .diffs
                    .first()
                    .map(|d| d.describe(o.base_ms).replace('|', "\\|"))
                    .unwrap_or_default();
                failed += usize::from(!o.diffs.is_empty());
                println!(
                    "| {name} | {} | {} | {} | {first} | {secs:.1} s |",
                    o.java.len(),
                    o.kstreams.len(),
                    if o.diffs.is_empty() { "yes" } else { "**no**" }
                );
            }
            Err(e) => {
                failed += 1;
                let line = e.lines().next().unwrap_or("").replace('|', "\\|");
                println!("| {name} | - | - | **could not run** | {line} | {secs:.1} s |");
            }
        }
    }
    println!(
        "\ntotal: {total_secs:.1} s; logs and output dumps: {}",
        work.display()
    );
    for (name, outcome, _) in rows {
        match outcome {
            Ok(o) if !o.diffs.is_empty() => {
                println!("\n{name}: {}", compare::summarize(&o.diffs));
                for d in o.diffs.iter().take(show) {
                    println!("  {}", d.describe(o.base_ms));
                }
                if o.diffs.len() > show {
                    println!("  ... ({} more; --show N)", o.diffs.len() - show);
                }
            }
            Err(e) => println!("\n{name} could not run: {e}"),
            _ => {}
        }
    }
    failed
}

/// What one case produced.
struct Outcome {
    java: Vec<compare::Rec>,
    kstreams: Vec<compare::Rec>,
    diffs: Vec<compare::Difference>,
    /// The input's base timestamp (differences show timestamps relative to it).
    base_ms: i64,
}

/// One conformance run: its id (prefix of every topic and application id).
struct Run {
    bootstrap: String,
    id: String,
    bins: PathBuf,
    java: JavaApp,
    work: PathBuf,
    quiet_ms: u64,
    seed: u64,
}

/// One of the two implementations of a case.
struct Side {
    label: &'static str,
    app_id: String,
    output: String,
    dump: PathBuf,
}

impl Run {
    fn case(&self, case: &CaseInfo) -> Result<Outcome> {
        let name = case.name.as_str();
        let prefix = format!("{}-{name}", self.id);
        // `...-input`, then `...-input-1`, `...-input-2` for further inputs.
        let input = (0..case.inputs)
            .map(|i| match i {
                0 => format!("{prefix}-input"),
                i => format!("{prefix}-input-{i}"),
            })
            .collect::<Vec<_>>()
            .join(",");
        let sides: Vec<Side> = ["java", "kstreams"]
            .into_iter()
            .map(|label| {
                let app_id = format!("{prefix}-{label}");
                Side {
                    label,
                    output: format!("{app_id}-output"),
                    dump: self.work.join(format!("{name}-{label}.tsv")),
                    app_id,
                }
            })
            .collect();
        let topics = format!("{input},{},{}", sides[0].output, sides[1].output);
        self.io(&["create", "--topics", &topics])?;
        let input_dump = self.work.join(format!("{name}-input.tsv"));
        let produced = self.io(&[
            "produce",
            "--case",
            name,
            "--topics",
            &input,
            "--dump",
            path_str(&input_dump)?,
            "--seed-xor",
            &self.seed.to_string(),
        ])?;
        let base_ms: i64 = field(&produced, "base_ms")
            .ok_or_else(|| format!("conformance_io produce printed no base_ms: {produced}"))?;
        eprintln!("xtask:    input: {produced}");

        // Readers first (they read from the beginning; ready = assigned), then both apps.
        let mut readers = Vec::new();
        for side in &sides {
            let mut cmd = self.io_cmd("read");
            cmd.args(["--case", name, "--topic", &side.output, "--input", &input])
                .args(["--group", &side.app_id, "--dump", path_str(&side.dump)?])
                .args([
                    "--quiet-ms",
                    &self.quiet_ms.to_string(),
                    "--timeout-s",
                    "180",
                ]);
            let log = self.work.join(format!("{name}-{}-reader.log", side.label));
            let mut reader = Proc::spawn(&format!("{} reader", side.label), cmd, log, false)?;
            reader.wait_for("reader=ready", Duration::from_secs(60))?;
            readers.push(Some(reader));
        }
        let mut apps = Vec::new();
        for side in &sides {
            let state = self.work.join(format!("{name}-state")).join(side.label);
            let mut cmd = match side.label {
                "java" => self.java.command_for(JAVA_MAIN),
                _ => Command::new(self.bins.join("conformance_kstreams")),
            };
            cmd.args(["--case", name, "--bootstrap", &self.bootstrap])
                .args(["--application-id", &side.app_id, "--input", &input])
                .args(["--output", &side.output, "--state-dir", path_str(&state)?])
                .args(["--commit-interval-ms", "100"]);
            let log = self.work.join(format!("{name}-{}.log", side.label));
            apps.push(Proc::spawn(
                &format!("{} app ({name})", side.label),
                cmd,
                log,
                false,
            )?);
        }

        // Until both readers are done; an app that exits early is an error.
        let mut outcome: Result = Ok(());
        'wait: while readers.iter().any(Option::is_some) {
            for (i, slot) in readers.iter_mut().enumerate() {
                let Some(reader) = slot else { continue };
                match reader.poll_for("read ", Duration::from_millis(100)) {
                    Ok(Some(line)) => {
                        eprintln!("xtask:    {} output: {line}", sides[i].label);
                        if let Some(r) = slot.take() {
                            r.wait(Duration::from_secs(10))?;
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        // A reader timeout: the app's own log says why.
                        outcome = Err(format!("{e}\n{}", apps[i].log_tail()));
                        break 'wait;
                    }
                }
                if let Some(e) = apps[i].exit_message() {
                    outcome = Err(format!(
                        "the {} app stopped before its output was complete: {e}",
                        sides[i].label
                    ));
                    break 'wait;
                }
            }
        }
        for mut app in apps {
            // SIGTERM only to an app that still runs (one that exited is reported above).
            if app.exit_message().is_none() {
                let _ = app.stop(Duration::from_secs(40));
            }
        }
        outcome?;

        let load = |side: &Side| -> Result<Vec<compare::Rec>> {
            let text = fs::read_to_string(&side.dump)
                .map_err(|e| format!("cannot read {}: {e}", side.dump.display()))?;
            compare::parse(&text)
        };
        let java = load(&sides[0])?;
        let kstreams = load(&sides[1])?;
        let diffs = compare::compare(&java, &kstreams);
        Ok(Outcome {
            java,
            kstreams,
            diffs,
            base_ms,
        })
    }

    fn io_cmd(&self, command: &str) -> Command {
        let mut cmd = Command::new(self.bins.join("conformance_io"));
        cmd.arg(command).args(["--bootstrap", &self.bootstrap]);
        cmd
    }

    /// Runs `conformance_io` to completion; returns its last `BENCH` line.
    fn io(&self, args: &[&str]) -> Result<String> {
        let out = self
            .io_cmd(args[0])
            .args(&args[1..])
            .output()
            .map_err(|e| format!("cannot run conformance_io: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "conformance_io {} failed: {}",
                args[0],
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("BENCH "))
            .unwrap_or("")
            .to_owned())
    }
}

fn path_str(path: &Path) -> Result<&str> {
    path.to_str()
        .ok_or_else(|| format!("path {} is not UTF-8", path.display()))
}

/// `cargo build -p kstreams-examples --bin conformance_kstreams --bin conformance_io`;
/// returns the directory holding them.
fn build_rust(release: bool) -> Result<PathBuf> {
    let mut cmd = crate::cmd::cargo();
    cmd.current_dir(repo_root())
        .args(["build", "--package", "kstreams-examples"]);
    if release {
        cmd.arg("--release");
    }
    for bin in BINS {
        cmd.args(["--bin", bin]);
    }
    eprintln!(
        "xtask: building {} ({} profile) ...",
        BINS.join(", "),
        if release { "release" } else { "dev" }
    );
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "building the conformance programs failed ({status})"
        ));
    }
    let dir = build::target_dir()?.join(if release { "release" } else { "debug" });
    for bin in BINS {
        if !dir.join(bin).is_file() {
            return Err(format!(
                "cargo built, but {} is missing",
                dir.join(bin).display()
            ));
        }
    }
    Ok(dir)
}

/// A case, as `conformance_io cases` lists it.
#[derive(Debug, Clone)]
struct CaseInfo {
    name: String,
    /// Number of input topics.
    inputs: usize,
    about: String,
}

/// The cases `conformance_io cases` knows.
fn list_cases(bins: &Path) -> Result<Vec<CaseInfo>> {
    let out = Command::new(bins.join("conformance_io"))
        .arg("cases")
        .output()
        .map_err(|e| format!("cannot run conformance_io: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "conformance_io cases failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let mut cases = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(rest) = line.strip_prefix("CASE ") else {
            continue;
        };
        let f: Vec<&str> = rest.splitn(3, '\t').collect();
        let inputs = f.get(1).and_then(|n| n.parse().ok()).filter(|n| *n > 0);
        match (f.first(), inputs) {
            (Some(name), Some(inputs)) => cases.push(CaseInfo {
                name: (*name).to_owned(),
                inputs,
                about: f.get(2).copied().unwrap_or("").to_owned(),
            }),
            _ => return Err(format!("conformance_io cases: malformed line {line:?}")),
        }
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings() {
        let s = Settings::parse(&["count", "--keep", "--quiet-ms", "500", "table"]).unwrap();
        assert_eq!(s.cases, vec!["count", "table"]);
        assert!(s.keep && !s.release);
        assert_eq!(s.quiet_ms, 500);
        assert!(Settings::parse(&["--fast"])
            .unwrap_err()
            .contains("unknown option"));
        assert!(Settings::parse(&["--show"])
            .unwrap_err()
            .contains("needs a number"));
    }
}
