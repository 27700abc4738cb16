//! The process id of a kstreams instance, persisted in its state directory.
//!
//! `<state.dir>/<application.id>/kafka-streams-process-metadata` holds a
//! UUID created on first start. Stream thread *i*'s `transactional.id` is
//! `<application.id>-<process id>-<i>`, so:
//! - a restarted instance (same state dir) reuses its transactional ids and
//!   fences its own zombie at once, aborting the zombie's open transaction;
//! - two instances with different state dirs never fence each other.

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
        Ok(text) => {
            let meta: ProcessMetadata = serde_json::from_str(&text).map_err(|e| {
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
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let id = uuid::Uuid::new_v4().to_string();
            let text = serde_json::to_string(&ProcessMetadata {
                process_id: id.clone(),
            })
            .map_err(|e| Error::IllegalState(format!("serializing process metadata: {e}")))?;
            let tmp = dir.join(format!("{FILE_NAME}.tmp"));
            fs::write(&tmp, text)
                .map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
            fs::rename(&tmp, &path)
                .map_err(|e| Error::io(format!("renaming {}", tmp.display()), e))?;
            Ok(id)
        }
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
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
}
