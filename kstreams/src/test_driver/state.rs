//! State in the [`TopologyTestDriver`]: its settings ([`DriverConfig`]),
//! when it commits, and reading stores and changelogs from tests.
//!
//! When the driver commits: as Kafka Streams' `TopologyTestDriver`, after
//! every piped record by default, so with caching on a KTable still emits
//! one update per input record. Turn
//! [`DriverConfig::commit_after_each_input`] off to see the record cache at
//! work: updates then stay in the cache (one entry per key) until
//! [`TopologyTestDriver::commit`] flushes them, or until the cache budget
//! ([`DriverConfig::cache_max_bytes`], 0 = every update forwarded) evicts
//! them.
//!
//! Stores live in a private temporary directory removed when the driver is
//! dropped; changelog records are kept like any other output and can be read
//! with [`TopologyTestDriver::changelog`].

use kstreams_serde::{Serde, Timestamped};

use super::{TopologyTestDriver, DEFAULT_APPLICATION_ID};
use crate::processor::stores::{KvTaskStore, TaskStore};
use crate::state::changelog_topic;
use crate::state::KeyValueStoreHandle;
use crate::{Error, Result};

/// Settings of a [`TopologyTestDriver`].
#[derive(Debug, Clone)]
pub struct DriverConfig {
    /// `application.id`: prefix of internal topics and changelogs.
    pub application_id: String,
    /// Initial wall-clock time (ms).
    pub initial_wall_clock_ms: i64,
    /// The record cache budget (`statestore.cache.max.bytes`); 0 disables
    /// caching. Default 10 MiB.
    pub cache_max_bytes: usize,
    /// Commit after every piped record (default, as Kafka Streams' driver);
    /// `false`: only on [`TopologyTestDriver::commit`].
    pub commit_after_each_input: bool,
    /// How often (wall-clock ms) a left or outer stream-stream join emits
    /// records whose window has closed
    /// ([`OUTER_JOIN_EMIT_INTERVAL_MS`](crate::config::OUTER_JOIN_EMIT_INTERVAL_MS)).
    /// Default 0 here (on every record that advances the join's stream
    /// time), so tests see results as soon as windows close; the runtime's
    /// default is Java's 1000.
    pub outer_join_emit_interval_ms: i64,
    /// `metrics.recording.level` (default INFO): DEBUG adds task, source
    /// node, store and cache metrics to [`TopologyTestDriver::metrics`].
    pub metrics_recording_level: crate::metrics::RecordingLevel,
}

impl Default for DriverConfig {
    fn default() -> Self {
        DriverConfig {
            application_id: DEFAULT_APPLICATION_ID.to_owned(),
            initial_wall_clock_ms: 0,
            cache_max_bytes: crate::config::DEFAULT_CACHE_MAX_BYTES,
            commit_after_each_input: true,
            outer_join_emit_interval_ms: 0,
            metrics_recording_level: crate::metrics::RecordingLevel::Info,
        }
    }
}

impl TopologyTestDriver {
    /// Commits every task now: flushes the record caches (KTables emit the
    /// latest value per key) and processes what that forwarded.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::serde::I64;
    /// use kstreams::test_driver::{DriverConfig, TopologyTestDriver};
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("clicks");
    /// const OUT: Topic<String, I64, 1> = Topic::new("click-counts");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).group_by_key().count().to_stream().to(OUT);
    /// let config = DriverConfig { commit_after_each_input: false, ..DriverConfig::default() };
    /// let driver = TopologyTestDriver::with_config(builder.build()?, config)?;
    /// let mut input = driver.create_input_topic(IN);
    /// let output = driver.create_output_topic(OUT);
    /// for _ in 0..3 {
    ///     input.pipe_input("alice", "click")?;
    /// }
    /// assert!(output.is_empty(), "updates wait in the cache");
    /// driver.commit()?;
    /// assert_eq!(output.read_key_value()?, ("alice".to_string(), 3));
    /// assert!(output.is_empty(), "one update per key per commit");
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn commit(&self) -> Result<()> {
        let mut state = self.state.borrow_mut();
        let auto = std::mem::replace(&mut state.auto_commit, true);
        let result = state.run();
        state.auto_commit = auto;
        result
    }

    /// The store `name` of the (only) task that has it, as Kafka Streams'
    /// `getKeyValueStore`; `KS`/`VS` must be the store's serdes. The
    /// timestamped store of a DSL aggregation or table (kept as
    /// `Timestamped<VS>`) is returned with plain values too: reads drop
    /// the timestamp, writes are stamped `-1`, as Java's
    /// `KeyValueStoreFacade`; see
    /// [`TopologyTestDriver::get_timestamped_key_value_store`] for the
    /// timestamps.
    pub fn get_key_value_store<KS: Serde, VS: Serde>(
        &self,
        name: &str,
    ) -> Result<KeyValueStoreHandle<KS, VS>> {
        self.find_store(name, |store| {
            let any = store.as_any();
            any.downcast_ref::<KvTaskStore<KS, VS>>()
                .map(KvTaskStore::handle)
                .or_else(|| {
                    any.downcast_ref::<KvTaskStore<KS, Timestamped<VS>>>()
                        .map(|s| s.handle().plain_view())
                })
                .ok_or_else(|| wrong_serdes::<KS, VS>(name))
        })
    }

    /// The timestamped store `name` of a DSL aggregation or table, with
    /// each value's timestamp (Java's `getTimestampedKeyValueStore`);
    /// `KS`/`VS` are the key and (plain) value serdes.
    ///
    /// ```
    /// use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
    /// use kstreams::serde::{ValueAndTimestamp, I64};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("visits");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).group_by_key().count_with(Materialized::<String, I64>::as_("visit-counts"));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut input = driver.create_input_topic(IN);
    /// input.pipe_input_with_timestamp("home", "ann", 20)?;
    /// input.pipe_input_with_timestamp("home", "bob", 10)?; // late: the count keeps time 20
    /// let counts = driver.get_timestamped_key_value_store::<String, I64>("visit-counts")?;
    /// assert_eq!(counts.get(&"home".to_string())?, Some(ValueAndTimestamp::new(2, 20)));
    /// let plain = driver.get_key_value_store::<String, I64>("visit-counts")?;
    /// assert_eq!(plain.get(&"home".to_string())?, Some(2));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn get_timestamped_key_value_store<KS: Serde, VS: Serde>(
        &self,
        name: &str,
    ) -> Result<KeyValueStoreHandle<KS, Timestamped<VS>>> {
        self.find_store(name, |store| {
            store
                .as_any()
                .downcast_ref::<KvTaskStore<KS, Timestamped<VS>>>()
                .map(KvTaskStore::handle)
                .ok_or_else(|| wrong_serdes::<KS, Timestamped<VS>>(name))
        })
    }

    fn find_store<T>(
        &self,
        name: &str,
        typed: impl FnOnce(&dyn TaskStore) -> Result<T>,
    ) -> Result<T> {
        let state = self.state.borrow();
        let global = state.global.as_ref().map(|g| g.stores());
        if let Some(store) = global.iter().flatten().find(|s| s.name() == name) {
            return typed(store.as_ref());
        }
        for task in &state.tasks {
            if let Some(store) = task.state().stores.get(name) {
                return typed(store.as_ref());
            }
        }
        Err(Error::State {
            store: name.to_owned(),
            message: "no such store in the topology".to_owned(),
        })
    }

    /// Every record written so far to store `name`'s changelog topic, as
    /// (key bytes, value bytes or `None` for a tombstone), oldest first.
    pub fn changelog(&self, store: &str) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        let state = self.state.borrow();
        let topic = changelog_topic(&state.application_id, store);
        state
            .outputs
            .get(&topic)
            .map(|q| {
                q.iter()
                    .filter_map(|r| Some((r.key.clone()?, r.value.clone())))
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn wrong_serdes<KS: Serde, VS: Serde>(name: &str) -> Error {
    Error::State {
        store: name.to_owned(),
        message: format!(
            "not a key/value store with serdes ({}, {})",
            KS::name(),
            VS::name()
        ),
    }
}
