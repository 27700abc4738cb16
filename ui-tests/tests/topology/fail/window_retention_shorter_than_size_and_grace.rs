use std::time::Duration;

use kstreams::dsl::{Materialized, TimeWindows};
use kstreams::serde::I64;
use kstreams::{topology, StreamsBuilder, Topic};

const VIEWS: Topic<String, String, 4> = Topic::new("views");

/// One-minute windows accepting records up to 30 s late.
const PER_MINUTE: TimeWindows = TimeWindows::of_size_and_grace(Duration::from_secs(60), Duration::from_secs(30));

#[topology]
fn views_per_minute(b: &mut StreamsBuilder) {
    // 60 s < 60 s size + 30 s grace: windows would vanish before they close.
    b.stream(VIEWS)
        .group_by_key()
        .windowed_by(PER_MINUTE)
        .count_with(Materialized::<String, I64>::as_("views").with_retention(Duration::from_secs(60)));
}

fn main() {}
