//! # kstreams — Kafka Streams for Rust
//!
//! Read from Kafka, process records through a typed DAG of operators with
//! local state, and write back to Kafka with exactly-once guarantees, on the
//! execution model of Apache Kafka Streams.
//!
//! ## Modules, as Kafka Streams' layers
//! - [`dsl`]: `StreamsBuilder`, `KStream`, `KTable`, grouped streams, build
//!   a logical graph;
//! - [`topology`]: the physical `Topology`, split into sub-topologies, and
//!   its `describe()`;
//! - [`processor`]: records, the Processor API (`Processor`,
//!   `ProcessorContext`), partitioning, and the nodes a task runs;
//! - [`runtime`]: `KafkaStreams`, stream threads, tasks, commits;
//! - [`state`]: state stores (`KeyValueStore`, builders, restore listener);
//! - [`errors`]: exception handlers and the dead-letter queue;
//! - [`metrics`]: Kafka Streams' metrics (`KafkaStreams::metrics`), the
//!   `metrics` facade and Prometheus text;
//! - [`config`]: `StreamsConfig`; [`test_driver`]: `TopologyTestDriver`;
//! - `kafka` (private): the only module that talks to rdkafka.
//!
//! ## The layering rule
//! Imports point one way, so that each layer can be read (and tested)
//! without the ones above it:
//!
//! ```text
//! dsl → topology → processor ← runtime → kafka
//!                     ↓           ↓
//!                   errors      config → errors
//!                     ↓
//!     processor's record types (Record, Headers, TaskId, RecordCollector)
//!                     ↓
//!                state, error
//!                     ↓
//!                  metrics
//! ```
//!
//! [`metrics`] (sensors and their registry) is at the bottom: every layer
//! holds sensors, and it imports nothing but `error`. `state` depends on nothing above it; `errors` sees only the record
//! types of `processor` (as Java's `errors` sees `processor.api`); the
//! `kafka` module sees records and configuration, never tasks or nodes.
//! `cargo xtask layers` (run first by `cargo xtask test`) fails on an
//! import against this rule; tests may import anything.
//!
//! ## Features
//! - `rocksdb` (default): persistent state stores on RocksDB. Without it
//!   kstreams compiles no C++, offers in-memory and LRU stores only, and a
//!   topology with a persistent store fails in `StreamsBuilder::build`.
//! - `http`: `kstreams::http::QueryServer`, an HTTP endpoint for
//!   interactive queries (axum on tokio, on its own thread).
//! - `prometheus`: `kstreams::metrics::prometheus` (the metrics in
//!   Prometheus' text format) and `kstreams::metrics::PrometheusServer`;
//!   with `http` too, the `QueryServer` also serves `/metrics`.
#![warn(missing_docs, unreachable_pub)]

pub mod config;
pub mod dsl;
pub mod error;
pub mod errors;
#[cfg(feature = "http")]
pub mod http;
pub(crate) mod kafka;
pub mod metrics;
pub mod processor;
pub mod runtime;
pub mod state;
pub mod test_driver;
pub mod topology;

#[doc(hidden)]
#[path = "macro_support.rs"]
pub mod __private;

pub use kstreams_serde as serde;

/// The `rocksdb` crate kstreams' persistent stores are built on, for
/// [`RocksDbConfigSetter`](config::RocksDbConfigSetter)s (its `Options`).
#[cfg(feature = "rocksdb")]
pub use rocksdb;

/// Turns a function into a typed node, or an `impl` block into a
/// Processor-API processor.
///
/// On a function, the node's shape comes from its signature (`K`/`V` the
/// key and value read, `&` optional unless noted):
///
/// | signature | shape | like |
/// | --- | --- | --- |
/// | `fn(&V) -> bool`, `fn(&K, &V) -> bool` (references) | filter | `filter` |
/// | `fn(V) -> V2`, `fn(&K, V) -> V2` | value mapper | `map_values` |
/// | `fn(K, V) -> (K2, V2)` | key-changing mapper | `map` |
/// | `fn(V) -> Vec<V2>` / `impl IntoIterator<Item = V2>` | value flat-mapper | `flat_map_values` |
/// | `fn(K, V) -> Vec<(K2, V2)>` / `impl IntoIterator<Item = (K2, V2)>` | flat-mapper | `flat_map` |
///
/// The function stays callable (for unit tests) and becomes a value that
/// `KStream::via` and `StreamsBuilder::add_processor` accept; the node is
/// named after it. Further parameters are state stores, declared with
/// their serdes in `stores(..)`: `#[processor(stores(seen = KeyValue<String,
/// I64>))]` and a parameter `seen: &mut dyn KeyValueStore<String, i64>`.
/// Declared stores are added to the topology and connected to the node
/// wherever it is wired (RocksDB, change-logged).
///
/// ```
/// use kstreams::serde::I64;
/// use kstreams::state::KeyValueStore;
/// use kstreams::{processor, StreamsBuilder, Topic, TopologyTestDriver};
///
/// /// Keeps a running total per key and forwards it.
/// #[processor(stores(totals = KeyValue<String, I64>))]
/// fn running_total(key: &String, n: i64, totals: &mut dyn KeyValueStore<String, i64>) -> kstreams::Result<i64> {
///     let total = totals.get(key)?.unwrap_or(0) + n;
///     totals.put(key, &total)?;
///     Ok(total)
/// }
///
/// const IN: Topic<String, I64, 1> = Topic::new("amounts");
/// const OUT: Topic<String, I64, 1> = Topic::new("totals");
///
/// let b = StreamsBuilder::new();
/// b.stream(IN).via(running_total).to(OUT);
/// let topology = b.build()?;
/// assert!(topology.describe().to_string().contains("Processor: running_total (stores: [totals])"));
/// let driver = TopologyTestDriver::new(topology)?;
/// driver.create_input_topic(IN).pipe_key_values([("a", 1), ("a", 2), ("b", 5)])?;
/// let totals = driver.create_output_topic(OUT).read_values_to_vec()?;
/// assert_eq!(totals, vec![1, 3, 5]);
/// # Ok::<(), kstreams::Error>(())
/// ```
///
/// Window and session stores are declared with their durations in
/// parentheses, written as `#[punctuate]` intervals (`"500ms"`, `"10s"`,
/// `"1m30s"`, `"1h"`, `"1d"`), and taken as `&mut dyn WindowStore<K, V>` /
/// `&mut dyn SessionStore<K, V>` (or, in an impl, through
/// `Self::<name>_store(ctx)`, a [`WindowStoreHandle`](state::WindowStoreHandle)
/// / [`SessionStoreHandle`](state::SessionStoreHandle)):
///
/// | declaration | options | as Kafka Streams' |
/// | --- | --- | --- |
/// | `w = Window<KS, VS>(size = "1m", retention = "1h")` | `size`, `retention` (both required, retention >= size), `retain_duplicates` (default `false`) | `Stores.persistentWindowStore(name, retention, size, retainDuplicates)` |
/// | `s = Session<KS, VS>(retention = "1h")` | `retention` (required) | `Stores.persistentSessionStore(name, retention)` |
///
/// A wrong option, a missing or zero duration, or a retention shorter than
/// the window size is a compile error at the option. The stores are
/// RocksDB, change-logged (keys laid out as Java's `WindowKeySchema` and
/// `SessionKeySchema`) and restored like key/value stores.
///
/// ```
/// use kstreams::serde::I64;
/// use kstreams::state::WindowStore;
/// use kstreams::{processor, StreamsBuilder, Topic, TopologyTestDriver};
///
/// /// Counts a user's views per minute of the view's time (the value, in ms).
/// #[processor(stores(per_minute = Window<String, I64>(size = "1m", retention = "1h")))]
/// fn views_this_minute(user: &String, at: i64, per_minute: &mut dyn WindowStore<String, i64>) -> kstreams::Result<i64> {
///     let start = at - at % 60_000;
///     let n = per_minute.fetch(user, start)?.unwrap_or(0) + 1;
///     per_minute.put(user, &n, start)?;
///     Ok(n)
/// }
///
/// const VIEWS: Topic<String, I64, 1> = Topic::new("views");
/// const COUNTS: Topic<String, I64, 1> = Topic::new("views-this-minute");
///
/// let b = StreamsBuilder::new();
/// b.stream(VIEWS).via(views_this_minute).to(COUNTS);
/// let driver = TopologyTestDriver::new(b.build()?)?;
/// driver.create_input_topic(VIEWS).pipe_key_values([("ann", 1_000), ("ann", 59_000), ("ann", 61_000)])?;
/// assert_eq!(driver.create_output_topic(COUNTS).read_values_to_vec()?, vec![1, 2, 1]);
/// # Ok::<(), kstreams::Error>(())
/// ```
///
/// A function may return its output in a `Result`: `kstreams::Result<bool>`
/// (a fallible filter), `Result<V2, E>`, `Result<(K2, V2), E>`,
/// `Result<Vec<V2>, E>` or `Result<impl IntoIterator<Item = ..>, E>`; the
/// shape comes from the `Ok` type. `E` is any error type that converts into
/// `Box<dyn std::error::Error + Send + Sync>` ([`errors::IntoProcessingError`]):
/// [`Error`] itself (so `store.put(..)?` works), any
/// `std::error::Error + Send + Sync + 'static` such as your own error enum,
/// a boxed error, or a `String` message. An `Err` becomes
/// [`Error::Processing`] naming the node, with the error's text, and goes to
/// `processing.exception.handler` like any processing error: by default the
/// application stops ([`Error::HandlerFailed`]); with
/// [`LogAndContinueProcessingExceptionHandler`](errors::LogAndContinueProcessingExceptionHandler)
/// the record is dropped at that node, logged and counted in
/// `dropped-records-total`. The `process` method of a `#[processor]` impl
/// uses `?` the same way: it returns `kstreams::Result<()>`, or
/// `Result<(), E>` with one of these error types.
///
/// ```
/// use kstreams::errors::LogAndContinueProcessingExceptionHandler;
/// use kstreams::serde::I64;
/// use kstreams::state::KeyValueStore;
/// use kstreams::{processor, StreamsBuilder, StreamsConfig, Topic, TopologyTestDriver};
///
/// /// Parses an amount: a line that is not a number is an `Err`.
/// #[processor]
/// fn parse_amount(line: String) -> Result<i64, std::num::ParseIntError> {
///     line.trim().parse()
/// }
///
/// /// Keeps a running total per key; `?` on the store's errors.
/// #[processor(stores(totals = KeyValue<String, I64>))]
/// fn running_total(key: &String, n: i64, totals: &mut dyn KeyValueStore<String, i64>) -> kstreams::Result<i64> {
///     let total = totals.get(key)?.unwrap_or(0) + n;
///     totals.put(key, &total)?;
///     Ok(total)
/// }
///
/// const IN: Topic<String, String, 1> = Topic::new("lines");
/// const OUT: Topic<String, I64, 1> = Topic::new("totals");
///
/// let b = StreamsBuilder::new();
/// b.stream(IN).via(parse_amount).via(running_total).to(OUT);
/// let config = StreamsConfig::new("totals")
///     .processing_exception_handler(LogAndContinueProcessingExceptionHandler);
/// let driver = TopologyTestDriver::with_streams_config(b.build()?, &config)?;
/// driver.create_input_topic(IN).pipe_key_values([("a", "1"), ("a", "two"), ("a", "3")])?;
/// assert_eq!(driver.create_output_topic(OUT).read_values_to_vec()?, vec![1, 4]);
/// assert_eq!(driver.metrics().dropped_records_total(), 1); // "two": skipped at `parse_amount`
/// # Ok::<(), kstreams::Error>(())
/// ```
///
/// On an inherent `impl` block with a
/// `fn process(&mut self, record: Record<K, V>, ctx: &mut ProcessorContext<'_, KOut, VOut>) -> Result<()>`
/// method, it implements [`Processor`] and schedules the `#[punctuate]`
/// methods in `init`; each declared store gets an accessor
/// `Self::<name>_store(ctx)`.
pub use kstreams_macros::processor;

/// Marks a method of a `#[processor]` impl as a punctuator:
/// `#[punctuate(every = "10s", time = StreamTime)]` (or `WallClockTime`),
/// with the signature
/// `fn(&mut self, timestamp: i64, ctx: &mut ProcessorContext<'_, KOut, VOut>) -> Result<()>`.
/// Stream-time punctuators fire as record timestamps advance past each
/// interval (aligned to 0, at most once per record); wall-clock ones fire
/// on the clock, with or without data.
///
/// ```
/// use kstreams::processor::{ProcessorContext, Record};
/// use kstreams::serde::I64;
/// use kstreams::{processor, StreamsBuilder, Topic, TopologyTestDriver};
///
/// /// Forwards the sum of what it saw every 10 ms of stream time.
/// #[derive(Default)]
/// struct Summer(i64);
///
/// #[processor]
/// impl Summer {
///     fn process(&mut self, r: Record<String, i64>, _ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
///         self.0 += r.value;
///         Ok(())
///     }
///
///     #[punctuate(every = "10ms", time = StreamTime)]
///     fn emit(&mut self, timestamp: i64, ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
///         ctx.forward(Record::new("sum".to_string(), self.0, timestamp))
///     }
/// }
///
/// const IN: Topic<String, I64, 1> = Topic::new("in");
/// const OUT: Topic<String, I64, 1> = Topic::new("out");
///
/// let b = StreamsBuilder::new();
/// b.stream(IN).via(Summer::default).to(OUT);
/// let driver = TopologyTestDriver::new(b.build()?)?;
/// let mut input = driver.create_input_topic(IN);
/// input.pipe_input_with_timestamp("k", 1, 0)?;  // stream time 0: fires (sum 1)
/// input.pipe_input_with_timestamp("k", 2, 5)?;  // not yet
/// input.pipe_input_with_timestamp("k", 4, 12)?; // passed 10: fires (sum 7)
/// assert_eq!(driver.create_output_topic(OUT).read_values_to_vec()?, vec![1, 7]);
/// # Ok::<(), kstreams::Error>(())
/// ```
pub use kstreams_macros::punctuate;

/// Turns `fn name(b: &mut StreamsBuilder) { .. }` into
/// `fn name() -> kstreams::Result<Topology>` and checks the wiring at compile
/// time: duplicate and undefined node names, cycles, dangling nodes,
/// co-partitioning of joined inputs (as in Kafka Streams, a `merge` or a
/// processor with several parents may read topics of different partition counts), window
/// constants, stores connected by name but never added, and the retention of
/// windowed aggregations: with constant windows and a constant
/// `Materialized::with_retention(..)`, a retention shorter than size + grace
/// (gap + grace for sessions, 2 × time difference + grace for sliding
/// windows) is a compile error at the retention (otherwise `build()` refuses
/// it, as Java does). Explicit wiring
/// takes parent *names*, as Kafka Streams' `Topology.addProcessor`; fluent
/// DSL code may be mixed in. `name::DESCRIPTION` is the DAG as the macro saw it.
///
/// ```
/// use kstreams::serde::I64;
/// use kstreams::{processor, topology, StreamsBuilder, Topic, TopologyTestDriver};
///
/// #[processor]
/// fn double(v: i64) -> i64 {
///     v * 2
/// }
///
/// const IN: Topic<String, I64, 4> = Topic::new("in");
/// const OUT: Topic<String, I64, 4> = Topic::new("out");
///
/// #[topology]
/// fn doubling(b: &mut StreamsBuilder) {
///     b.add_source("in-source", IN);
///     b.add_processor("double", double, ["in-source"]);
///     b.add_sink("out-sink", OUT, ["double"]);
/// }
///
/// let driver = TopologyTestDriver::new(doubling()?)?;
/// driver.create_input_topic(IN).pipe_input("k", 21)?;
/// assert_eq!(driver.create_output_topic(OUT).read_value()?, 42);
/// assert!(doubling::DESCRIPTION.contains(r#"processor "double" (double) <- ["in-source"]"#));
/// # Ok::<(), kstreams::Error>(())
/// ```
pub use kstreams_macros::topology;

/// Gives a type with serde's traits the default serde `Json<Self>`: an
/// aggregation, store or repartition that names no serde then writes it as
/// JSON. (Topics name their serdes, e.g. `Topic<String, Json<Payment>, 4>`.)
///
/// ```
/// use kstreams::serde::Json;
/// use kstreams::{JsonSerde, StreamsBuilder, Topic, TopologyTestDriver};
///
/// #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, JsonSerde)]
/// struct Total {
///     cents: i64,
///     payments: u32,
/// }
///
/// const IN: Topic<String, Json<Total>, 1> = Topic::new("payments");
/// const OUT: Topic<String, Json<Total>, 1> = Topic::new("totals");
///
/// let b = StreamsBuilder::new();
/// b.stream(IN)
///     .group_by_key()
///     .reduce(|a, b| Total { cents: a.cents + b.cents, payments: a.payments + b.payments }) // store serdes: String, Json<Total>
///     .to_stream()
///     .to(OUT);
/// let driver = TopologyTestDriver::new(b.build()?)?;
/// let mut input = driver.create_input_topic(IN);
/// input.pipe_input("ann", Total { cents: 100, payments: 1 })?;
/// input.pipe_input("ann", Total { cents: 250, payments: 1 })?;
/// let last = driver.create_output_topic(OUT).read_values_to_vec()?.pop();
/// assert_eq!(last, Some(Total { cents: 350, payments: 2 }));
/// # Ok::<(), kstreams::Error>(())
/// ```
pub use kstreams_macros::JsonSerde;

/// Gives a `prost::Message` the default serde `Protobuf<Self>` (see
/// [`JsonSerde`]).
pub use kstreams_macros::ProtobufSerde;

pub use crate::error::{Error, Result};

pub use crate::config::{ProcessingGuarantee, StreamsConfig};
pub use crate::dsl::{
    KStream, Repartitioned, SessionWindows, SlidingWindows, StreamsBuilder, TimeWindows, Topic,
};
pub use crate::processor::{
    Headers, Processor, ProcessorContext, ProcessorSupplier, PunctuationType, Record,
};
pub use crate::runtime::{KafkaStreams, State, StreamThreadExceptionResponse};
pub use crate::test_driver::TopologyTestDriver;
pub use crate::topology::Topology;
