//! [`KTable`]: a changelog stream, one current value per key, as Kafka
//! Streams' `KTable`, with its stateless operators (`filter`, `map_values`)
//! and `to_stream`.
//!
//! Internally a KTable node forwards `Record<K, Change<V>>`: the key's new
//! value and, when a downstream operator needs it, the value it replaced
//! (`None` = absent, deleted, or not sent), so that downstream aggregations
//! can subtract the old value (seed 003 §13). With the record cache on, a
//! table node emits the latest change per key per commit; with it off,
//! every update.
//!
//! # Old values and materialization, as Kafka Streams decides them
//! Java's `KTableImpl.enableSendingOldValues(forceMaterialization)` is
//! mirrored by [`TableInfo::enable_sending_old_values`]: each table knows
//! where it comes from (an aggregation, which always has a store; a
//! `builder.table` source, materialized only when its `Materialized` is
//! named or a downstream operator forces it; or a stateless `filter` /
//! `map_values` over a parent) and shares a `send_old_values` flag with
//! its node, read when the topology is instantiated. `filter` asks its
//! parent without forcing (so over an unmaterialized source it sends no
//! old values and forwards a delete for every record it filters out, as
//! `KTableFilter`); `group_by` forces (materializing the source).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::builder::GraphBuilder;
use super::value_getter::{MapRow, View};
use super::KStream;
use crate::processor::node::{OpFn, StatelessFactory};
use crate::processor::Record;
use crate::topology::NodeKind;

/// An update of one key of a table: its new value and the value it
/// replaced; `None` means absent (a tombstone, as `new`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change<V> {
    /// The value after the update (`None`: deleted).
    pub new: Option<V>,
    /// The value before the update (`None`: there was none, or no
    /// downstream operator asked for old values, see the module docs).
    pub old: Option<V>,
}

/// Materializes a `builder.table` source on demand: adds its store to the
/// graph and swaps its node for the store-backed one.
pub(crate) type Materialize = Box<dyn FnOnce(&mut GraphBuilder)>;

/// Where a table's changes come from, for Java's `enableSendingOldValues`.
pub(crate) enum TableOrigin {
    /// A node that always has a store (an aggregation): it can always send
    /// old values (`KStreamAggProcessorSupplier.enableSendingOldValues`).
    Stored,
    /// `builder.table`: materialized when named, or when forced
    /// (`KTableSource.materialize` / `enableSendingOldValues`).
    Source {
        materialized: Cell<bool>,
        materialize: RefCell<Option<Materialize>>,
    },
    /// A stateless table operator (`filter`, `map_values`) over a parent
    /// (`KTableProcessorSupplier.enableSendingOldValues`).
    Derived(Rc<TableInfo>),
    /// A table-table join of two tables (`KTableKTableJoinMerger`, whose
    /// `enableSendingOldValues` forces both sides).
    Join(Rc<TableInfo>, Rc<TableInfo>),
}

/// What a table knows about its origin and whether its node sends old
/// values (shared by every copy of the [`KTable`] handle).
pub(crate) struct TableInfo {
    /// Java's `sendOldValues` of this table's processor, shared with the
    /// node factory (read when a task instantiates the node).
    pub(crate) send_old_values: Arc<AtomicBool>,
    origin: TableOrigin,
}

impl TableInfo {
    /// A table over a store (an aggregation) with flag `send_old_values`.
    pub(crate) fn stored(send_old_values: Arc<AtomicBool>) -> Rc<TableInfo> {
        Rc::new(TableInfo {
            send_old_values,
            origin: TableOrigin::Stored,
        })
    }

    /// A `builder.table` source; `materialize` is `None` when it already is.
    pub(crate) fn source(
        send_old_values: Arc<AtomicBool>,
        materialize: Option<Materialize>,
    ) -> Rc<TableInfo> {
        Rc::new(TableInfo {
            send_old_values,
            origin: TableOrigin::Source {
                materialized: Cell::new(materialize.is_none()),
                materialize: RefCell::new(materialize),
            },
        })
    }

    /// A stateless operator over `parent`, sending old values if `send_old`.
    pub(crate) fn derived(parent: Rc<TableInfo>, send_old: bool) -> Rc<TableInfo> {
        Rc::new(TableInfo {
            send_old_values: Arc::new(AtomicBool::new(send_old)),
            origin: TableOrigin::Derived(parent),
        })
    }

    /// The result of joining `left` and `right`, sending old values if
    /// `send_old_values` (shared with the join's nodes).
    pub(crate) fn join(
        send_old_values: Arc<AtomicBool>,
        left: Rc<TableInfo>,
        right: Rc<TableInfo>,
    ) -> Rc<TableInfo> {
        Rc::new(TableInfo {
            send_old_values,
            origin: TableOrigin::Join(left, right),
        })
    }

    /// Materializes a `builder.table` source that is not yet (Java's
    /// `KTableSource.materialize()`, called when a join asks for its value
    /// getter); does nothing for other tables.
    pub(crate) fn materialize(&self, graph: &mut GraphBuilder) {
        if let TableOrigin::Source {
            materialized,
            materialize,
        } = &self.origin
        {
            if let Some(materialize) = materialize.borrow_mut().take() {
                materialize(graph);
            }
            materialized.set(true);
        }
    }

    /// Whether this table's node sends old values.
    pub(crate) fn sends_old_values(&self) -> bool {
        self.send_old_values.load(Ordering::Relaxed)
    }

    /// Java's `KTableImpl.enableSendingOldValues(forceMaterialization)`:
    /// turns on old values here and upstream, materializing an
    /// unmaterialized source only if `force`; returns whether this table
    /// now sends old values.
    pub(crate) fn enable_sending_old_values(&self, graph: &mut GraphBuilder, force: bool) -> bool {
        if self.sends_old_values() {
            return true;
        }
        match &self.origin {
            TableOrigin::Stored => {}
            TableOrigin::Source {
                materialized,
                materialize,
            } => {
                if !force && !materialized.get() {
                    return false;
                }
                if let Some(materialize) = materialize.borrow_mut().take() {
                    materialize(graph);
                }
                materialized.set(true);
            }
            TableOrigin::Derived(parent) => {
                if !parent.enable_sending_old_values(graph, force) {
                    return false;
                }
            }
            TableOrigin::Join(left, right) => {
                left.enable_sending_old_values(graph, true);
                right.enable_sending_old_values(graph, true);
            }
        }
        self.send_old_values.store(true, Ordering::Relaxed);
        true
    }
}

/// A table with keys `K` and values `V`: the latest value per key of a
/// changelog, as Kafka Streams' `KTable`.
pub struct KTable<K, V> {
    pub(crate) graph: Rc<RefCell<GraphBuilder>>,
    pub(crate) node: usize,
    /// The store holding the table, when it is materialized.
    pub(crate) store: Option<String>,
    pub(crate) info: Rc<TableInfo>,
    /// How a join reads this table's rows (`None`: it cannot be joined,
    /// e.g. a windowed or suppressed table).
    pub(crate) view: Option<View<K, V>>,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for KTable<K, V> {
    fn clone(&self) -> Self {
        KTable {
            graph: self.graph.clone(),
            node: self.node,
            store: self.store.clone(),
            info: self.info.clone(),
            view: self.view.clone(),
            _types: PhantomData,
        }
    }
}

impl<K, V> fmt::Debug for KTable<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let graph = self.graph.borrow();
        let name = graph.nodes.get(self.node).map(|n| &*n.name).unwrap_or("?");
        write!(f, "KTable({name}, store: {:?})", self.store)
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KTable<K, V> {
    /// A table over a node that always has a store (and always forwards
    /// old values).
    pub(crate) fn new(
        graph: Rc<RefCell<GraphBuilder>>,
        node: usize,
        store: Option<String>,
    ) -> Self {
        Self::with_info(
            graph,
            node,
            store,
            TableInfo::stored(Arc::new(AtomicBool::new(true))),
        )
    }

    /// A table with what is known of its origin.
    pub(crate) fn with_info(
        graph: Rc<RefCell<GraphBuilder>>,
        node: usize,
        store: Option<String>,
        info: Rc<TableInfo>,
    ) -> Self {
        KTable {
            graph,
            node,
            store,
            info,
            view: None,
            _types: PhantomData,
        }
    }

    /// This table, read by joins through `view`.
    pub(crate) fn with_view(mut self, view: View<K, V>) -> Self {
        self.view = Some(view);
        self
    }

    /// The name of the store holding this table (queryable when given with
    /// [`Materialized::as_`](super::Materialized::as_)); `None` for tables
    /// derived without a store (`filter`, `map_values`).
    pub fn queryable_store_name(&self) -> Option<&str> {
        self.store.as_deref()
    }

    /// The view of a stateless operator over this table: this table's
    /// rows with `row` applied (none if this table cannot be read).
    fn derived_view<V2: 'static>(&self, row: MapRow<K, V, V2>) -> Option<View<K, V2>> {
        let parent = self.view.clone()?;
        Some(Rc::new(move |graph: &mut GraphBuilder| {
            parent(graph).mapped(row.clone())
        }))
    }

    fn with_optional_view(self, view: Option<View<K, V>>) -> Self {
        match view {
            Some(view) => self.with_view(view),
            None => self,
        }
    }

    /// Adds a stateless node over the table's changes.
    fn changes<K2: Clone + 'static, V2: Clone + 'static>(
        &self,
        prefix: &str,
        op: OpFn<K, Change<V>, K2, V2>,
    ) -> usize {
        let mut graph = self.graph.borrow_mut();
        let name = graph.new_name(prefix);
        graph.add_node(
            name,
            NodeKind::Processor { stores: Vec::new() },
            &[self.node],
            Arc::new(StatelessFactory { op }),
        )
    }

    /// The rows for which `predicate` holds (`KTABLE-FILTER-…`): a row that
    /// stops matching becomes a delete downstream.
    ///
    /// As Kafka Streams' `KTableFilter`: when the table sends old values
    /// (it comes from an aggregation or a materialized source), an update
    /// that neither matches now nor matched before is dropped; otherwise
    /// (a source that is not materialized) every record that does not
    /// match, and every delete, is forwarded as a delete.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::serde::I64;
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const BALANCES: Topic<String, I64, 1> = Topic::new("balances");
    /// const RICH: Topic<String, Option<I64>, 1> = Topic::new("rich");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.table(BALANCES).filter(|_, v| *v >= 100).to_changelog_stream().to(RICH);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut input = driver.create_input_topic(BALANCES);
    /// let rich = driver.create_output_topic(RICH);
    /// input.pipe_input("alice", 150)?;
    /// input.pipe_input("alice", 20)?;
    /// assert_eq!(rich.read_values_to_vec()?, vec![Some(150), None]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn filter<F>(&self, predicate: F) -> KTable<K, V>
    where
        F: Fn(&K, &V) -> bool + Send + Sync + 'static,
    {
        let predicate = Arc::new(predicate);
        // Java's KTableFilter.view(): the parent's rows that match.
        let keep = predicate.clone();
        let row: MapRow<K, V, V> = Arc::new(move |k, row| keep(k, &row.value).then_some(row));
        let view = self.derived_view(row);
        // Java's KTableFilter constructor: `parent.enableSendingOldValues(false)`.
        let send_old = self
            .info
            .enable_sending_old_values(&mut self.graph.borrow_mut(), false);
        let info = TableInfo::derived(self.info.clone(), send_old);
        let flag = info.send_old_values.clone();
        let op: OpFn<K, Change<V>, K, Change<V>> = Arc::new(move |record, emit| {
            let send_old = flag.load(Ordering::Relaxed);
            let keep = |v: Option<V>| v.filter(|v| predicate(&record.key, v));
            let change = Change {
                new: keep(record.value.new),
                old: if send_old {
                    keep(record.value.old)
                } else {
                    None
                },
            };
            if send_old && change.new.is_none() && change.old.is_none() {
                return Ok(());
            }
            emit(Record {
                key: record.key,
                value: change,
                timestamp: record.timestamp,
                headers: record.headers,
            })
        });
        let node = self.changes("KTABLE-FILTER-", op);
        KTable::with_info(self.graph.clone(), node, None, info).with_optional_view(view)
    }

    /// Transforms every value, keeping the key (`KTABLE-MAPVALUES-…`).
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const NAMES: Topic<String, String, 1> = Topic::new("names");
    /// const UPPER: Topic<String, String, 1> = Topic::new("upper");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.table(NAMES).map_values(|v: &String| v.to_uppercase()).to_stream().to(UPPER);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(NAMES).pipe_input("id-1", "ada")?;
    /// assert_eq!(driver.create_output_topic(UPPER).read_value()?, "ADA");
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn map_values<V2, F>(&self, mapper: F) -> KTable<K, V2>
    where
        V2: Clone + 'static,
        F: Fn(&V) -> V2 + Send + Sync + 'static,
    {
        let mapper = Arc::new(mapper);
        // Java's KTableMapValues.view(): the parent's rows, mapped.
        let map = mapper.clone();
        let row: MapRow<K, V, V2> = Arc::new(move |_, row| {
            Some(kstreams_serde::ValueAndTimestamp::new(
                map(&row.value),
                row.timestamp,
            ))
        });
        let view = self.derived_view(row);
        // Java's KTableMapValues: old values only once a downstream asks.
        let info = TableInfo::derived(self.info.clone(), false);
        let flag = info.send_old_values.clone();
        let op: OpFn<K, Change<V>, K, Change<V2>> = Arc::new(move |record, emit| {
            let send_old = flag.load(Ordering::Relaxed);
            let change = Change {
                new: record.value.new.as_ref().map(|v| mapper(v)),
                old: if send_old {
                    record.value.old.as_ref().map(|v| mapper(v))
                } else {
                    None
                },
            };
            emit(Record {
                key: record.key,
                value: change,
                timestamp: record.timestamp,
                headers: record.headers,
            })
        });
        let node = self.changes("KTABLE-MAPVALUES-", op);
        KTable::with_info(self.graph.clone(), node, None, info).with_optional_view(view)
    }

    /// The stream of the table's updates (`KTABLE-TOSTREAM-…`), new values
    /// only. Deletes are dropped here, because `V` cannot be null: this is
    /// Java's `toStream()` followed by a filter of null values. Java's
    /// `toStream()` itself, which forwards deletes as null values, is
    /// [`KTable::to_changelog_stream`]. The two agree for tables that never
    /// delete (the results of `count`, `reduce`, `aggregate`); use
    /// `to_changelog_stream` for a `builder.table` or a `filter`ed table
    /// whose deletes must reach the output.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::serde::I64;
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("logins");
    /// const OUT: Topic<String, I64, 1> = Topic::new("login-counts");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).group_by_key().count().to_stream().to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut input = driver.create_input_topic(IN);
    /// input.pipe_input("bob", "web")?;
    /// input.pipe_input("bob", "app")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_values_to_vec()?, vec![1, 2]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn to_stream(&self) -> KStream<K, V> {
        let op: OpFn<K, Change<V>, K, V> = Arc::new(|record, emit| match record.value.new {
            Some(value) => emit(Record {
                key: record.key,
                value,
                timestamp: record.timestamp,
                headers: record.headers,
            }),
            None => Ok(()),
        });
        KStream::new(self.graph.clone(), self.changes("KTABLE-TOSTREAM-", op))
    }

    /// The stream of the table's updates with deletes as `None`
    /// (`KTABLE-TOSTREAM-…`), exactly Kafka Streams' `toStream()` (a
    /// delete, including one a `filter` forwards for a row it filters out,
    /// is a record with a null value): write it to a topic whose value
    /// serde is `Option<VS>` to produce tombstones.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::serde::I64;
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const BALANCES: Topic<String, I64, 1> = Topic::new("balances");
    /// const BALANCES_IN: Topic<String, Option<I64>, 1> = Topic::new("balances");
    /// const CHANGES: Topic<String, Option<I64>, 1> = Topic::new("balance-changes");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.table(BALANCES).to_changelog_stream().to(CHANGES);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut input = driver.create_input_topic(BALANCES_IN);
    /// input.pipe_input("ann", Some(10))?;
    /// input.pipe_input("ann", None)?;
    /// let changes = driver.create_output_topic(CHANGES).read_values_to_vec()?;
    /// assert_eq!(changes, vec![Some(10), None]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn to_changelog_stream(&self) -> KStream<K, Option<V>> {
        let op: OpFn<K, Change<V>, K, Option<V>> = Arc::new(|record, emit| {
            emit(Record {
                key: record.key,
                value: record.value.new,
                timestamp: record.timestamp,
                headers: record.headers,
            })
        });
        KStream::new(self.graph.clone(), self.changes("KTABLE-TOSTREAM-", op))
    }
}
