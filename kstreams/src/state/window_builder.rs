//! [`WindowStoreBuilder`] and [`SessionStoreBuilder`]: assemble a window or
//! session store stack for one task, metered → change-logging → bytes
//! store, as Kafka Streams' `WindowStoreBuilder` / `SessionStoreBuilder`.
//!
//! A window store with caching enabled gets a record cache
//! (`CachingWindowStore`) between metering and change-logging, as Java's;
//! not with a cache budget of 0 bytes, nor over a store that retains
//! duplicates. A session store with caching gets `CachingSessionStore`
//! the same way.
//!
//! Owns: layer order, parameter checks, changelog naming. Must never: keep
//! a built store or decide when stores are flushed or closed.

use std::marker::PhantomData;

use kstreams_serde::Serde;

use crate::error::{Error, Result};
use crate::state::builder::{StoreContext, StoreKind};
use crate::state::cache::{CacheFlushListener, CachingSessionStore, CachingWindowStore};
use crate::state::change_logging_window::{
    ChangeLoggingSessionBytesStore, ChangeLoggingWindowBytesStore,
};
use crate::state::changelog::changelog_topic;
use crate::state::in_memory_session::InMemorySessionStore;
use crate::state::in_memory_window::InMemoryWindowStore;
use crate::state::metered_session::MeteredSessionStore;
use crate::state::metered_window::MeteredWindowStore;
#[cfg(feature = "rocksdb")]
use crate::state::rocksdb_session::RocksDbSessionStore;
#[cfg(feature = "rocksdb")]
use crate::state::rocksdb_window::RocksDbWindowStore;
use crate::state::session_store::SessionBytesStore;
use crate::state::store_metrics::StoreMetrics;
use crate::state::window_store::WindowBytesStore;

/// The settings both builders share.
#[derive(Debug, Clone)]
struct Common {
    name: String,
    kind: StoreKind,
    retention_ms: i64,
    logging: bool,
    caching: bool,
}

impl Common {
    fn check(&self, what: &str) -> Result<()> {
        if matches!(self.kind, StoreKind::Lru { .. }) {
            return Err(Error::Config(format!(
                "{what} `{}`: an LRU store cannot hold windows; use StoreKind::RocksDb or StoreKind::InMemory",
                self.name
            )));
        }
        if self.retention_ms < 0 {
            return Err(Error::Config(format!(
                "{what} `{}`: retention {} ms is negative",
                self.name, self.retention_ms
            )));
        }
        Ok(())
    }
}

macro_rules! common_methods {
    () => {
        /// No changelog: the store is lost with its task's local state.
        pub fn with_logging_disabled(mut self) -> Self {
            self.common.logging = false;
            self
        }

        /// Asks for a record cache. Not implemented yet for window and
        /// session stores: `build` returns [`Error::Config`].
        pub fn with_caching_enabled(mut self) -> Self {
            self.common.caching = true;
            self
        }

        /// The store's name.
        pub fn name(&self) -> &str {
            &self.common.name
        }

        /// Which bytes store sits at the bottom.
        pub fn kind(&self) -> StoreKind {
            self.common.kind
        }

        /// How long data is kept after stream time passed it, in ms.
        pub fn retention_ms(&self) -> i64 {
            self.common.retention_ms
        }

        /// Whether writes reach a changelog topic.
        pub fn logging_enabled(&self) -> bool {
            self.common.logging
        }

        /// Whether a record cache was asked for.
        pub fn caching_enabled(&self) -> bool {
            self.common.caching
        }

        /// The changelog topic to create at start-up, if logging is enabled.
        pub fn changelog_topic(&self, application_id: &str) -> Option<String> {
            self.common
                .logging
                .then(|| changelog_topic(application_id, &self.common.name))
        }
    };
}

/// Describes one window store of a topology; builds it once per task.
#[derive(Debug, Clone)]
pub struct WindowStoreBuilder<KS: Serde, VS: Serde> {
    common: Common,
    window_size_ms: i64,
    retain_duplicates: bool,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> WindowStoreBuilder<KS, VS> {
    /// A window store named `name` of `kind` keeping windows of
    /// `window_size_ms` for `retention_ms` (Java's
    /// `Stores.persistentWindowStore(name, retention, size, retainDuplicates)`),
    /// with logging enabled and caching disabled.
    pub fn new(
        name: impl Into<String>,
        kind: StoreKind,
        retention_ms: i64,
        window_size_ms: i64,
        retain_duplicates: bool,
    ) -> Self {
        Self {
            common: Common {
                name: name.into(),
                kind,
                retention_ms,
                logging: true,
                caching: false,
            },
            window_size_ms,
            retain_duplicates,
            _serdes: PhantomData,
        }
    }

    common_methods!();

    /// The window size in ms.
    pub fn window_size_ms(&self) -> i64 {
        self.window_size_ms
    }

    /// The same store with its retention changed by `f` (an
    /// on-window-close aggregation keeps its windows 1 ms longer, see
    /// `dsl::EmitStrategy`).
    pub(crate) fn map_retention(mut self, f: impl FnOnce(i64) -> i64) -> Self {
        self.common.retention_ms = f(self.common.retention_ms);
        self
    }

    /// Whether every put adds an entry (stream-stream join buffers).
    pub fn retain_duplicates(&self) -> bool {
        self.retain_duplicates
    }

    /// Builds the store stack for one task, with no listener on its record
    /// cache (see [`build_with_listener`](Self::build_with_listener)).
    #[cfg(test)]
    pub(crate) fn build(&self, ctx: &StoreContext) -> Result<MeteredWindowStore<KS, VS>> {
        self.build_with_listener(ctx, None)
    }

    /// Builds the store stack for one task; `listener` receives what the
    /// record cache writes down (when there is one). Fails on an LRU kind,
    /// a window size that is not positive, or a retention shorter than the
    /// window (Java's `Stores.persistentWindowStore` checks the same).
    pub(crate) fn build_with_listener(
        &self,
        ctx: &StoreContext,
        listener: Option<CacheFlushListener>,
    ) -> Result<MeteredWindowStore<KS, VS>> {
        let c = &self.common;
        c.check("window store")?;
        if self.window_size_ms <= 0 || c.retention_ms < self.window_size_ms {
            return Err(Error::Config(format!(
                "window store `{}`: the window size ({} ms) must be positive and not exceed the retention ({} ms)",
                c.name, self.window_size_ms, c.retention_ms
            )));
        }
        let (retention, size, dups) = (c.retention_ms, self.window_size_ms, self.retain_duplicates);
        let mut store: Box<dyn WindowBytesStore> = match c.kind {
            #[cfg(not(feature = "rocksdb"))]
            StoreKind::RocksDb => return Err(crate::state::rocksdb_disabled(&c.name)),
            #[cfg(feature = "rocksdb")]
            StoreKind::RocksDb => Box::new(RocksDbWindowStore::open(
                &c.name,
                &ctx.task_dir,
                &ctx.rocksdb,
                retention,
                size,
                dups,
            )?),
            _ => Box::new(InMemoryWindowStore::new(&c.name, retention, size, dups)),
        };
        if c.logging {
            store = Box::new(ChangeLoggingWindowBytesStore::new(
                store,
                ctx.collector.clone(),
                changelog_topic(&ctx.application_id, &c.name),
                ctx.partition,
                ctx.timestamp.clone(),
            ));
        }
        // As the key/value builder: no cache with a budget of 0 bytes; and
        // none over a store that retains duplicates (Java's
        // `WindowStoreBuilder` disables caching for those).
        if c.caching && !dups && ctx.cache.max_bytes() > 0 {
            store = Box::new(CachingWindowStore::new(
                store,
                ctx.cache.clone(),
                &ctx.task_id,
                ctx.timestamp.clone(),
                listener,
            ));
        }
        let store_type = match c.kind {
            StoreKind::RocksDb => "rocksdb-window",
            _ => "in-memory-window",
        };
        let metrics = StoreMetrics::new(&ctx.metrics, store_type, &c.name);
        Ok(MeteredWindowStore::new(store).with_metrics(metrics))
    }
}

/// Describes one session store of a topology; builds it once per task.
#[derive(Debug, Clone)]
pub struct SessionStoreBuilder<KS: Serde, VS: Serde> {
    common: Common,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> SessionStoreBuilder<KS, VS> {
    /// A session store named `name` of `kind` keeping sessions
    /// `retention_ms` past their end (Java's
    /// `Stores.persistentSessionStore(name, retention)`), with logging
    /// enabled and caching disabled.
    pub fn new(name: impl Into<String>, kind: StoreKind, retention_ms: i64) -> Self {
        Self {
            common: Common {
                name: name.into(),
                kind,
                retention_ms,
                logging: true,
                caching: false,
            },
            _serdes: PhantomData,
        }
    }

    common_methods!();

    /// Builds the store stack for one task, with no listener on its record
    /// cache (see [`build_with_listener`](Self::build_with_listener)).
    #[cfg(test)]
    pub(crate) fn build(&self, ctx: &StoreContext) -> Result<MeteredSessionStore<KS, VS>> {
        self.build_with_listener(ctx, None)
    }

    /// Builds the store stack for one task; `listener` receives what the
    /// record cache writes down (when there is one). Fails on an LRU kind
    /// or a negative retention.
    pub(crate) fn build_with_listener(
        &self,
        ctx: &StoreContext,
        listener: Option<CacheFlushListener>,
    ) -> Result<MeteredSessionStore<KS, VS>> {
        let c = &self.common;
        c.check("session store")?;
        let mut store: Box<dyn SessionBytesStore> = match c.kind {
            #[cfg(not(feature = "rocksdb"))]
            StoreKind::RocksDb => return Err(crate::state::rocksdb_disabled(&c.name)),
            #[cfg(feature = "rocksdb")]
            StoreKind::RocksDb => Box::new(RocksDbSessionStore::open(
                &c.name,
                &ctx.task_dir,
                &ctx.rocksdb,
                c.retention_ms,
            )?),
            _ => Box::new(InMemorySessionStore::new(&c.name, c.retention_ms)),
        };
        if c.logging {
            store = Box::new(ChangeLoggingSessionBytesStore::new(
                store,
                ctx.collector.clone(),
                changelog_topic(&ctx.application_id, &c.name),
                ctx.partition,
                ctx.timestamp.clone(),
            ));
        }
        if c.caching && ctx.cache.max_bytes() > 0 {
            store = Box::new(CachingSessionStore::new(
                store,
                ctx.cache.clone(),
                &ctx.task_id,
                ctx.timestamp.clone(),
                listener,
            ));
        }
        let store_type = match c.kind {
            StoreKind::RocksDb => "rocksdb-session",
            _ => "in-memory-session",
        };
        let metrics = StoreMetrics::new(&ctx.metrics, store_type, &c.name);
        Ok(MeteredSessionStore::new(store).with_metrics(metrics))
    }
}
