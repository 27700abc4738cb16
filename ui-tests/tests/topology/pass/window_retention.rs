use std::time::Duration;

use kstreams::dsl::{Materialized, SessionWindows, SlidingWindows, TimeWindows};
use kstreams::serde::I64;
use kstreams::{topology, StreamsBuilder, Topic};

const VIEWS: Topic<String, String, 1> = Topic::new("views");
const PER_MINUTE: TimeWindows = TimeWindows::of_size_and_grace(Duration::from_secs(60), Duration::from_secs(30));

#[topology]
fn counts(b: &mut StreamsBuilder) {
    let grouped = b.stream(VIEWS).group_by_key();
    // Exactly size + grace, and longer: fine.
    grouped
        .windowed_by(PER_MINUTE)
        .count_with(Materialized::<String, I64>::as_("per-minute").in_memory().with_retention(Duration::from_secs(90)));
    grouped
        .windowed_by(SlidingWindows::of_time_difference_and_grace(Duration::from_secs(60), Duration::ZERO))
        .count_with(Materialized::<String, I64>::as_("sliding").in_memory().with_retention(Duration::from_secs(60 * 60)));
    grouped
        .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(Duration::from_secs(60)))
        .count_with(Materialized::<String, I64>::as_("sessions").in_memory());
}

/// A retention computed at run time is checked by `build()`, as in Java.
#[topology]
fn too_short_at_run_time(b: &mut StreamsBuilder) {
    let retention = Duration::from_secs(std::env::args().count() as u64);
    b.stream(VIEWS)
        .group_by_key()
        .windowed_by(PER_MINUTE)
        .count_with(Materialized::<String, I64>::as_("per-minute").in_memory().with_retention(retention));
}

fn main() {
    assert!(counts().is_ok());
    let error = too_short_at_run_time().expect_err("1 s is shorter than 60 s + 30 s");
    assert!(
        error.to_string().contains("must be no smaller than its window size plus the grace period"),
        "{error}"
    );
}
