//! The `stream-stream-join` benchmark: its join window, its topology, its
//! output value, and [`JoinPairs`], which counts the results the input
//! must produce.
//!
//! The topology (as `bench/java`'s `Topologies.streamStreamJoin`):
//! `s = stream(input).filter(success)`; `s.join(s.map_values(cents),
//! joiner, JoinWindows::of_time_difference_with_no_grace(10 s)).to(output)`:
//! every successful payment paired with every successful payment of the
//! same account at most [`JOIN_WINDOW_MS`] apart, itself included. Two
//! distinct nodes of one source, not a node joined with itself.
//!
//! # How many results
//! A record x reaches both sides of the join. On the side that processes
//! it second, it finds every record of the same key within the window on
//! the other side, x itself included; on the side that processes it first,
//! the earlier records only. Over the input, each unordered pair of
//! distinct SUCCESS records of one account with |Δts| ≤ [`JOIN_WINDOW_MS`]
//! (bounds included) is emitted twice (once per order) and each record
//! once with itself: `successes + 2 * P`, with P from [`JoinPairs`]. That
//! holds when no record arrives after its window closed (no grace): the
//! load generator's timestamps never decrease within a partition.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use kstreams::dsl::{JoinWindows, StreamJoined};
use kstreams::serde::Json;
use kstreams::{StreamsBuilder, Topic, Topology};
use serde::{Deserialize, Serialize};

use super::payment::{Payment, PaymentCents};

/// The join's time difference, either way, in ms. `Topologies.JOIN_WINDOW`
/// of `bench/java` has the same value; `bench_load produce` counts the
/// expected pairs with it and prints it (`join_window_ms=`) for the harness.
pub const JOIN_WINDOW_MS: u64 = 10_000;

/// The join window: [`JOIN_WINDOW_MS`] either way, no grace.
pub const JOIN_WINDOWS: JoinWindows =
    JoinWindows::of_time_difference_with_no_grace(Duration::from_millis(JOIN_WINDOW_MS));

/// The join's output value: the ids of the two payments.
/// JSON: `{"account":"acct-00000000042","left":7,"right":12}` (`PaymentPair.java`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentPair {
    /// The account of both payments (also the record key).
    pub account: String,
    /// The id of the left side's payment.
    pub left: u64,
    /// The id of the right side's payment.
    pub right: u64,
}

impl PaymentPair {
    /// The joiner of the `stream-stream-join` topology.
    pub fn of(left: &Payment, right: &PaymentCents) -> Self {
        PaymentPair {
            account: left.account.clone(),
            left: left.id,
            right: right.id,
        }
    }
}

/// The `stream-stream-join` topology from `input` to `output`.
pub fn topology(
    input: Topic<String, Json<Payment>, 8>,
    output: Topic<String, Json<PaymentPair>, 8>,
) -> kstreams::Result<Topology> {
    let builder = StreamsBuilder::new();
    let succeeded = builder.stream(input).filter(|_account, p| p.succeeded());
    let right = succeeded.map_values(PaymentCents::from);
    succeeded
        .join_stream_with(
            &right,
            PaymentPair::of,
            JOIN_WINDOWS,
            StreamJoined::<String, Json<Payment>, Json<PaymentCents>>::new(),
        )
        .to(output);
    builder.build()
}

/// Counts P: unordered pairs of distinct records of one key whose
/// timestamps are at most [`JOIN_WINDOW_MS`] apart, fed in non-decreasing
/// timestamp order. Keeps, per key, the timestamps of the last window.
#[derive(Debug, Default)]
pub struct JoinPairs {
    recent: HashMap<Box<[u8]>, VecDeque<i64>>,
    pairs: u64,
    last_ts: Option<i64>,
}

impl JoinPairs {
    /// A counter with no records.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a record of `key` at `ts`; an error if `ts` is earlier than the
    /// previous record's (the count would be wrong).
    pub fn observe(&mut self, key: &[u8], ts: i64) -> Result<(), String> {
        if let Some(last) = self.last_ts.filter(|&last| ts < last) {
            return Err(format!(
                "join pairs: timestamp {ts} after {last}: records must come in timestamp order"
            ));
        }
        self.last_ts = Some(ts);
        let window = match self.recent.get_mut(key) {
            Some(window) => window,
            None => self.recent.entry(key.into()).or_default(),
        };
        while window
            .front()
            .is_some_and(|&t| t < ts.saturating_sub(JOIN_WINDOW_MS as i64))
        {
            window.pop_front();
        }
        self.pairs += window.len() as u64;
        window.push_back(ts);
        Ok(())
    }

    /// P so far.
    pub fn pairs(&self) -> u64 {
        self.pairs
    }
}

#[cfg(test)]
mod tests {
    use kstreams::test_driver::TopologyTestDriver;

    use super::*;
    use crate::bench::payment::PaymentGenerator;

    /// A seeded input: few accounts, timestamps that step by 0..=2.5 s
    /// (so that differences of exactly the window occur), some FAILED.
    fn sample(n: usize) -> Vec<(String, Payment)> {
        let mut generator = PaymentGenerator::new(11, 4);
        let mut ts = 1_752_000_000_000;
        (0..n)
            .map(|i| {
                ts += [0, 500, 2_500, 1_000][i % 4] * (i as i64 % 3);
                let (key, value, _) = generator.next_event(ts);
                let key = String::from_utf8_lossy(key).into_owned();
                let payment: Payment = serde_json::from_slice(value).expect("generated JSON");
                (key, payment)
            })
            .collect()
    }

    /// Every ordered pair of successes of one account within the window,
    /// each record with itself included: what the join must emit.
    fn brute_force(input: &[(String, Payment)]) -> Vec<(u64, u64)> {
        let ok: Vec<&Payment> = input
            .iter()
            .map(|(_, p)| p)
            .filter(|p| p.succeeded())
            .collect();
        let mut pairs = vec![];
        for a in &ok {
            for b in &ok {
                if a.account == b.account && a.ts.abs_diff(b.ts) <= JOIN_WINDOW_MS {
                    pairs.push((a.id, b.id));
                }
            }
        }
        pairs.sort_unstable();
        pairs
    }

    #[test]
    fn counts_pairs_within_the_window_bounds_included() {
        let mut p = JoinPairs::new();
        for (key, ts) in [
            ("a", 0),
            ("b", 5),
            ("a", 10_000), // 10 s after a@0: a pair
            ("a", 10_001), // pairs with a@10000 only
            ("b", 20_006), // 20.001 s after b@5: none
        ] {
            p.observe(key.as_bytes(), ts).unwrap();
        }
        assert_eq!(p.pairs(), 2);
        assert!(p.observe(b"a", 10_000).is_err());
    }

    #[test]
    fn the_count_matches_a_brute_force_reference() {
        let input = sample(400);
        let mut p = JoinPairs::new();
        let mut successes = 0;
        for (key, payment) in input.iter().filter(|(_, p)| p.succeeded()) {
            p.observe(key.as_bytes(), payment.ts).unwrap();
            successes += 1;
        }
        let ordered = brute_force(&input).len() as u64;
        assert_eq!(ordered, successes + 2 * p.pairs());
        assert!(
            p.pairs() > 100,
            "{} pairs: the sample tests too little",
            p.pairs()
        );
    }

    /// The count's reasoning, on the topology itself: exactly the ordered
    /// pairs of the reference, each once, so `successes + 2 * P` results.
    #[test]
    fn the_topology_emits_every_ordered_pair_once() -> kstreams::Result<()> {
        let input_topic = Topic::<String, Json<Payment>, 8>::new("payments");
        let output_topic = Topic::<String, Json<PaymentPair>, 8>::new("pairs");
        let driver = TopologyTestDriver::new(topology(input_topic.clone(), output_topic.clone())?)?;
        let mut pipe = driver.create_input_topic(input_topic);
        let input = sample(400);
        for (key, payment) in &input {
            pipe.pipe_input_with_timestamp(key.clone(), payment.clone(), payment.ts)?;
        }
        let mut got: Vec<(u64, u64)> = driver
            .create_output_topic(output_topic)
            .read_key_values_to_vec()?
            .into_iter()
            .map(|(account, pair)| {
                assert_eq!(account, pair.account);
                (pair.left, pair.right)
            })
            .collect();
        got.sort_unstable();
        assert_eq!(got, brute_force(&input));
        Ok(())
    }
}
