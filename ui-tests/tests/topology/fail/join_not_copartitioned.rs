//! A stream joined with a table of another partition count: records with
//! the same key would land in different tasks.
use kstreams::serde::I64;
use kstreams::{topology, StreamsBuilder, Topic};

const ORDERS: Topic<String, I64, 4> = Topic::new("orders");
const PRICES: Topic<String, I64, 2> = Topic::new("prices");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[topology]
fn priced(b: &mut StreamsBuilder) {
    let prices = b.table(PRICES);
    b.stream(ORDERS).join(&prices, |qty: &i64, price: &i64| qty * price).to(OUT);
}

fn main() {}
