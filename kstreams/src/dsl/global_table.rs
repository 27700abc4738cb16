//! `StreamsBuilder::global_table`: a [`GlobalKTable`], as Kafka Streams'
//! `builder.globalTable(topic)` (`InternalStreamsBuilder.globalTable`).
//!
//! A global table is fully replicated: every instance reads *all*
//! partitions of its topic (no consumer group) into one local store, and
//! every task of every stream thread reads that store. Its topic is its
//! changelog, so the store is never change-logged; the global thread
//! checkpoints the topic offsets it has applied instead (see
//! `runtime::global_thread`).
//!
//! Names, as Java: the store `<topic>-STATE-STORE-…` unless named (its
//! index is taken first), then `KSTREAM-SOURCE-…` and `KTABLE-SOURCE-…`.
//! The two nodes form a sub-topology of their own, which `describe()`
//! prints as "for global store (will not generate tasks)". The store is
//! always materialized (Java "enforces the store name as queryable name"),
//! keeps `ValueAndTimestamp<V>`, and has no record cache, so tasks see each
//! update as soon as the global thread has written it.
//!
//! A global table is only read, through [`KStream::join_global`] and
//! [`KStream::left_join_global`]; it cannot be transformed (as in Java).
//!
//! [`KStream::join_global`]: super::KStream::join_global
//! [`KStream::left_join_global`]: super::KStream::left_join_global

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use kstreams_serde::Serde;

use super::builder::GraphBuilder;
use super::table_node::TableNodeFactory;
use super::table_source::source_update;
use super::value_getter::{store_getter, GetterInit};
use super::{Materialized, StreamsBuilder, Topic};
use crate::topology::NodeKind;

/// A table replicated in full on every instance (Kafka Streams'
/// `GlobalKTable`), created by [`StreamsBuilder::global_table`]. Stream
/// records join it by any key they compute, with no co-partitioning.
pub struct GlobalKTable<K, V> {
    pub(crate) graph: Rc<RefCell<GraphBuilder>>,
    store: String,
    queryable: bool,
    /// Reads the store of the table from any task.
    pub(crate) getter: GetterInit<K, V>,
}

impl<K, V> Clone for GlobalKTable<K, V> {
    fn clone(&self) -> Self {
        GlobalKTable {
            graph: self.graph.clone(),
            store: self.store.clone(),
            queryable: self.queryable,
            getter: self.getter.clone(),
        }
    }
}

impl<K, V> std::fmt::Debug for GlobalKTable<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlobalKTable")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl<K, V> GlobalKTable<K, V> {
    /// The name of the table's store if it was named with
    /// [`Materialized::as_`] (Java's `queryableStoreName`), else `None`.
    pub fn queryable_store_name(&self) -> Option<&str> {
        self.queryable.then_some(self.store.as_str())
    }

    /// The name of the table's store, named or generated
    /// (`<topic>-STATE-STORE-…`).
    pub fn store_name(&self) -> &str {
        &self.store
    }
}

impl StreamsBuilder {
    /// The global table of `topic`: every instance reads all of the
    /// topic's partitions into a local RocksDB store before it processes
    /// any stream record, and keeps it up to date while running.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const COUNTRIES: Topic<String, String, 3> = Topic::new("countries");
    ///
    /// let builder = StreamsBuilder::new();
    /// let countries = builder.global_table(COUNTRIES);
    /// assert_eq!(countries.store_name(), "countries-STATE-STORE-0000000000");
    /// let topology = builder.build()?;
    /// assert!(topology.describe().to_string().contains(
    ///     "Sub-topology: 0 for global store (will not generate tasks)"
    /// ));
    /// let driver = TopologyTestDriver::new(topology)?;
    /// driver.create_input_topic(COUNTRIES).pipe_input("FR", "France")?;
    /// let store = driver.get_key_value_store::<String, String>(countries.store_name())?;
    /// assert_eq!(store.get(&"FR".to_string())?, Some("France".to_string()));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn global_table<KS, VS, const P: u32>(
        &self,
        topic: Topic<KS, VS, P>,
    ) -> GlobalKTable<KS::Target, VS::Target>
    where
        KS: Serde,
        VS: Serde,
        KS::Target: Clone,
        VS::Target: Clone,
    {
        self.global_table_with(topic, Materialized::new())
    }

    /// [`StreamsBuilder::global_table`] into the store `materialized`
    /// describes: its name ([`Materialized::as_`]) and kind (RocksDB by
    /// default, or [`Materialized::in_memory`]). Logging and caching
    /// settings are ignored: a global store is never change-logged (its
    /// topic is its changelog) and never cached.
    ///
    /// ```
    /// use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const RATES: Topic<String, String, 1> = Topic::new("rates");
    ///
    /// let builder = StreamsBuilder::new();
    /// let rates = builder.global_table_with(RATES, Materialized::as_("rates-store").in_memory());
    /// assert_eq!(rates.queryable_store_name(), Some("rates-store"));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut input = driver.create_input_topic(RATES);
    /// input.pipe_input("EUR", "1.08")?;
    /// input.pipe_input("EUR", "1.09")?;
    /// let store = driver.get_key_value_store::<String, String>("rates-store")?;
    /// assert_eq!(store.get(&"EUR".to_string())?, Some("1.09".to_string()));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn global_table_with<KS, VS, const P: u32>(
        &self,
        topic: Topic<KS, VS, P>,
        materialized: Materialized<KS, VS>,
    ) -> GlobalKTable<KS::Target, VS::Target>
    where
        KS: Serde,
        VS: Serde,
        KS::Target: Clone,
        VS::Target: Clone,
    {
        // Java's `globalTable`: `withLoggingDisabled()`; no cache, see the
        // module docs.
        let materialized = materialized.with_logging_disabled().with_caching_disabled();
        // As Java, the store name's index is taken before the nodes'.
        let store =
            materialized.store_name(&mut self.graph.borrow_mut(), &format!("{}-", topic.name()));
        // Values as `Option` so that tombstones arrive as deletes.
        let raw: Topic<KS, Option<VS>, P> = topic.with_serdes();
        let source = self.source_node(None, raw, None);
        let mut graph = self.graph.borrow_mut();
        let name = graph.new_name("KTABLE-SOURCE-");
        let factory = TableNodeFactory::<KS::Target, Option<VS::Target>, KS, VS> {
            store: store.clone(),
            caching: false,
            update: source_update::<KS, VS>(),
            send_old_values: Arc::new(AtomicBool::new(false)),
            _types: PhantomData,
        };
        graph.add_node(
            name,
            NodeKind::Processor {
                stores: vec![store.clone()],
            },
            &[source.node],
            Arc::new(factory),
        );
        graph
            .stores
            .push(Arc::new(materialized.timestamped_builder(&store)));
        graph.global_sources.push(source.node);
        drop(graph);
        GlobalKTable {
            graph: self.graph.clone(),
            queryable: materialized.is_named(),
            getter: store_getter::<KS, VS>(&store).init,
            store,
        }
    }
}
