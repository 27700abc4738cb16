//! A measurement, not a test of behaviour: the cost of the commit path of
//! one stateful task (a `count` over 5 000 keys in RocksDB behind a record
//! cache), per commit, under both guarantees. Run with
//! `cargo test -p kstreams --lib commit_cost -- --ignored --nocapture`;
//! it prints the average and asserts only that the counts are right.
//!
//! The commit step mirrors `TaskManager::commit` for one task, minus
//! Kafka: `prepare_commit`, then what follows a successful commit.

use std::time::{Duration, Instant};

use super::state_manager::StateEnv;
use super::task::{StreamTask, TaskConfig};
use crate::dsl::{Materialized, StreamsBuilder, Topic};
use crate::processor::{ConsumedRecord, Headers, ProducedRecord, RecordCollector, TaskId};
use crate::serde::I64;
use crate::state::{ChangelogPartition, CheckpointOffsets};
use crate::Result;

const EVENTS: Topic<String, String, 1> = Topic::new("events");
const COMMITS: usize = 300;
const RECORDS_PER_COMMIT: usize = 500;
const KEYS: usize = 5_000;

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

/// One commit of `task`, as the task manager does it (the offsets are
/// "sent" by the caller's imagination).
fn commit(task: &mut StreamTask, eos: bool, changelog: &mut Changelog) {
    task.prepare_commit(changelog).expect("prepare_commit");
    task.post_commit();
    if !eos {
        let offsets: CheckpointOffsets = [(
            ChangelogPartition {
                topic: "cost-counts-changelog".into(),
                partition: 0,
            },
            changelog.records - 1,
        )]
        .into();
        task.state().write_checkpoint(&offsets).expect("checkpoint");
    }
}

fn run(eos: bool) -> (Duration, i64) {
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .count_with(Materialized::<String, I64>::as_("counts"));
    let topology = b.build().expect("topology");
    let env = StateEnv {
        eos,
        ..StateEnv::temporary(1 << 20)
    };
    let config = TaskConfig {
        application_id: "cost".into(),
        max_task_idle_ms: 0,
        buffered_records_per_partition: usize::MAX,
        errors: Default::default(),
        node_settings: Default::default(),
    };
    let id = TaskId {
        subtopology: 0,
        partition: 0,
    };
    let mut task = StreamTask::new(id, &topology, &config, &env).expect("task");
    let mut changelog = Changelog::default();
    let mut in_commits = Duration::ZERO;
    let mut offset = 0i64;
    for _ in 0..COMMITS {
        for _ in 0..RECORDS_PER_COMMIT {
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
        commit(&mut task, eos, &mut changelog);
        in_commits += started.elapsed();
    }
    task.close(true);
    env.remove_dir();
    (in_commits / COMMITS as u32, changelog.records)
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn commit_cost() {
    for eos in [false, true] {
        let (average, changelog_records) = run(eos);
        let guarantee = if eos { "exactly_once_v2" } else { "at_least_once" };
        println!(
            "commit_cost {guarantee}: {COMMITS} commits of {RECORDS_PER_COMMIT} records over {KEYS} keys: \
             {:.3} ms per commit on average ({changelog_records} changelog records)",
            average.as_secs_f64() * 1e3
        );
        // Every commit writes each key touched since the last one down once.
        let touched = RECORDS_PER_COMMIT.min(KEYS) as i64;
        assert_eq!(changelog_records, COMMITS as i64 * touched);
    }
}
