//! Records, headers, the Processor API and partitioning.
//!
//! This module owns the *processor model* shared by the DSL and the
//! Processor API, as in Kafka Streams:
//! - [`Record`]: key, value, timestamp and headers flowing through the DAG;
//! - [`Processor`] and [`ProcessorContext`]: user-written nodes that forward
//!   records, schedule punctuations and request commits;
//! - [`partitioner`]: Java's default partitioner (murmur2), used by sinks;
//! - [`TimestampExtractor`]: how a consumed record gets its event time.
//!
//! Internally every DSL operator is a node implementing `node::NodeInput`;
//! a task instantiates the nodes of its sub-topology once and forwards
//! records depth-first. Nothing here talks to Kafka.

mod api;
mod collector;
pub(crate) mod context;
pub(crate) mod handling;
pub(crate) mod metadata;
pub(crate) mod node;
pub mod partitioner;
pub(crate) mod processor_node;
pub(crate) mod punctuation;
mod record;
mod store_access;
pub(crate) mod stores;
pub(crate) mod supplier;
mod task_id;
mod timestamp;
pub(crate) mod windowed_stores;

pub use api::{Cancellable, Processor, PunctuationType};
pub(crate) use collector::RecordCollector;
pub use context::ProcessorContext;
pub(crate) use record::{ConsumedRecord, ProducedRecord};
pub use record::{Headers, Record, RecordMetadata};
pub use supplier::ProcessorSupplier;
pub use task_id::TaskId;
pub use timestamp::{
    ConsumedRecordView, RecordTimestampExtractor, TimestampExtractor, WallclockTimestampExtractor,
};
