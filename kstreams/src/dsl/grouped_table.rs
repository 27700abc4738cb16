//! Re-grouping a table: `KTable::group_by` and [`KGroupedTable`]'s
//! `aggregate` (adder and subtractor) and `count`, as Kafka Streams'
//! `KGroupedTable` (seed 003 §13).
//!
//! A table row can move between groups, so an update of a row is sent
//! through the repartition topic as two records, the old value to
//! subtract from its old group, then the new value to add to its new
//! group; or as one record carrying both when the group stays the same
//! (Java's `KTableRepartitionMap`). The repartition topic carries both
//! halves of a [`Change`] ([`ChangeSerde`]). `group_by` turns on old
//! values upstream, which materializes a `builder.table` source.

use std::marker::PhantomData;
use std::sync::Arc;

use kstreams_serde::{DefaultSerde, Serde, SerdeError, SerdeOf, ValueAndTimestamp, I64};

use super::grouped::{Grouped, RepartitionFn};
use super::ktable::{Change, KTable};
use super::repartition::RepartitionBase;
use super::table_node::UpdateFn;
use super::{KStream, Materialized};
use crate::processor::node::{OpFn, StatelessFactory};
use crate::processor::Record;
use crate::topology::NodeKind;

/// Serde of a [`Change`] on a repartition topic: a flags byte (1: new
/// present, 2: old present), the new value's length (u32, big endian), the
/// new value's bytes, then the old value's bytes.
#[derive(Debug)]
pub struct ChangeSerde<VS>(PhantomData<fn() -> VS>);

impl<VS: Serde> Serde for ChangeSerde<VS> {
    type Target = Change<VS::Target>;

    fn serialize(value: &Self::Target, out: &mut Vec<u8>) -> Result<(), SerdeError> {
        let new = value.new.as_ref().map(VS::to_bytes).transpose()?.flatten();
        let old = value.old.as_ref().map(VS::to_bytes).transpose()?.flatten();
        let flags = u8::from(new.is_some()) | (u8::from(old.is_some()) << 1);
        let new = new.unwrap_or_default();
        let len = u32::try_from(new.len())
            .map_err(|_| SerdeError::Custom("value longer than 4 GiB".into()))?;
        out.push(flags);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&new);
        out.extend_from_slice(&old.unwrap_or_default());
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<Self::Target, SerdeError> {
        let short = || {
            SerdeError::Custom(format!(
                "a change record of {} bytes is truncated",
                bytes.len()
            ))
        };
        let (&flags, rest) = bytes.split_first().ok_or_else(short)?;
        let len_bytes: [u8; 4] = rest
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(short)?;
        let len = u32::from_be_bytes(len_bytes) as usize;
        let new = rest.get(4..4 + len).ok_or_else(short)?;
        let old = &rest[4 + len..];
        Ok(Change {
            new: if flags & 1 != 0 {
                Some(VS::deserialize(new)?)
            } else {
                None
            },
            old: if flags & 2 != 0 {
                Some(VS::deserialize(old)?)
            } else {
                None
            },
        })
    }

    fn name() -> &'static str {
        "Change"
    }
}

/// A table re-grouped by a new key, ready to aggregate (Kafka Streams'
/// `KGroupedTable`).
pub struct KGroupedTable<K, V> {
    stream: KStream<K, Change<V>>,
    repartition: RepartitionFn<K, Change<V>>,
    name: Option<String>,
}

impl<K, V> std::fmt::Debug for KGroupedTable<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KGroupedTable")
            .field("stream", &self.stream)
            .field("name", &self.name)
            .finish()
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KTable<K, V> {
    /// Re-groups the rows by `selector(key, value) → (new key, new value)`
    /// (`KTABLE-SELECT-…`, then a repartition topic), with default serdes.
    pub fn group_by<K2, V2, F>(&self, selector: F) -> KGroupedTable<K2, V2>
    where
        K2: Clone + DefaultSerde + 'static,
        V2: Clone + DefaultSerde + 'static,
        F: Fn(&K, &V) -> (K2, V2) + Send + Sync + 'static,
    {
        self.group_by_with(selector, Grouped::<SerdeOf<K2>, SerdeOf<V2>>::new())
    }

    /// [`KTable::group_by`] with the repartition topic's serdes and name.
    pub fn group_by_with<K2, V2, F, KS, VS>(
        &self,
        selector: F,
        grouped: Grouped<KS, VS>,
    ) -> KGroupedTable<K2, V2>
    where
        K2: Clone + 'static,
        V2: Clone + 'static,
        F: Fn(&K, &V) -> (K2, V2) + Send + Sync + 'static,
        KS: Serde<Target = K2>,
        VS: Serde<Target = V2>,
    {
        // Java's KTableImpl.groupBy: the subtractor needs old values, so
        // they are turned on upstream, materializing a source if need be.
        self.info
            .enable_sending_old_values(&mut self.graph.borrow_mut(), true);
        // Java's KTableRepartitionMap: the old pair first, then the new
        // one; one record with both when the key stays the same.
        let same_key = |a: &K2, b: &K2| match (KS::to_bytes(a), KS::to_bytes(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        let op: OpFn<K, Change<V>, K2, Change<V2>> = Arc::new(move |record, emit| {
            let Record {
                key,
                value,
                timestamp,
                headers,
            } = record;
            let old = value.old.map(|old| selector(&key, &old));
            let new = value.new.map(|new| selector(&key, &new));
            match (old, new) {
                (Some((k_old, v_old)), Some((k_new, v_new))) if same_key(&k_old, &k_new) => {
                    emit(Record {
                        key: k_new,
                        value: Change {
                            new: Some(v_new),
                            old: Some(v_old),
                        },
                        timestamp,
                        headers,
                    })
                }
                (old, new) => {
                    if let Some((k2, v2)) = old {
                        emit(Record {
                            key: k2,
                            value: Change {
                                new: None,
                                old: Some(v2),
                            },
                            timestamp,
                            headers: headers.clone(),
                        })?;
                    }
                    if let Some((k2, v2)) = new {
                        emit(Record {
                            key: k2,
                            value: Change {
                                new: Some(v2),
                                old: None,
                            },
                            timestamp,
                            headers,
                        })?;
                    }
                    Ok(())
                }
            }
        });
        let mut graph = self.graph.borrow_mut();
        let name = graph.new_name("KTABLE-SELECT-");
        let node = graph.add_node(
            name,
            NodeKind::Processor { stores: Vec::new() },
            &[self.node],
            Arc::new(StatelessFactory { op }),
        );
        drop(graph);
        KGroupedTable {
            stream: KStream::new(self.graph.clone(), node),
            repartition: KStream::<K2, Change<V2>>::through_repartition_topic::<KS, ChangeSerde<VS>>,
            name: grouped.name,
        }
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KGroupedTable<K, V> {
    /// Aggregates each group: `adder(key, value, aggregate)` for a row
    /// entering the group, `subtractor(key, old value, aggregate)` for a row
    /// leaving it or replaced (it receives the *old* value), as Kafka
    /// Streams' `KGroupedTable.aggregate`.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::serde::I64;
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// // symbol → (industry, volume) as "industry:volume"
    /// const VOLUMES: Topic<String, String, 1> = Topic::new("volumes");
    /// const BY_INDUSTRY: Topic<String, I64, 1> = Topic::new("volume-by-industry");
    ///
    /// let parse = |v: &String| {
    ///     let (industry, volume) = v.split_once(':').unwrap_or((v.as_str(), "0"));
    ///     (industry.to_string(), volume.parse::<i64>().unwrap_or(0))
    /// };
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .table(VOLUMES)
    ///     .group_by(move |_, v| parse(v))
    ///     .aggregate(|| 0, |_, v, sum| sum + v, |_, old, sum| sum - old)
    ///     .to_stream()
    ///     .to(BY_INDUSTRY);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut input = driver.create_input_topic(VOLUMES);
    /// let output = driver.create_output_topic(BY_INDUSTRY);
    /// input.pipe_input("YERB", "tech:100")?;
    /// input.pipe_input("NDLE", "tech:50")?;
    /// input.pipe_input("YERB", "tech:120")?; // subtract 100, add 120
    /// assert_eq!(output.read_values_to_vec()?.last(), Some(&170));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn aggregate<A, I, FA, FS>(&self, initializer: I, adder: FA, subtractor: FS) -> KTable<K, A>
    where
        K: DefaultSerde,
        A: Clone + DefaultSerde + 'static,
        I: Fn() -> A + Send + Sync + 'static,
        FA: Fn(&K, V, A) -> A + Send + Sync + 'static,
        FS: Fn(&K, V, A) -> A + Send + Sync + 'static,
    {
        self.aggregate_with(
            initializer,
            adder,
            subtractor,
            Materialized::<SerdeOf<K>, SerdeOf<A>>::new(),
        )
    }

    /// [`KGroupedTable::aggregate`] into the store `materialized` describes.
    pub fn aggregate_with<A, I, FA, FS, KS, AS>(
        &self,
        initializer: I,
        adder: FA,
        subtractor: FS,
        materialized: Materialized<KS, AS>,
    ) -> KTable<K, A>
    where
        A: Clone + 'static,
        I: Fn() -> A + Send + Sync + 'static,
        FA: Fn(&K, V, A) -> A + Send + Sync + 'static,
        FS: Fn(&K, V, A) -> A + Send + Sync + 'static,
        KS: Serde<Target = K>,
        AS: Serde<Target = A>,
    {
        let store =
            materialized.store_name(&mut self.stream.graph.borrow_mut(), "KTABLE-AGGREGATE-");
        let base = match &self.name {
            Some(name) => RepartitionBase::Named(name.clone()),
            None => RepartitionBase::Topic(store.clone()),
        };
        let source = (self.repartition)(&self.stream, base, None);
        // Java's KTableAggregate `process`: subtract the old value from a
        // stored aggregate, add the new one; the timestamp is the larger of
        // the record's and the stored aggregate's.
        let update: UpdateFn<K, Change<V>, KS, AS> =
            Arc::new(move |record: Record<K, Change<V>>, store| {
                let stored = store.get(&record.key)?;
                let timestamp = stored
                    .as_ref()
                    .map_or(record.timestamp, |s| record.timestamp.max(s.timestamp));
                let previous = stored.map(|s| s.value);
                let intermediate = match (record.value.old, previous.clone()) {
                    (Some(old), Some(agg)) => Some(subtractor(&record.key, old, agg)),
                    (_, agg) => agg,
                };
                let aggregate = match record.value.new {
                    Some(new) => Some(adder(
                        &record.key,
                        new,
                        intermediate.unwrap_or_else(&initializer),
                    )),
                    None => intermediate,
                };
                match &aggregate {
                    Some(agg) => {
                        store.put(&record.key, &ValueAndTimestamp::new(agg.clone(), timestamp))?
                    }
                    None => drop(store.delete(&record.key)?),
                }
                let change = Change {
                    new: aggregate,
                    old: previous,
                };
                Ok(Some(Record {
                    key: record.key,
                    value: change,
                    timestamp,
                    headers: record.headers,
                }))
            });
        source.table_node("KTABLE-AGGREGATE-", store, &materialized, update)
    }

    /// Counts the rows per group (adds 1, subtracts 1), with the key's
    /// default serde.
    pub fn count(&self) -> KTable<K, i64>
    where
        K: DefaultSerde,
    {
        self.aggregate_with(
            || 0,
            |_, _, n| n + 1,
            |_, _, n| n - 1,
            Materialized::<SerdeOf<K>, I64>::new(),
        )
    }
}
