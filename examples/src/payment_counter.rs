//! The payment counter (seed 000): count the successful payments of each
//! account, exactly once.
//!
//! ```text
//! payment-events ─▶ filter(status == SUCCESS) ─▶ group_by_key ─▶ count ─▶ to_stream ─▶ payment-counts
//! ```
//!
//! The count lives in a RocksDB store backed by the compacted changelog
//! `<application.id>-KSTREAM-AGGREGATE-STATE-STORE-0000000002-changelog`;
//! with `exactly_once_v2` the store writes, the output and the input
//! offsets commit in one transaction.

use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::serde::{DefaultSerde, Json, I64};
use kstreams::Topology;
use serde::{Deserialize, Serialize};

/// Whether a payment went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Settled.
    Success,
    /// Declined by the bank.
    Failed,
    /// Not settled yet.
    Pending,
}

/// One payment event, keyed by account id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// Unique id of the payment.
    pub id: u64,
    /// Amount in cents.
    pub amount_cents: i64,
    /// Outcome.
    pub status: Status,
}

impl DefaultSerde for Payment {
    type Serde = Json<Payment>;
}

/// Partitions of both topics.
pub const PARTITIONS: u32 = 4;
/// The input topic: account id → payment.
pub const PAYMENT_EVENTS: Topic<String, Json<Payment>, PARTITIONS> = Topic::new("payment-events");
/// The output topic: account id → successful payments so far.
pub const PAYMENT_COUNTS: Topic<String, I64, PARTITIONS> = Topic::new("payment-counts");

/// `stream → filter(success) → group_by_key → count → to_stream → to`.
pub fn topology() -> kstreams::Result<Topology> {
    topology_between(PAYMENT_EVENTS, PAYMENT_COUNTS)
}

/// The same topology between other topics (tests use unique names).
pub fn topology_between<const P: u32>(
    events: Topic<String, Json<Payment>, P>,
    counts: Topic<String, I64, P>,
) -> kstreams::Result<Topology> {
    let builder = StreamsBuilder::new();
    builder
        .stream(events)
        .filter(|_, p: &Payment| p.status == Status::Success)
        .group_by_key()
        .count()
        .to_stream()
        .to(counts);
    builder.build()
}

/// The name of the counts store in [`queryable_topology`].
pub const COUNTS_STORE: &str = "payment-counts-store";

/// [`topology`] with the counts in a store named [`COUNTS_STORE`], so that
/// interactive queries can read it by name.
pub fn queryable_topology() -> kstreams::Result<Topology> {
    let builder = StreamsBuilder::new();
    builder
        .stream(PAYMENT_EVENTS)
        .filter(|_, p: &Payment| p.status == Status::Success)
        .group_by_key()
        .count_with(Materialized::<String, I64>::as_(COUNTS_STORE))
        .to_stream()
        .to(PAYMENT_COUNTS);
    builder.build()
}

/// `n` deterministic payment events over `accounts` accounts (about 60 %
/// successful), as (account id, payment).
pub fn generate(n: u64, accounts: u64, seed: u64) -> impl Iterator<Item = (String, Payment)> {
    let mut state = seed | 1;
    (0..n).map(move |id| {
        // xorshift64*: cheap, deterministic, good enough to spread accounts.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let account = format!("acct-{:05}", r % accounts.max(1));
        let status = match (r >> 32) % 10 {
            0..=5 => Status::Success,
            6..=8 => Status::Failed,
            _ => Status::Pending,
        };
        (
            account,
            Payment {
                id,
                amount_cents: ((r >> 40) % 100_000) as i64,
                status,
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use kstreams::test_driver::TopologyTestDriver;

    use super::*;

    #[test]
    fn counts_successful_payments_per_account() -> kstreams::Result<()> {
        let driver = TopologyTestDriver::new(topology()?)?;
        let mut input = driver.create_input_topic(PAYMENT_EVENTS);
        let mut expected: BTreeMap<String, i64> = BTreeMap::new();
        for (account, payment) in generate(2_000, 50, 7) {
            if payment.status == Status::Success {
                *expected.entry(account.clone()).or_default() += 1;
            }
            input.pipe_input(account, payment)?;
        }
        let mut last: BTreeMap<String, i64> = BTreeMap::new();
        for (account, count) in driver
            .create_output_topic(PAYMENT_COUNTS)
            .read_key_values_to_vec()?
        {
            last.insert(account, count);
        }
        assert_eq!(last, expected);
        Ok(())
    }
}
