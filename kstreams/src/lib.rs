//! # kstreams — Kafka Streams for Rust
//!
//! Read from Kafka, process records through a typed DAG of operators with
//! local state, and write back to Kafka with exactly-once guarantees, on the
//! execution model of Apache Kafka Streams.
//!
//! Layers, as in Kafka Streams:
//! - [`dsl`]: `StreamsBuilder`, `KStream`, ... build a logical graph;
//! - [`topology`]: the physical `Topology`, split into sub-topologies;
//! - [`processor`]: records, the processor context, partitioning;
//! - [`runtime`]: `KafkaStreams`, stream threads, tasks, commits;
//! - `kafka` (private): the only module that talks to rdkafka.
#![warn(missing_docs, unreachable_pub)]

pub mod config;
pub mod dsl;
pub mod error;
pub(crate) mod kafka;
pub mod processor;
pub mod runtime;
pub mod state;
pub mod test_driver;
pub mod topology;

pub use kstreams_serde as serde;

pub use crate::error::{Error, Result};

pub use crate::config::{ProcessingGuarantee, StreamsConfig};
pub use crate::runtime::{KafkaStreams, State, StreamThreadExceptionResponse};
pub use crate::dsl::{KStream, Repartitioned, StreamsBuilder, Topic};
pub use crate::processor::{Headers, Processor, ProcessorContext, PunctuationType, Record};
pub use crate::test_driver::TopologyTestDriver;
pub use crate::topology::Topology;
