//! Stream-global-table joins: [`KStream::join_global`] and
//! [`KStream::left_join_global`], as Kafka Streams'
//! `KStreamGlobalKTableJoin` (a `KStreamKTableJoinProcessor` with a key
//! mapper over the global store's value getter).
//!
//! The stream drives: each record computes the key to look up with the
//! key selector, reads that key's row from the global store, and joins.
//! Global table updates emit nothing. The result keeps the stream record's
//! key, timestamp and headers; an inner join drops a record whose looked-up
//! key has no row, a left join calls the joiner with `None`.
//!
//! Unlike a stream-table join there is no co-partitioning: every instance
//! has the whole table, so the stream may have any key and any partition
//! count, and a key-changing operator before the join needs no
//! repartition. The join node is connected to no store (`describe()` shows
//! `stores: []`, as Java): global stores are readable from every task.
//! Both joins are named `KSTREAM-LEFTJOIN-…`, as Java names them (its
//! `KStreamImpl.globalTableJoin` uses `LEFTJOIN_NAME` whether the join is
//! inner or left).

use std::rc::Rc;
use std::sync::Arc;

use super::global_table::GlobalKTable;
use super::value_getter::{GetterInit, ValueGetter};
use super::KStream;
use crate::processor::node::{forward, Child, Instance, NodeCx, NodeEnv, NodeFactory, NodeInput};
use crate::processor::Record;
use crate::topology::NodeKind;
use crate::Result;

/// Computes the global table's key from a stream record (Java's
/// `KeyValueMapper` of `join(GlobalKTable, …)`).
type KeySelector<K, V, KG> = Arc<dyn Fn(&K, &V) -> KG + Send + Sync>;

/// Joins a stream value with the global row (`None`: no row); `None` from
/// the joiner drops the record (an inner join without a match).
type GlobalJoiner<V, VG, VR> = Arc<dyn Fn(&V, Option<&VG>) -> Option<VR> + Send + Sync>;

/// Factory of the `KSTREAM-LEFTJOIN-…` node of a join on a global table.
struct GlobalJoinFactory<K, V, KG, VG, VR> {
    getter: GetterInit<KG, VG>,
    key_selector: KeySelector<K, V, KG>,
    joiner: GlobalJoiner<V, VG, VR>,
}

struct GlobalJoinNode<K, V, KG, VG, VR> {
    getter: Arc<dyn ValueGetter<KG, VG>>,
    key_selector: KeySelector<K, V, KG>,
    joiner: GlobalJoiner<V, VG, VR>,
    children: Vec<Child<K, VR>>,
}

impl<K: Clone, V, KG, VG, VR: Clone> NodeInput<K, V> for GlobalJoinNode<K, V, KG, VG, VR> {
    fn process(&self, record: Record<K, V>, cx: &mut NodeCx<'_>) -> Result<()> {
        // Java's KStreamKTableJoinProcessor.doJoin with a key mapper.
        let lookup = (self.key_selector)(&record.key, &record.value);
        let row = self.getter.get(&lookup)?;
        match (self.joiner)(&record.value, row.as_ref().map(|r| &r.value)) {
            Some(value) => forward(
                &self.children,
                Record {
                    key: record.key,
                    value,
                    timestamp: record.timestamp,
                    headers: record.headers,
                },
                cx,
            ),
            None => Ok(()),
        }
    }
}

impl<K, V, KG, VG, VR> NodeFactory for GlobalJoinFactory<K, V, KG, VG, VR>
where
    K: Clone + 'static,
    V: 'static,
    KG: 'static,
    VG: 'static,
    VR: Clone + 'static,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let node: Arc<dyn NodeInput<K, V>> = Arc::new(GlobalJoinNode {
            getter: (self.getter)(env)?,
            key_selector: self.key_selector.clone(),
            joiner: self.joiner.clone(),
            children: env.children::<K, VR>()?,
        });
        Ok(Instance::node(node))
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Adds the join node reading `table`'s store.
    fn global_join<KG, VG, VR>(
        &self,
        table: &GlobalKTable<KG, VG>,
        prefix: &str,
        key_selector: KeySelector<K, V, KG>,
        joiner: GlobalJoiner<V, VG, VR>,
    ) -> KStream<K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
    {
        let mut graph = self.graph.borrow_mut();
        let name = self.take_name(&mut graph, prefix);
        if !Rc::ptr_eq(&self.graph, &table.graph) {
            graph.error(format!(
                "join `{name}`: the global table comes from another StreamsBuilder"
            ));
        }
        let factory = GlobalJoinFactory {
            getter: table.getter.clone(),
            key_selector,
            joiner,
        };
        let node = graph.add_node(
            name,
            NodeKind::Processor { stores: Vec::new() },
            &[self.node],
            Arc::new(factory),
        );
        drop(graph);
        KStream::new(self.graph.clone(), node)
    }

    /// Joins each record with the row of `table` under the key that
    /// `key_selector` computes from it (`KSTREAM-LEFTJOIN-…`, the name Java
    /// gives inner joins with global tables too; Kafka Streams'
    /// `KStream#join(GlobalKTable, KeyValueMapper, ValueJoiner)`): a record
    /// whose looked-up key has no row is dropped; table updates emit
    /// nothing. The result keeps the record's key, timestamp and headers.
    ///
    /// No co-partitioning is needed: every instance holds the whole table.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const ORDERS: Topic<String, String, 4> = Topic::new("orders");
    /// const PRODUCTS: Topic<String, String, 1> = Topic::new("products");
    /// const ENRICHED: Topic<String, String, 4> = Topic::new("enriched");
    ///
    /// let builder = StreamsBuilder::new();
    /// let products = builder.global_table(PRODUCTS);
    /// builder
    ///     .stream(ORDERS) // key: order id, value: product id
    ///     .join_global(
    ///         &products,
    ///         |_order: &String, product: &String| product.clone(),
    ///         |product: &String, name: &String| format!("{product}={name}"),
    ///     )
    ///     .to(ENRICHED);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut orders = driver.create_input_topic(ORDERS);
    /// orders.pipe_input("o1", "p1")?; // no product yet: dropped
    /// driver.create_input_topic(PRODUCTS).pipe_input("p1", "pen")?;
    /// orders.pipe_input("o2", "p1")?;
    /// let out = driver.create_output_topic(ENRICHED);
    /// assert_eq!(out.read_key_value()?, ("o2".to_string(), "p1=pen".to_string()));
    /// assert!(out.is_empty());
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn join_global<KG, VG, VR, S, F>(
        &self,
        table: &GlobalKTable<KG, VG>,
        key_selector: S,
        joiner: F,
    ) -> KStream<K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
        S: Fn(&K, &V) -> KG + Send + Sync + 'static,
        F: Fn(&V, &VG) -> VR + Send + Sync + 'static,
    {
        let joiner: GlobalJoiner<V, VG, VR> = Arc::new(move |v, row| row.map(|r| joiner(v, r)));
        // Java names the inner join `KSTREAM-LEFTJOIN-…` too
        // (`KStreamImpl.globalTableJoin` uses `LEFTJOIN_NAME` for both).
        self.global_join(table, "KSTREAM-LEFTJOIN-", Arc::new(key_selector), joiner)
    }

    /// Joins each record with the row of `table` under the key that
    /// `key_selector` computes, or with `None` if there is none
    /// (`KSTREAM-LEFTJOIN-…`, Kafka Streams'
    /// `KStream#leftJoin(GlobalKTable, KeyValueMapper, ValueJoiner)`):
    /// every record produces one result; table updates emit nothing.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const CLICKS: Topic<String, String, 2> = Topic::new("clicks");
    /// const PAGES: Topic<String, String, 1> = Topic::new("pages");
    /// const OUT: Topic<String, String, 2> = Topic::new("titled-clicks");
    ///
    /// let builder = StreamsBuilder::new();
    /// let pages = builder.global_table(PAGES);
    /// builder
    ///     .stream(CLICKS) // key: user, value: page id
    ///     .left_join_global(
    ///         &pages,
    ///         |_user: &String, page: &String| page.clone(),
    ///         |page: &String, title: Option<&String>| {
    ///             format!("{page}: {}", title.map_or("untitled", |t| t.as_str()))
    ///         },
    ///     )
    ///     .to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut clicks = driver.create_input_topic(CLICKS);
    /// clicks.pipe_input("ann", "/a")?;
    /// driver.create_input_topic(PAGES).pipe_input("/a", "Home")?;
    /// clicks.pipe_input("bob", "/a")?;
    /// let out = driver.create_output_topic(OUT).read_values_to_vec()?;
    /// assert_eq!(out, vec!["/a: untitled".to_string(), "/a: Home".to_string()]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn left_join_global<KG, VG, VR, S, F>(
        &self,
        table: &GlobalKTable<KG, VG>,
        key_selector: S,
        joiner: F,
    ) -> KStream<K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
        S: Fn(&K, &V) -> KG + Send + Sync + 'static,
        F: Fn(&V, Option<&VG>) -> VR + Send + Sync + 'static,
    {
        let joiner: GlobalJoiner<V, VG, VR> = Arc::new(move |v, row| Some(joiner(v, row)));
        self.global_join(table, "KSTREAM-LEFTJOIN-", Arc::new(key_selector), joiner)
    }
}
