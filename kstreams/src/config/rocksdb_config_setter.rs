//! [`RocksDbConfigSetter`]: the user's hook on every RocksDB store's
//! options, Kafka Streams' `rocksdb.config.setter`
//! (`org.apache.kafka.streams.state.RocksDBConfigSetter`).
//!
//! Owns: the public trait and the closure impl. The runtime hands the
//! setter to the state layer as a plain options hook (the state layer must
//! not see the configuration), which calls it just before each database
//! opens, after kstreams' own defaults (shared block cache and write-buffer
//! manager, LZ4, bloom filters).
//!
//! Java's `close(storeName, options)` has no counterpart: whatever the
//! setter puts into the options is dropped with them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Changes the RocksDB options of each store before it opens.
///
/// Called once per database, on the stream thread that opens it, with the
/// store's name (a window or session store's segments are databases of
/// their own, named `<store>.<segment start>` as in Kafka Streams), the
/// options kstreams prepared, and every property set on the
/// [`StreamsConfig`](super::StreamsConfig), by its Kafka Streams name
/// ([`StreamsConfig::originals`](super::StreamsConfig::originals)).
///
/// Register one with
/// [`StreamsConfig::rocksdb_config_setter`](super::StreamsConfig::rocksdb_config_setter);
/// any `Fn(&str, &mut Options, &BTreeMap<String, String>)` closure is one.
/// Replacing the block-based table factory drops the shared block cache
/// and so the instance's memory bound (as in Java, where the setter should
/// modify the existing table config).
pub trait RocksDbConfigSetter: Send + Sync + 'static {
    /// Adjusts `options` for store `store_name`.
    fn set_config(
        &self,
        store_name: &str,
        options: &mut rocksdb::Options,
        configs: &BTreeMap<String, String>,
    );
}

impl<F> RocksDbConfigSetter for F
where
    F: Fn(&str, &mut rocksdb::Options, &BTreeMap<String, String>) + Send + Sync + 'static,
{
    fn set_config(
        &self,
        store_name: &str,
        options: &mut rocksdb::Options,
        configs: &BTreeMap<String, String>,
    ) {
        self(store_name, options, configs)
    }
}

/// A registered setter, shareable and printable (the configuration is
/// `Clone + Debug`).
#[derive(Clone)]
pub(crate) struct SharedConfigSetter(pub(crate) Arc<dyn RocksDbConfigSetter>);

impl fmt::Debug for SharedConfigSetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RocksDbConfigSetter(..)")
    }
}
