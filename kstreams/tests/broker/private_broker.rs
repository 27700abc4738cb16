//! A private single-node Kafka (KRaft, combined broker + controller) for
//! the tests that stop the broker (`tests/broker_outage.rs`): the shared
//! broker at `KAFKA_BOOTSTRAP_SERVERS` is never stopped, since other tests
//! use it.
//!
//! It runs the jars `cargo xtask` fetched (`KSTREAMS_KAFKA_LIBS`, exported
//! by `cargo xtask test`) with the repository's `xtask/kafka/server.properties`,
//! on two free loopback ports and its own log dir. `stop` and `start` keep
//! the ports and the log dir, so a restarted broker has its topics,
//! committed offsets and transaction state back.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};

use super::http::free_port;
use super::unique;

/// A valid KRaft cluster id (22 characters of base64url, the one Kafka's
/// own documentation uses): each private broker formats its own log dir,
/// so they need not differ.
const CLUSTER_ID: &str = "MkU3OEVBNTcwNTJENDM2Qk";

/// One private broker process; stopped (SIGKILL) and its files removed on drop.
pub struct PrivateBroker {
    libs: PathBuf,
    dir: PathBuf,
    port: u16,
    controller_port: u16,
    child: Option<Child>,
}

/// `KSTREAMS_KAFKA_LIBS`, or a failure that says how to get it.
fn kafka_libs() -> PathBuf {
    let libs = match std::env::var("KSTREAMS_KAFKA_LIBS") {
        Ok(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => panic!(
            "KSTREAMS_KAFKA_LIBS is not set: this test starts (and stops) a private Kafka broker \
             from the jars `cargo xtask kafka start` fetches into ~/.cache/kstreams/kafka-<version>/libs; \
             run it with `cargo xtask test` (which exports it), or export KSTREAMS_KAFKA_LIBS=<that libs dir>"
        ),
    };
    let has_jars = std::fs::read_dir(&libs)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("kafka_2.13"))
        })
        .unwrap_or(false);
    assert!(
        has_jars,
        "KSTREAMS_KAFKA_LIBS={} holds no kafka_2.13 jar; run `cargo xtask kafka start` once to fetch Kafka",
        libs.display()
    );
    libs
}

/// The repository's `xtask/kafka/<name>`.
fn xtask_kafka_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../xtask/kafka")
        .join(name)
}

impl PrivateBroker {
    /// Formats a fresh log dir and starts the broker; returns once it
    /// answers a metadata request.
    pub fn start_new(name: &str) -> PrivateBroker {
        let libs = kafka_libs();
        let dir = std::env::temp_dir().join(unique(name));
        std::fs::create_dir_all(&dir).expect("private broker dir");
        let (port, controller_port) = (free_port(), free_port());
        let template = xtask_kafka_file("server.properties");
        let base = std::fs::read_to_string(&template)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", template.display()));
        let config = format!(
            "{base}\n# Added by the private test broker\n\
             controller.quorum.voters=1@127.0.0.1:{controller_port}\n\
             listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}\n\
             advertised.listeners=PLAINTEXT://127.0.0.1:{port}\n\
             log.dirs={}\n",
            dir.join("data").display()
        );
        std::fs::write(dir.join("server.properties"), config).expect("write server.properties");
        let mut broker = PrivateBroker {
            libs,
            dir,
            port,
            controller_port,
            child: None,
        };
        let out = broker
            .java()
            .args(["kafka.tools.StorageTool", "format", "-t", CLUSTER_ID, "-c"])
            .arg(broker.dir.join("server.properties"))
            .output()
            .expect("run java (a Java 17+ runtime is needed for the private broker)");
        assert!(
            out.status.success(),
            "formatting the private broker's storage failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        broker.start();
        broker
    }

    fn java(&self) -> Command {
        let mut cmd = Command::new("java");
        cmd.current_dir(&self.dir)
            .arg("-Xms128m")
            .arg("-Xmx512m")
            .arg(format!(
                "-Dlog4j2.configurationFile={}",
                xtask_kafka_file("log4j2.properties").display()
            ))
            .arg("-cp")
            .arg(format!("{}/*", self.libs.display()));
        cmd
    }

    /// `127.0.0.1:<port>`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The broker's log file (appended to across restarts).
    pub fn log(&self) -> PathBuf {
        self.dir.join("kafka.log")
    }

    /// Starts the (stopped) broker on its ports and log dir; returns once
    /// it answers (at most 120 s, a hang guard).
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "the private broker already runs");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log())
            .expect("broker log");
        let err = log.try_clone().expect("broker log");
        let mut cmd = self.java();
        cmd.arg("kafka.Kafka")
            .arg(self.dir.join("server.properties"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err);
        let started = Instant::now();
        let mut child = cmd.spawn().expect("start java for the private broker");
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", self.bootstrap())
            .set("log_level", "0")
            .create()
            .expect("probe client");
        loop {
            if let Ok(metadata) = consumer.fetch_metadata(None, Duration::from_secs(1)) {
                if !metadata.brokers().is_empty() {
                    break;
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "the private broker exited during start-up ({status}); see {}",
                    self.log().display()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the private broker did not answer at {} within 120 s; see {}",
                self.bootstrap(),
                self.log().display()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
        eprintln!(
            "private broker (pid {}) up at {} in {:.1} s (controller port {}, log {})",
            child.id(),
            self.bootstrap(),
            started.elapsed().as_secs_f64(),
            self.controller_port,
            self.log().display()
        );
        self.child = Some(child);
    }

    /// Stops the broker with `signal` (`libc::SIGTERM`: a controlled
    /// shutdown; `libc::SIGKILL`: a crash) and reaps it.
    pub fn stop(&mut self, signal: libc::c_int) {
        let mut child = self.child.take().expect("the private broker runs");
        super::signal(&child, signal);
        let status = child.wait().expect("reap the private broker");
        eprintln!("private broker at {} stopped ({status})", self.bootstrap());
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
