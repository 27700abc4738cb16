use kstreams::serde::I64;
use kstreams::{processor, topology, StreamsBuilder, Topic};

const LINES: Topic<String, String, 1> = Topic::new("lines");
const OUT: Topic<String, I64, 1> = Topic::new("out");

#[processor]
fn double(v: i64) -> i64 {
    v * 2
}

#[topology]
fn doubled(b: &mut StreamsBuilder) {
    b.add_source("lines-source", LINES);
    b.add_processor("double", double, ["lines-source"]);
    b.add_sink("sink", OUT, ["double"]);
}

fn main() {}
