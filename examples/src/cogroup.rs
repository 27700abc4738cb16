//! Co-grouping clicks and purchases: a processor with two parents (Kafka
//! Streams in Action, chapter 6; seed 003 §10).
//!
//! Click events and stock purchases, both keyed by customer id, arrive on
//! two co-partitioned topics. Each side is mapped into one [`Activity`]
//! type by its own node, the two streams are merged, and one
//! `#[processor]` struct collects, per customer, the clicks and the
//! purchases in the RocksDB store [`COGROUP_STORE`]. Every 15 s of *stream
//! time* a punctuator forwards each customer's [`ClicksAndPurchases`]
//! (stamped with the punctuation time) to [`COGROUPED`] and clears that
//! customer's state, so every click and purchase is forwarded exactly once.
//!
//! ```text
//! click-events    ─▶ Events-Source ─▶ Events-Processor ─┐
//!                                                       ├─▶ Activity-Merge ─▶ CoGrouping-Processor ─▶ CoGrouping-Sink ─▶ cogrouped-activity
//! stock-purchases ─▶ Txn-Source    ─▶ Txn-Processor    ─┘                               │
//!                                                                                 cogroup-store
//! ```
//!
//! Kafka Streams feeds the two parents straight into the co-grouping
//! processor, which receives a `Tuple<ClickEvent, StockTransaction>` with
//! one side null; in typed Rust the parents forward the [`Activity`] enum
//! instead, and a merge node joins them (at the time of writing a store can
//! only be connected to a processor added with `process_with_stores`, which
//! has one parent).
//!
//! Both topics must have the same partition count (the `#[topology]` macro
//! checks the constants at compile time) and be partitioned the same way by
//! customer id: one task handles partition `p` of both, and its stream time
//! is the highest timestamp it has taken from either. The task takes the
//! record with the lowest timestamp among its partitions' buffered records;
//! set `max.task.idle.ms` so that it waits for a partition that has no
//! buffered record yet (see the binary).

use kstreams::dsl::{Grouped, Materialized};
use kstreams::processor::{ProcessorContext, Record};
use kstreams::serde::Json;
use kstreams::state::{KeyValueStore, KeyValueStoreBuilder, StoreKind};
use kstreams::{processor, topology, Result, StreamsBuilder, Topic, Topology};
use serde::{Deserialize, Serialize};

pub use crate::stock_performance::StockTransaction;

/// Partitions of all three topics.
pub const PARTITIONS: u32 = 2;
/// Input: clicks, keyed by customer id.
pub const CLICK_EVENTS: Topic<String, Json<ClickEvent>, PARTITIONS> = Topic::new("click-events");
/// Input: stock purchases, keyed by customer id.
pub const STOCK_PURCHASES: Topic<String, Json<StockTransaction>, PARTITIONS> =
    Topic::new("stock-purchases");
/// Output: per customer, the clicks and purchases since the last punctuation.
pub const COGROUPED: Topic<String, Json<ClicksAndPurchases>, PARTITIONS> =
    Topic::new("cogrouped-activity");
/// Output of [`cogroup_dsl`]: per customer, every click and purchase so far.
pub const CUSTOMER_ACTIVITY: Topic<String, Json<ClicksAndPurchases>, PARTITIONS> =
    Topic::new("customer-activity");
/// The store of [`cogroup_dsl`]'s aggregate (queryable).
pub const CUSTOMER_ACTIVITY_STORE: &str = "customer-activity-store";
/// The key/value store of pending [`ClicksAndPurchases`] per customer.
pub const COGROUP_STORE: &str = "cogroup-store";
/// The punctuation interval in ms of stream time (the `#[punctuate]`
/// attribute below says `"15s"`).
pub const PUNCTUATION_INTERVAL_MS: i64 = 15_000;

/// A customer clicked a link about a stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClickEvent {
    /// Who clicked (also the record key).
    pub customer_id: String,
    /// The stock the link is about.
    pub symbol: String,
    /// The link.
    pub link: String,
    /// When (ms since the epoch).
    pub timestamp: i64,
}

/// One record of either input, as the co-grouping processor receives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Activity {
    /// From `click-events`.
    Click(ClickEvent),
    /// From `stock-purchases`.
    Purchase(StockTransaction),
}

/// A customer's clicks and purchases since the last punctuation, each in
/// the order processed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClicksAndPurchases {
    /// The clicks.
    pub clicks: Vec<ClickEvent>,
    /// The purchases.
    pub purchases: Vec<StockTransaction>,
}

impl ClicksAndPurchases {
    /// Whether there is neither a click nor a purchase.
    pub fn is_empty(&self) -> bool {
        self.clicks.is_empty() && self.purchases.is_empty()
    }
}

/// `Events-Processor`: a click as an [`Activity`].
#[processor]
pub fn click_activity(click: ClickEvent) -> Activity {
    Activity::Click(click)
}

/// `Txn-Processor`: a purchase as an [`Activity`].
#[processor]
pub fn purchase_activity(purchase: StockTransaction) -> Activity {
    Activity::Purchase(purchase)
}

/// The store as the topology declares it: RocksDB, logged to the
/// `<application.id>-cogroup-store-changelog` topic.
pub fn cogroup_store() -> KeyValueStoreBuilder<String, Json<ClicksAndPurchases>> {
    KeyValueStoreBuilder::new(COGROUP_STORE, StoreKind::RocksDb)
}

/// Collects each customer's clicks and purchases; forwards and clears them
/// every 15 s of stream time.
#[derive(Debug, Default)]
pub struct CogroupingProcessor;

#[processor]
impl CogroupingProcessor {
    /// Adds the click or purchase to the customer's group; forwards nothing.
    fn process(
        &mut self,
        record: Record<String, Activity>,
        ctx: &mut ProcessorContext<'_, String, ClicksAndPurchases>,
    ) -> kstreams::Result<()> {
        let store = ctx.get_key_value_store::<String, Json<ClicksAndPurchases>>(COGROUP_STORE)?;
        let mut group = store.get(&record.key)?.unwrap_or_default();
        match record.value {
            Activity::Click(click) => group.clicks.push(click),
            Activity::Purchase(purchase) => group.purchases.push(purchase),
        }
        store.put(&record.key, &group)
    }

    /// Forwards every customer's group, in key order, stamped with the
    /// punctuation time, and deletes it from the store.
    #[punctuate(every = "15s", time = StreamTime)]
    fn emit(
        &mut self,
        timestamp: i64,
        ctx: &mut ProcessorContext<'_, String, ClicksAndPurchases>,
    ) -> kstreams::Result<()> {
        let store = ctx.get_key_value_store::<String, Json<ClicksAndPurchases>>(COGROUP_STORE)?;
        let groups = {
            let store = store.lock();
            let groups: Vec<(String, ClicksAndPurchases)> =
                store.all()?.collect::<kstreams::Result<_>>()?;
            groups
        };
        for (customer, group) in groups {
            store.delete(&customer)?;
            if !group.is_empty() {
                ctx.forward(Record::new(customer, group, timestamp))?;
            }
        }
        Ok(())
    }
}

/// The co-grouping topology on the default topics.
#[topology]
pub fn cogroup(b: &mut StreamsBuilder) {
    b.add_state_store(cogroup_store());
    let clicks = b
        .add_source("Events-Source", CLICK_EVENTS)
        .named("Events-Processor")
        .via(click_activity);
    let purchases = b
        .add_source("Txn-Source", STOCK_PURCHASES)
        .named("Txn-Processor")
        .via(purchase_activity);
    clicks
        .named("Activity-Merge")
        .merge(&purchases)
        .named("CoGrouping-Processor")
        .process_with_stores(CogroupingProcessor::default, &[COGROUP_STORE])
        .named("CoGrouping-Sink")
        .to(COGROUPED);
}

/// The three topics, so that tests and deployments can run the topology
/// under other names.
#[derive(Debug, Clone)]
pub struct CogroupTopics {
    /// Input: clicks by customer.
    pub clicks: Topic<String, Json<ClickEvent>, PARTITIONS>,
    /// Input: purchases by customer.
    pub purchases: Topic<String, Json<StockTransaction>, PARTITIONS>,
    /// Output: co-grouped activity by customer.
    pub cogrouped: Topic<String, Json<ClicksAndPurchases>, PARTITIONS>,
}

impl CogroupTopics {
    /// `click-events`, `stock-purchases` and `cogrouped-activity`.
    pub const DEFAULT: CogroupTopics = CogroupTopics {
        clicks: CLICK_EVENTS,
        purchases: STOCK_PURCHASES,
        cogrouped: COGROUPED,
    };

    /// The default names with `prefix` in front. The names live for the rest
    /// of the process.
    pub fn prefixed(prefix: &str) -> CogroupTopics {
        let name = |base: &str| format!("{prefix}{base}");
        CogroupTopics {
            clicks: Topic::named(name(CLICK_EVENTS.name())),
            purchases: Topic::named(name(STOCK_PURCHASES.name())),
            cogrouped: Topic::named(name(COGROUPED.name())),
        }
    }

    /// All three names, inputs first.
    pub fn names(&self) -> [&str; 3] {
        [
            self.clicks.name(),
            self.purchases.name(),
            self.cogrouped.name(),
        ]
    }
}

/// The same wiring as [`cogroup()`] between other topics (a test checks
/// that both describe the same topology).
pub fn topology_with(topics: &CogroupTopics) -> Result<Topology> {
    let b = StreamsBuilder::new();
    b.add_state_store(cogroup_store());
    let clicks = b
        .add_source("Events-Source", topics.clicks.clone())
        .named("Events-Processor")
        .via(click_activity);
    let purchases = b
        .add_source("Txn-Source", topics.purchases.clone())
        .named("Txn-Processor")
        .via(purchase_activity);
    clicks
        .named("Activity-Merge")
        .merge(&purchases)
        .named("CoGrouping-Processor")
        .process_with_stores(CogroupingProcessor::default, &[COGROUP_STORE])
        .named("CoGrouping-Sink")
        .to(topics.cogrouped.clone());
    b.build()
}

/// The same co-grouping with the DSL's `cogroup` (KIP-150), Kafka Streams'
/// own way since 2.5: each input is grouped by customer and folded by its
/// own aggregator into one [`ClicksAndPurchases`] per customer, in one
/// store ([`CUSTOMER_ACTIVITY_STORE`]); the table's updates go to
/// [`CUSTOMER_ACTIVITY`]. Unlike [`cogroup()`], nothing is cleared: the
/// aggregate is the customer's whole history, and an update is emitted per
/// record (or, with the record cache, per customer per commit) rather than
/// every 15 s of stream time; a Processor API punctuator is still the way
/// to forward-and-clear batches.
///
/// ```text
/// click-events    ─▶ KSTREAM-SOURCE ─▶ COGROUPKSTREAM-AGGREGATE ─┐
///                                                                 ├─▶ COGROUPKSTREAM-MERGE ─▶ KTABLE-TOSTREAM ─▶ customer-activity
/// stock-purchases ─▶ KSTREAM-SOURCE ─▶ COGROUPKSTREAM-AGGREGATE ─┘   (customer-activity-store)
/// ```
pub fn cogroup_dsl() -> Result<Topology> {
    let b = StreamsBuilder::new();
    let purchases = b
        .stream(STOCK_PURCHASES)
        .group_by_key_with(Grouped::<String, Json<StockTransaction>>::new());
    b.stream(CLICK_EVENTS)
        .group_by_key_with(Grouped::<String, Json<ClickEvent>>::new())
        .cogroup(|_, click: ClickEvent, mut all: ClicksAndPurchases| {
            all.clicks.push(click);
            all
        })
        .cogroup(
            &purchases,
            |_, purchase: StockTransaction, mut all: ClicksAndPurchases| {
                all.purchases.push(purchase);
                all
            },
        )
        .aggregate_with(
            ClicksAndPurchases::default,
            Materialized::<String, Json<ClicksAndPurchases>>::as_(CUSTOMER_ACTIVITY_STORE),
        )
        .to_stream()
        .to(CUSTOMER_ACTIVITY);
    b.build()
}
