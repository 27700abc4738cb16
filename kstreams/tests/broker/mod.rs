//! Helpers for the tests that run against a real Kafka broker
//! (`runtime_*.rs`, `eos_*.rs`): topics, producing input, reading output
//! read_committed, and the `eos_passthrough` child process.

#![allow(dead_code)] // each test file uses a subset

pub mod counter;
pub mod http;
pub mod private_broker;
pub mod table_join;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::Message;

/// `KAFKA_BOOTSTRAP_SERVERS`, or a failure that says how to get a broker.
pub fn bootstrap() -> String {
    match std::env::var("KAFKA_BOOTSTRAP_SERVERS") {
        Ok(s) if !s.is_empty() => s,
        _ => panic!(
            "KAFKA_BOOTSTRAP_SERVERS is not set: this test needs a real Kafka broker; \
             start Kafka with `cargo xtask kafka start` and export the address it prints \
             (or run everything with `cargo xtask test`)"
        ),
    }
}

/// A name unique to this test run (several people share the broker).
pub fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        nanos % 1_000_000_000_000
    )
}

fn client_config() -> ClientConfig {
    client_config_for(&bootstrap())
}

fn client_config_for(bootstrap: &str) -> ClientConfig {
    let mut cc = ClientConfig::new();
    cc.set("bootstrap.servers", bootstrap);
    cc
}

/// Creates topics with `partitions` each, retrying while the broker restarts.
pub fn create_topics(names: &[&str], partitions: i32) {
    create_topics_on(&bootstrap(), names, partitions);
}

/// [`create_topics`] on the broker at `bootstrap`.
pub fn create_topics_on(bootstrap: &str, names: &[&str], partitions: i32) {
    let admin: AdminClient<DefaultClientContext> =
        client_config_for(bootstrap).create().expect("admin client");
    let topics: Vec<NewTopic<'_>> = names
        .iter()
        .map(|n| NewTopic::new(n, partitions, TopicReplication::Fixed(1)))
        .collect();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(20)));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match futures_executor::block_on(admin.create_topics(&topics, &options)) {
            Ok(results) => {
                for r in results {
                    r.expect("topic created");
                }
                return;
            }
            Err(e) if Instant::now() < deadline => {
                eprintln!("create_topics: {e}; retrying");
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(e) => panic!("could not create topics {names:?}: {e}"),
        }
    }
}

/// Produces `(key, value)` records (key partitioned by the default partitioner).
pub fn produce(topic: &str, records: impl IntoIterator<Item = (String, String)>) {
    produce_on(&bootstrap(), topic, records);
}

/// [`produce`] to the broker at `bootstrap`.
pub fn produce_on(
    bootstrap: &str,
    topic: &str,
    records: impl IntoIterator<Item = (String, String)>,
) {
    let producer: BaseProducer = client_config_for(bootstrap)
        .set("linger.ms", "5")
        .set("partitioner", "murmur2_random")
        .create()
        .expect("producer");
    for (k, v) in records {
        let mut record = BaseRecord::to(topic).key(&k).payload(&v);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, back)) => {
                    record = back;
                    producer.poll(Duration::from_millis(10));
                }
            }
        }
        producer.poll(Duration::ZERO);
    }
    producer
        .flush(Duration::from_secs(60))
        .expect("flush input");
}

/// One input record placed exactly: topic, partition, key, value, timestamp.
pub struct Placed {
    pub topic: String,
    pub partition: i32,
    pub key: String,
    pub value: String,
    pub timestamp: i64,
}

impl Placed {
    /// A record in the partition the default partitioner (murmur2) gives
    /// `key` among `partitions`: where the application's own writes of
    /// that key go, so inputs joined by key are co-partitioned.
    pub fn keyed(
        topic: &str,
        key: String,
        value: String,
        timestamp: i64,
        partitions: i32,
    ) -> Placed {
        Placed {
            topic: topic.to_owned(),
            partition: kstreams::processor::partitioner::partition_for_key(
                key.as_bytes(),
                partitions as u32,
            ),
            key,
            value,
            timestamp,
        }
    }
}

/// Produces records to the partitions and with the timestamps they name
/// (for tests of event-time behaviour: punctuation, timestamp order).
pub fn produce_placed(records: impl IntoIterator<Item = Placed>) {
    let producer: BaseProducer = client_config()
        .set("linger.ms", "5")
        .create()
        .expect("producer");
    for r in records {
        let mut record = BaseRecord::to(&r.topic)
            .partition(r.partition)
            .key(&r.key)
            .payload(&r.value)
            .timestamp(r.timestamp);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, back)) => {
                    record = back;
                    producer.poll(Duration::from_millis(10));
                }
            }
        }
        producer.poll(Duration::ZERO);
    }
    producer
        .flush(Duration::from_secs(60))
        .expect("flush input");
}

/// A record read back for checking: key and value bytes (`None` for a
/// Kafka `null`) and timestamp.
pub type RawRecord = (Option<Vec<u8>>, Option<Vec<u8>>, i64);

/// Every record of `topic` read_committed, subscribed as a fresh group:
/// waits until `expected` arrived (or 120 s passed), then 3 s more for any
/// extra (a duplicate would show).
pub fn read_committed_raw_until(topic: &str, expected: usize) -> Vec<RawRecord> {
    let mut arrived = 0;
    read_committed_raw_until_done(topic, |_| {
        arrived += 1;
        arrived >= expected
    })
}

/// Every record of `topic` read_committed, subscribed as a fresh group:
/// reads until `done` (shown each record as it arrives) returns true (or
/// 120 s passed), then 3 s more for any extra (a duplicate would show).
/// For outputs whose completeness is not a record count (distinct keys,
/// running counts that must each reach their final value).
pub fn read_committed_raw_until_done(
    topic: &str,
    mut done: impl FnMut(&RawRecord) -> bool,
) -> Vec<RawRecord> {
    let consumer: BaseConsumer = client_config()
        .set("group.id", unique("checker"))
        .set("isolation.level", "read_committed")
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("checker consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut reached: Option<Instant> = None;
    while Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                let record = (
                    m.key().map(<[u8]>::to_vec),
                    m.payload().map(<[u8]>::to_vec),
                    m.timestamp().to_millis().expect("output timestamp"),
                );
                if done(&record) {
                    reached.get_or_insert_with(Instant::now);
                }
                out.push(record);
            }
            Some(Err(e)) => eprintln!("checker consumer: {e}"),
            None => {}
        }
        if reached.is_some_and(|at| at.elapsed() > Duration::from_secs(3)) {
            break;
        }
    }
    out
}

/// [`read_committed_raw_until`] for records with UTF-8 keys and non-null
/// values: (key, value bytes, timestamp).
pub fn read_committed_until(topic: &str, expected: usize) -> Vec<(String, Vec<u8>, i64)> {
    read_committed_raw_until(topic, expected)
        .into_iter()
        .map(|(key, value, timestamp)| {
            let key = String::from_utf8(key.expect("output key")).expect("utf-8 key");
            (key, value.expect("output value"), timestamp)
        })
        .collect()
}

/// Reads every committed record of `topic` (all partitions, from the
/// beginning) until each partition's position reaches its end offset.
/// Returns `(partition, key, value)`.
pub fn read_committed(
    topic: &str,
    partitions: i32,
    timeout: Duration,
) -> Vec<(i32, String, String)> {
    let consumer: BaseConsumer = client_config()
        .set("group.id", unique("checker"))
        .set("isolation.level", "read_committed")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    let mut ends = HashMap::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .expect("tpl");
        let (_, high) = consumer
            .fetch_watermarks(topic, p, Duration::from_secs(10))
            .expect("watermarks");
        ends.insert(p, high);
    }
    consumer.assign(&tpl).expect("assign");
    let mut out = Vec::new();
    let deadline = Instant::now() + timeout;
    loop {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => out.push((
                m.partition(),
                String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
                String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned(),
            )),
            Some(Err(e)) => eprintln!("checker consumer: {e}"),
            None => {
                let positions = consumer.position().expect("position");
                let done = (0..partitions).all(|p| {
                    let pos = positions
                        .find_partition(topic, p)
                        .and_then(|e| e.offset().to_raw())
                        .unwrap_or(-1);
                    pos >= ends[&p]
                });
                drop(positions);
                if done || ends.values().all(|e| *e == 0) {
                    return out;
                }
                if Instant::now() > deadline {
                    eprintln!("read_committed: timed out before reaching the end offsets {ends:?}");
                    return out;
                }
            }
        }
    }
}

/// Committed offsets of consumer group `group` on `topic` summed, and the
/// topic's end offsets summed: the application is done when they match.
pub fn group_lag(group: &str, topic: &str, partitions: i32) -> i64 {
    group_lag_on(&bootstrap(), group, topic, partitions)
}

/// [`group_lag`] on the broker at `bootstrap`.
pub fn group_lag_on(bootstrap: &str, group: &str, topic: &str, partitions: i32) -> i64 {
    let consumer: BaseConsumer = client_config_for(bootstrap)
        .set("group.id", group)
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition(topic, p);
    }
    let committed = match consumer.committed_offsets(tpl, Duration::from_secs(10)) {
        Ok(c) => c,
        Err(_) => return i64::MAX,
    };
    let mut lag = 0;
    for p in 0..partitions {
        let (_, high) = consumer
            .fetch_watermarks(topic, p, Duration::from_secs(10))
            .unwrap_or((0, i64::MAX / 8));
        let pos = committed
            .find_partition(topic, p)
            .and_then(|e| e.offset().to_raw())
            .unwrap_or(0)
            .max(0);
        lag += high - pos;
    }
    lag
}

/// Sum of the end offsets of `topic`'s partitions.
pub fn end_offsets(topic: &str, partitions: i32) -> i64 {
    let consumer: BaseConsumer = client_config().create().expect("consumer");
    (0..partitions)
        .map(|p| {
            consumer
                .fetch_watermarks(topic, p, Duration::from_secs(10))
                .map_or(0, |(_, high)| high)
        })
        .sum()
}

/// Counts duplicates and missing ids among output values `0..expected`.
pub fn check_exactly_once(values: &[(i32, String, String)], expected: usize) -> (usize, usize) {
    let mut seen = vec![0u32; expected];
    let mut foreign = 0;
    for (_, _, v) in values {
        match v.parse::<usize>() {
            Ok(i) if i < expected => seen[i] += 1,
            _ => foreign += 1,
        }
    }
    assert_eq!(foreign, 0, "output contains values that are not input ids");
    let missing = seen.iter().filter(|c| **c == 0).count();
    let duplicates = seen.iter().map(|c| c.saturating_sub(1) as usize).sum();
    (missing, duplicates)
}

/// The `eos_passthrough` example binary, built on demand.
pub fn app_binary() -> PathBuf {
    example_binary("eos_passthrough", &[])
}

/// Builds kstreams' example `name` (a test's child process) with
/// `features` into this test's target directory; returns its path.
pub fn example_binary(name: &str, features: &[&str]) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // <target>/<profile>/deps/<test> → <target>/<profile>/examples/<name>
    let profile_dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .to_path_buf();
    let mut args = vec!["build", "-q", "-p", "kstreams", "--example", name];
    let features = features.join(",");
    if !features.is_empty() {
        args.extend(["--features", features.as_str()]);
    }
    let status = Command::new(env!("CARGO"))
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env(
            "CARGO_TARGET_DIR",
            profile_dir.parent().expect("target root"),
        )
        .status()
        .unwrap_or_else(|e| panic!("cargo build of the {name} example: {e}"));
    assert!(status.success(), "building the {name} example failed");
    profile_dir.join("examples").join(name)
}

/// Settings of one `eos_passthrough` instance.
#[derive(Clone, Debug)]
pub struct AppSpec {
    pub app_id: String,
    pub input: String,
    pub output: String,
    pub guarantee: &'static str,
    pub state_dir: PathBuf,
    pub extra_env: Vec<(&'static str, String)>,
}

impl AppSpec {
    /// The broker the app talks to: `KAFKA_BOOTSTRAP_SERVERS` in
    /// `extra_env` (a private broker), else the shared one.
    pub fn bootstrap(&self) -> String {
        self.extra_env
            .iter()
            .find(|(k, _)| *k == "KAFKA_BOOTSTRAP_SERVERS")
            .map_or_else(bootstrap, |(_, v)| v.clone())
    }

    /// Starts the app; its stderr goes to `log` (appended).
    pub fn spawn(&self, binary: &PathBuf, log: &PathBuf) -> Child {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let mut cmd = Command::new(binary);
        cmd.env("KAFKA_BOOTSTRAP_SERVERS", self.bootstrap())
            .env("APP_ID", &self.app_id)
            .env("INPUT_TOPIC", &self.input)
            .env("OUTPUT_TOPIC", &self.output)
            .env("GUARANTEE", self.guarantee)
            .env("STATE_DIR", &self.state_dir)
            .stdout(Stdio::null())
            .stderr(file);
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd.spawn().expect("spawn eos_passthrough")
    }
}

/// A child process that is SIGKILLed and reaped when dropped, so that a
/// failing test leaves no application running behind it.
pub struct KillOnDrop(Option<Child>);

impl KillOnDrop {
    pub fn new(child: Child) -> KillOnDrop {
        KillOnDrop(Some(child))
    }
    pub fn get(&mut self) -> &mut Child {
        self.0.as_mut().expect("the child is still owned")
    }
    /// Hands the child over (the caller stops it).
    pub fn take(mut self) -> Child {
        self.0.take().expect("the child is still owned")
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The text of a child's log file (empty if not there yet).
pub fn log_text(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

/// Waits until `what` occurs at least `at_least` times in the child's log;
/// fails if the child exits first or `timeout` passes.
pub fn wait_for_log(log: &Path, what: &str, at_least: usize, child: &mut Child, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while log_text(log).matches(what).count() < at_least {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the application exited ({status}) while waiting for `{what}`; log:\n{}",
                log_text(log)
            );
        }
        assert!(
            Instant::now() < deadline,
            "no `{what}` (x{at_least}) in {} in time",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits (up to two minutes) until `streams` is in state `wanted`.
pub fn wait_for_state(streams: &kstreams::KafkaStreams, wanted: kstreams::State) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while streams.state() != wanted {
        assert!(
            Instant::now() < deadline,
            "not {wanted} in time (state {})",
            streams.state()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends `signal` to a child process.
pub fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    assert_eq!(rc, 0, "kill({}, {signal}) failed", child.id());
}

/// A small deterministic pseudo-random generator (xorshift), seeded by time
/// or by the caller.
pub struct Rng(u64);

impl Rng {
    /// `KSTREAMS_TEST_SEED` if set, else `default`: a schedule that
    /// repeats run after run, and can be varied on purpose.
    pub fn seeded(default: u64) -> Rng {
        let seed = std::env::var("KSTREAMS_TEST_SEED")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(default);
        eprintln!("rng seed {seed} (KSTREAMS_TEST_SEED to change it)");
        Rng(seed | 1)
    }
    pub fn from_time() -> Rng {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            | 1;
        eprintln!("rng seed {seed}");
        Rng(seed)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Starts the app `kills` times and SIGKILLs each instance at a random
/// moment `min_delay_ms`..`min_delay_ms + 2.5 s` after it reached RUNNING,
/// then starts it once more and returns that instance, RUNNING.
pub fn run_with_kills(
    spec: &AppSpec,
    binary: &PathBuf,
    log: &PathBuf,
    kills: usize,
    min_delay_ms: u64,
) -> Child {
    let start = |log: &PathBuf| {
        let before = log_text(log).matches("-> RUNNING").count();
        let mut child = spec.spawn(binary, log);
        wait_for_log(
            log,
            "-> RUNNING",
            before + 1,
            &mut child,
            Duration::from_secs(90),
        );
        child
    };
    let mut rng = Rng::from_time();
    for kill in 0..kills {
        let mut child = start(log);
        let after = Duration::from_millis(min_delay_ms + rng.below(2500));
        std::thread::sleep(after);
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        eprintln!(
            "{}: kill {} after {after:?} of RUNNING",
            spec.guarantee,
            kill + 1
        );
    }
    start(log)
}

/// Waits (at most `timeout`, a hang guard, not a speed check) until the
/// app's group has consumed all of `input`, then stops `child` with SIGTERM
/// and asserts it exited cleanly.
pub fn drain_and_stop(
    spec: &AppSpec,
    child: Child,
    log: &Path,
    partitions: i32,
    timeout: Duration,
) {
    drain(spec, &spec.input, log, partitions, timeout);
    stop(child, log);
}

/// Waits (at most `timeout`, a hang guard, not a speed check) until the
/// app's group has consumed all of `topic`. Records the app still has to
/// pass through its internal topics (repartition, foreign-key join
/// subscriptions) may be pending: wait for those on the output.
pub fn drain(spec: &AppSpec, topic: &str, log: &Path, partitions: i32, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    let bootstrap = spec.bootstrap();
    while group_lag_on(&bootstrap, &spec.app_id, topic, partitions) != 0 {
        assert!(
            Instant::now() < deadline,
            "the application did not catch up on {topic}; see {}",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Stops `child` with SIGTERM and asserts it exited cleanly.
pub fn stop(mut child: Child, log: &Path) {
    signal(&child, libc::SIGTERM);
    let status = child.wait().expect("reap");
    assert!(
        status.success(),
        "the last instance did not exit cleanly ({status}); see {}",
        log.display()
    );
}

/// Writes `keys` records straight to partition `partition` of the
/// changelog of a DSL `count` store, as if each key `key-0000000`,
/// `key-0000001`, … had been counted once: the store is timestamped, so
/// values are `[timestamp: 8 BE][count: 8 BE]` (Java's
/// `ValueAndTimestampSerializer`). For restore tests and measurements.
pub fn fill_count_changelog(changelog: &str, partition: i32, keys: u64) {
    use rdkafka::producer::{DefaultProducerContext, ThreadedProducer};
    let producer: ThreadedProducer<DefaultProducerContext> = client_config()
        .set("linger.ms", "50")
        .set("batch.num.messages", "10000")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer");
    let value = [0i64.to_be_bytes(), 1i64.to_be_bytes()].concat();
    for i in 0..keys {
        let key = format!("key-{i:07}");
        let mut record = BaseRecord::to(changelog)
            .partition(partition)
            .key(&key)
            .payload(&value[..]);
        while let Err((_, r)) = producer.send(record) {
            record = r;
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    producer
        .flush(Duration::from_secs(120))
        .expect("flush the changelog");
}
