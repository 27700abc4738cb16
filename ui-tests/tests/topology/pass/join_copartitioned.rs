//! Stream-table and table-table joins of co-partitioned topics (the same
//! declared partition count) compile, and build the joins. (The tables are
//! in memory: the ui-tests build kstreams without RocksDB.)
use kstreams::dsl::Materialized;
use kstreams::serde::I64;
use kstreams::{topology, StreamsBuilder, Topic};

const ORDERS: Topic<String, I64, 4> = Topic::new("orders");
const PRICES: Topic<String, I64, 4> = Topic::new("prices");
const DISCOUNTS: Topic<String, I64, 4> = Topic::new("discounts");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[topology]
fn priced(b: &mut StreamsBuilder) {
    let prices = b.table_with(PRICES, Materialized::new().in_memory());
    let discounts = b.table_with(DISCOUNTS, Materialized::new().in_memory());
    let net = prices.left_join(&discounts, |p: &i64, d: Option<&i64>| {
        p - d.copied().unwrap_or(0)
    });
    b.stream(ORDERS).join(&net, |qty: &i64, price: &i64| qty * price).to(OUT);
}

fn main() {
    let described = priced().unwrap().describe().to_string();
    assert!(described.contains("KSTREAM-JOIN-"), "{described}");
    assert!(described.contains("KTABLE-MERGE-"), "{described}");
}
