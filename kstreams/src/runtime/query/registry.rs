//! The registry of this instance's local store instances, and the
//! [`StoreProvider`] through which interactive queries find them (Kafka
//! Streams' `QueryableStoreProvider` / `StreamThreadStateStoreProvider`).
//!
//! Tasks register each store instance when they open it (as *restoring*),
//! mark it *active* once its changelog is restored, and remove it when the
//! task closes. A provider looks the store up anew on every query call, so
//! a view obtained before a rebalance follows the tasks the instance runs
//! after it.
//!
//! Availability (as Java):
//! - instance CREATED → [`InvalidStateStore::NotStarted`];
//! - PENDING_SHUTDOWN, NOT_RUNNING, PENDING_ERROR, ERROR →
//!   [`InvalidStateStore::NotRunning`];
//! - REBALANCING → [`InvalidStateStore::Unavailable`] (retriable) unless
//!   stale stores are enabled;
//! - restoring copies, and the copies of standby tasks (registered and
//!   never marked restored), are skipped unless stale stores are enabled;
//!   no copy left → [`InvalidStateStore::Unavailable`] ("may have migrated").
//!
//! Must never: hold the registry lock while a store is locked or read.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use crate::error::InvalidStateStore;
use crate::processor::stores::TaskStore;
use crate::processor::TaskId;
use crate::runtime::client::{lock, ClientShared};
use crate::runtime::State;

/// One registered store instance.
struct Registered {
    store: Arc<dyn TaskStore>,
    restoring: bool,
}

/// Every store instance of this instance's tasks, by (store, task).
#[derive(Default)]
pub(crate) struct LocalStoreRegistry {
    stores: Mutex<BTreeMap<(String, TaskId), Registered>>,
}

impl LocalStoreRegistry {
    /// A task opened `store` (not yet restored).
    pub(crate) fn register(&self, task: TaskId, store: Arc<dyn TaskStore>) {
        let name = store.name().to_owned();
        lock(&self.stores).insert(
            (name, task),
            Registered {
                store,
                restoring: true,
            },
        );
    }

    /// `task`'s stores are restored: queries may read them.
    pub(crate) fn restored(&self, task: TaskId) {
        for ((_, t), r) in lock(&self.stores).iter_mut() {
            if *t == task {
                r.restoring = false;
            }
        }
    }

    /// `task` closed: its stores are gone.
    pub(crate) fn unregister(&self, task: TaskId) {
        lock(&self.stores).retain(|(_, t), _| *t != task);
    }

    /// The instances of store `name`: (task, store, restoring).
    fn instances(&self, name: &str) -> Vec<(TaskId, Arc<dyn TaskStore>, bool)> {
        lock(&self.stores)
            .iter()
            .filter(|((s, _), _)| s == name)
            .map(|((_, t), r)| (*t, r.store.clone(), r.restoring))
            .collect()
    }
}

/// The local copies of a store a query reads, by task.
pub(crate) type Instances<T> = Result<Vec<(TaskId, T)>, InvalidStateStore>;

/// Finds the local instances of one store for a query, checking
/// availability on every call.
#[derive(Clone)]
pub(crate) struct StoreProvider {
    pub(crate) name: String,
    pub(crate) registry: Arc<LocalStoreRegistry>,
    pub(crate) client: Arc<ClientShared>,
    /// Every store name of the topology.
    pub(crate) known: Arc<BTreeSet<String>>,
    pub(crate) stale: bool,
    pub(crate) partition: Option<i32>,
}

impl StoreProvider {
    fn unavailable(&self, reason: impl Into<String>) -> InvalidStateStore {
        InvalidStateStore::Unavailable {
            store: self.name.clone(),
            reason: reason.into(),
        }
    }

    /// Fails unless the store exists and the instance is in a state to
    /// serve it.
    pub(crate) fn check_state(&self) -> Result<(), InvalidStateStore> {
        if !self.known.contains(&self.name) {
            return Err(InvalidStateStore::UnknownStore {
                store: self.name.clone(),
                known: self.known.iter().cloned().collect(),
            });
        }
        match self.client.state() {
            State::Running => Ok(()),
            State::Rebalancing if self.stale => Ok(()),
            State::Rebalancing => Err(self.unavailable(
                "the KafkaStreams instance is REBALANCING (enable stale stores to read copies that may lag)",
            )),
            State::Created => Err(InvalidStateStore::NotStarted {
                store: self.name.clone(),
            }),
            other => Err(InvalidStateStore::NotRunning {
                store: self.name.clone(),
                state: other.to_string(),
            }),
        }
    }

    /// The store instances a query reads now, typed by `downcast` (which
    /// returns `None` for another kind or other serdes; `requested`
    /// describes what was asked for), in task order.
    pub(crate) fn stores<T>(
        &self,
        requested: &dyn Fn() -> String,
        downcast: &dyn Fn(&dyn TaskStore) -> Option<T>,
    ) -> Instances<T> {
        self.check_state()?;
        let instances = self.registry.instances(&self.name);
        let mut out = Vec::new();
        let mut restoring = 0;
        for (task, store, is_restoring) in instances {
            if self.partition.is_some_and(|p| p != task.partition) {
                continue;
            }
            let typed = downcast(store.as_ref()).ok_or_else(|| InvalidStateStore::WrongType {
                store: self.name.clone(),
                requested: requested(),
                actual: store.describe(),
            })?;
            if is_restoring && !self.stale {
                restoring += 1;
                continue;
            }
            out.push((task, typed));
        }
        if out.is_empty() {
            if let Some(partition) = self.partition.filter(|_| restoring == 0) {
                return Err(InvalidStateStore::PartitionNotHosted {
                    store: self.name.clone(),
                    partition,
                });
            }
            return Err(self.unavailable(if restoring > 0 {
                "its local copies are still restoring from the changelog (enable stale stores to read them)".to_owned()
            } else {
                "no local task hosts it (it may have migrated to another instance; ask query_metadata_for_key)".to_owned()
            }));
        }
        Ok(out)
    }
}
