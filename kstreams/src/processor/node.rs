//! Internal node model: how a task's DAG is wired and driven.
//!
//! Invariants:
//! - A [`NodeFactory`] lives in the `Topology` (shared by all tasks, so it is
//!   `Send + Sync`); [`NodeFactory::instantiate`] runs once per task and
//!   returns an [`Instance`] owned by that task only (`Rc`, never shared
//!   between threads).
//! - Nodes are instantiated children first. A child's typed input,
//!   `Arc<dyn NodeInput<K, V>>`, is stored type-erased (`Box<dyn Any + Send>`) and
//!   downcast exactly once, by its parent's factory ([`NodeEnv::children`]).
//!   A mismatch is a bug in the DSL, reported as `Error::Topology`.
//! - Forwarding is depth-first, in child order; a record is cloned only when
//!   it fans out to more than one child (the last child gets the original).
//! - [`NodeCx`] is the per-call view of the task (collector, clocks, record
//!   metadata); it is rebuilt for every record and punctuation.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use crate::errors::ErrorHandlers;
use crate::processor::punctuation::Schedule;
use crate::processor::{ConsumedRecord, RecordCollector, TaskId};
use crate::processor::{Headers, Record, RecordMetadata};
use crate::{Error, Result};

/// The task as a node sees it while processing one record or punctuation.
pub(crate) struct NodeCx<'a> {
    pub(crate) collector: &'a mut dyn RecordCollector,
    pub(crate) task_id: TaskId,
    pub(crate) application_id: &'a str,
    /// Where the current record came from; `None` during punctuation.
    pub(crate) metadata: Option<RecordMetadata>,
    pub(crate) stream_time: i64,
    pub(crate) wall_clock: i64,
    pub(crate) commit_requested: bool,
    /// Punctuations scheduled during this call, merged by the task afterwards.
    pub(crate) new_schedules: Vec<Schedule>,
    pub(crate) next_schedule_id: u64,
    /// The exception handlers (`crate::errors`).
    pub(crate) errors: &'a ErrorHandlers,
    /// The consumed record being processed, as bytes; `None` during punctuation.
    pub(crate) raw: Option<&'a ConsumedRecord>,
    /// The task's state stores.
    pub(crate) stores: &'a crate::processor::stores::TaskStores,
    /// Facts committed with the task's offsets (see `processor::metadata`).
    pub(crate) processor_metadata: &'a mut crate::processor::metadata::ProcessorMetadata,
}

/// A node that accepts typed records.
pub(crate) trait NodeInput<K, V>: Send + Sync {
    fn process(&self, record: Record<K, V>, cx: &mut NodeCx<'_>) -> Result<()>;
}

/// A source node: turns consumed bytes into typed records.
pub(crate) trait RawSource: Send + Sync {
    fn process_raw(
        &self,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        timestamp: i64,
        headers: Headers,
        cx: &mut NodeCx<'_>,
    ) -> Result<()>;
}

/// Lifecycle hooks of nodes that have them (Processor-API nodes).
pub(crate) trait Lifecycle: Send + Sync {
    fn init(&self, cx: &mut NodeCx<'_>) -> Result<()>;
    fn punctuate(&self, id: u64, timestamp: i64, cx: &mut NodeCx<'_>) -> Result<()>;
    fn close(&self);
}

/// A named, typed edge to a child.
pub(crate) struct Child<K, V> {
    pub(crate) name: Arc<str>,
    pub(crate) input: Arc<dyn NodeInput<K, V>>,
    /// The child's end-to-end latency sensor, if it is a terminal node
    /// (`crate::metrics`); `None` for every other node.
    pub(crate) metrics: Option<Arc<crate::metrics::NodeMetrics>>,
}

impl<K, V> Child<K, V> {
    /// Records a record with `timestamp` reaching the child, if it is a
    /// terminal node (`record-e2e-latency`, against the task's wall clock).
    #[inline]
    pub(crate) fn record_arrival(&self, timestamp: i64, cx: &NodeCx<'_>) {
        if let Some(metrics) = &self.metrics {
            metrics.record(cx.wall_clock, timestamp);
        }
    }
}

/// Forwards `record` to every child, depth-first, cloning only on fan-out.
pub(crate) fn forward<K: Clone, V: Clone>(
    children: &[Child<K, V>],
    record: Record<K, V>,
    cx: &mut NodeCx<'_>,
) -> Result<()> {
    match children.split_last() {
        None => Ok(()),
        Some((last, rest)) => {
            for child in rest {
                crate::processor::handling::process_child(child, record.clone(), cx)?;
            }
            crate::processor::handling::process_child(last, record, cx)
        }
    }
}

/// A child's metrics: `Some` for a terminal node (`crate::metrics`).
pub(crate) type ChildMetrics = Option<Arc<crate::metrics::NodeMetrics>>;

/// A node's typed input, type-erased: holds an `Arc<dyn NodeInput<K, V>>`
/// (or `()` for source nodes, which have no parent).
pub(crate) type Erased = Box<dyn Any + Send>;

/// What instantiating one node yields for one task.
pub(crate) struct Instance {
    pub(crate) input: Erased,
    pub(crate) source: Option<Arc<dyn RawSource>>,
    pub(crate) lifecycle: Option<Arc<dyn Lifecycle>>,
}

impl Instance {
    /// An ordinary node accepting `Record<K, V>`.
    pub(crate) fn node<K: 'static, V: 'static>(input: Arc<dyn NodeInput<K, V>>) -> Instance {
        Instance {
            input: Box::new(input),
            source: None,
            lifecycle: None,
        }
    }
}

/// Settings of the DSL's operators, from `StreamsConfig` (Kafka Streams'
/// internal configs of the same names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeSettings {
    /// `__emit.interval.ms.kstreams.outer.join.spurious.results.fix__`:
    /// how often (wall-clock ms) a left/outer stream-stream join looks for
    /// records whose window has closed. Default 1000, as Java.
    pub(crate) outer_join_emit_interval_ms: i64,
}

impl Default for NodeSettings {
    fn default() -> Self {
        NodeSettings {
            outer_join_emit_interval_ms: 1000,
        }
    }
}

/// What a factory may look at while instantiating its node for a task.
pub(crate) struct NodeEnv<'a> {
    pub(crate) name: &'a Arc<str>,
    /// Each child's name, typed input and metrics (terminal nodes only).
    pub(crate) children: Vec<(Arc<str>, &'a Erased, ChildMetrics)>,
    pub(crate) application_id: &'a str,
    /// Partition counts of topics known to the topology, by logical name.
    pub(crate) partitions: &'a HashMap<String, u32>,
    /// The task's state stores.
    pub(crate) stores: &'a crate::processor::stores::TaskStores,
    /// Operator settings.
    pub(crate) settings: &'a NodeSettings,
}

impl NodeEnv<'_> {
    /// The node's children as typed edges.
    pub(crate) fn children<K: 'static, V: 'static>(&self) -> Result<Vec<Child<K, V>>> {
        self.children
            .iter()
            .map(|(name, erased, metrics)| {
                erased
                    .downcast_ref::<Arc<dyn NodeInput<K, V>>>()
                    .map(|input| Child {
                        name: name.clone(),
                        input: input.clone(),
                        metrics: metrics.clone(),
                    })
                    .ok_or_else(|| {
                        Error::Topology(format!(
                            "node `{name}` (child of `{}`) does not accept records of type ({}, {})",
                            self.name,
                            std::any::type_name::<K>(),
                            std::any::type_name::<V>()
                        ))
                    })
            })
            .collect()
    }
}

/// Builds one node of the DAG for each task.
pub(crate) trait NodeFactory: Send + Sync {
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance>;
}

/// The body of a stateless operator: receives a record and emits any number
/// of records through `emit`.
pub(crate) type OpFn<KI, VI, KO, VO> = Arc<
    dyn Fn(Record<KI, VI>, &mut dyn FnMut(Record<KO, VO>) -> Result<()>) -> Result<()>
        + Send
        + Sync,
>;

/// Factory of a stateless operator node (filter, map, flat_map, peek, ...).
pub(crate) struct StatelessFactory<KI, VI, KO, VO> {
    pub(crate) op: OpFn<KI, VI, KO, VO>,
}

struct StatelessNode<KI, VI, KO, VO> {
    op: OpFn<KI, VI, KO, VO>,
    children: Vec<Child<KO, VO>>,
}

impl<KI, VI, KO: Clone, VO: Clone> NodeInput<KI, VI> for StatelessNode<KI, VI, KO, VO> {
    fn process(&self, record: Record<KI, VI>, cx: &mut NodeCx<'_>) -> Result<()> {
        (self.op)(record, &mut |out| forward(&self.children, out, cx))
    }
}

impl<KI, VI, KO, VO> NodeFactory for StatelessFactory<KI, VI, KO, VO>
where
    KI: 'static,
    VI: 'static,
    KO: Clone + 'static,
    VO: Clone + 'static,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let node: Arc<dyn NodeInput<KI, VI>> = Arc::new(StatelessNode {
            op: self.op.clone(),
            children: env.children::<KO, VO>()?,
        });
        Ok(Instance::node(node))
    }
}
