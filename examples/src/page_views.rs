//! Page views, two windowed counts of one stream (seed 003 §6):
//!
//! - per page per minute: `page-views` (page → user) → `group_by_key` →
//!   `windowed_by(1 min, 10 s grace)` → `count` →
//!   `suppress(until_window_closes)` → `views-per-minute`. A view up to
//!   10 s late still counts in its minute; a later one is dropped (and
//!   counted in `dropped-records-total`); each (page, minute) is written
//!   once, when stream time passes its end + grace;
//! - per user visit: `select_key(user)` → `group_by_key` (repartitioned by
//!   user) → `windowed_by(sessions: 1 min inactivity gap, 3 min grace)` →
//!   `count` → `suppress(until_window_closes)` → `user-sessions`. A visit
//!   lasts while its views are less than a minute apart; a view between
//!   two visits merges them; each visit is written once, when stream time
//!   passes its end + gap + grace.

use std::time::Duration;

use kstreams::dsl::{BufferConfig, SessionWindows, StreamsBuilder, Suppressed, TimeWindows, Topic};
use kstreams::processor::partitioner::partition_for_key;
use kstreams::serde::{SessionWindowed, TimeWindowed, I64};
use kstreams::{Result, Topology};

/// Partitions of every topic.
pub const PARTITIONS: u32 = 2;
/// Input: page → user, timestamped when the page was viewed.
pub const PAGE_VIEWS: Topic<String, String, PARTITIONS> = Topic::new("page-views");
/// Output: (page, minute) → views, once per window.
pub const VIEWS_PER_MINUTE: Topic<TimeWindowed<String, 60_000>, I64, PARTITIONS> =
    Topic::new("views-per-minute");

/// Output: (user, visit) → views, once per visit.
pub const USER_SESSIONS: Topic<SessionWindowed<String>, I64, PARTITIONS> =
    Topic::new("user-sessions");

/// One-minute windows accepting views up to 10 s late.
pub const MINUTES: TimeWindows =
    TimeWindows::of_size_and_grace(Duration::from_secs(60), Duration::from_secs(10));

/// Visits: a user's views less than a minute apart, accepting views up to
/// 3 min late (the user-keyed stream interleaves the page partitions, so
/// its stream time runs ahead of some views).
pub const VISITS: SessionWindows =
    SessionWindows::of_inactivity_gap_and_grace(Duration::from_secs(60), Duration::from_secs(180));

/// The topology on the default topics.
pub fn topology() -> Result<Topology> {
    topology_with(PAGE_VIEWS, VIEWS_PER_MINUTE, USER_SESSIONS)
}

/// The topology on the given topics.
pub fn topology_with(
    views: Topic<String, String, PARTITIONS>,
    per_minute: Topic<TimeWindowed<String, 60_000>, I64, PARTITIONS>,
    sessions: Topic<SessionWindowed<String>, I64, PARTITIONS>,
) -> Result<Topology> {
    let b = StreamsBuilder::new();
    let views = b.stream(views);
    views
        .group_by_key()
        .windowed_by(MINUTES)
        .count()
        .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
        .to_stream()
        .to(per_minute);
    views
        .select_key(|_page, user| user.clone())
        .group_by_key()
        .windowed_by(VISITS)
        .count()
        .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
        .to_stream()
        .to(sessions);
    b.build()
}

/// A sample of views (page, user, ms after `base`, a minute boundary):
/// three minutes of traffic on three pages by five users, one view 2 s
/// late (counted in its minute) and one 64 s late (dropped from its
/// minute, but within the grace of its user's visit). Follow it with
/// [`closers`].
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

/// One view per partition at `at` ms after `base` (pages `/closer-N` and
/// users `closer-N` chosen so that each partition of the page-keyed and of
/// the user-keyed stream gets one): stream time passes every earlier
/// window's and visit's close in every task, so every final is due.
pub fn closers(at: i64) -> Vec<(String, String, i64)> {
    let on = |p: u32, prefix: &str| {
        (0..)
            .map(|n| format!("{prefix}{n}"))
            .find(|key| partition_for_key(key.as_bytes(), PARTITIONS) == p as i32)
            .unwrap_or_default()
    };
    (0..PARTITIONS)
        .flat_map(|p| {
            [
                (on(p, "/closer-"), "nobody".to_owned(), at),
                ("/closer".to_owned(), on(p, "closer-"), at),
            ]
        })
        .collect()
}

/// The event time after which every final of the sample is due:
/// [`closers`] at this time close every minute and every visit.
pub const CLOSE_AT: i64 = 600_000;

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

/// The visits the sample must give: (user, first view, last view, views).
pub fn expected_sessions() -> Vec<(&'static str, i64, i64, i64)> {
    vec![
        ("ann", 1_000, 58_000, 3),
        ("bob", 12_000, 61_000, 2),
        ("cat", 30_500, 75_000, 2),
        ("dan", 59_000, 59_000, 1),
        ("eve", 66_000, 66_000, 1),
        ("bob", 122_000, 122_000, 1),
        ("dan", 130_000, 130_000, 1),
    ]
}
