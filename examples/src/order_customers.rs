//! Orders with their customers, a foreign-key table-table join (KIP-213):
//! the orders table (order id → order) joined with the customers table
//! (customer id → customer) by the customer id each order carries.
//!
//! ```text
//! orders (order → Order{customer_id}) ─▶ table ─┐
//!                                               ├─▶ join_on_foreign_key(customer_id) ─▶ to_changelog_stream ─▶ orders-with-customers
//! customers (customer → Customer) ───▶ table ──┘
//! ```
//!
//! The result is keyed by order id. A customer update re-joins every order
//! of that customer (a fan-out); an order that changes its customer moves
//! to the new one; an order whose customer is unknown has no result until
//! the customer arrives. The two tables need not be co-partitioned (orders
//! have [`ORDER_PARTITIONS`], customers [`CUSTOMER_PARTITIONS`]): the join
//! goes through a subscription and a response topic.
//!
//! # What the output is, and how it is checked
//! The changelog may hold intermediate results, and on the broker how many
//! depends on timing: the subscription and the response travel through
//! internal topics, processed by other tasks, while the tables keep
//! changing (a response to an order that has changed since is dropped, as
//! in Java). What is deterministic is the *last* value of each order: the
//! join of the order's final row with its customer's final row. [`expected`]
//! computes it by brute force; the tests and the example program compare
//! the last record of each order key with it, and require every order of
//! the reference to be there (and no other).

use std::collections::BTreeMap;

use kstreams::dsl::{StreamsBuilder, Topic};
use kstreams::serde::{DefaultSerde, Json};
use kstreams::{Result, Topology};
use serde::{Deserialize, Serialize};

/// Partitions of the orders topic and of the output (keyed by order id).
pub const ORDER_PARTITIONS: u32 = 3;
/// Partitions of the customers topic.
pub const CUSTOMER_PARTITIONS: u32 = 2;
/// Input: the orders table, order id → order.
pub const ORDERS: Topic<String, Json<Order>, ORDER_PARTITIONS> = Topic::new("orders");
/// Input: the customers table, customer id → customer.
pub const CUSTOMERS: Topic<String, Json<Customer>, CUSTOMER_PARTITIONS> = Topic::new("customers");
/// Output: the join's changelog, order id → order with its customer
/// (`None`: the order has no result any more, a tombstone).
pub const ORDERS_WITH_CUSTOMERS: Topic<String, Option<Json<EnrichedOrder>>, ORDER_PARTITIONS> =
    Topic::new("orders-with-customers");

/// An order, the left table's value; `customer_id` is the foreign key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// The customer who placed it (a key of the customers table).
    pub customer_id: String,
    /// What was ordered.
    pub item: String,
    /// Amount in cents.
    pub amount_cents: i64,
}

impl DefaultSerde for Order {
    type Serde = Json<Order>;
}

/// A customer, the right table's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// Full name.
    pub name: String,
    /// Where orders are shipped.
    pub city: String,
}

impl DefaultSerde for Customer {
    type Serde = Json<Customer>;
}

/// An order with its customer's details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrichedOrder {
    /// The customer id.
    pub customer_id: String,
    /// What was ordered.
    pub item: String,
    /// Amount in cents.
    pub amount_cents: i64,
    /// The customer's name.
    pub name: String,
    /// The customer's city.
    pub city: String,
}

impl DefaultSerde for EnrichedOrder {
    type Serde = Json<EnrichedOrder>;
}

impl EnrichedOrder {
    /// The joiner: an order and its customer.
    pub fn of(order: &Order, customer: &Customer) -> EnrichedOrder {
        EnrichedOrder {
            customer_id: order.customer_id.clone(),
            item: order.item.clone(),
            amount_cents: order.amount_cents,
            name: customer.name.clone(),
            city: customer.city.clone(),
        }
    }
}

/// The topology on the default topics.
pub fn topology() -> Result<Topology> {
    topology_with(ORDERS, CUSTOMERS, ORDERS_WITH_CUSTOMERS)
}

/// The topology on the given topics.
pub fn topology_with(
    orders: Topic<String, Json<Order>, ORDER_PARTITIONS>,
    customers: Topic<String, Json<Customer>, CUSTOMER_PARTITIONS>,
    output: Topic<String, Option<Json<EnrichedOrder>>, ORDER_PARTITIONS>,
) -> Result<Topology> {
    let b = StreamsBuilder::new();
    let customers = b.table(customers);
    b.table(orders)
        .join_on_foreign_key(
            &customers,
            |o: &Order| o.customer_id.clone(),
            EnrichedOrder::of,
        )
        .to_changelog_stream()
        .to(output);
    b.build()
}

/// Minutes, in milliseconds.
const MIN: i64 = 60_000;

/// One change of the sample: a customer row or an order row.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `customers`: customer id → customer.
    Customer(String, Customer),
    /// `orders`: order id → order.
    Order(String, Order),
}

/// The sample, in time order (minute, change):
/// - Ada (c-1) and Bo (c-2) exist; Ada orders a book and a pen, Bo a lamp;
/// - Ada moves to Berlin: both her orders are re-joined (the fan-out);
/// - the lamp's order is moved to Ada (an order changing its customer);
/// - a mug is ordered by c-3, who does not exist yet, then c-3 arrives;
/// - Bo moves to Rome: he has no orders left, so nothing changes.
pub fn sample(base: i64) -> Vec<(i64, Change)> {
    let customer = |id: &str, name: &str, city: &str| {
        Change::Customer(
            id.to_owned(),
            Customer {
                name: name.to_owned(),
                city: city.to_owned(),
            },
        )
    };
    let order = |id: &str, customer_id: &str, item: &str, amount_cents| {
        Change::Order(
            id.to_owned(),
            Order {
                customer_id: customer_id.to_owned(),
                item: item.to_owned(),
                amount_cents,
            },
        )
    };
    let changes = [
        (0, customer("c-1", "Ada", "London")),
        (1, customer("c-2", "Bo", "Paris")),
        (2, order("o-1", "c-1", "book", 2_500)),
        (3, order("o-2", "c-1", "pen", 300)),
        (4, order("o-3", "c-2", "lamp", 4_500)),
        (5, customer("c-1", "Ada", "Berlin")),
        (6, order("o-3", "c-1", "lamp", 4_500)),
        (7, order("o-4", "c-3", "mug", 900)),
        (8, customer("c-3", "Cy", "Oslo")),
        (9, customer("c-2", "Bo", "Rome")),
    ];
    changes
        .into_iter()
        .map(|(minute, change)| (base + minute * MIN, change))
        .collect()
}

/// What the join must end with, by brute force: for each order's last
/// row, joined with its customer's last row if there is one, order id →
/// enriched order.
pub fn expected(sample: &[(i64, Change)]) -> BTreeMap<String, EnrichedOrder> {
    let (mut orders, mut customers) = (BTreeMap::new(), BTreeMap::new());
    for (_, change) in sample {
        match change {
            Change::Customer(id, c) => {
                customers.insert(id.clone(), c.clone());
            }
            Change::Order(id, o) => {
                orders.insert(id.clone(), o.clone());
            }
        }
    }
    orders
        .into_iter()
        .filter_map(|(id, o): (String, Order)| {
            let customer = customers.get(&o.customer_id)?;
            Some((id, EnrichedOrder::of(&o, customer)))
        })
        .collect()
}

/// The last value of each key of a changelog, in the order given (`None`:
/// the key's last record was a tombstone).
pub fn last_values<V: Clone>(changelog: &[(String, Option<V>)]) -> BTreeMap<String, Option<V>> {
    changelog.iter().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_order_ends_with_its_final_customer() {
        let cities: Vec<(String, String, String)> = expected(&sample(0))
            .into_iter()
            .map(|(id, o)| (id, o.name, o.city))
            .collect();
        let row = |id: &str, name: &str, city: &str| (id.into(), name.into(), city.into());
        assert_eq!(
            cities,
            vec![
                row("o-1", "Ada", "Berlin"),
                row("o-2", "Ada", "Berlin"),
                row("o-3", "Ada", "Berlin"),
                row("o-4", "Cy", "Oslo"),
            ],
            "Ada moved to Berlin, the lamp moved to Ada, c-3 arrived after the mug"
        );
    }

    #[test]
    fn the_last_value_of_a_key_wins() {
        let changelog = vec![
            ("a".to_owned(), Some(1)),
            ("b".to_owned(), Some(2)),
            ("a".to_owned(), None),
            ("b".to_owned(), Some(3)),
        ];
        let last = last_values(&changelog);
        assert_eq!(last.get("a"), Some(&None));
        assert_eq!(last.get("b"), Some(&Some(3)));
    }
}
