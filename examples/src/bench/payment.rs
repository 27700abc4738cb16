//! The benchmark's input: payment events with 16-byte account keys and
//! ~110-byte JSON values, mixed statuses, generated from a seed so that every
//! implementation reads the same bytes.
//!
//! The JSON shape is the one `bench/java` (`Payment.java`) reads:
//! `{"id":7,"account":"acct-00000000042","amount":123.45,"currency":"EUR","status":"SUCCESS","ts":1752000000000}`.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// A payment event, as the benchmark topologies read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// Sequence number of the event.
    pub id: u64,
    /// The account (also the record key).
    pub account: String,
    /// The amount in currency units, two decimals.
    pub amount: f64,
    /// ISO currency code.
    pub currency: String,
    /// `SUCCESS` or `FAILED`.
    pub status: String,
    /// Producer wall-clock time, ms since the epoch.
    pub ts: i64,
}

impl Payment {
    /// The filter of both topologies.
    pub fn succeeded(&self) -> bool {
        self.status == "SUCCESS"
    }
}

/// The stateless pipeline's output value: the amount in cents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentCents {
    /// Sequence number of the event.
    pub id: u64,
    /// The account.
    pub account: String,
    /// The amount in cents.
    pub cents: i64,
    /// ISO currency code.
    pub currency: String,
    /// Producer wall-clock time, ms since the epoch.
    pub ts: i64,
}

impl From<Payment> for PaymentCents {
    fn from(p: Payment) -> Self {
        PaymentCents {
            id: p.id,
            account: p.account,
            cents: (p.amount * 100.0).round() as i64,
            currency: p.currency,
            ts: p.ts,
        }
    }
}

const CURRENCIES: [&str; 4] = ["EUR", "USD", "GBP", "CHF"];
/// Percentage of events with status `SUCCESS`.
pub const SUCCESS_PERCENT: u64 = 80;

/// Generates payment events (key and JSON value) from a seed, without serde.
#[derive(Debug)]
pub struct PaymentGenerator {
    state: u64,
    accounts: u64,
    next_id: u64,
    key: String,
    value: String,
}

impl PaymentGenerator {
    /// A generator over `accounts` accounts (at least 1).
    pub fn new(seed: u64, accounts: u64) -> Self {
        PaymentGenerator {
            state: seed | 1,
            accounts: accounts.max(1),
            next_id: 0,
            key: String::new(),
            value: String::new(),
        }
    }

    /// xorshift64*: cheap, deterministic, good enough to spread keys.
    fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// The next event as (key, value, succeeded); the slices live until the next call.
    pub fn next_event(&mut self, ts_ms: i64) -> (&[u8], &[u8], bool) {
        let account = self.next_u64() % self.accounts;
        let cents = self.next_u64() % 100_000;
        let succeeded = self.next_u64() % 100 < SUCCESS_PERCENT;
        self.event(account, cents, succeeded, ts_ms)
    }

    /// A SUCCESS event of account number `account` (the benchmark's
    /// stream-time markers), as (key, value); the slices live until the next call.
    pub fn success_of(&mut self, account: u64, ts_ms: i64) -> (&[u8], &[u8]) {
        let cents = self.next_u64() % 100_000;
        let (key, value, _) = self.event(account % self.accounts, cents, true, ts_ms);
        (key, value)
    }

    fn event(
        &mut self,
        account: u64,
        cents: u64,
        succeeded: bool,
        ts_ms: i64,
    ) -> (&[u8], &[u8], bool) {
        let currency = CURRENCIES[(self.next_u64() % CURRENCIES.len() as u64) as usize];
        self.key.clear();
        self.value.clear();
        // Writing to a String cannot fail.
        let _ = write!(self.key, "acct-{account:011}");
        let _ = write!(
            self.value,
            r#"{{"id":{},"account":"{}","amount":{}.{:02},"currency":"{currency}","status":"{}","ts":{ts_ms}}}"#,
            self.next_id,
            self.key,
            cents / 100,
            cents % 100,
            if succeeded { "SUCCESS" } else { "FAILED" },
        );
        self.next_id += 1;
        (self.key.as_bytes(), self.value.as_bytes(), succeeded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_have_16_byte_keys_and_parse_as_payments() {
        let mut g = PaymentGenerator::new(7, 1000);
        let mut successes = 0;
        for _ in 0..1000 {
            let (key, value, ok) = g.next_event(1_752_000_000_000);
            assert_eq!(key.len(), 16);
            assert!((95..=115).contains(&value.len()), "{} bytes", value.len());
            let p: Payment = serde_json::from_slice(value).unwrap();
            assert_eq!(p.account.as_bytes(), key);
            assert_eq!(p.succeeded(), ok);
            successes += usize::from(ok);
        }
        assert!((700..900).contains(&successes), "{successes} successes");
    }

    #[test]
    fn cents_round_like_java() {
        let mut g = PaymentGenerator::new(1, 10);
        let (_, value, _) = g.next_event(0);
        let p: Payment = serde_json::from_slice(value).unwrap();
        let c = PaymentCents::from(p.clone());
        assert_eq!(c.cents, (p.amount * 100.0).round() as i64);
    }
}
