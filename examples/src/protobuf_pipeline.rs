//! Orders in protobuf, enriched with their customer (seed 003 §3: bytes →
//! typed records → bytes, here with `Protobuf<T>` serdes).
//!
//! ```text
//! orders (Protobuf<Order>) → enrich(customer lookup) → enriched-orders (Protobuf<EnrichedOrder>)
//! ```
//!
//! The message types come from `proto/orders.proto`, compiled at build time
//! (see `build.rs`). The customer lookup is an in-memory map for now; it
//! becomes a KTable join once joins land. Orders that are not valid
//! protobuf are skipped and counted (`deserialization.exception.handler =
//! LogAndContinueExceptionHandler`) and kept in `orders-dlq`.

use std::collections::HashMap;
use std::sync::Arc;

use kstreams::errors::LogAndContinueExceptionHandler;
use kstreams::serde::Protobuf;
use kstreams::{Result, StreamsBuilder, StreamsConfig, Topic, Topology};

/// The generated message types of `proto/orders.proto`.
#[allow(missing_docs, clippy::all)]
pub mod proto {
    include!(concat!(env!("OUT_DIR"), "/kstreams.examples.orders.rs"));
}

pub use proto::{EnrichedOrder, Order};

/// Orders, keyed by order id.
pub const ORDERS: Topic<String, Protobuf<Order>, 1> = Topic::new("orders");
/// Enriched orders, keyed by order id.
pub const ENRICHED_ORDERS: Topic<String, Protobuf<EnrichedOrder>, 1> =
    Topic::new("enriched-orders");
/// Orders that could not be decoded, with Kafka Streams' error headers.
pub const ORDERS_DLQ: &str = "orders-dlq";

/// What the lookup knows of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Display name.
    pub name: String,
    /// Loyalty tier.
    pub tier: String,
}

/// Customers by id.
pub type Customers = HashMap<String, Customer>;

/// The customers of the demo shop.
pub fn demo_customers() -> Customers {
    [
        ("c1", "Ada Lovelace", "gold"),
        ("c2", "Alan Turing", "silver"),
        ("c3", "Grace Hopper", "gold"),
    ]
    .into_iter()
    .map(|(id, name, tier)| {
        (
            id.to_owned(),
            Customer {
                name: name.to_owned(),
                tier: tier.to_owned(),
            },
        )
    })
    .collect()
}

/// Adds the customer's name and tier (`unknown` when not in `customers`)
/// and the order total.
pub fn enrich(order: Order, customers: &Customers) -> EnrichedOrder {
    let (customer_name, customer_tier) = match customers.get(&order.customer_id) {
        Some(c) => (c.name.clone(), c.tier.clone()),
        None => ("unknown".to_owned(), "unknown".to_owned()),
    };
    let total_cents = i64::from(order.quantity).saturating_mul(order.unit_price_cents);
    EnrichedOrder {
        order: Some(order),
        customer_name,
        customer_tier,
        total_cents,
    }
}

/// The topology on the default topic names.
pub fn topology(customers: Customers) -> Result<Topology> {
    topology_on(ORDERS, ENRICHED_ORDERS, customers)
}

/// The topology between any two topics (tests use unique names).
pub fn topology_on<const P: u32>(
    orders: Topic<String, Protobuf<Order>, P>,
    enriched: Topic<String, Protobuf<EnrichedOrder>, P>,
    customers: Customers,
) -> Result<Topology> {
    let customers = Arc::new(customers);
    let builder = StreamsBuilder::new();
    builder
        .stream(orders)
        .map_values(move |order: Order| enrich(order, &customers))
        .to(enriched);
    builder.build()
}

/// The example's error handling: skip undecodable orders, keep them in `dlq`.
pub fn with_error_handling(config: StreamsConfig, dlq: &str) -> StreamsConfig {
    config
        .deserialization_exception_handler(LogAndContinueExceptionHandler)
        .dead_letter_queue_topic(dlq)
}
