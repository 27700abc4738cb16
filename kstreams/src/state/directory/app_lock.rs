//! The application-level lock: `<state.dir>/<application.id>/.lock`, held
//! with an exclusive OS file lock (`flock(2)` on Unix, `LockFileEx` on
//! Windows) by the one `KafkaStreams` instance that uses the directory, as
//! Kafka Streams' `StateDirectory.lockStateDirectory`.
//!
//! The OS drops the lock when the file is closed, so it goes away on
//! `close()`, when the instance is dropped, and when its process dies
//! (even by `kill -9`): a restarted instance never finds a stale lock. The
//! lock is per open file, not per process, so a second instance in the same
//! process is refused too.
//!
//! Must never: delete the lock file (another instance may be waiting on
//! the same inode), or block waiting for the lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The lock file's name, as in Kafka Streams.
pub(crate) const LOCK_FILE_NAME: &str = ".lock";

/// The lock on one application's state directory; released on drop.
#[derive(Debug)]
pub(crate) struct StateDirLock {
    dir: PathBuf,
    /// Open for as long as the lock is held: closing it releases the lock.
    file: File,
}

impl StateDirLock {
    /// Locks `app_dir` (`<state.dir>/<application.id>`), creating it if
    /// needed. Fails with [`Error::StateDirLocked`] at once if another
    /// instance holds it.
    pub(crate) fn acquire(app_dir: &Path) -> Result<StateDirLock> {
        std::fs::create_dir_all(app_dir).map_err(|e| {
            Error::io(
                format!("creating the state directory {}", app_dir.display()),
                e,
            )
        })?;
        let path = app_dir.join(LOCK_FILE_NAME);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(format!("opening the lock file {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => Ok(StateDirLock {
                dir: app_dir.to_owned(),
                file,
            }),
            Err(TryLockError::WouldBlock) => Err(Error::StateDirLocked {
                dir: std::path::absolute(app_dir).unwrap_or_else(|_| app_dir.to_owned()),
            }),
            Err(TryLockError::Error(e)) => Err(Error::io(
                format!("locking the state directory {}", app_dir.display()),
                e,
            )),
        }
    }
}

impl Drop for StateDirLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first says so.
        if let Err(e) = self.file.unlock() {
            tracing::warn!(dir = %self.dir.display(), error = %e, "unlocking the state directory failed; it is released when the file closes");
        }
        tracing::debug!(dir = %self.dir.display(), "state directory unlocked");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Set to a directory: the test process becomes a lock holder that
    /// locks it, says so on stdout, and sleeps until it is killed.
    const CHILD_ENV: &str = "KSTREAMS_TEST_HOLD_STATE_DIR_LOCK";

    #[test]
    fn a_second_lock_fails_naming_the_directory_until_the_first_is_dropped() {
        let root = tempfile::tempdir().expect("tempdir");
        let app_dir = root.path().join("payments");
        let first = StateDirLock::acquire(&app_dir).expect("first lock");
        assert_eq!(first.dir, app_dir);
        assert!(app_dir.join(LOCK_FILE_NAME).is_file());

        let err = StateDirLock::acquire(&app_dir).expect_err("a second lock must fail");
        assert!(
            matches!(&err, Error::StateDirLocked { dir } if *dir == app_dir),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains(&app_dir.display().to_string()), "{text}");
        assert!(
            text.contains("give each instance its own `state.dir`"),
            "{text}"
        );

        drop(first);
        let again = StateDirLock::acquire(&app_dir).expect("released on drop");
        assert!(
            app_dir.join(LOCK_FILE_NAME).is_file(),
            "the lock file stays"
        );
        drop(again);
    }

    #[test]
    fn other_applications_in_the_same_state_dir_are_not_locked() {
        let root = tempfile::tempdir().expect("tempdir");
        let _a = StateDirLock::acquire(&root.path().join("app-a")).expect("a");
        let _b = StateDirLock::acquire(&root.path().join("app-b")).expect("b");
    }

    /// Not a test on its own: the body of the child process of
    /// `a_lock_held_by_a_killed_process_is_released`.
    #[test]
    fn hold_lock_in_child_process() {
        let Some(dir) = std::env::var_os(CHILD_ENV) else {
            return;
        };
        let _lock = StateDirLock::acquire(Path::new(&dir)).expect("child lock");
        // libtest prints the test name first, on the same line.
        println!("STATE-DIR-LOCKED");
        std::thread::sleep(std::time::Duration::from_secs(120));
    }

    #[test]
    fn a_lock_held_by_a_killed_process_is_released() {
        use std::io::{BufRead, BufReader};
        let root = tempfile::tempdir().expect("tempdir");
        let app_dir = root.path().join("app");
        let exe = std::env::current_exe().expect("test binary");
        let mut child = std::process::Command::new(exe)
            .args([
                "--exact",
                "state::directory::app_lock::tests::hold_lock_in_child_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &app_dir)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn the lock holder");
        let stdout = child.stdout.take().expect("child stdout");
        let locked = BufReader::new(stdout)
            .lines()
            .map_while(|l| l.ok())
            .any(|l| l.contains("STATE-DIR-LOCKED"));
        assert!(locked, "the child did not take the lock");

        let err = StateDirLock::acquire(&app_dir).expect_err("held by the child");
        assert!(matches!(err, Error::StateDirLocked { .. }), "{err:?}");

        child.kill().expect("SIGKILL the holder");
        child.wait().expect("reap the holder");
        StateDirLock::acquire(&app_dir).expect("the OS released the dead holder's lock");
    }
}
