//! `PartitionGroup`: picks, among a task's input partitions, the buffered
//! record with the lowest timestamp (seam stub; filled by the processing side).
