//! [`RocksDbConfig`]: the memory bound every RocksDB store of an application
//! instance shares, as Kafka Streams' bounded-memory `RocksDBConfigSetter`.
//!
//! Owns: one block cache (`rocksdb::Cache`) and one `WriteBufferManager`
//! whose memtable memory is charged to that cache, so all stores of all
//! tasks of all threads stay under `block_cache_bytes` together, plus the
//! per-store options derived from them, then adjusted by the user's
//! options hook (`rocksdb.config.setter`, which the runtime adapts from
//! the configuration). Must never: open a database, or know about
//! directories or the configuration.

#[cfg(feature = "rocksdb")]
use std::sync::Arc;

#[cfg(feature = "rocksdb")]
use rocksdb::{BlockBasedOptions, Cache, DBCompressionType, Options, WriteBufferManager};

/// Adjusts a database's options given its name (a store, or a segment
/// `<store>.<start>`), just before it opens.
#[cfg(feature = "rocksdb")]
pub(crate) type OptionsHook = Arc<dyn Fn(&str, &mut Options) + Send + Sync>;

/// Default total off-heap memory for all RocksDB stores of an instance.
pub(super) const DEFAULT_BLOCK_CACHE_BYTES: usize = 64 * 1024 * 1024;
/// Memtable arena block: the granularity in which memtable memory is
/// charged to the write-buffer budget (see `store_options`).
#[cfg(feature = "rocksdb")]
const ARENA_BLOCK_BYTES: usize = 64 * 1024;
/// Default share of it that memtables (write buffers) may use.
pub(super) const DEFAULT_WRITE_BUFFER_BYTES: usize = 16 * 1024 * 1024;

/// Shared RocksDB memory settings. Create one per application instance and
/// hand a reference to every [`RocksDbStore::open`](crate::state::RocksDbStore::open);
/// cloning shares the same cache and write-buffer manager.
///
/// Without the `rocksdb` feature it only records the two sizes.
#[derive(Clone)]
pub(crate) struct RocksDbConfig {
    #[cfg(feature = "rocksdb")]
    cache: Cache,
    #[cfg(feature = "rocksdb")]
    write_buffer_manager: WriteBufferManager,
    #[cfg(feature = "rocksdb")]
    hook: Option<OptionsHook>,
    block_cache_bytes: usize,
    write_buffer_bytes: usize,
}

impl std::fmt::Debug for RocksDbConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksDbConfig")
            .field("block_cache_bytes", &self.block_cache_bytes)
            .field("write_buffer_bytes", &self.write_buffer_bytes)
            .finish()
    }
}

impl Default for RocksDbConfig {
    fn default() -> Self {
        Self::new(DEFAULT_BLOCK_CACHE_BYTES, DEFAULT_WRITE_BUFFER_BYTES)
    }
}

impl RocksDbConfig {
    /// A cache of `block_cache_bytes` in total, of which memtables may use up
    /// to `write_buffer_bytes` (they are charged to the cache, so the sum
    /// stays bounded by `block_cache_bytes`).
    #[cfg(feature = "rocksdb")]
    pub(crate) fn new(block_cache_bytes: usize, write_buffer_bytes: usize) -> Self {
        let cache = Cache::new_lru_cache(block_cache_bytes);
        let write_buffer_manager = WriteBufferManager::new_write_buffer_manager_with_cache(
            write_buffer_bytes,
            false,
            cache.clone(),
        );
        Self {
            cache,
            write_buffer_manager,
            hook: None,
            block_cache_bytes,
            write_buffer_bytes,
        }
    }

    /// A cache of `block_cache_bytes` in total, of which memtables may use up
    /// to `write_buffer_bytes` (recorded only: built without RocksDB).
    #[cfg(not(feature = "rocksdb"))]
    pub(crate) fn new(block_cache_bytes: usize, write_buffer_bytes: usize) -> Self {
        Self {
            block_cache_bytes,
            write_buffer_bytes,
        }
    }

    /// Runs `hook` on every database's options after the defaults.
    #[cfg(feature = "rocksdb")]
    pub(crate) fn with_options_hook(mut self, hook: OptionsHook) -> Self {
        self.hook = Some(hook);
        self
    }

    /// Options for database `name`: create if missing, LZ4, bloom filters,
    /// index and filter blocks in the shared cache, shared write-buffer
    /// manager; then whatever the options hook changes.
    #[cfg(feature = "rocksdb")]
    pub(crate) fn store_options(&self, name: &str) -> Options {
        let mut table = BlockBasedOptions::default();
        table.set_block_cache(&self.cache);
        table.set_block_size(4 * 1024);
        table.set_bloom_filter(10.0, false);
        table.set_cache_index_and_filter_blocks(true);
        table.set_pin_top_level_index_and_filter(true);

        let mut options = Options::default();
        options.create_if_missing(true);
        options.set_compression_type(DBCompressionType::Lz4);
        options.set_block_based_table_factory(&table);
        options.set_write_buffer_manager(&self.write_buffer_manager);
        options.set_max_write_buffer_number(3);
        // A memtable takes its memory in arena blocks, and each block is
        // charged to the shared write-buffer budget as soon as it is
        // allocated. RocksDB's default block (1 MiB here) made 16 stores
        // holding a few records each look like 16 MiB of memtables: over
        // the budget, so every write flushed a memtable of a few entries.
        options.set_arena_block_size(ARENA_BLOCK_BYTES);
        if let Some(hook) = &self.hook {
            hook(name, &mut options);
        }
        options
    }
}
