//! The table side of the `stream-table-join` benchmark: one account row per
//! account key (written once by `bench_load produce --table-topic`), and the
//! joined output value.
//!
//! The JSON shapes are the ones `bench/java` (`Account.java`,
//! `PaymentEnriched.java`) reads and writes:
//! `{"account":"acct-00000000042","country":"DE","tier":"GOLD"}`.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::payment::Payment;

/// An account row, as the join topology reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// The account key.
    pub account: String,
    /// ISO country code.
    pub country: String,
    /// `BASIC`, `GOLD` or `PLATINUM`.
    pub tier: String,
}

/// The join's output value: a payment with its account's country and tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentEnriched {
    /// Sequence number of the event.
    pub id: u64,
    /// The account.
    pub account: String,
    /// The amount in cents.
    pub cents: i64,
    /// ISO currency code.
    pub currency: String,
    /// The account's country.
    pub country: String,
    /// The account's tier.
    pub tier: String,
    /// Producer time of the payment, ms since the epoch.
    pub ts: i64,
}

impl PaymentEnriched {
    /// The joiner of the `stream-table-join` topology.
    pub fn join(p: &Payment, a: &Account) -> Self {
        PaymentEnriched {
            id: p.id,
            account: p.account.clone(),
            cents: (p.amount * 100.0).round() as i64,
            currency: p.currency.clone(),
            country: a.country.clone(),
            tier: a.tier.clone(),
            ts: p.ts,
        }
    }
}

const COUNTRIES: [&str; 6] = ["DE", "FR", "NL", "CH", "GB", "US"];
const TIERS: [&str; 3] = ["BASIC", "GOLD", "PLATINUM"];

/// The account key of account number `n` (the payment generator's keys).
pub fn account_key(n: u64) -> String {
    format!("acct-{n:011}")
}

/// The row of account number `n` as (key, JSON value), without serde.
pub fn account_row(n: u64) -> (String, String) {
    let key = account_key(n);
    let mut value = String::new();
    // Writing to a String cannot fail.
    let _ = write!(
        value,
        r#"{{"account":"{key}","country":"{}","tier":"{}"}}"#,
        COUNTRIES[(n % COUNTRIES.len() as u64) as usize],
        TIERS[(n / 7 % TIERS.len() as u64) as usize],
    );
    (key, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::payment::PaymentGenerator;

    #[test]
    fn rows_parse_and_match_the_payment_keys() {
        let (key, value) = account_row(42);
        let a: Account = serde_json::from_str(&value).unwrap();
        assert_eq!(
            (a.account.as_str(), key.as_str()),
            ("acct-00000000042", "acct-00000000042")
        );
        let mut g = PaymentGenerator::new(3, 1);
        let (k, v, _) = g.next_event(5);
        assert_eq!(k, account_key(0).as_bytes());
        let p: Payment = serde_json::from_slice(v).unwrap();
        let e = PaymentEnriched::join(&p, &a);
        assert_eq!((e.country.as_str(), e.ts), ("DE", 5));
    }
}
