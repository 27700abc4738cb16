//! `StreamsBuilder::table`: a [`KTable`] read from a topic, as Kafka
//! Streams' `builder.table(topic)`: a source (`KSTREAM-SOURCE-…`) feeding
//! a `KTABLE-SOURCE-…` node that materializes the topic's latest value per
//! key in a store (`<topic>-STATE-STORE-…` unless named). A `null` value
//! deletes the key and is forwarded as a delete.

use std::sync::Arc;

use kstreams_serde::Serde;

use super::ktable::{Change, KTable};
use super::table_node::UpdateFn;
use super::{Materialized, StreamsBuilder, Topic};
use crate::processor::Record;

impl StreamsBuilder {
    /// The table of `topic`'s latest value per key, in a RocksDB store.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const PRICES: Topic<String, String, 1> = Topic::new("prices");
    /// const CHANGES: Topic<String, String, 1> = Topic::new("price-changes");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.table(PRICES).to_stream().to(CHANGES);
    /// let topology = builder.build()?;
    /// assert!(topology.describe().to_string().contains(
    ///     "Processor: KTABLE-SOURCE-0000000002 (stores: [prices-STATE-STORE-0000000000])"
    /// ));
    /// let driver = TopologyTestDriver::new(topology)?;
    /// driver.create_input_topic(PRICES).pipe_input("YERB", "105.24")?;
    /// assert_eq!(driver.create_output_topic(CHANGES).read_value()?, "105.24");
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn table<KS, VS, const P: u32>(
        &self,
        topic: Topic<KS, VS, P>,
    ) -> KTable<KS::Target, VS::Target>
    where
        KS: Serde,
        VS: Serde,
        KS::Target: Clone,
        VS::Target: Clone,
    {
        self.table_with(topic, Materialized::<KS, VS>::new())
    }

    /// [`StreamsBuilder::table`] into the store `materialized` describes
    /// (name it with [`Materialized::as_`] to query it).
    pub fn table_with<KS, VS, const P: u32>(
        &self,
        topic: Topic<KS, VS, P>,
        materialized: Materialized<KS, VS>,
    ) -> KTable<KS::Target, VS::Target>
    where
        KS: Serde,
        VS: Serde,
        KS::Target: Clone,
        VS::Target: Clone,
    {
        let store =
            materialized.store_name(&mut self.graph.borrow_mut(), &format!("{}-", topic.name()));
        // Read values as `Option` so that tombstones arrive as deletes.
        let raw: Topic<KS, Option<VS>, P> = topic.with_serdes();
        let source = self.source_node(None, raw, None);
        let update: UpdateFn<KS::Target, Option<VS::Target>, KS, VS> =
            Arc::new(|record: Record<_, _>, store| {
                let old = store.get(&record.key)?;
                match &record.value {
                    Some(value) => store.put(&record.key, value)?,
                    None if old.is_none() => return Ok(None),
                    None => drop(store.delete(&record.key)?),
                }
                let change = Change {
                    new: record.value,
                    old,
                };
                Ok(Some(Record {
                    key: record.key,
                    value: change,
                    timestamp: record.timestamp,
                    headers: record.headers,
                }))
            });
        source.table_node("KTABLE-SOURCE-", store, &materialized, update)
    }
}
