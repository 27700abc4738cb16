//! `StateUpdater`: restores a stream thread's RESTORING tasks from inside
//! its poll loop, in bounded steps, as Kafka Streams' `DefaultStateUpdater`
//! (which runs on a thread of its own; ours shares the stream thread, as
//! Kafka Streams did before the state updater, when the stream thread's
//! loop called `TaskManager.tryToCompleteRestoration` and so
//! `StoreChangelogReader.restore`).
//!
//! A task whose stores are logged starts RESTORING: it is created in the
//! rebalance callback (cheap: stores opened, nothing read), its input
//! partitions are paused on the main consumer, and every iteration of the
//! thread's loop hands [`StateUpdater::restore`] a budget of
//! `restore.consumer.max.poll.records` records and [`RESTORE_TIME_PER_ITERATION`].
//! Between those steps the thread polls (so the group sees it alive and
//! `max.poll.interval.ms` is never exceeded because of a restore),
//! processes and commits its RUNNING tasks. Tasks are restored one after
//! the other, in task-id order (new ones only arrive with an assignment,
//! after the revocation closed the restoring ones, so the order never
//! changes under a task mid-way); a step that finishes one goes on with
//! the next within the same budget, and a task with nothing to restore
//! (its checkpoint at the changelog's end) never waits for the others.
//!
//! Owns: which tasks are restoring and how far each got. Must never: touch
//! the main consumer (the task manager pauses and resumes partitions), or
//! let a task process before its restoration completed.

use std::collections::BTreeMap;
use std::time::Duration;

use super::changelog_reader::{RestoreBudget, TaskRestore, TaskStateSupport};
use super::task::StreamTask;
use crate::processor::TaskId;
use crate::Result;

/// How long one loop iteration may spend restoring at most.
pub(crate) const RESTORE_TIME_PER_ITERATION: Duration = Duration::from_millis(100);

/// The RESTORING tasks of one stream thread and their progress.
#[derive(Default)]
pub(crate) struct StateUpdater {
    restoring: BTreeMap<TaskId, TaskRestore>,
}

impl StateUpdater {
    /// Starts restoring `task` (from its checkpoint) on the next steps.
    pub(crate) fn add(&mut self, task: &StreamTask) {
        self.restoring.insert(task.id(), TaskRestore::new(task));
    }

    /// Whether any task is restoring.
    pub(crate) fn has_restoring(&self) -> bool {
        !self.restoring.is_empty()
    }

    /// One bounded step over the restoring tasks (in id order, each found
    /// in `tasks`), of at most `support.records_per_iteration` records;
    /// returns the tasks whose stores caught up, which are no longer
    /// restoring here.
    pub(crate) fn restore(
        &mut self,
        tasks: &BTreeMap<TaskId, StreamTask>,
        support: &TaskStateSupport,
    ) -> Result<Vec<TaskId>> {
        let mut budget = RestoreBudget::new(
            support.records_per_iteration.max(1),
            RESTORE_TIME_PER_ITERATION,
        );
        // End offsets first, for every new task: one with nothing to
        // restore need not wait for the others.
        for (id, restore) in &mut self.restoring {
            if let Some(task) = tasks.get(id).filter(|_| !restore.is_prepared()) {
                support.prepare_restore(task, restore)?;
            }
        }
        let mut done = Vec::new();
        // Set once a task stops mid-way: it holds the restore consumer, and
        // the tasks after it wait (only completed ones still finish).
        let mut reading = false;
        for (id, restore) in &mut self.restoring {
            let Some(task) = tasks.get(id) else {
                continue;
            };
            if reading && !restore.is_complete() {
                continue;
            }
            if support.restore_step(task, restore, &mut budget)? {
                done.push(*id);
            } else {
                reading = true;
            }
        }
        for id in &done {
            self.restoring.remove(id);
        }
        Ok(done)
    }

    /// Stops restoring `task` (revoked, closed); with `checkpoint`, what it
    /// restored so far is checkpointed (see `changelog_reader`). Does
    /// nothing for a task that is not restoring.
    pub(crate) fn remove(
        &mut self,
        task: &StreamTask,
        support: &TaskStateSupport,
        checkpoint: bool,
    ) {
        if let Some(restore) = self.restoring.remove(&task.id()) {
            support.stop_restore(task, restore, checkpoint);
        }
    }
}
