//! Two tables of different partition counts joined: neither side can be
//! repartitioned, so the topics' counts must match.
use kstreams::serde::I64;
use kstreams::{topology, StreamsBuilder, Topic};

const PRICES: Topic<String, I64, 4> = Topic::new("prices");
const DISCOUNTS: Topic<String, I64, 8> = Topic::new("discounts");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[topology]
fn net_prices(b: &mut StreamsBuilder) {
    let discounts = b.table(DISCOUNTS);
    b.table(PRICES).join(&discounts, |p: &i64, d: &i64| p - d).to_stream().to(OUT);
}

fn main() {}
