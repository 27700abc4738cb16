use kstreams::serde::I64;
use kstreams::{StreamsBuilder, Topic};

const WORDS: Topic<String, String, 1> = Topic::new("words");
const COUNTS: Topic<String, I64, 1> = Topic::new("counts");

fn main() {
    let b = StreamsBuilder::new();
    b.stream(WORDS).to(COUNTS);
}
