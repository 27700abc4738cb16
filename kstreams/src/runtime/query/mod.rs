//! Interactive queries: reading a running application's state stores from
//! outside the stream threads, as Kafka Streams' `KafkaStreams.store`.
//!
//! ```text
//! KafkaStreams::store(StoreQueryParameters)     what to read (name, type, stale, partition)
//!   └ StoreProvider (registry)                  availability; the local copies, found anew per call
//!       └ ReadOnlyKeyValueStore / ReadOnlyWindowStore / ReadOnlySessionStore
//!           └ each task's store, locked per call (key/value scans: per chunk of 1000)
//! ```
//!
//! A view covers every local task that hosts the store (all partitions
//! this instance owns), as Java's composite stores. Errors are
//! [`Error::InvalidStateStore`](crate::Error::InvalidStateStore).
//!
//! Must never: hand out a writable store, or keep a store locked while the
//! caller holds a result.

mod key_value;
pub(crate) mod metadata;
mod params;
pub(crate) mod registry;
mod scan;
mod windowed;

use std::collections::BTreeSet;
use std::sync::Arc;

pub use crate::config::HostInfo;
pub use key_value::{KeyValueIter, ReadOnlyKeyValueStore};
pub use metadata::{KeyQueryMetadata, StreamsMetadata};
pub use params::{QueryableStoreType, QueryableStoreTypes, StoreQueryParameters};
pub use windowed::{ReadOnlySessionStore, ReadOnlyWindowStore, WindowedEntries};

use crate::runtime::KafkaStreams;
use crate::Result;

impl KafkaStreams {
    /// A read-only view of a local store (Kafka Streams'
    /// `KafkaStreams.store(StoreQueryParameters)`): the view's type comes
    /// from the query type, e.g.
    /// [`QueryableStoreTypes::key_value`]`::<KS, VS>()` gives a
    /// [`ReadOnlyKeyValueStore`].
    ///
    /// Fails with [`Error::InvalidStateStore`](crate::Error::InvalidStateStore):
    /// unknown store (the message lists the topology's stores), wrong kind
    /// or serdes (naming both), instance not started, not RUNNING (or
    /// REBALANCING with stale stores enabled), or no local copy ready:
    /// [`is_retriable`](crate::error::InvalidStateStore::is_retriable)
    /// says whether to retry. Each later call on the view checks again.
    pub fn store<S>(&self, params: StoreQueryParameters<'_, S>) -> Result<S> {
        let provider = registry::StoreProvider {
            name: params.store_name().to_owned(),
            registry: self.instance_state().registry(),
            client: self.client_shared().clone(),
            known: self.store_names(),
            stale: params.stale_stores_enabled(),
            partition: params.partition(),
        };
        Ok(params.store_type().create(provider)?)
    }

    fn store_names(&self) -> Arc<BTreeSet<String>> {
        Arc::new(self.topology().store_names().into_iter().collect())
    }
}
