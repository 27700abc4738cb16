//! Instantiating one sub-topology's nodes for one task.
//!
//! Nodes are created children first (a node's index is always larger than
//! its parents'), so every factory finds its children already built. Each
//! source and terminal node gets its task's node metrics here, once
//! (`crate::metrics`): a source node's go with its [`TaskSource`], a
//! terminal node's with the edges that lead to it.

use std::collections::HashMap;
use std::sync::Arc;

use super::{NodeKind, Topology};
use crate::metrics::{NodeMetrics, TaskMetrics};
use crate::processor::node::{Erased, Lifecycle, NodeEnv, NodeSettings, RawSource};
use crate::processor::stores::TaskStores;
use crate::processor::TimestampExtractor;
use crate::{Error, Result};

/// A source node of a task, with its timestamp extractor.
pub(crate) struct TaskSource {
    pub(crate) node: Arc<dyn RawSource>,
    pub(crate) extractor: Arc<dyn TimestampExtractor>,
    /// The node's metrics (`process-*` at DEBUG, `record-e2e-latency-*`).
    pub(crate) metrics: Option<Arc<NodeMetrics>>,
}

/// The instantiated nodes of one task.
pub(crate) struct TaskGraph {
    /// Source nodes by resolved topic name.
    pub(crate) sources: HashMap<String, TaskSource>,
    /// Nodes with lifecycle hooks, in topology order (parents first).
    pub(crate) lifecycles: Vec<Arc<dyn Lifecycle>>,
}

impl Topology {
    /// Builds the nodes of sub-topology `subtopology` for one task, whose
    /// stores are already built; `metrics`: the task's, if it reports any.
    pub(crate) fn instantiate(
        &self,
        subtopology: u32,
        application_id: &str,
        stores: &TaskStores,
        settings: &NodeSettings,
        metrics: Option<&TaskMetrics>,
    ) -> Result<TaskGraph> {
        let sub = self.subtopology(subtopology).ok_or_else(|| {
            Error::IllegalState(format!("the topology has no sub-topology {subtopology}"))
        })?;
        let mut built: HashMap<usize, (Erased, Option<Arc<NodeMetrics>>)> = HashMap::new();
        let mut sources = HashMap::new();
        let mut lifecycles = Vec::new();
        for &i in sub.nodes.iter().rev() {
            let node = &self.nodes[i];
            let mut children = Vec::with_capacity(node.children.len());
            for c in &node.children {
                let (erased, child_metrics) = built.get(c).ok_or_else(|| {
                    Error::Topology(format!(
                        "node `{}` has a child outside its sub-topology",
                        node.name
                    ))
                })?;
                children.push((self.nodes[*c].name.clone(), erased, child_metrics.clone()));
            }
            let is_source = matches!(node.kind, NodeKind::Source { .. });
            let node_metrics =
                metrics.and_then(|m| m.node(&node.name, is_source, node.children.is_empty()));
            let env = NodeEnv {
                name: &node.name,
                children,
                application_id,
                partitions: &self.partitions,
                stores,
                settings,
            };
            let instance = node.factory.instantiate(&env)?;
            if let Some(lifecycle) = instance.lifecycle {
                lifecycles.push(lifecycle);
            }
            if let (Some(source), NodeKind::Source { topic, extractor }) =
                (instance.source, &node.kind)
            {
                let extractor = extractor
                    .clone()
                    .unwrap_or_else(|| self.default_extractor.clone());
                sources.insert(
                    topic.resolve(application_id),
                    TaskSource {
                        node: source,
                        extractor,
                        metrics: node_metrics.clone(),
                    },
                );
            }
            built.insert(i, (instance.input, node_metrics));
        }
        lifecycles.reverse();
        Ok(TaskGraph {
            sources,
            lifecycles,
        })
    }
}
