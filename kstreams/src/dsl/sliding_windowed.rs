//! [`SlidingWindowedKStream`]: a grouped stream cut into
//! [`SlidingWindows`] (KIP-450), and its aggregations `count`, `reduce`
//! and `aggregate`, each returning a `KTable<Windowed<K>, V>`; the
//! record-by-record algorithm is in `sliding_aggregate.rs`.
//!
//! Windows are `[start, start + time difference]`, both ends inclusive,
//! and exist only where records make them: each record at `t` gets its
//! left window `[t − d, t]` and, when a later record falls within `d`
//! after it, its right window `[t + 1, t + 1 + d]`. The store is a
//! timestamped window store (Java's `TimestampedWindowStore`) of window
//! size `d`, kept for at least `2d + grace` (Java's
//! `SlidingWindowStoreMaterializer`). The output key's window is
//! `[start, start + d]`: read it back with `TimeWindowed<_, d>`.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use kstreams_serde::{DefaultSerde, Serde, SerdeOf, Timestamped, Windowed, I64};

use super::builder::WindowClose;
use super::emit_strategy::EmitStrategy;
use super::grouped::KGroupedStream;
use super::ktable::KTable;
use super::sliding_aggregate::{Fold, SlidingAggregateNode};
use super::time_windowed::NodeTime;
use super::windowed_cache::forward_from_cache;
use super::{Materialized, SlidingWindows};
use crate::processor::node::{Instance, NodeEnv, NodeFactory, NodeInput};
use crate::Result;

/// A [`KGroupedStream`] cut into sliding windows (Kafka Streams'
/// `SlidingWindowedKStreamImpl`, a `TimeWindowedKStream`), from
/// [`KGroupedStream::windowed_by`] with [`SlidingWindows`].
///
/// ```
/// use std::time::Duration;
/// use kstreams::dsl::{SlidingWindows, StreamsBuilder, Topic};
/// use kstreams::serde::{TimeWindowed, I64};
/// use kstreams::test_driver::TopologyTestDriver;
///
/// const LOGINS: Topic<String, String, 1> = Topic::new("failed-logins");
/// // The window's size in the key serde is the time difference.
/// const BURSTS: Topic<TimeWindowed<String, 10_000>, I64, 1> = Topic::new("failed-logins-per-10s");
///
/// let b = StreamsBuilder::new();
/// b.stream(LOGINS)
///     .group_by_key()
///     .windowed_by(SlidingWindows::of_time_difference_with_no_grace(Duration::from_secs(10)))
///     .count()
///     .to_stream()
///     .to(BURSTS);
/// let driver = TopologyTestDriver::new(b.build()?)?;
/// let mut logins = driver.create_input_topic(LOGINS);
/// logins.pipe_input_with_timestamp("bob", "x", 20_000)?; // left window [10 s, 20 s]: 1
/// logins.pipe_input_with_timestamp("bob", "y", 25_000)?; // [15 s, 25 s]: 2, right window of the first [20.001 s, 30.001 s]: 1
/// let counts: Vec<_> = driver
///     .create_output_topic(BURSTS)
///     .read_key_values_to_vec()?
///     .into_iter()
///     .map(|(w, n)| ((w.window.start_ms, w.window.end_ms), n))
///     .collect();
/// assert_eq!(counts, vec![((10_000, 20_000), 1), ((20_001, 30_001), 1), ((15_000, 25_000), 2)]);
/// # Ok::<(), kstreams::Error>(())
/// ```
#[derive(Debug)]
pub struct SlidingWindowedKStream<K, V> {
    pub(crate) grouped: KGroupedStream<K, V>,
    pub(crate) windows: SlidingWindows,
    pub(crate) emit: EmitStrategy,
}

impl<K: Clone + 'static, V: Clone + 'static> SlidingWindowedKStream<K, V> {
    /// When the aggregations below forward their results (Kafka Streams'
    /// `emitStrategy`, KIP-825): on every update of a window (the default)
    /// or once per window when stream time passes its end + grace
    /// ([`EmitStrategy::on_window_close`], see [`EmitStrategy`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstreams::dsl::{EmitStrategy, SlidingWindows, StreamsBuilder, Topic};
    /// use kstreams::serde::{TimeWindowed, I64};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const LOGINS: Topic<String, String, 1> = Topic::new("failed-logins");
    /// const BURSTS: Topic<TimeWindowed<String, 10>, I64, 1> = Topic::new("login-bursts");
    ///
    /// let b = StreamsBuilder::new();
    /// b.stream(LOGINS)
    ///     .group_by_key()
    ///     .windowed_by(SlidingWindows::of_time_difference_with_no_grace(Duration::from_millis(10)))
    ///     .emit_strategy(EmitStrategy::on_window_close())
    ///     .count()
    ///     .to_stream()
    ///     .to(BURSTS);
    /// let driver = TopologyTestDriver::new(b.build()?)?;
    /// let mut logins = driver.create_input_topic(LOGINS);
    /// logins.pipe_input_with_timestamp("bob", "x", 20)?; // [10, 20]
    /// logins.pipe_input_with_timestamp("bob", "y", 25)?; // [15, 25], [21, 31]; closes [10, 20]
    /// logins.pipe_input_with_timestamp("bob", "z", 40)?; // closes the other two
    /// let finals: Vec<_> = driver
    ///     .create_output_topic(BURSTS)
    ///     .read_key_values_to_vec()?
    ///     .into_iter()
    ///     .map(|(w, n)| (w.window.start_ms, n))
    ///     .collect();
    /// assert_eq!(finals, vec![(10, 1), (15, 2), (21, 1)]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn emit_strategy(mut self, strategy: EmitStrategy) -> Self {
        self.emit = strategy;
        self
    }

    /// Counts the records of each key in each sliding window, into a
    /// RocksDB window store with the key's default serde.
    pub fn count(&self) -> KTable<Windowed<K>, i64>
    where
        K: DefaultSerde,
    {
        self.count_with(Materialized::<SerdeOf<K>, I64>::new())
    }

    /// [`SlidingWindowedKStream::count`] into the store `materialized` describes.
    pub fn count_with<KS>(&self, materialized: Materialized<KS, I64>) -> KTable<Windowed<K>, i64>
    where
        KS: Serde<Target = K>,
    {
        self.do_aggregate(
            "KSTREAM-AGGREGATE-",
            materialized,
            Arc::new(super::fold::count),
        )
    }

    /// Combines the values of each key in each sliding window with `reducer`.
    pub fn reduce<F>(&self, reducer: F) -> KTable<Windowed<K>, V>
    where
        K: DefaultSerde,
        V: DefaultSerde,
        F: Fn(V, V) -> V + Send + Sync + 'static,
    {
        self.reduce_with(reducer, Materialized::<SerdeOf<K>, SerdeOf<V>>::new())
    }

    /// [`SlidingWindowedKStream::reduce`] into the store `materialized` describes.
    pub fn reduce_with<KS, VS, F>(
        &self,
        reducer: F,
        materialized: Materialized<KS, VS>,
    ) -> KTable<Windowed<K>, V>
    where
        KS: Serde<Target = K>,
        VS: Serde<Target = V>,
        F: Fn(V, V) -> V + Send + Sync + 'static,
    {
        self.do_aggregate(
            "KSTREAM-REDUCE-",
            materialized,
            Arc::new(super::fold::reduce(reducer)),
        )
    }

    /// Folds the values of each key in each sliding window into an
    /// aggregate starting from `initializer()`.
    pub fn aggregate<A, I, F>(&self, initializer: I, aggregator: F) -> KTable<Windowed<K>, A>
    where
        K: DefaultSerde,
        A: Clone + DefaultSerde + 'static,
        I: Fn() -> A + Send + Sync + 'static,
        F: Fn(&K, V, A) -> A + Send + Sync + 'static,
    {
        self.aggregate_with(
            initializer,
            aggregator,
            Materialized::<SerdeOf<K>, SerdeOf<A>>::new(),
        )
    }

    /// [`SlidingWindowedKStream::aggregate`] into the store `materialized` describes.
    pub fn aggregate_with<A, I, F, KS, AS>(
        &self,
        initializer: I,
        aggregator: F,
        materialized: Materialized<KS, AS>,
    ) -> KTable<Windowed<K>, A>
    where
        A: Clone + 'static,
        I: Fn() -> A + Send + Sync + 'static,
        F: Fn(&K, V, A) -> A + Send + Sync + 'static,
        KS: Serde<Target = K>,
        AS: Serde<Target = A>,
    {
        self.do_aggregate(
            "KSTREAM-AGGREGATE-",
            materialized,
            Arc::new(super::fold::aggregate(initializer, aggregator)),
        )
    }

    fn do_aggregate<KS, AS>(
        &self,
        prefix: &str,
        materialized: Materialized<KS, AS>,
        fold: Fold<K, V, AS::Target>,
    ) -> KTable<Windowed<K>, AS::Target>
    where
        KS: Serde<Target = K>,
        AS: Serde,
        AS::Target: Clone,
    {
        let emit = self.emit;
        let (difference, grace) = (
            self.windows.time_difference_ms() as i64,
            self.windows.grace_ms() as i64,
        );
        self.grouped.add_windowed_aggregate(
            prefix,
            &materialized,
            |store| {
                let builder = materialized
                    .sliding_window_builder::<Timestamped<AS>>(store, difference, grace)?
                    .map_retention(|r| emit.store_retention(r));
                Ok(Arc::new(if emit.caches(&materialized) {
                    builder.with_caching_enabled()
                } else {
                    builder
                }))
            },
            |store| {
                Arc::new(SlidingAggregateFactory::<K, V, KS, AS> {
                    store: store.to_owned(),
                    difference,
                    grace,
                    emit,
                    fold,
                    _types: PhantomData,
                })
            },
            WindowClose {
                grace_ms: grace,
                sessions: false,
            },
        )
    }
}

struct SlidingAggregateFactory<K, V, KS: Serde, AS: Serde> {
    store: String,
    difference: i64,
    grace: i64,
    emit: EmitStrategy,
    fold: Fold<K, V, AS::Target>,
    _types: PhantomData<fn(KS)>,
}

impl<K, V, KS, AS> NodeFactory for SlidingAggregateFactory<K, V, KS, AS>
where
    K: Clone + 'static,
    V: Clone + 'static,
    KS: Serde<Target = K>,
    AS: Serde,
    AS::Target: Clone,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let store = env
            .stores
            .window::<KS, Timestamped<AS>>(env.name, &self.store)?;
        let children = env.children()?;
        let cache =
            forward_from_cache::<KS, AS>(env, &self.store, &store, self.difference, &children)?;
        let node: Arc<dyn NodeInput<K, V>> = Arc::new(SlidingAggregateNode::<K, V, KS, AS> {
            store,
            difference: self.difference,
            grace: self.grace,
            emit: self.emit,
            cache,
            fold: self.fold.clone(),
            children,
            time: Mutex::new(NodeTime::default()),
            name: env.name.clone(),
        });
        Ok(Instance::node(node))
    }
}
