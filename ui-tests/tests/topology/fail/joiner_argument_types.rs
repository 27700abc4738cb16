//! A joiner whose arguments are not the joined values: the table's values
//! are `i32`, the joiner takes `&String`.
use kstreams::serde::{I32, U64};
use kstreams::{topology, StreamsBuilder, Topic};

const ORDERS: Topic<String, U64, 4> = Topic::new("orders");
const PRICES: Topic<String, I32, 4> = Topic::new("prices");
const OUT: Topic<String, U64, 4> = Topic::new("out");

#[topology]
fn priced(b: &mut StreamsBuilder) {
    let prices = b.table(PRICES);
    b.stream(ORDERS).join(&prices, |qty: &u64, price: &String| qty * price.len() as u64).to(OUT);
}

fn main() {}
