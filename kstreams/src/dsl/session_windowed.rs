//! [`SessionWindowedKStream`]: a grouped stream cut into
//! [`SessionWindows`], and its aggregations `count`, `reduce` and
//! `aggregate` (with a merger), each returning a `KTable<Windowed<K>, V>`.
//!
//! Semantics follow Kafka Streams' `KStreamSessionWindowAggregate` (and
//! `SessionWindowedKStreamImpl` for the initializers and mergers):
//! - a record at `t` joins every session of its key that ends at or after
//!   `t − gap` and starts at or before `t + gap` (`findSessions`); their
//!   aggregates are combined with the merger, oldest session end first,
//!   and the merged session spans all of them and `t`;
//! - the node keeps the highest timestamp it has seen (observed stream
//!   time); a record whose merged session ends before
//!   stream time − grace − gap is dropped, counted in
//!   `dropped-records-total` and logged (Java's exact close condition);
//! - when the merged session differs from `[t, t]`, each session it
//!   swallowed is removed and a tombstone `Change { new: None, old }` is
//!   forwarded for it, before the merged session's update;
//! - the store is a plain session store (no timestamps: Java's
//!   `SessionStore<K, VAgg>`), and every result is forwarded with the
//!   session's end as its timestamp, tombstones included, and without the
//!   input record's headers (Java forwards new `Record`s);
//! - with the record cache on (the default) the latest change of each
//!   session is forwarded when the cache writes it down (commit or
//!   eviction; a session created and merged away in between is never
//!   forwarded, see `windowed_cache.rs`); with it off, every update is.
//!
//! The node itself is in `session_aggregate.rs`.

use std::marker::PhantomData;
use std::sync::Arc;

use kstreams_serde::{DefaultSerde, Serde, SerdeOf, Windowed, I64};

use super::builder::WindowClose;
use super::emit_strategy::EmitStrategy;
use super::grouped::KGroupedStream;
use super::ktable::KTable;
use super::session_aggregate::{Fold, Merge, SessionAggregateFactory};
use super::{Materialized, SessionWindows};

/// A [`KGroupedStream`] cut into session windows (Kafka Streams'
/// `SessionWindowedKStream`), from [`KGroupedStream::windowed_by`] with
/// [`SessionWindows`].
///
/// ```
/// use std::time::Duration;
/// use kstreams::dsl::{SessionWindows, StreamsBuilder, Topic};
/// use kstreams::serde::{SessionWindowed, I64};
/// use kstreams::test_driver::TopologyTestDriver;
///
/// const CLICKS: Topic<String, String, 1> = Topic::new("clicks");
/// const VISITS: Topic<SessionWindowed<String>, Option<I64>, 1> = Topic::new("clicks-per-visit");
///
/// let b = StreamsBuilder::new();
/// b.stream(CLICKS)
///     .group_by_key()
///     .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(Duration::from_secs(10)))
///     .count()
///     .to_changelog_stream()
///     .to(VISITS);
/// let driver = TopologyTestDriver::new(b.build()?)?;
/// let mut clicks = driver.create_input_topic(CLICKS);
/// clicks.pipe_input_with_timestamp("ann", "/home", 1_000)?;
/// clicks.pipe_input_with_timestamp("ann", "/cart", 5_000)?; // within the gap: the visit grows
/// let visits: Vec<_> = driver
///     .create_output_topic(VISITS)
///     .read_key_values_to_vec()?
///     .into_iter()
///     .map(|(s, n)| ((s.window.start_ms, s.window.end_ms), n))
///     .collect();
/// // [1 s, 1 s] is merged into [1 s, 5 s]: its tombstone comes first.
/// assert_eq!(visits, vec![((1_000, 1_000), Some(1)), ((1_000, 1_000), None), ((1_000, 5_000), Some(2))]);
/// # Ok::<(), kstreams::Error>(())
/// ```
#[derive(Debug)]
pub struct SessionWindowedKStream<K, V> {
    pub(crate) grouped: KGroupedStream<K, V>,
    pub(crate) windows: SessionWindows,
    pub(crate) emit: EmitStrategy,
}

impl<K: Clone + 'static, V: Clone + 'static> SessionWindowedKStream<K, V> {
    /// When the aggregation forwards its results (Kafka Streams'
    /// `SessionWindowedKStream.emitStrategy`, KIP-825): on every update of
    /// a session (the default) or once per session, when stream time
    /// passes its end + gap + grace ([`EmitStrategy::on_window_close`]):
    /// no tombstones for merged-away sessions then, only final sessions,
    /// each with its end as timestamp, by end, start and key.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstreams::dsl::{EmitStrategy, SessionWindows, StreamsBuilder, Topic};
    /// use kstreams::serde::{SessionWindowed, I64};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const CLICKS: Topic<String, String, 1> = Topic::new("clicks");
    /// const VISITS: Topic<SessionWindowed<String>, I64, 1> = Topic::new("visits");
    ///
    /// let b = StreamsBuilder::new();
    /// b.stream(CLICKS)
    ///     .group_by_key()
    ///     .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(Duration::from_secs(10)))
    ///     .emit_strategy(EmitStrategy::on_window_close())
    ///     .count()
    ///     .to_stream()
    ///     .to(VISITS);
    /// let driver = TopologyTestDriver::new(b.build()?)?;
    /// let mut clicks = driver.create_input_topic(CLICKS);
    /// clicks.pipe_input_with_timestamp("ann", "/home", 1_000)?;
    /// clicks.pipe_input_with_timestamp("ann", "/cart", 5_000)?; // merges: nothing emitted
    /// let mut visits = driver.create_output_topic(VISITS);
    /// assert!(visits.is_empty());
    /// clicks.pipe_input_with_timestamp("bob", "/home", 15_001)?; // closes ann's visit
    /// let finals: Vec<_> = visits
    ///     .read_key_values_to_vec()?
    ///     .into_iter()
    ///     .map(|(s, n)| (s.key, s.window.start_ms, s.window.end_ms, n))
    ///     .collect();
    /// assert_eq!(finals, vec![("ann".to_owned(), 1_000, 5_000, 2)]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn emit_strategy(mut self, strategy: EmitStrategy) -> Self {
        self.emit = strategy;
        self
    }

    /// Counts the records of each session, into a RocksDB session store
    /// with the key's default serde.
    pub fn count(&self) -> KTable<Windowed<K>, i64>
    where
        K: DefaultSerde,
    {
        self.count_with(Materialized::<SerdeOf<K>, I64>::new())
    }

    /// [`SessionWindowedKStream::count`] into the store `materialized` describes.
    pub fn count_with<KS>(&self, materialized: Materialized<KS, I64>) -> KTable<Windowed<K>, i64>
    where
        KS: Serde<Target = K>,
    {
        // Java: initializer 0, merger a + b, aggregator a + 1.
        self.do_aggregate(
            "KSTREAM-AGGREGATE-",
            materialized,
            Arc::new(|_, acc, session| acc.unwrap_or(0) + session),
            Arc::new(super::fold::count),
        )
    }

    /// Combines the values of each session with `reducer` (merged sessions
    /// too: `reducer(earlier aggregate, later aggregate)`).
    pub fn reduce<F>(&self, reducer: F) -> KTable<Windowed<K>, V>
    where
        K: DefaultSerde,
        V: DefaultSerde,
        F: Fn(V, V) -> V + Send + Sync + 'static,
    {
        self.reduce_with(reducer, Materialized::<SerdeOf<K>, SerdeOf<V>>::new())
    }

    /// [`SessionWindowedKStream::reduce`] into the store `materialized` describes.
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
        // Java's `aggregatorForReducer` and `mergerForAggregator`: a null
        // aggregate takes the other side as is.
        let reducer = Arc::new(reducer);
        let merge_reducer = reducer.clone();
        self.do_aggregate(
            "KSTREAM-REDUCE-",
            materialized,
            Arc::new(move |_, acc, session| match acc {
                Some(aggregate) => merge_reducer(aggregate, session),
                None => session,
            }),
            Arc::new(super::fold::reduce(move |a, b| reducer(a, b))),
        )
    }

    /// Folds the values of each session into an aggregate starting from
    /// `initializer()`; when a record joins sessions, their aggregates are
    /// combined with `merger(key, aggregate so far, session's aggregate)`
    /// first (Kafka Streams' `aggregate(Initializer, Aggregator, Merger)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstreams::dsl::{SessionWindows, StreamsBuilder, Topic};
    /// use kstreams::serde::SessionWindowed;
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const PAGES: Topic<String, String, 1> = Topic::new("pages");
    /// const PATHS: Topic<SessionWindowed<String>, Option<String>, 1> = Topic::new("paths");
    ///
    /// let b = StreamsBuilder::new();
    /// b.stream(PAGES)
    ///     .group_by_key()
    ///     .windowed_by(SessionWindows::of_inactivity_gap_and_grace(Duration::from_millis(10), Duration::from_millis(20)))
    ///     .aggregate(String::new, |_, page, path| path + &page, |_, a, b| a + &b)
    ///     .to_changelog_stream()
    ///     .to(PATHS);
    /// let driver = TopologyTestDriver::new(b.build()?)?;
    /// let mut pages = driver.create_input_topic(PAGES);
    /// pages.pipe_input_with_timestamp("ann", "a", 0)?;
    /// pages.pipe_input_with_timestamp("ann", "c", 20)?; // a session of its own
    /// pages.pipe_input_with_timestamp("ann", "b", 10)?; // out of order (within grace), bridges both: merged
    /// let out = driver.create_output_topic(PATHS).read_key_values_to_vec()?;
    /// let last = out.last().map(|(s, v)| ((s.window.start_ms, s.window.end_ms), v.clone()));
    /// assert_eq!(last, Some(((0, 20), Some("acb".to_string()))));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn aggregate<A, I, F, M>(
        &self,
        initializer: I,
        aggregator: F,
        merger: M,
    ) -> KTable<Windowed<K>, A>
    where
        K: DefaultSerde,
        A: Clone + DefaultSerde + 'static,
        I: Fn() -> A + Send + Sync + 'static,
        F: Fn(&K, V, A) -> A + Send + Sync + 'static,
        M: Fn(&K, A, A) -> A + Send + Sync + 'static,
    {
        self.aggregate_with(
            initializer,
            aggregator,
            merger,
            Materialized::<SerdeOf<K>, SerdeOf<A>>::new(),
        )
    }

    /// [`SessionWindowedKStream::aggregate`] into the store `materialized` describes.
    pub fn aggregate_with<A, I, F, M, KS, AS>(
        &self,
        initializer: I,
        aggregator: F,
        merger: M,
        materialized: Materialized<KS, AS>,
    ) -> KTable<Windowed<K>, A>
    where
        A: Clone + 'static,
        I: Fn() -> A + Send + Sync + 'static,
        F: Fn(&K, V, A) -> A + Send + Sync + 'static,
        M: Fn(&K, A, A) -> A + Send + Sync + 'static,
        KS: Serde<Target = K>,
        AS: Serde<Target = A>,
    {
        let initializer = Arc::new(initializer);
        let init = initializer.clone();
        self.do_aggregate(
            "KSTREAM-AGGREGATE-",
            materialized,
            Arc::new(move |key, acc, session| merger(key, acc.unwrap_or_else(|| init()), session)),
            Arc::new(super::fold::aggregate(move || initializer(), aggregator)),
        )
    }

    fn do_aggregate<KS, AS>(
        &self,
        prefix: &str,
        materialized: Materialized<KS, AS>,
        merge: Merge<K, AS::Target>,
        fold: Fold<K, V, AS::Target>,
    ) -> KTable<Windowed<K>, AS::Target>
    where
        KS: Serde<Target = K>,
        AS: Serde,
        AS::Target: Clone,
    {
        let (gap, grace, emit) = (
            self.windows.inactivity_gap_ms() as i64,
            self.windows.grace_ms() as i64,
            self.emit,
        );
        self.grouped.add_windowed_aggregate(
            prefix,
            &materialized,
            |store| {
                let builder = materialized.session_builder::<AS>(store, gap, grace)?;
                Ok(Arc::new(if emit.caches(&materialized) {
                    builder.with_caching_enabled()
                } else {
                    builder
                }))
            },
            |store| {
                Arc::new(SessionAggregateFactory::<K, V, KS, AS> {
                    store: store.to_owned(),
                    gap,
                    grace,
                    merge,
                    fold,
                    emit,
                    _types: PhantomData,
                })
            },
            // Java's `GraphGraceSearchUtil`: sessions close gap + grace after their end.
            WindowClose {
                grace_ms: grace.saturating_add(gap),
                sessions: true,
            },
        )
    }
}
