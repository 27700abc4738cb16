//! [`KeyValueStoreBuilder`]: assembles a store stack for one task, metered →
//! caching → change-logging → bytes store, as Kafka Streams'
//! `KeyValueStoreBuilder` with `withCachingEnabled`/`withLoggingEnabled`.
//!
//! Integration point: the DSL's `Materialized` chooses the [`StoreKind`]
//! and serdes; the runtime, when it creates a task, fills a
//! [`StoreContext`] and calls [`KeyValueStoreBuilder::build`].
//!
//! Owns: layer order and the changelog/namespace naming. Must never: keep
//! a built store or decide when stores are flushed or closed.

use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::Arc;

use kstreams_serde::Serde;

use crate::error::Result;
use crate::state::cache::{CacheFlushListener, CachingKeyValueStore, ThreadCache};
use crate::state::change_logging::ChangeLoggingKeyValueBytesStore;
use crate::state::changelog::{changelog_topic, ChangelogCollector, RecordTimestamp};
use crate::state::metered::MeteredKeyValueStore;
use crate::state::store::KeyValueBytesStore;
use crate::state::store_metrics::StoreMetrics;
#[cfg(feature = "rocksdb")]
use crate::state::RocksDbStore;
use crate::state::{InMemoryKeyValueStore, LruMemoryStore, RocksDbConfig};

/// Which bytes store sits at the bottom of the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// RocksDB on local disk (persistent).
    RocksDb,
    /// A `BTreeMap` in memory.
    InMemory,
    /// An in-memory map bounded to `max_entries` keys, least recently used
    /// evicted (and deleted from the changelog).
    Lru {
        /// The bound.
        max_entries: usize,
    },
}

/// What the runtime knows about the task a store is built for.
#[derive(Clone)]
pub(crate) struct StoreContext {
    /// `application.id`, the changelog topic prefix.
    pub application_id: String,
    /// The task id, e.g. `0_3`.
    pub task_id: String,
    /// The task's input partition, which is the changelog partition.
    pub partition: i32,
    /// The task's state directory (see [`task_dir`](crate::state::task_dir)).
    pub task_dir: PathBuf,
    /// The instance's shared RocksDB memory settings (unread without the
    /// `rocksdb` feature).
    #[cfg_attr(not(feature = "rocksdb"), allow(dead_code))]
    pub rocksdb: RocksDbConfig,
    /// The stream thread's record cache.
    pub cache: Arc<ThreadCache>,
    /// The task's record collector.
    pub collector: Arc<dyn ChangelogCollector>,
    /// The timestamp of the record being processed, set by the task.
    pub timestamp: RecordTimestamp,
    /// Where the store registers its metrics (`stream-state-metrics`).
    pub metrics: crate::metrics::StoreScope,
}

impl std::fmt::Debug for StoreContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreContext")
            .field("application_id", &self.application_id)
            .field("task_id", &self.task_id)
            .field("partition", &self.partition)
            .field("task_dir", &self.task_dir)
            .finish()
    }
}

/// The error for a persistent (RocksDB) store in a kstreams built without
/// the `rocksdb` feature: raised when the topology is checked, before any
/// task runs.
pub(crate) fn rocksdb_disabled(store: &str) -> crate::Error {
    crate::Error::Topology(format!(
        "state store `{store}` is a persistent (RocksDB) store, but kstreams was built without its `rocksdb` feature; enable the feature (`kstreams = {{ version = \"..\", features = [\"rocksdb\"] }}`, on by default) or materialize the store in memory (`Materialized::in_memory()`, `StoreKind::InMemory`)"
    ))
}

/// Describes one key/value store of a topology; builds it once per task.
#[derive(Debug, Clone)]
pub struct KeyValueStoreBuilder<KS: Serde, VS: Serde> {
    name: String,
    kind: StoreKind,
    logging: bool,
    caching: bool,
    /// Values start with their timestamp (`Timestamped<VS>`): changelog
    /// records take it as their timestamp.
    value_timestamps: bool,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> KeyValueStoreBuilder<KS, VS> {
    /// A store named `name` of `kind`, with logging and caching enabled
    /// (the DSL's defaults).
    pub fn new(name: impl Into<String>, kind: StoreKind) -> Self {
        Self {
            name: name.into(),
            kind,
            logging: true,
            caching: true,
            value_timestamps: false,
            _serdes: PhantomData,
        }
    }

    /// The values are `ValueAndTimestamp`s (`[timestamp: 8 BE][value]`):
    /// each changelog record is stamped with its value's timestamp, as
    /// Java's `ChangeLoggingTimestampedKeyValueBytesStore` (deletes with
    /// the current record's).
    pub(crate) fn with_value_timestamps(mut self) -> Self {
        self.value_timestamps = true;
        self
    }

    /// No changelog: the store is lost with its task's local state.
    pub fn with_logging_disabled(mut self) -> Self {
        self.logging = false;
        self
    }

    /// No record cache: every write goes down (and is forwarded) at once.
    pub fn with_caching_disabled(mut self) -> Self {
        self.caching = false;
        self
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Which bytes store sits at the bottom.
    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    /// Whether writes reach a changelog topic.
    pub fn logging_enabled(&self) -> bool {
        self.logging
    }

    /// Whether the store has a record cache.
    pub fn caching_enabled(&self) -> bool {
        self.caching
    }

    /// The changelog topic to create at start-up, if logging is enabled.
    pub fn changelog_topic(&self, application_id: &str) -> Option<String> {
        self.logging
            .then(|| changelog_topic(application_id, &self.name))
    }

    /// Builds the store stack for one task. `listener` receives the entries
    /// the cache writes down (see `typed_flush_listener`); without
    /// caching, nothing is forwarded by the store.
    pub(crate) fn build(
        &self,
        ctx: &StoreContext,
        listener: Option<CacheFlushListener>,
    ) -> Result<MeteredKeyValueStore<KS, VS>> {
        let mut store: Box<dyn KeyValueBytesStore> = match self.kind {
            #[cfg(feature = "rocksdb")]
            StoreKind::RocksDb => {
                Box::new(RocksDbStore::open(&self.name, &ctx.task_dir, &ctx.rocksdb)?)
            }
            #[cfg(not(feature = "rocksdb"))]
            StoreKind::RocksDb => return Err(rocksdb_disabled(&self.name)),
            StoreKind::InMemory => Box::new(InMemoryKeyValueStore::new(&self.name)),
            StoreKind::Lru { max_entries } => {
                Box::new(LruMemoryStore::new(&self.name, max_entries)?)
            }
        };
        if self.logging {
            let topic = changelog_topic(&ctx.application_id, &self.name);
            store = Box::new(
                ChangeLoggingKeyValueBytesStore::new(
                    store,
                    ctx.collector.clone(),
                    topic,
                    ctx.partition,
                    ctx.timestamp.clone(),
                )
                .with_value_timestamps(self.value_timestamps),
            );
        }
        // A cache of 0 bytes disables caching on every store, as Java's
        // `InternalTopologyBuilder.rewriteTopology` (`withCachingDisabled`
        // when `statestore.cache.max.bytes` is 0): updates are then
        // forwarded by the operators themselves, not by a cache eviction.
        if self.caching && ctx.cache.max_bytes() > 0 {
            let mut caching = CachingKeyValueStore::new(
                store,
                ctx.cache.clone(),
                &ctx.task_id,
                ctx.timestamp.clone(),
            )
            .with_hit_ratio(crate::metrics::HitRatio::new(
                ctx.metrics.cache_hit_ratio(&self.name),
            ));
            if let Some(listener) = listener {
                caching.set_flush_listener(listener);
            }
            store = Box::new(caching);
        }
        let store_type = match self.kind {
            StoreKind::RocksDb => "rocksdb",
            StoreKind::InMemory => "in-memory",
            StoreKind::Lru { .. } => "in-memory-lru",
        };
        let metrics = StoreMetrics::new(&ctx.metrics, store_type, &self.name);
        Ok(MeteredKeyValueStore::new(store).with_metrics(metrics))
    }
}
