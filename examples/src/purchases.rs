//! The ZMart purchases topology (Kafka Streams in Action, chapter 3; seed
//! 003 §1): mask credit cards, then
//! - send every masked purchase to `purchases`,
//! - derive a purchase pattern per purchase to `patterns`,
//! - derive reward points per purchase to `rewards`,
//! - keep purchases over 5.00, re-key them by purchase date, and split
//!   coffee and electronics purchases to `coffee` and `electronics`
//!   (other departments are dropped).
//!
//! ```text
//! transactions → mask ─┬→ filter(price > 5.00) → select_key(date) → split ─┬→ coffee
//!                      │                                                   └→ electronics
//!                      ├→ pattern → patterns
//!                      ├→ rewards → rewards
//!                      └→ purchases
//! ```

use kstreams::serde::{Json, I64};
use kstreams::{Result, StreamsBuilder, Topic, Topology};
use serde::{Deserialize, Serialize};

/// Raw purchases, keyed by anything (usually null-free customer ids).
pub const TRANSACTIONS: Topic<String, Json<Purchase>, 1> = Topic::new("transactions");
/// Every purchase, credit card masked.
pub const PURCHASES: Topic<String, Json<Purchase>, 1> = Topic::new("purchases");
/// What was bought where and when.
pub const PATTERNS: Topic<String, Json<PurchasePattern>, 1> = Topic::new("patterns");
/// Reward points per purchase.
pub const REWARDS: Topic<String, Json<RewardAccumulator>, 1> = Topic::new("rewards");
/// Coffee purchases over 5.00, keyed by purchase date (ms since the epoch).
pub const COFFEE: Topic<I64, Json<Purchase>, 1> = Topic::new("coffee");
/// Electronics purchases over 5.00, keyed by purchase date.
pub const ELECTRONICS: Topic<I64, Json<Purchase>, 1> = Topic::new("electronics");

/// One purchase at a ZMart store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, kstreams::JsonSerde)]
pub struct Purchase {
    /// Customer's first name.
    pub first_name: String,
    /// Customer's last name.
    pub last_name: String,
    /// Customer id.
    pub customer_id: String,
    /// Credit card number (masked to `xxxx-xxxx-xxxx-1234` by the topology).
    pub credit_card_number: String,
    /// What was bought.
    pub item_purchased: String,
    /// Department, e.g. `coffee` or `electronics`.
    pub department: String,
    /// Cashier.
    pub employee_id: String,
    /// How many.
    pub quantity: u32,
    /// Unit price.
    pub price: f64,
    /// When (ms since the epoch).
    pub purchase_date: i64,
    /// Store's zip code.
    pub zip_code: String,
    /// Store id.
    pub store_id: String,
}

impl Purchase {
    /// The purchase with all but the last four digits of the card hidden.
    pub fn mask_credit_card(mut self) -> Purchase {
        let digits: Vec<char> = self
            .credit_card_number
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let last4: String = digits[digits.len().saturating_sub(4)..].iter().collect();
        self.credit_card_number = format!("xxxx-xxxx-xxxx-{last4}");
        self
    }

    /// Quantity × price.
    pub fn total(&self) -> f64 {
        f64::from(self.quantity) * self.price
    }
}

/// What was bought, where and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PurchasePattern {
    /// Store's zip code.
    pub zip_code: String,
    /// Item bought.
    pub item: String,
    /// When (ms since the epoch).
    pub date: i64,
    /// Quantity × price.
    pub amount: f64,
}

impl From<&Purchase> for PurchasePattern {
    fn from(p: &Purchase) -> Self {
        PurchasePattern {
            zip_code: p.zip_code.clone(),
            item: p.item_purchased.clone(),
            date: p.purchase_date,
            amount: p.total(),
        }
    }
}

/// Reward points earned by one purchase (one point per whole unit spent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewardAccumulator {
    /// `last,first`, as in the book.
    pub customer_id: String,
    /// Quantity × price.
    pub purchase_total: f64,
    /// Points for this purchase.
    pub current_reward_points: i64,
}

impl From<&Purchase> for RewardAccumulator {
    fn from(p: &Purchase) -> Self {
        let total = p.total();
        RewardAccumulator {
            customer_id: format!("{},{}", p.last_name, p.first_name),
            purchase_total: total,
            current_reward_points: total.floor() as i64,
        }
    }
}

/// The six topics of the topology, so that tests and deployments can run it
/// under other names (the constants above are the defaults).
#[derive(Debug, Clone)]
pub struct PurchaseTopics {
    /// Input: raw purchases.
    pub transactions: Topic<String, Json<Purchase>, 1>,
    /// Every purchase, masked.
    pub purchases: Topic<String, Json<Purchase>, 1>,
    /// Purchase patterns.
    pub patterns: Topic<String, Json<PurchasePattern>, 1>,
    /// Reward points.
    pub rewards: Topic<String, Json<RewardAccumulator>, 1>,
    /// Coffee purchases over 5.00 by date.
    pub coffee: Topic<I64, Json<Purchase>, 1>,
    /// Electronics purchases over 5.00 by date.
    pub electronics: Topic<I64, Json<Purchase>, 1>,
}

impl PurchaseTopics {
    /// The default names: `transactions`, `purchases`, `patterns`, `rewards`,
    /// `coffee`, `electronics`.
    pub const DEFAULT: PurchaseTopics = PurchaseTopics {
        transactions: TRANSACTIONS,
        purchases: PURCHASES,
        patterns: PATTERNS,
        rewards: REWARDS,
        coffee: COFFEE,
        electronics: ELECTRONICS,
    };

    /// The default names with `prefix` in front (e.g. `run42-transactions`).
    pub fn prefixed(prefix: &str) -> PurchaseTopics {
        let name = |base: &str| format!("{prefix}{base}");
        PurchaseTopics {
            transactions: Topic::named(name(TRANSACTIONS.name())),
            purchases: Topic::named(name(PURCHASES.name())),
            patterns: Topic::named(name(PATTERNS.name())),
            rewards: Topic::named(name(REWARDS.name())),
            coffee: Topic::named(name(COFFEE.name())),
            electronics: Topic::named(name(ELECTRONICS.name())),
        }
    }

    /// All six names, input first.
    pub fn names(&self) -> [&str; 6] {
        [
            self.transactions.name(),
            self.purchases.name(),
            self.patterns.name(),
            self.rewards.name(),
            self.coffee.name(),
            self.electronics.name(),
        ]
    }
}

/// The purchases topology on the default topics.
pub fn topology() -> Result<Topology> {
    topology_with(&PurchaseTopics::DEFAULT)
}

/// The purchases topology on the given topics.
pub fn topology_with(topics: &PurchaseTopics) -> Result<Topology> {
    let builder = StreamsBuilder::new();
    let masked = builder
        .stream(topics.transactions.clone())
        .map_values(Purchase::mask_credit_card);

    let branches = masked
        .filter(|_, p| p.price > 5.00)
        .select_key(|_, p| p.purchase_date)
        .named("department-")
        .split()
        .branch_as("coffee", |_, p| p.department == "coffee")
        .branch_as("electronics", |_, p| p.department == "electronics")
        .no_default_branch();
    for (name, topic) in [
        ("department-coffee", topics.coffee.clone()),
        ("department-electronics", topics.electronics.clone()),
    ] {
        if let Some(branch) = branches.get(name) {
            branch.to(topic);
        }
    }

    masked
        .map_values(|p| PurchasePattern::from(&p))
        .to(topics.patterns.clone());
    masked
        .map_values(|p| RewardAccumulator::from(&p))
        .to(topics.rewards.clone());
    masked.to(topics.purchases.clone());
    builder.build()
}
