//! Table-table joins: [`KTable::join`], [`KTable::left_join`],
//! [`KTable::outer_join`] and their `_with` forms (a [`Materialized`]
//! result), as Kafka Streams' `KTableImpl.doJoin` with
//! `KTableKTableInnerJoin`, `KTableKTableLeftJoin` / `KTableKTableRightJoin`,
//! `KTableKTableOuterJoin` and `KTableKTableJoinMerger`.
//!
//! # Shape
//! Each side's changes go to a join node (`KTABLE-JOINTHIS-…` under the
//! left table, `KTABLE-JOINOTHER-…` under the right one) that looks up the
//! other side's current row through its value getter (both tables are
//! materialized for it, as Java) and forwards the joined change; both
//! feed `KTABLE-MERGE-…`, the result table, which stores the result when
//! materialized (then queryable, and read by later joins from its store).
//!
//! # Semantics (per update of one side, the other side's row `o`)
//! - timestamp: the larger of the update's and `o`'s;
//! - inner: nothing without `o`; else `new = joiner(new, o)` (`None` if
//!   the update is a delete);
//! - left, left side: like inner, but without `o` the joiner gets `None`
//!   (and an update with neither a new nor an old value emits nothing);
//!   right side: nothing without the left row `l`; else `joiner(l, new)`;
//! - outer: the joiner gets whatever exists on both sides; nothing when
//!   neither side has a row;
//! - old values (`Change::old`, forwarded only when a downstream operator
//!   asks, e.g. `group_by`) are the joiner applied to the update's old
//!   value and `o`: the result row being retracted.
//!
//! A delete reaches downstream as a change with no new value
//! (`to_changelog_stream` shows it as `None`). Versioned tables (and so
//! the out-of-order drops of KIP-914) are not supported.

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use kstreams_serde::{Serde, ValueAndTimestamp};

use super::builder::GraphBuilder;
use super::copartition::CopartitionGroup;
use super::ktable::{Change, TableInfo};
use super::table_node::{TableNodeFactory, UpdateFn};
use super::value_getter::{store_getter, supplier_of, ValueGetter, ValueGetterSupplier, View};
use super::{KTable, Materialized};
use crate::processor::node::{
    forward, Child, Instance, NodeCx, NodeEnv, NodeFactory, NodeInput, OpFn, StatelessFactory,
};
use crate::processor::Record;
use crate::topology::NodeKind;
use crate::Result;

/// Which of Java's join processors a side runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// `KTableKTableInnerJoin` (both sides of an inner join).
    Inner,
    /// `KTableKTableLeftJoin` (the left side of a left join).
    Left,
    /// `KTableKTableRightJoin` (the right side of a left join).
    Right,
    /// `KTableKTableOuterJoin` (both sides of an outer join).
    Outer,
}

/// The user's joiner seen from one side: (this side's value, the other
/// side's value) → result, `None` when the join kind has no result for
/// what is present.
type SideJoiner<V, VO, VR> = Arc<dyn Fn(Option<&V>, Option<&VO>) -> Option<VR> + Send + Sync>;

/// Factory of a `KTABLE-JOINTHIS-…` / `KTABLE-JOINOTHER-…` node.
struct JoinSideFactory<K, V, VO, VR> {
    side: Side,
    other: ValueGetterSupplier<K, VO>,
    joiner: SideJoiner<V, VO, VR>,
    send_old_values: Arc<AtomicBool>,
}

struct JoinSideNode<K, V, VO, VR> {
    side: Side,
    other: Arc<dyn ValueGetter<K, VO>>,
    joiner: SideJoiner<V, VO, VR>,
    send_old_values: bool,
    children: Vec<Child<K, Change<VR>>>,
}

impl<K: Clone, V, VO, VR: Clone> NodeInput<K, Change<V>> for JoinSideNode<K, V, VO, VR> {
    fn process(&self, record: Record<K, Change<V>>, cx: &mut NodeCx<'_>) -> Result<()> {
        let other = self.other.get(&record.key)?;
        let o = other.as_ref().map(|row| &row.value);
        let change = &record.value;
        let nothing = change.new.is_none() && change.old.is_none();
        let timestamp = match (self.side, &other) {
            (Side::Inner | Side::Right, None) => return Ok(()),
            (Side::Left | Side::Outer, None) if nothing => return Ok(()),
            // Java: `Math.max(record.timestamp(), UNKNOWN)` for the left
            // join, the record's own timestamp for the outer join.
            (_, None) => record.timestamp,
            (_, Some(row)) => record.timestamp.max(row.timestamp),
        };
        let join = |v: Option<&V>| match self.side {
            // Java: only an existing value of this side is joined ...
            Side::Inner | Side::Left => v.and_then(|v| (self.joiner)(Some(v), o)),
            // ... the right side of a left join always joins the left row ...
            Side::Right => (self.joiner)(v, o),
            // ... the outer join whenever either side has a value.
            Side::Outer if v.is_none() && o.is_none() => None,
            Side::Outer => (self.joiner)(v, o),
        };
        let joined = Change {
            new: join(change.new.as_ref()),
            old: if self.send_old_values {
                join(change.old.as_ref())
            } else {
                None
            },
        };
        forward(
            &self.children,
            Record {
                key: record.key,
                value: joined,
                timestamp,
                headers: record.headers,
            },
            cx,
        )
    }
}

impl<K, V, VO, VR> NodeFactory for JoinSideFactory<K, V, VO, VR>
where
    K: Clone + 'static,
    V: 'static,
    VO: 'static,
    VR: Clone + 'static,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let node: Arc<dyn NodeInput<K, Change<V>>> = Arc::new(JoinSideNode {
            side: self.side,
            other: (self.other.init)(env)?,
            joiner: self.joiner.clone(),
            send_old_values: self.send_old_values.load(Ordering::Relaxed),
            children: env.children::<K, Change<VR>>()?,
        });
        Ok(Instance::node(node))
    }
}

/// The result's getter when it has no store: both sides' rows joined on
/// the fly (Java's `KTableKTable*JoinValueGetter`).
struct JoinedGetter<K, V, VO, VR> {
    left: Arc<dyn ValueGetter<K, V>>,
    right: Arc<dyn ValueGetter<K, VO>>,
    joiner: SideJoiner<V, VO, VR>,
}

impl<K, V, VO, VR> ValueGetter<K, VR> for JoinedGetter<K, V, VO, VR> {
    fn get(&self, key: &K) -> Result<Option<ValueAndTimestamp<VR>>> {
        let left = self.left.get(key)?;
        let right = self.right.get(key)?;
        let timestamp = match (&left, &right) {
            (None, None) => return Ok(None),
            (Some(l), Some(r)) => l.timestamp.max(r.timestamp),
            (Some(row), None) => row.timestamp,
            (None, Some(row)) => row.timestamp,
        };
        let joined = (self.joiner)(
            left.as_ref().map(|l| &l.value),
            right.as_ref().map(|r| &r.value),
        );
        Ok(joined.map(|value| ValueAndTimestamp::new(value, timestamp)))
    }
}

/// The getter of an unmaterialized join result.
fn joined_supplier<K, V, VO, VR>(
    left: ValueGetterSupplier<K, V>,
    right: ValueGetterSupplier<K, VO>,
    joiner: SideJoiner<V, VO, VR>,
) -> ValueGetterSupplier<K, VR>
where
    K: 'static,
    V: 'static,
    VO: 'static,
    VR: 'static,
{
    let mut stores = left.stores.clone();
    stores.extend(
        right
            .stores
            .iter()
            .filter(|s| !left.stores.contains(s))
            .cloned(),
    );
    ValueGetterSupplier {
        stores,
        init: Arc::new(move |env: &NodeEnv<'_>| {
            let getter: Arc<dyn ValueGetter<K, VR>> = Arc::new(JoinedGetter {
                left: (left.init)(env)?,
                right: (right.init)(env)?,
                joiner: joiner.clone(),
            });
            Ok(getter)
        }),
    }
}

/// The join's kind and its joiner seen from each side.
struct Joiners<V, VO, VR> {
    this_side: Side,
    other_side: Side,
    /// (left, right) → result.
    this: SideJoiner<V, VO, VR>,
    /// (right, left) → result (Java's `reverseJoiner`).
    other: SideJoiner<VO, V, VR>,
}

/// How the result table is stored, if it is.
struct ResultStore<K, VR> {
    name: String,
    factory: Arc<dyn NodeFactory>,
    builder: Arc<dyn crate::processor::stores::StoreFactory>,
    view: View<K, VR>,
}

impl<K: Clone + 'static, V: Clone + 'static> KTable<K, V> {
    /// Adds the join nodes and the merge node (`KTableImpl.doJoin`).
    fn table_table_join<VO, VR>(
        &self,
        other: &KTable<K, VO>,
        joiners: Joiners<V, VO, VR>,
        store: Option<ResultStore<K, VR>>,
        send_old_values: Arc<AtomicBool>,
    ) -> KTable<K, VR>
    where
        VO: Clone + 'static,
        VR: Clone + 'static,
    {
        let mut graph = self.graph.borrow_mut();
        let graph = &mut *graph;
        let merge_name = graph.new_name("KTABLE-MERGE-");
        if !Rc::ptr_eq(&self.graph, &other.graph) {
            graph.error(format!(
                "join `{merge_name}`: the other table comes from another StreamsBuilder"
            ));
        }
        // Java's doJoin: a left (outer) side sends old values, forcing
        // its materialization; `valueGetterSupplier()` materializes both.
        if joiners.this_side != Side::Inner {
            self.info.enable_sending_old_values(graph, true);
        }
        if joiners.other_side == Side::Outer {
            other.info.enable_sending_old_values(graph, true);
        }
        let this_getter = supplier_of(&self.view, graph, &merge_name);
        let other_getter = supplier_of(&other.view, graph, &merge_name);
        let this_name = graph.new_name("KTABLE-JOINTHIS-");
        let other_name = graph.new_name("KTABLE-JOINOTHER-");
        let this_node = graph.add_node(
            this_name,
            NodeKind::Processor {
                stores: other_getter.stores.clone(),
            },
            &[self.node],
            Arc::new(JoinSideFactory {
                side: joiners.this_side,
                other: other_getter.clone(),
                joiner: joiners.this.clone(),
                send_old_values: send_old_values.clone(),
            }),
        );
        let other_node = graph.add_node(
            other_name,
            NodeKind::Processor {
                stores: this_getter.stores.clone(),
            },
            &[other.node],
            Arc::new(JoinSideFactory {
                side: joiners.other_side,
                other: this_getter.clone(),
                joiner: joiners.other,
                send_old_values: send_old_values.clone(),
            }),
        );
        let (merge, store_name, view) = match store {
            Some(store) => {
                graph.stores.push(store.builder);
                let factory = store.factory;
                let node = graph.add_node(
                    merge_name.clone(),
                    NodeKind::Processor {
                        stores: vec![store.name.clone()],
                    },
                    &[this_node, other_node],
                    factory,
                );
                (node, Some(store.name), store.view)
            }
            None => {
                // KTableKTableJoinMerger without a store: forward, old
                // values only when asked.
                let flag = send_old_values.clone();
                let op: OpFn<K, Change<VR>, K, Change<VR>> = Arc::new(move |mut record, emit| {
                    if !flag.load(Ordering::Relaxed) {
                        record.value.old = None;
                    }
                    emit(record)
                });
                let node = graph.add_node(
                    merge_name.clone(),
                    NodeKind::Processor { stores: Vec::new() },
                    &[this_node, other_node],
                    Arc::new(StatelessFactory { op }),
                );
                let supplier = joined_supplier(this_getter, other_getter, joiners.this);
                let view: View<K, VR> = Rc::new(move |_: &mut GraphBuilder| supplier.clone());
                (node, None, view)
            }
        };
        graph.copartition_groups.push(CopartitionGroup {
            join: merge_name,
            sides: [self.node, other.node],
        });
        let info = TableInfo::join(send_old_values, self.info.clone(), other.info.clone());
        KTable::with_info(self.graph.clone(), merge, store_name, info).with_view(view)
    }

    /// The store of a materialized result (`KTableKTableJoinMerger` with a
    /// queryable name): it keeps each key's latest result; deletes remove it.
    fn result_store<KS, VS>(
        &self,
        materialized: Materialized<KS, VS>,
        send_old_values: &Arc<AtomicBool>,
    ) -> ResultStore<K, VS::Target>
    where
        KS: Serde<Target = K>,
        VS: Serde,
        VS::Target: Clone,
    {
        let name = materialized.store_name(&mut self.graph.borrow_mut(), "KTABLE-MERGE-");
        let update: UpdateFn<K, Change<VS::Target>, KS, VS> =
            Arc::new(|record: Record<K, Change<VS::Target>>, store| {
                match &record.value.new {
                    Some(value) => store.put(
                        &record.key,
                        &ValueAndTimestamp::new(value.clone(), record.timestamp),
                    )?,
                    None => drop(store.delete(&record.key)?),
                }
                Ok(Some(record))
            });
        let factory = TableNodeFactory::<K, Change<VS::Target>, KS, VS> {
            store: name.clone(),
            caching: materialized.caching(),
            update,
            send_old_values: send_old_values.clone(),
            _types: std::marker::PhantomData,
        };
        let store = name.clone();
        ResultStore {
            builder: Arc::new(materialized.timestamped_builder(&name)),
            factory: Arc::new(factory),
            view: Rc::new(move |_: &mut GraphBuilder| store_getter::<KS, VS>(&store)),
            name,
        }
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KTable<K, V> {
    /// Inner-join joiners: a result only when both sides have a row.
    fn inner_joiners<VO, VR, F>(joiner: F) -> Joiners<V, VO, VR>
    where
        VO: 'static,
        F: Fn(&V, &VO) -> VR + Send + Sync + 'static,
    {
        let f = Arc::new(joiner);
        let g = f.clone();
        Joiners {
            this_side: Side::Inner,
            other_side: Side::Inner,
            this: Arc::new(move |v, o| Some(f(v?, o?))),
            other: Arc::new(move |o, v| Some(g(v?, o?))),
        }
    }

    /// Left-join joiners: a result whenever the left side has a row.
    fn left_joiners<VO, VR, F>(joiner: F) -> Joiners<V, VO, VR>
    where
        VO: 'static,
        F: Fn(&V, Option<&VO>) -> VR + Send + Sync + 'static,
    {
        let f = Arc::new(joiner);
        let g = f.clone();
        Joiners {
            this_side: Side::Left,
            other_side: Side::Right,
            this: Arc::new(move |v, o| Some(f(v?, o))),
            other: Arc::new(move |o, v| Some(g(v?, o))),
        }
    }

    /// Outer-join joiners: a result whenever either side has a row.
    fn outer_joiners<VO, VR, F>(joiner: F) -> Joiners<V, VO, VR>
    where
        VO: 'static,
        F: Fn(Option<&V>, Option<&VO>) -> VR + Send + Sync + 'static,
    {
        let f = Arc::new(joiner);
        let g = f.clone();
        Joiners {
            this_side: Side::Outer,
            other_side: Side::Outer,
            this: Arc::new(move |v, o| Some(f(v, o))),
            other: Arc::new(move |o, v| Some(g(v, o))),
        }
    }

    /// The join, unmaterialized.
    fn join_unmaterialized<VO, VR>(
        &self,
        other: &KTable<K, VO>,
        joiners: Joiners<V, VO, VR>,
    ) -> KTable<K, VR>
    where
        VO: Clone + 'static,
        VR: Clone + 'static,
    {
        let send_old_values = Arc::new(AtomicBool::new(false));
        self.table_table_join(other, joiners, None, send_old_values)
    }

    /// The join into the store `materialized` describes.
    fn join_into<VO, KS, VS>(
        &self,
        other: &KTable<K, VO>,
        joiners: Joiners<V, VO, VS::Target>,
        materialized: Materialized<KS, VS>,
    ) -> KTable<K, VS::Target>
    where
        VO: Clone + 'static,
        KS: Serde<Target = K>,
        VS: Serde,
        VS::Target: Clone,
    {
        let send_old_values = Arc::new(AtomicBool::new(false));
        let store = self.result_store(materialized, &send_old_values);
        self.table_table_join(other, joiners, Some(store), send_old_values)
    }

    /// The rows of keys present in both tables, joined
    /// (`KTABLE-MERGE-…` over `KTABLE-JOINTHIS-…` and `KTABLE-JOINOTHER-…`,
    /// Kafka Streams' `KTable#join(KTable, ValueJoiner)`): an update of
    /// either side re-joins the key with the other side's current row, at
    /// the larger of the two timestamps; a key that loses its row on
    /// either side is deleted from the result.
    ///
    /// Both tables are materialized (a `builder.table` source gets a
    /// store) and must read topics with the same partition count.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const NAMES: Topic<String, String, 1> = Topic::new("names");
    /// const CITIES: Topic<String, String, 1> = Topic::new("cities");
    /// const CITIES_IN: Topic<String, Option<String>, 1> = Topic::new("cities");
    /// const OUT: Topic<String, Option<String>, 1> = Topic::new("people");
    ///
    /// let builder = StreamsBuilder::new();
    /// let names = builder.table(NAMES);
    /// names
    ///     .join(&builder.table(CITIES), |name: &String, city: &String| format!("{name} in {city}"))
    ///     .to_changelog_stream()
    ///     .to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut cities = driver.create_input_topic(CITIES_IN);
    /// driver.create_input_topic(NAMES).pipe_input("p1", "Ada")?; // no city: nothing
    /// cities.pipe_input("p1", Some("London".to_string()))?;
    /// cities.pipe_input("p1", None)?; // the city is deleted: so is the row
    /// let out = driver.create_output_topic(OUT).read_values_to_vec()?;
    /// assert_eq!(out, vec![Some("Ada in London".to_string()), None]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn join<VO, VR, F>(&self, other: &KTable<K, VO>, joiner: F) -> KTable<K, VR>
    where
        VO: Clone + 'static,
        VR: Clone + 'static,
        F: Fn(&V, &VO) -> VR + Send + Sync + 'static,
    {
        self.join_unmaterialized(other, Self::inner_joiners(joiner))
    }

    /// [`KTable::join`] into the store `materialized` describes (Kafka
    /// Streams' `join(KTable, ValueJoiner, Materialized)`): queryable when
    /// named with [`Materialized::as_`].
    ///
    /// ```
    /// use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const NAMES: Topic<String, String, 1> = Topic::new("names");
    /// const CITIES: Topic<String, String, 1> = Topic::new("cities");
    ///
    /// let builder = StreamsBuilder::new();
    /// let people = builder.table(NAMES).join_with(
    ///     &builder.table(CITIES),
    ///     |name: &String, city: &String| format!("{name} in {city}"),
    ///     Materialized::<String, String>::as_("people"),
    /// );
    /// assert_eq!(people.queryable_store_name(), Some("people"));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(NAMES).pipe_input("p1", "Ada")?;
    /// driver.create_input_topic(CITIES).pipe_input("p1", "London")?;
    /// let store = driver.get_key_value_store::<String, String>("people")?;
    /// assert_eq!(store.get(&"p1".to_string())?, Some("Ada in London".to_string()));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn join_with<VO, KS, VS, F>(
        &self,
        other: &KTable<K, VO>,
        joiner: F,
        materialized: Materialized<KS, VS>,
    ) -> KTable<K, VS::Target>
    where
        VO: Clone + 'static,
        KS: Serde<Target = K>,
        VS: Serde,
        VS::Target: Clone,
        F: Fn(&V, &VO) -> VS::Target + Send + Sync + 'static,
    {
        self.join_into(other, Self::inner_joiners(joiner), materialized)
    }

    /// Every row of this table joined with the other table's row of its
    /// key, `None` if it has none (Kafka Streams'
    /// `KTable#leftJoin(KTable, ValueJoiner)`): an update of the other
    /// table re-joins keys this table has and is ignored for the others.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const NAMES: Topic<String, String, 1> = Topic::new("names");
    /// const CITIES: Topic<String, String, 1> = Topic::new("cities");
    /// const OUT: Topic<String, Option<String>, 1> = Topic::new("people");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .table(NAMES)
    ///     .left_join(&builder.table(CITIES), |name: &String, city: Option<&String>| {
    ///         format!("{name} in {}", city.map_or("?", |c| c.as_str()))
    ///     })
    ///     .to_changelog_stream()
    ///     .to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(CITIES).pipe_input("p2", "Paris")?; // no name: nothing
    /// driver.create_input_topic(NAMES).pipe_input("p1", "Ada")?;
    /// driver.create_input_topic(CITIES).pipe_input("p1", "London")?;
    /// let out = driver.create_output_topic(OUT).read_values_to_vec()?;
    /// assert_eq!(out, vec![Some("Ada in ?".to_string()), Some("Ada in London".to_string())]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn left_join<VO, VR, F>(&self, other: &KTable<K, VO>, joiner: F) -> KTable<K, VR>
    where
        VO: Clone + 'static,
        VR: Clone + 'static,
        F: Fn(&V, Option<&VO>) -> VR + Send + Sync + 'static,
    {
        self.join_unmaterialized(other, Self::left_joiners(joiner))
    }

    /// [`KTable::left_join`] into the store `materialized` describes.
    ///
    /// ```
    /// use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const NAMES: Topic<String, String, 1> = Topic::new("names");
    /// const CITIES: Topic<String, String, 1> = Topic::new("cities");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.table(NAMES).left_join_with(
    ///     &builder.table(CITIES),
    ///     |name: &String, city: Option<&String>| format!("{name} in {city:?}"),
    ///     Materialized::<String, String>::as_("people"),
    /// );
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(NAMES).pipe_input("p1", "Ada")?;
    /// let store = driver.get_key_value_store::<String, String>("people")?;
    /// assert_eq!(store.get(&"p1".to_string())?, Some("Ada in None".to_string()));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn left_join_with<VO, KS, VS, F>(
        &self,
        other: &KTable<K, VO>,
        joiner: F,
        materialized: Materialized<KS, VS>,
    ) -> KTable<K, VS::Target>
    where
        VO: Clone + 'static,
        KS: Serde<Target = K>,
        VS: Serde,
        VS::Target: Clone,
        F: Fn(&V, Option<&VO>) -> VS::Target + Send + Sync + 'static,
    {
        self.join_into(other, Self::left_joiners(joiner), materialized)
    }

    /// The rows of keys present in either table, joined with `None` for
    /// the missing side (Kafka Streams' `KTable#outerJoin(KTable,
    /// ValueJoiner)`); a key that loses both rows is deleted.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const NAMES: Topic<String, String, 1> = Topic::new("names");
    /// const CITIES: Topic<String, String, 1> = Topic::new("cities");
    /// const OUT: Topic<String, Option<String>, 1> = Topic::new("people");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .table(NAMES)
    ///     .outer_join(&builder.table(CITIES), |name: Option<&String>, city: Option<&String>| {
    ///         format!("{name:?} in {city:?}")
    ///     })
    ///     .to_changelog_stream()
    ///     .to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(CITIES).pipe_input("p1", "Oslo")?;
    /// driver.create_input_topic(NAMES).pipe_input("p1", "Ada")?;
    /// let out = driver.create_output_topic(OUT).read_values_to_vec()?;
    /// assert_eq!(out, vec![
    ///     Some(r#"None in Some("Oslo")"#.to_string()),
    ///     Some(r#"Some("Ada") in Some("Oslo")"#.to_string()),
    /// ]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn outer_join<VO, VR, F>(&self, other: &KTable<K, VO>, joiner: F) -> KTable<K, VR>
    where
        VO: Clone + 'static,
        VR: Clone + 'static,
        F: Fn(Option<&V>, Option<&VO>) -> VR + Send + Sync + 'static,
    {
        self.join_unmaterialized(other, Self::outer_joiners(joiner))
    }

    /// [`KTable::outer_join`] into the store `materialized` describes.
    ///
    /// ```
    /// use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const NAMES: Topic<String, String, 1> = Topic::new("names");
    /// const CITIES: Topic<String, String, 1> = Topic::new("cities");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.table(NAMES).outer_join_with(
    ///     &builder.table(CITIES),
    ///     |name: Option<&String>, city: Option<&String>| format!("{name:?} in {city:?}"),
    ///     Materialized::<String, String>::as_("people"),
    /// );
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(CITIES).pipe_input("p1", "Oslo")?;
    /// let store = driver.get_key_value_store::<String, String>("people")?;
    /// assert_eq!(store.get(&"p1".to_string())?, Some(r#"None in Some("Oslo")"#.to_string()));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn outer_join_with<VO, KS, VS, F>(
        &self,
        other: &KTable<K, VO>,
        joiner: F,
        materialized: Materialized<KS, VS>,
    ) -> KTable<K, VS::Target>
    where
        VO: Clone + 'static,
        KS: Serde<Target = K>,
        VS: Serde,
        VS::Target: Clone,
        F: Fn(Option<&V>, Option<&VO>) -> VS::Target + Send + Sync + 'static,
    {
        self.join_into(other, Self::outer_joiners(joiner), materialized)
    }
}
