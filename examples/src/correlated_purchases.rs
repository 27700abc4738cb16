//! Correlated purchases, a stream-stream join (seed 003 §7, Kafka Streams
//! in Action's ZMart): a customer who buys coffee and, within twenty
//! minutes either way, something from electronics, is worth a coupon.
//!
//! ```text
//! transactions (keyed by store) → select_key(customer) → split ─┬→ coffee ──────┐
//!                                                                └→ electronics ─┴→ join_stream(20 min) → correlated-purchases
//! ```
//!
//! Both branches changed their key, so the join repartitions each of them
//! by customer (two `…-repartition` topics, as Java's `KStreamImpl.join`
//! does) before buffering them in the join's window stores. Every coffee
//! purchase pairs with every electronics purchase of the same customer at
//! most 20 minutes away; a pair is written once, with the later of the two
//! timestamps.
//!
//! The grace period (two hours) lets a purchase arrive late by as much as
//! the whole sample spans: the transactions of different stores reach the
//! join's task at different paces, and a purchase that arrives after
//! stream time passed its window + grace would find its partner already
//! expired (and, in this inner join, be dropped).

use std::time::Duration;

use kstreams::dsl::{JoinWindows, StreamsBuilder, Topic};
use kstreams::serde::Json;
use kstreams::{Result, Topology};
use serde::{Deserialize, Serialize};

use crate::purchases::Purchase;

/// Partitions of every topic.
pub const PARTITIONS: u32 = 2;
/// Input: purchases keyed by store id, timestamped when they were made.
pub const TRANSACTIONS: Topic<String, Json<Purchase>, PARTITIONS> =
    Topic::new("store-transactions");
/// Output: one record per correlated (coffee, electronics) pair, keyed by
/// customer.
pub const CORRELATED: Topic<String, Json<CorrelatedPurchase>, PARTITIONS> =
    Topic::new("correlated-purchases");

/// Twenty minutes either way; purchases accepted up to two hours late.
pub const TWENTY_MINUTES: JoinWindows = JoinWindows::of_time_difference_and_grace(
    Duration::from_secs(20 * 60),
    Duration::from_secs(2 * 60 * 60),
);

/// A coffee purchase and an electronics purchase of one customer within
/// [`TWENTY_MINUTES`] (the book's `CorrelatedPurchase`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelatedPurchase {
    /// The customer.
    pub customer_id: String,
    /// Both items, coffee first.
    pub items_purchased: Vec<String>,
    /// The two purchases' totals, summed, rounded to cents.
    pub total_amount: f64,
    /// When the coffee was bought.
    pub coffee_time: i64,
    /// When the electronics were bought.
    pub electronics_time: i64,
}

impl CorrelatedPurchase {
    /// The pair of a coffee and an electronics purchase (the joiner).
    pub fn of(coffee: &Purchase, electronics: &Purchase) -> CorrelatedPurchase {
        CorrelatedPurchase {
            customer_id: coffee.customer_id.clone(),
            items_purchased: vec![
                coffee.item_purchased.clone(),
                electronics.item_purchased.clone(),
            ],
            // In cents, so that the JSON text reads back as the same number.
            total_amount: ((coffee.total() + electronics.total()) * 100.0).round() / 100.0,
            coffee_time: coffee.purchase_date,
            electronics_time: electronics.purchase_date,
        }
    }
}

/// The topology on the default topics.
pub fn topology() -> Result<Topology> {
    topology_with(TRANSACTIONS, CORRELATED)
}

/// The topology on the given topics.
pub fn topology_with(
    transactions: Topic<String, Json<Purchase>, PARTITIONS>,
    correlated: Topic<String, Json<CorrelatedPurchase>, PARTITIONS>,
) -> Result<Topology> {
    let b = StreamsBuilder::new();
    let departments = b
        .stream(transactions)
        .select_key(|_store, p| p.customer_id.clone())
        .named("department-")
        .split()
        .branch_as("coffee", |_, p| p.department == "coffee")
        .branch_as("electronics", |_, p| p.department == "electronics")
        .no_default_branch();
    let (Some(coffee), Some(electronics)) = (
        departments.get("department-coffee"),
        departments.get("department-electronics"),
    ) else {
        return Err(kstreams::Error::Topology(
            "split() lost a named branch".into(),
        ));
    };
    coffee
        .join_stream(electronics, CorrelatedPurchase::of, TWENTY_MINUTES)
        .to(correlated);
    b.build()
}

/// Minutes, in milliseconds.
const MIN: i64 = 60_000;

/// The sample: (store, customer, department, item, price, minute of the
/// purchase). Each customer shops in one store, in time order.
const SAMPLE: &[(&str, &str, &str, &str, f64, i64)] = &[
    ("store-1", "ann", "coffee", "latte", 4.50, 0),
    ("store-1", "ann", "electronics", "headphones", 89.00, 12),
    ("store-1", "ann", "coffee", "espresso", 2.80, 31),
    ("store-2", "bob", "electronics", "charger", 19.90, 5),
    ("store-2", "bob", "coffee", "mocha", 5.10, 40),
    ("store-2", "bob", "coffee", "flat white", 4.20, 55),
    ("store-2", "bob", "electronics", "cable", 9.90, 70),
    ("store-1", "cat", "coffee", "cappuccino", 4.00, 20),
    ("store-1", "cat", "garden", "rake", 25.00, 25),
    ("store-1", "cat", "coffee", "latte", 4.50, 80),
    ("store-3", "dan", "electronics", "mouse", 24.00, 3),
    ("store-3", "dan", "electronics", "keyboard", 49.00, 18),
    ("store-3", "dan", "coffee", "americano", 3.20, 23),
];

/// The sample purchases, as (store, purchase), in the order produced;
/// `purchase_date` is the record timestamp in ms after `base`.
pub fn sample(base: i64) -> Vec<(String, Purchase)> {
    SAMPLE
        .iter()
        .map(|&(store, customer, department, item, price, minute)| {
            (
                store.to_owned(),
                Purchase {
                    first_name: customer.to_owned(),
                    last_name: "Doe".to_owned(),
                    customer_id: customer.to_owned(),
                    credit_card_number: "xxxx-xxxx-xxxx-1234".to_owned(),
                    item_purchased: item.to_owned(),
                    department: department.to_owned(),
                    employee_id: "e-1".to_owned(),
                    quantity: 1,
                    price,
                    purchase_date: base + minute * MIN,
                    zip_code: "10001".to_owned(),
                    store_id: store.to_owned(),
                },
            )
        })
        .collect()
}

/// What the join must produce from `purchases`, by brute force: every
/// (coffee, electronics) pair of one customer at most 20 minutes apart, as
/// (customer, pair, timestamp of the later purchase), sorted.
pub fn expected(purchases: &[(String, Purchase)]) -> Vec<(String, CorrelatedPurchase, i64)> {
    let window = TWENTY_MINUTES.before_ms() as i64;
    let of = |department: &str| {
        purchases
            .iter()
            .map(|(_, p)| p)
            .filter(|p| p.department == department)
            .cloned()
            .collect::<Vec<_>>()
    };
    let (coffee, electronics) = (of("coffee"), of("electronics"));
    let mut pairs = Vec::new();
    for c in &coffee {
        for e in &electronics {
            if c.customer_id == e.customer_id && (c.purchase_date - e.purchase_date).abs() <= window
            {
                pairs.push((
                    c.customer_id.clone(),
                    CorrelatedPurchase::of(c, e),
                    c.purchase_date.max(e.purchase_date),
                ));
            }
        }
    }
    sort(&mut pairs);
    pairs
}

/// Sorts correlated purchases by (timestamp, customer, items), the order
/// [`expected`] uses.
pub fn sort(pairs: &mut [(String, CorrelatedPurchase, i64)]) {
    pairs.sort_by(|a, b| (a.2, &a.0, &a.1.items_purchased).cmp(&(b.2, &b.0, &b.1.items_purchased)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_has_pairs_inside_and_outside_the_window() {
        let pairs = expected(&sample(0));
        let items: Vec<Vec<&str>> = pairs
            .iter()
            .map(|(_, p, _)| p.items_purchased.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(
            items,
            vec![
                vec!["latte", "headphones"],
                vec!["americano", "keyboard"],
                vec!["americano", "mouse"],
                vec!["espresso", "headphones"],
                vec!["flat white", "cable"],
            ],
            "ann: 12 and 19 min apart; bob: the charger 35 min before the mocha (no), the cable 30 min after it (no) and 15 min after the flat white; cat: no electronics; dan: 20 min (inclusive) and 5 min"
        );
    }
}
