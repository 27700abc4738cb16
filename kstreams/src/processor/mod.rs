//! Records, headers, the processor context and partitioning.

/// Record headers (stub).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<(String, Option<Vec<u8>>)>);
