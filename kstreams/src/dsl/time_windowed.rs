//! [`TimeWindowedKStream`]: a grouped stream cut into [`TimeWindows`]
//! (tumbling or hopping), and its aggregations `count`, `reduce` and
//! `aggregate`, each returning a `KTable<Windowed<K>, V>`.
//!
//! Semantics follow Kafka Streams' `KStreamWindowAggregate`:
//! - the node keeps the highest timestamp it has seen (observed stream
//!   time); a window closes when stream time passes its end + grace;
//! - a record updates every window it falls in that is still open; for a
//!   window already closed it is dropped, counted in `dropped-records-total`
//!   and logged (at most once every few seconds per node);
//! - the store keeps each window's aggregate with its timestamp
//!   ([`ValueAndTimestamp`], Java's timestamped window store), and the
//!   result's timestamp is the maximum of the timestamps aggregated so far;
//! - with the record cache on (the default), the latest update of each
//!   window is forwarded when the cache writes it down (commit or
//!   eviction, see `windowed_cache.rs`); with it off every update is;
//!   `suppress(Suppressed::until_window_closes(..))` or
//!   `emit_strategy(EmitStrategy::on_window_close())` (see
//!   `emit_strategy.rs`) keeps only the final result of each window.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kstreams_serde::{
    DefaultSerde, Serde, SerdeOf, Timestamped, ValueAndTimestamp, Window, Windowed, I64,
};

use super::builder::WindowClose;
use super::emit_strategy::{EmitFinal, EmitStrategy, WindowKind};
use super::grouped::KGroupedStream;
use super::ktable::{Change, KTable};
use super::windowed_cache::{forward_from_cache, CachedHeaders};
use super::{Materialized, TimeWindows};
use crate::processor::node::{forward, Child, Instance, NodeCx, NodeEnv, NodeFactory, NodeInput};
use crate::processor::Record;
use crate::state::{WindowStore, WindowStoreHandle};
use crate::Result;

/// A [`KGroupedStream`] cut into time windows (Kafka Streams'
/// `TimeWindowedKStream`), from [`KGroupedStream::windowed_by`] with
/// [`TimeWindows`].
///
/// ```
/// use std::time::Duration;
/// use kstreams::dsl::{StreamsBuilder, TimeWindows, Topic};
/// use kstreams::serde::{TimeWindowed, I64};
/// use kstreams::test_driver::TopologyTestDriver;
///
/// const VIEWS: Topic<String, String, 1> = Topic::new("page-views");
/// const PER_MINUTE: Topic<TimeWindowed<String, 60_000>, I64, 1> = Topic::new("views-per-minute");
///
/// let b = StreamsBuilder::new();
/// b.stream(VIEWS)
///     .group_by_key()
///     .windowed_by(TimeWindows::of_size_with_no_grace(Duration::from_secs(60)))
///     .count()
///     .to_stream()
///     .to(PER_MINUTE);
/// let driver = TopologyTestDriver::new(b.build()?)?;
/// let mut input = driver.create_input_topic(VIEWS);
/// input.pipe_input_with_timestamp("/home", "alice", 1_000)?;
/// input.pipe_input_with_timestamp("/home", "bob", 59_000)?;
/// input.pipe_input_with_timestamp("/home", "carol", 61_000)?;
/// let counts: Vec<_> = driver
///     .create_output_topic(PER_MINUTE)
///     .read_key_values_to_vec()?
///     .into_iter()
///     .map(|(w, n)| (w.window.start_ms, n))
///     .collect();
/// assert_eq!(counts, vec![(0, 1), (0, 2), (60_000, 1)]);
/// # Ok::<(), kstreams::Error>(())
/// ```
#[derive(Debug)]
pub struct TimeWindowedKStream<K, V> {
    pub(crate) grouped: KGroupedStream<K, V>,
    pub(crate) windows: TimeWindows,
    pub(crate) emit: EmitStrategy,
}

impl<K: Clone + 'static, V: Clone + 'static> TimeWindowedKStream<K, V> {
    /// When the aggregations below forward their results (Kafka Streams'
    /// `emitStrategy`, KIP-825): on every update of a window (the default,
    /// [`EmitStrategy::on_window_update`]) or once per window when it
    /// closes ([`EmitStrategy::on_window_close`], see [`EmitStrategy`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstreams::dsl::{EmitStrategy, StreamsBuilder, TimeWindows, Topic};
    /// use kstreams::serde::{TimeWindowed, I64};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const VIEWS: Topic<String, String, 1> = Topic::new("views");
    /// const HOURLY: Topic<TimeWindowed<String, 3_600_000>, I64, 1> = Topic::new("hourly-views");
    ///
    /// let b = StreamsBuilder::new();
    /// b.stream(VIEWS)
    ///     .group_by_key()
    ///     .windowed_by(TimeWindows::of_size_and_grace(
    ///         Duration::from_secs(3600),
    ///         Duration::from_secs(60),
    ///     ))
    ///     .emit_strategy(EmitStrategy::on_window_close())
    ///     .count()
    ///     .to_stream()
    ///     .to(HOURLY);
    /// let driver = TopologyTestDriver::new(b.build()?)?;
    /// let mut input = driver.create_input_topic(VIEWS);
    /// input.pipe_input_with_timestamp("/", "a", 10)?;
    /// input.pipe_input_with_timestamp("/", "b", 3_600_000)?; // within grace
    /// input.pipe_input_with_timestamp("/", "c", 20)?; // late, still counted
    /// input.pipe_input_with_timestamp("/", "d", 3_660_000)?; // end + grace: closes
    /// let finals: Vec<_> = driver
    ///     .create_output_topic(HOURLY)
    ///     .read_key_values_to_vec()?
    ///     .into_iter()
    ///     .map(|(w, n)| (w.window.start_ms, n))
    ///     .collect();
    /// assert_eq!(finals, vec![(0, 2)]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn emit_strategy(mut self, strategy: EmitStrategy) -> Self {
        self.emit = strategy;
        self
    }

    /// Counts the records of each key in each window, into a RocksDB window
    /// store with the key's default serde.
    pub fn count(&self) -> KTable<Windowed<K>, i64>
    where
        K: DefaultSerde,
    {
        self.count_with(Materialized::<SerdeOf<K>, I64>::new())
    }

    /// [`TimeWindowedKStream::count`] into the store `materialized` describes.
    pub fn count_with<KS>(&self, materialized: Materialized<KS, I64>) -> KTable<Windowed<K>, i64>
    where
        KS: Serde<Target = K>,
    {
        self.do_aggregate("KSTREAM-AGGREGATE-", materialized, super::fold::count)
    }

    /// Combines the values of each key in each window with `reducer`.
    pub fn reduce<F>(&self, reducer: F) -> KTable<Windowed<K>, V>
    where
        K: DefaultSerde,
        V: DefaultSerde,
        F: Fn(V, V) -> V + Send + Sync + 'static,
    {
        self.reduce_with(reducer, Materialized::<SerdeOf<K>, SerdeOf<V>>::new())
    }

    /// [`TimeWindowedKStream::reduce`] into the store `materialized` describes.
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
            super::fold::reduce(reducer),
        )
    }

    /// Folds the values of each key in each window into an aggregate
    /// starting from `initializer()`.
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

    /// [`TimeWindowedKStream::aggregate`] into the store `materialized` describes.
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
            super::fold::aggregate(initializer, aggregator),
        )
    }

    /// Adds the store and the node (see `add_windowed_aggregate`).
    fn do_aggregate<KS, AS, F>(
        &self,
        prefix: &str,
        materialized: Materialized<KS, AS>,
        fold: F,
    ) -> KTable<Windowed<K>, AS::Target>
    where
        KS: Serde<Target = K>,
        AS: Serde,
        AS::Target: Clone,
        F: Fn(&K, V, Option<AS::Target>) -> AS::Target + Send + Sync + 'static,
    {
        let (size, grace) = (
            self.windows.size_ms() as i64,
            self.windows.grace_ms() as i64,
        );
        let (windows, emit) = (self.windows, self.emit);
        self.grouped.add_windowed_aggregate(
            prefix,
            &materialized,
            |store| {
                let builder = materialized
                    .window_builder::<Timestamped<AS>>(store, size, grace)?
                    .map_retention(|r| emit.store_retention(r));
                Ok(Arc::new(if emit.caches(&materialized) {
                    builder.with_caching_enabled()
                } else {
                    builder
                }))
            },
            |store| {
                Arc::new(WindowAggregateFactory::<K, V, KS, AS> {
                    store: store.to_owned(),
                    windows,
                    emit,
                    fold: Arc::new(fold),
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

/// One input record folded into a window's aggregate (`None`: no aggregate yet).
type Fold<K, V, A> = Arc<dyn Fn(&K, V, Option<A>) -> A + Send + Sync>;

struct WindowAggregateFactory<K, V, KS: Serde, AS: Serde> {
    store: String,
    windows: TimeWindows,
    emit: EmitStrategy,
    fold: Fold<K, V, AS::Target>,
    _types: PhantomData<fn(KS)>,
}

impl<K, V, KS, AS> NodeFactory for WindowAggregateFactory<K, V, KS, AS>
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
        let size = self.windows.size_ms() as i64;
        let cache = forward_from_cache::<KS, AS>(env, &self.store, &store, size, &children)?;
        let node: Arc<dyn NodeInput<K, V>> = Arc::new(WindowAggregateNode::<K, V, KS, AS> {
            store,
            windows: self.windows,
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

/// What a windowed node remembers between records of its task.
#[derive(Default)]
pub(crate) struct NodeTime {
    /// The highest record timestamp seen (Kafka Streams' observed stream time).
    pub(crate) observed: Option<i64>,
    /// When the node last logged a dropped late record.
    pub(crate) last_drop_log: Option<Instant>,
    /// Late records dropped since that log line.
    pub(crate) dropped_since_log: u64,
    /// What on-window-close emission has emitted so far.
    pub(crate) emit_final: EmitFinal,
}

impl NodeTime {
    /// Counts a record dropped for arriving after its window closed, and
    /// logs it at most once every 5 s per node (never silently).
    pub(crate) fn drop_late(
        &mut self,
        cx: &mut NodeCx<'_>,
        node: &str,
        timestamp: i64,
        window: Window,
        close: i64,
    ) {
        cx.errors.record_dropped();
        self.dropped_since_log += 1;
        let due = self
            .last_drop_log
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(5));
        if due {
            let (topic, partition, offset) = cx.metadata.as_ref().map_or((None, -1, -1), |m| {
                (Some(m.topic.clone()), m.partition, m.offset)
            });
            tracing::warn!(
                task = %cx.task_id, node, ?topic, partition, offset, timestamp,
                window_start = window.start_ms, window_end = window.end_ms, close_time = close,
                dropped = self.dropped_since_log,
                "skipping records for expired windows (counted in dropped-records-total)"
            );
            self.last_drop_log = Some(Instant::now());
            self.dropped_since_log = 0;
        }
    }
}

struct WindowAggregateNode<K, V, KS: Serde, AS: Serde> {
    store: WindowStoreHandle<KS, Timestamped<AS>>,
    windows: TimeWindows,
    emit: EmitStrategy,
    /// The store caches: its cache forwards the updates (`windowed_cache`).
    cache: Option<CachedHeaders>,
    fold: Fold<K, V, AS::Target>,
    children: Vec<Child<Windowed<K>, Change<AS::Target>>>,
    time: Mutex<NodeTime>,
    name: Arc<str>,
}

impl<K, V, KS, AS> NodeInput<K, V> for WindowAggregateNode<K, V, KS, AS>
where
    K: Clone + 'static,
    V: Clone + 'static,
    KS: Serde<Target = K>,
    AS: Serde,
    AS::Target: Clone,
{
    // Kafka Streams' `KStreamWindowAggregate.process`.
    fn process(&self, record: Record<K, V>, cx: &mut NodeCx<'_>) -> Result<()> {
        let mut time = self.time.lock().unwrap_or_else(|p| p.into_inner());
        let observed = time
            .observed
            .map_or(record.timestamp, |t| t.max(record.timestamp));
        time.observed = Some(observed);
        let close = observed - self.windows.grace_ms() as i64;
        let mut updates = Vec::new();
        {
            let mut store = self.store.lock();
            let windows = self.windows.windows_for(record.timestamp);
            let last = windows.len().saturating_sub(1);
            // The value is cloned for all but the last window (a tumbling
            // window takes it as is).
            let mut value = Some(record.value);
            for (i, (start, end)) in windows.into_iter().enumerate() {
                if end <= close {
                    time.drop_late(
                        cx,
                        &self.name,
                        record.timestamp,
                        Window::new(start, end),
                        close,
                    );
                    continue;
                }
                let old = store.fetch(&record.key, start)?;
                let timestamp = old
                    .as_ref()
                    .map_or(record.timestamp, |o| o.timestamp.max(record.timestamp));
                let old = old.map(|o| o.value);
                let this = if i == last {
                    value.take()
                } else {
                    value.clone()
                };
                let Some(this) = this else { break };
                let new = (self.fold)(&record.key, this, old.clone());
                store.put(
                    &record.key,
                    &ValueAndTimestamp::new(new.clone(), timestamp),
                    start,
                )?;
                if let Some(cache) = &self.cache {
                    cache.remember::<KS>(&self.name, &record.key, start, &record.headers)?;
                    continue;
                }
                if self.emit.is_on_window_close() {
                    continue;
                }
                updates.push(Record {
                    key: Windowed::new(record.key.clone(), Window::new(start, end)),
                    value: Change {
                        new: Some(new),
                        old,
                    },
                    timestamp,
                    headers: record.headers.clone(),
                });
            }
            if self.emit.is_on_window_close() {
                let kind = WindowKind::Time {
                    size: self.windows.size_ms() as i64,
                    advance: self.windows.advance_ms() as i64,
                };
                updates = time.emit_final.closed_windows(
                    cx.processor_metadata,
                    &*store,
                    kind,
                    self.windows.size_ms() as i64,
                    close,
                    &record.headers,
                )?;
            }
        }
        drop(time);
        for update in updates {
            forward(&self.children, update, cx)?;
        }
        Ok(())
    }
}
