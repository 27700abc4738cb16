//! Serdes for kstreams: how keys and values become Kafka bytes.
//!
//! Every format here writes exactly the bytes that Kafka's Java serializers
//! write, so Java consumers read our output and we read theirs.
#![warn(missing_docs, unreachable_pub)]

mod error;
mod serde;

pub use crate::error::SerdeError;
pub use crate::serde::Serde;
