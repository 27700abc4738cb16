use kstreams::serde::{Json, I64};
use kstreams::{processor, StreamsBuilder, Topic};

#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Payment {
    pub cents: i64,
    pub ok: bool,
}

const PAYMENTS: Topic<String, Json<Payment>, 4> = Topic::new("payments");
const CENTS: Topic<String, I64, 4> = Topic::new("cents");
const WORDS: Topic<String, String, 4> = Topic::new("words");

/// Filter on the value.
#[processor]
fn successful(p: &Payment) -> bool {
    p.ok
}

/// Filter on key and value.
#[processor]
fn known_customer(key: &String, _p: &Payment) -> bool {
    !key.is_empty()
}

/// Value mapper.
#[processor]
fn to_cents(p: Payment) -> i64 {
    p.cents
}

/// Key-changing mapper.
#[processor]
fn by_amount(key: String, cents: i64) -> (String, i64) {
    (format!("{key}:{cents}"), cents)
}

/// Value flat-mapper.
#[processor]
fn digits(cents: i64) -> Vec<String> {
    cents.to_string().chars().map(String::from).collect()
}

/// Flat-mapper.
#[processor]
fn pairs(key: String, digit: String) -> impl IntoIterator<Item = (String, String)> {
    [(key.clone(), digit.clone()), (digit, key)]
}

fn main() {
    let b = StreamsBuilder::new();
    let cents = b.stream(PAYMENTS).via(successful).via(known_customer).via(to_cents).via(by_amount);
    cents.to(CENTS);
    cents.via(digits).via(pairs).to(WORDS);
    b.build().unwrap();
    assert!(successful(&Payment { cents: 1, ok: true }));
    assert_eq!(to_cents(Payment { cents: 7, ok: true }), 7);
}
