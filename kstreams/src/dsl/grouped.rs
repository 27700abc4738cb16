//! Grouping a stream by key: [`Grouped`], [`KGroupedStream`],
//! `group_by_key` and `group_by`, as in Kafka Streams.
//!
//! Grouping adds no node by itself. The aggregation that follows
//! (`count`, `reduce`, `aggregate`, in `aggregate.rs`) repartitions first
//! when the key may have changed since the source (after `select_key`,
//! `map`, `flat_map`, `process`, or with `group_by`): the records go
//! through `<application.id>-<name>-repartition`, where `<name>` is the
//! [`Grouped`] name or the aggregation's store name, so that every record
//! of a key reaches the task that owns the key's state.

use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;

use kstreams_serde::{DefaultSerde, Serde, SerdeOf};

use super::repartition::RepartitionBase;
use super::KStream;
use crate::topology::NodeKind;

/// How to group: the serdes of a repartition topic, if one is needed, and
/// optionally its name (Kafka Streams' `Grouped`).
pub struct Grouped<KS, VS> {
    pub(crate) name: Option<String>,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> Grouped<KS, VS> {
    /// Serdes `KS`/`VS`, repartition topic named after the aggregation's store.
    pub fn new() -> Self {
        Grouped {
            name: None,
            _serdes: PhantomData,
        }
    }

    /// Names the repartition topic `<application.id>-<name>-repartition`
    /// (Kafka Streams' `Grouped.as`).
    pub fn as_(name: impl Into<String>) -> Self {
        Grouped {
            name: Some(name.into()),
            _serdes: PhantomData,
        }
    }
}

impl<KS: Serde, VS: Serde> Default for Grouped<KS, VS> {
    fn default() -> Self {
        Grouped::new()
    }
}

impl<KS: Serde, VS: Serde> fmt::Debug for Grouped<KS, VS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grouped")
            .field("name", &self.name)
            .field("key_serde", &KS::name())
            .field("value_serde", &VS::name())
            .finish()
    }
}

/// Inserts the repartition topic with the grouping's serdes.
pub(crate) type RepartitionFn<K, V> =
    fn(&KStream<K, V>, RepartitionBase, Option<u32>) -> KStream<K, V>;

/// A stream grouped by key, ready to aggregate (Kafka Streams'
/// `KGroupedStream`).
pub struct KGroupedStream<K, V> {
    pub(crate) stream: KStream<K, V>,
    /// Set when the key may have changed: how to repartition, and the name.
    pub(crate) repartition: Option<(RepartitionFn<K, V>, Option<String>)>,
}

impl<K, V> fmt::Debug for KGroupedStream<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KGroupedStream")
            .field("stream", &self.stream)
            .field("repartitions", &self.repartition.is_some())
            .finish()
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KGroupedStream<K, V> {
    /// The stream to aggregate: this one, or its repartitioned copy named
    /// after `store` (or the `Grouped` name).
    pub(crate) fn source_for(&self, store: &str) -> KStream<K, V> {
        match &self.repartition {
            None => self.stream.clone(),
            Some((repartition, Some(name))) => {
                repartition(&self.stream, RepartitionBase::Named(name.clone()), None)
            }
            Some((repartition, None)) => {
                repartition(&self.stream, RepartitionBase::Topic(store.to_owned()), None)
            }
        }
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Whether a key-changing node lies between this stream and its sources.
    pub(crate) fn key_may_have_changed(&self) -> bool {
        let graph = self.graph.borrow();
        let mut seen = HashSet::new();
        let mut stack = vec![self.node];
        while let Some(i) = stack.pop() {
            if !seen.insert(i) || matches!(graph.nodes[i].kind, NodeKind::Source { .. }) {
                continue;
            }
            if graph.key_changing.contains(&i) {
                return true;
            }
            stack.extend(graph.nodes[i].parents.iter().copied());
        }
        false
    }

    /// Groups by the current key, with the types' default serdes (Kafka
    /// Streams' `groupByKey()`); see [`KStream::group_by_key_with`].
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::serde::I64;
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("orders");
    /// const OUT: Topic<String, I64, 1> = Topic::new("orders-per-customer");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).group_by_key().count().to_stream().to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut input = driver.create_input_topic(IN);
    /// input.pipe_input("ann", "book")?;
    /// input.pipe_input("ann", "pen")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_values_to_vec()?, vec![1, 2]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn group_by_key(&self) -> KGroupedStream<K, V>
    where
        K: DefaultSerde,
        V: DefaultSerde,
    {
        self.group_by_key_with(Grouped::<SerdeOf<K>, SerdeOf<V>>::new())
    }

    /// Groups by the current key; `grouped` gives the serdes (and name) of
    /// the repartition topic used if the key may have changed.
    pub fn group_by_key_with<KS, VS>(&self, grouped: Grouped<KS, VS>) -> KGroupedStream<K, V>
    where
        KS: Serde<Target = K>,
        VS: Serde<Target = V>,
    {
        let repartition = self.key_may_have_changed().then(|| {
            let f: RepartitionFn<K, V> = KStream::<K, V>::through_repartition_topic::<KS, VS>;
            (f, grouped.name)
        });
        KGroupedStream {
            stream: self.clone(),
            repartition,
        }
    }

    /// Groups by a new key computed from each record (`KSTREAM-KEY-SELECT-…`,
    /// then a repartition topic before the aggregation), with default serdes.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::serde::I64;
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("purchases");
    /// const OUT: Topic<String, I64, 1> = Topic::new("purchases-per-item");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).group_by(|_, item: &String| item.clone()).count().to_stream().to(OUT);
    /// let topology = builder.build()?;
    /// assert!(topology.describe().to_string().contains("-repartition"));
    /// let driver = TopologyTestDriver::new(topology)?;
    /// let mut input = driver.create_input_topic(IN);
    /// input.pipe_input("ann", "tea")?;
    /// input.pipe_input("bob", "tea")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_key_value()?, ("tea".to_string(), 1));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn group_by<K2, F>(&self, selector: F) -> KGroupedStream<K2, V>
    where
        K2: Clone + DefaultSerde + 'static,
        V: DefaultSerde,
        F: Fn(&K, &V) -> K2 + Send + Sync + 'static,
    {
        self.group_by_with(selector, Grouped::<SerdeOf<K2>, SerdeOf<V>>::new())
    }

    /// [`KStream::group_by`] with the repartition topic's serdes and name.
    pub fn group_by_with<K2, F, KS, VS>(
        &self,
        selector: F,
        grouped: Grouped<KS, VS>,
    ) -> KGroupedStream<K2, V>
    where
        K2: Clone + 'static,
        F: Fn(&K, &V) -> K2 + Send + Sync + 'static,
        KS: Serde<Target = K2>,
        VS: Serde<Target = V>,
    {
        self.select_key(selector).group_by_key_with(grouped)
    }
}
