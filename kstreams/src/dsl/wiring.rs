//! Explicit wiring, as Kafka Streams' `Topology.addSource` /
//! `addProcessor` / `addSink`: named nodes, a processor may have several
//! parents.
//!
//! Parents are given as the streams returned when they were added, so a
//! parent always exists before its child and the graph cannot have a
//! cycle. `#[topology]` accepts the Kafka Streams form with parent *names*
//! (`b.add_processor("p", node, ["source"])`), checks the names at compile
//! time and rewrites them into these calls.

use std::rc::Rc;

use kstreams_serde::Serde;

use super::sink::SinkFactory;
use super::{KStream, KeyMatches, StreamsBuilder, Topic, ValueMatches};
use crate::processor::ProcessorSupplier;
use crate::topology::{NodeKind, SinkTarget, TopicName};

impl StreamsBuilder {
    fn parent_indices<K, V>(&self, child: &str, parents: &[&KStream<K, V>]) -> Vec<usize> {
        let mut graph = self.graph.borrow_mut();
        if parents.is_empty() {
            graph.error(format!("node `{child}` has no parent; give at least one"));
        }
        let foreign = parents.iter().any(|p| !Rc::ptr_eq(&p.graph, &self.graph));
        if foreign {
            graph.error(format!(
                "node `{child}` has a parent from another StreamsBuilder"
            ));
        }
        parents
            .iter()
            .filter(|p| Rc::ptr_eq(&p.graph, &self.graph))
            .map(|p| p.node)
            .collect()
    }

    /// Adds a source node named `name` reading `topic`.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// #[kstreams::processor]
    /// fn shout(line: String) -> String {
    ///     line.to_uppercase()
    /// }
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("lines");
    /// const OUT: Topic<String, String, 1> = Topic::new("shouted");
    ///
    /// let b = StreamsBuilder::new();
    /// let source = b.add_source("lines-source", IN);
    /// let upper = b.add_processor("upper", shout, &[&source]);
    /// b.add_sink("shouted-sink", OUT, &[&upper]);
    /// let driver = TopologyTestDriver::new(b.build()?)?;
    /// driver.create_input_topic(IN).pipe_input("k", "hi")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_value()?, "HI");
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn add_source<KS: Serde, VS: Serde, const P: u32>(
        &self,
        name: &str,
        topic: Topic<KS, VS, P>,
    ) -> KStream<KS::Target, VS::Target>
    where
        KS::Target: Clone,
        VS::Target: Clone,
    {
        self.source_node(Some(name.to_owned()), topic, None)
    }

    /// [`StreamsBuilder::add_processor`] with the parents first: the
    /// parents' key and value types are then known before `node` is
    /// checked, so a node of other types is reported at the node (this is
    /// what `#[topology]` writes for `b.add_processor("name", node, ["parent"])`).
    pub fn add_processor_after<S, K, V, KO, VO>(
        &self,
        parents: &[&KStream<K, V>],
        name: &str,
        node: S,
    ) -> KStream<KO, VO>
    where
        S: ProcessorSupplier<K, V, KO, VO>,
        K: Clone + 'static,
        V: Clone + 'static,
        KO: Clone + 'static,
        VO: Clone + 'static,
    {
        self.add_processor(name, node, parents)
    }

    /// Adds a processor node named `name` under `parents`, all of which
    /// forward records of the types `node` reads.
    pub fn add_processor<S, K, V, KO, VO>(
        &self,
        name: &str,
        node: S,
        parents: &[&KStream<K, V>],
    ) -> KStream<KO, VO>
    where
        S: ProcessorSupplier<K, V, KO, VO>,
        K: Clone + 'static,
        V: Clone + 'static,
        KO: Clone + 'static,
        VO: Clone + 'static,
    {
        let parents = self.parent_indices(name, parents);
        let stores = node.connected_stores();
        let factory = node.into_factory().0;
        let mut graph = self.graph.borrow_mut();
        let node = graph.add_node(
            name.to_owned(),
            NodeKind::Processor { stores: Vec::new() },
            &parents,
            factory,
        );
        graph.connect_stores(node, stores);
        drop(graph);
        KStream::new(self.graph.clone(), node)
    }

    /// Adds a sink node named `name` writing the records of `parents` to
    /// `topic`, with the topic's serdes.
    pub fn add_sink<KS: Serde, VS: Serde, K, V, const P: u32>(
        &self,
        name: &str,
        topic: Topic<KS, VS, P>,
        parents: &[&KStream<K, V>],
    ) where
        K: Clone + 'static,
        V: Clone + 'static,
        KS::Target: KeyMatches<K>,
        VS::Target: ValueMatches<V>,
    {
        let parents = self.parent_indices(name, parents);
        let mut graph = self.graph.borrow_mut();
        graph.declare_topic(topic.name(), P);
        let target = TopicName::user(topic.name());
        let kind = NodeKind::Sink {
            target: SinkTarget::Fixed(target.clone()),
        };
        graph.add_node(
            name.to_owned(),
            kind,
            &parents,
            std::sync::Arc::new(SinkFactory::<KS, VS>::fixed(target)),
        );
    }
}
