//! Co-partitioning, checked at compile time: inputs that are processed
//! together (merged, joined, or parents of one processor) must have the
//! same partition count, so that records with the same key meet in the
//! same task. `#[topology]` emits `<Inputs as CoPartitioned<L, R>>::CHECKED`
//! at the user's `.merge(..)` or parent list, with `L` and `R` the declared
//! partition counts of the two topics.

/// The inputs of a merge, a join, or a processor with several parents.
#[derive(Debug)]
pub struct Inputs;

/// Holds when both sides have the same declared partition count.
#[diagnostic::on_unimplemented(
    message = "these inputs are not co-partitioned ({L} vs {R} partitions)",
    label = "merged/joined here: one side reads a topic with {L} partitions, the other one with {R}",
    note = "records with the same key must land in the same task, which needs the same partition count on both sides",
    note = "add `.repartition(Repartitioned::new().with_partitions(..))` on one side, or declare both topics with the same partition count"
)]
pub trait CoPartitioned<const L: u32, const R: u32> {
    /// Names the check in an expression.
    const CHECKED: () = ();
}

impl<const N: u32> CoPartitioned<N, N> for Inputs {}
