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
//! While running, the stores are flushed and the checkpoint written only
//! once the offsets moved by more than
//! `state_manager::OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT` records since the
//! last checkpoint (Java's `GlobalStateUpdateTask.maybeCheckpoint`, every
//! commit interval); always after the bootstrap and on a clean close.
//!
//! Used by the global thread (`global_thread`) and by the
//! `TopologyTestDriver`. Must never: talk to Kafka (the caller consumes).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::errors::ErrorHandlers;
use crate::processor::metadata::ProcessorMetadata;
use crate::processor::node::{NodeCx, NodeSettings, RawSource};
use crate::processor::stores::{TaskStore, TaskStores};
use crate::processor::{ConsumedRecord, RecordCollector, RecordMetadata, TaskId};
use crate::runtime::state_manager::{StateEnv, OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT};
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
    /// `offsets` when the checkpoint was last written (or read).
    checkpointed: CheckpointOffsets,
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
            metrics: crate::metrics::StoreScope::detached(),
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
            let graph = topology.instantiate(
                sub.id,
                application_id,
                &stores,
                &NodeSettings::default(),
                None,
            )?;
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
            checkpointed: offsets.clone(),
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
            // A global task commits no offsets: nothing to carry.
            processor_metadata: &mut ProcessorMetadata::default(),
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
    pub(crate) fn flush_and_checkpoint(&mut self) -> Result<()> {
        for store in &self.stores.stores {
            store.flush()?;
        }
        if self.persistent && !self.offsets.is_empty() {
            self.checkpoint.write(&self.offsets)?;
        }
        self.checkpointed = self.offsets.clone();
        Ok(())
    }

    /// Flushes and checkpoints if more than
    /// [`OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT`] records were applied since
    /// the last checkpoint (Java's `StateManagerUtil.checkpointNeeded`);
    /// returns whether it did.
    pub(crate) fn maybe_checkpoint(&mut self) -> Result<bool> {
        let delta: i64 = self
            .offsets
            .iter()
            .map(|(p, next)| next - self.checkpointed.get(p).copied().unwrap_or(0))
            .sum();
        if delta <= OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT as i64 {
            return Ok(false);
        }
        self.flush_and_checkpoint().map(|()| true)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::{Materialized, StreamsBuilder, Topic};
    use crate::processor::stores::KvTaskStore;
    use crate::processor::{Headers, ProducedRecord};
    use kstreams_serde::Timestamped;

    const RATES: Topic<String, String, 2> = Topic::new("rates");

    struct Discard;

    impl RecordCollector for Discard {
        fn send(&mut self, _: ProducedRecord) -> Result<()> {
            Ok(())
        }
        fn partition_count(&mut self, _: &str) -> Result<i32> {
            Ok(1)
        }
    }

    fn topology(in_memory: bool) -> Topology {
        let b = StreamsBuilder::new();
        let materialized = Materialized::as_("rates-store");
        let materialized = if in_memory {
            materialized.in_memory()
        } else {
            materialized
        };
        b.global_table_with(RATES, materialized);
        b.build().expect("topology")
    }

    fn record(partition: i32, offset: i64, key: &str, value: &str) -> ConsumedRecord {
        ConsumedRecord {
            topic: "rates".into(),
            partition,
            offset,
            timestamp: offset,
            key: Some(key.as_bytes().to_vec()),
            value: Some(value.as_bytes().to_vec()),
            headers: Headers::default(),
        }
    }

    fn read(task: &GlobalStateUpdateTask, key: &str) -> Option<String> {
        let stores = task.stores();
        let store = stores[0]
            .as_any()
            .downcast_ref::<KvTaskStore<String, Timestamped<String>>>()
            .expect("a timestamped key/value store")
            .handle();
        store
            .get(&key.to_string())
            .expect("get")
            .map(|row| row.value)
    }

    #[cfg(feature = "rocksdb")]
    #[test]
    fn a_reopened_persistent_global_store_resumes_from_its_checkpoint() {
        let env = StateEnv::temporary(0);
        let topology = topology(false);
        let mut task =
            GlobalStateUpdateTask::open(&topology, "app", &env, Default::default()).expect("open");
        assert_eq!(task.start_offset("rates", 0), None, "no checkpoint yet");
        task.update(record(0, 0, "eur", "1.08"), &mut Discard)
            .expect("update");
        task.update(record(1, 4, "usd", "1.00"), &mut Discard)
            .expect("update");
        task.close(true);
        let dir = env.state_dir.join("app").join(GLOBAL_DIR);
        assert!(dir.join(".checkpoint").exists());

        let task = GlobalStateUpdateTask::open(&topology, "app", &env, Default::default())
            .expect("reopen");
        // Java's global checkpoint: the next offset to read.
        assert_eq!(task.start_offset("rates", 0), Some(1));
        assert_eq!(task.start_offset("rates", 1), Some(5));
        assert_eq!(read(&task, "eur").as_deref(), Some("1.08"));
        env.remove_dir();
    }

    #[cfg(feature = "rocksdb")]
    #[test]
    fn a_running_global_task_checkpoints_every_10_000_records() {
        let env = StateEnv::temporary(0);
        let topology = topology(false);
        let mut task =
            GlobalStateUpdateTask::open(&topology, "app", &env, Default::default()).expect("open");
        let checkpoint = env
            .state_dir
            .join("app")
            .join(GLOBAL_DIR)
            .join(".checkpoint");
        for offset in 0..10_000 {
            task.update(record(0, offset, "k", "v"), &mut Discard)
                .expect("update");
        }
        assert!(
            !task.maybe_checkpoint().expect("checkpoint"),
            "10 000: not yet"
        );
        assert!(!checkpoint.exists());
        task.update(record(1, 0, "k", "v"), &mut Discard)
            .expect("update");
        assert!(task.maybe_checkpoint().expect("checkpoint"), "10 001: due");
        assert!(checkpoint.exists());
        assert!(!task.maybe_checkpoint().expect("checkpoint"), "nothing new");
        task.close(true);
        env.remove_dir();
    }

    #[test]
    fn an_in_memory_global_store_is_always_read_from_the_start() {
        let env = StateEnv::temporary(0);
        let topology = topology(true);
        let mut task =
            GlobalStateUpdateTask::open(&topology, "app", &env, Default::default()).expect("open");
        task.update(record(0, 0, "eur", "1.08"), &mut Discard)
            .expect("update");
        task.close(true);
        let task = GlobalStateUpdateTask::open(&topology, "app", &env, Default::default())
            .expect("reopen");
        assert_eq!(task.start_offset("rates", 0), None);
        assert_eq!(read(&task, "eur"), None, "in-memory: starts empty");
        env.remove_dir();
    }

    #[test]
    fn tasks_read_the_global_store_while_the_global_thread_writes() {
        let env = StateEnv::temporary(0);
        let topology = topology(true);
        let mut task =
            GlobalStateUpdateTask::open(&topology, "app", &env, Default::default()).expect("open");
        let stores = task.stores();
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let store = stores[0].clone();
                std::thread::spawn(move || {
                    let handle = store
                        .as_any()
                        .downcast_ref::<KvTaskStore<String, Timestamped<String>>>()
                        .expect("store")
                        .handle();
                    // Values only ever grow: a reader never sees one go back.
                    let mut last = -1i64;
                    while last < 999 {
                        if let Some(row) = handle.get(&"k".to_string()).expect("get") {
                            let n: i64 = row.value.parse().expect("a number");
                            assert!(n >= last, "read {n} after {last}");
                            last = n;
                        }
                    }
                })
            })
            .collect();
        for i in 0..1000 {
            task.update(record(0, i, "k", &i.to_string()), &mut Discard)
                .expect("update");
        }
        for reader in readers {
            reader.join().expect("reader");
        }
        env.remove_dir();
    }
}
