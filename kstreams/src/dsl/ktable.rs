//! [`KTable`]: a changelog stream, one current value per key, as Kafka
//! Streams' `KTable`, with its stateless operators (`filter`, `map_values`)
//! and `to_stream`.
//!
//! Internally a KTable node forwards `Record<K, Change<V>>`: the key's new
//! value and the value it replaced (`None` = absent or deleted), so that
//! downstream aggregations can subtract the old value (seed 003 §13). With
//! the record cache on, a table node emits the latest change per key per
//! commit; with it off, every update.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;

use super::builder::GraphBuilder;
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
    /// The value before the update (`None`: there was none).
    pub old: Option<V>,
}

/// A table with keys `K` and values `V`: the latest value per key of a
/// changelog, as Kafka Streams' `KTable`.
pub struct KTable<K, V> {
    pub(crate) graph: Rc<RefCell<GraphBuilder>>,
    pub(crate) node: usize,
    /// The store holding the table, when it is materialized.
    pub(crate) store: Option<String>,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for KTable<K, V> {
    fn clone(&self) -> Self {
        KTable {
            graph: self.graph.clone(),
            node: self.node,
            store: self.store.clone(),
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
    pub(crate) fn new(
        graph: Rc<RefCell<GraphBuilder>>,
        node: usize,
        store: Option<String>,
    ) -> Self {
        KTable {
            graph,
            node,
            store,
            _types: PhantomData,
        }
    }

    /// The name of the store holding this table (queryable when given with
    /// [`Materialized::as_`](super::Materialized::as_)); `None` for tables
    /// derived without a store (`filter`, `map_values`).
    pub fn queryable_store_name(&self) -> Option<&str> {
        self.store.as_deref()
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
        let op: OpFn<K, Change<V>, K, Change<V>> = Arc::new(move |record, emit| {
            let keep = |v: Option<V>| v.filter(|v| predicate(&record.key, v));
            let change = Change {
                new: keep(record.value.new),
                old: keep(record.value.old),
            };
            if change.new.is_none() && change.old.is_none() {
                return Ok(());
            }
            emit(Record {
                key: record.key,
                value: change,
                timestamp: record.timestamp,
                headers: record.headers,
            })
        });
        KTable::new(self.graph.clone(), self.changes("KTABLE-FILTER-", op), None)
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
        let op: OpFn<K, Change<V>, K, Change<V2>> = Arc::new(move |record, emit| {
            let change = Change {
                new: record.value.new.as_ref().map(&mapper),
                old: record.value.old.as_ref().map(&mapper),
            };
            emit(Record {
                key: record.key,
                value: change,
                timestamp: record.timestamp,
                headers: record.headers,
            })
        });
        KTable::new(
            self.graph.clone(),
            self.changes("KTABLE-MAPVALUES-", op),
            None,
        )
    }

    /// The stream of the table's updates (`KTABLE-TOSTREAM-…`), new values
    /// only. Deletes are dropped here, because `V` cannot be null; use
    /// [`KTable::to_changelog_stream`] to keep them as tombstones.
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
    /// (`KTABLE-TOSTREAM-…`), as Kafka Streams' `toStream()`: write it to a
    /// topic whose value serde is `Option<VS>` to produce tombstones.
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
