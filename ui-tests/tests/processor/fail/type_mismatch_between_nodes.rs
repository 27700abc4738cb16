use kstreams::serde::I64;
use kstreams::{processor, StreamsBuilder, Topic};

const IN: Topic<String, I64, 1> = Topic::new("amounts");

#[processor]
fn shout(line: String) -> String {
    line.to_uppercase()
}

fn main() {
    let b = StreamsBuilder::new();
    b.stream(IN).via(shout);
}
