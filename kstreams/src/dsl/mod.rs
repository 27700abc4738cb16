//! The Kafka Streams DSL: [`StreamsBuilder`], typed [`Topic`]s and
//! [`KStream`] with its stateless operators.
//!
//! The DSL only *describes* a graph: every operator adds a named node
//! (Kafka Streams' generated names, e.g. `KSTREAM-FILTER-0000000001`, or the
//! name given with [`KStream::named`]) and returns a new stream.
//! [`StreamsBuilder::build`] validates the graph and turns it into a
//! [`Topology`](crate::topology::Topology). One operator family per file.

mod builder;
mod filter;
mod flat_map;
mod kstream;
mod map;
mod merge;
mod peek;
mod process;
mod repartition;
mod sink;
mod source;
mod split;
mod topic;

pub use builder::StreamsBuilder;
pub use kstream::KStream;
pub use repartition::Repartitioned;
pub use split::BranchedKStream;
pub use topic::Topic;
