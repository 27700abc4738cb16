//! `describe()`: the topology in Kafka Streams' `TopologyDescription` text
//! format, byte for byte, so tools and people that read Java's output read
//! ours.
//!
//! Ordering follows Kafka Streams: within a sub-topology, nodes (and each
//! node's successors and predecessors) are sorted by the size of the
//! sub-graph below them, largest first, then by name.

use std::fmt;

use super::{NodeKind, SinkTarget, Topology};

/// What kind of node, with the details `describe()` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeType {
    /// Reads topics.
    Source {
        /// Topic names (internal topics without the application id prefix).
        topics: Vec<String>,
    },
    /// Processes records.
    Processor {
        /// Names of connected state stores.
        stores: Vec<String>,
    },
    /// Writes a topic.
    Sink {
        /// The topic, or `None` when chosen per record.
        topic: Option<String>,
        /// How the topic is chosen per record, when it is.
        extractor: Option<String>,
    },
}

/// One node of a [`SubtopologyDescription`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDescription {
    /// Node name, e.g. `KSTREAM-FILTER-0000000001`.
    pub name: String,
    /// Source, processor or sink.
    pub node_type: NodeType,
    /// Names of the nodes it receives records from.
    pub predecessors: Vec<String>,
    /// Names of the nodes it forwards records to.
    pub successors: Vec<String>,
}

/// One sub-topology of a [`TopologyDescription`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtopologyDescription {
    /// Sub-topology id.
    pub id: u32,
    /// Its nodes, in Kafka Streams' order.
    pub nodes: Vec<NodeDescription>,
}

/// A global store of a [`TopologyDescription`]: the source reading its
/// topic and the processor writing the store (Java's
/// `TopologyDescription.GlobalStore`), printed as a sub-topology "for
/// global store (will not generate tasks)".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalStoreDescription {
    /// Its sub-topology id, numbered with the other sub-topologies.
    pub id: u32,
    /// The source node reading the global topic.
    pub source: NodeDescription,
    /// The processor node writing the store.
    pub processor: NodeDescription,
}

/// A printable description of a [`Topology`]; `Display` gives Kafka
/// Streams' format, [`to_mermaid`](Self::to_mermaid) and
/// [`to_dot`](Self::to_dot) a picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyDescription {
    /// The sub-topologies, by id.
    pub subtopologies: Vec<SubtopologyDescription>,
    /// The global stores, by id.
    pub global_stores: Vec<GlobalStoreDescription>,
    /// Change-logged stores and their changelog topics (without the
    /// application id prefix, as internal topics above), by store name.
    pub changelogs: std::collections::BTreeMap<String, String>,
}

pub(super) fn describe(topology: &Topology) -> TopologyDescription {
    let nodes = &topology.nodes;
    // size(n) = 1 + sum of size(child), children have larger indices.
    let mut size = vec![1usize; nodes.len()];
    for i in (0..nodes.len()).rev() {
        size[i] += nodes[i].children.iter().map(|&c| size[c]).sum::<usize>();
    }
    let order = |list: &[usize]| -> Vec<usize> {
        let mut list = list.to_vec();
        list.sort_by(|&a, &b| {
            size[b]
                .cmp(&size[a])
                .then_with(|| nodes[a].name.cmp(&nodes[b].name))
        });
        list
    };
    let names = |list: &[usize]| -> Vec<String> {
        order(list)
            .iter()
            .map(|&i| nodes[i].name.to_string())
            .collect()
    };
    let describe_node = |i: usize| {
        let node = &nodes[i];
        let node_type = match &node.kind {
            NodeKind::Source { topic, .. } => NodeType::Source {
                topics: vec![topic.name.clone()],
            },
            NodeKind::Processor { stores } => NodeType::Processor {
                stores: stores.clone(),
            },
            NodeKind::Sink {
                target: SinkTarget::Fixed(topic),
            } => NodeType::Sink {
                topic: Some(topic.name.clone()),
                extractor: None,
            },
            NodeKind::Sink {
                target: SinkTarget::Dynamic(what),
            } => NodeType::Sink {
                topic: None,
                extractor: Some(what.clone()),
            },
        };
        NodeDescription {
            name: node.name.to_string(),
            node_type,
            predecessors: names(&node.parents),
            successors: names(&node.children),
        }
    };
    let subtopologies = topology
        .subtopologies
        .iter()
        .map(|sub| SubtopologyDescription {
            id: sub.id,
            nodes: order(&sub.nodes).into_iter().map(describe_node).collect(),
        })
        .collect();
    // A global store's group is a source and its processor (checked by
    // `assemble`); the source is the one without parents.
    let global_stores = topology
        .global_subtopologies
        .iter()
        .filter_map(|sub| {
            let (&source, &processor) = match sub.nodes.as_slice() {
                [a, b] if nodes[*a].parents.is_empty() => (a, b),
                [a, b] => (b, a),
                _ => return None,
            };
            Some(GlobalStoreDescription {
                id: sub.id,
                source: describe_node(source),
                processor: describe_node(processor),
            })
        })
        .collect();
    let changelogs = topology
        .stores
        .iter()
        .filter(|s| s.logged())
        .map(|s| (s.name().to_owned(), format!("{}-changelog", s.name())))
        .collect();
    TopologyDescription {
        subtopologies,
        global_stores,
        changelogs,
    }
}

fn node_names(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

impl fmt::Display for NodeDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.node_type {
            NodeType::Source { topics } => {
                write!(f, "Source: {} (topics: [{}])", self.name, topics.join(", "))?;
                write!(f, "\n      --> {}", node_names(&self.successors))
            }
            NodeType::Processor { stores } => {
                write!(
                    f,
                    "Processor: {} (stores: [{}])",
                    self.name,
                    stores.join(", ")
                )?;
                write!(f, "\n      --> {}", node_names(&self.successors))?;
                write!(f, "\n      <-- {}", node_names(&self.predecessors))
            }
            NodeType::Sink { topic, extractor } => {
                match (topic, extractor) {
                    (Some(topic), _) => write!(f, "Sink: {} (topic: {topic})", self.name)?,
                    (None, extractor) => write!(
                        f,
                        "Sink: {} (extractor class: {})",
                        self.name,
                        extractor.as_deref().unwrap_or("")
                    )?,
                }
                write!(f, "\n      <-- {}", node_names(&self.predecessors))
            }
        }
    }
}

impl fmt::Display for SubtopologyDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Sub-topology: {}", self.id)?;
        for node in &self.nodes {
            writeln!(f, "    {node}")?;
        }
        writeln!(f)
    }
}

impl fmt::Display for GlobalStoreDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Sub-topology: {} for global store (will not generate tasks)",
            self.id
        )?;
        writeln!(f, "    {}", self.source)?;
        writeln!(f, "    {}", self.processor)
    }
}

impl fmt::Display for TopologyDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Topologies:\n ")?;
        // Sub-topologies and global stores interleaved by id, as Java's
        // `TopologyDescription.toString`.
        let mut all: Vec<(u32, &dyn fmt::Display)> = Vec::new();
        all.extend(
            self.subtopologies
                .iter()
                .map(|s| (s.id, s as &dyn fmt::Display)),
        );
        all.extend(
            self.global_stores
                .iter()
                .map(|g| (g.id, g as &dyn fmt::Display)),
        );
        all.sort_by_key(|(id, _)| *id);
        for (_, part) in all {
            write!(f, "  {part}")?;
        }
        Ok(())
    }
}
