use std::time::Duration;

use kstreams::dsl::{Materialized, SessionWindows};
use kstreams::serde::I64;
use kstreams::{topology, StreamsBuilder, Topic};

const VIEWS: Topic<String, String, 4> = Topic::new("views");
const RETENTION: Duration = Duration::from_secs(5 * 60);

#[topology]
fn visits(b: &mut StreamsBuilder) {
    b.stream(VIEWS)
        .group_by_key()
        .windowed_by(SessionWindows::of_inactivity_gap_and_grace(Duration::from_secs(30 * 60), Duration::from_secs(60)))
        .count_with(Materialized::<String, I64>::as_("visits").in_memory().with_retention(RETENTION));
}

fn main() {}
