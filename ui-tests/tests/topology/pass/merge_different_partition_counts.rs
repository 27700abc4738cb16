//! Kafka Streams merges streams of topics with different partition counts:
//! only the two sides of a join must be co-partitioned.
use kstreams::serde::I64;
use kstreams::{topology, StreamsBuilder, Topic};

const ORDERS: Topic<String, I64, 4> = Topic::new("orders");
const REFUNDS: Topic<String, I64, 8> = Topic::new("refunds");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[topology]
fn money(b: &mut StreamsBuilder) {
    b.stream(ORDERS).merge(&b.stream(REFUNDS)).to(OUT);
}

fn main() {
    let described = money().unwrap().describe().to_string();
    assert!(described.contains("KSTREAM-MERGE-"), "{described}");
}
