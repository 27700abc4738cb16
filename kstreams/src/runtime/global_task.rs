//! `GlobalStateUpdateTask`: the global stores of one instance and the
//! nodes that write them, as Kafka Streams' `GlobalStateUpdateTask` with
//! its `GlobalStateManagerImpl`.
//!
//! Owns: the directory `<state.dir>/<application.id>/global/`, the global
//! store instances (built once, then shared read-only with every task, see
//! `processor::stores`), the instantiated global sub-topologies (a source
//! and a `KTABLE-SOURCE-…` node per global table), and the `.checkpoint`
//! of the global topics' offsets.
//!
//! The checkpoint holds, as Java's global checkpoint, the *next* offset to
//! read per global topic partition (not the last applied one, as task
//! checkpoints do), and only when some global store is persistent: an
//! in-memory global store starts empty, so it is always re-read from the
//! topic's start.
//!
//! Used by the global thread (`global_thread`) and by the
//! `TopologyTestDriver`. Must never: talk to Kafka (the caller consumes).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::errors::ErrorHandlers;
use crate::processor::node::{NodeCx, NodeSettings, RawSource};
use crate::processor::stores::{TaskStore, TaskStores};
use crate::processor::{ConsumedRecord, RecordCollector, RecordMetadata, TaskId};
use crate::runtime::state_manager::StateEnv;
use crate::state::{
    task_dir, ChangelogCollector, ChangelogPartition, ChangelogRecord, Checkpoint,
    CheckpointOffsets, RecordTimestamp, StoreContext,
};
use crate::topology::Topology;
use crate::{Error, Result};

/// The directory name of the global stores under `<state.dir>/<application.id>/`.
pub(crate) const GLOBAL_DIR: &str = "global";

/// Global stores are never change-logged (their topic is their changelog).
struct NoChangelog;

impl ChangelogCollector for NoChangelog {
    fn send(&self, r: ChangelogRecord<'_>) -> Result<()> {
        Err(Error::IllegalState(format!(
            "a global store wrote to changelog `{}`; global stores are not logged",
            r.topic
        )))
    }
}

/// One global source: its node and the sub-topology it belongs to.
struct GlobalSource {
    node: Arc<dyn RawSource>,
    subtopology: u32,
}

/// The global stores and the nodes that keep them up to date.
pub(crate) struct GlobalStateUpdateTask {
    application_id: String,
    stores: TaskStores,
    /// Global sources by (resolved = logical, they are user topics) topic.
    sources: BTreeMap<String, GlobalSource>,
    errors: ErrorHandlers,
    /// Next offset to read per global topic partition.
    offsets: CheckpointOffsets,
    checkpoint: Checkpoint,
    persistent: bool,
    timestamp: RecordTimestamp,
}

impl GlobalStateUpdateTask {
    /// Opens the global directory, reads the checkpoint and builds the
    /// global stores and nodes of `topology`.
    pub(crate) fn open(
        topology: &Topology,
        application_id: &str,
        env: &StateEnv,
        errors: ErrorHandlers,
    ) -> Result<Self> {
        let dir = task_dir(&env.state_dir, application_id, GLOBAL_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| {
            Error::io(
                format!("creating the global state directory {}", dir.display()),
                e,
            )
        })?;
        let checkpoint = Checkpoint::for_task(&dir);
        let offsets = checkpoint.read().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "unreadable global checkpoint; re-reading the global topics from their start");
            CheckpointOffsets::new()
        });
        let timestamp = RecordTimestamp::default();
        let ctx = StoreContext {
            application_id: application_id.to_owned(),
            task_id: GLOBAL_DIR.to_owned(),
            partition: 0,
            task_dir: dir,
            rocksdb: env.rocksdb.clone(),
            cache: env.cache.clone(),
            collector: Arc::new(NoChangelog),
            timestamp: timestamp.clone(),
        };
        let mut stores = TaskStores::default();
        let mut persistent = false;
        for sub in &topology.global_subtopologies {
            let (factories, connections) = topology.stores_of(sub.id);
            for f in factories {
                persistent |= f.persistent();
                stores.stores.push(f.build(&ctx)?);
            }
            stores.connections.extend(connections);
        }
        let mut sources = BTreeMap::new();
        for sub in &topology.global_subtopologies {
            let graph =
                topology.instantiate(sub.id, application_id, &stores, &NodeSettings::default())?;
            for (topic, source) in graph.sources {
                sources.insert(
                    topic,
                    GlobalSource {
                        node: source.node,
                        subtopology: sub.id,
                    },
                );
            }
        }
        Ok(GlobalStateUpdateTask {
            application_id: application_id.to_owned(),
            stores,
            sources,
            errors,
            offsets,
            checkpoint,
            persistent,
            timestamp,
        })
    }

    /// Replaces the exception handlers (the test driver's `with_streams_config`).
    pub(crate) fn set_error_handlers(&mut self, errors: ErrorHandlers) {
        self.errors = errors;
    }

    /// The global stores, to share with every task.
    pub(crate) fn stores(&self) -> Vec<Arc<dyn TaskStore>> {
        self.stores.stores.clone()
    }

    /// Whether `topic` is a global topic.
    pub(crate) fn reads(&self, topic: &str) -> bool {
        self.sources.contains_key(topic)
    }

    /// The global topics, sorted.
    pub(crate) fn topics(&self) -> Vec<String> {
        self.sources.keys().cloned().collect()
    }

    /// Where to start reading a global topic partition: the checkpointed
    /// next offset, or `None` (the log start).
    pub(crate) fn start_offset(&self, topic: &str, partition: i32) -> Option<i64> {
        if !self.persistent {
            return None;
        }
        self.offsets
            .get(&ChangelogPartition {
                topic: topic.to_owned(),
                partition,
            })
            .copied()
    }

    /// Applies one record of a global topic to its store. A record that
    /// does not deserialize goes to the deserialization handler (its
    /// dead-letter record, if any, to `collector`).
    pub(crate) fn update(
        &mut self,
        record: ConsumedRecord,
        collector: &mut dyn RecordCollector,
    ) -> Result<()> {
        let source = self.sources.get(&*record.topic).ok_or_else(|| {
            Error::IllegalState(format!("`{}` is not a global topic", record.topic))
        })?;
        let node = source.node.clone();
        let metadata = RecordMetadata {
            topic: record.topic.to_string(),
            partition: record.partition,
            offset: record.offset,
        };
        // Java's GlobalStateUpdateTask: the record's own timestamp.
        self.timestamp.set(record.timestamp);
        let mut cx = NodeCx {
            collector,
            task_id: TaskId {
                subtopology: source.subtopology,
                partition: record.partition,
            },
            application_id: &self.application_id,
            metadata: Some(metadata),
            stream_time: record.timestamp,
            wall_clock: 0,
            commit_requested: false,
            new_schedules: Vec::new(),
            next_schedule_id: 0,
            errors: &self.errors,
            raw: Some(&record),
            stores: &self.stores,
        };
        node.process_raw(
            record.key.as_deref(),
            record.value.as_deref(),
            record.timestamp,
            record.headers.clone(),
            &mut cx,
        )?;
        self.offsets.insert(
            ChangelogPartition {
                topic: record.topic.to_string(),
                partition: record.partition,
            },
            record.offset + 1,
        );
        Ok(())
    }

    /// Flushes the stores, then writes the checkpoint (persistent stores
    /// only, see the module docs).
    pub(crate) fn flush_and_checkpoint(&self) -> Result<()> {
        for store in &self.stores.stores {
            store.flush()?;
        }
        if self.persistent && !self.offsets.is_empty() {
            self.checkpoint.write(&self.offsets)?;
        }
        Ok(())
    }

    /// Flushes, checkpoints (when `clean`) and closes the stores.
    pub(crate) fn close(&mut self, clean: bool) {
        if clean {
            if let Err(e) = self.flush_and_checkpoint() {
                tracing::warn!(error = %e, "flushing the global stores failed");
            }
        }
        for store in &self.stores.stores {
            if let Err(e) = store.close() {
                tracing::warn!(store = store.name(), error = %e, "closing a global store failed");
            }
        }
        self.stores.stores.clear();
    }
}
