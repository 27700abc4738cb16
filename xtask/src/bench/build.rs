//! Builds what the benchmark runs: the Java app with Maven (only when its
//! sources changed since the last build) and the Rust programs with cargo.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::paths::repo_root;
use crate::Result;

/// How to start the Java Kafka Streams app.
pub(crate) struct JavaApp {
    classpath: String,
}

impl JavaApp {
    /// `java ... dev.kstreams.bench.BenchApp` (add the app's flags).
    pub(crate) fn command(&self) -> Command {
        self.command_for("dev.kstreams.bench.BenchApp")
    }

    /// `java ... MAIN_CLASS` for another main class of `bench/java`
    /// (`cargo xtask conformance` runs `dev.kstreams.conformance.ConformanceApp`).
    pub(crate) fn command_for(&self, main_class: &str) -> Command {
        let mut cmd = Command::new("java");
        cmd.arg("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
            .arg("-cp")
            .arg(&self.classpath)
            .arg(main_class);
        cmd
    }
}

/// Builds `bench/java` with `mvn package` unless the build is newer than every source.
pub(crate) fn java() -> Result<JavaApp> {
    let project = repo_root().join("bench/java");
    let target = project.join("target");
    let marker = target.join(".bench-built");
    let sources = newest_mtime(&project.join("src"))?.max(mtime(&project.join("pom.xml"))?);
    let built = fs::metadata(&marker).and_then(|m| m.modified()).ok();
    if built.is_none_or(|b| b < sources) {
        crate::kafka::require_tool(
            "mvn",
            &["-v"],
            "Apache Maven (Debian: apt-get install -y maven)",
        )?;
        eprintln!("xtask: building the Java Kafka Streams app (bench/java) with Maven ...");
        // copy-dependencies only adds jars: start from an empty lib/ so no stale version stays on the classpath.
        let _ = fs::remove_dir_all(target.join("lib"));
        let status = Command::new("mvn")
            .current_dir(&project)
            .args(["-q", "-B", "-Dstyle.color=never", "package"])
            .status()
            .map_err(|e| format!("cannot run mvn: {e}"))?;
        if !status.success() {
            return Err(format!(
                "mvn package failed in {} ({status})",
                project.display()
            ));
        }
        fs::write(&marker, "").map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    }
    Ok(JavaApp {
        classpath: format!(
            "{}:{}/*",
            target.join("classes").display(),
            target.join("lib").display()
        ),
    })
}

/// The Rust benchmark programs, built.
pub(crate) struct RustBins {
    dir: PathBuf,
}

impl RustBins {
    /// The path of a built program.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Whether a program was built (kstreams apps may not exist yet).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.path(name).is_file()
    }
}

/// The harness programs, always; the kstreams apps if their sources exist.
pub(crate) const HARNESS_BINS: [&str; 3] = ["bench_load", "bench_read", "bench_limit"];
/// The kstreams implementations (`examples/src/bin/bench_kstreams_*.rs`;
/// which topology each runs: `topology.rs`).
pub(crate) const KSTREAMS_BINS: [&str; 5] = [
    "bench_kstreams_stateless",
    "bench_kstreams_counter",
    "bench_kstreams_windowed",
    "bench_kstreams_stream_table_join",
    "bench_kstreams_stream_stream_join",
];

/// `cargo build [--release] -p kstreams-examples --bin ...`.
pub(crate) fn rust(release: bool) -> Result<RustBins> {
    let root = repo_root();
    let mut cmd = crate::cmd::cargo();
    cmd.current_dir(&root)
        .args(["build", "--package", "kstreams-examples"]);
    if release {
        cmd.arg("--release");
    }
    for bin in HARNESS_BINS {
        cmd.args(["--bin", bin]);
    }
    for bin in KSTREAMS_BINS {
        if root.join(format!("examples/src/bin/{bin}.rs")).is_file() {
            cmd.args(["--bin", bin]);
        }
    }
    eprintln!(
        "xtask: building the benchmark programs ({} profile) ...",
        if release { "release" } else { "dev" }
    );
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the benchmark programs failed ({status})"));
    }
    let dir = target_dir()?.join(if release { "release" } else { "debug" });
    for bin in HARNESS_BINS {
        if !dir.join(bin).is_file() {
            return Err(format!(
                "cargo built, but {} is missing",
                dir.join(bin).display()
            ));
        }
    }
    // A kstreams binary left over from another checkout would not be ours: only keep those we just built.
    for bin in KSTREAMS_BINS {
        if !root.join(format!("examples/src/bin/{bin}.rs")).is_file() {
            let _ = fs::remove_file(dir.join(bin));
        }
    }
    Ok(RustBins { dir })
}

/// Cargo's target directory: `CARGO_TARGET_DIR`, else the one `cargo metadata` names.
pub(crate) fn target_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return Ok(if dir.is_absolute() {
            dir
        } else {
            repo_root().join(dir)
        });
    }
    let out = crate::cmd::cargo()
        .current_dir(repo_root())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    // std only: pick `"target_directory":"..."` out of the JSON by hand.
    let start = text
        .find("\"target_directory\":\"")
        .ok_or("cargo metadata names no target_directory")?
        + 20;
    let end = text[start..]
        .find('"')
        .ok_or("cargo metadata: malformed target_directory")?
        + start;
    Ok(PathBuf::from(text[start..end].replace("\\\\", "\\")))
}

fn mtime(path: &Path) -> Result<SystemTime> {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|e| format!("cannot stat {}: {e}", path.display()))
}

fn newest_mtime(dir: &Path) -> Result<SystemTime> {
    let mut newest = mtime(dir)?;
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        let t = if path.is_dir() {
            newest_mtime(&path)?
        } else {
            mtime(&path)?
        };
        newest = newest.max(t);
    }
    Ok(newest)
}
