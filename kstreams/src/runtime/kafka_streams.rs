//! `KafkaStreams`: the client that runs a [`Topology`] against Kafka.
//!
//! `new` validates the configuration and reads (or creates) the process id;
//! `start` locks the application's state directory (one instance per
//! directory, see `state::StateDirLock`), checks the source topics, creates
//! the internal topics and starts `num.stream.threads` stream threads and
//! the state directory cleaner; `close` shuts them down, committing their
//! tasks, and unlocks the directory. See [`State`] for the lifecycle.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::assignment::process_key;
use super::client::{lock, ClientShared};
use super::error_handler::StreamThreadExceptionResponse;
use super::global_thread::GlobalStreamThread;
use super::instance_state::{changelog_topic_specs, InstanceState};
use super::process_metadata::load_or_create_process_id;
use super::standby::{standby_planner, StandbyThread};
use super::state::State;
use super::state_cleaner::StateDirCleaner;
use super::stream_thread::StreamThread;
use super::topology_metadata::TopologyMetadata;
use crate::config::StreamsConfig;
use crate::kafka::admin::StreamsAdmin;
use crate::kafka::client_config::admin_config;
use crate::metrics::{MetricsSnapshot, StreamsMetrics};
use crate::state::{app_dir, StateDirLock};
use crate::topology::Topology;
use crate::{Error, Result};

/// How long `Drop` waits for threads of a client that was never closed.
const DROP_CLOSE_TIMEOUT: Duration = Duration::from_secs(30);

/// A running (or runnable) Kafka Streams application instance.
pub struct KafkaStreams {
    topology: Arc<Topology>,
    config: Arc<StreamsConfig>,
    metadata: TopologyMetadata,
    process_id: String,
    shared: Arc<ClientShared>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Stores, restore listener and RocksDB memory shared by the threads.
    state: Arc<InstanceState>,
    /// The lock on `<state.dir>/<application.id>`, held from `start` until
    /// the threads have stopped.
    dir_lock: Mutex<Option<StateDirLock>>,
}

impl std::fmt::Debug for KafkaStreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaStreams")
            .field("application_id", &self.config.application_id())
            .field("process_id", &self.process_id)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl KafkaStreams {
    pub(crate) fn instance_state(&self) -> &InstanceState {
        &self.state
    }

    pub(crate) fn client_shared(&self) -> &Arc<ClientShared> {
        &self.shared
    }

    pub(crate) fn topology(&self) -> &Topology {
        &self.topology
    }

    pub(crate) fn topology_metadata(&self) -> &TopologyMetadata {
        &self.metadata
    }

    pub(crate) fn config(&self) -> &StreamsConfig {
        &self.config
    }

    /// Creates a client in state CREATED. Fails on an invalid configuration
    /// or an unusable state directory; does not contact Kafka.
    pub fn new(topology: Topology, config: StreamsConfig) -> Result<Self> {
        config.validate()?;
        let metadata = TopologyMetadata::from_topology(&topology, config.application_id())?;
        let process_id =
            load_or_create_process_id(config.get_state_dir(), config.application_id())?;
        let state = Arc::new(InstanceState::new(&config));
        // Java's client id: `<application.id>-<process id>`.
        let shared = ClientShared::new(
            Arc::new(StreamsMetrics::new(config.recording_level())),
            &format!("{}-{process_id}", config.application_id()),
        );
        Ok(KafkaStreams {
            topology: Arc::new(topology),
            config: Arc::new(config),
            metadata,
            process_id,
            shared,
            threads: Mutex::new(Vec::new()),
            state,
            dir_lock: Mutex::new(None),
        })
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.shared.state()
    }

    /// This instance's metrics now, as Java's `KafkaStreams.metrics()`:
    /// every client, thread, task, node, store and cache metric that
    /// `metrics.recording.level` records, with Kafka Streams' names, groups
    /// and tags (see [`crate::metrics`]).
    ///
    /// ```no_run
    /// use kstreams::{KafkaStreams, StreamsConfig};
    /// # fn demo(topology: kstreams::topology::Topology) -> kstreams::Result<()> {
    /// let streams = KafkaStreams::new(topology, StreamsConfig::new("app"))?;
    /// streams.start()?;
    /// let metrics = streams.metrics();
    /// for m in metrics.find("commit-total", &[]) {
    ///     println!("{} {:?} = {}", m.name, m.tags, m.value);
    /// }
    /// println!("dropped: {}", metrics.dropped_records_total());
    /// # Ok(()) }
    /// ```
    pub fn metrics(&self) -> MetricsSnapshot {
        self.shared.metrics.snapshot()
    }

    /// The registry behind [`metrics`](Self::metrics), shared with the
    /// stream threads (e.g. for an exporter that reads it periodically).
    pub fn streams_metrics(&self) -> &Arc<StreamsMetrics> {
        &self.shared.metrics
    }

    /// This instance's process id (persisted in the state directory).
    pub fn process_id(&self) -> &str {
        &self.process_id
    }

    /// Calls `listener(old, new)` on every state transition (from the thread
    /// causing it; keep it short).
    pub fn set_state_listener(&self, listener: impl Fn(State, State) + Send + Sync + 'static) {
        self.shared.set_listener(Arc::new(listener));
    }

    /// Decides what happens when a stream thread fails with an error it
    /// cannot recover from (default: shut the client down).
    pub fn set_uncaught_exception_handler(
        &self,
        handler: impl Fn(&Error) -> StreamThreadExceptionResponse + Send + Sync + 'static,
    ) {
        self.shared.set_handler(Arc::new(handler));
    }

    /// Locks the state directory, validates topics, creates internal
    /// topics and starts the stream threads (CREATED → REBALANCING). On
    /// error the client stays CREATED (and the directory unlocked).
    ///
    /// Fails with [`Error::StateDirLocked`] if another instance of this
    /// application (in this process or another) runs on the same
    /// `state.dir`: each instance needs its own.
    pub fn start(&self) -> Result<()> {
        if self.state() != State::Created {
            return Err(Error::IllegalState(format!(
                "start() called in state {}; a client starts once",
                self.state()
            )));
        }
        let app_dir = app_dir(self.config.get_state_dir(), self.config.application_id());
        let dir_lock = StateDirLock::acquire(&app_dir)?;
        let metadata = Arc::new(self.prepare_topics()?);
        *lock(&self.dir_lock) = Some(dir_lock);
        if !self.shared.set_state(State::Rebalancing) {
            lock(&self.dir_lock).take();
            return Err(Error::IllegalState(
                "the client was closed while starting".into(),
            ));
        }
        if self.topology.has_global_stores() {
            // Java's GlobalStreamThread: bootstrapped before any stream
            // thread starts, so the state reaches RUNNING only after it.
            let global_topics = self.topology.global_source_topics();
            let global = GlobalStreamThread {
                name: self.client_thread_name("GlobalStreamThread"),
                config: self.config.clone(),
                topology: self.topology.clone(),
                partitions: metadata
                    .partition_counts
                    .iter()
                    .filter(|(t, _)| global_topics.contains(t))
                    .map(|(t, n)| (t.clone(), *n))
                    .collect(),
                client: self.shared.clone(),
                state: self.state.clone(),
            };
            self.keep_thread(global.start())?;
        }
        let count = self.config.stream_threads();
        self.shared.register_threads(count);
        for index in 0..count {
            let thread = StreamThread {
                index,
                name: thread_name(&self.config, &self.process_id, index),
                process_id: self.process_id.clone(),
                config: self.config.clone(),
                topology: self.topology.clone(),
                metadata: metadata.clone(),
                client: self.shared.clone(),
                state: self.state.clone(),
            };
            self.keep_thread(thread.spawn())?;
        }
        let cleaner = StateDirCleaner {
            name: self.client_thread_name("CleanupThread"),
            app_dir,
            delay: self.config.state_cleanup_delay(),
            task_dirs: self.state.task_dirs.clone(),
            client: self.shared.clone(),
        };
        self.keep_thread(cleaner.spawn())?;
        if self.config.standby_replicas() > 0 && self.topology.has_logged_stores() {
            let standby = StandbyThread {
                name: self.client_thread_name("StandbyThread"),
                config: self.config.clone(),
                topology: self.topology.clone(),
                client: self.shared.clone(),
                registry: self.state.standbys.clone(),
                env: self.state.standby_env(&self.config),
                planner: standby_planner(&self.config, metadata.clone(), self.topology.clone()),
                own_process: process_key(
                    &own_consumer_client_id(
                        &self.config,
                        &thread_name(&self.config, &self.process_id, 0),
                    ),
                    self.config.application_id(),
                ),
            };
            self.keep_thread(standby.spawn())?;
        }
        Ok(())
    }

    /// Keeps a started thread's handle (joined by `close`); if it could
    /// not start, closes the client and returns the error.
    fn keep_thread(&self, spawned: Result<std::thread::JoinHandle<()>>) -> Result<()> {
        match spawned {
            Ok(handle) => {
                lock(&self.threads).push(handle);
                Ok(())
            }
            Err(e) => {
                self.close(DROP_CLOSE_TIMEOUT);
                Err(e)
            }
        }
    }

    /// The name of this client's thread with `role` (`<application.id>-<process id>-<role>`).
    fn client_thread_name(&self, role: &str) -> String {
        format!(
            "{}-{}-{role}",
            self.config.application_id(),
            self.process_id
        )
    }

    /// Checks source topics and creates internal ones; returns the metadata
    /// with every source topic's partition count filled in.
    fn prepare_topics(&self) -> Result<TopologyMetadata> {
        let admin = StreamsAdmin::new(&admin_config(
            &self.config,
            &format!("{}-admin", self.config.application_id()),
        ))?;
        let mut metadata = self.metadata.clone();
        let existing = admin.partition_counts(&metadata.user_topic_names())?;
        metadata.validate_user_topics(&existing, self.config.get_bootstrap_servers())?;
        let specs = metadata.internal_topic_specs();
        admin.create_internal_topics(&specs)?;
        admin.create_internal_topics(&changelog_topic_specs(
            &self.topology,
            self.config.application_id(),
        )?)?;
        metadata.partition_counts = existing;
        metadata
            .partition_counts
            .extend(specs.into_iter().map(|s| (s.name, s.partitions)));
        Ok(metadata)
    }

    /// Shuts the stream threads down, committing their tasks, and waits up
    /// to `timeout`. Returns whether every thread stopped in time. Once they
    /// have, the state directory is unlocked: another instance may use it.
    pub fn close(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        match self.state() {
            State::NotRunning | State::Error => return self.join_threads(deadline),
            State::PendingError => {
                self.shared.request_shutdown();
                return self.join_threads(deadline)
                    && self.shared.wait_for(timeout, |s| s == State::Error);
            }
            _ => {}
        }
        self.shared.set_state(State::PendingShutdown);
        self.shared.request_shutdown();
        let stopped = self.join_threads(deadline);
        if stopped {
            self.shared.set_state(State::NotRunning);
        } else {
            tracing::warn!("close: stream threads did not stop within {timeout:?}");
        }
        stopped
    }

    fn join_threads(&self, deadline: Instant) -> bool {
        let mut threads = lock(&self.threads);
        while threads.iter().any(|t| !t.is_finished()) {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        for handle in threads.drain(..) {
            if handle.join().is_err() {
                tracing::error!("a stream thread panicked outside its error handling");
            }
        }
        // No thread uses the state directory any more.
        lock(&self.dir_lock).take();
        true
    }

    /// Starts, runs until SIGINT or SIGTERM (or until the client fails),
    /// then closes. Returns the failure if the client ended in ERROR.
    pub fn run_until_signal(&self) -> Result<()> {
        super::signal::install_shutdown_signals()?;
        self.start()?;
        while !super::signal::shutdown_signalled()
            && !matches!(
                self.state(),
                State::Error | State::NotRunning | State::PendingError
            )
        {
            std::thread::sleep(Duration::from_millis(100));
        }
        self.close(Duration::from_secs(60));
        match self.state() {
            State::Error => Err(Error::IllegalState(format!(
                "the application stopped after an error: {}",
                self.shared
                    .last_error()
                    .unwrap_or_else(|| "see the log".into())
            ))),
            _ => Ok(()),
        }
    }
}

impl Drop for KafkaStreams {
    fn drop(&mut self) {
        if !matches!(
            self.state(),
            State::NotRunning | State::Error | State::Created
        ) {
            self.close(DROP_CLOSE_TIMEOUT);
        }
    }
}

/// The name of stream thread `index` (Java's `<client id>-StreamThread-<n>`,
/// counted from 1).
fn thread_name(config: &StreamsConfig, process_id: &str, index: usize) -> String {
    format!(
        "{}-{process_id}-StreamThread-{}",
        config.application_id(),
        index + 1
    )
}

/// The `client.id` the main consumer of thread `thread` has in the group
/// (the user's `client.id` if set, and the endpoint): how other instances
/// and the standby plan know this instance.
fn own_consumer_client_id(config: &StreamsConfig, thread: &str) -> String {
    crate::kafka::client_config::main_consumer_client_id(config, &format!("{thread}-consumer"))
}
