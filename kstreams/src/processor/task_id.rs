//! [`TaskId`]: which sub-topology and which partition a task runs.

use std::fmt;

/// Identifies a task: sub-topology id and partition, printed `0_3` as in Kafka Streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    /// Index of the sub-topology in `Topology::describe()`.
    pub subtopology: u32,
    /// The input partition number shared by all of the task's source topics.
    pub partition: i32,
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.subtopology, self.partition)
    }
}
