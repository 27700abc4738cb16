//! The process id of a kstreams instance, persisted in its state directory.
//!
//! `<state.dir>/<application.id>/kafka-streams-process-metadata` holds a
//! UUID created on first start. Stream thread *i*'s `transactional.id` is
//! `<application.id>-<process id>-<i>`, so:
//! - a restarted instance (same state dir) reuses its transactional ids and
//!   fences its own zombie at once, aborting the zombie's open transaction;
//! - two instances with different state dirs never fence each other;
//! - two live instances never share a process id: `KafkaStreams::start`
//!   locks the directory (`state::StateDirLock`), so the second instance on
//!   one directory fails before it creates a producer.
//!
//! Two clients created at once on a fresh directory agree on the id: the
//! file is published with `link(2)`, which fails if it exists, and the
//! loser reads the winner's id.

use std::fs;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The file name, as in Kafka Streams.
const FILE_NAME: &str = "kafka-streams-process-metadata";

#[derive(serde::Serialize, serde::Deserialize)]
struct ProcessMetadata {
    #[serde(rename = "processId")]
    process_id: String,
}

/// Reads the process id, creating (and persisting) a new one if absent.
pub(crate) fn load_or_create_process_id(state_dir: &Path, application_id: &str) -> Result<String> {
    let dir: PathBuf = state_dir.join(application_id);
    fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("creating the state directory {}", dir.display()), e))?;
    let path = dir.join(FILE_NAME);
    match fs::read_to_string(&path) {
        Ok(text) => parse(&path, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&dir, &path),
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
}

/// The id in the file at `path`, whose content is `text`.
fn parse(path: &Path, text: &str) -> Result<String> {
    let meta: ProcessMetadata = serde_json::from_str(text).map_err(|e| {
        Error::Config(format!(
            "{} is corrupt ({e}); delete it to give this instance a new process id",
            path.display()
        ))
    })?;
    uuid::Uuid::parse_str(&meta.process_id).map_err(|e| {
        Error::Config(format!(
            "{}: bad processId ({e}); delete the file",
            path.display()
        ))
    })?;
    Ok(meta.process_id)
}

/// Writes a new id to a file of its own, then links it in as `path`
/// unless another client got there first (then its id wins).
fn create(dir: &Path, path: &Path) -> Result<String> {
    let id = random_uuid()?;
    let text = serde_json::to_string(&ProcessMetadata {
        process_id: id.clone(),
    })
    .map_err(|e| Error::IllegalState(format!("serializing process metadata: {e}")))?;
    let tmp = dir.join(format!("{FILE_NAME}.{id}.tmp"));
    fs::write(&tmp, text).map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(id),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = fs::read_to_string(path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            parse(path, &text)
        }
        Err(e) => Err(Error::io(format!("creating {}", path.display()), e)),
    }
}

/// A random (version 4) UUID from the OS's randomness (`getrandom`).
fn random_uuid() -> Result<String> {
    Ok(uuid::Uuid::new_v4().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_id_is_stable_per_state_dir() {
        let base = std::env::temp_dir().join(format!("kstreams-pm-{}", std::process::id()));
        let a = load_or_create_process_id(&base.join("a"), "app").expect("create");
        assert_eq!(
            load_or_create_process_id(&base.join("a"), "app").expect("reload"),
            a
        );
        assert_ne!(
            load_or_create_process_id(&base.join("b"), "app").expect("other"),
            a
        );
        let _ = fs::remove_dir_all(base);
    }

    #[test]
    fn clients_created_at_once_agree_on_the_process_id() {
        let root = tempfile::tempdir().expect("tempdir");
        let ids: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| load_or_create_process_id(root.path(), "app")))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread").expect("process id"))
                .collect()
        });
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        let left: Vec<_> = fs::read_dir(root.path().join("app"))
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from(FILE_NAME)],
            "no temporary files left"
        );
    }
}
