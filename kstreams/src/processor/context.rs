//! [`ProcessorContext`]: what a [`Processor`](crate::processor::Processor)
//! can do besides receiving records.
//!
//! The context is handed to every call (`init`, `process`, `punctuate`)
//! rather than kept by the processor, so it can borrow the task.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use crate::processor::node::{forward, Child, Lifecycle, NodeCx};
use crate::processor::punctuation::Schedule;
use crate::processor::TaskId;
use crate::processor::{Cancellable, PunctuationType, Record, RecordMetadata};
use crate::{Error, Result};

/// The operations behind a [`ProcessorContext`], implemented by the task.
pub(crate) trait ContextOps<K, V> {
    fn forward(&mut self, record: Record<K, V>) -> Result<()>;
    fn forward_to(&mut self, child: &str, record: Record<K, V>) -> Result<()>;
    fn schedule(
        &mut self,
        interval: Duration,
        kind: PunctuationType,
        key: Option<u64>,
    ) -> Result<Cancellable>;
    fn metadata(&self) -> Option<&RecordMetadata>;
    /// (stream time, wall clock)
    fn times(&self) -> (i64, i64);
    fn task(&self) -> (TaskId, &str);
    fn request_commit(&mut self);
    /// The task's stores and this node's name (for connection checks).
    fn stores(&self) -> (&crate::processor::stores::TaskStores, &str);
}

/// A processor's view of its task: forward records to its children,
/// schedule punctuations, request a commit, and read the current record's
/// metadata, as Kafka Streams' `api.ProcessorContext`.
pub struct ProcessorContext<'a, K, V> {
    pub(crate) ops: &'a mut dyn ContextOps<K, V>,
}

impl<K, V> ProcessorContext<'_, K, V> {
    /// Forwards a record to every child, depth-first.
    pub fn forward(&mut self, record: Record<K, V>) -> Result<()> {
        self.ops.forward(record)
    }

    /// Forwards a record to the child named `child` only.
    pub fn forward_to(&mut self, child: &str, record: Record<K, V>) -> Result<()> {
        self.ops.forward_to(child, record)
    }

    /// Schedules [`Processor::punctuate`](crate::processor::Processor::punctuate)
    /// every `interval` of stream time or wall-clock time.
    pub fn schedule(&mut self, interval: Duration, kind: PunctuationType) -> Result<Cancellable> {
        self.ops.schedule(interval, kind, None)
    }

    /// Like [`ProcessorContext::schedule`], but `punctuate` receives `key`
    /// instead of a generated id, so a processor with several punctuators
    /// can tell them apart without storing ids (this is what
    /// `#[punctuate]` methods compile to).
    pub fn schedule_keyed(
        &mut self,
        interval: Duration,
        kind: PunctuationType,
        key: u64,
    ) -> Result<Cancellable> {
        self.ops.schedule(interval, kind, Some(key))
    }

    /// Asks for a commit as soon as possible (Kafka Streams' `commit()`).
    pub fn commit(&mut self) {
        self.ops.request_commit();
    }

    /// Topic, partition and offset of the record being processed; `None`
    /// during punctuation.
    pub fn record_metadata(&self) -> Option<&RecordMetadata> {
        self.ops.metadata()
    }

    /// The task's stream time: the highest timestamp it has processed (-1
    /// before the first record).
    pub fn current_stream_time(&self) -> i64 {
        self.ops.times().0
    }

    /// Wall-clock time (ms) as the task last saw it (mocked by the test driver).
    pub fn current_system_time(&self) -> i64 {
        self.ops.times().1
    }

    /// The task running this processor.
    pub fn task_id(&self) -> TaskId {
        self.ops.task().0
    }

    /// The application id.
    pub fn application_id(&self) -> &str {
        self.ops.task().1
    }
}

/// The task-side implementation for one processor node.
pub(crate) struct NodeContext<'a, 'b, K, V> {
    pub(crate) cx: &'a mut NodeCx<'b>,
    pub(crate) children: &'a [Child<K, V>],
    pub(crate) node_name: &'a str,
    /// The node itself, for scheduling punctuations.
    pub(crate) this: Option<Arc<dyn Lifecycle>>,
}

impl<K: Clone, V: Clone> ContextOps<K, V> for NodeContext<'_, '_, K, V> {
    fn forward(&mut self, record: Record<K, V>) -> Result<()> {
        forward(self.children, record, self.cx)
    }

    fn forward_to(&mut self, child: &str, record: Record<K, V>) -> Result<()> {
        match self.children.iter().find(|c| &*c.name == child) {
            Some(c) => crate::processor::handling::process_child(c, record, self.cx),
            None => Err(Error::Processing {
                node: self.node_name.to_owned(),
                message: format!(
                    "forward_to(`{child}`): no such child; connect it in the topology first"
                ),
            }),
        }
    }

    fn schedule(
        &mut self,
        interval: Duration,
        kind: PunctuationType,
        key: Option<u64>,
    ) -> Result<Cancellable> {
        let interval = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
        if interval < 1 {
            return Err(Error::Processing {
                node: self.node_name.to_owned(),
                message: "punctuation interval must be at least 1 ms".to_owned(),
            });
        }
        let node = self.this.clone().ok_or_else(|| Error::Processing {
            node: self.node_name.to_owned(),
            message: "this node cannot schedule punctuations".to_owned(),
        })?;
        let cancelled = Arc::new(AtomicBool::new(false));
        let id = self.cx.next_schedule_id;
        self.cx.next_schedule_id += 1;
        let next = match kind {
            PunctuationType::StreamTime => 0,
            PunctuationType::WallClockTime => self.cx.wall_clock.saturating_add(interval),
        };
        let key = key.unwrap_or(id);
        self.cx.new_schedules.push(Schedule {
            id,
            key,
            node,
            kind,
            interval,
            next,
            cancelled: cancelled.clone(),
        });
        Ok(Cancellable { id: key, cancelled })
    }

    fn metadata(&self) -> Option<&RecordMetadata> {
        self.cx.metadata.as_ref()
    }

    fn times(&self) -> (i64, i64) {
        (self.cx.stream_time, self.cx.wall_clock)
    }

    fn task(&self) -> (TaskId, &str) {
        (self.cx.task_id, self.cx.application_id)
    }

    fn request_commit(&mut self) {
        self.cx.commit_requested = true;
    }

    fn stores(&self) -> (&crate::processor::stores::TaskStores, &str) {
        (self.cx.stores, self.node_name)
    }
}
