//! State shared by the stream threads of one `KafkaStreams` instance: the
//! RocksDB memory bound, the global restore listener, and the registry of
//! local stores that interactive queries read
//! ([`KafkaStreams::store`](crate::KafkaStreams::store),
//! [`ReadOnlyKeyValueStore`]).
//!
//! Must never: hand out a writable store to a caller outside a task.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use kstreams_serde::{Serde, Timestamped};

use super::changelog_reader::TaskStateSupport;
use super::kafka_streams::KafkaStreams;
use super::state_manager::{LocalStores, StateEnv};
use crate::config::{ProcessingGuarantee, StreamsConfig};
use crate::kafka::admin::InternalTopicSpec;
use crate::kafka::restore_consumer::RestoreConsumer;
use crate::processor::stores::{KvTaskStore, TaskStore};
use crate::state::KeyValueStoreHandle;
use crate::state::{LoggingRestoreListener, RocksDbConfig, StateRestoreListener, ThreadCache};
use crate::topology::Topology;
use crate::{Error, Result};

/// What the stream threads of one instance share about state.
pub(crate) struct InstanceState {
    rocksdb: RocksDbConfig,
    local_stores: LocalStores,
    listener: Mutex<Arc<dyn StateRestoreListener>>,
    /// The global stores, once the global thread has bootstrapped them;
    /// every task built afterwards reads them.
    global_stores: Mutex<Vec<Arc<dyn TaskStore>>>,
}

impl Default for InstanceState {
    fn default() -> Self {
        InstanceState {
            rocksdb: RocksDbConfig::default(),
            local_stores: Arc::new(Mutex::new(BTreeMap::new())),
            listener: Mutex::new(Arc::new(LoggingRestoreListener)),
            global_stores: Mutex::new(Vec::new()),
        }
    }
}

impl InstanceState {
    /// The state environment of the global thread: no record cache
    /// (global stores have none) and no registry of task stores.
    pub(crate) fn global_env(&self, config: &StreamsConfig) -> StateEnv {
        StateEnv {
            state_dir: config.get_state_dir().to_owned(),
            rocksdb: self.rocksdb.clone(),
            cache: Arc::new(ThreadCache::new(0)),
            eos: config.guarantee() == ProcessingGuarantee::ExactlyOnceV2,
            local_stores: None,
            global_stores: Vec::new(),
        }
    }

    /// Hands the bootstrapped global stores to the stream threads.
    pub(crate) fn set_global_stores(&self, stores: Vec<Arc<dyn TaskStore>>) {
        *self.global_stores.lock().unwrap_or_else(|p| p.into_inner()) = stores;
    }

    /// The state support of one stream thread: its record cache (its share
    /// of `statestore.cache.max.bytes`) and its restore consumer.
    pub(crate) fn for_thread(
        &self,
        config: &StreamsConfig,
        thread: &str,
    ) -> Result<TaskStateSupport> {
        let env = StateEnv {
            state_dir: config.get_state_dir().to_owned(),
            rocksdb: self.rocksdb.clone(),
            cache: Arc::new(ThreadCache::for_thread(
                config.cache_max_bytes(),
                config.stream_threads(),
            )),
            eos: config.guarantee() == ProcessingGuarantee::ExactlyOnceV2,
            local_stores: Some(self.local_stores.clone()),
            global_stores: self
                .global_stores
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        };
        let reader = RestoreConsumer::new(config, &format!("{thread}-restore-consumer"))?;
        let listener = self
            .listener
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        Ok(TaskStateSupport {
            env,
            reader: Some(reader),
            listener,
        })
    }
}

/// The changelog topics of `topology`: compacted, one partition per task.
pub(crate) fn changelog_topic_specs(
    topology: &Topology,
    application_id: &str,
) -> Result<Vec<InternalTopicSpec>> {
    topology
        .changelog_topics(application_id)
        .into_iter()
        .map(|(store, name, partitions)| {
            let partitions = i32::try_from(partitions.max(1))
                .map_err(|_| Error::Topology(format!("store `{store}`: too many partitions")))?;
            Ok(InternalTopicSpec {
                name,
                partitions,
                configs: vec![("cleanup.policy", "compact".to_owned())],
            })
        })
        .collect()
}

/// A read-only view of one store across this instance's tasks (Kafka
/// Streams' `ReadOnlyKeyValueStore` from `KafkaStreams.store`). Each call
/// reads the tasks' stores as they are now; a key lives in the task of its
/// partition, so `get` asks each local task.
pub struct ReadOnlyKeyValueStore<KS: Serde, VS: Serde> {
    name: String,
    stores: Vec<KeyValueStoreHandle<KS, VS>>,
}

impl<KS: Serde, VS: Serde> std::fmt::Debug for ReadOnlyKeyValueStore<KS, VS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOnlyKeyValueStore")
            .field("name", &self.name)
            .field("tasks", &self.stores.len())
            .finish()
    }
}

impl<KS: Serde, VS: Serde> ReadOnlyKeyValueStore<KS, VS> {
    /// The value of `key`, if a local task has it.
    pub fn get(&self, key: &KS::Target) -> Result<Option<VS::Target>> {
        for store in &self.stores {
            if let Some(v) = store.get(key)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// Every entry of every local task, task by task, each in key-byte order.
    pub fn all(&self) -> Result<Vec<(KS::Target, VS::Target)>> {
        let mut out = Vec::new();
        for store in &self.stores {
            let guard = store.lock();
            for entry in crate::state::KeyValueStore::all(&*guard)? {
                out.push(entry?);
            }
        }
        Ok(out)
    }

    /// Estimated number of entries across local tasks.
    pub fn approximate_num_entries(&self) -> Result<u64> {
        self.stores.iter().try_fold(0, |n, s| {
            Ok(n + crate::state::KeyValueStore::approximate_num_entries(&*s.lock())?)
        })
    }
}

impl KafkaStreams {
    /// Reports every store restoration of this instance to `listener`
    /// (instead of the logs); set it before [`KafkaStreams::start`].
    pub fn set_global_state_restore_listener(&self, listener: impl StateRestoreListener + 'static) {
        *self
            .instance_state()
            .listener
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Arc::new(listener);
    }

    /// A read-only view of store `name` over the tasks this instance runs
    /// now (or of the global store `name`, which every instance holds in
    /// full), with the store's serdes `KS`/`VS` (for the timestamped store
    /// of a DSL aggregation or table, the plain value serde: timestamps
    /// are dropped, as Java's `keyValueStore()` query type does). Fails if no local task has
    /// the store (yet: during a rebalance or restoration) or the serdes differ.
    pub fn store<KS: Serde, VS: Serde>(&self, name: &str) -> Result<ReadOnlyKeyValueStore<KS, VS>> {
        // The tasks' instances of the store, or the global store of that
        // name (one per instance, read by every task).
        let state = self.instance_state();
        let mut candidates: Vec<Arc<dyn TaskStore>> = state
            .local_stores
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|((s, _), _)| s == name)
            .map(|(_, store)| store.clone())
            .collect();
        candidates.extend(
            state
                .global_stores
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .filter(|s| s.name() == name)
                .cloned(),
        );
        let mut stores = Vec::new();
        for task_store in &candidates {
            let store = name.to_owned();
            // The timestamped store of a DSL aggregation or table is read
            // with plain values, as Java's `ReadOnlyKeyValueStoreFacade`.
            let any = task_store.as_any();
            let typed = any
                .downcast_ref::<KvTaskStore<KS, VS>>()
                .map(KvTaskStore::handle)
                .or_else(|| {
                    any.downcast_ref::<KvTaskStore<KS, Timestamped<VS>>>()
                        .map(|s| s.handle().plain_view())
                })
                .ok_or_else(|| Error::State {
                    store: store.clone(),
                    message: format!(
                        "not a key/value store with serdes ({}, {})",
                        KS::name(),
                        VS::name()
                    ),
                })?;
            stores.push(typed);
        }
        if stores.is_empty() {
            return Err(Error::State {
                store: name.to_owned(),
                message: "no local task has this store now; retry once the instance is RUNNING"
                    .to_owned(),
            });
        }
        Ok(ReadOnlyKeyValueStore {
            name: name.to_owned(),
            stores,
        })
    }
}
