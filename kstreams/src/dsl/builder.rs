//! [`StreamsBuilder`]: where a topology starts, and the graph it accumulates.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use kstreams_serde::Serde;

use super::source::SourceFactory;
use super::{KStream, Topic};
use crate::processor::node::NodeFactory;
use crate::processor::{RecordTimestampExtractor, TimestampExtractor};
use crate::topology::{assemble, NodeDef, NodeKind, RepartitionSpec, TopicName, Topology};
use crate::{Error, Result};

/// The graph under construction, shared by the builder and its streams.
pub(crate) struct GraphBuilder {
    pub(crate) nodes: Vec<NodeDef>,
    index: u32,
    partitions: HashMap<String, u32>,
    pub(crate) repartitions: Vec<RepartitionSpec>,
    errors: Vec<String>,
    default_extractor: Arc<dyn TimestampExtractor>,
    /// State stores added by stateful operators or `add_state_store`.
    pub(crate) stores: Vec<Arc<dyn crate::processor::stores::StoreFactory>>,
    /// Nodes that may change the key (`map`, `select_key`, ...): a stateful
    /// operator after one of them repartitions first.
    pub(crate) key_changing: std::collections::HashSet<usize>,
    /// Windowed aggregation nodes → when their windows close, for
    /// `suppress(until_window_closes)` downstream.
    pub(crate) window_grace: HashMap<usize, WindowClose>,
    /// The sides of every join, checked for co-partitioning by `build()`.
    pub(crate) copartition_groups: Vec<super::copartition::CopartitionGroup>,
    /// Source nodes of global tables: their sub-topologies are global.
    pub(crate) global_sources: Vec<usize>,
}

/// When the windows of a windowed aggregation close, as
/// `suppress(until_window_closes)` downstream needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WindowClose {
    /// How long after its end a window stays open: the grace period, plus
    /// the inactivity gap for sessions (Kafka Streams'
    /// `GraphGraceSearchUtil.extractGracePeriod`).
    pub(crate) grace_ms: i64,
    /// Whether the windows are sessions, whose windowed keys Kafka Streams
    /// writes `[key][end][start]` (`SessionWindowedSerde`) rather than
    /// `[key][start]`.
    pub(crate) sessions: bool,
}

impl GraphBuilder {
    /// The grace period of the windowed aggregation `node` descends from,
    /// through table operators (Kafka Streams' `findAndVerifyWindowGrace`).
    pub(crate) fn window_grace_of(&self, node: usize) -> Option<WindowClose> {
        let mut stack = vec![node];
        let mut seen = std::collections::HashSet::new();
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            if let Some(grace) = self.window_grace.get(&i) {
                return Some(*grace);
            }
            stack.extend(self.nodes[i].parents.iter().copied());
        }
        None
    }
}

impl GraphBuilder {
    /// Kafka Streams' `newProcessorName`: prefix + 10-digit global index.
    pub(crate) fn new_name(&mut self, prefix: &str) -> String {
        let name = format!("{prefix}{:010}", self.index);
        self.index += 1;
        name
    }

    /// Records the partition count declared for a topic; a conflicting
    /// declaration fails `build()`.
    pub(crate) fn declare_topic(&mut self, name: &str, partitions: u32) {
        match self.partitions.insert(name.to_owned(), partitions) {
            Some(old) if old != partitions => self.errors.push(format!(
                "topic `{name}` is declared with {old} partitions in one place and {partitions} in another"
            )),
            _ => {}
        }
    }

    /// Records a mistake, reported by `build()`.
    pub(crate) fn error(&mut self, message: String) {
        self.errors.push(message);
    }

    /// Adds a node under `parents` and returns its index.
    pub(crate) fn add_node(
        &mut self,
        name: String,
        kind: NodeKind,
        parents: &[usize],
        factory: Arc<dyn NodeFactory>,
    ) -> usize {
        let index = self.nodes.len();
        for &p in parents {
            self.nodes[p].children.push(index);
        }
        self.nodes.push(NodeDef {
            name: name.into(),
            kind,
            parents: parents.to_vec(),
            children: Vec::new(),
            factory,
        });
        index
    }

    /// Replaces a node's factory (operators configured after creation, e.g. split).
    pub(crate) fn set_factory(&mut self, node: usize, factory: Arc<dyn NodeFactory>) {
        self.nodes[node].factory = factory;
    }
}

/// Builds a [`Topology`] with the DSL, as Kafka Streams' `StreamsBuilder`.
///
/// ```
/// use kstreams::dsl::{StreamsBuilder, Topic};
///
/// const IN: Topic<String, String, 2> = Topic::new("words");
/// const OUT: Topic<String, String, 2> = Topic::new("shouted");
///
/// let builder = StreamsBuilder::new();
/// builder.stream(IN).map_values(|v: String| v.to_uppercase()).to(OUT);
/// let topology = builder.build()?;
/// assert!(topology.describe().to_string().contains("KSTREAM-MAPVALUES-0000000001"));
/// # Ok::<(), kstreams::Error>(())
/// ```
pub struct StreamsBuilder {
    pub(crate) graph: Rc<RefCell<GraphBuilder>>,
}

impl Default for StreamsBuilder {
    fn default() -> Self {
        StreamsBuilder::new()
    }
}

impl StreamsBuilder {
    /// An empty builder.
    pub fn new() -> StreamsBuilder {
        StreamsBuilder {
            graph: Rc::new(RefCell::new(GraphBuilder {
                nodes: Vec::new(),
                index: 0,
                partitions: HashMap::new(),
                repartitions: Vec::new(),
                errors: Vec::new(),
                default_extractor: Arc::new(RecordTimestampExtractor),
                stores: Vec::new(),
                key_changing: std::collections::HashSet::new(),
                window_grace: HashMap::new(),
                copartition_groups: Vec::new(),
                global_sources: Vec::new(),
            })),
        }
    }

    /// Sets the timestamp extractor of sources that don't set their own
    /// (Kafka Streams' `default.timestamp.extractor`); by default the
    /// record's timestamp.
    pub fn default_timestamp_extractor(&self, extractor: impl TimestampExtractor) -> &Self {
        self.graph.borrow_mut().default_extractor = Arc::new(extractor);
        self
    }

    /// A stream of the records of `topic` (`KSTREAM-SOURCE-…`).
    pub fn stream<KS: Serde, VS: Serde, const P: u32>(
        &self,
        topic: Topic<KS, VS, P>,
    ) -> KStream<KS::Target, VS::Target>
    where
        KS::Target: Clone,
        VS::Target: Clone,
    {
        self.source_node(None, topic, None)
    }

    /// Like [`StreamsBuilder::stream`], with the timestamp extractor for this
    /// source (Kafka Streams' `Consumed.withTimestampExtractor`).
    pub fn stream_with_timestamp_extractor<KS: Serde, VS: Serde, const P: u32>(
        &self,
        topic: Topic<KS, VS, P>,
        extractor: impl TimestampExtractor,
    ) -> KStream<KS::Target, VS::Target>
    where
        KS::Target: Clone,
        VS::Target: Clone,
    {
        self.source_node(None, topic, Some(Arc::new(extractor)))
    }

    pub(crate) fn source_node<KS: Serde, VS: Serde, const P: u32>(
        &self,
        name: Option<String>,
        topic: Topic<KS, VS, P>,
        extractor: Option<Arc<dyn TimestampExtractor>>,
    ) -> KStream<KS::Target, VS::Target>
    where
        KS::Target: Clone,
        VS::Target: Clone,
    {
        let mut graph = self.graph.borrow_mut();
        graph.declare_topic(topic.name(), P);
        let name = name.unwrap_or_else(|| graph.new_name("KSTREAM-SOURCE-"));
        let kind = NodeKind::Source {
            topic: TopicName::user(topic.name()),
            extractor,
        };
        let node = graph.add_node(name, kind, &[], Arc::new(SourceFactory::<KS, VS>::new()));
        KStream::new(self.graph.clone(), node)
    }

    /// Validates the graph and builds the topology.
    ///
    /// Fails on duplicate node names, a topic read by two sources, a topic
    /// declared with two partition counts, or a join of topics with
    /// different partition counts (not co-partitioned).
    pub fn build(self) -> Result<Topology> {
        let graph = self.graph.borrow();
        if let Some(error) = graph.errors.first() {
            return Err(Error::Topology(error.clone()));
        }
        let mut topology = assemble(
            graph.nodes.clone(),
            graph.partitions.clone(),
            &graph.repartitions,
            &graph.global_sources,
            graph.default_extractor.clone(),
        )?;
        topology.stores = graph.stores.clone();
        topology.validate_stores()?;
        super::copartition::check(
            &topology.nodes,
            &topology.partitions,
            &graph.copartition_groups,
        )?;
        Ok(topology)
    }
}
