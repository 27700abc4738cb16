//! Standby placement: the `StandbyPlan` every instance computes alone,
//! deterministically, from the same group description.
//!
//! Kafka Streams' `StandbyTaskAssignor`s (`ClientTagAwareStandbyTaskAssignor`,
//! `DefaultStandbyTaskAssignor` in `streams/.../processor/internals/assignment/`)
//! place standbys when the leader computes the assignment and ship them in
//! member userdata. librdkafka has neither a pluggable assignor nor
//! userdata, so here a standby goes where the task *will land*: the
//! `k`-th standby of a task whose active runs on process `A` is the process
//! whose member librdkafka's range assignor ([`super::range`]) would give
//! the task if `A` and the first `k - 1` standby processes all left the
//! group, their members' ids being the only change (members that stay
//! rejoin an eager rebalance with their member id). When `A` dies, the
//! task thus moves to a process that already holds its warm stores.
//!
//! Invariants, by construction: a standby is never on its active's
//! process, a process never holds two copies of a task, only stateful
//! tasks with exactly one active process get standbys, and the plan
//! depends only on the set of members (not their order). If no member
//! remains to predict, the task has fewer standbys (one instance: none).
//!
//! Must never: talk to Kafka or read a topology; the caller passes the
//! task mapping (`tasks_of`) and the `stateful` test as closures.

use std::collections::{BTreeMap, BTreeSet};

use super::range::{is_mixed, sort_like_range, TopicRange};
use crate::processor::TaskId;

/// The tasks whose source partitions all lie in a set of (topic,
/// partition)s (`TopologyMetadata::tasks_for` in production).
pub(crate) type TasksOf<'a> = dyn Fn(&[(String, i32)]) -> BTreeSet<TaskId> + 'a;

/// A member of the group, as the standby planner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlanMember {
    /// The broker-given member id (orders members for the range assignor).
    pub(crate) member_id: String,
    /// `group.instance.id`, for static members.
    pub(crate) group_instance_id: Option<String>,
    /// The instance (process id) this member is a stream thread of.
    pub(crate) process: String,
    /// The member's actual assigned (topic, partition)s.
    pub(crate) assignment: Vec<(String, i32)>,
}

/// Which process keeps a standby of which task.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StandbyPlan {
    by_process: BTreeMap<String, BTreeSet<TaskId>>,
    /// Standby processes of each task, first standby first.
    by_task: BTreeMap<TaskId, Vec<String>>,
}

impl StandbyPlan {
    /// The tasks `process` keeps standbys of.
    pub(crate) fn standbys_of(&self, process: &str) -> BTreeSet<TaskId> {
        self.by_process.get(process).cloned().unwrap_or_default()
    }

    /// The processes keeping a standby of `task`, in failover order: the
    /// first is where `task` lands if its active process leaves.
    pub(crate) fn standby_processes(&self, task: TaskId) -> Vec<String> {
        self.by_task.get(&task).cloned().unwrap_or_default()
    }

    /// Every (task, standby processes) pair, tasks in order.
    #[cfg(test)]
    pub(crate) fn tasks(&self) -> impl Iterator<Item = (TaskId, &[String])> {
        self.by_task.iter().map(|(t, p)| (*t, p.as_slice()))
    }

    fn add(&mut self, task: TaskId, process: &str) {
        self.by_process
            .entry(process.to_owned())
            .or_default()
            .insert(task);
        self.by_task
            .entry(task)
            .or_default()
            .push(process.to_owned());
    }
}

/// Plans `num_standbys` standbys of every stateful task of `group`.
///
/// `partition_counts` holds the partition count of every topic the members
/// subscribe to (all members subscribe to all of them); `tasks_of` gives
/// the tasks whose source partitions all lie in a set of partitions
/// (`TopologyMetadata::tasks_for` in production); `stateful` tells which
/// tasks have stores worth keeping warm. Actives are read from the
/// members' actual assignments; a task active on two processes (a group
/// in flux) gets no standby.
pub(crate) fn plan_standbys(
    group: &[PlanMember],
    partition_counts: &BTreeMap<String, i32>,
    tasks_of: &TasksOf<'_>,
    stateful: &dyn Fn(TaskId) -> bool,
    num_standbys: usize,
) -> StandbyPlan {
    let mut plan = StandbyPlan::default();
    if num_standbys == 0 {
        return plan;
    }
    let mut members: Vec<&PlanMember> = group.iter().collect();
    sort_like_range(&mut members, ids);
    let mixed = is_mixed(&members, |m| m.group_instance_id.as_deref());

    // Active process of each stateful task (`None`: ambiguous), the
    // partitions each process holds, and where its members sort.
    let mut active: BTreeMap<TaskId, Option<&str>> = BTreeMap::new();
    let mut held: BTreeMap<&str, Vec<(String, i32)>> = BTreeMap::new();
    let mut positions: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (position, m) in members.iter().enumerate() {
        let process = m.process.as_str();
        positions.entry(process).or_default().push(position);
        for task in tasks_of(&m.assignment).into_iter().filter(|t| stateful(*t)) {
            active
                .entry(task)
                .and_modify(|a| *a = a.filter(|a| *a == process))
                .or_insert(Some(process));
        }
        held.entry(process)
            .or_default()
            .extend(m.assignment.iter().cloned());
    }

    // Tasks still to place, keyed by the processes presumed gone: the
    // active first, then the standbys placed so far.
    let mut pending: BTreeMap<Vec<&str>, BTreeSet<TaskId>> = BTreeMap::new();
    for (task, process) in &active {
        if let Some(process) = process {
            pending.entry(vec![*process]).or_default().insert(*task);
        }
    }
    for _ in 0..num_standbys {
        let mut next: BTreeMap<Vec<&str>, BTreeSet<TaskId>> = BTreeMap::new();
        for (gone, tasks) in &pending {
            let survivors = if mixed {
                let mut left: Vec<&PlanMember> = members
                    .iter()
                    .filter(|m| !gone.contains(&m.process.as_str()))
                    .copied()
                    .collect();
                sort_like_range(&mut left, ids);
                Survivors::Sorted(left)
            } else {
                let mut skipped: Vec<usize> = gone
                    .iter()
                    .filter_map(|p| positions.get(p))
                    .flatten()
                    .copied()
                    .collect();
                skipped.sort_unstable();
                Survivors::Skip {
                    members: &members,
                    skipped,
                }
            };
            let partitions = gone
                .first()
                .and_then(|active| held.get(active))
                .map_or(&[][..], Vec::as_slice);
            for (process, landed) in
                landing(&survivors, partition_counts, partitions, tasks_of, tasks)
            {
                for task in landed {
                    plan.add(task, process);
                    let mut gone = gone.clone();
                    gone.push(process);
                    next.entry(gone).or_default().insert(task);
                }
            }
        }
        pending = next;
    }
    plan
}

/// A member's (member id, group instance id), for [`sort_like_range`].
fn ids<'a>(m: &'a &PlanMember) -> (&'a str, Option<&'a str>) {
    (m.member_id.as_str(), m.group_instance_id.as_deref())
}

/// The members left, in range order, when some processes are gone.
enum Survivors<'m, 'a> {
    /// Sorted `members` but those at the (ascending) positions `skipped`:
    /// unless the group mixes static and dynamic members, removing members
    /// keeps the order of the others (and costs no copy of the group).
    Skip {
        members: &'m [&'a PlanMember],
        skipped: Vec<usize>,
    },
    /// The members left, sorted again.
    Sorted(Vec<&'a PlanMember>),
}

impl<'a> Survivors<'_, 'a> {
    fn len(&self) -> usize {
        match self {
            Survivors::Skip { members, skipped } => members.len().saturating_sub(skipped.len()),
            Survivors::Sorted(members) => members.len(),
        }
    }

    /// The member at `index` in range order.
    fn get(&self, index: usize) -> Option<&'a PlanMember> {
        match self {
            Survivors::Skip { members, skipped } => {
                let mut position = index;
                for &s in skipped {
                    if s > position {
                        break;
                    }
                    position += 1;
                }
                members.get(position).copied()
            }
            Survivors::Sorted(members) => members.get(index).copied(),
        }
    }
}

/// Where `tasks` (whose source partitions are among `partitions`) land when
/// the range assignor runs over `survivors`: (process, tasks).
fn landing<'a>(
    survivors: &Survivors<'_, 'a>,
    partition_counts: &BTreeMap<String, i32>,
    partitions: &[(String, i32)],
    tasks_of: &TasksOf<'_>,
    tasks: &BTreeSet<TaskId>,
) -> Vec<(&'a str, BTreeSet<TaskId>)> {
    let mut by_member: BTreeMap<usize, Vec<(String, i32)>> = BTreeMap::new();
    for (topic, partition) in partitions {
        let Some(&count) = partition_counts.get(topic) else {
            continue;
        };
        if let Some(owner) = TopicRange::new(survivors.len(), count).owner_of(*partition) {
            by_member
                .entry(owner)
                .or_default()
                .push((topic.clone(), *partition));
        }
    }
    by_member
        .into_iter()
        .filter_map(|(owner, parts)| {
            let landed: BTreeSet<TaskId> = tasks_of(&parts)
                .into_iter()
                .filter(|t| tasks.contains(t))
                .collect();
            let member = survivors.get(owner)?;
            (!landed.is_empty()).then_some((member.process.as_str(), landed))
        })
        .collect()
}

/// Gives `members` the assignment librdkafka's range assignor computes.
#[cfg(test)]
pub(super) fn assign_by_range(
    members: &mut [PlanMember],
    partition_counts: &BTreeMap<String, i32>,
) {
    use super::range::{range_assign, RangeMember};
    let range: Vec<RangeMember> = members
        .iter()
        .map(|m| RangeMember {
            member_id: m.member_id.clone(),
            group_instance_id: m.group_instance_id.clone(),
        })
        .collect();
    let mut assigned = range_assign(&range, partition_counts);
    for m in members {
        m.assignment = assigned.remove(&m.member_id).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two co-partitioned topics `a`, `b` → sub-topology 0; topic `c` → 1.
    fn tasks_of(parts: &[(String, i32)]) -> BTreeSet<TaskId> {
        let has = |t: &str, p: i32| parts.iter().any(|(x, q)| x == t && *q == p);
        let mut out = BTreeSet::new();
        for (_, p) in parts {
            if has("a", *p) && has("b", *p) {
                out.insert(TaskId {
                    subtopology: 0,
                    partition: *p,
                });
            }
            if has("c", *p) {
                out.insert(TaskId {
                    subtopology: 1,
                    partition: *p,
                });
            }
        }
        out
    }

    /// `threads` members per process, assigned by the range assignor;
    /// processes in `statics` have a `group.instance.id` that sorts them in
    /// reverse (`p3` before `p1`).
    fn group(
        processes: &[&str],
        statics: &[&str],
        threads: usize,
        counts: &BTreeMap<String, i32>,
    ) -> Vec<PlanMember> {
        let mut members: Vec<PlanMember> = processes
            .iter()
            .flat_map(|p| {
                let rank = 10 - p.trim_start_matches('p').parse::<u32>().unwrap_or(0);
                let is_static = statics.contains(p);
                (1..=threads).map(move |t| PlanMember {
                    member_id: format!("app-{p}-StreamThread-{t}-consumer-{t}{p}"),
                    group_instance_id: is_static.then(|| format!("i-{rank}-{t}")),
                    process: (*p).to_owned(),
                    assignment: Vec::new(),
                })
            })
            .collect();
        assign_by_range(&mut members, counts);
        members
    }

    fn counts() -> BTreeMap<String, i32> {
        [("a", 6), ("b", 6), ("c", 4)]
            .map(|(t, n)| (t.to_owned(), n))
            .into()
    }

    #[test]
    fn a_standby_sits_where_the_task_lands_when_its_active_leaves() {
        let counts = counts();
        let all = ["p1", "p2", "p3", "p4"];
        for statics in [&[][..], &all[..], &["p2", "p3"][..], &["p1"][..]] {
            let members = group(&all, statics, 2, &counts);
            let plan = plan_standbys(&members, &counts, &tasks_of, &|_| true, 1);
            for process in all {
                // The same members (same ids) but `process`'s, assigned anew.
                let others: Vec<&str> = all.into_iter().filter(|p| *p != process).collect();
                let survivors = group(&others, statics, 2, &counts);
                let actives = members.iter().filter(|m| m.process == process);
                for task in actives.flat_map(|m| tasks_of(&m.assignment)) {
                    let lands = survivors
                        .iter()
                        .find(|m| tasks_of(&m.assignment).contains(&task))
                        .map(|m| m.process.clone());
                    assert_eq!(
                        plan.standby_processes(task),
                        Vec::from_iter(lands),
                        "{task}, static: {statics:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn stateless_tasks_and_single_instances_get_no_standby() {
        let counts = counts();
        let members = group(&["p1", "p2"], &[], 1, &counts);
        let plan = plan_standbys(&members, &counts, &tasks_of, &|t| t.subtopology == 0, 3);
        for (task, processes) in plan.tasks() {
            assert_eq!(task.subtopology, 0);
            assert_eq!(processes.len(), 1, "only one other process");
        }
        assert_eq!(plan.tasks().count(), 6);
        let alone = group(&["p1"], &[], 2, &counts);
        assert_eq!(
            plan_standbys(&alone, &counts, &tasks_of, &|_| true, 1),
            StandbyPlan::default()
        );
        assert_eq!(
            plan_standbys(&members, &counts, &tasks_of, &|_| true, 0),
            StandbyPlan::default()
        );
    }

    #[test]
    fn a_task_active_twice_gets_no_standby() {
        let counts = counts();
        let mut members = group(&["p1", "p2", "p3"], &[], 1, &counts);
        let stolen = members[0].assignment.clone();
        members[1].assignment.extend(stolen.clone());
        let plan = plan_standbys(&members, &counts, &tasks_of, &|_| true, 1);
        for task in tasks_of(&stolen) {
            assert!(plan.standby_processes(task).is_empty());
        }
        assert!(plan.tasks().count() > 0);
    }
}
