//! Standby tasks (`num.standby.replicas`): warm copies of other instances'
//! stateful tasks, kept up to date from their changelogs, as Kafka Streams'
//! `StandbyTask` updated by its state updater.
//!
//! - **Which tasks.** Every instance computes the same plan from the
//!   group's description (`runtime::assignment`): a task's standby sits on
//!   the instance that librdkafka's range assignor gives the task to when
//!   the active's instance leaves the group, so a failover lands on the warm
//!   copy. Never on the active's own instance.
//! - **Who updates them.** One standby thread per instance
//!   ([`StandbyThread`]): it refreshes the plan every
//!   [`PLAN_REFRESH`], opens the stores of its standby tasks in their task
//!   directories, follows their changelog partitions (read_committed, so
//!   only committed state arrives), applies the records, and flushes and
//!   checkpoints the stores every [`CHECKPOINT_INTERVAL`] and on close.
//! - **Hand-over.** A stream thread about to open an active task's stores
//!   calls [`StandbyTasks::activate`]: if this instance holds a standby of
//!   that task, it is checkpointed and closed right there, and the active
//!   task opens the same directory and restores only the changelog's tail
//!   past the checkpoint. Persistent (RocksDB) stores carry over; in-memory
//!   stores do not (their copy lives in the standby's process memory only,
//!   and the active task restores them in full).
//!
//! - **Queries.** Standby stores are registered for interactive queries
//!   and never marked restored: a query reads them only with stale stores
//!   enabled (`StoreQueryParameters::enable_stale_stores`), as in Java.
//!
//! Invariants: a task is never both active and standby on one instance (the
//! registry's lock decides); a standby's checkpoint names only offsets whose
//! records were applied and flushed; standbys are best effort: a failure is
//! logged and retried, never fatal to the client.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::assignment::StandbyPlan;
use super::client::ClientShared;
use super::state_manager::{ProcessorStateManager, StateEnv};
use crate::config::StreamsConfig;
use crate::kafka::group::{GroupDescriber, GroupDescription};
use crate::kafka::restore_consumer::RestoredRecord;
use crate::kafka::standby_consumer::StandbyConsumer;
use crate::processor::TaskId;
use crate::state::{ChangelogPartition, RestoreRecord};
use crate::topology::Topology;
use crate::{Error, Result};

/// How often the standby thread re-reads the group and its plan.
pub(crate) const PLAN_REFRESH: Duration = Duration::from_secs(2);
/// How often standby stores are flushed and checkpointed.
pub(crate) const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(10);
/// Records read per poll of the standby consumer.
const MAX_BATCH: usize = 10_000;
/// How long a poll waits for changelog records.
const POLL_WAIT: Duration = Duration::from_millis(100);

/// The group's standby plan from its description (`None` when the
/// description cannot tell, e.g. during a rebalance).
pub(crate) type StandbyPlanner = Box<dyn Fn(&GroupDescription) -> Option<StandbyPlan> + Send>;

/// One changelog partition a standby follows.
struct FollowedPartition {
    partition: ChangelogPartition,
    store: String,
    /// The last offset applied (or checkpointed when opened).
    applied: Option<i64>,
}

/// A standby task: its stores, and how far each changelog was applied.
pub(crate) struct StandbyTask {
    id: TaskId,
    state: ProcessorStateManager,
    partitions: Vec<FollowedPartition>,
    applied_since_checkpoint: u64,
    last_checkpoint: Instant,
}

impl StandbyTask {
    /// Opens the task's stores (reusing local state whose checkpoint is
    /// valid) and starts following from the checkpoint.
    fn open(id: TaskId, topology: &Topology, application_id: &str, env: &StateEnv) -> Result<Self> {
        let state = ProcessorStateManager::open(
            id,
            topology,
            application_id,
            env,
            crate::metrics::StoreScope::detached(),
        )?;
        let partitions = state
            .logged_stores()
            .iter()
            .map(|l| FollowedPartition {
                partition: l.partition.clone(),
                store: l.store.clone(),
                applied: l.checkpointed,
            })
            .collect();
        Ok(StandbyTask {
            id,
            state,
            partitions,
            applied_since_checkpoint: 0,
            last_checkpoint: Instant::now(),
        })
    }

    /// Applies records of one changelog partition, in offset order.
    fn apply(&mut self, partition: &ChangelogPartition, records: &[&RestoredRecord]) -> Result<()> {
        let Some(followed) = self
            .partitions
            .iter_mut()
            .find(|p| &p.partition == partition)
        else {
            return Ok(());
        };
        // Records below what was applied were re-read after a re-follow.
        let fresh: Vec<RestoreRecord<'_>> = records
            .iter()
            .filter(|r| followed.applied.is_none_or(|a| r.offset > a))
            .map(|r| RestoreRecord {
                offset: r.offset,
                key: &r.key,
                value: r.value.as_deref(),
            })
            .collect();
        let Some(last) = fresh.last().map(|r| r.offset) else {
            return Ok(());
        };
        let store = self.state.stores.get(&followed.store).ok_or_else(|| {
            Error::IllegalState(format!("standby store `{}` is not open", followed.store))
        })?;
        store.restore_batch(&fresh)?;
        followed.applied = Some(last);
        self.applied_since_checkpoint += fresh.len() as u64;
        Ok(())
    }

    /// Flushes the stores and writes the checkpoint at what was applied.
    fn checkpoint(&mut self) -> Result<()> {
        let applied: HashMap<&ChangelogPartition, Option<i64>> = self
            .partitions
            .iter()
            .map(|p| (&p.partition, p.applied))
            .collect();
        self.state
            .maybe_checkpoint(true, |p| Ok(applied.get(p).copied().flatten()))?;
        self.applied_since_checkpoint = 0;
        self.last_checkpoint = Instant::now();
        Ok(())
    }

    /// Checkpoints (when it applied anything) and closes the stores.
    fn close(mut self) {
        if let Err(e) = self.checkpoint() {
            tracing::warn!(task = %self.id, error = %e, "checkpointing a standby task failed; its state will be restored again");
        }
        self.state.close();
    }

    /// Where the consumer resumes each followed partition.
    fn positions(&self) -> impl Iterator<Item = (String, i32, Option<i64>)> + '_ {
        self.partitions.iter().map(|p| {
            (
                p.partition.topic.clone(),
                p.partition.partition,
                p.applied.map(|a| a + 1),
            )
        })
    }
}

#[derive(Default)]
struct Inner {
    /// Tasks whose stores a stream thread of this instance has open.
    active: HashMap<TaskId, usize>,
    standbys: BTreeMap<TaskId, StandbyTask>,
    /// Bumped whenever the set of standbys changes.
    version: u64,
    /// The group's latest plan (for interactive-query metadata).
    plan: Option<StandbyPlan>,
}

/// The instance's standby tasks, and which tasks are active here.
#[derive(Default)]
pub(crate) struct StandbyTasks {
    inner: Mutex<Inner>,
}

/// Marks a task active on this instance until dropped.
pub(crate) struct ActiveTaskGuard {
    registry: Arc<StandbyTasks>,
    task: TaskId,
}

impl Drop for ActiveTaskGuard {
    fn drop(&mut self) {
        let mut inner = self.registry.lock();
        if let Some(n) = inner.active.get_mut(&self.task) {
            *n -= 1;
            if *n == 0 {
                inner.active.remove(&self.task);
            }
        }
    }
}

impl StandbyTasks {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A stream thread is opening `task`'s stores: no standby may hold
    /// them. A standby of the task on this instance is checkpointed and
    /// closed first, so that the active task restores only the tail.
    pub(crate) fn activate(self: &Arc<Self>, task: TaskId) -> ActiveTaskGuard {
        let standby = {
            let mut inner = self.lock();
            *inner.active.entry(task).or_insert(0) += 1;
            let standby = inner.standbys.remove(&task);
            if standby.is_some() {
                inner.version += 1;
            }
            standby
        };
        if let Some(standby) = standby {
            let applied: Vec<String> = standby
                .partitions
                .iter()
                .map(|p| {
                    format!(
                        "{}-{}@{:?}",
                        p.partition.topic, p.partition.partition, p.applied
                    )
                })
                .collect();
            standby.close();
            tracing::info!(task = %task, applied = ?applied, "standby task handed over to its new active task");
        }
        ActiveTaskGuard {
            registry: self.clone(),
            task,
        }
    }

    /// The processes (`assignment::process_key`) planned to hold standbys
    /// of `task`, by the latest plan.
    pub(crate) fn planned_standbys(&self, task: TaskId) -> Vec<String> {
        self.lock()
            .plan
            .as_ref()
            .map(|p| p.standby_processes(task))
            .unwrap_or_default()
    }

    fn set_plan(&self, plan: StandbyPlan) {
        self.lock().plan = Some(plan);
    }

    /// Whether this instance holds any standby task now.
    fn has_standbys(&self) -> bool {
        !self.lock().standbys.is_empty()
    }

    fn version(&self) -> u64 {
        self.lock().version
    }

    /// Makes the held standbys exactly `wanted` (minus tasks active here).
    fn reconcile(
        &self,
        wanted: &BTreeSet<TaskId>,
        open: &mut dyn FnMut(TaskId) -> Result<StandbyTask>,
    ) {
        let mut closed = Vec::new();
        {
            let mut inner = self.lock();
            let stale: Vec<TaskId> = inner
                .standbys
                .keys()
                .filter(|id| !wanted.contains(id))
                .copied()
                .collect();
            for id in stale {
                if let Some(task) = inner.standbys.remove(&id) {
                    closed.push(task);
                }
            }
            for &id in wanted {
                if inner.standbys.contains_key(&id) || inner.active.contains_key(&id) {
                    continue;
                }
                // Opened under the lock: a stream thread activating the
                // task meanwhile waits, then closes it again.
                match open(id) {
                    Ok(task) => {
                        tracing::info!(task = %id, "standby task created");
                        inner.standbys.insert(id, task);
                    }
                    Err(e) => {
                        tracing::warn!(task = %id, error = %e, "opening a standby task failed; retried at the next plan refresh");
                    }
                }
            }
            inner.version += 1;
        }
        for task in closed {
            tracing::info!(task = %task.id, "standby task closed (no longer planned here)");
            task.close();
        }
    }

    /// Every followed changelog partition, with where to resume.
    fn positions(&self) -> Vec<(String, i32, Option<i64>)> {
        self.lock()
            .standbys
            .values()
            .flat_map(StandbyTask::positions)
            .collect()
    }

    /// Applies a batch of changelog records to the standbys they belong to.
    /// A batch polled under an older set of standbys (`version`) is dropped
    /// whole: the consumer re-reads every partition from what was applied.
    fn apply(
        &self,
        records: &[crate::kafka::standby_consumer::StandbyRecord],
        version: u64,
    ) -> Result<u64> {
        // Grouped by reference: the records are not copied again.
        let mut by_partition: BTreeMap<ChangelogPartition, Vec<&RestoredRecord>> = BTreeMap::new();
        for r in records {
            by_partition
                .entry(ChangelogPartition {
                    topic: r.topic.clone(),
                    partition: r.partition,
                })
                .or_default()
                .push(&r.record);
        }
        let mut inner = self.lock();
        if inner.version != version {
            return Ok(0);
        }
        let mut applied = 0;
        for (partition, batch) in &by_partition {
            let task = inner
                .standbys
                .values_mut()
                .find(|t| t.partitions.iter().any(|p| &p.partition == partition));
            if let Some(task) = task {
                task.apply(partition, batch)?;
                applied += batch.len() as u64;
            }
        }
        Ok(applied)
    }

    /// Checkpoints standbys whose last checkpoint is older than `interval`
    /// and that applied something since.
    fn checkpoint_due(&self, interval: Duration) {
        let mut inner = self.lock();
        for task in inner.standbys.values_mut() {
            if task.applied_since_checkpoint > 0 && task.last_checkpoint.elapsed() >= interval {
                if let Err(e) = task.checkpoint() {
                    tracing::warn!(task = %task.id, error = %e, "checkpointing a standby task failed");
                }
            }
        }
    }

    /// Closes every standby (on shutdown), checkpointing each.
    pub(crate) fn close_all(&self) {
        let tasks = std::mem::take(&mut self.lock().standbys);
        for task in tasks.into_values() {
            task.close();
        }
    }
}

/// The thread that keeps an instance's standby tasks up to date.
pub(crate) struct StandbyThread {
    pub(crate) name: String,
    pub(crate) config: Arc<StreamsConfig>,
    pub(crate) topology: Arc<Topology>,
    pub(crate) client: Arc<ClientShared>,
    pub(crate) registry: Arc<StandbyTasks>,
    pub(crate) env: StateEnv,
    pub(crate) planner: StandbyPlanner,
    /// This instance in the plan (`assignment::process_key`).
    pub(crate) own_process: String,
}

impl StandbyThread {
    /// Starts the OS thread.
    pub(crate) fn spawn(self) -> Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name(self.name.clone())
            .spawn(move || self.run())
            .map_err(|e| Error::io("spawning the standby thread", e))
    }

    fn run(self) {
        let span = tracing::info_span!("standby_thread", thread = %self.name);
        let _entered = span.enter();
        while !self.client.shutdown_requested() {
            match self.run_clients() {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!(thread = %self.name, error = %e, "standby thread failed; starting over in 1 s");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
        self.registry.close_all();
        tracing::info!(thread = %self.name, "standby thread exited");
    }

    fn run_clients(&self) -> Result<()> {
        let describer = GroupDescriber::new(&self.config)?;
        let consumer = StandbyConsumer::new(&self.config, &format!("{}-consumer", self.name))?;
        let mut last_plan: Option<Instant> = None;
        let mut last_wanted: Option<BTreeSet<TaskId>> = None;
        let mut followed_version = u64::MAX;
        let mut last_checkpoint_check = Instant::now();
        let application_id = self.config.application_id().to_owned();
        while !self.client.shutdown_requested() {
            if last_plan.is_none_or(|t| t.elapsed() >= PLAN_REFRESH) {
                last_plan = Some(Instant::now());
                match describer.describe() {
                    Ok(description) => {
                        let plan = (self.planner)(&description);
                        tracing::debug!(group = %description.state, members = description.members.len(), "group described");
                        if let Some(plan) = plan {
                            let wanted = plan.standbys_of(&self.own_process);
                            if last_wanted.as_ref() != Some(&wanted) {
                                tracing::info!(thread = %self.name, members = description.members.len(), standbys = ?wanted, "standby plan");
                                last_wanted = Some(wanted.clone());
                            }
                            self.registry.set_plan(plan);
                            self.registry.reconcile(&wanted, &mut |id| {
                                StandbyTask::open(id, &self.topology, &application_id, &self.env)
                            });
                        }
                    }
                    Err(e) => {
                        tracing::warn!(thread = %self.name, error = %e, "describing the group for the standby plan failed");
                    }
                }
            }
            let version = self.registry.version();
            if version != followed_version {
                consumer.follow(&self.registry.positions())?;
                followed_version = version;
            }
            let records = if !self.registry.has_standbys() {
                std::thread::sleep(POLL_WAIT);
                Vec::new()
            } else {
                consumer.poll_batch(POLL_WAIT, MAX_BATCH)?
            };
            if !records.is_empty() {
                self.registry.apply(&records, followed_version)?;
            }
            if last_checkpoint_check.elapsed() >= Duration::from_secs(1) {
                self.registry.checkpoint_due(CHECKPOINT_INTERVAL);
                last_checkpoint_check = Instant::now();
            }
        }
        Ok(())
    }
}

/// The planner: the group's standby plan by the rule of
/// `runtime::assignment`, for stateful tasks only.
pub(crate) fn standby_planner(
    config: &StreamsConfig,
    metadata: Arc<super::topology_metadata::TopologyMetadata>,
    topology: Arc<Topology>,
) -> StandbyPlanner {
    let application_id = config.application_id().to_owned();
    let replicas = config.standby_replicas();
    Box::new(move |description: &GroupDescription| {
        super::assignment::plan_from_description(
            description,
            &application_id,
            &topology,
            &metadata,
            replicas,
        )
    })
}
