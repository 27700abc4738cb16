use kstreams::serde::I64;
use kstreams::{topology, StreamsBuilder, Topic};

const IN: Topic<String, I64, 4> = Topic::new("in");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[topology]
fn recent(b: &mut StreamsBuilder) {
    let windows = kstreams::TimeWindows::tumbling::<0>();
    b.stream(IN).filter(move |_, v| *v < windows.size_ms() as i64).to(OUT);
}

fn main() {}
