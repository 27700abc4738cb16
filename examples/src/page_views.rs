//! Page views per page per minute, one final count per window (seed 003
//! §6): `page-views` (page → user) → `group_by_key` →
//! `windowed_by(1 min, 10 s grace)` → `count` →
//! `suppress(until_window_closes)` → `views-per-minute`.
//!
//! A view up to 10 s late still counts in its minute; a later one is
//! dropped (and counted in `dropped-records-total`); each (page, minute)
//! is written once, when stream time passes its end + grace.

use std::time::Duration;

use kstreams::dsl::{BufferConfig, StreamsBuilder, Suppressed, TimeWindows, Topic};
use kstreams::processor::partitioner::partition_for_key;
use kstreams::serde::{TimeWindowed, I64};
use kstreams::{Result, Topology};

/// Partitions of both topics.
pub const PARTITIONS: u32 = 2;
/// Input: page → user, timestamped when the page was viewed.
pub const PAGE_VIEWS: Topic<String, String, PARTITIONS> = Topic::new("page-views");
/// Output: (page, minute) → views, once per window.
pub const VIEWS_PER_MINUTE: Topic<TimeWindowed<String, 60_000>, I64, PARTITIONS> =
    Topic::new("views-per-minute");

/// One-minute windows accepting views up to 10 s late.
pub const MINUTES: TimeWindows =
    TimeWindows::of_size_and_grace(Duration::from_secs(60), Duration::from_secs(10));

/// The topology on the default topics.
pub fn topology() -> Result<Topology> {
    topology_with(PAGE_VIEWS, VIEWS_PER_MINUTE)
}

/// The topology on the given topics.
pub fn topology_with(
    views: Topic<String, String, PARTITIONS>,
    per_minute: Topic<TimeWindowed<String, 60_000>, I64, PARTITIONS>,
) -> Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream(views)
        .group_by_key()
        .windowed_by(MINUTES)
        .count()
        .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
        .to_stream()
        .to(per_minute);
    b.build()
}

/// A sample of views (page, user, ms after `base`, a minute boundary):
/// three minutes of traffic on three pages, one view 2 s late (counted)
/// and one 64 s late (dropped). Follow it with [`closers`].
pub fn sample() -> Vec<(&'static str, &'static str, i64)> {
    vec![
        ("/home", "ann", 1_000),
        ("/pricing", "bob", 12_000),
        ("/home", "cat", 30_500),
        ("/docs", "ann", 45_000),
        ("/home", "bob", 61_000),
        ("/home", "dan", 59_000), // 2 s behind: still minute 0
        ("/pricing", "cat", 75_000),
        ("/home", "eve", 66_000),
        ("/docs", "bob", 122_000),
        ("/home", "ann", 58_000), // 64 s behind: minute 0 closed, dropped
        ("/pricing", "dan", 130_000),
    ]
}

/// One view per partition at `at` ms after `base` (pages `/closer-N`
/// chosen so that each partition gets one): stream time passes every
/// earlier window's end + grace in every task, so every final is due.
pub fn closers(at: i64) -> Vec<(String, &'static str, i64)> {
    (0..PARTITIONS)
        .map(|p| {
            let page = (0..)
                .map(|n| format!("/closer-{n}"))
                .find(|page| partition_for_key(page.as_bytes(), PARTITIONS) == p as i32)
                .unwrap_or_default();
            (page, "nobody", at)
        })
        .collect()
}

/// The final counts the sample must give: (page, window start, views).
pub fn expected_finals() -> Vec<(&'static str, i64, i64)> {
    vec![
        ("/docs", 0, 1),
        ("/home", 0, 3),
        ("/pricing", 0, 1),
        ("/home", 60_000, 2),
        ("/pricing", 60_000, 1),
        ("/docs", 120_000, 1),
        ("/pricing", 120_000, 1),
    ]
}
