//! `repartition`: write the stream to an internal topic and read it back,
//! so that records are partitioned by their (new) key.
//!
//! The topic is `<application.id>-<name>-repartition`, created by the
//! runtime at start-up; it splits the topology into two sub-topologies.
//! Nodes are named as Kafka Streams names them: with a generated name
//! (`KSTREAM-REPARTITION-…`) the sink, filter and source take generated
//! names too; with a given name they are `<name>-repartition-sink`,
//! `-filter` and `-source`. The filter passes every record (null keys
//! included: they are spread over partitions by the producer).

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use kstreams_serde::Serde;

use super::sink::SinkFactory;
use super::source::SourceFactory;
use super::KStream;
use crate::processor::node::{OpFn, StatelessFactory};
use crate::topology::{NodeKind, RepartitionSpec, SinkTarget, TopicName};

/// How to repartition: the serdes of the repartition topic, and optionally
/// its name and partition count (Kafka Streams' `Repartitioned`).
pub struct Repartitioned<KS, VS> {
    name: Option<String>,
    partitions: Option<u32>,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> Repartitioned<KS, VS> {
    /// Generated name; as many partitions as the upstream source topics.
    pub fn new() -> Self {
        Repartitioned {
            name: None,
            partitions: None,
            _serdes: PhantomData,
        }
    }

    /// Names the topic `<application.id>-<name>-repartition`.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the topic's partition count.
    pub fn with_partitions(mut self, partitions: u32) -> Self {
        self.partitions = Some(partitions.max(1));
        self
    }
}

impl<KS: Serde, VS: Serde> Default for Repartitioned<KS, VS> {
    fn default() -> Self {
        Repartitioned::new()
    }
}

impl<KS: Serde, VS: Serde> fmt::Debug for Repartitioned<KS, VS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Repartitioned")
            .field("key_serde", &KS::name())
            .field("value_serde", &VS::name())
            .field("name", &self.name)
            .field("partitions", &self.partitions)
            .finish()
    }
}

/// How a repartition topic and its nodes are named.
pub(crate) enum RepartitionBase {
    /// `KSTREAM-REPARTITION-…` topic, generated node names.
    Generated,
    /// `<name>-repartition`, nodes `<name>-repartition-sink` etc.
    Named(String),
    /// `<name>-repartition` (e.g. a store name), generated node names.
    Topic(String),
}

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Repartitions the stream through an internal topic, by key.
    ///
    /// ```
    /// use kstreams::dsl::{Repartitioned, StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 2> = Topic::new("clicks");
    /// const OUT: Topic<String, String, 2> = Topic::new("clicks-by-user");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream(IN)
    ///     .select_key(|_, v: &String| v.clone())
    ///     .repartition(Repartitioned::<String, String>::new().with_name("by-user"))
    ///     .to(OUT);
    /// let topology = builder.build()?;
    /// assert!(topology.describe().to_string().contains("Sink: by-user-repartition-sink (topic: by-user-repartition)"));
    /// let driver = TopologyTestDriver::new(topology)?;
    /// driver.create_input_topic(IN).pipe_input("page", "alice")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_key_value()?, ("alice".to_string(), "alice".to_string()));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn repartition<KS, VS>(&self, repartitioned: Repartitioned<KS, VS>) -> KStream<K, V>
    where
        KS: Serde<Target = K>,
        VS: Serde<Target = V>,
    {
        let base = match repartitioned.name {
            Some(name) => RepartitionBase::Named(name),
            None => RepartitionBase::Generated,
        };
        self.through_repartition_topic::<KS, VS>(base, repartitioned.partitions)
    }

    /// Inserts sink → `<base>-repartition` → source under this stream (the
    /// nodes of `repartition`, and of aggregations after a key change).
    pub(crate) fn through_repartition_topic<KS, VS>(
        &self,
        base: RepartitionBase,
        partitions: Option<u32>,
    ) -> KStream<K, V>
    where
        KS: Serde<Target = K>,
        VS: Serde<Target = V>,
    {
        let mut graph = self.graph.borrow_mut();
        let (generated, base) = match base {
            RepartitionBase::Generated => (true, graph.new_name("KSTREAM-REPARTITION-")),
            RepartitionBase::Named(name) => (false, name),
            RepartitionBase::Topic(name) => (true, name),
        };
        let topic = format!("{base}-repartition");
        // Kafka Streams burns these indexes whether or not it uses the names.
        let gen_sink = graph.new_name("KSTREAM-SINK-");
        let gen_filter = graph.new_name("KSTREAM-FILTER-");
        let gen_source = graph.new_name("KSTREAM-SOURCE-");
        let (sink_name, filter_name, source_name) = if generated {
            (gen_sink, gen_filter, gen_source)
        } else {
            (
                format!("{topic}-sink"),
                format!("{topic}-filter"),
                format!("{topic}-source"),
            )
        };
        let internal = TopicName::internal(topic.clone());

        let op: OpFn<K, V, K, V> = Arc::new(|record, emit| emit(record));
        let filter = graph.add_node(
            filter_name,
            NodeKind::Processor { stores: Vec::new() },
            &[self.node],
            Arc::new(StatelessFactory { op }),
        );
        let sink = graph.add_node(
            sink_name,
            NodeKind::Sink {
                target: SinkTarget::Fixed(internal.clone()),
            },
            &[filter],
            Arc::new(SinkFactory::<KS, VS>::fixed(internal.clone())),
        );
        let source = graph.add_node(
            source_name,
            NodeKind::Source {
                topic: internal,
                extractor: None,
            },
            &[],
            Arc::new(SourceFactory::<KS, VS>::new()),
        );
        graph.repartitions.push(RepartitionSpec {
            topic,
            partitions,
            sink,
            copartition_with: None,
        });
        drop(graph);
        KStream::new(self.graph.clone(), source)
    }
}
