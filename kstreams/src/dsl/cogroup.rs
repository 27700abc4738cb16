//! Cogrouping (KIP-150): several grouped streams with different value
//! types folded into one aggregate per key, in one store —
//! [`KGroupedStream::cogroup`] → [`CogroupedKStream::cogroup`] … →
//! [`CogroupedKStream::aggregate`], as Kafka Streams'
//! `CogroupedStreamAggregateBuilder`.
//!
//! The graph is Java's: one `COGROUPKSTREAM-AGGREGATE-…` node per input,
//! each with its own aggregator, all sharing the store
//! `COGROUPKSTREAM-AGGREGATE-STATE-STORE-…`, and a pass-through
//! `COGROUPKSTREAM-MERGE-…` node whose output is the resulting table. An
//! input whose key may have changed is repartitioned first (topic
//! `<store>-repartition`, or the `Grouped` name).
//!
//! The inputs have different value types, so the aggregation nodes are
//! built through two small object-safe traits: each input knows its value
//! type ([`CogroupInput`]), the final `aggregate` knows the serdes
//! ([`StoreOpener`]).

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use kstreams_serde::{DefaultSerde, Serde, SerdeOf, Timestamped, ValueAndTimestamp};

use super::copartition::CopartitionGroup;
use super::builder::GraphBuilder;
use super::grouped::KGroupedStream;
use super::ktable::{Change, KTable, TableInfo};
use super::table_node::forward_flushed;
use super::Materialized;
use crate::processor::node::{
    forward, Child, Instance, NodeCx, NodeEnv, NodeFactory, NodeInput, OpFn, StatelessFactory,
};
use crate::processor::Record;
use crate::state::KeyValueStoreHandle;
use crate::topology::NodeKind;
use crate::{Error, Result};

/// Grouped streams being cogrouped into aggregates of type `A` per key `K`
/// (Kafka Streams' `CogroupedKStream`): add inputs with
/// [`cogroup`](Self::cogroup), finish with [`aggregate`](Self::aggregate).
pub struct CogroupedKStream<K, A> {
    graph: Rc<RefCell<GraphBuilder>>,
    inputs: Vec<Rc<dyn CogroupInput<K, A>>>,
}

impl<K, A> fmt::Debug for CogroupedKStream<K, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CogroupedKStream")
            .field("inputs", &self.inputs.len())
            .finish()
    }
}

/// The aggregation function of one input.
type Aggregator<K, V, A> = Arc<dyn Fn(&K, V, A) -> A + Send + Sync>;

impl<K: Clone + 'static, V: Clone + 'static> KGroupedStream<K, V> {
    /// Starts a cogroup with this stream's values folded into the
    /// aggregate by `aggregator(key, value, aggregate)`; add other grouped
    /// streams with [`CogroupedKStream::cogroup`] (Kafka Streams'
    /// `KGroupedStream.cogroup`, KIP-150).
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::serde::I64;
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const CLICKS: Topic<String, String, 1> = Topic::new("clicks");
    /// const SPEND: Topic<String, I64, 1> = Topic::new("spend");
    /// const SUMMARY: Topic<String, String, 1> = Topic::new("customer-summary");
    ///
    /// let builder = StreamsBuilder::new();
    /// let spend = builder.stream(SPEND).group_by_key();
    /// builder
    ///     .stream(CLICKS)
    ///     .group_by_key()
    ///     .cogroup(|_, page: String, summary: String| format!("{summary} click:{page}"))
    ///     .cogroup(&spend, |_, cents: i64, summary: String| format!("{summary} spent:{cents}"))
    ///     .aggregate(|| String::from("|"))
    ///     .to_stream()
    ///     .to(SUMMARY);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(CLICKS).pipe_input("ann", "home")?;
    /// driver.create_input_topic(SPEND).pipe_input("ann", 250)?;
    /// let summaries = driver.create_output_topic(SUMMARY).read_values_to_vec()?;
    /// assert_eq!(summaries, vec!["| click:home", "| click:home spent:250"]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn cogroup<A, F>(&self, aggregator: F) -> CogroupedKStream<K, A>
    where
        A: Clone + 'static,
        F: Fn(&K, V, A) -> A + Send + Sync + 'static,
    {
        CogroupedKStream {
            graph: self.stream.graph.clone(),
            inputs: Vec::new(),
        }
        .cogroup(self, aggregator)
    }
}

impl<K: Clone + 'static, A: Clone + 'static> CogroupedKStream<K, A> {
    /// Adds `grouped`, whose values `aggregator(key, value, aggregate)`
    /// folds into the same aggregate (`CogroupedKStream.cogroup`). All
    /// inputs must be co-partitioned.
    pub fn cogroup<V, F>(mut self, grouped: &KGroupedStream<K, V>, aggregator: F) -> Self
    where
        V: Clone + 'static,
        F: Fn(&K, V, A) -> A + Send + Sync + 'static,
    {
        self.inputs.push(Rc::new(Input {
            grouped: KGroupedStream {
                stream: grouped.stream.clone(),
                repartition: grouped.repartition.clone(),
            },
            aggregator: Arc::new(aggregator),
        }));
        self
    }

    /// Aggregates every input into one table, each key starting from
    /// `initializer()`, in a RocksDB store with the default serdes.
    pub fn aggregate<I>(&self, initializer: I) -> KTable<K, A>
    where
        K: DefaultSerde,
        A: DefaultSerde,
        I: Fn() -> A + Send + Sync + 'static,
    {
        self.aggregate_with(initializer, Materialized::<SerdeOf<K>, SerdeOf<A>>::new())
    }

    /// [`aggregate`](Self::aggregate) into the store `materialized`
    /// describes.
    pub fn aggregate_with<I, KS, AS>(
        &self,
        initializer: I,
        materialized: Materialized<KS, AS>,
    ) -> KTable<K, A>
    where
        I: Fn() -> A + Send + Sync + 'static,
        KS: Serde<Target = K>,
        AS: Serde<Target = A>,
    {
        let prefix = "COGROUPKSTREAM-AGGREGATE-";
        let store = materialized.store_name(&mut self.graph.borrow_mut(), prefix);
        // processRepartitions: repartition nodes first, in input order.
        let sources: Vec<usize> = self.inputs.iter().map(|i| i.source(&store)).collect();
        let initializer: Arc<dyn Fn() -> A + Send + Sync> = Arc::new(initializer);
        let opener: Arc<dyn StoreOpener<K, A>> = Arc::new(Typed::<KS, AS>(PhantomData));
        let send_old_values = Arc::new(AtomicBool::new(false));
        let mut graph = self.graph.borrow_mut();
        graph
            .stores
            .push(Arc::new(materialized.timestamped_builder(&store)));
        let mut aggregators = Vec::with_capacity(self.inputs.len());
        for (input, source) in self.inputs.iter().zip(sources) {
            let name = graph.new_name(prefix);
            let factory = input.factory(CogroupNodeSpec {
                store: store.clone(),
                caching: materialized.caching(),
                send_old_values: send_old_values.clone(),
                initializer: initializer.clone(),
                opener: opener.clone(),
            });
            aggregators.push(graph.add_node(
                name,
                NodeKind::Processor {
                    stores: vec![store.clone()],
                },
                &[source],
                factory,
            ));
        }
        // KTablePassThrough: the aggregation nodes' changes, as they come.
        let merge_name = graph.new_name("COGROUPKSTREAM-MERGE-");
        let op: OpFn<K, Change<A>, K, Change<A>> = Arc::new(|record, emit| emit(record));
        let merge = graph.add_node(
            merge_name.clone(),
            NodeKind::Processor { stores: Vec::new() },
            &aggregators,
            Arc::new(StatelessFactory { op }),
        );
        // Java copartitions the sources of all cogrouped streams
        // (`CogroupedStreamAggregateBuilder`): one task aggregates a key
        // from every input.
        if let Some((&first, rest)) = aggregators.split_first() {
            for &other in rest {
                graph.copartition_groups.push(CopartitionGroup {
                    join: merge_name.clone(),
                    sides: [first, other],
                });
            }
        }
        drop(graph);
        KTable::with_info(
            self.graph.clone(),
            merge,
            Some(store),
            TableInfo::stored(send_old_values),
        )
    }
}

/// What the final `aggregate` tells each input's node.
struct CogroupNodeSpec<K, A> {
    store: String,
    caching: bool,
    send_old_values: Arc<AtomicBool>,
    initializer: Arc<dyn Fn() -> A + Send + Sync>,
    opener: Arc<dyn StoreOpener<K, A>>,
}

/// One input of a cogroup, its value type erased.
trait CogroupInput<K, A> {
    /// The node the input's aggregation hangs under: its grouped stream,
    /// or that stream's repartitioned copy (topic named after `store`).
    fn source(&self, store: &str) -> usize;
    /// The factory of the input's aggregation node.
    fn factory(&self, spec: CogroupNodeSpec<K, A>) -> Arc<dyn NodeFactory>;
}

struct Input<K, V, A> {
    grouped: KGroupedStream<K, V>,
    aggregator: Aggregator<K, V, A>,
}

impl<K: Clone + 'static, V: Clone + 'static, A: Clone + 'static> CogroupInput<K, A>
    for Input<K, V, A>
{
    fn source(&self, store: &str) -> usize {
        self.grouped.source_for(store).node
    }

    fn factory(&self, spec: CogroupNodeSpec<K, A>) -> Arc<dyn NodeFactory> {
        Arc::new(CogroupNodeFactory {
            spec,
            aggregator: self.aggregator.clone(),
        })
    }
}

/// The typed store of the aggregates, as the aggregation nodes use it.
trait AggregateStore<K, A>: Send + Sync {
    fn get(&self, key: &K) -> Result<Option<ValueAndTimestamp<A>>>;
    fn put(&self, key: &K, value: &ValueAndTimestamp<A>) -> Result<()>;
}

impl<KS: Serde, AS: Serde> AggregateStore<KS::Target, AS::Target>
    for KeyValueStoreHandle<KS, Timestamped<AS>>
{
    fn get(&self, key: &KS::Target) -> Result<Option<ValueAndTimestamp<AS::Target>>> {
        KeyValueStoreHandle::get(self, key)
    }

    fn put(&self, key: &KS::Target, value: &ValueAndTimestamp<AS::Target>) -> Result<()> {
        KeyValueStoreHandle::put(self, key, value)
    }
}

/// Opens the shared store with its serdes, for a node of any input.
trait StoreOpener<K, A>: Send + Sync {
    /// The store, and whether its record cache forwards the changes (then
    /// the forwarder to `children` is installed on it).
    fn open(
        &self,
        env: &NodeEnv<'_>,
        store: &str,
        caching: bool,
        send_old_values: bool,
        children: &Arc<Vec<Child<K, Change<A>>>>,
    ) -> Result<(Arc<dyn AggregateStore<K, A>>, bool)>;
}

struct Typed<KS, AS>(PhantomData<fn() -> (KS, AS)>);

impl<KS, AS> StoreOpener<KS::Target, AS::Target> for Typed<KS, AS>
where
    KS: Serde,
    AS: Serde,
    KS::Target: Clone,
    AS::Target: Clone,
{
    fn open(
        &self,
        env: &NodeEnv<'_>,
        store: &str,
        caching: bool,
        send_old_values: bool,
        children: &Arc<Vec<Child<KS::Target, Change<AS::Target>>>>,
    ) -> Result<(Arc<dyn AggregateStore<KS::Target, AS::Target>>, bool)> {
        let handle = env
            .stores
            .key_value::<KS, Timestamped<AS>>(env.name, store)?;
        // As the table node: the cache forwards when the store has one.
        let caching = caching && handle.lock().bytes_store_mut().is_caching();
        if caching {
            let task_store = env.stores.get(store).ok_or_else(|| {
                Error::IllegalState(format!("store `{store}` was not built for this task"))
            })?;
            let (name, children) = (store.to_owned(), children.clone());
            // Every input's node installs the same forwarder (to the merge
            // node); the last one stays, as Java's cache flush listener.
            task_store.set_forwarder(Arc::new(move |entries, cx| {
                forward_flushed::<KS, AS>(&name, send_old_values, &children, entries, cx)
            }));
        }
        Ok((Arc::new(handle), caching))
    }
}

struct CogroupNodeFactory<K, V, A> {
    spec: CogroupNodeSpec<K, A>,
    aggregator: Aggregator<K, V, A>,
}

impl<K: Clone + 'static, V: 'static, A: Clone + 'static> NodeFactory
    for CogroupNodeFactory<K, V, A>
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let children = Arc::new(env.children::<K, Change<A>>()?);
        let send_old_values = self.spec.send_old_values.load(Ordering::Relaxed);
        let (store, caching) = self.spec.opener.open(
            env,
            &self.spec.store,
            self.spec.caching,
            send_old_values,
            &children,
        )?;
        let node: Arc<dyn NodeInput<K, V>> = Arc::new(CogroupNode {
            store,
            caching,
            send_old_values,
            initializer: self.spec.initializer.clone(),
            aggregator: self.aggregator.clone(),
            children,
        });
        Ok(Instance::node(node))
    }
}

struct CogroupNode<K, V, A> {
    store: Arc<dyn AggregateStore<K, A>>,
    caching: bool,
    send_old_values: bool,
    initializer: Arc<dyn Fn() -> A + Send + Sync>,
    aggregator: Aggregator<K, V, A>,
    children: Arc<Vec<Child<K, Change<A>>>>,
}

impl<K: Clone, V, A: Clone> NodeInput<K, V> for CogroupNode<K, V, A> {
    // KStreamAggregate.process, with this input's aggregator.
    fn process(&self, record: Record<K, V>, cx: &mut NodeCx<'_>) -> Result<()> {
        let stored = self.store.get(&record.key)?;
        let (old, timestamp) = match stored {
            Some(s) => (s.value, record.timestamp.max(s.timestamp)),
            None => ((self.initializer)(), record.timestamp),
        };
        let new = (self.aggregator)(&record.key, record.value, old.clone());
        self.store
            .put(&record.key, &ValueAndTimestamp::new(new.clone(), timestamp))?;
        if self.caching {
            return Ok(());
        }
        let change = Change {
            new: Some(new),
            old: self.send_old_values.then_some(old),
        };
        forward(
            &self.children,
            Record {
                key: record.key,
                value: change,
                timestamp,
                headers: record.headers,
            },
            cx,
        )
    }
}
