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
use crate::state::{LoggingRestoreListener, RocksDbConfig, StateRestoreListener, ThreadCache};
use crate::topology::Topology;
use crate::{Error, Result};

/// What the stream threads of one instance share about state.
pub(crate) struct InstanceState {
    rocksdb: RocksDbConfig,
    local_stores: LocalStores,
    listener: Mutex<Arc<dyn StateRestoreListener>>,
    /// Interactive-query metadata: the group's hosts and assignments.
    pub(crate) metadata: super::query::metadata::MetadataState,
}

impl Default for InstanceState {
    fn default() -> Self {
        InstanceState {
            rocksdb: RocksDbConfig::default(),
            local_stores: Arc::new(LocalStoreRegistry::default()),
            listener: Mutex::new(Arc::new(LoggingRestoreListener)),
            metadata: Default::default(),
        }
    }
}

impl InstanceState {
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
            rocksdb: self.rocksdb.clone(),
            cache: Arc::new(ThreadCache::for_thread(
                config.cache_max_bytes(),
                config.stream_threads(),
            )),
            eos: config.guarantee() == ProcessingGuarantee::ExactlyOnceV2,
            local_stores: Some(self.local_stores.clone()),
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
