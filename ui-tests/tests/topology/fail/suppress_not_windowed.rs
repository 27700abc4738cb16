use kstreams::dsl::{BufferConfig, StreamsBuilder, Suppressed, Topic};
use kstreams::serde::I64;

const CLICKS: Topic<String, String, 1> = Topic::new("clicks");
const FINAL: Topic<String, I64, 1> = Topic::new("final-counts");

fn topology() {
    let b = StreamsBuilder::new();
    b.stream(CLICKS)
        .group_by_key()
        .count()
        .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
        .to_stream()
        .to(FINAL);
}

fn main() {
    let _ = topology;
}
