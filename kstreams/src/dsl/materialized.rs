//! [`Materialized`]: how a KTable or an aggregation keeps its state, as
//! Kafka Streams' `Materialized`: the store's name (which makes it
//! queryable and names its changelog), its kind (RocksDB by default,
//! in-memory or LRU), and whether it is logged and cached.
//!
//! The serdes are type parameters: `Materialized<KS, VS>` stores keys with
//! `KS` and values with `VS`.

use std::fmt;
use std::marker::PhantomData;

use kstreams_serde::{Serde, Timestamped};

use super::builder::GraphBuilder;
use crate::state::{KeyValueStoreBuilder, StoreKind};

/// The state store of a KTable or aggregation, with key serde `KS` and
/// value serde `VS`.
///
/// ```
/// use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
/// use kstreams::serde::I64;
/// use kstreams::test_driver::TopologyTestDriver;
///
/// const IN: Topic<String, String, 1> = Topic::new("page-views");
///
/// let builder = StreamsBuilder::new();
/// builder.stream(IN).group_by_key().count_with(Materialized::<String, I64>::as_("views").in_memory());
/// let topology = builder.build()?;
/// assert!(topology.describe().to_string().contains("(stores: [views])"));
/// let driver = TopologyTestDriver::new(topology)?;
/// driver.create_input_topic(IN).pipe_input("home", "alice")?;
/// let views = driver.get_key_value_store::<String, I64>("views")?;
/// assert_eq!(views.get(&"home".to_string())?, Some(1));
/// # Ok::<(), kstreams::Error>(())
/// ```
pub struct Materialized<KS, VS> {
    name: Option<String>,
    kind: StoreKind,
    logging: bool,
    caching: bool,
    /// Window and session stores: how long windows are kept (at least
    /// size + grace).
    retention_ms: Option<i64>,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> Materialized<KS, VS> {
    /// A RocksDB store with a generated name (not meant to be queried).
    pub fn new() -> Self {
        Materialized {
            name: None,
            kind: StoreKind::RocksDb,
            logging: true,
            caching: true,
            retention_ms: None,
            _serdes: PhantomData,
        }
    }

    /// A RocksDB store named `name`: queryable, with changelog
    /// `<application.id>-<name>-changelog` (Kafka Streams' `Materialized.as`).
    pub fn as_(name: impl Into<String>) -> Self {
        Materialized {
            name: Some(name.into()),
            ..Materialized::new()
        }
    }

    /// Keeps the store in memory (restored from the changelog on start).
    pub fn in_memory(mut self) -> Self {
        self.kind = StoreKind::InMemory;
        self
    }

    /// Keeps at most `max_entries` keys in memory, least recently used evicted.
    pub fn lru(mut self, max_entries: usize) -> Self {
        self.kind = StoreKind::Lru { max_entries };
        self
    }

    /// Chooses the store kind explicitly.
    pub fn with_store_kind(mut self, kind: StoreKind) -> Self {
        self.kind = kind;
        self
    }

    /// No changelog topic: the state is lost with the local state directory.
    pub fn with_logging_disabled(mut self) -> Self {
        self.logging = false;
        self
    }

    /// No record cache: every update is forwarded downstream at once.
    pub fn with_caching_disabled(mut self) -> Self {
        self.caching = false;
        self
    }

    /// For a windowed aggregation: keep windows for `retention` (Kafka
    /// Streams' `Materialized.withRetention`). The store keeps at least
    /// window size + grace, whatever is given here.
    pub fn with_retention(mut self, retention: std::time::Duration) -> Self {
        self.retention_ms = Some(i64::try_from(retention.as_millis()).unwrap_or(i64::MAX));
        self
    }

    /// The window store builder for `name`, storing `Stored` (e.g. the
    /// value with its timestamp): windows of `size_ms`, kept for
    /// max(size + grace, the configured retention) as Kafka Streams does.
    pub(crate) fn window_builder<Stored: Serde>(
        &self,
        name: &str,
        size_ms: i64,
        grace_ms: i64,
    ) -> crate::state::WindowStoreBuilder<KS, Stored> {
        let retention = self
            .retention_ms
            .unwrap_or(0)
            .max(size_ms.saturating_add(grace_ms));
        let mut builder =
            crate::state::WindowStoreBuilder::new(name, self.kind, retention, size_ms, false);
        if !self.logging {
            builder = builder.with_logging_disabled();
        }
        builder
    }

    /// The session store builder for `name`, kept for max(gap + grace,
    /// the configured retention).
    pub(crate) fn session_builder<Stored: Serde>(
        &self,
        name: &str,
        gap_ms: i64,
        grace_ms: i64,
    ) -> crate::state::SessionStoreBuilder<KS, Stored> {
        let retention = self
            .retention_ms
            .unwrap_or(0)
            .max(gap_ms.saturating_add(grace_ms));
        let mut builder = crate::state::SessionStoreBuilder::new(name, self.kind, retention);
        if !self.logging {
            builder = builder.with_logging_disabled();
        }
        builder
    }

    /// The given name, or a generated one (`<prefix>STATE-STORE-…`).
    pub(crate) fn store_name(&self, graph: &mut GraphBuilder, prefix: &str) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => graph.new_name(&format!("{prefix}STATE-STORE-")),
        }
    }

    /// Whether the store was named ([`Materialized::as_`]): Java's
    /// "queryable" name, which makes `builder.table` materialize its store.
    pub(crate) fn is_named(&self) -> bool {
        self.name.is_some()
    }

    /// Whether updates pass through the record cache.
    pub(crate) fn caching(&self) -> bool {
        self.caching
    }

    /// The store builder for `name` with timestamped values
    /// (`ValueAndTimestamp<V>`, serde `Timestamped<VS>`), as the stores of
    /// Kafka Streams' DSL operators (`TimestampedKeyValueStore`).
    pub(crate) fn timestamped_builder(
        &self,
        name: &str,
    ) -> KeyValueStoreBuilder<KS, Timestamped<VS>> {
        self.configure(KeyValueStoreBuilder::new(name, self.kind).with_value_timestamps())
    }

    fn configure<S: Serde>(
        &self,
        builder: KeyValueStoreBuilder<KS, S>,
    ) -> KeyValueStoreBuilder<KS, S> {
        let mut builder = builder;
        if !self.logging {
            builder = builder.with_logging_disabled();
        }
        if !self.caching {
            builder = builder.with_caching_disabled();
        }
        builder
    }
}

impl<KS: Serde, VS: Serde> Default for Materialized<KS, VS> {
    fn default() -> Self {
        Materialized::new()
    }
}

impl<KS: Serde, VS: Serde> fmt::Debug for Materialized<KS, VS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Materialized")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("key_serde", &KS::name())
            .field("value_serde", &VS::name())
            .field("logging", &self.logging)
            .field("caching", &self.caching)
            .finish()
    }
}
