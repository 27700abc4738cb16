//! Execution: `KafkaStreams`, stream threads, the task manager and tasks.
//!
//! `task` and `partition_group` are the seam between processing and the
//! Kafka-facing runtime: the runtime hands consumed records to a
//! `task::StreamTask`, asks it to process, and collects the records it
//! produces through a `RecordCollector` (`crate::processor`). The `TopologyTestDriver`
//! drives the very same tasks without a broker.
//!
//! The Kafka-facing part, as in Kafka Streams:
//! - [`KafkaStreams`] (`kafka_streams`): lifecycle, start-up checks, threads;
//! - `stream_thread`: one OS thread's poll → process → commit loop;
//! - `global_thread` / `global_task`: the global stores of global tables,
//!   bootstrapped before the stream threads start, then kept up to date;
//! - `task_manager`: a thread's tasks and its commit protocol;
//! - `assignment`: plans standby tasks from the group description,
//!   predicting librdkafka's range assignor;
//! - `state_cleaner`: deletes the state of tasks no longer owned;
//! - `assignment` / `standby`: the standby plan every instance computes from
//!   the group, and the standby thread keeping those copies warm;
//! - `record_collector`: task output into the thread's producer;
//! - [`State`] and the listener, [`StreamThreadExceptionResponse`];
//! - [`query`]: interactive queries on local stores.

pub(crate) mod assignment;
mod changelog_reader;
mod client;
#[cfg(test)]
mod commit_path_tests;
mod error_handler;
pub(crate) mod global_task;
mod global_thread;
mod instance_state;
mod kafka_streams;
pub(crate) mod partition_group;
mod partition_metadata;
mod process_metadata;
pub mod query;
mod record_collector;
mod repartition_purge;
mod signal;
mod standby;
mod state;
mod state_cleaner;
pub(crate) mod state_manager;
mod state_updater;
mod stream_thread;
pub(crate) mod task;
mod task_manager;
mod topology_metadata;

pub use error_handler::StreamThreadExceptionResponse;
pub use kafka_streams::KafkaStreams;
pub use state::State;

// The topology is shared by all stream threads (tasks stay on their thread).
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<crate::topology::Topology>();
};
