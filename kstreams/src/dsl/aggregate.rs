//! Aggregations of a [`KGroupedStream`]: `count`, `reduce` and `aggregate`,
//! each a `KSTREAM-AGGREGATE-…`/`KSTREAM-REDUCE-…` node over a key/value
//! store (`KSTREAM-AGGREGATE-STATE-STORE-…` unless named with
//! [`Materialized::as_`]), returning the [`KTable`] of results.
//!
//! As in Kafka Streams, the result of each input record is an update of
//! the key's row: with the record cache on (the default), updates of a key
//! are merged until the next commit or eviction; with it off, every update
//! is forwarded.
//!
//! The store is timestamped (`ValueAndTimestamp<A>`, serde
//! `Timestamped<AS>`), and an update's timestamp is the larger of the
//! record's and the stored aggregate's, as Java's `KStreamAggregate` /
//! `KStreamReduce` (`Math.max(record.timestamp(), oldAggAndTimestamp.timestamp())`):
//! a late record does not move a key's result back in time. Interactive
//! queries and `TopologyTestDriver::get_key_value_store` read the store
//! with plain values.

use std::marker::PhantomData;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use kstreams_serde::{DefaultSerde, Serde, SerdeOf, ValueAndTimestamp, I64};

use super::grouped::KGroupedStream;
use super::ktable::{Change, KTable, TableInfo};
use super::table_node::{TableNodeFactory, UpdateFn};
use super::value_getter::store_view;
use super::{KStream, Materialized};
use crate::processor::Record;
use crate::topology::NodeKind;

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Adds a table-producing node under this stream, over a new
    /// timestamped store (an aggregation: always materialized).
    pub(crate) fn table_node<KS, VS>(
        &self,
        processor_prefix: &str,
        store: String,
        materialized: &Materialized<KS, VS>,
        update: UpdateFn<K, V, KS, VS>,
    ) -> KTable<KS::Target, VS::Target>
    where
        KS: Serde,
        VS: Serde,
        KS::Target: Clone,
        VS::Target: Clone,
    {
        let mut graph = self.graph.borrow_mut();
        let name = self.take_name(&mut graph, processor_prefix);
        graph
            .stores
            .push(Arc::new(materialized.timestamped_builder(&store)));
        let send_old_values = Arc::new(AtomicBool::new(false));
        let factory = TableNodeFactory::<K, V, KS, VS> {
            store: store.clone(),
            caching: materialized.caching(),
            update,
            send_old_values: send_old_values.clone(),
            _types: PhantomData,
        };
        let node = graph.add_node(
            name,
            NodeKind::Processor {
                stores: vec![store.clone()],
            },
            &[self.node],
            Arc::new(factory),
        );
        drop(graph);
        let view = store_view::<KS, VS>(&store);
        KTable::with_info(
            self.graph.clone(),
            node,
            Some(store),
            TableInfo::stored(send_old_values),
        )
        .with_view(view)
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KGroupedStream<K, V> {
    /// The common shape: reserve the store and node names (in Kafka
    /// Streams' order), repartition if needed, add the node.
    ///
    /// `initial` gives a new key's aggregate before its first value (the
    /// initializer's value; `None` for `reduce`), which Java's
    /// `KStreamAggregate` also forwards as the old value when old values
    /// are sent and there is no record cache.
    fn do_aggregate<KS, AS, I, F>(
        &self,
        prefix: &str,
        materialized: Materialized<KS, AS>,
        initial: I,
        fold: F,
    ) -> KTable<K, AS::Target>
    where
        KS: Serde<Target = K>,
        AS: Serde,
        AS::Target: Clone,
        I: Fn() -> Option<AS::Target> + Send + Sync + 'static,
        F: Fn(&K, V, Option<AS::Target>) -> AS::Target + Send + Sync + 'static,
    {
        let store = materialized.store_name(&mut self.stream.graph.borrow_mut(), prefix);
        let name = self
            .stream
            .take_name(&mut self.stream.graph.borrow_mut(), prefix);
        let source = self.source_for(&store);
        // Java's KStreamAggregate / KStreamReduce `process`.
        let update: UpdateFn<K, V, KS, AS> = Arc::new(move |record: Record<K, V>, store| {
            let stored = store.get(&record.key)?;
            let timestamp = stored
                .as_ref()
                .map_or(record.timestamp, |s| record.timestamp.max(s.timestamp));
            let old = stored.map(|s| s.value).or_else(&initial);
            let new = fold(&record.key, record.value, old.clone());
            store.put(&record.key, &ValueAndTimestamp::new(new.clone(), timestamp))?;
            let change = Change {
                new: Some(new),
                old,
            };
            Ok(Some(Record {
                key: record.key,
                value: change,
                timestamp,
                headers: record.headers,
            }))
        });
        source
            .named(name)
            .table_node("KSTREAM-AGGREGATE-", store, &materialized, update)
    }

    /// Counts the records per key (Kafka Streams' `count()`), in a RocksDB
    /// store with the key's default serde.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::serde::I64;
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("payments");
    /// const OUT: Topic<String, I64, 1> = Topic::new("payment-counts");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).filter(|_, s| s == "SUCCESS").group_by_key().count().to_stream().to(OUT);
    /// let topology = builder.build()?;
    /// assert!(topology.describe().to_string().contains(
    ///     "Processor: KSTREAM-AGGREGATE-0000000003 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000002])"
    /// ));
    /// let driver = TopologyTestDriver::new(topology)?;
    /// let mut input = driver.create_input_topic(IN);
    /// for status in ["SUCCESS", "FAILED", "SUCCESS"] {
    ///     input.pipe_input("acct-1", status)?;
    /// }
    /// assert_eq!(driver.create_output_topic(OUT).read_values_to_vec()?, vec![1, 2]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn count(&self) -> KTable<K, i64>
    where
        K: DefaultSerde,
    {
        self.count_with(Materialized::<SerdeOf<K>, I64>::new())
    }

    /// Counts the records per key into the store `materialized` describes.
    pub fn count_with<KS>(&self, materialized: Materialized<KS, I64>) -> KTable<K, i64>
    where
        KS: Serde<Target = K>,
    {
        self.do_aggregate(
            "KSTREAM-AGGREGATE-",
            materialized,
            || Some(0),
            super::fold::count,
        )
    }

    /// Combines the values of each key with `reducer(aggregate, value)`;
    /// the first value of a key is its initial aggregate (Kafka Streams'
    /// `reduce`).
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::serde::I64;
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, I64, 1> = Topic::new("deposits");
    /// const OUT: Topic<String, I64, 1> = Topic::new("balances");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).group_by_key().reduce(|sum, amount| sum + amount).to_stream().to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut input = driver.create_input_topic(IN);
    /// input.pipe_input("ann", 5)?;
    /// input.pipe_input("ann", 7)?;
    /// assert_eq!(driver.create_output_topic(OUT).read_values_to_vec()?, vec![5, 12]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn reduce<F>(&self, reducer: F) -> KTable<K, V>
    where
        K: DefaultSerde,
        V: DefaultSerde,
        F: Fn(V, V) -> V + Send + Sync + 'static,
    {
        self.reduce_with(reducer, Materialized::<SerdeOf<K>, SerdeOf<V>>::new())
    }

    /// [`KGroupedStream::reduce`] into the store `materialized` describes.
    pub fn reduce_with<KS, VS, F>(
        &self,
        reducer: F,
        materialized: Materialized<KS, VS>,
    ) -> KTable<K, V>
    where
        KS: Serde<Target = K>,
        VS: Serde<Target = V>,
        F: Fn(V, V) -> V + Send + Sync + 'static,
    {
        self.do_aggregate(
            "KSTREAM-REDUCE-",
            materialized,
            || None,
            super::fold::reduce(reducer),
        )
    }

    /// Folds the values of each key into an aggregate of another type:
    /// `initializer()` starts a key, `aggregator(key, value, aggregate)`
    /// adds a value (Kafka Streams' `aggregate`).
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("tags");
    /// const OUT: Topic<String, String, 1> = Topic::new("tag-lists");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream(IN)
    ///     .group_by_key()
    ///     .aggregate(String::new, |_, tag: String, list: String| {
    ///         if list.is_empty() { tag } else { format!("{list},{tag}") }
    ///     })
    ///     .to_stream()
    ///     .to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut input = driver.create_input_topic(IN);
    /// input.pipe_input("post-1", "rust")?;
    /// input.pipe_input("post-1", "kafka")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_values_to_vec()?, vec!["rust", "rust,kafka"]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn aggregate<A, I, F>(&self, initializer: I, aggregator: F) -> KTable<K, A>
    where
        K: DefaultSerde,
        A: Clone + DefaultSerde + 'static,
        I: Fn() -> A + Send + Sync + 'static,
        F: Fn(&K, V, A) -> A + Send + Sync + 'static,
    {
        self.aggregate_with(
            initializer,
            aggregator,
            Materialized::<SerdeOf<K>, SerdeOf<A>>::new(),
        )
    }

    /// [`KGroupedStream::aggregate`] into the store `materialized` describes.
    pub fn aggregate_with<A, I, F, KS, AS>(
        &self,
        initializer: I,
        aggregator: F,
        materialized: Materialized<KS, AS>,
    ) -> KTable<K, A>
    where
        A: Clone + 'static,
        I: Fn() -> A + Send + Sync + 'static,
        F: Fn(&K, V, A) -> A + Send + Sync + 'static,
        KS: Serde<Target = K>,
        AS: Serde<Target = A>,
    {
        let initializer = Arc::new(initializer);
        let init = initializer.clone();
        self.do_aggregate(
            "KSTREAM-AGGREGATE-",
            materialized,
            move || Some(init()),
            super::fold::aggregate(move || initializer(), aggregator),
        )
    }
}
