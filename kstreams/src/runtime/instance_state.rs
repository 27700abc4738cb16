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
    /// The standby tasks of this instance, and which tasks are active here.
    pub(crate) standbys: Arc<super::standby::StandbyTasks>,
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
            standbys: Arc::default(),
        }
    }
}

impl InstanceState {
    /// The state of a new instance: RocksDB's memory bound, with the
    /// configuration's `rocksdb.config.setter` applied to every database.
    pub(crate) fn new(config: &StreamsConfig) -> Self {
        InstanceState {
            rocksdb: rocksdb_config(config),
            ..InstanceState::default()
        }
    }

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
            standbys: None,
        }
    }

    /// The state environment of the standby thread: no record cache and no
    /// hand-over (it holds the standbys). Its stores are registered for
    /// interactive queries and never marked restored: only queries with
    /// stale stores enabled read them, as Java's standby stores.
    pub(crate) fn standby_env(&self, config: &StreamsConfig) -> StateEnv {
        StateEnv {
            local_stores: Some(self.local_stores.clone()),
            ..self.global_env(config)
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
            standbys: Some(self.standbys.clone()),
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
            records_per_iteration: config.restore_records_per_poll(),
        })
    }
}

/// The shared RocksDB settings, with the user's setter (if any) adapted
/// into the state layer's options hook.
pub(crate) fn rocksdb_config(config: &StreamsConfig) -> RocksDbConfig {
    let base = RocksDbConfig::default();
    #[cfg(feature = "rocksdb")]
    if let Some(setter) = config.rocksdb_setter() {
        let setter = setter.0.clone();
        let configs = config.originals().clone();
        return base.with_options_hook(Arc::new(move |name, options| {
            setter.set_config(name, options, &configs);
        }));
    }
    #[cfg(not(feature = "rocksdb"))]
    let _ = config;
    base
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

#[cfg(test)]
#[cfg(feature = "rocksdb")]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;
    use crate::dsl::{Materialized, SessionWindows, StreamsBuilder, TimeWindows, Topic};
    use crate::processor::{ConsumedRecord, Headers, ProducedRecord, RecordCollector};
    use crate::runtime::task::{StreamTask, TaskConfig};
    use crate::serde::I64;

    const EVENTS: Topic<String, String, 1> = Topic::new("events");

    struct Discard;

    impl RecordCollector for Discard {
        fn send(&mut self, _record: ProducedRecord) -> Result<()> {
            Ok(())
        }
        fn partition_count(&mut self, _topic: &str) -> Result<i32> {
            Ok(1)
        }
    }

    /// Every database directory under `dir` (one holding an `OPTIONS-*`
    /// file), with the text of its newest options file.
    fn options_files(dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut newest: Option<std::path::PathBuf> = None;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                options_files(&path, out);
            } else if entry.file_name().to_string_lossy().starts_with("OPTIONS-") {
                newest = newest.max(Some(path));
            }
        }
        if let Some(file) = newest {
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
            let text = std::fs::read_to_string(&file).expect("readable OPTIONS file");
            out.insert(name.unwrap_or_default(), text);
        }
    }

    #[test]
    fn the_config_setter_reaches_every_rocksdb_database_with_its_name_and_the_configs() {
        let calls: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
        let seen = calls.clone();
        let config = StreamsConfig::new("setter-app")
            .set("test.max.open.files", "777")
            .rocksdb_config_setter(
                move |name: &str,
                      options: &mut rocksdb::Options,
                      configs: &BTreeMap<String, String>| {
                    *seen.lock().unwrap().entry(name.to_owned()).or_default() += 1;
                    let files = configs["test.max.open.files"].parse().unwrap();
                    options.set_max_open_files(files);
                },
            );
        let b = StreamsBuilder::new();
        let grouped = b.stream(EVENTS).group_by_key();
        grouped.count_with(Materialized::<String, I64>::as_("kv-counts"));
        grouped
            .windowed_by(TimeWindows::of_size_with_no_grace(Duration::from_secs(10)))
            .count_with(Materialized::<String, I64>::as_("window-counts"));
        grouped
            .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(
                Duration::from_secs(10),
            ))
            .count_with(Materialized::<String, I64>::as_("session-counts"));
        let topology = b.build().unwrap();
        let env = StateEnv {
            rocksdb: rocksdb_config(&config),
            ..StateEnv::temporary(1 << 20)
        };
        let task_config = TaskConfig {
            application_id: "setter-app".into(),
            max_task_idle_ms: 0,
            buffered_records_per_partition: 100,
            errors: Default::default(),
            node_settings: Default::default(),
            thread_id: "t".into(),
        };
        let id = TaskId {
            subtopology: 0,
            partition: 0,
        };
        let mut task = StreamTask::new(id, &topology, &task_config, &env).unwrap();
        // A record opens the window and session stores' first segments.
        task.add_record(ConsumedRecord {
            topic: "events".into(),
            partition: 0,
            offset: 0,
            timestamp: 1_000_000,
            key: Some(b"k".to_vec()),
            value: Some(b"v".to_vec()),
            headers: Headers::default(),
        });
        assert!(task.process(0, &mut Discard).unwrap());
        task.prepare_commit(&mut Discard).unwrap();

        let calls = calls.lock().unwrap().clone();
        assert_eq!(calls.get("kv-counts"), Some(&1), "{calls:?}");
        for store in ["window-counts", "session-counts"] {
            let segment = format!("{store}.");
            assert!(
                calls.keys().any(|name| name.starts_with(&segment)),
                "no segment of {store} configured: {calls:?}"
            );
        }
        let mut databases = BTreeMap::new();
        let dir = crate::state::task_dir(&env.state_dir, "setter-app", &id.to_string());
        options_files(&dir, &mut databases);
        assert_eq!(
            databases.keys().collect::<Vec<_>>(),
            calls.keys().collect::<Vec<_>>(),
            "one setter call per database opened"
        );
        for (name, text) in &databases {
            assert!(
                text.contains("max_open_files=777"),
                "{name}: the setter's option is not in effect"
            );
        }
        task.close(true);
        env.remove_dir();
    }
}
