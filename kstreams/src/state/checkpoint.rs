//! [`Checkpoint`]: the task's `.checkpoint` file, changelog partition →
//! offset, in Kafka Streams' `OffsetCheckpoint` text format (version `0`,
//! entry count, then `topic partition offset` lines), so a Java-literate
//! operator can read it.
//!
//! Owns: reading, atomically writing (temp file, fsync, rename, fsync of
//! the directory) and deleting the file. Must never: decide *when* to
//! checkpoint (the runtime: every 10 000 changelog records under
//! at-least-once, on a clean close under both guarantees, always after
//! flushing the stores).
//!
//! An offset is that of the last changelog record reflected in the store;
//! restoration resumes at `offset + 1`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

const VERSION: &str = "0";

/// A changelog topic partition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChangelogPartition {
    /// The changelog topic, `<application.id>-<store>-changelog`.
    pub topic: String,
    /// The partition (the task's input partition).
    pub partition: i32,
}

/// Checkpointed offsets of one task.
pub(crate) type CheckpointOffsets = BTreeMap<ChangelogPartition, i64>;

/// The `.checkpoint` file in a task directory.
#[derive(Debug, Clone)]
pub(crate) struct Checkpoint {
    path: PathBuf,
}

impl Checkpoint {
    /// The file name inside the task directory.
    pub(crate) const FILE_NAME: &'static str = ".checkpoint";

    /// The checkpoint of the task whose state directory is `task_dir`.
    pub(crate) fn for_task(task_dir: &Path) -> Self {
        Self {
            path: task_dir.join(Self::FILE_NAME),
        }
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the offsets; a missing file reads as no offsets.
    pub(crate) fn read(&self) -> Result<CheckpointOffsets> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(Error::io(format!("reading {}", self.path.display()), e)),
        };
        parse(&text).map_err(|why| {
            let message = format!("{why}; delete the file to restore from the changelog");
            Error::io(
                format!("reading {}", self.path.display()),
                std::io::Error::new(std::io::ErrorKind::InvalidData, message),
            )
        })
    }

    /// Replaces the file with `offsets`, atomically: readers see the old or
    /// the new file, never a torn one.
    pub(crate) fn write(&self, offsets: &CheckpointOffsets) -> Result<()> {
        let context = || format!("writing {}", self.path.display());
        let mut text = format!("{VERSION}\n{}\n", offsets.len());
        for (tp, offset) in offsets {
            text.push_str(&format!("{} {} {offset}\n", tp.topic, tp.partition));
        }
        let tmp = self.path.with_extension("tmp");
        let mut file = std::fs::File::create(&tmp).map_err(|e| Error::io(context(), e))?;
        file.write_all(text.as_bytes())
            .map_err(|e| Error::io(context(), e))?;
        file.sync_all().map_err(|e| Error::io(context(), e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| Error::io(context(), e))?;
        if let Some(dir) = self.path.parent() {
            // Makes the rename itself durable.
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| Error::io(context(), e))?;
        }
        Ok(())
    }

    /// Deletes the file (under exactly-once, when a task starts processing:
    /// a crash from now on leaves no checkpoint, so the state is wiped).
    pub(crate) fn delete(&self) -> Result<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(format!("deleting {}", self.path.display()), e)),
        }
    }
}

fn parse(text: &str) -> std::result::Result<CheckpointOffsets, String> {
    let mut lines = text.lines();
    match lines.next() {
        Some(VERSION) => {}
        other => {
            return Err(format!(
                "unsupported checkpoint version {other:?}, expected {VERSION}"
            ))
        }
    }
    let count: usize = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or("missing entry count")?;
    let mut offsets = BTreeMap::new();
    for line in lines.by_ref().take(count) {
        let mut parts = line.rsplitn(3, ' ');
        let (Some(offset), Some(partition), Some(topic)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("malformed line {line:?}"));
        };
        let offset = offset
            .parse::<i64>()
            .map_err(|_| format!("bad offset in {line:?}"))?;
        let partition = partition
            .parse::<i32>()
            .map_err(|_| format!("bad partition in {line:?}"))?;
        offsets.insert(
            ChangelogPartition {
                topic: topic.to_owned(),
                partition,
            },
            offset,
        );
    }
    if offsets.len() != count {
        return Err(format!("expected {count} entries, found {}", offsets.len()));
    }
    Ok(offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_missing_and_delete() {
        let dir = tempfile::tempdir().expect("tempdir");
        let checkpoint = Checkpoint::for_task(dir.path());
        assert!(checkpoint.read().expect("missing reads empty").is_empty());
        let mut offsets = CheckpointOffsets::new();
        offsets.insert(
            ChangelogPartition {
                topic: "app-counts-changelog".into(),
                partition: 3,
            },
            41,
        );
        offsets.insert(
            ChangelogPartition {
                topic: "app-sums-changelog".into(),
                partition: 3,
            },
            7,
        );
        checkpoint.write(&offsets).expect("write");
        assert_eq!(checkpoint.read().expect("read"), offsets);
        let text = std::fs::read_to_string(checkpoint.path()).expect("text");
        assert!(
            text.starts_with("0\n2\napp-counts-changelog 3 41\n"),
            "{text}"
        );
        checkpoint.delete().expect("delete");
        checkpoint.delete().expect("deleting twice is fine");
        assert!(checkpoint.read().expect("read").is_empty());
    }

    #[test]
    fn corrupt_file_is_an_error_that_says_what_to_do() {
        let dir = tempfile::tempdir().expect("tempdir");
        let checkpoint = Checkpoint::for_task(dir.path());
        std::fs::write(checkpoint.path(), "0\n2\nt 0 5\n").expect("write");
        let error = checkpoint.read().expect_err("truncated file").to_string();
        assert!(error.contains("delete the file"), "{error}");
    }
}
