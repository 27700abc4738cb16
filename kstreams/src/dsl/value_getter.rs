//! Value getters: how a join reads the current row of a [`KTable`] it does
//! not receive records from, as Kafka Streams' `KTableValueGetterSupplier`
//! / `KTableValueGetter`.
//!
//! A table answers "what is the value of key `k` now?" in one of two ways:
//! - from its store, when it has one (a materialized `builder.table`, an
//!   aggregation, a materialized join; Java's
//!   `KTableMaterializedValueGetterSupplier`);
//! - from its parent's getter with its own operator applied (an
//!   unmaterialized `filter`, `map_values`, or join result; Java's
//!   `KTableFilter.view()`, `KTableMapValues.view()`,
//!   `KTableKTable*Join.view()`).
//!
//! Asking a `builder.table` source for its getter materializes it (Java's
//! `KTableSource.materialize()` from `KTableSourceValueGetterSupplier`), so
//! a [`View`] is a function of the graph under construction. The node that
//! reads through a getter must be connected to the getter's
//! [`ValueGetterSupplier::stores`] (and so runs in the same sub-topology
//! as the nodes that write them).
//!
//! Invariant: a getter only reads; it never forwards and never writes.
//!
//! [`KTable`]: super::KTable

use std::rc::Rc;
use std::sync::Arc;

use kstreams_serde::{Serde, Timestamped, ValueAndTimestamp};

use super::builder::GraphBuilder;
use crate::processor::node::NodeEnv;
use crate::state::KeyValueStoreHandle;
use crate::Result;

/// Reads the current value (and its timestamp) of a key of a table.
pub(crate) trait ValueGetter<K, V>: Send + Sync {
    /// The row of `key`, `None` when the table has none.
    fn get(&self, key: &K) -> Result<Option<ValueAndTimestamp<V>>>;
}

/// Builds a table's getter for one task, for the node instantiated in `env`.
pub(crate) type GetterInit<K, V> =
    Arc<dyn Fn(&NodeEnv<'_>) -> Result<Arc<dyn ValueGetter<K, V>>> + Send + Sync>;

/// A table's getter as the topology holds it (Java's
/// `KTableValueGetterSupplier`): the stores it reads and how to build it.
pub(crate) struct ValueGetterSupplier<K, V> {
    /// The stores the reading node must be connected to.
    pub(crate) stores: Vec<String>,
    /// Builds the getter for one task.
    pub(crate) init: GetterInit<K, V>,
}

impl<K, V> Clone for ValueGetterSupplier<K, V> {
    fn clone(&self) -> Self {
        ValueGetterSupplier {
            stores: self.stores.clone(),
            init: self.init.clone(),
        }
    }
}

/// How a table handle gets its supplier: may materialize a source first.
pub(crate) type View<K, V> = Rc<dyn Fn(&mut GraphBuilder) -> ValueGetterSupplier<K, V>>;

/// Reads a timestamped key/value store (Java's `KTableMaterializedValueGetter`).
struct StoreGetter<KS: Serde, VS: Serde> {
    store: KeyValueStoreHandle<KS, Timestamped<VS>>,
}

impl<KS: Serde, VS: Serde> ValueGetter<KS::Target, VS::Target> for StoreGetter<KS, VS> {
    fn get(&self, key: &KS::Target) -> Result<Option<ValueAndTimestamp<VS::Target>>> {
        self.store.get(key)
    }
}

/// The getter of a table held in the timestamped store `store`.
pub(crate) fn store_getter<KS, VS>(store: &str) -> ValueGetterSupplier<KS::Target, VS::Target>
where
    KS: Serde,
    VS: Serde,
{
    let name = store.to_owned();
    ValueGetterSupplier {
        stores: vec![store.to_owned()],
        init: Arc::new(move |env: &NodeEnv<'_>| {
            let store = env
                .stores
                .key_value::<KS, Timestamped<VS>>(env.name, &name)?;
            let getter: Arc<dyn ValueGetter<KS::Target, VS::Target>> =
                Arc::new(StoreGetter::<KS, VS> { store });
            Ok(getter)
        }),
    }
}

/// A getter computed from another one (a stateless table operator's view).
struct MappedGetter<K, V, V2> {
    parent: Arc<dyn ValueGetter<K, V>>,
    map: MapRow<K, V, V2>,
}

/// What a stateless operator does to a row: `None` drops it (a filter).
pub(crate) type MapRow<K, V, V2> =
    Arc<dyn Fn(&K, ValueAndTimestamp<V>) -> Option<ValueAndTimestamp<V2>> + Send + Sync>;

impl<K, V, V2> ValueGetter<K, V2> for MappedGetter<K, V, V2> {
    fn get(&self, key: &K) -> Result<Option<ValueAndTimestamp<V2>>> {
        Ok(self.parent.get(key)?.and_then(|row| (self.map)(key, row)))
    }
}

impl<K: 'static, V: 'static> ValueGetterSupplier<K, V> {
    /// This getter with `map` applied to every row it returns (Java's
    /// `KTableFilter.view()` / `KTableMapValues.view()` without a store).
    pub(crate) fn mapped<V2: 'static>(self, map: MapRow<K, V, V2>) -> ValueGetterSupplier<K, V2> {
        let parent = self.init;
        ValueGetterSupplier {
            stores: self.stores,
            init: Arc::new(move |env: &NodeEnv<'_>| {
                let getter: Arc<dyn ValueGetter<K, V2>> = Arc::new(MappedGetter {
                    parent: parent(env)?,
                    map: map.clone(),
                });
                Ok(getter)
            }),
        }
    }
}

/// A view over the store `store` (an aggregation's, a materialized join's).
pub(crate) fn store_view<KS, VS>(store: &str) -> View<KS::Target, VS::Target>
where
    KS: Serde,
    VS: Serde,
{
    let store = store.to_owned();
    Rc::new(move |_: &mut GraphBuilder| store_getter::<KS, VS>(&store))
}

/// The getter of the table a join reads (`view`), or, if the table cannot
/// be read, a `build()` error naming the join and a getter that fails.
pub(crate) fn supplier_of<K: 'static, V: 'static>(
    view: &Option<View<K, V>>,
    graph: &mut GraphBuilder,
    join: &str,
) -> ValueGetterSupplier<K, V> {
    if let Some(view) = view {
        return view(graph);
    }
    graph.error(format!(
        "join `{join}`: a joined table cannot be read (a windowed or suppressed table); join tables from `builder.table`, aggregations, or `filter`/`map_values`/joins of those"
    ));
    ValueGetterSupplier {
        stores: Vec::new(),
        init: Arc::new(|_: &NodeEnv<'_>| {
            Err(crate::Error::Topology(
                "the joined table cannot be read".into(),
            ))
        }),
    }
}
