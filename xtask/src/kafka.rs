//! `cargo xtask kafka start|stop|status`: one real Apache Kafka broker
//! (KRaft, combined broker + controller) on 127.0.0.1.
//!
//! The jars come from Maven Central through `mvn` (see `xtask/kafka/pom.xml`)
//! into `~/.cache/kstreams/kafka-<version>/libs` once; later starts work
//! offline. Data, config, log and pid live in `~/.cache/kstreams/kafka-run-<port>/`.
//! `start` is idempotent: a broker already answering on the port is left alone.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::paths::{kafka_home, kafka_run_dir, repo_root, KAFKA_VERSION};
use crate::probe::{probe, Probe};
use crate::Result;

/// The broker's client port: `KSTREAMS_KAFKA_PORT` or 9092.
pub(crate) fn port() -> Result<u16> {
    match std::env::var("KSTREAMS_KAFKA_PORT") {
        Ok(p) if !p.is_empty() => p
            .parse()
            .map_err(|_| format!("KSTREAMS_KAFKA_PORT=`{p}` is not a port number")),
        _ => Ok(9092),
    }
}

/// The bootstrap address of the managed broker.
pub(crate) fn address() -> Result<String> {
    Ok(format!("127.0.0.1:{}", port()?))
}

/// Starts the broker unless one already answers; returns its address.
pub(crate) fn start() -> Result<String> {
    let port = port()?;
    let addr = address()?;
    match probe(&addr, Duration::from_secs(2)) {
        Probe::Kafka { .. } => {
            match running_pid(port) {
                Some(pid) => eprintln!("xtask: Kafka already running (pid {pid}) at {addr}"),
                None => eprintln!("xtask: a Kafka broker not started by xtask already answers at {addr}; using it"),
            }
            return Ok(addr);
        }
        Probe::NotKafka(why) => {
            return Err(format!(
                "port {port} on 127.0.0.1 is taken by something that is not Kafka ({why}); \
                 stop it or choose another port with KSTREAMS_KAFKA_PORT"
            ))
        }
        Probe::Closed => {}
    }
    let controller_port = port
        .checked_add(1)
        .ok_or("port too high: the controller needs port+1")?;
    if !matches!(
        probe(
            &format!("127.0.0.1:{controller_port}"),
            Duration::from_millis(500)
        ),
        Probe::Closed
    ) {
        return Err(format!(
            "port {controller_port} (the KRaft controller's, client port + 1) is already in use; \
             free it or choose another port with KSTREAMS_KAFKA_PORT"
        ));
    }
    require_tool(
        "java",
        &["-version"],
        "a Java 17+ runtime (Debian: apt-get install -y openjdk-17-jre-headless)",
    )?;
    let libs = fetch()?;
    let run = kafka_run_dir(port);
    fs::create_dir_all(&run).map_err(|e| format!("cannot create {}: {e}", run.display()))?;
    let props = write_config(&run, port, controller_port)?;
    format_storage(&libs, &run, &props)?;
    let pid = spawn(&libs, &run, &props)?;
    wait_until_up(&addr, pid, &run)?;
    Ok(addr)
}

/// Stops the broker started by `start`, by its pid file.
pub(crate) fn stop() -> Result {
    let port = port()?;
    let Some(pid) = running_pid(port) else {
        println!("Kafka (xtask) is not running on port {port}");
        return Ok(());
    };
    signal(pid, "TERM")?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    if alive(pid) {
        eprintln!("xtask: broker {pid} did not stop within 30 s; killing it");
        signal(pid, "KILL")?;
    }
    let _ = fs::remove_file(kafka_run_dir(port).join("kafka.pid"));
    println!("Kafka stopped (pid {pid})");
    Ok(())
}

/// Deletes the stopped broker's data (topics and KRaft metadata); the next
/// `start` formats fresh storage. Does nothing while the broker runs.
pub(crate) fn discard_data() {
    let Ok(port) = port() else { return };
    if running_pid(port).is_some() {
        return;
    }
    let data = kafka_run_dir(port).join("data");
    match fs::remove_dir_all(&data) {
        Ok(()) => eprintln!("xtask: removed the test broker's data ({})", data.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => eprintln!("xtask: could not remove {}: {e}", data.display()),
    }
}

/// Says whether the broker runs and answers.
pub(crate) fn status() -> Result {
    let port = port()?;
    let addr = address()?;
    let answer = probe(&addr, Duration::from_secs(2));
    match (running_pid(port), answer) {
        (Some(pid), Probe::Kafka { brokers }) => {
            println!("running: pid {pid}, {addr}, {brokers} broker(s)")
        }
        (Some(pid), other) => {
            println!("started (pid {pid}) but not answering at {addr}: {other:?}")
        }
        (None, Probe::Kafka { .. }) => {
            println!("not started by xtask, but a Kafka broker answers at {addr}")
        }
        (None, _) => println!("not running"),
    }
    Ok(())
}

/// The pid of the broker xtask started on `port`, if it is still alive.
pub(crate) fn running_pid(port: u16) -> Option<u32> {
    let text = fs::read_to_string(kafka_run_dir(port).join("kafka.pid")).ok()?;
    let pid = text.trim().parse().ok()?;
    alive(pid).then_some(pid)
}

fn alive(pid: u32) -> bool {
    // A zombie (exited, not yet reaped) still has /proc/<pid>; check its state.
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn signal(pid: u32, sig: &str) -> Result {
    let status = Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status();
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(_) if !alive(pid) => Ok(()),
        Ok(s) => Err(format!("kill -{sig} {pid} failed ({s})")),
        Err(e) => Err(format!("cannot run kill: {e}")),
    }
}

pub(crate) fn require_tool(tool: &str, args: &[&str], what: &str) -> Result {
    match Command::new(tool)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(_) => Ok(()),
        Err(_) => Err(format!("`{tool}` not found: install {what}")),
    }
}

/// Downloads the broker's jars once; returns the `libs` directory (also
/// what `cargo xtask test` exports as `KSTREAMS_KAFKA_LIBS`, for the tests
/// that run a private broker they can stop).
pub(crate) fn fetch() -> Result<PathBuf> {
    let home = kafka_home();
    let libs = home.join("libs");
    let marker = home.join(".complete");
    if marker.exists() {
        return Ok(libs);
    }
    require_tool(
        "mvn",
        &["-v"],
        "Apache Maven (Debian: apt-get install -y maven)",
    )?;
    fs::create_dir_all(&home).map_err(|e| format!("cannot create {}: {e}", home.display()))?;
    let pom_src = repo_root().join("xtask/kafka/pom.xml");
    fs::copy(&pom_src, home.join("pom.xml"))
        .map_err(|e| format!("cannot copy {}: {e}", pom_src.display()))?;
    eprintln!(
        "xtask: fetching Apache Kafka {KAFKA_VERSION} from Maven Central into {} ...",
        home.display()
    );
    let _ = fs::remove_dir_all(&libs);
    let status = Command::new("mvn")
        .current_dir(&home)
        .args([
            "-q",
            "-B",
            "-Dstyle.color=never",
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
        ])
        .arg(format!("-DoutputDirectory={}", libs.display()))
        .status()
        .map_err(|e| format!("cannot run mvn: {e}"))?;
    if !status.success() {
        return Err(format!(
            "mvn could not fetch org.apache.kafka:kafka_2.13:{KAFKA_VERSION} ({status}); \
             check that Maven Central is reachable (once fetched, the broker starts offline)"
        ));
    }
    fs::write(&marker, KAFKA_VERSION)
        .map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    Ok(libs)
}

fn write_config(run: &Path, port: u16, controller_port: u16) -> Result<PathBuf> {
    let template = repo_root().join("xtask/kafka/server.properties");
    let base = fs::read_to_string(&template)
        .map_err(|e| format!("cannot read {}: {e}", template.display()))?;
    let data = run.join("data");
    let config = format!(
        "{base}\n# Added by cargo xtask kafka start\n\
         controller.quorum.voters=1@127.0.0.1:{controller_port}\n\
         listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}\n\
         advertised.listeners=PLAINTEXT://127.0.0.1:{port}\n\
         log.dirs={}\n",
        data.display()
    );
    let props = run.join("server.properties");
    fs::write(&props, config).map_err(|e| format!("cannot write {}: {e}", props.display()))?;
    Ok(props)
}

fn java(libs: &Path, run: &Path) -> Command {
    let mut cmd = Command::new("java");
    let log4j = repo_root().join("xtask/kafka/log4j2.properties");
    cmd.current_dir(run)
        .arg("-Xms256m")
        .arg("-Xmx1g")
        .arg(format!("-Dlog4j2.configurationFile={}", log4j.display()))
        .arg("-cp")
        .arg(format!("{}/*", libs.display()));
    cmd
}

/// Formats KRaft storage once per data directory.
fn format_storage(libs: &Path, run: &Path, props: &Path) -> Result {
    if run.join("data/meta.properties").exists() {
        return Ok(());
    }
    let out = java(libs, run)
        .args(["kafka.tools.StorageTool", "random-uuid"])
        .output()
        .map_err(|e| format!("cannot run java: {e}"))?;
    let cluster_id = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or("")
        .trim()
        .to_string();
    if !out.status.success() || cluster_id.len() != 22 {
        return Err(format!(
            "kafka-storage random-uuid failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let out = java(libs, run)
        .args([
            "kafka.tools.StorageTool",
            "format",
            "--ignore-formatted",
            "-t",
            &cluster_id,
            "-c",
        ])
        .arg(props)
        .output()
        .map_err(|e| format!("cannot run java: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "formatting KRaft storage failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

fn spawn(libs: &Path, run: &Path, props: &Path) -> Result<u32> {
    let log_path = run.join("kafka.log");
    let log = fs::File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let err = log
        .try_clone()
        .map_err(|e| format!("cannot open {}: {e}", log_path.display()))?;
    let mut cmd = java(libs, run);
    cmd.arg("kafka.Kafka")
        .arg(props)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err);
    // Its own process group: Ctrl-C in the terminal that ran xtask must not stop it.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd.spawn().map_err(|e| format!("cannot start java: {e}"))?;
    let pid = child.id();
    fs::write(run.join("kafka.pid"), pid.to_string())
        .map_err(|e| format!("cannot write pid file: {e}"))?;
    eprintln!(
        "xtask: started Kafka {KAFKA_VERSION} (pid {pid}), log: {}",
        log_path.display()
    );
    Ok(pid)
}

fn wait_until_up(addr: &str, pid: u32, run: &Path) -> Result {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Probe::Kafka { brokers } = probe(addr, Duration::from_secs(1)) {
            if brokers > 0 {
                return Ok(());
            }
        }
        if !alive(pid) {
            let log = fs::read_to_string(run.join("kafka.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!(
                "the broker exited during start-up; last log lines:\n{}",
                tail.join("\n")
            ));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the broker (pid {pid}) did not answer at {addr} within 90 s; see {}/kafka.log",
                run.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
