//! Payment enrichment, a stream-table join: each payment (keyed by
//! account) picks up the account's owner and tier from the accounts table
//! as it was when the payment was made.
//!
//! ```text
//! accounts (account → Account) ─▶ table ─────────┐
//! payments (account → Payment) ─▶ stream ─▶ left_join ─▶ enriched-payments
//! ```
//!
//! The stream drives: a payment looks up its account's current row, an
//! account update emits nothing. It is a `left_join`, not a `join`: every
//! payment comes out, a payment of an account the table does not know with
//! no owner (`None`), so a missing account shows in the output instead of
//! silently dropping the payment; and the output has exactly one record per
//! payment, which makes it easy to check for completeness.
//!
//! "As it was when the payment was made" holds because a task takes the
//! records of its partitions (here one payments and one accounts
//! partition) in timestamp order, as Kafka Streams' `PartitionGroup`: an
//! account row produced with an earlier timestamp than a payment is in the
//! table when the payment is joined, one with a later timestamp is not yet.
//! [`expected`] states this by brute force. On the broker the task must
//! also wait for an input that has not been fetched yet rather than run
//! ahead on the other; `max.task.idle.ms` ([`MAX_TASK_IDLE_MS`]) bounds
//! that wait.

use kstreams::dsl::{StreamsBuilder, Topic};
use kstreams::serde::Json;
use kstreams::{Result, Topology};
use serde::{Deserialize, Serialize};

use crate::payment_counter::{Payment, Status};

/// Partitions of every topic (the two inputs must be co-partitioned).
pub const PARTITIONS: u32 = 2;
/// Input: payments keyed by account id, timestamped when they were made.
pub const PAYMENTS: Topic<String, Json<Payment>, PARTITIONS> = Topic::new("payments");
/// Input: the accounts table, account id → its latest details.
pub const ACCOUNTS: Topic<String, Json<Account>, PARTITIONS> = Topic::new("accounts");
/// Output: one enriched payment per payment, keyed by account id.
pub const ENRICHED: Topic<String, Json<EnrichedPayment>, PARTITIONS> =
    Topic::new("enriched-payments");

/// How long (wall-clock ms) a task waits for an empty input before it
/// processes the other one out of timestamp order. The sample is produced
/// before the application starts, so this only covers the moment between
/// the first fetch of one input and of the other.
pub const MAX_TASK_IDLE_MS: i64 = 2_000;

/// An account's row in the accounts table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Who owns the account.
    pub owner: String,
    /// Service tier: `standard`, `silver` or `gold`.
    pub tier: String,
}

/// A payment with its account's details at the time of the payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrichedPayment {
    /// The payment's id.
    pub id: u64,
    /// Amount in cents.
    pub amount_cents: i64,
    /// Outcome.
    pub status: Status,
    /// The account's owner; `None` if the table has no row for the account.
    pub owner: Option<String>,
    /// The account's tier; `None` if the table has no row for the account.
    pub tier: Option<String>,
}

impl EnrichedPayment {
    /// The joiner: a payment and its account's row, if any.
    pub fn of(payment: &Payment, account: Option<&Account>) -> EnrichedPayment {
        EnrichedPayment {
            id: payment.id,
            amount_cents: payment.amount_cents,
            status: payment.status,
            owner: account.map(|a| a.owner.clone()),
            tier: account.map(|a| a.tier.clone()),
        }
    }
}

/// The topology on the default topics.
pub fn topology() -> Result<Topology> {
    topology_with(PAYMENTS, ACCOUNTS, ENRICHED)
}

/// The topology on the given topics.
pub fn topology_with(
    payments: Topic<String, Json<Payment>, PARTITIONS>,
    accounts: Topic<String, Json<Account>, PARTITIONS>,
    enriched: Topic<String, Json<EnrichedPayment>, PARTITIONS>,
) -> Result<Topology> {
    let b = StreamsBuilder::new();
    let accounts = b.table(accounts);
    b.stream(payments)
        .left_join(&accounts, EnrichedPayment::of)
        .to(enriched);
    b.build()
}

/// Minutes, in milliseconds.
const MIN: i64 = 60_000;

/// The sample accounts table's rows: (account, owner, tier, minute). Ada
/// is upgraded to gold at minute 30, Bo's account changes hands at 40;
/// `acc-9` has no row.
const ACCOUNT_ROWS: &[(&str, &str, &str, i64)] = &[
    ("acc-1", "Ada", "standard", 0),
    ("acc-2", "Bo", "silver", 1),
    ("acc-3", "Cy", "gold", 2),
    ("acc-1", "Ada", "gold", 30),
    ("acc-2", "Bea", "silver", 40),
];

/// The sample payments: (account, id, cents, status, minute).
const PAYMENT_ROWS: &[(&str, u64, i64, Status, i64)] = &[
    ("acc-1", 1, 1_250, Status::Success, 10),
    ("acc-2", 2, 4_000, Status::Success, 12),
    ("acc-9", 3, 999, Status::Failed, 15),
    ("acc-3", 4, 15_000, Status::Pending, 20),
    ("acc-1", 5, 800, Status::Success, 35),
    ("acc-2", 6, 2_100, Status::Success, 38),
    ("acc-2", 7, 3_300, Status::Success, 45),
    ("acc-1", 8, 500, Status::Failed, 50),
];

/// The sample accounts table as (account, row, timestamp), in time order;
/// timestamps are ms after `base`.
pub fn accounts(base: i64) -> Vec<(String, Account, i64)> {
    ACCOUNT_ROWS
        .iter()
        .map(|&(account, owner, tier, minute)| {
            let row = Account {
                owner: owner.to_owned(),
                tier: tier.to_owned(),
            };
            (account.to_owned(), row, base + minute * MIN)
        })
        .collect()
}

/// The sample payments as (account, payment, timestamp), in time order;
/// no payment shares a timestamp with an account row.
pub fn payments(base: i64) -> Vec<(String, Payment, i64)> {
    PAYMENT_ROWS
        .iter()
        .map(|&(account, id, amount_cents, status, minute)| {
            let payment = Payment {
                id,
                amount_cents,
                status,
            };
            (account.to_owned(), payment, base + minute * MIN)
        })
        .collect()
}

/// What the join must produce, by brute force: each payment with the
/// latest row of its account timestamped before it (or none), as
/// (account, enriched payment, the payment's timestamp), sorted by
/// payment id.
pub fn expected(
    accounts: &[(String, Account, i64)],
    payments: &[(String, Payment, i64)],
) -> Vec<(String, EnrichedPayment, i64)> {
    let mut out: Vec<_> = payments
        .iter()
        .map(|(account, payment, at)| {
            let row = accounts
                .iter()
                .filter(|(a, _, t)| a == account && t < at)
                .max_by_key(|(_, _, t)| *t)
                .map(|(_, row, _)| row);
            (account.clone(), EnrichedPayment::of(payment, row), *at)
        })
        .collect();
    sort(&mut out);
    out
}

/// Sorts enriched payments by payment id, the order [`expected`] uses.
pub fn sort(enriched: &mut [(String, EnrichedPayment, i64)]) {
    enriched.sort_by_key(|(_, p, _)| p.id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_sees_the_updates_and_an_unknown_account() {
        let owners: Vec<(u64, Option<String>, Option<String>)> =
            expected(&accounts(0), &payments(0))
                .into_iter()
                .map(|(_, p, _)| (p.id, p.owner, p.tier))
                .collect();
        let row = |id, owner: &str, tier: &str| (id, Some(owner.into()), Some(tier.into()));
        assert_eq!(
            owners,
            vec![
                row(1, "Ada", "standard"),
                row(2, "Bo", "silver"),
                (3, None, None),
                row(4, "Cy", "gold"),
                row(5, "Ada", "gold"),
                row(6, "Bo", "silver"),
                row(7, "Bea", "silver"),
                row(8, "Ada", "gold"),
            ],
            "Ada's upgrade at minute 30 applies from payment 5 on, Bea's takeover at 40 from payment 7; acc-9 is unknown"
        );
    }
}
