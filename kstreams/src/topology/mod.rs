//! The physical topology.

/// A topology (stub).
#[derive(Debug)]
pub struct Topology {}
