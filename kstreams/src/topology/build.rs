//! Assembling a [`Topology`] from the builder's nodes: validation,
//! sub-topologies, and partition counts of repartition topics.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::{NodeDef, NodeKind, SinkTarget, Subtopology, Topology};
use crate::processor::TimestampExtractor;
use crate::{Error, Result};

/// A repartition topic requested by the DSL.
pub(crate) struct RepartitionSpec {
    /// Logical name (`<name>-repartition`).
    pub(crate) topic: String,
    /// Given by the user, or `None`: as many as the upstream sources have.
    pub(crate) partitions: Option<u32>,
    /// The sink node writing it.
    pub(crate) sink: usize,
    /// When the count is not given: the node whose sub-topology's source
    /// topics give it (`None`: the sink's). A foreign-key join's
    /// subscription topic takes the other table's count (Java's
    /// `copartitionSources` of the subscription source with that table).
    pub(crate) copartition_with: Option<usize>,
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Validates the graph and builds the immutable topology.
pub(crate) fn assemble(
    nodes: Vec<NodeDef>,
    mut partitions: HashMap<String, u32>,
    repartitions: &[RepartitionSpec],
    global_sources: &[usize],
    default_extractor: Arc<dyn TimestampExtractor>,
) -> Result<Topology> {
    let mut names = HashSet::new();
    let mut source_topics = HashMap::new();
    for node in &nodes {
        if !names.insert(node.name.clone()) {
            return Err(Error::Topology(format!(
                "two nodes are named `{}`; give one of them another name with `.named(..)`",
                node.name
            )));
        }
        if let NodeKind::Source { topic, .. } = &node.kind {
            if let Some(other) = source_topics.insert(topic.clone(), node.name.clone()) {
                return Err(Error::Topology(format!(
                    "topic `{}` is read by two sources (`{other}` and `{}`); read it once and reuse the stream",
                    topic.name, node.name
                )));
            }
        }
    }

    // Connected components, numbered by their smallest source name (as Kafka Streams).
    let mut parent: Vec<usize> = (0..nodes.len()).collect();
    for (i, node) in nodes.iter().enumerate() {
        for &p in &node.parents {
            let (a, b) = (find(&mut parent, i), find(&mut parent, p));
            parent[a] = b;
        }
    }
    // Nodes connected to the same store run in the same task (Java's
    // `InternalTopologyBuilder.makeNodeGroups`): e.g. a stream-table join
    // reads the table's store.
    let mut store_owner: HashMap<&str, usize> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        if let NodeKind::Processor { stores } = &node.kind {
            for store in stores {
                match store_owner.get(store.as_str()) {
                    Some(&j) => {
                        let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                        parent[a] = b;
                    }
                    None => {
                        store_owner.insert(store, i);
                    }
                }
            }
        }
    }
    let mut sources: Vec<(&str, usize)> = nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| matches!(n.kind, NodeKind::Source { .. }))
        .map(|(i, n)| (&*n.name, i))
        .collect();
    sources.sort();
    let mut ids: HashMap<usize, u32> = HashMap::new();
    for (_, i) in sources {
        let root = find(&mut parent, i);
        let next = ids.len() as u32;
        ids.entry(root).or_insert(next);
    }
    let mut groups: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, node) in nodes.iter().enumerate() {
        let root = find(&mut parent, i);
        match ids.get(&root) {
            Some(id) => groups.entry(*id).or_default().push(i),
            None => {
                return Err(Error::Topology(format!(
                    "node `{}` is not connected to any source",
                    node.name
                )))
            }
        }
    }
    // A group holding a global source is a global store's (Java's
    // `describeGlobalStore`): numbered with the others, run by no task.
    let global_roots: HashSet<usize> = global_sources
        .iter()
        .map(|&i| find(&mut parent, i))
        .collect();
    let (global_subtopologies, subtopologies): (Vec<Subtopology>, Vec<Subtopology>) = groups
        .into_iter()
        .map(|(id, nodes)| Subtopology { id, nodes })
        .partition(|s| global_roots.contains(&find(&mut parent, s.nodes[0])));
    for sub in &global_subtopologies {
        let sources = sub
            .nodes
            .iter()
            .filter(|&&i| matches!(nodes[i].kind, NodeKind::Source { .. }))
            .count();
        if sub.nodes.len() != 2 || sources != 1 {
            let names: Vec<&str> = sub.nodes.iter().map(|&i| &*nodes[i].name).collect();
            return Err(Error::Topology(format!(
                "a global store's sub-topology must be one source and its store's processor, found {names:?}; a global table cannot be read by stream operators, only joined with `join_global`"
            )));
        }
    }

    // Repartition topics without a given count take the largest count among
    // the sources of the sub-topology that writes them (resolved to a fixpoint,
    // as repartition topics may feed one another).
    let mut pending: Vec<&RepartitionSpec> = Vec::new();
    for spec in repartitions {
        match spec.partitions {
            Some(n) => {
                partitions.insert(spec.topic.clone(), n);
            }
            None => pending.push(spec),
        }
    }
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|spec| {
            let like = spec.copartition_with.unwrap_or(spec.sink);
            let Some(sub) = subtopologies.iter().find(|s| s.nodes.contains(&like)) else {
                return true;
            };
            let mut max = Some(0u32);
            for &i in &sub.nodes {
                if let NodeKind::Source { topic, .. } = &nodes[i].kind {
                    // A sub-topology that reads the topic back (a foreign-key
                    // join's) takes its count from its other sources.
                    if topic.name == spec.topic {
                        continue;
                    }
                    max = match (max, partitions.get(&topic.name)) {
                        (Some(m), Some(&n)) => Some(m.max(n)),
                        _ => None,
                    };
                }
            }
            match max {
                Some(n) if n > 0 => {
                    partitions.insert(spec.topic.clone(), n);
                    false
                }
                _ => true,
            }
        });
        if pending.len() == before {
            return Err(Error::Topology(format!(
                "cannot infer the partition count of repartition topic `{}`; give it with `Repartitioned::with_partitions`",
                pending[0].topic
            )));
        }
    }
    for node in &nodes {
        let topic = match &node.kind {
            NodeKind::Source { topic, .. } => Some(topic),
            NodeKind::Sink {
                target: SinkTarget::Fixed(topic),
            } => Some(topic),
            _ => None,
        };
        if let Some(topic) = topic {
            if !partitions.contains_key(&topic.name) {
                return Err(Error::Topology(format!(
                    "no partition count known for topic `{}`",
                    topic.name
                )));
            }
        }
    }

    Ok(Topology {
        nodes,
        subtopologies,
        global_subtopologies,
        partitions,
        default_extractor,
        stores: Vec::new(),
    })
}
