//! The page-views example through the TopologyTestDriver: exact final
//! counts per page and minute, the late view dropped and counted; exact
//! final visits per user, the same late view merged into its visit.

use kstreams::test_driver::TopologyTestDriver;
use kstreams_examples::page_views::{
    closers, expected_finals, expected_sessions, sample, topology, CLOSE_AT, PAGE_VIEWS,
    USER_SESSIONS, VIEWS_PER_MINUTE,
};

#[test]
fn one_final_count_per_page_and_minute_and_per_user_visit() -> kstreams::Result<()> {
    let driver = TopologyTestDriver::new(topology()?)?;
    let mut views = driver.create_input_topic(PAGE_VIEWS);
    for (page, user, at) in sample() {
        views.pipe_input_with_timestamp(page, user, at)?;
    }
    let out = driver.create_output_topic(VIEWS_PER_MINUTE);
    let sessions = driver.create_output_topic(USER_SESSIONS);
    let early: Vec<_> = out.read_key_values_to_vec()?;
    assert!(
        early.len() < expected_finals().len(),
        "the last minutes wait for stream time: {early:?}"
    );
    assert!(
        sessions.is_empty(),
        "no visit closes before stream time passes its end + 1 min gap + 3 min grace"
    );
    for (page, user, at) in closers(CLOSE_AT) {
        views.pipe_input_with_timestamp(page, user, at)?;
    }
    let mut finals: Vec<(String, i64, i64)> = early
        .into_iter()
        .chain(out.read_key_values_to_vec()?)
        .map(|(w, n)| (w.key, w.window.start_ms, n))
        .collect();
    finals.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    let expected: Vec<(String, i64, i64)> = expected_finals()
        .into_iter()
        .map(|(p, s, n)| (p.to_owned(), s, n))
        .collect();
    assert_eq!(finals, expected);
    assert_eq!(
        driver.metrics().dropped_records_total(),
        1,
        "the view 64 s late for its minute (its visit takes it)"
    );

    let mut visits: Vec<(String, i64, i64, i64)> = sessions
        .read_key_values_to_vec()?
        .into_iter()
        .map(|(s, n)| (s.key, s.window.start_ms, s.window.end_ms, n))
        .collect();
    visits.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    let expected: Vec<(String, i64, i64, i64)> = expected_sessions()
        .into_iter()
        .map(|(u, start, end, n)| (u.to_owned(), start, end, n))
        .collect();
    assert_eq!(
        visits, expected,
        "one final count per visit, merged visits only once"
    );
    Ok(())
}
