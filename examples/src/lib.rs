//! Examples.

pub mod bench;
