//! The standby plan at scale, simulated without a broker: groups of up to
//! 1 000 instances over 10 000 tasks, assigned by [`range_assign`], with
//! an instance leaving and one joining. Run with `--nocapture` to read the
//! figures; the assertions are the plan's invariants.

use std::collections::{BTreeMap, BTreeSet};

use super::process::process_of;
use super::standby::assign_by_range;
use super::{plan_standbys, PlanMember, StandbyPlan};
use crate::processor::TaskId;

const APP: &str = "sim";
const TOPIC: &str = "in";

/// splitmix64: a seeded, dependency-free generator of ids.
struct Ids(u64);

impl Ids {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }

    /// The members of a new instance with `threads` stream threads.
    fn instance(&mut self, threads: usize) -> Vec<PlanMember> {
        let process = self.uuid();
        (1..=threads)
            .map(|t| {
                let client_id = format!("{APP}-{process}-StreamThread-{t}-consumer");
                PlanMember {
                    member_id: format!("{client_id}-{}", self.uuid()),
                    group_instance_id: None,
                    process: process_of(&client_id, APP).expect("kstreams client id"),
                    assignment: Vec::new(),
                }
            })
            .collect()
    }
}

/// One topic, sub-topology 0: partition `p` is task `0_p`.
fn tasks_of(parts: &[(String, i32)]) -> BTreeSet<TaskId> {
    parts
        .iter()
        .map(|(_, p)| TaskId {
            subtopology: 0,
            partition: *p,
        })
        .collect()
}

/// One task in ten is stateless.
fn stateful(task: TaskId) -> bool {
    task.partition % 10 != 9
}

/// `members` with the assignment the range assignor gives them.
fn assigned(mut members: Vec<PlanMember>, counts: &BTreeMap<String, i32>) -> Vec<PlanMember> {
    assign_by_range(&mut members, counts);
    members
}

fn plan(members: &[PlanMember], counts: &BTreeMap<String, i32>, n: usize) -> StandbyPlan {
    plan_standbys(members, counts, &tasks_of, &stateful, n)
}

/// Task → active process.
fn actives(members: &[PlanMember]) -> BTreeMap<TaskId, String> {
    members
        .iter()
        .flat_map(|m| {
            tasks_of(&m.assignment)
                .into_iter()
                .map(|t| (t, m.process.clone()))
        })
        .collect()
}

/// (process, task) standby pairs.
fn pairs(plan: &StandbyPlan) -> BTreeSet<(String, TaskId)> {
    plan.tasks()
        .flat_map(|(t, ps)| ps.iter().map(move |p| (p.clone(), t)))
        .collect()
}

/// Checks the invariants; returns (min, max) actives and standbys per process.
fn check(members: &[PlanMember], plan: &StandbyPlan, n: usize) -> ((usize, usize), (usize, usize)) {
    let active = actives(members);
    let processes: BTreeSet<&str> = members.iter().map(|m| m.process.as_str()).collect();
    for (task, process) in &active {
        let standbys = plan.standby_processes(*task);
        let expected = if stateful(*task) {
            n.min(processes.len() - 1)
        } else {
            0
        };
        assert_eq!(standbys.len(), expected, "standbys of {task}");
        assert!(!standbys.contains(process), "{task}: standby on its active");
        let distinct: BTreeSet<&String> = standbys.iter().collect();
        assert_eq!(
            distinct.len(),
            standbys.len(),
            "{task}: twice on one process"
        );
    }
    let mut a: BTreeMap<&str, usize> = processes.iter().map(|p| (*p, 0)).collect();
    let mut s = a.clone();
    for process in active.values() {
        *a.entry(process).or_default() += 1;
    }
    for process in &processes {
        *s.entry(process).or_default() += plan.standbys_of(process).len();
    }
    let span = |m: &BTreeMap<&str, usize>| {
        (
            m.values().copied().min().unwrap_or(0),
            m.values().copied().max().unwrap_or(0),
        )
    };
    (span(&a), span(&s))
}

/// Simulates `instances` instances of `threads` threads over `tasks` tasks.
fn scenario(instances: usize, threads: usize, tasks: i32, n: usize, seed: u64) {
    let counts: BTreeMap<String, i32> = [(TOPIC.to_owned(), tasks)].into();
    let mut ids = Ids(seed);
    let group = assigned(
        (0..instances).flat_map(|_| ids.instance(threads)).collect(),
        &counts,
    );
    let base = plan(&group, &counts, n);
    let (a, s) = check(&group, &base, n);
    let idle = group
        .iter()
        .map(|m| m.process.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|p| base.standbys_of(p).is_empty())
        .count();
    println!(
        "{instances} instances x {threads} threads, {tasks} tasks, num_standbys={n}: \
         actives/instance {}..{}, standbys/instance {}..{} ({idle} instances hold none)",
        a.0, a.1, s.0, s.1
    );

    // Determinism: the same group in another order.
    let mut shuffled = group.clone();
    shuffled.reverse();
    shuffled.rotate_left(group.len() / 3);
    assert_eq!(
        plan(&shuffled, &counts, n),
        base,
        "plan depends on member order"
    );

    // Instances leave, one at a time from the base group.
    let before = actives(&group);
    let processes: Vec<String> = group
        .iter()
        .map(|m| m.process.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let leaving: Vec<&String> = processes.iter().step_by(processes.len() / 6 + 1).collect();
    let (mut warm, mut failed_over) = (0, 0);
    let (mut moved, mut moved_warm) = (0, 0);
    for gone in &leaving {
        let rest = assigned(
            group
                .iter()
                .filter(|m| &m.process != *gone)
                .cloned()
                .collect(),
            &counts,
        );
        let after = actives(&rest);
        for (task, process) in before.iter().filter(|(t, _)| stateful(**t)) {
            let owner = &after[task];
            let has_standby = base.standby_processes(*task).contains(owner);
            if process == *gone {
                failed_over += 1;
                // The first standby, exactly: where the prediction put it.
                warm += usize::from(base.standby_processes(*task).first() == Some(owner));
            } else if owner != process {
                moved += 1;
                moved_warm += usize::from(has_standby);
            }
        }
    }
    println!(
        "  leave ({} runs): its stateful actives landing on their first standby {warm}/{failed_over} \
         ({:.1} %); other stateful actives moved {moved}, {moved_warm} of them onto a standby",
        leaving.len(),
        100.0 * warm as f64 / failed_over.max(1) as f64,
    );
    assert_eq!(warm, failed_over, "a failed-over task missed its standby");
    // What one leave (an instance mid-order) moves.
    let middle = &processes[processes.len() / 2];
    let rest = group.iter().filter(|m| &m.process != middle).cloned();
    report_change("one leave", &before, &base, rest.collect(), &counts, n);

    if n >= 2 {
        // The active's and first standby's instances fail together: the
        // task lands on the second standby.
        let gone = leaving[0];
        let mut by_first: BTreeMap<String, Vec<TaskId>> = BTreeMap::new();
        for (task, _) in before.iter().filter(|(t, p)| *p == gone && stateful(**t)) {
            let standbys = base.standby_processes(*task);
            by_first.entry(standbys[0].clone()).or_default().push(*task);
        }
        for (first, tasks) in by_first {
            let rest = assigned(
                group
                    .iter()
                    .filter(|m| &m.process != gone && m.process != first)
                    .cloned()
                    .collect(),
                &counts,
            );
            let after = actives(&rest);
            for task in tasks {
                assert_eq!(Some(&after[&task]), base.standby_processes(task).get(1));
            }
        }
    }

    // One instance joins.
    let joined = group.iter().cloned().chain(ids.instance(threads));
    report_change("one join", &before, &base, joined.collect(), &counts, n);
}

/// Assigns `members` (the group after a change), plans, checks, and prints
/// how many actives moved and how many standbys are new compared with
/// `before` and `base`.
fn report_change(
    label: &str,
    before: &BTreeMap<TaskId, String>,
    base: &StandbyPlan,
    members: Vec<PlanMember>,
    counts: &BTreeMap<String, i32>,
    n: usize,
) {
    let members = assigned(members, counts);
    let after = actives(&members);
    let replanned = plan(&members, counts, n);
    check(&members, &replanned, n);
    let moved = before.iter().filter(|(t, p)| after.get(t) != Some(p));
    println!(
        "  {label}: actives moved {}, standbys placed anew {} (of {})",
        moved.count(),
        pairs(&replanned).difference(&pairs(base)).count(),
        pairs(&replanned).len(),
    );
}

#[test]
fn standby_plan_at_scale() {
    for n in [1, 2] {
        scenario(1_000, 1, 10_000, n, 7);
        scenario(100, 2, 2_000, n, 11);
    }
    scenario(3, 2, 10, 2, 13);
    scenario(2, 1, 10, 1, 17);
}
