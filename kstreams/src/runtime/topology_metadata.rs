//! What the Kafka runtime needs to know about a [`Topology`]: its
//! sub-topologies with their resolved source and sink topics, the internal
//! topics to create, and the partition counts the user declared.
//!
//! [`TopologyMetadata::from_topology`] is the one place that reads the
//! processing side's `Topology` (its `runtime_view`); everything else here
//! is runtime logic: start-up validation of user topics, internal topic
//! specs, and the task set of an assignment.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::kafka::admin::InternalTopicSpec;
use crate::processor::TaskId;
use crate::topology::Topology;
use crate::{Error, Result};

/// One sub-topology, with resolved topic names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubtopologyInfo {
    pub(crate) id: u32,
    pub(crate) source_topics: Vec<String>,
}

/// The runtime's view of a topology.
#[derive(Debug, Clone, Default)]
pub(crate) struct TopologyMetadata {
    pub(crate) subtopologies: Vec<SubtopologyInfo>,
    /// Internal (repartition) topics, resolved names, with their partition count.
    pub(crate) internal_topics: Vec<(String, i32)>,
    /// User topics read or written by fixed sinks, with the partition count
    /// declared in their `Topic` type (if any).
    pub(crate) user_topics: Vec<(String, Option<i32>)>,
    /// Topics of global tables (read by the global thread, whatever their
    /// partition count).
    pub(crate) global_topics: Vec<String>,
    /// Actual partition counts of every source topic, filled at start-up.
    pub(crate) partition_counts: HashMap<String, i32>,
}

impl TopologyMetadata {
    /// Reads the topology.
    pub(crate) fn from_topology(topology: &Topology, application_id: &str) -> Result<Self> {
        let count = |n: u32, topic: &str| {
            i32::try_from(n).map_err(|_| {
                Error::Topology(format!("topic `{topic}`: partition count {n} is too large"))
            })
        };
        let subtopologies = topology
            .subtopology_specs(application_id)
            .into_iter()
            .map(|s| SubtopologyInfo {
                id: s.id,
                source_topics: s.source_topics,
            })
            .collect();
        let internal_topics = topology
            .internal_topics(application_id)
            .into_iter()
            .map(|t| Ok((t.name.clone(), count(t.partitions, &t.name)?)))
            .collect::<Result<_>>()?;
        let user_topics = topology
            .user_topic_partitions()
            .into_iter()
            .map(|(t, n)| {
                Ok(((n > 0).then(|| count(n, &t)).transpose()?)
                    .map_or((t.clone(), None), |n| (t, Some(n))))
            })
            .collect::<Result<_>>()?;
        Ok(TopologyMetadata {
            subtopologies,
            internal_topics,
            user_topics,
            global_topics: topology.global_source_topics(),
            partition_counts: HashMap::new(),
        })
    }

    /// Every topic the stream threads subscribe to (user and internal), sorted.
    pub(crate) fn source_topics(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self
            .subtopologies
            .iter()
            .flat_map(|s| &s.source_topics)
            .collect();
        set.into_iter().cloned().collect()
    }

    /// Names of the user topics.
    pub(crate) fn user_topic_names(&self) -> Vec<String> {
        self.user_topics.iter().map(|(t, _)| t.clone()).collect()
    }

    /// Checks user topics against the cluster (`existing`: partition counts
    /// of the topics that exist) and their declared partition counts.
    pub(crate) fn validate_user_topics(
        &self,
        existing: &HashMap<String, i32>,
        bootstrap: &str,
    ) -> Result<()> {
        let sources = self.source_topics();
        let mut problems = Vec::new();
        for (topic, declared) in &self.user_topics {
            let global = self.global_topics.contains(topic);
            let role = if global {
                "global table"
            } else if sources.contains(topic) {
                "source"
            } else {
                "sink"
            };
            match (existing.get(topic), declared) {
                (None, _) => {
                    let partitions = declared.unwrap_or(1);
                    problems.push(format!(
                        "{role} topic `{topic}` does not exist; create it first, e.g. `kafka-topics.sh --bootstrap-server {bootstrap} --create --topic {topic} --partitions {partitions}`"
                    ));
                }
                // A global table reads all partitions, however many.
                (Some(actual), Some(declared)) if actual != declared && !global => problems.push(format!(
                    "{role} topic `{topic}` has {actual} partitions but the topology declares {declared}; fix the declaration or the topic"
                )),
                _ => {}
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Topic(problems.join("; ")))
        }
    }

    /// The internal topics to create, with Kafka Streams' repartition topic configs.
    pub(crate) fn internal_topic_specs(&self) -> Vec<InternalTopicSpec> {
        self.internal_topics
            .iter()
            .map(|(name, partitions)| InternalTopicSpec {
                name: name.clone(),
                partitions: *partitions,
                configs: vec![
                    ("cleanup.policy", "delete".to_owned()),
                    ("retention.ms", "-1".to_owned()),
                    ("segment.bytes", "52428800".to_owned()),
                ],
            })
            .collect()
    }

    /// The tasks of an assignment: (sub-topology, partition) pairs whose
    /// source partitions are all assigned (range assignment gives partition
    /// *i* of co-partitioned topics to the same member).
    pub(crate) fn tasks_for(&self, assigned: &[(String, i32)]) -> Vec<TaskId> {
        let assigned: HashSet<(&str, i32)> =
            assigned.iter().map(|(t, p)| (t.as_str(), *p)).collect();
        let mut tasks = BTreeSet::new();
        for sub in &self.subtopologies {
            let candidates: BTreeSet<i32> = assigned
                .iter()
                .filter(|(t, _)| sub.source_topics.iter().any(|s| s == t))
                .map(|(_, p)| *p)
                .collect();
            for p in candidates {
                let complete = sub.source_topics.iter().all(|t| {
                    let has_partition = self.partition_counts.get(t).is_none_or(|n| p < *n);
                    !has_partition || assigned.contains(&(t.as_str(), p))
                });
                if complete {
                    tasks.insert(TaskId {
                        subtopology: sub.id,
                        partition: p,
                    });
                }
            }
        }
        tasks.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_stage() -> TopologyMetadata {
        TopologyMetadata {
            subtopologies: vec![
                SubtopologyInfo {
                    id: 0,
                    source_topics: vec!["in".into()],
                },
                SubtopologyInfo {
                    id: 1,
                    source_topics: vec!["app-r-repartition".into(), "other".into()],
                },
            ],
            internal_topics: vec![("app-r-repartition".into(), 4)],
            user_topics: vec![
                ("in".into(), Some(4)),
                ("other".into(), None),
                ("out".into(), None),
            ],
            global_topics: Vec::new(),
            partition_counts: HashMap::new(),
        }
    }

    #[test]
    fn missing_and_misdeclared_topics_are_named() {
        let m = two_stage();
        let err = m
            .validate_user_topics(&HashMap::from([("in".to_owned(), 3)]), "b:9092")
            .expect_err("invalid");
        let msg = err.to_string();
        assert!(msg.contains("source topic `other` does not exist"), "{msg}");
        assert!(msg.contains("sink topic `out` does not exist"), "{msg}");
        assert!(
            msg.contains("`in` has 3 partitions but the topology declares 4"),
            "{msg}"
        );
    }

    #[test]
    fn a_task_needs_all_its_source_partitions() {
        let mut m = two_stage();
        m.partition_counts = HashMap::from([
            ("in".into(), 4),
            ("other".into(), 4),
            ("app-r-repartition".into(), 4),
        ]);
        let tasks = m.tasks_for(&[
            ("in".into(), 1),
            ("app-r-repartition".into(), 1),
            ("other".into(), 1),
            ("other".into(), 2),
        ]);
        assert_eq!(
            tasks,
            vec![
                TaskId {
                    subtopology: 0,
                    partition: 1
                },
                TaskId {
                    subtopology: 1,
                    partition: 1
                }
            ]
        );
    }
}
