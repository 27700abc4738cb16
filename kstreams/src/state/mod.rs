//! Local state stores, layered as in Kafka Streams:
//!
//! ```text
//! MeteredKeyValueStore<KS, VS>       typed; serdes and metrics (the only layer that knows types)
//!   └ CachingKeyValueStore           record cache: one dirty entry per key, forwarded on flush/eviction
//!       └ ChangeLoggingKeyValueBytesStore   every write → ChangelogCollector (tombstones for deletes)
//!           └ RocksDbStore | InMemoryKeyValueStore | LruMemoryStore   bytes, unsigned byte order
//! ```
//!
//! [`KeyValueStoreBuilder`] assembles a stack per task; the caching and
//! logging layers are optional.
//!
//! Window and session stores (Kafka Streams' `WindowStore`, `SessionStore`)
//! have the same shape without the caching layer (not implemented yet):
//!
//! ```text
//! MeteredWindowStore<KS, VS>  / MeteredSessionStore<KS, VS>    typed (WindowStore / SessionStore)
//!   └ ChangeLoggingWindowBytesStore / ChangeLoggingSessionBytesStore
//!       └ RocksDbWindowStore | InMemoryWindowStore  /  RocksDbSessionStore | InMemorySessionStore
//! ```
//!
//! built by [`WindowStoreBuilder`] / [`SessionStoreBuilder`]. Their keys
//! are Java's byte for byte (`[key][start: 8][seq: 4]` for windows,
//! `[key][end: 8][start: 8]` for sessions, from `kstreams_serde`'s
//! `RawWindowStoreKey` / `RawSessionKey`), in the stores and in their
//! changelogs. They expire data by observed stream time (the largest
//! timestamp written): anything older than `stream time - retention` is no
//! longer returned, and the RocksDB variants keep time segments of
//! `max(retention / 2, 60 s)`, each its own database under
//! `<task dir>/rocksdb/<store>/`, deleted whole once expired. Queries
//! return `Vec`s for now (no lazy iterators).
//!
//! # Invariants
//! - Keys are ordered by unsigned lexicographic byte order at every layer
//!   (RocksDB's bytewise comparator, Kafka's `Bytes`), never by `K: Ord`.
//! - Ranges are inclusive at both ends; `from > to` is empty.
//! - Every write that reaches a bytes store through the change-logging
//!   layer reaches the changelog, in the same order; restores
//!   (`KeyValueBytesStore::restore_batch`) bypass caching and logging.
//! - The cache holds at most one entry per key per store; a flush writes
//!   all dirty entries down in one `put_all` and forwards (key, new, old).
//!
//! # Integration points (the runtime calls or implements these)
//! - implements `ChangelogCollector` (its producer, inside the EOS
//!   transaction) and sets `RecordTimestamp` before each record;
//! - creates one `RocksDbConfig` per instance and one `ThreadCache` per
//!   stream thread (`ThreadCache::for_thread`), fills a `StoreContext`
//!   per task and calls `KeyValueStoreBuilder::build`, passing a
//!   `CacheFlushListener` (see `typed_flush_listener`) that forwards
//!   downstream;
//! - after each record calls `flush_evicted` on the task's stores (via
//!   `MeteredKeyValueStore::bytes_store_mut`); on commit calls
//!   `StateStore::flush_cache` on every store; when a checkpoint is due
//!   (every 10 000 changelog records under at-least-once, on a clean
//!   close under both guarantees) calls `StateStore::flush` on every
//!   store and then writes the `Checkpoint`;
//! - on assignment reads the `Checkpoint`, restores each logged store
//!   with a `StateRestorer` (offsets from `restore_start_offset`;
//!   window and session stores through `StateRestorer::restore_batch_with`
//!   and their `bytes_store_mut`),
//!   reporting to a `StateRestoreListener`; under exactly-once deletes the
//!   checkpoint when processing starts, writes it on clean close, and after
//!   a crash without one calls `wipe_task_dir` before opening the stores;
//! - creates the changelog topics named by `changelog_topic` (compacted).
//!
//! Must never: talk to Kafka, or depend on the DSL, topology, processor or
//! runtime modules.

mod builder;
mod cache;
mod change_logging;
mod change_logging_window;
mod changelog;
mod checkpoint;
mod directory;
mod handle;
mod in_memory;
mod in_memory_session;
mod in_memory_window;
mod key_value;
mod lru;
mod lru_order;
mod metered;
mod metered_session;
mod metered_window;
mod restore;
mod rocksdb_config;
#[cfg(feature = "rocksdb")]
mod rocksdb_session;
#[cfg(feature = "rocksdb")]
mod rocksdb_store;
#[cfg(feature = "rocksdb")]
mod rocksdb_window;
#[cfg(feature = "rocksdb")]
mod segments;
mod session_store;
mod store;
mod store_metrics;
mod timestamped_view;
mod window_builder;
mod window_store;

#[cfg(all(test, feature = "rocksdb"))]
mod segment_tests;
#[cfg(test)]
mod session_test_suite;
#[cfg(test)]
mod test_suite;
#[cfg(all(test, feature = "rocksdb"))]
mod tests;
#[cfg(test)]
mod window_model;
#[cfg(test)]
mod window_test_suite;
#[cfg(all(test, feature = "rocksdb"))]
mod window_tests;

// The public state API: what a processor or a store declaration names.
pub use builder::{KeyValueStoreBuilder, StoreKind};
pub use checkpoint::ChangelogPartition;
pub use handle::{KeyValueStoreHandle, SessionStoreHandle, WindowStoreHandle};
pub use key_value::{KeyValueIterator, KeyValueStore};
pub use metered::MeteredKeyValueStore;
pub use metered_session::MeteredSessionStore;
pub use metered_window::MeteredWindowStore;
pub use restore::{LoggingRestoreListener, RestoreProgress, StateRestoreListener};
pub use session_store::SessionStore;
pub use store_metrics::StoreMetrics;
pub use window_builder::{SessionStoreBuilder, WindowStoreBuilder};
pub use window_store::WindowStore;

// The layers below, for the runtime and the test driver only.
pub(crate) use builder::{rocksdb_disabled, StoreContext};
#[cfg(test)]
pub(crate) use cache::CachingKeyValueStore;
pub(crate) use cache::{CacheFlushListener, FlushedEntry, ThreadCache};
#[cfg(test)]
pub(crate) use change_logging_window::{
    ChangeLoggingSessionBytesStore, ChangeLoggingWindowBytesStore,
};
pub(crate) use changelog::{changelog_topic, ChangelogCollector, ChangelogRecord, RecordTimestamp};
pub(crate) use checkpoint::{Checkpoint, CheckpointOffsets};
pub(crate) use directory::{
    app_dir, task_dir, wipe_task_dir, StateDirLock, TaskDirLocks, TaskDirOwner,
};
pub(crate) use handle::lock;
pub(crate) use in_memory::InMemoryKeyValueStore;
pub(crate) use lru::LruMemoryStore;
pub(crate) use restore::{restore_start_offset, StateRestorer};
pub(crate) use rocksdb_config::RocksDbConfig;
#[cfg(all(test, feature = "rocksdb"))]
pub(crate) use rocksdb_session::RocksDbSessionStore;
#[cfg(feature = "rocksdb")]
pub(crate) use rocksdb_store::RocksDbStore;
#[cfg(all(test, feature = "rocksdb"))]
pub(crate) use rocksdb_window::RocksDbWindowStore;
#[cfg(test)]
pub(crate) use session_store::{SessionBytes, SessionBytesStore};
pub(crate) use store::KeyValueBytesStore;
pub(crate) use store::ScanSnapshot;
#[cfg(test)]
pub(crate) use store::StateStore;
pub(crate) use store::{prefix_upper_bound, RestoreRecord};
#[cfg(test)]
pub(crate) use window_store::{WindowBytesStore, WindowedBytes};
