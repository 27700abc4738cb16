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

pub use ::core::time::Duration;
