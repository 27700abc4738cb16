use kstreams::serde::I64;
use kstreams::{processor, topology, StreamsBuilder, Topic};

const CLICKS: Topic<String, I64, 4> = Topic::new("clicks");
const BUYS: Topic<String, I64, 4> = Topic::new("buys");
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
    b.add_sink("out-sink", OUT, ["double"]);
}

#[topology]
fn fluent(b: &mut StreamsBuilder) {
    b.stream(CLICKS).merge(&b.stream(BUYS)).via(double).to(OUT);
}

fn main() {
    let topology = cogroup().unwrap();
    assert!(topology.describe().to_string().contains("Processor: double"));
    assert!(cogroup::DESCRIPTION.contains("processor \"double\""));
    fluent().unwrap();
    assert!(fluent::DESCRIPTION.contains("stream(CLICKS)"));
}
