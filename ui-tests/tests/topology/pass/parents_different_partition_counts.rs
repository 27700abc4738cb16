//! A processor with two parents is a merge in the Processor API: as in
//! Kafka Streams (`Topology.addProcessor("p", .., "a", "b")`), its parents
//! may read topics with different partition counts.
use kstreams::serde::I64;
use kstreams::{processor, topology, StreamsBuilder, Topic};

const CLICKS: Topic<String, I64, 4> = Topic::new("clicks");
const BUYS: Topic<String, I64, 6> = Topic::new("buys");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[processor]
fn double(v: i64) -> i64 {
    v * 2
}

#[topology]
fn cogroup(b: &mut StreamsBuilder) {
    b.add_source("clicks-source", CLICKS);
    b.add_source("buys-source", BUYS);
    b.add_processor("double", double, ["clicks-source", "buys-source"]);
    b.add_sink("sink", OUT, ["double"]);
}

fn main() {
    cogroup().unwrap();
}
