//! Co-partitioning, checked at compile time: inputs that are joined must
//! have the same partition count, so that records with the same key meet
//! in the same task (Kafka Streams' copartition groups; a `merge` or a
//! processor with several parents has no such rule). `#[topology]` emits
//! `<Partitions<L> as CoPartitionedWith<Partitions<R>>>::CHECKED` at the
//! user's join call, with `L` and `R` the declared partition counts of the
//! two topics.

/// A partition count, as a type.
#[derive(Debug)]
pub struct Partitions<const N: u32>;

/// Holds when both sides have the same partition count (implemented only
/// for the identity, so a mismatch is reported with the message below).
#[diagnostic::on_unimplemented(
    message = "these inputs are not co-partitioned: one side has `{Self}`, the other `{Other}`",
    label = "joined here: both sides must read topics with the same number of partitions",
    note = "records with the same key must land in the same task, which needs the same partition count on both sides",
    note = "add `.repartition(Repartitioned::new().with_partitions(..))` on one side, or declare both topics with the same partition count"
)]
pub trait CoPartitionedWith<Other> {
    /// Names the check in an expression.
    const CHECKED: () = ();
}

impl<T> CoPartitionedWith<T> for T {}
