//! Stream-stream joins: [`KStream::join_stream`], [`KStream::left_join_stream`]
//! and [`KStream::outer_join_stream`] within [`JoinWindows`], as Kafka
//! Streams' `KStreamImplJoin`.
//!
//! # The graph (Java's, node for node)
//! ```text
//! left  -> KSTREAM-WINDOWED-a (puts into this-store) -> KSTREAM-JOINTHIS-c  (fetches other-store) -\
//!                                                                                                   KSTREAM-MERGE-e
//! right -> KSTREAM-WINDOWED-b (puts into other-store) -> KSTREAM-JOINOTHER-d (fetches this-store) -/
//! ```
//! Both window stores keep duplicates (every record, keyed by key and
//! timestamp) for size + grace; a left or outer join adds a key/value
//! store of records that found no partner yet (`KSTREAM-OUTERSHARED-c-store`,
//! Java's `TimestampedKeyAndJoinSide` keys and `LeftOrRightValue` lists),
//! from which they are emitted with a `None` partner once their window has
//! closed (KIP-633, `KStreamKStreamJoin.emitNonJoinedOuterRecords`). The
//! two join processors of a task share one time tracker (the join's own
//! stream time: the highest timestamp either side has seen).
//!
//! Names, store names and the changelog layouts are Java's, so `describe()`
//! reads the same and a changelog written by one restores in the other.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};

use kstreams_serde::{Bytes, DefaultSerde, Serde, SerdeOf};

use super::copartition::CopartitionGroup;
use super::join_windows::{JoinWindows, StreamJoined};
use super::repartition::RepartitionBase;
use super::KStream;
use crate::processor::node::{
    forward, Child, Instance, Lifecycle, NodeCx, NodeEnv, NodeFactory, NodeInput, OpFn,
    StatelessFactory,
};
use crate::processor::stores::StoreFactory;
use crate::processor::{Record, TaskId};
use crate::state::{
    KeyValueStore, KeyValueStoreBuilder, KeyValueStoreHandle, WindowStore, WindowStoreBuilder,
    WindowStoreHandle,
};
use crate::topology::NodeKind;
use crate::{Error, Result};

/// The joiner as both processors call it: (left value, right value), one
/// of them possibly absent; `None` when the join kind has no result for
/// that combination (never reached: the processors only ask for what the
/// kind allows).
type JoinFn<V, VO, VR> = Arc<dyn Fn(Option<&V>, Option<&VO>) -> Option<VR> + Send + Sync>;

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Joins this stream with `other`: for each pair of records with the
    /// same key whose timestamps are within `windows`, emits
    /// `joiner(this value, other value)` with the later of the two
    /// timestamps (Kafka Streams' `KStream.join(KStream, ValueJoiner,
    /// JoinWindows)`). Both sides are buffered in change-logged window
    /// stores; serdes are the types' defaults (see
    /// [`join_stream_with`](Self::join_stream_with)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstreams::dsl::{JoinWindows, StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const CLICKS: Topic<String, String, 1> = Topic::new("clicks");
    /// const VIEWS: Topic<String, String, 1> = Topic::new("views");
    /// const OUT: Topic<String, String, 1> = Topic::new("clicked-views");
    ///
    /// let builder = StreamsBuilder::new();
    /// let views = builder.stream(VIEWS);
    /// builder
    ///     .stream(CLICKS)
    ///     .join_stream(
    ///         &views,
    ///         |click: &String, view: &String| format!("{click} after {view}"),
    ///         JoinWindows::of_time_difference_with_no_grace(Duration::from_secs(10)),
    ///     )
    ///     .to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let (mut clicks, mut views) = (driver.create_input_topic(CLICKS), driver.create_input_topic(VIEWS));
    /// views.pipe_input_with_timestamp("ad-1", "view-a", 1_000)?;
    /// clicks.pipe_input_with_timestamp("ad-1", "click-x", 5_000)?; // 4 s later: joins
    /// clicks.pipe_input_with_timestamp("ad-1", "click-y", 20_000)?; // 19 s later: too late
    /// let out = driver.create_output_topic(OUT);
    /// assert_eq!(out.read_values_to_vec()?, vec!["click-x after view-a".to_string()]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn join_stream<VO, VR, F>(
        &self,
        other: &KStream<K, VO>,
        joiner: F,
        windows: JoinWindows,
    ) -> KStream<K, VR>
    where
        K: DefaultSerde,
        V: DefaultSerde,
        VO: DefaultSerde + Clone + 'static,
        VR: Clone + 'static,
        F: Fn(&V, &VO) -> VR + Send + Sync + 'static,
    {
        self.join_stream_with(
            other,
            joiner,
            windows,
            StreamJoined::<SerdeOf<K>, SerdeOf<V>, SerdeOf<VO>>::new(),
        )
    }

    /// [`join_stream`](Self::join_stream) with the stores and serdes
    /// `joined` describes.
    pub fn join_stream_with<VO, VR, F, KS, VS, VOS>(
        &self,
        other: &KStream<K, VO>,
        joiner: F,
        windows: JoinWindows,
        joined: StreamJoined<KS, VS, VOS>,
    ) -> KStream<K, VR>
    where
        VO: Clone + 'static,
        VR: Clone + 'static,
        F: Fn(&V, &VO) -> VR + Send + Sync + 'static,
        KS: Serde<Target = K>,
        VS: Serde<Target = V>,
        VOS: Serde<Target = VO>,
    {
        let joiner: JoinFn<V, VO, VR> = Arc::new(move |l, r| Some(joiner(l?, r?)));
        self.stream_join(other, joiner, windows, joined, false, false)
    }

    /// Left join with `other` within `windows`: as
    /// [`join_stream`](Self::join_stream), and each record of this stream
    /// that finds no partner is emitted once as `joiner(value, None)` —
    /// after its window has closed (stream time past its timestamp plus
    /// `after` plus grace), never before a partner could still arrive
    /// (Kafka Streams' `leftJoin` with `JoinWindows.ofTimeDifferenceAndGrace`,
    /// KIP-633).
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstreams::dsl::{JoinWindows, StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const ORDERS: Topic<String, String, 1> = Topic::new("orders");
    /// const PAYMENTS: Topic<String, String, 1> = Topic::new("payments");
    /// const OUT: Topic<String, String, 1> = Topic::new("orders-paid");
    ///
    /// let builder = StreamsBuilder::new();
    /// let payments = builder.stream(PAYMENTS);
    /// builder
    ///     .stream(ORDERS)
    ///     .left_join_stream(
    ///         &payments,
    ///         |order: &String, paid: Option<&String>| format!("{order}: {}", paid.map_or("unpaid", |p| p.as_str())),
    ///         JoinWindows::of_time_difference_and_grace(Duration::from_secs(60), Duration::ZERO),
    ///     )
    ///     .to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let (mut orders, mut payments) = (driver.create_input_topic(ORDERS), driver.create_input_topic(PAYMENTS));
    /// orders.pipe_input_with_timestamp("o-1", "book", 0)?;
    /// orders.pipe_input_with_timestamp("o-2", "lamp", 1_000)?;
    /// payments.pipe_input_with_timestamp("o-1", "card", 30_000)?;
    /// let out = driver.create_output_topic(OUT);
    /// assert_eq!(out.read_values_to_vec()?, vec!["book: card".to_string()]);
    /// // Stream time passes 1 s + 60 s: o-2's window has closed.
    /// orders.pipe_input_with_timestamp("o-3", "pen", 62_000)?;
    /// assert_eq!(out.read_values_to_vec()?, vec!["lamp: unpaid".to_string()]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn left_join_stream<VO, VR, F>(
        &self,
        other: &KStream<K, VO>,
        joiner: F,
        windows: JoinWindows,
    ) -> KStream<K, VR>
    where
        K: DefaultSerde,
        V: DefaultSerde,
        VO: DefaultSerde + Clone + 'static,
        VR: Clone + 'static,
        F: Fn(&V, Option<&VO>) -> VR + Send + Sync + 'static,
    {
        self.left_join_stream_with(
            other,
            joiner,
            windows,
            StreamJoined::<SerdeOf<K>, SerdeOf<V>, SerdeOf<VO>>::new(),
        )
    }

    /// [`left_join_stream`](Self::left_join_stream) with the stores and
    /// serdes `joined` describes.
    pub fn left_join_stream_with<VO, VR, F, KS, VS, VOS>(
        &self,
        other: &KStream<K, VO>,
        joiner: F,
        windows: JoinWindows,
        joined: StreamJoined<KS, VS, VOS>,
    ) -> KStream<K, VR>
    where
        VO: Clone + 'static,
        VR: Clone + 'static,
        F: Fn(&V, Option<&VO>) -> VR + Send + Sync + 'static,
        KS: Serde<Target = K>,
        VS: Serde<Target = V>,
        VOS: Serde<Target = VO>,
    {
        let joiner: JoinFn<V, VO, VR> = Arc::new(move |l, r| Some(joiner(l?, r)));
        self.stream_join(other, joiner, windows, joined, true, false)
    }

    /// Outer join with `other` within `windows`: as
    /// [`left_join_stream`](Self::left_join_stream) on both sides — a
    /// record of either stream without a partner is emitted once, after
    /// its window has closed, as `joiner(Some(v), None)` or
    /// `joiner(None, Some(v))` (Kafka Streams' `outerJoin`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstreams::dsl::{JoinWindows, StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const LEFT: Topic<String, String, 1> = Topic::new("left");
    /// const RIGHT: Topic<String, String, 1> = Topic::new("right");
    /// const OUT: Topic<String, String, 1> = Topic::new("both");
    ///
    /// let builder = StreamsBuilder::new();
    /// let right = builder.stream(RIGHT);
    /// builder
    ///     .stream(LEFT)
    ///     .outer_join_stream(
    ///         &right,
    ///         |l: Option<&String>, r: Option<&String>| format!("{l:?}+{r:?}"),
    ///         JoinWindows::of_time_difference_with_no_grace(Duration::from_millis(10)),
    ///     )
    ///     .to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let (mut left, mut right) = (driver.create_input_topic(LEFT), driver.create_input_topic(RIGHT));
    /// left.pipe_input_with_timestamp("k", "a", 0)?;
    /// right.pipe_input_with_timestamp("j", "b", 5)?;
    /// right.pipe_input_with_timestamp("k", "c", 100)?; // closes both windows
    /// let out = driver.create_output_topic(OUT);
    /// assert_eq!(
    ///     out.read_values_to_vec()?,
    ///     vec![r#"Some("a")+None"#.to_string(), r#"None+Some("b")"#.to_string()]
    /// );
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn outer_join_stream<VO, VR, F>(
        &self,
        other: &KStream<K, VO>,
        joiner: F,
        windows: JoinWindows,
    ) -> KStream<K, VR>
    where
        K: DefaultSerde,
        V: DefaultSerde,
        VO: DefaultSerde + Clone + 'static,
        VR: Clone + 'static,
        F: Fn(Option<&V>, Option<&VO>) -> VR + Send + Sync + 'static,
    {
        self.outer_join_stream_with(
            other,
            joiner,
            windows,
            StreamJoined::<SerdeOf<K>, SerdeOf<V>, SerdeOf<VO>>::new(),
        )
    }

    /// [`outer_join_stream`](Self::outer_join_stream) with the stores and
    /// serdes `joined` describes.
    pub fn outer_join_stream_with<VO, VR, F, KS, VS, VOS>(
        &self,
        other: &KStream<K, VO>,
        joiner: F,
        windows: JoinWindows,
        joined: StreamJoined<KS, VS, VOS>,
    ) -> KStream<K, VR>
    where
        VO: Clone + 'static,
        VR: Clone + 'static,
        F: Fn(Option<&V>, Option<&VO>) -> VR + Send + Sync + 'static,
        KS: Serde<Target = K>,
        VS: Serde<Target = V>,
        VOS: Serde<Target = VO>,
    {
        let joiner: JoinFn<V, VO, VR> = Arc::new(move |l, r| Some(joiner(l, r)));
        self.stream_join(other, joiner, windows, joined, true, true)
    }

    /// Builds the join's graph (Java's `KStreamImpl.doJoin` +
    /// `KStreamImplJoin.join`): repartitions a side whose key may have
    /// changed, then adds the windowed, join and merge nodes and the stores.
    fn stream_join<VO, VR, KS, VS, VOS>(
        &self,
        other: &KStream<K, VO>,
        joiner: JoinFn<V, VO, VR>,
        windows: JoinWindows,
        joined: StreamJoined<KS, VS, VOS>,
        left_outer: bool,
        right_outer: bool,
    ) -> KStream<K, VR>
    where
        VO: Clone + 'static,
        VR: Clone + 'static,
        KS: Serde<Target = K>,
        VS: Serde<Target = V>,
        VOS: Serde<Target = VO>,
    {
        // KStreamImpl.doJoin: repartition topics `<name>-left-repartition`
        // (or `<this node>-repartition`) before naming the join's nodes.
        let name = joined.name().map(str::to_owned);
        let base = |stream_node: usize, suffix: &str| -> RepartitionBase {
            match &name {
                Some(n) => RepartitionBase::Topic(format!("{n}{suffix}")),
                None => {
                    RepartitionBase::Topic(self.graph.borrow().nodes[stream_node].name.to_string())
                }
            }
        };
        let left = if self.key_may_have_changed() {
            self.through_repartition_topic::<KS, VS>(base(self.node, "-left"), None)
        } else {
            self.clone()
        };
        let right = if other.key_may_have_changed() {
            other.through_repartition_topic::<KS, VOS>(base(other.node, "-right"), None)
        } else {
            other.clone()
        };

        let mut graph = self.graph.borrow_mut();
        let named = |suffix: &str| name.as_ref().map(|n| format!("{n}{suffix}"));
        let this_windowed =
            named("-this-windowed").unwrap_or_else(|| graph.new_name("KSTREAM-WINDOWED-"));
        let other_windowed =
            named("-other-windowed").unwrap_or_else(|| graph.new_name("KSTREAM-WINDOWED-"));
        let join_this_generated = graph.new_name(if right_outer {
            "KSTREAM-OUTERTHIS-"
        } else {
            "KSTREAM-JOINTHIS-"
        });
        let join_other_generated = graph.new_name(if left_outer {
            "KSTREAM-OUTEROTHER-"
        } else {
            "KSTREAM-JOINOTHER-"
        });
        let this_suffix = if right_outer {
            "-outer-this-join"
        } else {
            "-this-join"
        };
        let other_suffix = if left_outer {
            "-outer-other-join"
        } else {
            "-other-join"
        };
        let join_this = named(this_suffix).unwrap_or_else(|| join_this_generated.clone());
        let join_other = named(other_suffix).unwrap_or_else(|| join_other_generated.clone());
        let merge = named("-merge").unwrap_or_else(|| graph.new_name("KSTREAM-MERGE-"));

        // Store names: StreamJoinedStoreFactory / OuterStreamJoinStoreFactory.
        let (this_store, other_store) = match joined.store_name() {
            Some(s) => (
                format!("{s}{this_suffix}-store"),
                format!("{s}{other_suffix}-store"),
            ),
            None => (
                format!("{join_this_generated}-store"),
                format!("{join_other_generated}-store"),
            ),
        };
        let outer_store = left_outer.then(|| match joined.store_name() {
            Some(s) if right_outer => format!("{s}-outer-shared-join-store"),
            Some(s) => format!("{s}-left-shared-join-store"),
            None => {
                let digits = join_this_generated
                    .rsplit('-')
                    .next()
                    .unwrap_or(&join_this_generated);
                format!("KSTREAM-OUTERSHARED-{digits}-store")
            }
        });

        let size = windows.size_ms() as i64;
        let retention = size + windows.grace_ms() as i64;
        let window_store = |name: &str| {
            let builder =
                WindowStoreBuilder::<KS, VS>::new(name, joined.kind(), retention, size, true);
            if joined.logging() {
                builder
            } else {
                builder.with_logging_disabled()
            }
        };
        let other_window_store = |name: &str| {
            let builder =
                WindowStoreBuilder::<KS, VOS>::new(name, joined.kind(), retention, size, true);
            if joined.logging() {
                builder
            } else {
                builder.with_logging_disabled()
            }
        };
        graph
            .stores
            .push(Arc::new(window_store(&this_store)) as Arc<dyn StoreFactory>);
        graph
            .stores
            .push(Arc::new(other_window_store(&other_store)) as Arc<dyn StoreFactory>);
        if let Some(outer) = &outer_store {
            let builder = KeyValueStoreBuilder::<Bytes, Bytes>::new(outer, joined.kind())
                .with_caching_disabled();
            let builder = if joined.logging() {
                builder
            } else {
                builder.with_logging_disabled()
            };
            graph.stores.push(Arc::new(builder));
        }

        let this_windowed = graph.add_node(
            this_windowed,
            NodeKind::Processor {
                stores: vec![this_store.clone()],
            },
            &[left.node],
            Arc::new(JoinWindowFactory::<KS, VS> {
                store: this_store.clone(),
                _types: PhantomData,
            }),
        );
        let other_windowed = graph.add_node(
            other_windowed,
            NodeKind::Processor {
                stores: vec![other_store.clone()],
            },
            &[right.node],
            Arc::new(JoinWindowFactory::<KS, VOS> {
                store: other_store.clone(),
                _types: PhantomData,
            }),
        );
        let trackers = Arc::new(TimeTrackers::default());
        let with_outer = |store: &str| {
            let mut stores = vec![store.to_owned()];
            stores.extend(outer_store.clone());
            stores
        };
        let (before, after, grace) = (
            windows.before_ms() as i64,
            windows.after_ms() as i64,
            windows.grace_ms() as i64,
        );
        let left_joiner = joiner.clone();
        let join_name = join_this.clone();
        let join_this = graph.add_node(
            join_this,
            NodeKind::Processor {
                stores: with_outer(&other_store),
            },
            &[this_windowed],
            Arc::new(JoinSideFactory::<KS, VS, VOS, VR> {
                side: Side::Left,
                other_store: other_store.clone(),
                outer_store: outer_store.clone(),
                outer: left_outer,
                join_before_ms: before,
                join_after_ms: after,
                windows_before_ms: before,
                windows_after_ms: after,
                grace_ms: grace,
                joiner: Arc::new(move |this, other| left_joiner(this, other)),
                trackers: trackers.clone(),
                _key: PhantomData,
            }),
        );
        // The right side sees the window mirrored and calls the joiner
        // with its arguments swapped back (`reverseJoinerWithKey`).
        let join_other = graph.add_node(
            join_other,
            NodeKind::Processor {
                stores: with_outer(&this_store),
            },
            &[other_windowed],
            Arc::new(JoinSideFactory::<KS, VOS, VS, VR> {
                side: Side::Right,
                other_store: this_store.clone(),
                outer_store: outer_store.clone(),
                outer: right_outer,
                join_before_ms: after,
                join_after_ms: before,
                windows_before_ms: before,
                windows_after_ms: after,
                grace_ms: grace,
                joiner: Arc::new(move |this, other| joiner(other, this)),
                trackers,
                _key: PhantomData,
            }),
        );
        let op: OpFn<K, VR, K, VR> = Arc::new(|record, emit| emit(record));
        let merge = graph.add_node(
            merge,
            NodeKind::Processor { stores: Vec::new() },
            &[join_this, join_other],
            Arc::new(StatelessFactory { op }),
        );
        graph.copartition_groups.push(CopartitionGroup {
            join: join_name,
            sides: [this_windowed, other_windowed],
        });
        drop(graph);
        KStream::new(self.graph.clone(), merge)
    }
}

/// `KStreamJoinWindow`: forwards a record, then buffers it in its side's
/// window store (keyed by key and timestamp, duplicates kept).
struct JoinWindowFactory<KS, VS> {
    store: String,
    _types: PhantomData<fn() -> (KS, VS)>,
}

struct JoinWindowNode<KS: Serde, VS: Serde> {
    store: WindowStoreHandle<KS, VS>,
    children: Vec<Child<KS::Target, VS::Target>>,
}

impl<KS, VS> NodeFactory for JoinWindowFactory<KS, VS>
where
    KS: Serde,
    VS: Serde,
    KS::Target: Clone,
    VS::Target: Clone,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let node: Arc<dyn NodeInput<KS::Target, VS::Target>> = Arc::new(JoinWindowNode {
            store: env.stores.window::<KS, VS>(env.name, &self.store)?,
            children: env.children()?,
        });
        Ok(Instance::node(node))
    }
}

impl<KS, VS> NodeInput<KS::Target, VS::Target> for JoinWindowNode<KS, VS>
where
    KS: Serde,
    VS: Serde,
    KS::Target: Clone,
    VS::Target: Clone,
{
    fn process(&self, record: Record<KS::Target, VS::Target>, cx: &mut NodeCx<'_>) -> Result<()> {
        // Java forwards first: a self-join's other side then finds the
        // record only through the second window node, as in Kafka Streams.
        let (key, value, timestamp) = (record.key.clone(), record.value.clone(), record.timestamp);
        forward(&self.children, record, cx)?;
        self.store.lock().put(&key, &value, timestamp)
    }
}

/// Which input of the join a processor serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

/// `KStreamImplJoin.TimeTracker`: the join's stream time and the oldest
/// timestamp in the outer store, shared by the two processors of a task.
#[derive(Debug)]
struct TimeTracker {
    stream_time: i64,
    min_time: i64,
    next_time_to_emit: i64,
}

impl Default for TimeTracker {
    fn default() -> Self {
        TimeTracker {
            stream_time: -1,
            min_time: i64::MAX,
            next_time_to_emit: 0,
        }
    }
}

/// `TimeTrackerSupplier`: one tracker per task, dropped when the task's
/// join processors close.
#[derive(Default)]
struct TimeTrackers {
    by_task: Mutex<HashMap<TaskId, Arc<Mutex<TimeTracker>>>>,
}

impl TimeTrackers {
    fn get(&self, task: TaskId) -> Arc<Mutex<TimeTracker>> {
        lock(&self.by_task).entry(task).or_default().clone()
    }

    fn remove(&self, task: TaskId) {
        lock(&self.by_task).remove(&task);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// The joiner as one side calls it: (this side's value, the other's).
type SideJoinFn<T, O, VR> = Arc<dyn Fn(Option<&T>, Option<&O>) -> Option<VR> + Send + Sync>;

/// `KStreamKStreamJoinLeftSide` / `RightSide`: `TS` serializes this side's
/// values, `OS` the other side's.
struct JoinSideFactory<KS: Serde, TS: Serde, OS: Serde, VR> {
    side: Side,
    other_store: String,
    outer_store: Option<String>,
    /// Emit this side's records without a partner (left join: the left
    /// side; outer join: both).
    outer: bool,
    /// The window as this side sees it (mirrored on the right side).
    join_before_ms: i64,
    join_after_ms: i64,
    /// The window as declared (`JoinWindows.beforeMs/afterMs`).
    windows_before_ms: i64,
    windows_after_ms: i64,
    grace_ms: i64,
    joiner: SideJoinFn<TS::Target, OS::Target, VR>,
    trackers: Arc<TimeTrackers>,
    _key: PhantomData<fn() -> KS>,
}

impl<KS, TS, OS, VR> NodeFactory for JoinSideFactory<KS, TS, OS, VR>
where
    KS: Serde,
    TS: Serde,
    OS: Serde,
    KS::Target: Clone,
    VR: Clone + 'static,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let outer_store = match &self.outer_store {
            Some(name) => Some(env.stores.key_value::<Bytes, Bytes>(env.name, name)?),
            None => None,
        };
        let node = Arc::new(JoinSideNode::<KS, TS, OS, VR> {
            side: self.side,
            other_store: env.stores.window::<KS, OS>(env.name, &self.other_store)?,
            outer_store,
            outer: self.outer,
            join_before_ms: self.join_before_ms,
            join_after_ms: self.join_after_ms,
            windows_before_ms: self.windows_before_ms,
            windows_after_ms: self.windows_after_ms,
            grace_ms: self.grace_ms,
            emit_interval_ms: env.settings.outer_join_emit_interval_ms,
            joiner: self.joiner.clone(),
            trackers: self.trackers.clone(),
            tracker: Mutex::new(None),
            children: env.children()?,
            name: env.name.to_string(),
        });
        let input: Arc<dyn NodeInput<KS::Target, TS::Target>> = node.clone();
        let mut instance = Instance::node(input);
        instance.lifecycle = Some(node);
        Ok(instance)
    }
}

struct JoinSideNode<KS: Serde, TS: Serde, OS: Serde, VR> {
    side: Side,
    other_store: WindowStoreHandle<KS, OS>,
    outer_store: Option<KeyValueStoreHandle<Bytes, Bytes>>,
    outer: bool,
    join_before_ms: i64,
    join_after_ms: i64,
    windows_before_ms: i64,
    windows_after_ms: i64,
    grace_ms: i64,
    emit_interval_ms: i64,
    joiner: SideJoinFn<TS::Target, OS::Target, VR>,
    trackers: Arc<TimeTrackers>,
    /// This task's tracker, taken from `trackers` on first use.
    tracker: Mutex<Option<(TaskId, Arc<Mutex<TimeTracker>>)>>,
    children: Vec<Child<KS::Target, VR>>,
    name: String,
}

impl<KS: Serde, TS: Serde, OS: Serde, VR> JoinSideNode<KS, TS, OS, VR> {
    fn tracker(&self, task: TaskId) -> Arc<Mutex<TimeTracker>> {
        let mut slot = lock(&self.tracker);
        match &*slot {
            Some((id, tracker)) if *id == task => tracker.clone(),
            _ => {
                let tracker = self.trackers.get(task);
                *slot = Some((task, tracker.clone()));
                tracker
            }
        }
    }

    fn serde_error(&self, what: &str, e: kstreams_serde::SerdeError) -> Error {
        Error::Processing {
            node: self.name.clone(),
            message: format!("cannot {what}: {e}"),
        }
    }
}

impl<KS: Serde, TS: Serde, OS: Serde, VR> Lifecycle for JoinSideNode<KS, TS, OS, VR> {
    fn init(&self, _cx: &mut NodeCx<'_>) -> Result<()> {
        Ok(())
    }

    fn punctuate(&self, _id: u64, _timestamp: i64, _cx: &mut NodeCx<'_>) -> Result<()> {
        Ok(())
    }

    fn close(&self) {
        if let Some((task, _)) = lock(&self.tracker).take() {
            self.trackers.remove(task);
        }
    }
}

impl<KS, TS, OS, VR> NodeInput<KS::Target, TS::Target> for JoinSideNode<KS, TS, OS, VR>
where
    KS: Serde,
    TS: Serde,
    OS: Serde,
    KS::Target: Clone,
    VR: Clone + 'static,
{
    // KStreamKStreamJoin.KStreamKStreamJoinProcessor.process
    fn process(&self, record: Record<KS::Target, TS::Target>, cx: &mut NodeCx<'_>) -> Result<()> {
        let tracker = self.tracker(cx.task_id);
        let timestamp = record.timestamp;
        let stream_time = {
            let mut t = lock(&tracker);
            t.stream_time = t.stream_time.max(timestamp);
            t.stream_time
        };
        if timestamp == stream_time {
            if let Some(store) = &self.outer_store {
                self.emit_non_joined(store, &tracker, &record, cx)?;
            }
        }
        let from = (timestamp - self.join_before_ms).max(0);
        let to = (timestamp + self.join_after_ms).max(0);
        let partners = self.other_store.lock().fetch_range(&record.key, from, to)?;
        let need_outer = self.outer && partners.is_empty();
        for (other_time, other) in partners {
            if let Some(store) = &self.outer_store {
                // putIfAbsent(otherKey, null): the partner found a match, so
                // it must not be emitted as non-joined.
                let key = self.outer_key(&record.key, other_time, self.side.other())?;
                let mut store = store.lock();
                if store.get(&key)?.is_some() {
                    store.delete(&key)?;
                }
            }
            if let Some(value) = (self.joiner)(Some(&record.value), Some(&other)) {
                forward(
                    &self.children,
                    Record {
                        key: record.key.clone(),
                        value,
                        timestamp: timestamp.max(other_time),
                        headers: record.headers.clone(),
                    },
                    cx,
                )?;
            }
        }
        if need_outer {
            match &self.outer_store {
                // Its window may still see a partner: buffer it until the
                // window closes.
                Some(store) if to >= stream_time => {
                    {
                        let mut t = lock(&tracker);
                        t.min_time = t.min_time.min(timestamp);
                    }
                    let key = self.outer_key(&record.key, timestamp, self.side)?;
                    let mut value = vec![u8::from(self.side == Side::Left)];
                    TS::serialize(&record.value, &mut value)
                        .map_err(|e| self.serde_error("serialize a value", e))?;
                    append_to_list(&mut *store.lock(), &key, value)?;
                }
                // No outer store, or its window has already closed (an
                // out-of-order record): emit it now.
                _ => {
                    if let Some(value) = (self.joiner)(Some(&record.value), None) {
                        forward(
                            &self.children,
                            Record {
                                key: record.key,
                                value,
                                timestamp,
                                headers: record.headers,
                            },
                            cx,
                        )?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }
}

impl<KS, TS, OS, VR> JoinSideNode<KS, TS, OS, VR>
where
    KS: Serde,
    TS: Serde,
    OS: Serde,
    KS::Target: Clone,
    VR: Clone + 'static,
{
    /// `TimestampedKeyAndJoinSideSerializer`: `[timestamp: 8 BE][1 = left,
    /// 0 = right][key]`, so the store iterates by time, right before left.
    fn outer_key(&self, key: &KS::Target, timestamp: i64, side: Side) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(24);
        out.extend_from_slice(&timestamp.to_be_bytes());
        out.push(u8::from(side == Side::Left));
        KS::serialize(key, &mut out).map_err(|e| self.serde_error("serialize a key", e))?;
        Ok(out)
    }

    /// `emitNonJoinedOuterRecords`: emits, oldest first, the buffered
    /// records whose window has closed, and deletes them.
    fn emit_non_joined(
        &self,
        store: &KeyValueStoreHandle<Bytes, Bytes>,
        tracker: &Mutex<TimeTracker>,
        record: &Record<KS::Target, TS::Target>,
        cx: &mut NodeCx<'_>,
    ) -> Result<()> {
        let stream_time = {
            let mut t = lock(tracker);
            // Only scan when something may have closed.
            if t.min_time
                .saturating_add(self.join_after_ms + self.grace_ms)
                >= t.stream_time
            {
                return Ok(());
            }
            // Throttled by wall-clock time (a cost optimization in Java,
            // `emit.interval.ms.kstreams.outer.join.spurious.results.fix`).
            if cx.wall_clock < t.next_time_to_emit {
                return Ok(());
            }
            t.next_time_to_emit = cx.wall_clock.saturating_add(self.emit_interval_ms);
            t.min_time = i64::MAX;
            t.stream_time
        };
        // Collect what to emit first: the store stays unlocked while
        // children run.
        let mut emit: Vec<(Vec<u8>, Vec<Vec<u8>>)> = Vec::new();
        let mut min_time = i64::MAX;
        {
            let guard = store.lock();
            let (mut left_open, mut right_open) = (false, false);
            for entry in KeyValueStore::all(&*guard)? {
                let (key, list) = entry?;
                let (timestamp, side) = decode_outer_key(&key).ok_or_else(|| Error::State {
                    store: guard.name().to_owned(),
                    message: "an outer-join store key shorter than 9 bytes".to_owned(),
                })?;
                let values = decode_list(&list).ok_or_else(|| Error::State {
                    store: guard.name().to_owned(),
                    message: "an outer-join store value that is not a list of values".to_owned(),
                })?;
                if values.is_empty() {
                    continue;
                }
                // Java's iterator visits every value of the list, each
                // setting minTime and checking the window; all share a key.
                min_time = timestamp;
                if left_open && right_open {
                    break;
                }
                let look_back = if side == Side::Left {
                    self.windows_after_ms
                } else {
                    self.windows_before_ms
                };
                if timestamp.saturating_add(look_back + self.grace_ms) >= stream_time {
                    match side {
                        Side::Left => left_open = true,
                        Side::Right => right_open = true,
                    }
                    continue;
                }
                emit.push((key, values));
            }
        }
        lock(tracker).min_time = min_time;
        for (key, values) in emit {
            let (timestamp, _) = decode_outer_key(&key).unwrap_or((0, Side::Left));
            let record_key = KS::deserialize(&key[9..])
                .map_err(|e| self.serde_error("deserialize an outer-join store key", e))?;
            for value in values {
                let Some((&flag, bytes)) = value.split_first() else {
                    continue;
                };
                let is_this = (flag == 1) == (self.side == Side::Left);
                let result = if is_this {
                    let v = TS::deserialize(bytes)
                        .map_err(|e| self.serde_error("deserialize a buffered value", e))?;
                    (self.joiner)(Some(&v), None)
                } else {
                    let v = OS::deserialize(bytes)
                        .map_err(|e| self.serde_error("deserialize a buffered value", e))?;
                    (self.joiner)(None, Some(&v))
                };
                if let Some(value) = result {
                    forward(
                        &self.children,
                        Record {
                            key: record_key.clone(),
                            value,
                            timestamp,
                            headers: record.headers.clone(),
                        },
                        cx,
                    )?;
                }
            }
            store.lock().delete(&key)?;
        }
        Ok(())
    }
}

/// The timestamp and side of an outer-store key.
fn decode_outer_key(key: &[u8]) -> Option<(i64, Side)> {
    let timestamp = i64::from_be_bytes(key.get(..8)?.try_into().ok()?);
    let side = if *key.get(8)? == 1 {
        Side::Left
    } else {
        Side::Right
    };
    Some((timestamp, side))
}

/// Java's `ListSerde` of byte arrays (variable-size strategy):
/// `[1][count: i32 BE]` then `[length: i32 BE][bytes]` per element.
fn encode_list(values: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + values.iter().map(|v| v.len() + 4).sum::<usize>());
    out.push(1);
    out.extend_from_slice(&(values.len() as i32).to_be_bytes());
    for v in values {
        out.extend_from_slice(&(v.len() as i32).to_be_bytes());
        out.extend_from_slice(v);
    }
    out
}

/// The inverse of [`encode_list`]; `None` if malformed.
fn decode_list(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let (&strategy, rest) = bytes.split_first()?;
    if strategy != 1 {
        return None;
    }
    let count = i32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
    let mut rest = rest.get(4..)?;
    let mut out = Vec::with_capacity(usize::try_from(count).ok()?);
    for _ in 0..count {
        let len = i32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
        let len = usize::try_from(len).ok()?;
        out.push(rest.get(4..4 + len)?.to_vec());
        rest = rest.get(4 + len..)?;
    }
    Some(out)
}

/// `ListValueStore.put`: appends `value` to the list stored under `key`.
fn append_to_list(
    store: &mut dyn KeyValueStore<Vec<u8>, Vec<u8>>,
    key: &[u8],
    value: Vec<u8>,
) -> Result<()> {
    let key = key.to_vec();
    let mut values = match store.get(&key)? {
        Some(list) => decode_list(&list).ok_or_else(|| Error::State {
            store: store.name().to_owned(),
            message: "an outer-join store value that is not a list of values".to_owned(),
        })?,
        None => Vec::new(),
    };
    values.push(value);
    store.put(&key, &encode_list(&values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_in_javas_layout() {
        let values = vec![vec![1, 2, 3], vec![], vec![9]];
        let bytes = encode_list(&values);
        assert_eq!(
            bytes,
            vec![1, 0, 0, 0, 3, 0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 1, 9]
        );
        assert_eq!(decode_list(&bytes), Some(values));
        assert_eq!(decode_list(&bytes[..bytes.len() - 1]), None);
        assert_eq!(decode_list(&[0, 0, 0, 0, 0]), None);
    }

    #[test]
    fn outer_keys_sort_by_time_then_right_before_left() {
        assert_eq!(
            decode_outer_key(&[0, 0, 0, 0, 0, 0, 1, 0, 1, b'k']),
            Some((256, Side::Left))
        );
        assert_eq!(decode_outer_key(&[0; 9]), Some((0, Side::Right)));
        assert_eq!(decode_outer_key(&[0; 8]), None);
    }
}
