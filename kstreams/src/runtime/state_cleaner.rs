//! The state directory cleaner: a small thread per `KafkaStreams` instance
//! that deletes the directories of tasks this instance no longer owns once
//! they have been unused for `state.cleanup.delay.ms`, as Kafka Streams'
//! `stateDirCleaner` (which runs `StateDirectory.cleanRemovedTasks`).
//!
//! It checks every `min(delay, 1 min)` (at least every 100 ms), only while
//! the instance is RUNNING (during a rebalance a task may be on its way
//! back), and leaves the directories the stream threads have locked
//! (`state::TaskDirLocks`). It exits as soon as the instance leaves
//! CREATED / REBALANCING / RUNNING.
//!
//! Must never: touch a task directory itself; the deletion, and what may be
//! deleted, belong to `state::TaskDirLocks::clean_removed_tasks`.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use super::client::ClientShared;
use super::state::State;
use crate::state::TaskDirLocks;
use crate::{Error, Result};

/// The longest pause between two checks.
const MAX_CHECK_INTERVAL: Duration = Duration::from_secs(60);
/// The shortest (for a delay of 0).
const MIN_CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// What the cleaner thread needs.
pub(crate) struct StateDirCleaner {
    pub(crate) name: String,
    /// `<state.dir>/<application.id>`.
    pub(crate) app_dir: PathBuf,
    pub(crate) delay: Duration,
    pub(crate) task_dirs: Arc<TaskDirLocks>,
    pub(crate) client: Arc<ClientShared>,
}

impl StateDirCleaner {
    /// Starts the thread.
    pub(crate) fn spawn(self) -> Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name(self.name.clone())
            .spawn(move || self.run())
            .map_err(|e| Error::io("spawning the state directory cleaner", e))
    }

    fn run(self) {
        let interval = self.delay.clamp(MIN_CHECK_INTERVAL, MAX_CHECK_INTERVAL);
        let stopping =
            |s: State| !matches!(s, State::Created | State::Rebalancing | State::Running);
        loop {
            if self.client.wait_for(interval, stopping) {
                break;
            }
            if self.client.state() == State::Running {
                self.task_dirs
                    .clean_removed_tasks(&self.app_dir, self.delay, SystemTime::now());
            }
        }
        tracing::debug!(thread = %self.name, "state directory cleaner exited");
    }
}
