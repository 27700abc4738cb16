use kstreams::dsl::TimeWindows;
use kstreams::serde::I64;
use kstreams::{topology, StreamsBuilder, Topic};

const IN: Topic<String, I64, 4> = Topic::new("in");
const OUT: Topic<String, I64, 4> = Topic::new("out");

const TUMBLING: TimeWindows = TimeWindows::tumbling::<60_000>();
const HOPPING: TimeWindows = TimeWindows::hopping::<60_000, 10_000>();

#[topology]
fn recent(b: &mut StreamsBuilder) {
    let windows = TimeWindows::hopping::<60_000, 60_000>();
    b.stream(IN).filter(move |_, v| *v < windows.size_ms() as i64).to(OUT);
}

fn main() {
    assert_eq!(TUMBLING.size_ms(), HOPPING.size_ms());
    assert!(recent().is_ok());
}
