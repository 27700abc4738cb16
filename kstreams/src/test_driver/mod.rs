//! [`TopologyTestDriver`]: run a [`Topology`] in-process, without a broker.
//!
//! The driver builds one `StreamTask` (partition 0) per sub-topology,
//! exactly as the runtime does, and drives them synchronously: piping a
//! record processes it completely before `pipe_input` returns, including
//! what it causes through repartition topics (records written to a topic
//! the topology reads are fed back at once, as Kafka Streams'
//! `TopologyTestDriver` does). Everything is deterministic: wall-clock time
//! starts at 0 (or the time given) and only moves with
//! [`TopologyTestDriver::advance_wall_clock_time`].
//!
//! Every record written to any topic is kept until read through a
//! [`TestOutputTopic`].
//!
//! Global tables: a record piped into (or written by the topology to) a
//! global table's topic updates the global store at once, as Kafka
//! Streams' driver does; stream tasks read that one store, and
//! [`TopologyTestDriver::get_key_value_store`] finds it by name.

mod errors;
mod input;
mod output;
mod state;

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use kstreams_serde::Serde;

pub use input::TestInputTopic;
pub use output::{PartitionedRecord, TestOutputTopic};
pub use state::DriverConfig;

use crate::dsl::Topic;
use crate::errors::ErrorHandlers;
use crate::metrics::{MetricsSnapshot, StreamsMetrics};
use crate::processor::{ConsumedRecord, Headers, ProducedRecord, RecordCollector, TaskId};
use crate::runtime::global_task::GlobalStateUpdateTask;
use crate::runtime::state_manager::StateEnv;
use crate::runtime::task::{StreamTask, TaskConfig};
use crate::topology::Topology;
use crate::{Error, Result};

/// The application id the driver uses unless told otherwise.
pub const DEFAULT_APPLICATION_ID: &str = "topology-test-driver";

/// The `thread-id` tag of the driver's metrics (its tasks run on no
/// stream thread).
pub const DRIVER_THREAD_ID: &str = "topology-test-driver";

/// Runs a topology without Kafka, for unit tests (Kafka Streams'
/// `TopologyTestDriver`).
///
/// ```
/// use kstreams::dsl::{StreamsBuilder, Topic};
/// use kstreams::test_driver::TopologyTestDriver;
///
/// const IN: Topic<String, String, 1> = Topic::new("in");
/// const OUT: Topic<String, String, 1> = Topic::new("out");
///
/// let builder = StreamsBuilder::new();
/// builder.stream(IN).map_values(|v: String| v.len().to_string()).to(OUT);
/// let driver = TopologyTestDriver::new(builder.build()?)?;
/// let mut input = driver.create_input_topic(IN);
/// let output = driver.create_output_topic(OUT);
/// input.pipe_input_with_timestamp("k", "four", 42)?;
/// let record = output.read_record()?;
/// assert_eq!((record.key.as_str(), record.value.as_str(), record.timestamp), ("k", "4", 42));
/// assert!(output.is_empty());
/// # Ok::<(), kstreams::Error>(())
/// ```
pub struct TopologyTestDriver {
    state: Rc<RefCell<DriverState>>,
}

pub(crate) struct DriverState {
    application_id: String,
    tasks: Vec<StreamTask>,
    /// The global stores and their nodes, if the topology has global tables.
    pub(crate) global: Option<GlobalStateUpdateTask>,
    /// Resolved source topic → index of the task reading it.
    readers: HashMap<String, usize>,
    next_offsets: HashMap<String, i64>,
    pub(crate) outputs: HashMap<String, VecDeque<ProducedRecord>>,
    /// Partition counts by resolved topic name (topology + output topics).
    partitions: HashMap<String, u32>,
    wall_clock: i64,
    /// Stores' directory and record cache.
    env: StateEnv,
    /// Commit after every piped record (Kafka Streams' behaviour), or only
    /// on [`TopologyTestDriver::commit`].
    auto_commit: bool,
    /// The driver's metrics registry.
    pub(crate) metrics: Arc<StreamsMetrics>,
}

/// Collects what tasks produce, in memory.
struct Collector<'a> {
    produced: Vec<ProducedRecord>,
    partitions: &'a HashMap<String, u32>,
}

impl RecordCollector for Collector<'_> {
    fn send(&mut self, record: ProducedRecord) -> Result<()> {
        self.produced.push(record);
        Ok(())
    }

    fn partition_count(&mut self, topic: &str) -> Result<i32> {
        Ok(self.partitions.get(topic).map_or(1, |&n| n as i32))
    }
}

impl TopologyTestDriver {
    /// A driver with application id [`DEFAULT_APPLICATION_ID`] and wall-clock time 0.
    pub fn new(topology: Topology) -> Result<TopologyTestDriver> {
        TopologyTestDriver::with_settings(topology, DEFAULT_APPLICATION_ID, 0)
    }

    /// A driver with the given application id (prefix of internal topics)
    /// and initial wall-clock time (ms).
    pub fn with_settings(
        topology: Topology,
        application_id: &str,
        initial_wall_clock_ms: i64,
    ) -> Result<TopologyTestDriver> {
        let config = DriverConfig {
            application_id: application_id.to_owned(),
            initial_wall_clock_ms,
            ..DriverConfig::default()
        };
        TopologyTestDriver::with_config(topology, config)
    }

    /// A driver with every setting of [`DriverConfig`].
    pub fn with_config(topology: Topology, driver: DriverConfig) -> Result<TopologyTestDriver> {
        let application_id = driver.application_id.as_str();
        let initial_wall_clock_ms = driver.initial_wall_clock_ms;
        let mut env = StateEnv::temporary(driver.cache_max_bytes);
        let metrics = Arc::new(StreamsMetrics::new(driver.metrics_recording_level));
        let errors = ErrorHandlers::new(Default::default(), metrics.clone());
        let global = if topology.has_global_stores() {
            let global =
                GlobalStateUpdateTask::open(&topology, application_id, &env, errors.clone())?;
            env.global_stores = global.stores();
            Some(global)
        } else {
            None
        };
        let config = TaskConfig {
            application_id: application_id.to_owned(),
            thread_id: DRIVER_THREAD_ID.to_owned(),
            max_task_idle_ms: 0,
            buffered_records_per_partition: usize::MAX,
            errors,
            node_settings: crate::processor::node::NodeSettings {
                outer_join_emit_interval_ms: driver.outer_join_emit_interval_ms,
            },
        };
        let mut tasks = Vec::new();
        let mut readers = HashMap::new();
        for spec in topology.subtopology_specs(application_id) {
            let task = StreamTask::new(
                TaskId {
                    subtopology: spec.id,
                    partition: 0,
                },
                &topology,
                &config,
                &env,
            )?;
            for topic in spec.source_topics {
                readers.insert(topic, tasks.len());
            }
            tasks.push(task);
        }
        let mut partitions = HashMap::new();
        for (name, n) in topology.user_topic_partitions() {
            partitions.insert(name, n);
        }
        for spec in topology.internal_topics(application_id) {
            partitions.insert(spec.name, spec.partitions);
        }
        let mut state = DriverState {
            application_id: application_id.to_owned(),
            tasks,
            global,
            readers,
            next_offsets: HashMap::new(),
            outputs: HashMap::new(),
            partitions,
            wall_clock: initial_wall_clock_ms,
            env,
            auto_commit: driver.commit_after_each_input,
            metrics,
        };
        // Initializes every processor now, so wall-clock punctuations count
        // from the driver's start (nothing is due yet).
        state.punctuate_wall_clock()?;
        Ok(TopologyTestDriver {
            state: Rc::new(RefCell::new(state)),
        })
    }

    /// An input topic that pipes records with timestamps starting at 0 and
    /// not advancing by themselves.
    pub fn create_input_topic<KS: Serde, VS: Serde, const P: u32>(
        &self,
        topic: Topic<KS, VS, P>,
    ) -> TestInputTopic<KS, VS> {
        self.create_input_topic_with_time(topic, 0, Duration::ZERO)
    }

    /// An input topic whose records get timestamp `start_ms`, then advance
    /// by `auto_advance` after each record.
    pub fn create_input_topic_with_time<KS: Serde, VS: Serde, const P: u32>(
        &self,
        topic: Topic<KS, VS, P>,
        start_ms: i64,
        auto_advance: Duration,
    ) -> TestInputTopic<KS, VS> {
        TestInputTopic::new(
            self.state.clone(),
            topic.name().to_owned(),
            start_ms,
            auto_advance,
        )
    }

    /// An output topic reading what the topology wrote to `topic`.
    pub fn create_output_topic<KS: Serde, VS: Serde, const P: u32>(
        &self,
        topic: Topic<KS, VS, P>,
    ) -> TestOutputTopic<KS, VS> {
        self.state
            .borrow_mut()
            .partitions
            .entry(topic.name().to_owned())
            .or_insert(P);
        TestOutputTopic::new(self.state.clone(), topic.name().to_owned())
    }

    /// Advances wall-clock time and fires due wall-clock punctuations.
    pub fn advance_wall_clock_time(&self, by: Duration) -> Result<()> {
        let mut state = self.state.borrow_mut();
        state.wall_clock = state
            .wall_clock
            .saturating_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX));
        state.punctuate_wall_clock()?;
        state.run()
    }

    /// Current wall-clock time (ms).
    pub fn wall_clock_time(&self) -> i64 {
        self.state.borrow().wall_clock
    }

    /// Names of all topics that have records not yet read.
    pub fn producer_topics(&self) -> Vec<String> {
        let state = self.state.borrow();
        let mut topics: Vec<String> = state
            .outputs
            .iter()
            .filter(|(_, q)| !q.is_empty())
            .map(|(t, _)| t.clone())
            .collect();
        topics.sort();
        topics
    }

    /// The driver's metrics now, as
    /// [`KafkaStreams::metrics`](crate::KafkaStreams::metrics): the same
    /// task, node, store and cache metrics (tagged `thread-id` =
    /// [`DRIVER_THREAD_ID`]), at [`DriverConfig::metrics_recording_level`].
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::metrics::RecordingLevel;
    /// use kstreams::test_driver::{DriverConfig, TopologyTestDriver};
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("in");
    /// const OUT: Topic<String, String, 1> = Topic::new("out");
    /// let b = StreamsBuilder::new();
    /// b.stream(IN).to(OUT);
    /// let config = DriverConfig { metrics_recording_level: RecordingLevel::Debug, ..Default::default() };
    /// let driver = TopologyTestDriver::with_config(b.build()?, config)?;
    /// driver.create_input_topic(IN).pipe_key_values([("a", "1"), ("b", "2")])?;
    /// let metrics = driver.metrics();
    /// assert_eq!(metrics.value("process-total", &[("task-id", "0_0"), ("processor-node-id", "KSTREAM-SOURCE-0000000000")]), Some(2.0));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn metrics(&self) -> MetricsSnapshot {
        self.state.borrow().metrics.snapshot()
    }

    /// The application id (prefix of internal topic names).
    pub fn application_id(&self) -> String {
        self.state.borrow().application_id.clone()
    }
}

impl Drop for TopologyTestDriver {
    fn drop(&mut self) {
        if let Ok(mut state) = self.state.try_borrow_mut() {
            for task in &mut state.tasks {
                task.close(true);
            }
            if let Some(global) = &mut state.global {
                global.close(true);
            }
            state.env.remove_dir();
        }
    }
}

impl DriverState {
    /// Buffers a consumed record in the task reading `topic`.
    pub(crate) fn enqueue(
        &mut self,
        topic: &str,
        key: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
        timestamp: i64,
        headers: Headers,
    ) -> Result<()> {
        let global = self.global.as_ref().is_some_and(|g| g.reads(topic));
        let task = match self.readers.get(topic) {
            _ if global => None,
            Some(&task) => Some(task),
            None => {
                let mut known: Vec<&String> = self.readers.keys().collect();
                known.sort();
                return Err(Error::Topic(format!(
                    "topic `{topic}` is not read by the topology (it reads {known:?})"
                )));
            }
        };
        let offset = self.next_offsets.entry(topic.to_owned()).or_insert(0);
        let record = ConsumedRecord {
            topic: topic.into(),
            partition: 0,
            offset: *offset,
            timestamp,
            key,
            value,
            headers,
        };
        *offset += 1;
        match task {
            Some(task) => {
                self.tasks[task].add_record(record);
                Ok(())
            }
            None => self.update_global(record),
        }
    }

    /// Applies a record of a global table's topic to its store at once.
    fn update_global(&mut self, record: ConsumedRecord) -> Result<()> {
        let mut collector = Collector {
            produced: Vec::new(),
            partitions: &self.partitions,
        };
        let updated = match &mut self.global {
            Some(global) => global.update(record, &mut collector),
            None => Ok(()),
        };
        let produced = collector.produced;
        self.route(produced)?;
        updated
    }

    /// Keeps produced records and feeds those for topics the topology reads.
    fn route(&mut self, produced: Vec<ProducedRecord>) -> Result<()> {
        for record in produced {
            let global = self.global.as_ref().is_some_and(|g| g.reads(&record.topic));
            if global || self.readers.contains_key(&*record.topic) {
                let r = record.clone();
                self.enqueue(&r.topic, r.key, r.value, r.timestamp, r.headers)?;
            }
            self.outputs
                .entry(record.topic.to_string())
                .or_default()
                .push_back(record);
        }
        Ok(())
    }

    /// Processes until no task can make progress, then (with auto-commit)
    /// commits, until committing forwards nothing more.
    pub(crate) fn run(&mut self) -> Result<()> {
        loop {
            self.process_all()?;
            if !self.auto_commit || !self.commit_all()? {
                return Ok(());
            }
        }
    }

    /// Processes until no task can make progress.
    fn process_all(&mut self) -> Result<()> {
        loop {
            let mut progressed = false;
            for i in 0..self.tasks.len() {
                loop {
                    let mut collector = Collector {
                        produced: Vec::new(),
                        partitions: &self.partitions,
                    };
                    let processed = self.tasks[i].process(self.wall_clock, &mut collector);
                    let produced = collector.produced;
                    self.route(produced)?;
                    if !processed? {
                        break;
                    }
                    progressed = true;
                }
            }
            if !progressed {
                return Ok(());
            }
        }
    }

    /// Commits every task (flushing caches); returns whether that fed
    /// records back to the topology (which then need processing).
    fn commit_all(&mut self) -> Result<bool> {
        let mut fed_back = false;
        for i in 0..self.tasks.len() {
            let mut collector = Collector {
                produced: Vec::new(),
                partitions: &self.partitions,
            };
            let committed = self.tasks[i].prepare_commit(&mut collector);
            let produced = collector.produced;
            fed_back |= produced
                .iter()
                .any(|r| self.readers.contains_key(&*r.topic));
            self.route(produced)?;
            committed?;
            self.tasks[i].post_commit();
        }
        Ok(fed_back)
    }

    fn punctuate_wall_clock(&mut self) -> Result<()> {
        for i in 0..self.tasks.len() {
            let mut collector = Collector {
                produced: Vec::new(),
                partitions: &self.partitions,
            };
            let fired = self.tasks[i].punctuate_wall_clock(self.wall_clock, &mut collector);
            let produced = collector.produced;
            self.route(produced)?;
            fired?;
        }
        Ok(())
    }
}
