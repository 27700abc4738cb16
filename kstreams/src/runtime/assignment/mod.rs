//! Standby task planning for a group assigned by librdkafka's `range`
//! assignor.
//!
//! Kafka Streams places standby replicas (`num.standby.replicas`) in its
//! own assignor and tells each member through userdata. librdkafka has no
//! pluggable assignor and no member userdata, so every kstreams instance
//! plans standbys itself, from the group description (`kafka::group`), and
//! all of them reach the same plan because the plan is a pure function of
//! the set of members and their assignments:
//!
//! - `process`: which instance a member is (from its client id);
//! - `range`: librdkafka's range assignor, exactly, to predict owners;
//! - `standby`: the rule: a task's standby sits on the instance the range
//!   assignor would give the task to if the active's instance left (the
//!   `k`-th one: if the first `k - 1` standby instances left too).
//!
//! Must never: talk to Kafka, or keep state between plans. The runtime
//! that keeps standby stores up to date lives elsewhere.

pub(crate) mod process;
pub(crate) mod range;
#[cfg(test)]
mod simulation;
pub(crate) mod standby;

use std::collections::{BTreeMap, BTreeSet};

pub(crate) use process::process_key;
pub(crate) use standby::{plan_standbys, PlanMember, StandbyPlan};

use super::topology_metadata::TopologyMetadata;
use crate::kafka::group::GroupDescription;
use crate::topology::Topology;

/// The standby plan of a described group, or `None` unless the group is
/// `Stable` (during a rebalance the assignments are in flux: keep the
/// previous plan). Members are keyed by [`process_key`]; a task is
/// stateful if its sub-topology has a logged store; partition counts are
/// `metadata`'s (filled at start-up), for the topics the threads subscribe to.
pub(crate) fn plan_from_description(
    desc: &GroupDescription,
    application_id: &str,
    topology: &Topology,
    metadata: &TopologyMetadata,
    num_standbys: usize,
) -> Option<StandbyPlan> {
    if desc.state != "Stable" {
        return None;
    }
    let members: Vec<PlanMember> = desc
        .members
        .iter()
        .map(|m| PlanMember {
            member_id: m.member_id.clone(),
            group_instance_id: m.group_instance_id.clone(),
            process: process_key(&m.client_id, application_id),
            assignment: m.assignment.clone(),
        })
        .collect();
    let partition_counts: BTreeMap<String, i32> = metadata
        .source_topics()
        .into_iter()
        .filter_map(|t| metadata.partition_counts.get(&t).map(|n| (t, *n)))
        .collect();
    let logged: BTreeSet<u32> = metadata
        .subtopologies
        .iter()
        .filter(|s| topology.stores_of(s.id).0.iter().any(|f| f.logged()))
        .map(|s| s.id)
        .collect();
    Some(plan_standbys(
        &members,
        &partition_counts,
        &|parts| metadata.tasks_for(parts).into_iter().collect(),
        &|task| logged.contains(&task.subtopology),
        num_standbys,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::{Materialized, StreamsBuilder, Topic};
    use crate::kafka::group::GroupMember;
    use crate::runtime::assignment::range::{range_assign, RangeMember};
    use crate::serde::I64;

    const EVENTS: Topic<String, String, 4> = Topic::new("events");
    const CLICKS: Topic<String, String, 4> = Topic::new("clicks");
    const OUT: Topic<String, String, 4> = Topic::new("out");

    #[test]
    fn plans_standbys_of_logged_subtopologies_from_a_description() {
        let b = StreamsBuilder::new();
        b.stream(EVENTS)
            .group_by_key()
            .count_with(Materialized::<String, I64>::as_("counts").in_memory());
        b.stream(CLICKS).to(OUT);
        let topology = b.build().expect("topology");
        let mut metadata = TopologyMetadata::from_topology(&topology, "app").expect("metadata");
        metadata.partition_counts = [("events".to_owned(), 4), ("clicks".to_owned(), 4)].into();
        let counting = metadata
            .subtopologies
            .iter()
            .find(|s| s.source_topics == ["events"])
            .map(|s| s.id)
            .expect("counting sub-topology");

        let processes = [
            "00000000-0000-0000-0000-000000000001",
            "00000000-0000-0000-0000-000000000002",
        ];
        let client_id = |p: &str| format!("app-{p}-StreamThread-1-consumer");
        let range: Vec<RangeMember> = processes
            .iter()
            .map(|p| RangeMember {
                member_id: format!("{}-m", client_id(p)),
                group_instance_id: None,
            })
            .collect();
        let counts: BTreeMap<String, i32> = metadata
            .partition_counts
            .iter()
            .map(|(t, n)| (t.clone(), *n))
            .collect();
        let mut assignment = range_assign(&range, &counts);
        let mut desc = GroupDescription {
            state: "Stable".to_owned(),
            members: processes
                .iter()
                .map(|p| GroupMember {
                    member_id: format!("{}-m", client_id(p)),
                    group_instance_id: None,
                    client_id: client_id(p),
                    assignment: assignment
                        .remove(&format!("{}-m", client_id(p)))
                        .unwrap_or_default(),
                })
                .collect(),
        };
        let plan = plan_from_description(&desc, "app", &topology, &metadata, 1).expect("stable");
        let [first, second] = processes;
        let stateful = |p: &str| -> Vec<i32> {
            plan.standbys_of(p)
                .iter()
                .inspect(|t| assert_eq!(t.subtopology, counting, "a stateless task got a standby"))
                .map(|t| t.partition)
                .collect()
        };
        assert_eq!(stateful(first), [2, 3]);
        assert_eq!(stateful(second), [0, 1]);

        desc.state = "PreparingRebalance".to_owned();
        assert_eq!(
            plan_from_description(&desc, "app", &topology, &metadata, 1),
            None
        );
    }
}
