//! State shared by the stream threads of one `KafkaStreams` instance: the
//! RocksDB memory bound, the global restore listener, and the registry of
//! local stores that interactive queries read
//! ([`KafkaStreams::store`](crate::KafkaStreams::store), `runtime::query`).
//!
//! Must never: hand out a writable store to a caller outside a task.

use std::sync::{Arc, Mutex};

use super::changelog_reader::TaskStateSupport;
use super::kafka_streams::KafkaStreams;
use super::query::registry::LocalStoreRegistry;
use super::state_manager::{LocalStores, StateEnv};
use crate::config::{ProcessingGuarantee, StreamsConfig};
use crate::kafka::admin::InternalTopicSpec;
use crate::kafka::restore_consumer::RestoreConsumer;
use crate::processor::stores::TaskStore;
use crate::processor::TaskId;
use crate::state::{
    LoggingRestoreListener, RocksDbConfig, StateRestoreListener, TaskDirLocks, ThreadCache,
};
use crate::topology::Topology;
use crate::{Error, Result};

/// What the stream threads of one instance share about state.
pub(crate) struct InstanceState {
    rocksdb: RocksDbConfig,
    local_stores: LocalStores,
    /// The task directories open on the stream threads (see
    /// `runtime::state_cleaner`).
    pub(crate) task_dirs: Arc<TaskDirLocks>,
    listener: Mutex<Arc<dyn StateRestoreListener>>,
    /// The global stores, once the global thread has bootstrapped them;
    /// every task built afterwards reads them.
    global_stores: Mutex<Vec<Arc<dyn TaskStore>>>,
    /// Interactive-query metadata: the group's hosts and assignments.
    pub(crate) metadata: super::query::metadata::MetadataState,
}

impl Default for InstanceState {
    fn default() -> Self {
        InstanceState {
            rocksdb: RocksDbConfig::default(),
            local_stores: Arc::new(LocalStoreRegistry::default()),
            task_dirs: Arc::default(),
            listener: Mutex::new(Arc::new(LoggingRestoreListener)),
            global_stores: Mutex::new(Vec::new()),
            metadata: Default::default(),
        }
    }
}

impl InstanceState {
    /// The state environment of the global thread: no record cache
    /// (global stores have none) and no registry of task stores.
    pub(crate) fn global_env(&self, config: &StreamsConfig) -> StateEnv {
        StateEnv {
            state_dir: config.get_state_dir().to_owned(),
            task_dirs: self.task_dirs.clone(),
            rocksdb: self.rocksdb.clone(),
            cache: Arc::new(ThreadCache::new(0)),
            eos: config.guarantee() == ProcessingGuarantee::ExactlyOnceV2,
            local_stores: None,
            global_stores: Vec::new(),
        }
    }

    /// Hands the bootstrapped global stores to the stream threads, and to
    /// interactive queries (registered as restored, under a task id no
    /// stream task has: `u32::MAX` as sub-topology).
    pub(crate) fn set_global_stores(&self, stores: Vec<Arc<dyn TaskStore>>) {
        for (i, store) in stores.iter().enumerate() {
            let task = TaskId {
                subtopology: u32::MAX,
                partition: i32::try_from(i).unwrap_or(i32::MAX),
            };
            self.local_stores.register(task, store.clone());
            self.local_stores.restored(task);
        }
        *self.global_stores.lock().unwrap_or_else(|p| p.into_inner()) = stores;
    }

    /// The registry of local store instances (interactive queries).
    pub(crate) fn registry(&self) -> LocalStores {
        self.local_stores.clone()
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
            task_dirs: self.task_dirs.clone(),
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
}
