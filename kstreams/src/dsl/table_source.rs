//! `StreamsBuilder::table`: a [`KTable`] read from a topic, as Kafka
//! Streams' `builder.table(topic)`: a source (`KSTREAM-SOURCE-…`) feeding
//! a `KTABLE-SOURCE-…` node (Java's `KTableSource`).
//!
//! As in Java, the table is materialized in a store (`<topic>-STATE-STORE-…`
//! unless named) only when its [`Materialized`] is named
//! ([`Materialized::as_`], Java's queryable name) or a downstream operator
//! needs it (`group_by`, which needs old values). Unmaterialized, the node
//! forwards every record as a change with no old value, a tombstone as a
//! delete (even of a key never seen); materialized, it keeps
//! `ValueAndTimestamp<V>` per key and forwards the value it replaced when
//! a downstream operator asks for old values.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use kstreams_serde::{Serde, ValueAndTimestamp};

use super::builder::GraphBuilder;
use super::ktable::{Change, KTable, TableInfo};
use super::table_node::{TableNodeFactory, UpdateFn};
use super::value_getter::{store_getter, View};
use super::{Materialized, StreamsBuilder, Topic};
use crate::processor::node::{OpFn, StatelessFactory};
use crate::processor::Record;
use crate::topology::NodeKind;

/// The node of an unmaterialized table source: input values as `Option`
/// (tombstones), output changes.
type SourceOp<K, V> = OpFn<K, Option<V>, K, Change<V>>;

impl StreamsBuilder {
    /// The table of `topic`'s latest value per key. Not materialized
    /// unless a downstream operator needs a store (as Java, whose
    /// `describe()` then shows `stores: []`); use
    /// [`StreamsBuilder::table_with`] and [`Materialized::as_`] for a
    /// queryable RocksDB store.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const PRICES: Topic<String, String, 1> = Topic::new("prices");
    /// const CHANGES: Topic<String, String, 1> = Topic::new("price-changes");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.table(PRICES).to_stream().to(CHANGES);
    /// let topology = builder.build()?;
    /// assert!(topology.describe().to_string().contains(
    ///     "Processor: KTABLE-SOURCE-0000000002 (stores: [])"
    /// ));
    /// let driver = TopologyTestDriver::new(topology)?;
    /// driver.create_input_topic(PRICES).pipe_input("YERB", "105.24")?;
    /// assert_eq!(driver.create_output_topic(CHANGES).read_value()?, "105.24");
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn table<KS, VS, const P: u32>(
        &self,
        topic: Topic<KS, VS, P>,
    ) -> KTable<KS::Target, VS::Target>
    where
        KS: Serde,
        VS: Serde,
        KS::Target: Clone,
        VS::Target: Clone,
    {
        self.table_with(topic, Materialized::<KS, VS>::new())
    }

    /// [`StreamsBuilder::table`] into the store `materialized` describes,
    /// which is created when it is named with [`Materialized::as_`] (then
    /// queryable, with plain values) or a downstream operator needs it.
    /// The store keeps `ValueAndTimestamp<V>` (changelog layout
    /// `[timestamp: 8 BE][value]`, as Java).
    ///
    /// ```
    /// use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const PRICES: Topic<String, String, 1> = Topic::new("prices");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.table_with(PRICES, Materialized::as_("prices-store"));
    /// let topology = builder.build()?;
    /// assert!(topology.describe().to_string().contains("(stores: [prices-store])"));
    /// let driver = TopologyTestDriver::new(topology)?;
    /// driver.create_input_topic(PRICES).pipe_input("YERB", "105.24")?;
    /// let prices = driver.get_key_value_store::<String, String>("prices-store")?;
    /// assert_eq!(prices.get(&"YERB".to_string())?, Some("105.24".to_string()));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn table_with<KS, VS, const P: u32>(
        &self,
        topic: Topic<KS, VS, P>,
        materialized: Materialized<KS, VS>,
    ) -> KTable<KS::Target, VS::Target>
    where
        KS: Serde,
        VS: Serde,
        KS::Target: Clone,
        VS::Target: Clone,
    {
        let store =
            materialized.store_name(&mut self.graph.borrow_mut(), &format!("{}-", topic.name()));
        // Read values as `Option` so that tombstones arrive as deletes.
        let raw: Topic<KS, Option<VS>, P> = topic.with_serdes();
        let source = self.source_node(None, raw, None);
        let name = source.take_name(&mut self.graph.borrow_mut(), "KTABLE-SOURCE-");
        ktable_source(&self.graph, source.node, name, store, materialized)
    }
}

/// Java's `KTableSource` named `name` under `parent` (whose records carry
/// `Option<V>`, `None` a delete), over store `store`: created at once when
/// `materialized` is named, else when a downstream operator needs it. The
/// node of `builder.table` and of a foreign-key join's result.
pub(crate) fn ktable_source<KS, VS>(
    graph_rc: &Rc<RefCell<GraphBuilder>>,
    parent: usize,
    name: String,
    store: String,
    materialized: Materialized<KS, VS>,
) -> KTable<KS::Target, VS::Target>
where
    KS: Serde,
    VS: Serde,
    KS::Target: Clone,
    VS::Target: Clone,
{
    let update = source_update::<KS, VS>();
    let send_old_values = Arc::new(AtomicBool::new(false));
    let stored = TableNodeFactory::<KS::Target, Option<VS::Target>, KS, VS> {
        store: store.clone(),
        caching: materialized.caching(),
        update,
        send_old_values: send_old_values.clone(),
        _types: PhantomData,
    };
    let store_builder = Arc::new(materialized.timestamped_builder(&store));
    let mut graph = graph_rc.borrow_mut();
    // Java's KTableSource without a store: forward, no old value.
    let stateless: SourceOp<KS::Target, VS::Target> = Arc::new(|record, emit| {
        emit(Record {
            key: record.key,
            value: Change {
                new: record.value,
                old: None,
            },
            timestamp: record.timestamp,
            headers: record.headers,
        })
    });
    let node = graph.add_node(
        name,
        NodeKind::Processor { stores: Vec::new() },
        &[parent],
        Arc::new(StatelessFactory { op: stateless }),
    );
    let store_name = store.clone();
    let materialize = move |graph: &mut GraphBuilder| {
        graph.stores.push(store_builder);
        if let NodeKind::Processor { stores } = &mut graph.nodes[node].kind {
            stores.push(store_name);
        }
        graph.set_factory(node, Arc::new(stored));
    };
    let getter_store = store.clone();
    let (store, materialize): (Option<String>, Option<super::ktable::Materialize>) =
        if materialized.is_named() {
            materialize(&mut graph);
            (Some(store), None)
        } else {
            (None, Some(Box::new(materialize)))
        };
    drop(graph);
    let info = TableInfo::source(send_old_values, materialize);
    // Java's KTableSourceValueGetterSupplier: reading the table from a
    // join materializes it.
    let source = info.clone();
    let view: View<KS::Target, VS::Target> = Rc::new(move |graph: &mut GraphBuilder| {
        source.materialize(graph);
        store_getter::<KS, VS>(&getter_store)
    });
    KTable::with_info(graph_rc.clone(), node, store, info).with_view(view)
}

/// Java's `KTableSource` with a store (`queryableName != null`): puts the
/// value (a tombstone deletes) and returns the change with the value it
/// replaced. Shared by `table` and `global_table`.
pub(super) fn source_update<KS, VS>() -> UpdateFn<KS::Target, Option<VS::Target>, KS, VS>
where
    KS: Serde,
    VS: Serde,
    KS::Target: Clone,
    VS::Target: Clone,
{
    Arc::new(|record: Record<_, _>, store| {
        let old = store.get(&record.key)?.map(|o| o.value);
        match &record.value {
            Some(value) => store.put(
                &record.key,
                &ValueAndTimestamp::new(value.clone(), record.timestamp),
            )?,
            None => drop(store.delete(&record.key)?),
        }
        let change = Change {
            new: record.value,
            old,
        };
        Ok(Some(Record {
            key: record.key,
            value: change,
            timestamp: record.timestamp,
            headers: record.headers,
        }))
    })
}
