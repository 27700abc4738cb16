//! What an interactive query asks for: [`StoreQueryParameters`] (store
//! name, store type, stale stores, one partition) and the store types
//! ([`QueryableStoreTypes`]), as Kafka Streams' classes of those names.

use std::marker::PhantomData;

use kstreams_serde::Serde;

use super::key_value::ReadOnlyKeyValueStore;
use super::registry::StoreProvider;
use super::windowed::{ReadOnlySessionStore, ReadOnlyWindowStore};
use crate::error::InvalidStateStore;

/// The kind and serdes of a store a query reads, and the read-only view
/// it gets (`S`). Made by [`QueryableStoreTypes`].
pub struct QueryableStoreType<S> {
    describe: fn() -> String,
    create: fn(StoreProvider) -> Result<S, InvalidStateStore>,
    _store: PhantomData<fn() -> S>,
}

impl<S> std::fmt::Debug for QueryableStoreType<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&(self.describe)())
    }
}

impl<S> Clone for QueryableStoreType<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for QueryableStoreType<S> {}

impl<S> QueryableStoreType<S> {
    pub(crate) fn create(&self, provider: StoreProvider) -> Result<S, InvalidStateStore> {
        (self.create)(provider)
    }
}

/// The store types interactive queries can read (Kafka Streams'
/// `QueryableStoreTypes`), each with the store's key and value serdes.
///
/// The timestamped stores of DSL aggregations and tables are read with
/// their plain value serde: timestamps are dropped, as Java's
/// `keyValueStore()` and `windowStore()` types do.
///
/// ```
/// use kstreams::runtime::query::{QueryableStoreTypes, StoreQueryParameters};
/// use kstreams::serde::I64;
///
/// let params = StoreQueryParameters::from_name_and_type(
///     "counts",
///     QueryableStoreTypes::key_value::<String, I64>(),
/// )
/// .enable_stale_stores();
/// assert_eq!(params.store_name(), "counts");
/// assert!(params.stale_stores_enabled());
/// assert_eq!(params.partition(), None);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct QueryableStoreTypes;

impl QueryableStoreTypes {
    /// A key/value store with key serde `KS` and value serde `VS`, read
    /// through a [`ReadOnlyKeyValueStore`].
    pub fn key_value<KS: Serde, VS: Serde>() -> QueryableStoreType<ReadOnlyKeyValueStore<KS, VS>> {
        QueryableStoreType {
            describe: ReadOnlyKeyValueStore::<KS, VS>::describe,
            create: ReadOnlyKeyValueStore::<KS, VS>::create,
            _store: PhantomData,
        }
    }

    /// A window store with key serde `KS` and value serde `VS`, read
    /// through a [`ReadOnlyWindowStore`].
    pub fn window_store<KS: Serde, VS: Serde>() -> QueryableStoreType<ReadOnlyWindowStore<KS, VS>> {
        QueryableStoreType {
            describe: ReadOnlyWindowStore::<KS, VS>::describe,
            create: ReadOnlyWindowStore::<KS, VS>::create,
            _store: PhantomData,
        }
    }

    /// A session store with key serde `KS` and value serde `VS`, read
    /// through a [`ReadOnlySessionStore`].
    pub fn session_store<KS: Serde, VS: Serde>() -> QueryableStoreType<ReadOnlySessionStore<KS, VS>>
    {
        QueryableStoreType {
            describe: ReadOnlySessionStore::<KS, VS>::describe,
            create: ReadOnlySessionStore::<KS, VS>::create,
            _store: PhantomData,
        }
    }
}

/// What [`KafkaStreams::store`](crate::KafkaStreams::store) reads: a store
/// by name and type, optionally restoring (stale) copies too, optionally
/// one partition only (Kafka Streams' `StoreQueryParameters`).
#[derive(Debug, Clone, Copy)]
pub struct StoreQueryParameters<'a, S> {
    name: &'a str,
    store_type: QueryableStoreType<S>,
    stale: bool,
    partition: Option<i32>,
}

impl<'a, S> StoreQueryParameters<'a, S> {
    /// Store `name`, read as `store_type`: active, fully restored copies of
    /// every partition this instance hosts.
    pub fn from_name_and_type(name: &'a str, store_type: QueryableStoreType<S>) -> Self {
        StoreQueryParameters {
            name,
            store_type,
            stale: false,
            partition: None,
        }
    }

    /// Also read copies that are still restoring from the changelog, and
    /// read while the instance is REBALANCING: answers may lag behind the
    /// changelog (Java's `enableStaleStores`).
    pub fn enable_stale_stores(mut self) -> Self {
        self.stale = true;
        self
    }

    /// Read only the copy of `partition` (Java's `withPartition`); a
    /// partition this instance does not host fails with
    /// [`InvalidStateStore::PartitionNotHosted`].
    pub fn with_partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }

    /// The store's name.
    pub fn store_name(&self) -> &str {
        self.name
    }

    /// Whether restoring copies are read too.
    pub fn stale_stores_enabled(&self) -> bool {
        self.stale
    }

    /// The one partition read, if any.
    pub fn partition(&self) -> Option<i32> {
        self.partition
    }

    pub(crate) fn store_type(&self) -> QueryableStoreType<S> {
        self.store_type
    }
}
