use kstreams::serde::I64;
use kstreams::{processor, topology, StreamsBuilder, Topic};

const IN: Topic<String, I64, 4> = Topic::new("in");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[processor]
fn double(v: i64) -> i64 {
    v * 2
}

#[topology]
fn twice(b: &mut StreamsBuilder) {
    b.add_source("source", IN);
    b.add_processor("double", double, ["source"]);
    b.add_processor("double", double, ["source"]);
    b.add_sink("sink", OUT, ["double"]);
}

fn main() {}
