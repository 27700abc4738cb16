//! The Kafka Streams DSL: [`StreamsBuilder`], typed [`Topic`]s and
//! [`KStream`] with its stateless operators, grouping and aggregations
//! ([`KGroupedStream`]), [`KTable`]s ([`KGroupedTable`], [`Materialized`])
//! and [`GlobalKTable`]s.
//!
//! The DSL only *describes* a graph: every operator adds a named node
//! (Kafka Streams' generated names, e.g. `KSTREAM-FILTER-0000000001`, or the
//! name given with [`KStream::named`]) and returns a new stream.
//! [`StreamsBuilder::build`] validates the graph and turns it into a
//! [`Topology`](crate::topology::Topology). One operator family per file.

mod aggregate;
mod builder;
mod cogroup;
mod copartition;
mod emit_strategy;
mod filter;
mod fk_join;
mod flat_map;
mod fold;
mod global_table;
mod grouped;
mod grouped_table;
mod join_windows;
mod joined;
mod kstream;
mod ktable;
mod map;
mod materialized;
mod merge;
mod peek;
pub(crate) mod process;
mod repartition;
mod session_aggregate;
mod session_windowed;
mod sink;
mod sliding_aggregate;
mod sliding_windowed;
mod source;
mod split;
mod stateful_process;
mod stream_global_join;
mod stream_stream_join;
mod stream_table_join;
mod suppress;
mod table_node;
mod table_source;
mod table_table_join;
mod time_windowed;
mod topic;
mod type_checks;
mod value_getter;
mod via;
mod windowed_by;
mod windowed_cache;
mod windows;
mod wiring;

pub use builder::StreamsBuilder;
pub use cogroup::CogroupedKStream;
pub use emit_strategy::EmitStrategy;
pub use global_table::GlobalKTable;
pub use grouped::{Grouped, KGroupedStream};
pub use grouped_table::{ChangeSerde, KGroupedTable};
pub use join_windows::{JoinWindows, StreamJoined};
pub use joined::Joined;
pub use kstream::KStream;
pub use ktable::{Change, KTable};
pub use materialized::Materialized;
pub use repartition::Repartitioned;
pub use session_windowed::SessionWindowedKStream;
pub use sliding_windowed::SlidingWindowedKStream;
pub use split::BranchedKStream;
pub use suppress::{
    BufferConfig, Eager, Strict, Suppressed, SuppressionFor, UntilTimeLimit, UntilWindowCloses,
};
pub use time_windowed::TimeWindowedKStream;
pub use topic::Topic;
pub use type_checks::{KeyMatches, ValueMatches};
pub use windowed_by::WindowDefinition;
pub use windows::{SessionWindows, SlidingWindows, TimeWindows};
