//! Task directories in use by this instance, and the removal of the ones
//! it no longer owns: Kafka Streams' `StateDirectory.lock(TaskId)` and
//! `cleanRemovedTasks(cleanupDelayMs)`.
//!
//! A task's directory (`<app dir>/<sub-topology>_<partition>/`) stays on
//! disk when the task moves to another instance, so that it can come back
//! cheaply. After `state.cleanup.delay.ms` without being used, the cleaner
//! deletes it.
//!
//! Invariants:
//! - a directory locked here (its task open on one of this instance's
//!   threads) is never deleted: locking and deleting take the same mutex,
//!   and a thread locks a task's directory before creating or opening it;
//! - a directory is deleted only if it was last modified more than the
//!   delay ago; releasing a lock stamps the directory's modification time,
//!   so the delay counts from when the task was last owned (RocksDB writes
//!   into sub-directories, which leave the task directory's time alone);
//! - only names of the form `<digits>_<digits>` are considered: the global
//!   stores' `global/`, the lock file and the process metadata stay.
//!
//! Other instances cannot use this application directory at the same time
//! (`app_lock`), so an in-process registry is enough.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// The task directories this instance's threads have open (a count per
/// directory, for the cleaner: a standby and the cleaner's checks hold it
/// too), and which task owns each one's stores ([`TaskDirLocks::own`]).
#[derive(Debug, Default)]
pub(crate) struct TaskDirLocks {
    locked: Mutex<HashMap<PathBuf, usize>>,
    /// Directories whose stores a task of this instance has open: one
    /// owner at a time (Java's `StateDirectory.lock(TaskId)`, which one
    /// stream thread holds).
    owned: Mutex<HashSet<PathBuf>>,
    released: Condvar,
}

/// Exclusive use of a task directory's stores by one task of this
/// instance, which also keeps the cleaner away ([`TaskDirLock`]);
/// released on drop.
#[derive(Debug)]
pub(crate) struct TaskDirOwner {
    locks: Arc<TaskDirLocks>,
    dir: PathBuf,
    /// Dropped after the ownership: the directory is stamped as last used
    /// when the task let it go.
    _in_use: TaskDirLock,
}

impl Drop for TaskDirOwner {
    fn drop(&mut self) {
        let mut owned = self.locks.owned.lock().unwrap_or_else(|p| p.into_inner());
        owned.remove(&self.dir);
        drop(owned);
        self.locks.released.notify_all();
    }
}

/// A task directory in use; unlocked (and its time stamped) on drop.
#[derive(Debug)]
pub(crate) struct TaskDirLock {
    locks: Arc<TaskDirLocks>,
    dir: PathBuf,
}

/// Whether `name` is a task directory's name: `<sub-topology>_<partition>`.
fn is_task_dir_name(name: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    name.split_once('_')
        .is_some_and(|(sub, partition)| digits(sub) && digits(partition))
}

impl TaskDirLocks {
    fn guard(&self) -> MutexGuard<'_, HashMap<PathBuf, usize>> {
        self.locked.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes `task_dir` for one task's stores, waiting up to `timeout`
    /// while another task of this instance still has them: in a
    /// rebalance, a task that moves between two stream threads of one
    /// instance may be opened by its new thread before its old thread has
    /// closed it (each thread closes its revoked tasks before it opens new
    /// ones, so the wait ends). Returns the time waited if it times out.
    pub(crate) fn own(
        self: &Arc<Self>,
        task_dir: &Path,
        timeout: Duration,
    ) -> std::result::Result<TaskDirOwner, Duration> {
        let started = Instant::now();
        let mut owned = self.owned.lock().unwrap_or_else(|p| p.into_inner());
        while owned.contains(task_dir) {
            let waited = started.elapsed();
            let Some(left) = timeout.checked_sub(waited) else {
                return Err(waited);
            };
            owned = self
                .released
                .wait_timeout(owned, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        owned.insert(task_dir.to_owned());
        drop(owned);
        Ok(TaskDirOwner {
            locks: self.clone(),
            dir: task_dir.to_owned(),
            _in_use: self.lock(task_dir),
        })
    }

    /// Marks `task_dir` in use until the returned lock is dropped. Waits
    /// while the cleaner is deleting a directory.
    pub(crate) fn lock(self: &Arc<Self>, task_dir: &Path) -> TaskDirLock {
        *self.guard().entry(task_dir.to_owned()).or_insert(0) += 1;
        TaskDirLock {
            locks: self.clone(),
            dir: task_dir.to_owned(),
        }
    }

    /// Deletes the task directories under `app_dir` that no thread of this
    /// instance has locked and that were last modified more than `delay`
    /// before `now`. Returns what it deleted; failures are logged, not
    /// returned (the next round tries again), as Java swallows them.
    pub(crate) fn clean_removed_tasks(
        &self,
        app_dir: &Path,
        delay: Duration,
        now: SystemTime,
    ) -> Vec<PathBuf> {
        let entries = match std::fs::read_dir(app_dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
            Err(e) => {
                tracing::warn!(dir = %app_dir.display(), error = %e, "listing the state directory for cleanup failed");
                return Vec::new();
            }
        };
        let mut removed = Vec::new();
        for entry in entries.flatten() {
            let dir = entry.path();
            let is_task = entry.file_name().to_str().is_some_and(is_task_dir_name);
            if !is_task || !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            // Held while deleting: no thread opens this task meanwhile.
            let locked = self.guard();
            if locked.contains_key(&dir) {
                continue;
            }
            let idle = std::fs::metadata(&dir)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| now.duration_since(modified).ok());
            match idle {
                Some(idle) if idle > delay => {}
                _ => continue,
            }
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => {
                    tracing::info!(dir = %dir.display(), idle_ms = idle.map_or(0, |d| d.as_millis()), cleanup_delay_ms = delay.as_millis(), "deleted the state of a task this instance no longer owns");
                    removed.push(dir);
                }
                Err(e) => {
                    tracing::warn!(dir = %dir.display(), error = %e, "deleting an obsolete task state directory failed; retrying later");
                }
            }
            drop(locked);
        }
        removed
    }
}

impl Drop for TaskDirLock {
    fn drop(&mut self) {
        let mut locked = self.locks.guard();
        let Some(count) = locked.get_mut(&self.dir) else {
            return;
        };
        *count -= 1;
        if *count > 0 {
            return;
        }
        locked.remove(&self.dir);
        // Stamped before the cleaner can see the directory unlocked.
        let stamped =
            std::fs::File::open(&self.dir).and_then(|d| d.set_modified(SystemTime::now()));
        match stamped {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::debug!(dir = %self.dir.display(), error = %e, "could not stamp the task directory's modification time");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn modified(dir: &Path) -> SystemTime {
        std::fs::metadata(dir)
            .and_then(|m| m.modified())
            .expect("mtime")
    }

    #[test]
    fn a_task_dir_has_one_owner_and_the_next_waits_for_its_release() {
        let locks = Arc::new(TaskDirLocks::default());
        let dir = Path::new("/state/app/0_4");
        let first = locks.own(dir, MINUTE).expect("free");
        // Held: a second owner times out, saying how long it waited.
        let waited = locks.own(dir, Duration::from_millis(50)).unwrap_err();
        assert!(waited >= Duration::from_millis(50), "{waited:?}");
        // Another task's directory is independent.
        let other = locks.own(Path::new("/state/app/0_5"), Duration::ZERO);
        assert!(other.is_ok());
        // Released by another thread while the second one waits.
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(first);
        });
        let started = Instant::now();
        let second = locks.own(dir, MINUTE);
        assert!(second.is_ok());
        assert!(started.elapsed() >= Duration::from_millis(90));
        releaser.join().expect("releaser");
    }

    #[test]
    fn task_dir_names() {
        assert!(is_task_dir_name("0_3"));
        assert!(is_task_dir_name("12_140"));
        for other in ["global", "0_", "_3", "0-3", "a_1", "0_3_1", ".lock"] {
            assert!(!is_task_dir_name(other), "{other}");
        }
    }

    #[test]
    fn a_stale_task_dir_is_removed_only_after_the_delay() {
        let root = tempfile::tempdir().expect("tempdir");
        let app = root.path().join("app");
        let stale = app.join("0_1");
        std::fs::create_dir_all(stale.join("rocksdb").join("counts")).expect("mkdir");
        let locks = Arc::new(TaskDirLocks::default());
        let since = modified(&stale);
        let delay = 10 * MINUTE;

        let early = locks.clean_removed_tasks(&app, delay, since + delay - Duration::from_secs(1));
        assert!(early.is_empty(), "{early:?}");
        let at_delay = locks.clean_removed_tasks(&app, delay, since + delay);
        assert!(
            at_delay.is_empty(),
            "removed when the delay is not yet exceeded: {at_delay:?}"
        );
        assert!(stale.is_dir());

        let later = locks.clean_removed_tasks(&app, delay, since + delay + Duration::from_secs(1));
        assert_eq!(later, vec![stale.clone()]);
        assert!(!stale.exists());
    }

    #[test]
    fn an_owned_task_dir_and_other_entries_are_never_removed() {
        let root = tempfile::tempdir().expect("tempdir");
        let app = root.path().join("app");
        let (owned, stale) = (app.join("0_0"), app.join("1_0"));
        for dir in [&owned, &stale, &app.join("global")] {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(app.join(".lock"), b"").expect("lock file");
        std::fs::write(app.join("2_0"), b"a file, not a task dir").expect("file");
        let locks = Arc::new(TaskDirLocks::default());
        let lock = locks.lock(&owned);

        let far = SystemTime::now() + 1000 * MINUTE;
        assert_eq!(locks.clean_removed_tasks(&app, MINUTE, far), vec![stale]);
        assert!(owned.is_dir(), "an owned task's state was deleted");
        assert!(
            app.join("global").is_dir() && app.join(".lock").is_file() && app.join("2_0").is_file()
        );

        // Released: the delay counts from the release.
        drop(lock);
        let released = modified(&owned);
        assert!(locks
            .clean_removed_tasks(&app, MINUTE, released + MINUTE)
            .is_empty());
        assert_eq!(locks.clean_removed_tasks(&app, MINUTE, far), vec![owned]);
    }

    #[test]
    fn a_dir_locked_twice_stays_locked_until_both_locks_are_released() {
        let root = tempfile::tempdir().expect("tempdir");
        let app = root.path().join("app");
        let dir = app.join("0_7");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let locks = Arc::new(TaskDirLocks::default());
        let (closing, opening) = (locks.lock(&dir), locks.lock(&dir));
        drop(closing);
        let far = SystemTime::now() + 1000 * MINUTE;
        assert!(locks.clean_removed_tasks(&app, MINUTE, far).is_empty());
        drop(opening);
        assert_eq!(locks.clean_removed_tasks(&app, MINUTE, far), vec![dir]);
    }

    #[test]
    fn releasing_stamps_the_modification_time() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("app").join("0_2");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let old = SystemTime::now() - 60 * MINUTE;
        std::fs::File::open(&dir)
            .and_then(|d| d.set_modified(old))
            .expect("backdate");
        let locks = Arc::new(TaskDirLocks::default());
        drop(locks.lock(&dir));
        assert!(modified(&dir) > old + 59 * MINUTE);
    }
}
