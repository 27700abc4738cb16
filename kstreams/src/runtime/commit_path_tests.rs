//! The commit path of one stateful task (a `count` over 5 000 keys in
//! RocksDB behind a record cache), without Kafka: when its stores are
//! flushed and checkpointed (the rule in `state_manager`), and what a
//! commit costs (an ignored measurement that prints, run with
//! `cargo test -p kstreams --lib commit_cost -- --ignored --nocapture`).
//!
//! [`commit`] mirrors `TaskManager::commit` for one task, minus Kafka:
//! `prepare_commit`, then, under at-least-once, a checkpoint when due
//! with the changelog's end as the broker would report it. With
//! `every_commit` it does what kstreams did before the rule: flush the
//! stores on every commit (and checkpoint, under at-least-once), so the
//! measurement can compare both in one process, under the same load.

#![cfg(feature = "rocksdb")]

use std::time::{Duration, Instant};

use super::state_manager::{StateEnv, OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT};
use super::task::{StreamTask, TaskConfig};
use crate::dsl::{Materialized, StreamsBuilder, Topic};
use crate::processor::{ConsumedRecord, Headers, ProducedRecord, RecordCollector, TaskId};
use crate::serde::I64;
use crate::topology::Topology;
use crate::Result;

const EVENTS: Topic<String, String, 1> = Topic::new("events");
const KEYS: usize = 5_000;
const TASK: TaskId = TaskId {
    subtopology: 0,
    partition: 0,
};

/// Counts the changelog records (their offsets, as the broker would give).
#[derive(Default)]
struct Changelog {
    records: i64,
}

impl RecordCollector for Changelog {
    fn send(&mut self, record: ProducedRecord) -> Result<()> {
        if record.topic.ends_with("-changelog") {
            self.records += 1;
        }
        Ok(())
    }
    fn partition_count(&mut self, _topic: &str) -> Result<i32> {
        Ok(1)
    }
}

fn counting() -> Topology {
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .count_with(Materialized::<String, I64>::as_("counts"));
    b.build().expect("topology")
}

fn task_config() -> TaskConfig {
    TaskConfig {
        application_id: "cost".into(),
        max_task_idle_ms: 0,
        buffered_records_per_partition: usize::MAX,
        errors: Default::default(),
        node_settings: Default::default(),
        thread_id: "t".into(),
    }
}

fn open(topology: &Topology, env: &StateEnv) -> StreamTask {
    let task = StreamTask::new(TASK, topology, &task_config(), env).expect("task");
    task.state().restoration_done().expect("restoration done");
    task
}

/// One commit of `task`, as the task manager does it (`every_commit`: as
/// it did before the checkpoint rule).
fn commit(task: &mut StreamTask, eos: bool, every_commit: bool, changelog: &mut Changelog) {
    task.prepare_commit(changelog).expect("prepare_commit");
    task.post_commit();
    let end = changelog.records - 1;
    match (eos, every_commit) {
        (true, false) => {}
        // Flushed, and no offsets to checkpoint: what an exactly-once commit did.
        (true, true) => {
            task.state()
                .maybe_checkpoint(true, |_| Ok(None))
                .expect("flush");
        }
        (false, enforce) => {
            task.state()
                .maybe_checkpoint(enforce, |_| Ok(Some(end)))
                .expect("checkpoint");
        }
    }
}

/// What a run did.
struct Run {
    commits: usize,
    average_commit: Duration,
    changelog_records: i64,
    store_flushes: u64,
    checkpoints: u64,
}

/// Processes `commits` × `per_commit` records (distinct keys within a
/// commit), committing after each batch; the task stays open.
fn run(
    task: &mut StreamTask,
    eos: bool,
    every_commit: bool,
    commits: usize,
    per_commit: usize,
) -> Run {
    let mut changelog = Changelog::default();
    let mut in_commits = Duration::ZERO;
    let mut offset = 0i64;
    for _ in 0..commits {
        for _ in 0..per_commit {
            // 7919 is prime to KEYS: consecutive offsets hit distinct keys.
            let key = format!("key-{}", (offset as usize * 7919) % KEYS);
            task.add_record(ConsumedRecord {
                topic: "events".into(),
                partition: 0,
                offset,
                timestamp: offset,
                key: Some(key.into_bytes()),
                value: Some(b"v".to_vec()),
                headers: Headers::default(),
            });
            offset += 1;
            assert!(task.process(0, &mut changelog).expect("process"));
        }
        let started = Instant::now();
        commit(task, eos, every_commit, &mut changelog);
        in_commits += started.elapsed();
    }
    let maintenance = task.state().maintenance();
    Run {
        commits,
        average_commit: in_commits / commits.max(1) as u32,
        changelog_records: changelog.records,
        store_flushes: maintenance.store_flushes(),
        checkpoints: maintenance.checkpoints(),
    }
}

#[test]
fn at_least_once_flushes_and_checkpoints_every_10_000_changelog_records() {
    let (topology, env) = (counting(), StateEnv::temporary(1 << 20));
    let mut task = open(&topology, &env);
    let run = run(&mut task, false, false, 50, 500);
    assert_eq!(run.changelog_records, 25_000);
    // 500 records a commit: due after the 21st commit (10 500 > 10 000)
    // and the 42nd, not on the other 48.
    assert_eq!(OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT, 10_000);
    assert_eq!((run.store_flushes, run.checkpoints), (2, 2));
    assert!(run.store_flushes < run.commits as u64);
    let checkpoint = crate::state::task_dir(&env.state_dir, "cost", &TASK.to_string());
    let text = std::fs::read_to_string(checkpoint.join(".checkpoint")).expect("checkpoint");
    assert!(text.ends_with("cost-counts-changelog 0 20999\n"), "{text}");
    task.close(true);
    env.remove_dir();
}

#[test]
fn exactly_once_flushes_and_checkpoints_only_on_a_clean_close() {
    let (topology, env) = (
        counting(),
        StateEnv {
            eos: true,
            ..StateEnv::temporary(1 << 20)
        },
    );
    let mut task = open(&topology, &env);
    let run = run(&mut task, true, false, 50, 500);
    assert_eq!((run.store_flushes, run.checkpoints), (0, 0));
    let dir = crate::state::task_dir(&env.state_dir, "cost", &TASK.to_string());
    assert!(
        !dir.join(".checkpoint").exists(),
        "no checkpoint while an exactly-once task runs"
    );
    // A clean close (the task manager enforces the checkpoint).
    assert!(task
        .state()
        .maybe_checkpoint(true, |_| Ok(Some(24_999)))
        .expect("checkpoint"));
    assert_eq!(task.state().maintenance().store_flushes(), 1);
    task.close(true);
    // The reopened task resumes from the checkpoint, with its data on disk.
    let reopened = StreamTask::new(TASK, &topology, &task_config(), &env).expect("reopen");
    let logged = reopened.state().logged_stores();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].checkpointed, Some(24_999));
    drop(reopened);
    env.remove_dir();
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn commit_cost() {
    const COMMITS: usize = 200;
    const PER_COMMIT: usize = 500;
    const ROUNDS: usize = 3;
    for eos in [false, true] {
        let guarantee = if eos {
            "exactly_once_v2"
        } else {
            "at_least_once"
        };
        // Rounds alternate both ways so that both see the same machine load.
        let mut averages = [Vec::new(), Vec::new()];
        for _ in 0..ROUNDS {
            for (way, every_commit) in [true, false].into_iter().enumerate() {
                let topology = counting();
                let env = StateEnv {
                    eos,
                    ..StateEnv::temporary(1 << 20)
                };
                let mut task = open(&topology, &env);
                let run = run(&mut task, eos, every_commit, COMMITS, PER_COMMIT);
                task.close(true);
                env.remove_dir();
                // Every commit writes each key touched since the last one down once.
                assert_eq!(run.changelog_records, (COMMITS * PER_COMMIT) as i64);
                averages[way].push(run.average_commit.as_secs_f64() * 1e3);
                println!(
                    "commit_cost {guarantee} {}: {:.3} ms per commit ({} store flushes, {} checkpoints in {} commits)",
                    if every_commit { "before (flush every commit)" } else { "after (checkpoint rule)" },
                    run.average_commit.as_secs_f64() * 1e3,
                    run.store_flushes,
                    run.checkpoints,
                    run.commits,
                );
            }
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (before, after) = (median(&mut averages[0]), median(&mut averages[1]));
        println!(
            "commit_cost {guarantee}: {COMMITS} commits of {PER_COMMIT} records over {KEYS} keys, \
             median of {ROUNDS}: before {before:.3} ms, after {after:.3} ms per commit"
        );
    }
}
