//! Support for the code `kstreams-macros` generates. Not a public API:
//! everything here may change in any release.
//!
//! The traits carry `#[diagnostic::on_unimplemented]` so that a check the
//! macros emit (spanned at the user's tokens) fails with a message about the
//! user's topology, never about these internals.

use std::sync::Arc;

use crate::processor::node::{NodeFactory, OpFn, StatelessFactory};
use crate::processor::Record;
use crate::Result;

/// A node factory, opaque outside kstreams.
pub struct Factory(pub(crate) Arc<dyn NodeFactory>);

impl std::fmt::Debug for Factory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Factory")
    }
}

/// The factory of a stateless node running `op` for each record; `emit`
/// forwards to the node's children.
pub fn stateless<KI, VI, KO, VO>(
    op: impl Fn(Record<KI, VI>, &mut dyn FnMut(Record<KO, VO>) -> Result<()>) -> Result<()> + Send + Sync + 'static,
) -> Factory
where
    KI: 'static,
    VI: 'static,
    KO: Clone + 'static,
    VO: Clone + 'static,
{
    let op: OpFn<KI, VI, KO, VO> = Arc::new(op);
    Factory(Arc::new(StatelessFactory { op }))
}

/// The inputs of a merge, or the parents of a multi-parent processor, as
/// `#[topology]` checks them.
#[derive(Debug)]
pub struct Inputs;

/// Holds when both sides have the same declared partition count.
#[diagnostic::on_unimplemented(
    message = "these inputs are not co-partitioned ({L} vs {R} partitions)",
    label = "merged/joined here: one side reads a topic with {L} partitions, the other one with {R}",
    note = "records with the same key must land in the same task, which needs the same partition count on both sides",
    note = "add `.repartition(Repartitioned::new().with_partitions(..))` on one side, or declare both topics with the same partition count"
)]
pub trait CoPartitioned<const L: u32, const R: u32> {}

impl<const N: u32> CoPartitioned<N, N> for Inputs {}

pub use ::core::time::Duration;
