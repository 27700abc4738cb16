//! The on-disk layout of local state, as Kafka Streams' `StateDirectory`:
//! `<state.dir>/<application.id>/` per application instance, holding the
//! lock file `.lock` ([`app_lock`]), the process metadata, `global/` and
//! `<task id>/` per task, which holds `rocksdb/<store>/` per persistent
//! store and the task's `.checkpoint`.
//!
//! Owns: path construction, the application-level lock ([`app_lock`]),
//! the in-process locks of task directories and the removal of those no
//! longer owned ([`cleaner`]), and wiping a task's directory. Must never:
//! open stores, or wipe a directory whose stores are still open (the
//! caller closes them first).

mod app_lock;
mod cleaner;

use std::path::{Path, PathBuf};

pub(crate) use app_lock::StateDirLock;
pub(crate) use cleaner::{TaskDirLocks, TaskDirOwner};

use crate::error::{Error, Result};

/// Where the state of `application_id` lives under `state_dir`.
pub(crate) fn app_dir(state_dir: &Path, application_id: &str) -> PathBuf {
    state_dir.join(application_id)
}

/// Where task `task_id` (e.g. `0_3`: sub-topology 0, partition 3) of
/// `application_id` keeps its state under `state_dir`.
pub(crate) fn task_dir(state_dir: &Path, application_id: &str, task_id: &str) -> PathBuf {
    app_dir(state_dir, application_id).join(task_id)
}

/// Where RocksDB store `store` of the task in `task_dir` lives.
#[cfg(any(test, feature = "rocksdb"))]
pub(super) fn rocksdb_store_dir(task_dir: &Path, store: &str) -> PathBuf {
    task_dir.join("rocksdb").join(store)
}

/// Deletes everything under `task_dir` and leaves it empty, so every store
/// of the task is rebuilt from its changelog. Used after an exactly-once
/// crash when the task has no valid checkpoint. Close the task's stores
/// first. A missing directory is not an error.
pub(crate) fn wipe_task_dir(task_dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(task_dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Error::io(
                format!("wiping task state {}", task_dir.display()),
                e,
            ))
        }
    }
    std::fs::create_dir_all(task_dir)
        .map_err(|e| Error::io(format!("recreating task state {}", task_dir.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_wipe() {
        let root = tempfile::tempdir().expect("tempdir");
        let task = task_dir(root.path(), "payments", "0_3");
        assert_eq!(task, root.path().join("payments").join("0_3"));
        let store = rocksdb_store_dir(&task, "counts");
        std::fs::create_dir_all(&store).expect("mkdir");
        std::fs::write(store.join("CURRENT"), b"x").expect("write");
        wipe_task_dir(&task).expect("wipe");
        assert!(task.is_dir());
        assert!(!store.exists());
        wipe_task_dir(&root.path().join("missing")).expect("wiping a missing dir is fine");
    }
}
