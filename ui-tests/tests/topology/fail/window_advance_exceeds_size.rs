use kstreams::serde::I64;
use kstreams::{topology, StreamsBuilder, Topic};

const IN: Topic<String, I64, 4> = Topic::new("in");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[topology]
fn recent(b: &mut StreamsBuilder) {
    // Size and advance swapped: 10 s windows every 60 s leave 50 s gaps.
    let windows = kstreams::TimeWindows::hopping::<10_000, 60_000>();
    b.stream(IN).filter(move |_, v| *v < windows.size_ms() as i64).to(OUT);
}

fn main() {}
