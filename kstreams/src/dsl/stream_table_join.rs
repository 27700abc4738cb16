//! Stream-table joins: [`KStream::join`], [`KStream::left_join`] and
//! [`KStream::join_with_key`], as Kafka Streams' `KStreamKTableJoin` /
//! `KStreamKTableJoinProcessor`.
//!
//! The stream drives: each stream record looks up the table's current row
//! for its key through the table's value getter (see `value_getter`),
//! which materializes a `builder.table` source that is not yet, as Java's
//! `KTableSource.materialize()`. A table update emits nothing. The result
//! keeps the stream record's key, timestamp and headers.
//!
//! - inner join: a stream record whose key has no row is dropped,
//!   silently as in Java (whose `dropped-records` counts only records
//!   with a null key or value, which cannot occur here, see below);
//! - left join: the joiner gets `None` for a key without a row.
//!
//! Differences from Java, on purpose:
//! - a key or value is never null here (they are typed; a Kafka `null`
//!   that the topic's serde rejects goes to the deserialization handler),
//!   so Java's "skip a record with a null key or value" has no case; with
//!   an `Option<_>` value serde, `None` values are joined like any other;
//! - [`Joined`] carries the repartition topic's serdes and the join's
//!   name, but not Java's `gracePeriod` (for joins with *versioned*
//!   tables): versioned stores are not supported.
//!
//! A stream whose key may have changed (`map`, `select_key`, ...) is
//! repartitioned before the join, as Java's `KStreamImpl.join(KTable)`
//! does (`repartitionForJoin`): through `<join name>-repartition` if the
//! join is named, else `<the stream's node name>-repartition`.
//!
//! Both sides must be co-partitioned (same partition count, see
//! `copartition`); the join node is connected to the table's store, so it
//! runs in the table's sub-topology.

use std::rc::Rc;
use std::sync::Arc;

use kstreams_serde::{DefaultSerde, Serde, SerdeOf};

use super::copartition::CopartitionGroup;
use super::joined::Joined;
use super::repartition::RepartitionBase;
use super::value_getter::{supplier_of, GetterInit, ValueGetter};
use super::{KStream, KTable};
use crate::processor::node::{forward, Child, Instance, NodeCx, NodeEnv, NodeFactory, NodeInput};
use crate::processor::Record;
use crate::topology::NodeKind;
use crate::Result;

/// Joins a stream value with the table's row (`None`: no row); `None`
/// from the joiner drops the record (an inner join without a match).
type StreamJoiner<K, V, VT, VR> = Arc<dyn Fn(&K, &V, Option<&VT>) -> Option<VR> + Send + Sync>;

/// Factory of a `KSTREAM-JOIN-…` / `KSTREAM-LEFTJOIN-…` node.
struct StreamTableJoinFactory<K, V, VT, VR> {
    getter: GetterInit<K, VT>,
    joiner: StreamJoiner<K, V, VT, VR>,
}

struct StreamTableJoinNode<K, V, VT, VR> {
    getter: Arc<dyn ValueGetter<K, VT>>,
    joiner: StreamJoiner<K, V, VT, VR>,
    children: Vec<Child<K, VR>>,
}

impl<K: Clone, V, VT, VR: Clone> NodeInput<K, V> for StreamTableJoinNode<K, V, VT, VR> {
    fn process(&self, record: Record<K, V>, cx: &mut NodeCx<'_>) -> Result<()> {
        // Java's KStreamKTableJoinProcessor.doJoin (not versioned: the
        // table's latest row).
        let row = self.getter.get(&record.key)?;
        match (self.joiner)(&record.key, &record.value, row.as_ref().map(|r| &r.value)) {
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

impl<K, V, VT, VR> NodeFactory for StreamTableJoinFactory<K, V, VT, VR>
where
    K: Clone + 'static,
    V: 'static,
    VT: 'static,
    VR: Clone + 'static,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let node: Arc<dyn NodeInput<K, V>> = Arc::new(StreamTableJoinNode {
            getter: (self.getter)(env)?,
            joiner: self.joiner.clone(),
            children: env.children::<K, VR>()?,
        });
        Ok(Instance::node(node))
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Adds the join node reading `table`'s rows, after a repartition
    /// topic if the stream's key may have changed (Java's
    /// `KStreamImpl.join(KTable, ..)` / `doStreamTableJoin`).
    fn stream_table_join<KS, VS, VT, VR>(
        &self,
        table: &KTable<K, VT>,
        prefix: &str,
        joined: Joined<KS, VS>,
        joiner: StreamJoiner<K, V, VT, VR>,
    ) -> KStream<K, VR>
    where
        KS: Serde<Target = K>,
        VS: Serde<Target = V>,
        VT: Clone + 'static,
        VR: Clone + 'static,
    {
        let user_name = joined.name.clone().or_else(|| self.next_name.clone());
        let stream = if self.key_may_have_changed() {
            let base = match &user_name {
                Some(name) => RepartitionBase::Named(name.clone()),
                None => {
                    RepartitionBase::Topic(self.graph.borrow().nodes[self.node].name.to_string())
                }
            };
            self.through_repartition_topic::<KS, VS>(base, None)
        } else {
            self.clone()
        };
        let mut graph = self.graph.borrow_mut();
        let name = user_name.unwrap_or_else(|| graph.new_name(prefix));
        if !Rc::ptr_eq(&self.graph, &table.graph) {
            graph.error(format!(
                "join `{name}`: the table comes from another StreamsBuilder"
            ));
        }
        let supplier = supplier_of(&table.view, &mut graph, &name);
        let factory = StreamTableJoinFactory {
            getter: supplier.init,
            joiner,
        };
        let node = graph.add_node(
            name.clone(),
            NodeKind::Processor {
                stores: supplier.stores,
            },
            &[stream.node],
            Arc::new(factory),
        );
        graph.copartition_groups.push(CopartitionGroup {
            join: name,
            sides: [stream.node, table.node],
        });
        drop(graph);
        KStream::new(self.graph.clone(), node)
    }

    /// Joins each record with the row of its key in `table`
    /// (`KSTREAM-JOIN-…`, Kafka Streams' `KStream#join(KTable, ValueJoiner)`):
    /// a record whose key has no row is dropped; table updates emit
    /// nothing. The result keeps the record's key and timestamp.
    ///
    /// The table is read from its store (a `builder.table` source is
    /// materialized for it), and both sides must read topics with the
    /// same partition count, else `build()` fails.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const ORDERS: Topic<String, String, 1> = Topic::new("orders");
    /// const CUSTOMERS: Topic<String, String, 1> = Topic::new("customers");
    /// const ENRICHED: Topic<String, String, 1> = Topic::new("enriched");
    ///
    /// let builder = StreamsBuilder::new();
    /// let customers = builder.table(CUSTOMERS);
    /// builder
    ///     .stream(ORDERS)
    ///     .join(&customers, |order: &String, name: &String| format!("{order} for {name}"))
    ///     .to(ENRICHED);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut orders = driver.create_input_topic(ORDERS);
    /// orders.pipe_input("c1", "book")?; // no customer yet: dropped
    /// driver.create_input_topic(CUSTOMERS).pipe_input("c1", "Ada")?;
    /// orders.pipe_input("c1", "pen")?;
    /// let out = driver.create_output_topic(ENRICHED);
    /// assert_eq!(out.read_values_to_vec()?, vec!["pen for Ada".to_string()]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn join<VT, VR, F>(&self, table: &KTable<K, VT>, joiner: F) -> KStream<K, VR>
    where
        K: DefaultSerde,
        V: DefaultSerde,
        VT: Clone + 'static,
        VR: Clone + 'static,
        F: Fn(&V, &VT) -> VR + Send + Sync + 'static,
    {
        self.join_with(table, joiner, Joined::<SerdeOf<K>, SerdeOf<V>>::new())
    }

    /// [`KStream::join`] with the serdes of the repartition topic that a
    /// key change before the join needs, and the join's name
    /// (`KStream#join(KTable, ValueJoiner, Joined)`).
    ///
    /// ```
    /// use kstreams::dsl::{Joined, StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const ORDERS: Topic<String, String, 1> = Topic::new("orders");
    /// const CUSTOMERS: Topic<String, String, 1> = Topic::new("customers");
    /// const ENRICHED: Topic<String, String, 1> = Topic::new("enriched");
    ///
    /// let builder = StreamsBuilder::new();
    /// let customers = builder.table(CUSTOMERS);
    /// builder
    ///     .stream(ORDERS)
    ///     // "order-id" -> "customer:item": re-key by customer
    ///     .select_key(|_, v: &String| v.split(':').next().unwrap_or_default().to_string())
    ///     .join_with(
    ///         &customers,
    ///         |order: &String, name: &String| format!("{order} for {name}"),
    ///         Joined::<String, String>::new().with_name("enrich"),
    ///     )
    ///     .to(ENRICHED);
    /// let topology = builder.build()?;
    /// assert!(topology.describe().to_string().contains("enrich-repartition"));
    /// let driver = TopologyTestDriver::new(topology)?;
    /// driver.create_input_topic(CUSTOMERS).pipe_input("c1", "Ada")?;
    /// driver.create_input_topic(ORDERS).pipe_input("o1", "c1:pen")?;
    /// let out = driver.create_output_topic(ENRICHED).read_key_value()?;
    /// assert_eq!(out, ("c1".to_string(), "c1:pen for Ada".to_string()));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn join_with<KS, VS, VT, VR, F>(
        &self,
        table: &KTable<K, VT>,
        joiner: F,
        joined: Joined<KS, VS>,
    ) -> KStream<K, VR>
    where
        KS: Serde<Target = K>,
        VS: Serde<Target = V>,
        VT: Clone + 'static,
        VR: Clone + 'static,
        F: Fn(&V, &VT) -> VR + Send + Sync + 'static,
    {
        let joiner: StreamJoiner<K, V, VT, VR> =
            Arc::new(move |_, v, row| row.map(|row| joiner(v, row)));
        self.stream_table_join(table, "KSTREAM-JOIN-", joined, joiner)
    }

    /// [`KStream::join`] with a joiner that also reads the key (Kafka
    /// Streams' `ValueJoinerWithKey`).
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const CLICKS: Topic<String, String, 1> = Topic::new("clicks");
    /// const USERS: Topic<String, String, 1> = Topic::new("users");
    /// const OUT: Topic<String, String, 1> = Topic::new("clicks-by-region");
    ///
    /// let builder = StreamsBuilder::new();
    /// let users = builder.table(USERS);
    /// builder
    ///     .stream(CLICKS)
    ///     .join_with_key(&users, |user: &String, page: &String, region: &String| {
    ///         format!("{user}@{region}: {page}")
    ///     })
    ///     .to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(USERS).pipe_input("ann", "eu")?;
    /// driver.create_input_topic(CLICKS).pipe_input("ann", "/home")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_value()?, "ann@eu: /home");
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn join_with_key<VT, VR, F>(&self, table: &KTable<K, VT>, joiner: F) -> KStream<K, VR>
    where
        K: DefaultSerde,
        V: DefaultSerde,
        VT: Clone + 'static,
        VR: Clone + 'static,
        F: Fn(&K, &V, &VT) -> VR + Send + Sync + 'static,
    {
        let joiner: StreamJoiner<K, V, VT, VR> =
            Arc::new(move |k, v, row| row.map(|row| joiner(k, v, row)));
        let joined = Joined::<SerdeOf<K>, SerdeOf<V>>::new();
        self.stream_table_join(table, "KSTREAM-JOIN-", joined, joiner)
    }

    /// Joins each record with the row of its key in `table`, or with
    /// `None` if it has none (`KSTREAM-LEFTJOIN-…`, Kafka Streams'
    /// `KStream#leftJoin(KTable, ValueJoiner)`): every record produces one
    /// result; table updates emit nothing.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const ORDERS: Topic<String, String, 1> = Topic::new("orders");
    /// const CUSTOMERS: Topic<String, String, 1> = Topic::new("customers");
    /// const ENRICHED: Topic<String, String, 1> = Topic::new("enriched");
    ///
    /// let builder = StreamsBuilder::new();
    /// let customers = builder.table(CUSTOMERS);
    /// builder
    ///     .stream(ORDERS)
    ///     .left_join(&customers, |order: &String, name: Option<&String>| {
    ///         format!("{order} for {}", name.map_or("?", |n| n.as_str()))
    ///     })
    ///     .to(ENRICHED);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut orders = driver.create_input_topic(ORDERS);
    /// orders.pipe_input("c1", "book")?;
    /// driver.create_input_topic(CUSTOMERS).pipe_input("c1", "Ada")?;
    /// orders.pipe_input("c1", "pen")?;
    /// let out = driver.create_output_topic(ENRICHED).read_values_to_vec()?;
    /// assert_eq!(out, vec!["book for ?".to_string(), "pen for Ada".to_string()]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn left_join<VT, VR, F>(&self, table: &KTable<K, VT>, joiner: F) -> KStream<K, VR>
    where
        K: DefaultSerde,
        V: DefaultSerde,
        VT: Clone + 'static,
        VR: Clone + 'static,
        F: Fn(&V, Option<&VT>) -> VR + Send + Sync + 'static,
    {
        self.left_join_with(table, joiner, Joined::<SerdeOf<K>, SerdeOf<V>>::new())
    }

    /// [`KStream::left_join`] with the repartition topic's serdes and the
    /// join's name (`KStream#leftJoin(KTable, ValueJoiner, Joined)`).
    pub fn left_join_with<KS, VS, VT, VR, F>(
        &self,
        table: &KTable<K, VT>,
        joiner: F,
        joined: Joined<KS, VS>,
    ) -> KStream<K, VR>
    where
        KS: Serde<Target = K>,
        VS: Serde<Target = V>,
        VT: Clone + 'static,
        VR: Clone + 'static,
        F: Fn(&V, Option<&VT>) -> VR + Send + Sync + 'static,
    {
        let joiner: StreamJoiner<K, V, VT, VR> = Arc::new(move |_, v, row| Some(joiner(v, row)));
        self.stream_table_join(table, "KSTREAM-LEFTJOIN-", joined, joiner)
    }
}
