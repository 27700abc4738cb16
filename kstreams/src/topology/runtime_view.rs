//! What the Kafka runtime needs to know about a [`Topology`]: which topics
//! each sub-topology reads, which topics are written, which internal topics
//! to create, and the partition counts declared for user topics.
//!
//! All names returned here are *resolved* (internal topics carry the
//! `<application.id>-` prefix).

use std::collections::BTreeSet;

use super::{NodeKind, SinkTarget, TopicName, Topology};

/// One sub-topology as the runtime sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubtopologySpec {
    /// Sub-topology id (the `x` of task `x_p`).
    pub(crate) id: u32,
    /// Resolved names of the topics its sources read, sorted.
    pub(crate) source_topics: Vec<String>,
    /// Number of tasks: the largest partition count among its source topics.
    pub(crate) partitions: u32,
}

/// An internal topic to create at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InternalTopicSpec {
    /// Resolved name, `<application.id>-<name>-repartition`.
    pub(crate) name: String,
    /// Partition count.
    pub(crate) partitions: u32,
}

impl Topology {
    fn topics(&self) -> BTreeSet<&TopicName> {
        self.nodes
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Source { topic, .. } => Some(topic),
                NodeKind::Sink {
                    target: SinkTarget::Fixed(topic),
                } => Some(topic),
                _ => None,
            })
            .collect()
    }

    /// The sub-topologies, ordered by id, with their resolved source topics
    /// and task counts.
    pub(crate) fn subtopology_specs(&self, application_id: &str) -> Vec<SubtopologySpec> {
        self.subtopologies
            .iter()
            .map(|sub| {
                let mut source_topics = Vec::new();
                let mut partitions = 0;
                for &i in &sub.nodes {
                    if let NodeKind::Source { topic, .. } = &self.nodes[i].kind {
                        source_topics.push(topic.resolve(application_id));
                        partitions =
                            partitions.max(self.partitions.get(&topic.name).copied().unwrap_or(0));
                    }
                }
                source_topics.sort();
                SubtopologySpec {
                    id: sub.id,
                    source_topics,
                    partitions,
                }
            })
            .collect()
    }

    /// Internal topics (repartition topics) to create at start-up, sorted by name.
    pub(crate) fn internal_topics(&self, application_id: &str) -> Vec<InternalTopicSpec> {
        self.topics()
            .into_iter()
            .filter(|t| t.internal)
            .map(|t| InternalTopicSpec {
                name: t.resolve(application_id),
                partitions: self.partitions.get(&t.name).copied().unwrap_or(1),
            })
            .collect()
    }

    /// User (non-internal) topics read or written, with the partition count
    /// declared in their `Topic` type, sorted by name: the runtime checks
    /// them against the broker.
    pub(crate) fn user_topic_partitions(&self) -> Vec<(String, u32)> {
        self.topics()
            .into_iter()
            .filter(|t| !t.internal)
            .map(|t| {
                (
                    t.name.clone(),
                    self.partitions.get(&t.name).copied().unwrap_or(0),
                )
            })
            .collect()
    }

    /// Partition count of a resolved topic name, if the topology knows it.
    pub(crate) fn partition_count(&self, application_id: &str, resolved: &str) -> Option<u32> {
        self.topics()
            .into_iter()
            .find(|t| t.resolve(application_id) == resolved)
            .and_then(|t| self.partitions.get(&t.name).copied())
    }
}
