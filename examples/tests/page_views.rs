//! The page-views example through the TopologyTestDriver: exact final
//! counts per page and minute, the late view dropped and counted.

use kstreams::test_driver::TopologyTestDriver;
use kstreams_examples::page_views::{
    closers, expected_finals, sample, topology, PAGE_VIEWS, VIEWS_PER_MINUTE,
};

#[test]
fn one_final_count_per_page_and_minute() -> kstreams::Result<()> {
    let driver = TopologyTestDriver::new(topology()?)?;
    let mut views = driver.create_input_topic(PAGE_VIEWS);
    for (page, user, at) in sample() {
        views.pipe_input_with_timestamp(page, user, at)?;
    }
    let out = driver.create_output_topic(VIEWS_PER_MINUTE);
    let early: Vec<_> = out.read_key_values_to_vec()?;
    assert!(
        early.len() < expected_finals().len(),
        "the last minutes wait for stream time: {early:?}"
    );
    for (page, user, at) in closers(300_000) {
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
        "the view 64 s late"
    );
    Ok(())
}
