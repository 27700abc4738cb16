//! The public Processor API: [`Processor`], [`PunctuationType`], [`Cancellable`].
//!
//! A processor is instantiated once per task (by the supplier given to
//! `KStream::process`), so it may keep plain mutable state; `process` and
//! `punctuate` are never called concurrently for one instance. It must be
//! `Send`: a task may be handed between threads (never used by two at once).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::processor::{ProcessorContext, Record};
use crate::Result;

/// A node of the topology written by hand, as Kafka Streams'
/// `org.apache.kafka.streams.processor.api.Processor`.
///
/// `KIn`/`VIn` are the types it receives, `KOut`/`VOut` the types it
/// forwards through its [`ProcessorContext`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Processor<{KIn}, {VIn}, {KOut}, {VOut}>",
    label = "this processor does not accept or forward these key/value types",
    note = "implement `kstreams::processor::Processor<KIn, VIn, KOut, VOut>` with the key/value types of the stream it is attached to"
)]
pub trait Processor<KIn, VIn, KOut = KIn, VOut = VIn>: Send + 'static {
    /// Called once before the first record, e.g. to schedule punctuations.
    fn init(&mut self, ctx: &mut ProcessorContext<'_, KOut, VOut>) -> Result<()> {
        let _ = ctx;
        Ok(())
    }

    /// Processes one record; forward results with [`ProcessorContext::forward`].
    fn process(
        &mut self,
        record: Record<KIn, VIn>,
        ctx: &mut ProcessorContext<'_, KOut, VOut>,
    ) -> Result<()>;

    /// Called when a punctuation scheduled with [`ProcessorContext::schedule`]
    /// is due; `id` is [`Cancellable::id`] of that schedule and `timestamp`
    /// the current stream time (for [`PunctuationType::StreamTime`]) or wall
    /// clock time (for [`PunctuationType::WallClockTime`]).
    fn punctuate(
        &mut self,
        id: u64,
        timestamp: i64,
        ctx: &mut ProcessorContext<'_, KOut, VOut>,
    ) -> Result<()> {
        let _ = (id, timestamp, ctx);
        Ok(())
    }

    /// Called when the task closes cleanly.
    fn close(&mut self) {}

    /// The stores this processor declares (`#[processor(stores(..))]` on
    /// its impl block fills it in); they are added to the topology and
    /// connected to the processor wherever it is wired.
    #[doc(hidden)]
    fn connected_stores() -> Vec<crate::processor::supplier::ConnectedStore>
    where
        Self: Sized,
    {
        Vec::new()
    }
}

/// Which clock drives a punctuation, as Kafka Streams' `PunctuationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PunctuationType {
    /// Driven by data: fires when stream time (the highest record timestamp
    /// the task has processed) passes the next multiple of the interval.
    /// Fires at most once per processed record, however far time jumped.
    StreamTime,
    /// Driven by the system clock, whether or not data arrives.
    WallClockTime,
}

/// Handle to a scheduled punctuation; [`Cancellable::cancel`] stops it.
#[derive(Debug, Clone)]
pub struct Cancellable {
    pub(crate) id: u64,
    pub(crate) cancelled: Arc<AtomicBool>,
}

impl Cancellable {
    /// The id passed to [`Processor::punctuate`] for this schedule.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Stops the punctuation; it will not fire again.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancellable::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}
