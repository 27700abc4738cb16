//! The physical topology: named nodes, their edges, and sub-topologies.
//!
//! A [`Topology`] is immutable once built by
//! [`StreamsBuilder::build`](crate::dsl::StreamsBuilder::build) and shared
//! by every task (it is `Send + Sync`). It owns node *factories*; each task
//! instantiates its own nodes from them (`Topology::instantiate`).
//!
//! Sub-topologies are the connected components of the node graph; they are
//! numbered as Kafka Streams numbers them (by the sorted names of their
//! source nodes). A repartition topic is written by a sink in one
//! sub-topology and read by a source in another.
//!
//! Global stores (`StreamsBuilder::global_table`) form sub-topologies of
//! their own (a source and the processor that writes the store), numbered
//! with the others as Java numbers them but kept apart in
//! `global_subtopologies`: they generate no tasks, the global thread runs
//! them (Java's `GlobalStateUpdateTask`).
//!
//! Topic names are stored *logical*: internal topics (`<name>-repartition`)
//! get the `<application.id>-` prefix only when resolved at run time.

mod build;
pub(crate) mod co_partitioning;
mod describe;
mod instantiate;
mod picture;
pub(crate) mod runtime_view;
mod stores;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

pub(crate) use build::{assemble, RepartitionSpec};
pub use describe::{
    GlobalStoreDescription, NodeDescription, NodeType, SubtopologyDescription, TopologyDescription,
};
pub(crate) use instantiate::TaskGraph;

use crate::processor::node::NodeFactory;
use crate::processor::TimestampExtractor;

/// A topic as the topology names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct TopicName {
    /// User topics: the topic's name. Internal topics: without the
    /// application id prefix (e.g. `orders-repartition`).
    pub(crate) name: String,
    pub(crate) internal: bool,
}

impl TopicName {
    pub(crate) fn user(name: impl Into<String>) -> TopicName {
        TopicName {
            name: name.into(),
            internal: false,
        }
    }

    pub(crate) fn internal(name: impl Into<String>) -> TopicName {
        TopicName {
            name: name.into(),
            internal: true,
        }
    }

    /// The name on the broker.
    pub(crate) fn resolve(&self, application_id: &str) -> String {
        if self.internal {
            format!("{application_id}-{}", self.name)
        } else {
            self.name.clone()
        }
    }
}

/// Where a sink writes.
#[derive(Clone)]
pub(crate) enum SinkTarget {
    Fixed(TopicName),
    /// Chosen per record; the string describes the extractor.
    Dynamic(String),
}

/// What kind of node, with what `describe()` shows about it.
#[derive(Clone)]
pub(crate) enum NodeKind {
    Source {
        topic: TopicName,
        extractor: Option<Arc<dyn TimestampExtractor>>,
    },
    Processor {
        stores: Vec<String>,
    },
    Sink {
        target: SinkTarget,
    },
}

/// One node of the topology.
#[derive(Clone)]
pub(crate) struct NodeDef {
    pub(crate) name: Arc<str>,
    pub(crate) kind: NodeKind,
    pub(crate) parents: Vec<usize>,
    pub(crate) children: Vec<usize>,
    pub(crate) factory: Arc<dyn NodeFactory>,
}

/// A sub-topology: node indices, ascending (parents before children).
#[derive(Debug, Clone)]
pub(crate) struct Subtopology {
    pub(crate) id: u32,
    pub(crate) nodes: Vec<usize>,
}

/// A processing topology: the DAG of sources, processors and sinks built by
/// a [`StreamsBuilder`](crate::dsl::StreamsBuilder), split into
/// sub-topologies. Print it with [`Topology::describe`].
pub struct Topology {
    pub(crate) nodes: Vec<NodeDef>,
    pub(crate) subtopologies: Vec<Subtopology>,
    /// The sub-topologies of global stores (source → store processor),
    /// run by the global thread, never as tasks.
    pub(crate) global_subtopologies: Vec<Subtopology>,
    /// Partition counts by logical topic name: declared for user topics,
    /// computed (or given) for repartition topics.
    pub(crate) partitions: HashMap<String, u32>,
    pub(crate) default_extractor: Arc<dyn TimestampExtractor>,
    /// State stores, connected to processors by name (`NodeKind::Processor`).
    pub(crate) stores: Vec<Arc<dyn crate::processor::stores::StoreFactory>>,
}

impl Topology {
    /// The sub-topology `id`, stream or global.
    pub(crate) fn subtopology(&self, id: u32) -> Option<&Subtopology> {
        self.subtopologies
            .iter()
            .chain(&self.global_subtopologies)
            .find(|s| s.id == id)
    }

    /// Whether the topology has global stores (and so needs a global thread).
    pub(crate) fn has_global_stores(&self) -> bool {
        !self.global_subtopologies.is_empty()
    }

    /// The resolved topics the global sub-topologies read, sorted.
    pub(crate) fn global_source_topics(&self) -> Vec<String> {
        let mut topics: Vec<String> = self
            .global_subtopologies
            .iter()
            .flat_map(|s| &s.nodes)
            .filter_map(|&i| match &self.nodes[i].kind {
                NodeKind::Source { topic, .. } => Some(topic.name.clone()),
                _ => None,
            })
            .collect();
        topics.sort();
        topics
    }

    /// The topology in Kafka Streams' `TopologyDescription` format.
    pub fn describe(&self) -> TopologyDescription {
        describe::describe(self)
    }
}

impl fmt::Debug for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.describe())
    }
}
