//! `StreamsConfig`: the settings of one Kafka Streams application.
//!
//! Built fluently ([`StreamsConfig::new`] and setters) or from Kafka Streams
//! property names ([`StreamsConfig::from_properties`], [`StreamsConfig::set`]).
//! Setters never fail; problems (a bad number, an empty application id) are
//! collected and reported together by [`StreamsConfig::validate`], which
//! `KafkaStreams::new` calls.
//!
//! Client settings pass through to the Kafka clients: `consumer.x`,
//! `producer.x` and `admin.x` reach one client type only, a plain `x` reaches
//! all three. A few settings are owned by kstreams (`group.id`,
//! `enable.auto.commit`, `transactional.id`, `isolation.level` under
//! exactly-once); values given for them are ignored with a warning, as
//! Kafka Streams does.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

mod error_handlers;
mod host_info;
#[cfg(feature = "rocksdb")]
mod rocksdb_config_setter;

pub use host_info::HostInfo;
#[cfg(feature = "rocksdb")]
pub use rocksdb_config_setter::RocksDbConfigSetter;
#[cfg(feature = "rocksdb")]
pub(crate) use rocksdb_config_setter::SharedConfigSetter;

use crate::metrics::{RecordingLevel, METRICS_RECORDING_LEVEL};
use crate::{Error, Result};

/// `processing.guarantee`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProcessingGuarantee {
    /// `at_least_once` (the default): idempotent producer, offsets committed
    /// after the output was flushed. A crash can produce duplicates.
    #[default]
    AtLeastOnce,
    /// `exactly_once_v2`: one transactional producer per stream thread;
    /// output and input offsets are committed atomically.
    ExactlyOnceV2,
}

impl ProcessingGuarantee {
    /// The property value, as Kafka Streams spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessingGuarantee::AtLeastOnce => "at_least_once",
            ProcessingGuarantee::ExactlyOnceV2 => "exactly_once_v2",
        }
    }
}

impl fmt::Display for ProcessingGuarantee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProcessingGuarantee {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "at_least_once" => Ok(ProcessingGuarantee::AtLeastOnce),
            "exactly_once_v2" => Ok(ProcessingGuarantee::ExactlyOnceV2),
            other => Err(Error::Config(format!(
                "processing.guarantee: `{other}` is not one of `at_least_once`, `exactly_once_v2`"
            ))),
        }
    }
}

/// Default of `statestore.cache.max.bytes`: 10 MiB per instance.
pub const DEFAULT_CACHE_MAX_BYTES: usize = 10 * 1024 * 1024;

/// Default of `restore.consumer.max.poll.records`: changelog records a
/// stream thread restores per loop iteration at most (Java's restore
/// consumer polls 1 000 per call, on a thread of its own).
pub const DEFAULT_RESTORE_MAX_POLL_RECORDS: usize = 10_000;

/// Default of `repartition.purge.interval.ms`: 30 s, as Kafka Streams.
pub const DEFAULT_REPARTITION_PURGE_INTERVAL_MS: u64 = 30_000;

/// Default of `task.timeout.ms`: 300 000 ms (5 minutes), as Kafka Streams (KIP-572).
pub const DEFAULT_TASK_TIMEOUT_MS: u64 = 300_000;

/// The kind of Kafka client a pass-through setting is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ClientKind {
    Consumer,
    Producer,
    Admin,
}

/// Kafka Streams' internal config
/// (`StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_OUTER_JOIN_SPURIOUS_RESULTS_FIX`):
/// how often, in wall-clock ms, a left or outer stream-stream join looks
/// for records whose join window has closed (default 1000; 0 = on every
/// record that advances the join's stream time).
pub const OUTER_JOIN_EMIT_INTERVAL_MS: &str =
    "__emit.interval.ms.kstreams.outer.join.spurious.results.fix__";

/// Configuration of a kstreams application (Kafka Streams' `StreamsConfig`).
#[derive(Debug, Clone)]
pub struct StreamsConfig {
    application_id: String,
    bootstrap_servers: String,
    processing_guarantee: ProcessingGuarantee,
    num_stream_threads: usize,
    commit_interval_ms: Option<u64>,
    poll_ms: u64,
    max_task_idle_ms: i64,
    buffered_records_per_partition: usize,
    restore_max_poll_records: usize,
    state_dir: PathBuf,
    /// `state.cleanup.delay.ms`.
    state_cleanup_delay_ms: u64,
    /// `num.standby.replicas`.
    num_standby_replicas: usize,
    cache_max_bytes: usize,
    /// `__emit.interval.ms.kstreams.outer.join.spurious.results.fix__`.
    outer_join_emit_interval_ms: i64,
    /// Plain client settings, for every client.
    client: BTreeMap<String, String>,
    /// Prefixed client settings, for one client kind (prefix stripped).
    prefixed: BTreeMap<(ClientKind, String), String>,
    /// Problems found by setters, reported by `validate`.
    problems: Vec<String>,
    /// Exception handlers and the dead-letter queue (`crate::errors`).
    pub(crate) errors: crate::errors::ErrorHandlerConfig,
    /// `application.server`: this instance's interactive-query endpoint.
    application_server: Option<HostInfo>,
    /// `repartition.purge.interval.ms`.
    repartition_purge_interval_ms: u64,
    /// `task.timeout.ms`.
    task_timeout_ms: u64,
    /// Every property set, by its Kafka Streams name (Java's `originals()`).
    originals: BTreeMap<String, String>,
    /// `rocksdb.config.setter`.
    #[cfg(feature = "rocksdb")]
    rocksdb_config_setter: Option<SharedConfigSetter>,
    /// `metrics.recording.level` (`crate::metrics`).
    recording_level: RecordingLevel,
}

impl StreamsConfig {
    /// A configuration with Kafka Streams' defaults and the given `application.id`
    /// (also the consumer group id and the prefix of internal topics).
    pub fn new(application_id: impl Into<String>) -> Self {
        let application_id: String = application_id.into();
        StreamsConfig {
            originals: BTreeMap::from([("application.id".to_owned(), application_id.clone())]),
            application_id,
            bootstrap_servers: "localhost:9092".to_owned(),
            processing_guarantee: ProcessingGuarantee::AtLeastOnce,
            num_stream_threads: 1,
            commit_interval_ms: None,
            poll_ms: 100,
            max_task_idle_ms: 0,
            buffered_records_per_partition: 1000,
            restore_max_poll_records: DEFAULT_RESTORE_MAX_POLL_RECORDS,
            state_dir: PathBuf::from("/tmp/kstreams"),
            state_cleanup_delay_ms: 600_000,
            num_standby_replicas: 0,
            cache_max_bytes: DEFAULT_CACHE_MAX_BYTES,
            outer_join_emit_interval_ms: 1000,
            client: BTreeMap::new(),
            prefixed: BTreeMap::new(),
            problems: Vec::new(),
            errors: Default::default(),
            application_server: None,
            repartition_purge_interval_ms: DEFAULT_REPARTITION_PURGE_INTERVAL_MS,
            task_timeout_ms: DEFAULT_TASK_TIMEOUT_MS,
            #[cfg(feature = "rocksdb")]
            rocksdb_config_setter: None,
            recording_level: RecordingLevel::Info,
        }
    }

    /// Builds a configuration from Kafka Streams property names and values
    /// (`application.id` is required), then validates it.
    pub fn from_properties<I, K, V>(properties: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut config = StreamsConfig::new("");
        for (key, value) in properties {
            config = config.set(key.as_ref(), value.as_ref());
        }
        config.validate()?;
        Ok(config)
    }

    /// Sets one property by its Kafka Streams name: `application.id`,
    /// `bootstrap.servers`, `processing.guarantee`, `num.stream.threads`,
    /// `commit.interval.ms`, `poll.ms`, `max.task.idle.ms`,
    /// `buffered.records.per.partition`, `restore.consumer.max.poll.records`,
    /// `state.dir`, `state.cleanup.delay.ms`, `num.standby.replicas`,
    /// `statestore.cache.max.bytes`, `application.server`,
    /// `repartition.purge.interval.ms`, `task.timeout.ms`, `metrics.recording.level`; `consumer.`, `producer.`,
    /// `admin.` prefixed client settings; any other key is a client setting
    /// for all clients.
    pub fn set(mut self, key: &str, value: &str) -> Self {
        let key = key.trim();
        self.originals.insert(key.to_owned(), value.to_owned());
        match key {
            "application.id" => self.application_id = value.trim().to_owned(),
            "bootstrap.servers" => self.bootstrap_servers = value.trim().to_owned(),
            "processing.guarantee" => match value.parse() {
                Ok(g) => self.processing_guarantee = g,
                Err(e) => self.problems.push(strip_prefix(e)),
            },
            "num.stream.threads" => {
                if let Some(n) = self
                    .number(key, value, 1)
                    .and_then(|n| usize::try_from(n).ok())
                {
                    self.num_stream_threads = n;
                }
            }
            "commit.interval.ms" => {
                if let Some(n) = self
                    .number(key, value, 0)
                    .and_then(|n| u64::try_from(n).ok())
                {
                    self.commit_interval_ms = Some(n);
                }
            }
            "poll.ms" => {
                if let Some(n) = self
                    .number(key, value, 0)
                    .and_then(|n| u64::try_from(n).ok())
                {
                    self.poll_ms = n;
                }
            }
            "max.task.idle.ms" => {
                if let Some(n) = self.number(key, value, -1) {
                    self.max_task_idle_ms = n;
                }
            }
            "buffered.records.per.partition" => {
                if let Some(n) = self
                    .number(key, value, 1)
                    .and_then(|n| usize::try_from(n).ok())
                {
                    self.buffered_records_per_partition = n;
                }
            }
            "restore.consumer.max.poll.records" => {
                if let Some(n) = self
                    .number(key, value, 1)
                    .and_then(|n| usize::try_from(n).ok())
                {
                    self.restore_max_poll_records = n;
                }
            }
            "state.dir" => self.state_dir = PathBuf::from(value.trim()),
            "repartition.purge.interval.ms" => {
                if let Some(n) = self
                    .number(key, value, 0)
                    .and_then(|n| u64::try_from(n).ok())
                {
                    self.repartition_purge_interval_ms = n;
                }
            }
            "task.timeout.ms" => {
                if let Some(n) = self
                    .number(key, value, 0)
                    .and_then(|n| u64::try_from(n).ok())
                {
                    self.task_timeout_ms = n;
                }
            }
            "rocksdb.config.setter" => self.problems.push(format!(
                "rocksdb.config.setter: `{value}` cannot be loaded by name in Rust; \
                 register the setter with `StreamsConfig::rocksdb_config_setter` (a closure or a `RocksDbConfigSetter`)"
            )),
            "num.standby.replicas" => {
                if let Some(n) = self
                    .number(key, value, 0)
                    .and_then(|n| usize::try_from(n).ok())
                {
                    self.num_standby_replicas = n;
                }
            }
            "state.cleanup.delay.ms" => {
                if let Some(n) = self
                    .number(key, value, 0)
                    .and_then(|n| u64::try_from(n).ok())
                {
                    self.state_cleanup_delay_ms = n;
                }
            }
            // Kafka's clients know the key too; kstreams keeps it (librdkafka
            // would reject it).
            METRICS_RECORDING_LEVEL => match value.parse() {
                Ok(level) => self.recording_level = level,
                Err(e) => self.problems.push(strip_prefix(e)),
            },
            "application.server" => match value.trim() {
                "" => self.application_server = None,
                v => match v.parse() {
                    Ok(host) => self.application_server = Some(host),
                    Err(e) => self.problems.push(format!(
                        "application.server: {e}; it is the host:port where this instance answers interactive queries"
                    )),
                },
            },
            OUTER_JOIN_EMIT_INTERVAL_MS => {
                if let Some(n) = self.number(key, value, 0) {
                    self.outer_join_emit_interval_ms = n;
                }
            }
            "statestore.cache.max.bytes" | "cache.max.bytes.buffering" => {
                if let Some(n) = self
                    .number(key, value, 0)
                    .and_then(|n| usize::try_from(n).ok())
                {
                    self.cache_max_bytes = n;
                }
            }
            _ if crate::errors::ErrorHandlerConfig::is_key(key) => {
                if let Some(Err(problem)) = self.errors.set(key, value) {
                    self.problems.push(problem);
                }
            }
            _ => {
                let prefixes = [
                    ("consumer.", ClientKind::Consumer),
                    ("main.consumer.", ClientKind::Consumer),
                    ("producer.", ClientKind::Producer),
                    ("admin.", ClientKind::Admin),
                ];
                match prefixes.iter().find(|(p, _)| key.starts_with(p)) {
                    Some((p, kind)) => {
                        self.prefixed
                            .insert((*kind, key[p.len()..].to_owned()), value.to_owned());
                    }
                    None => {
                        self.client.insert(key.to_owned(), value.to_owned());
                    }
                }
            }
        }
        self
    }

    /// Parses a whole number no smaller than `min`; records a problem and
    /// returns `None` otherwise.
    fn number(&mut self, key: &str, value: &str, min: i64) -> Option<i64> {
        match value.trim().parse::<i64>() {
            Ok(n) if n >= min => Some(n),
            _ => {
                self.problems
                    .push(format!("{key}: `{value}` is not a whole number >= {min}"));
                None
            }
        }
    }

    /// Sets `application.server`: the `host:port` where this instance
    /// answers interactive queries, which other instances learn through
    /// the group (see `KafkaStreams::query_metadata_for_key`). A value
    /// that is not `host:port` makes [`validate`](Self::validate) fail.
    pub fn application_server(self, host_port: impl AsRef<str>) -> Self {
        self.set("application.server", host_port.as_ref())
    }

    /// `application.server`, if set.
    pub fn get_application_server(&self) -> Option<&HostInfo> {
        self.application_server.as_ref()
    }

    /// Sets `metrics.recording.level` (default INFO): DEBUG adds task,
    /// node, store and cache metrics (see [`crate::metrics`]).
    pub fn metrics_recording_level(mut self, level: RecordingLevel) -> Self {
        self.recording_level = level;
        self
    }

    /// `metrics.recording.level`.
    pub fn recording_level(&self) -> RecordingLevel {
        self.recording_level
    }

    /// Sets `bootstrap.servers` (`host:port,host:port`).
    pub fn bootstrap_servers(self, servers: impl AsRef<str>) -> Self {
        self.set("bootstrap.servers", servers.as_ref())
    }

    /// Sets `processing.guarantee`.
    pub fn processing_guarantee(self, guarantee: ProcessingGuarantee) -> Self {
        self.set("processing.guarantee", guarantee.as_str())
    }

    /// Sets `num.stream.threads` (at least 1).
    pub fn num_stream_threads(self, threads: usize) -> Self {
        self.set("num.stream.threads", &threads.to_string())
    }

    /// Sets `commit.interval.ms`. Defaults: 100 under exactly-once, 30 000 otherwise.
    pub fn commit_interval_ms(self, ms: u64) -> Self {
        self.set("commit.interval.ms", &ms.to_string())
    }

    /// Sets `poll.ms`, the longest a stream thread blocks in one poll (default 100).
    pub fn poll_ms(self, ms: u64) -> Self {
        self.set("poll.ms", &ms.to_string())
    }

    /// Sets `max.task.idle.ms` (default 0; -1 never waits for empty inputs).
    pub fn max_task_idle_ms(self, ms: i64) -> Self {
        self.set("max.task.idle.ms", &ms.to_string())
    }

    /// Sets `buffered.records.per.partition` (default 1000): above it a
    /// partition is paused until its buffer drains.
    pub fn buffered_records_per_partition(self, records: usize) -> Self {
        self.set("buffered.records.per.partition", &records.to_string())
    }

    /// Sets `restore.consumer.max.poll.records` (default 10 000): at most
    /// how many changelog records a stream thread restores per iteration
    /// of its loop, between polls of its main consumer (its state updater,
    /// see the runtime's docs). Lower values keep processing of the other
    /// tasks smoother during a large restore and make it take longer.
    pub fn restore_max_poll_records(self, records: usize) -> Self {
        self.set("restore.consumer.max.poll.records", &records.to_string())
    }

    /// Sets `state.dir` (default `/tmp/kstreams`).
    pub fn state_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.state_dir = dir.as_ref().to_owned();
        self.originals
            .insert("state.dir".to_owned(), self.state_dir.display().to_string());
        self
    }

    /// Sets `repartition.purge.interval.ms` (default 30 000): how often, at
    /// most, a stream thread deletes the records of internal repartition
    /// topics that its tasks have committed (Kafka's `DeleteRecords`, after
    /// a commit). User topics are never purged.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstreams::StreamsConfig;
    ///
    /// let config = StreamsConfig::new("app");
    /// assert_eq!(config.repartition_purge_interval(), Duration::from_secs(30));
    /// let config = config.repartition_purge_interval_ms(1_000);
    /// assert_eq!(config.repartition_purge_interval(), Duration::from_secs(1));
    /// ```
    pub fn repartition_purge_interval_ms(self, ms: u64) -> Self {
        self.set("repartition.purge.interval.ms", &ms.to_string())
    }

    /// Sets `task.timeout.ms` (default 300 000, as Kafka Streams' KIP-572):
    /// how long a stream thread may fail to reach the Kafka cluster (its
    /// clients recreated again and again, the broker unreachable) before
    /// the error is fatal: it then goes to the uncaught exception handler,
    /// whose default shuts the client down (state ERROR) with a message
    /// naming `bootstrap.servers` and the time spent. 0 fails at the first
    /// such error.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstreams::StreamsConfig;
    ///
    /// let config = StreamsConfig::new("app");
    /// assert_eq!(config.task_timeout(), Duration::from_secs(300));
    /// assert_eq!(config.task_timeout_ms(20_000).task_timeout(), Duration::from_secs(20));
    /// ```
    pub fn task_timeout_ms(self, ms: u64) -> Self {
        self.set("task.timeout.ms", &ms.to_string())
    }

    /// Registers the `rocksdb.config.setter`: `setter` adjusts the options
    /// of every RocksDB database before it opens (see
    /// [`RocksDbConfigSetter`]); a later call replaces it.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use kstreams::rocksdb::Options;
    /// use kstreams::StreamsConfig;
    ///
    /// let config = StreamsConfig::new("app")
    ///     .set("app.max.open.files", "500")
    ///     .rocksdb_config_setter(|store: &str, options: &mut Options, configs: &BTreeMap<String, String>| {
    ///         let files = configs.get("app.max.open.files").and_then(|v| v.parse().ok());
    ///         options.set_max_open_files(files.unwrap_or(-1));
    ///         if store.starts_with("big-") {
    ///             options.set_level_zero_file_num_compaction_trigger(8);
    ///         }
    ///     });
    /// assert!(config.has_rocksdb_config_setter());
    /// ```
    #[cfg(feature = "rocksdb")]
    pub fn rocksdb_config_setter(mut self, setter: impl RocksDbConfigSetter) -> Self {
        self.rocksdb_config_setter = Some(SharedConfigSetter(std::sync::Arc::new(setter)));
        self
    }

    /// Whether a `rocksdb.config.setter` is registered.
    #[cfg(feature = "rocksdb")]
    pub fn has_rocksdb_config_setter(&self) -> bool {
        self.rocksdb_config_setter.is_some()
    }

    /// The registered `rocksdb.config.setter`.
    #[cfg(feature = "rocksdb")]
    pub(crate) fn rocksdb_setter(&self) -> Option<&SharedConfigSetter> {
        self.rocksdb_config_setter.as_ref()
    }

    /// Sets `state.cleanup.delay.ms` (default 600 000, ten minutes): the
    /// state directory of a task this instance no longer owns is deleted
    /// once it has not been used for this long. Checked every
    /// `min(delay, 1 min)` while the instance is RUNNING.
    pub fn state_cleanup_delay_ms(self, ms: u64) -> Self {
        self.set("state.cleanup.delay.ms", &ms.to_string())
    }

    /// Sets `num.standby.replicas` (default 0): how many other instances
    /// keep a warm copy of each stateful task's stores, updated from its
    /// changelogs, so that a failover restores only the tail. See
    /// `docs/scale-out.md` for where kstreams places them.
    pub fn num_standby_replicas(self, n: usize) -> Self {
        self.set("num.standby.replicas", &n.to_string())
    }

    /// Sets a client setting for the consumer only (`consumer.` prefix).
    pub fn consumer_config(mut self, key: &str, value: &str) -> Self {
        self.originals
            .insert(format!("consumer.{key}"), value.to_owned());
        self.prefixed
            .insert((ClientKind::Consumer, key.to_owned()), value.to_owned());
        self
    }

    /// Sets a client setting for the producer only (`producer.` prefix).
    pub fn producer_config(mut self, key: &str, value: &str) -> Self {
        self.originals
            .insert(format!("producer.{key}"), value.to_owned());
        self.prefixed
            .insert((ClientKind::Producer, key.to_owned()), value.to_owned());
        self
    }

    /// Sets a client setting for the admin client only (`admin.` prefix).
    pub fn admin_config(mut self, key: &str, value: &str) -> Self {
        self.originals
            .insert(format!("admin.{key}"), value.to_owned());
        self.prefixed
            .insert((ClientKind::Admin, key.to_owned()), value.to_owned());
        self
    }

    /// Checks the configuration; the error lists every problem found.
    pub fn validate(&self) -> Result<()> {
        let mut problems = self.problems.clone();
        let id = &self.application_id;
        if id.is_empty() {
            problems.push("application.id must be set (it names the consumer group and prefixes internal topics)".into());
        } else if !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            problems.push(format!("application.id `{id}` may only contain ASCII letters, digits, `.`, `_` and `-` (it becomes part of topic names)"));
        }
        if self.bootstrap_servers.trim().is_empty() {
            problems.push(
                "bootstrap.servers must name at least one broker, e.g. `localhost:9092`".into(),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Config(problems.join("; ")))
        }
    }

    /// `application.id`.
    pub fn application_id(&self) -> &str {
        &self.application_id
    }
    /// `bootstrap.servers`.
    pub fn get_bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }
    /// `processing.guarantee`.
    pub fn guarantee(&self) -> ProcessingGuarantee {
        self.processing_guarantee
    }
    /// `num.stream.threads`.
    pub fn stream_threads(&self) -> usize {
        self.num_stream_threads
    }
    /// `commit.interval.ms`, with the default of the processing guarantee.
    pub fn commit_interval(&self) -> Duration {
        Duration::from_millis(
            self.commit_interval_ms
                .unwrap_or(match self.processing_guarantee {
                    ProcessingGuarantee::ExactlyOnceV2 => 100,
                    ProcessingGuarantee::AtLeastOnce => 30_000,
                }),
        )
    }
    /// `poll.ms`.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_ms)
    }
    /// `max.task.idle.ms`.
    pub fn task_idle_ms(&self) -> i64 {
        self.max_task_idle_ms
    }
    /// How often (wall-clock ms) left/outer stream-stream joins emit
    /// records whose window closed (Kafka Streams' internal
    /// `__emit.interval.ms.kstreams.outer.join.spurious.results.fix__`).
    pub(crate) fn outer_join_emit_interval_ms(&self) -> i64 {
        self.outer_join_emit_interval_ms
    }
    /// `buffered.records.per.partition`.
    pub fn buffered_records(&self) -> usize {
        self.buffered_records_per_partition
    }
    /// `restore.consumer.max.poll.records`.
    pub fn restore_records_per_poll(&self) -> usize {
        self.restore_max_poll_records
    }
    /// `state.dir`.
    pub fn get_state_dir(&self) -> &Path {
        &self.state_dir
    }
    /// `repartition.purge.interval.ms`.
    pub fn repartition_purge_interval(&self) -> Duration {
        Duration::from_millis(self.repartition_purge_interval_ms)
    }
    /// `task.timeout.ms`.
    pub fn task_timeout(&self) -> Duration {
        Duration::from_millis(self.task_timeout_ms)
    }
    /// Every property set so far, by its Kafka Streams name (Java's
    /// `originals()`): what a `RocksDbConfigSetter` receives as its `configs`.
    pub fn originals(&self) -> &BTreeMap<String, String> {
        &self.originals
    }
    /// `num.standby.replicas`.
    pub fn standby_replicas(&self) -> usize {
        self.num_standby_replicas
    }
    /// `state.cleanup.delay.ms`.
    pub fn state_cleanup_delay(&self) -> Duration {
        Duration::from_millis(self.state_cleanup_delay_ms)
    }
    /// `statestore.cache.max.bytes`: the record cache budget of the
    /// instance, divided among its stream threads (0 disables caching).
    pub fn cache_max_bytes(&self) -> usize {
        self.cache_max_bytes
    }

    /// Client settings for one client kind: plain ones, then the prefixed
    /// ones (which win).
    pub(crate) fn client_settings(&self, kind: ClientKind) -> BTreeMap<String, String> {
        let mut out = self.client.clone();
        for ((k, key), value) in &self.prefixed {
            if *k == kind {
                out.insert(key.clone(), value.clone());
            }
        }
        out
    }
}

fn strip_prefix(e: Error) -> String {
    match e {
        Error::Config(m) => m,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_kafka_streams() {
        let c = StreamsConfig::new("app");
        assert_eq!(c.commit_interval(), Duration::from_millis(30_000));
        let c = c.processing_guarantee(ProcessingGuarantee::ExactlyOnceV2);
        assert_eq!(c.commit_interval(), Duration::from_millis(100));
        assert_eq!(c.poll_interval(), Duration::from_millis(100));
        assert_eq!(c.buffered_records(), 1000);
        assert_eq!(c.restore_records_per_poll(), 10_000);
        assert_eq!(c.get_state_dir(), Path::new("/tmp/kstreams"));
        assert_eq!(c.state_cleanup_delay(), Duration::from_millis(600_000));
        assert!(c.validate().is_ok());
    }

    #[test]
    fn properties_and_prefixes() {
        let c = StreamsConfig::from_properties([
            ("application.id", "a"),
            ("processing.guarantee", "exactly_once_v2"),
            ("commit.interval.ms", "250"),
            ("state.cleanup.delay.ms", "5000"),
            ("consumer.session.timeout.ms", "6000"),
            ("producer.linger.ms", "20"),
            ("client.rack", "r1"),
            ("metrics.recording.level", "DEBUG"),
        ])
        .expect("valid");
        assert_eq!(c.recording_level(), RecordingLevel::Debug);
        assert!(!c
            .client_settings(ClientKind::Consumer)
            .contains_key("metrics.recording.level"));
        assert_eq!(c.guarantee(), ProcessingGuarantee::ExactlyOnceV2);
        assert_eq!(c.commit_interval(), Duration::from_millis(250));
        assert_eq!(c.state_cleanup_delay(), Duration::from_millis(5000));
        assert!(!c
            .client_settings(ClientKind::Consumer)
            .contains_key("state.cleanup.delay.ms"));
        let consumer = c.client_settings(ClientKind::Consumer);
        assert_eq!(
            consumer.get("session.timeout.ms").map(String::as_str),
            Some("6000")
        );
        assert_eq!(consumer.get("client.rack").map(String::as_str), Some("r1"));
        assert!(!consumer.contains_key("linger.ms"));
        assert_eq!(
            c.client_settings(ClientKind::Producer)
                .get("linger.ms")
                .map(String::as_str),
            Some("20")
        );
    }

    #[test]
    fn purge_interval_originals_and_a_setter_by_class_name() {
        let c = StreamsConfig::new("app")
            .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
            .consumer_config("fetch.min.bytes", "1")
            .set("repartition.purge.interval.ms", "250");
        assert_eq!(c.repartition_purge_interval(), Duration::from_millis(250));
        let originals: Vec<(&str, &str)> = c
            .originals()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            originals,
            vec![
                ("application.id", "app"),
                ("consumer.fetch.min.bytes", "1"),
                ("processing.guarantee", "exactly_once_v2"),
                ("repartition.purge.interval.ms", "250"),
            ]
        );
        let err = StreamsConfig::new("app")
            .set("rocksdb.config.setter", "com.example.MySetter")
            .validate()
            .expect_err("a class name cannot be loaded");
        assert!(err.to_string().contains("rocksdb_config_setter"), "{err}");
    }

    #[test]
    fn bad_values_are_reported_together() {
        let err = StreamsConfig::from_properties([
            ("application.id", ""),
            ("num.stream.threads", "0"),
            ("poll.ms", "soon"),
            ("processing.guarantee", "exactly_once"),
            ("metrics.recording.level", "LOUD"),
        ])
        .expect_err("invalid");
        let msg = err.to_string();
        for needle in [
            "application.id must be set",
            "num.stream.threads",
            "poll.ms",
            "exactly_once",
            "metrics.recording.level",
        ] {
            assert!(msg.contains(needle), "{needle} missing from {msg}");
        }
    }
}
