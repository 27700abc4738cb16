//! `ProcessorStateManager`: the state stores of one task, as Kafka Streams'
//! class of that name.
//!
//! Owns, for one task: its directory `<state.dir>/<application.id>/<task
//! id>/` (locked against the cleaner while the task is open), its store instances ([`TaskStores`]), the buffer through which
//! store writes reach the task's `RecordCollector` (and so the open
//! transaction), the timestamp stamped on changelog records, and the
//! `.checkpoint` file.
//!
//! Invariants:
//! - stores are built before the task's nodes; a task without stores
//!   creates no directory;
//! - under exactly-once a checkpoint exists only while the task is not
//!   processing: it is deleted once restoration is done and written on a
//!   clean close, so state found without one after a crash is wiped and
//!   rebuilt from the changelog before any store is opened;
//! - checkpoints list persistent logged stores only; in-memory stores are
//!   always restored from the changelog's start;
//! - a checkpoint is written only right after the stores were flushed
//!   (RocksDB's write-ahead log is off: only flushed data survives a
//!   crash), and only when one is due (see below).
//!
//! When stores flush and checkpoints are written (Java's
//! `AbstractTask.maybeCheckpoint` with `StateManagerUtil.checkpointNeeded`
//! and `StreamTask.postCommit`):
//! - every commit flushes the record caches only (`TaskStores::flush_caches`);
//! - under at-least-once, after a commit, the stores are flushed and the
//!   checkpoint written once more than
//!   [`OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT`] changelog records were
//!   written since the last checkpoint; a crash then replays at most that
//!   many records more (at-least-once allows it);
//! - under exactly-once, never while the task runs: a checkpoint next to
//!   stores that go on taking uncommitted writes would let those survive a
//!   crash; the state is wiped and restored instead;
//! - on a clean close (shutdown, revocation) always, under both guarantees.
//!
//! Must never: talk to Kafka (offsets come from the runtime's changelog reader).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::processor::stores::{TaskStore, TaskStores};
use crate::processor::Headers;
use crate::processor::{ProducedRecord, RecordCollector, TaskId};
use crate::state::{
    task_dir, wipe_task_dir, ChangelogCollector, ChangelogPartition, ChangelogRecord, Checkpoint,
    CheckpointOffsets, RecordTimestamp, RocksDbConfig, StoreContext, TaskDirLocks, TaskDirOwner,
    ThreadCache,
};
use crate::topology::Topology;
use crate::Result;

/// Changelog records written since the last checkpoint above which an
/// at-least-once commit flushes the stores and checkpoints: Java's
/// `StateManagerUtil.OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT`.
pub(crate) const OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT: u64 = 10_000;

/// How long a task waits for another stream thread of this instance to
/// close the same task (see `TaskDirLocks::own`).
const TASK_DIR_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// How often a task made its stores durable: counted for tests and
/// measurements.
#[derive(Debug, Default)]
pub(crate) struct StateMaintenance {
    store_flushes: AtomicU64,
    checkpoints: AtomicU64,
}

impl StateMaintenance {
    /// Times the task's stores were flushed (RocksDB memtables to files).
    pub(crate) fn store_flushes(&self) -> u64 {
        self.store_flushes.load(Ordering::Relaxed)
    }
    /// Checkpoint files written.
    pub(crate) fn checkpoints(&self) -> u64 {
        self.checkpoints.load(Ordering::Relaxed)
    }
}

/// The stores of every task of this instance: what interactive queries read.
pub(crate) type LocalStores = Arc<super::query::registry::LocalStoreRegistry>;

/// What a stream thread (or the test driver) gives its tasks' stores.
#[derive(Clone)]
pub(crate) struct StateEnv {
    pub(crate) state_dir: PathBuf,
    /// The task directories open on the instance's threads, which its
    /// state cleaner leaves alone.
    pub(crate) task_dirs: Arc<TaskDirLocks>,
    pub(crate) rocksdb: RocksDbConfig,
    pub(crate) cache: Arc<ThreadCache>,
    pub(crate) eos: bool,
    pub(crate) local_stores: Option<LocalStores>,
    /// The instance's global stores, which every task may read (see
    /// `processor::stores`); empty without global tables.
    pub(crate) global_stores: Vec<Arc<dyn TaskStore>>,
    /// The instance's standby tasks, handed over when their task becomes
    /// active here (`None`: no standbys, or this env opens standbys).
    pub(crate) standbys: Option<Arc<super::standby::StandbyTasks>>,
}

impl StateEnv {
    /// A private directory under the system's temp dir (test driver, unit
    /// tests), removed by [`StateEnv::remove_dir`].
    pub(crate) fn temporary(cache_max_bytes: usize) -> StateEnv {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let state_dir =
            std::env::temp_dir().join(format!("kstreams-ttd-{}-{n}", std::process::id()));
        StateEnv {
            state_dir,
            task_dirs: Arc::default(),
            rocksdb: RocksDbConfig::new(8 << 20, 4 << 20),
            cache: Arc::new(ThreadCache::new(cache_max_bytes)),
            eos: false,
            local_stores: None,
            global_stores: Vec::new(),
            standbys: None,
        }
    }

    /// Deletes the state directory (temporary environments only).
    pub(crate) fn remove_dir(&self) {
        let _ = std::fs::remove_dir_all(&self.state_dir);
    }
}

/// Store writes on their way to the task's record collector.
#[derive(Default)]
struct ChangelogBuffer(Mutex<Vec<ProducedRecord>>);

impl ChangelogCollector for ChangelogBuffer {
    fn send(&self, r: ChangelogRecord<'_>) -> Result<()> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(ProducedRecord {
                topic: r.topic.clone(),
                partition: Some(r.partition),
                key: Some(r.key.to_vec()),
                value: r.value.map(<[u8]>::to_vec),
                timestamp: r.timestamp,
                headers: Headers::default(),
            });
        Ok(())
    }
}

/// One logged store of the task.
#[derive(Debug, Clone)]
pub(crate) struct LoggedStore {
    pub(crate) store: String,
    pub(crate) partition: ChangelogPartition,
    pub(crate) persistent: bool,
    /// Checkpointed offset (persistent stores only).
    pub(crate) checkpointed: Option<i64>,
}

/// The state of one task.
pub(crate) struct ProcessorStateManager {
    task: TaskId,
    pub(crate) stores: TaskStores,
    logged: Vec<LoggedStore>,
    changelog: Arc<ChangelogBuffer>,
    pub(crate) timestamp: RecordTimestamp,
    checkpoint: Option<Checkpoint>,
    eos: bool,
    local_stores: Option<LocalStores>,
    /// Changelog records sent since the last checkpoint (Java compares
    /// changelog offsets; the count of records is the same delta without
    /// asking the broker).
    since_checkpoint: AtomicU64,
    maintenance: StateMaintenance,
    /// This task's exclusive use of the directory's stores (which keeps
    /// the cleaner away too), held from before the directory is created
    /// until the stores close.
    dir_owner: Option<TaskDirOwner>,
    /// Marks the task active on this instance (no standby may hold its
    /// stores) until the stores close.
    active: Option<super::standby::ActiveTaskGuard>,
}

impl ProcessorStateManager {
    /// Opens (creating, or wiping after an exactly-once crash) the task's
    /// directory and builds its stores.
    pub(crate) fn open(
        task: TaskId,
        topology: &Topology,
        application_id: &str,
        env: &StateEnv,
        metrics: crate::metrics::StoreScope,
    ) -> Result<Self> {
        let (factories, connections) = topology.stores_of(task.subtopology);
        let mut manager = ProcessorStateManager {
            task,
            stores: TaskStores {
                stores: Vec::new(),
                connections,
                globals: env.global_stores.clone(),
            },
            logged: Vec::new(),
            changelog: Arc::default(),
            timestamp: RecordTimestamp::default(),
            checkpoint: None,
            eos: env.eos,
            local_stores: env.local_stores.clone(),
            since_checkpoint: AtomicU64::new(0),
            maintenance: StateMaintenance::default(),
            dir_owner: None,
            active: None,
        };
        if factories.is_empty() {
            return Ok(manager);
        }
        // A standby of this task on this instance closes first (with its
        // checkpoint): the stores below then restore only the tail.
        manager.active = env.standbys.as_ref().map(|s| s.activate(task));
        let dir = task_dir(&env.state_dir, application_id, &task.to_string());
        // Before reading the checkpoint or wiping anything: the task may
        // still be open on another stream thread of this instance.
        manager.dir_owner = Some(env.task_dirs.own(&dir, TASK_DIR_WAIT).map_err(|waited| {
            crate::Error::IllegalState(format!(
                "task {task}: its state directory {} is still in use by another stream thread of this instance after {} ms",
                dir.display(),
                waited.as_millis()
            ))
        })?);
        std::fs::create_dir_all(&dir).map_err(|e| {
            crate::Error::io(
                format!("creating the task state directory {}", dir.display()),
                e,
            )
        })?;
        let checkpoint = Checkpoint::for_task(&dir);
        let offsets = match checkpoint.read() {
            Ok(offsets) => offsets,
            Err(e) => {
                tracing::warn!(task = %task, error = %e, "unreadable checkpoint; wiping the task's state");
                CheckpointOffsets::new()
            }
        };
        let has_persistent = factories.iter().any(|f| f.persistent());
        if has_persistent && offsets.is_empty() && (env.eos || checkpoint.path().exists()) {
            // No valid checkpoint: what is on disk may hold uncommitted writes.
            tracing::info!(task = %task, dir = %dir.display(), "no valid checkpoint; wiping local state to restore it from the changelogs");
            wipe_task_dir(&dir)?;
        }
        let ctx = StoreContext {
            application_id: application_id.to_owned(),
            task_id: task.to_string(),
            partition: task.partition,
            task_dir: dir,
            rocksdb: env.rocksdb.clone(),
            cache: env.cache.clone(),
            collector: manager.changelog.clone(),
            timestamp: manager.timestamp.clone(),
            metrics,
        };
        for f in &factories {
            let store = f.build(&ctx)?;
            if f.logged() {
                let partition = ChangelogPartition {
                    topic: crate::state::changelog_topic(application_id, f.name()),
                    partition: task.partition,
                };
                let checkpointed = if f.persistent() {
                    offsets.get(&partition).copied()
                } else {
                    None
                };
                manager.logged.push(LoggedStore {
                    store: f.name().to_owned(),
                    partition,
                    persistent: f.persistent(),
                    checkpointed,
                });
            }
            if let Some(local) = &manager.local_stores {
                local.register(task, store.clone());
            }
            manager.stores.stores.push(store);
        }
        manager.checkpoint = Some(checkpoint);
        Ok(manager)
    }

    /// The logged stores, with where their restoration starts.
    pub(crate) fn logged_stores(&self) -> &[LoggedStore] {
        &self.logged
    }

    /// Restoration is complete: under exactly-once the checkpoint goes
    /// away until the next clean close.
    pub(crate) fn restoration_done(&self) -> Result<()> {
        match (&self.checkpoint, self.eos) {
            (Some(checkpoint), true) => checkpoint.delete(),
            _ => Ok(()),
        }
    }

    /// The task's stores are restored: interactive queries may read them.
    pub(crate) fn mark_restored(&self) {
        if let Some(local) = &self.local_stores {
            local.restored(self.task);
        }
    }

    /// Sends buffered changelog records to `collector`.
    pub(crate) fn drain_changelog(&self, collector: &mut dyn RecordCollector) -> Result<()> {
        let records =
            std::mem::take(&mut *self.changelog.0.lock().unwrap_or_else(|p| p.into_inner()));
        self.since_checkpoint
            .fetch_add(records.len() as u64, Ordering::Relaxed);
        records.into_iter().try_for_each(|r| collector.send(r))
    }

    /// Whether a checkpoint is due (see the module docs): `enforce` on a
    /// clean close; otherwise, after a commit, under at-least-once only and
    /// once enough changelog records accumulated.
    pub(crate) fn checkpoint_needed(&self, enforce: bool) -> bool {
        if self.checkpoint.is_none() || !self.logged.iter().any(|l| l.persistent) {
            return false; // nothing a checkpoint could list
        }
        enforce
            || (!self.eos
                && self.since_checkpoint.load(Ordering::Relaxed)
                    > OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT)
    }

    /// If a checkpoint is due: flushes the stores (caches were flushed by
    /// the commit), then writes the checkpoint with each persistent logged
    /// store's changelog end, `end_offset(partition)` (the last offset;
    /// `None` for an empty partition or when unknown). Returns whether it
    /// flushed.
    pub(crate) fn maybe_checkpoint(
        &self,
        enforce: bool,
        mut end_offset: impl FnMut(&ChangelogPartition) -> Result<Option<i64>>,
    ) -> Result<bool> {
        if !self.checkpoint_needed(enforce) {
            return Ok(false);
        }
        self.stores.flush_stores()?;
        self.maintenance
            .store_flushes
            .fetch_add(1, Ordering::Relaxed);
        let mut offsets = CheckpointOffsets::new();
        for logged in self.logged.iter().filter(|l| l.persistent) {
            if let Some(offset) = end_offset(&logged.partition)? {
                offsets.insert(logged.partition.clone(), offset);
            }
        }
        self.write_checkpoint(&offsets)?;
        self.since_checkpoint.store(0, Ordering::Relaxed);
        Ok(true)
    }

    /// How often the stores were flushed and checkpointed.
    #[cfg(all(test, feature = "rocksdb"))]
    pub(crate) fn maintenance(&self) -> &StateMaintenance {
        &self.maintenance
    }

    /// Writes the checkpoint with `offsets` (last changelog offset per
    /// partition; only persistent stores' partitions are kept). Only after
    /// the stores were flushed: see [`Self::maybe_checkpoint`].
    fn write_checkpoint(&self, offsets: &CheckpointOffsets) -> Result<()> {
        let Some(checkpoint) = &self.checkpoint else {
            return Ok(());
        };
        let kept: CheckpointOffsets = offsets
            .iter()
            .filter(|(p, _)| {
                self.logged
                    .iter()
                    .any(|l| l.persistent && &l.partition == *p)
            })
            .map(|(p, o)| (p.clone(), *o))
            .collect();
        if kept.is_empty() {
            return Ok(());
        }
        checkpoint.write(&kept)?;
        self.maintenance.checkpoints.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Closes every store (flushing RocksDB's memtables on a clean close).
    pub(crate) fn close(&mut self) {
        if !self.stores.stores.is_empty() {
            tracing::debug!(
                task = %self.task,
                store_flushes = self.maintenance.store_flushes(),
                checkpoints = self.maintenance.checkpoints(),
                "closing the task's stores"
            );
        }
        if let Some(local) = &self.local_stores {
            local.unregister(self.task);
        }
        for store in &self.stores.stores {
            if let Err(e) = store.close() {
                tracing::warn!(task = %self.task, store = store.name(), error = %e, "closing a state store failed");
            }
        }
        self.stores.stores.clear();
        self.dir_owner = None;
        self.active = None;
    }
}
