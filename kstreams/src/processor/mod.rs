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
pub(crate) mod context;
pub(crate) mod node;
pub mod partitioner;
pub(crate) mod punctuation;
mod record;
mod timestamp;

pub use api::{Cancellable, Processor, PunctuationType};
pub use context::ProcessorContext;
pub use record::{Headers, Record, RecordMetadata};
pub use timestamp::{
    ConsumedRecordView, RecordTimestampExtractor, TimestampExtractor, WallclockTimestampExtractor,
};
