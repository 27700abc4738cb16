//! Session windows in the TopologyTestDriver, against Kafka Streams'
//! `KStreamSessionWindowAggregate`: session creation, extension, a record
//! bridging two sessions (tombstones for the merged-away sessions first),
//! out-of-order records within grace, late records dropped and counted
//! (close = stream time − grace − gap, Java's condition), the session-store
//! changelog, reduce over merges, and `suppress(until_window_closes)`.
//!
//! Expected outputs are derived by hand from Java's algorithm: a record at
//! `t` merges the sessions found by `findSessions(key, t − gap, t + gap)`,
//! and every result carries its session's end as timestamp.

use std::time::Duration;

use kstreams::dsl::{
    BufferConfig, Materialized, SessionWindows, StreamsBuilder, Suppressed, Topic,
};
use kstreams::serde::{SessionWindowed, I64};
use kstreams::test_driver::TopologyTestDriver;

const EVENTS: Topic<String, String, 1> = Topic::new("events");
const SESSIONS: Topic<SessionWindowed<String>, Option<I64>, 1> = Topic::new("sessions");
const FINAL: Topic<SessionWindowed<String>, I64, 1> = Topic::new("final-sessions");
const PATHS: Topic<SessionWindowed<String>, Option<String>, 1> = Topic::new("paths");

/// `(key, start, end, value, timestamp)` of one output record.
type Row<V> = (String, i64, i64, V, i64);

fn rows<V>(records: Vec<kstreams::Record<kstreams::serde::Windowed<String>, V>>) -> Vec<Row<V>> {
    records
        .into_iter()
        .map(|r| {
            (
                r.key.key,
                r.key.window.start_ms,
                r.key.window.end_ms,
                r.value,
                r.timestamp,
            )
        })
        .collect()
}

fn row<V>(key: &str, start: i64, end: i64, value: V, timestamp: i64) -> Row<V> {
    (key.to_owned(), start, end, value, timestamp)
}

fn session_counts(windows: SessionWindows) -> kstreams::Result<TopologyTestDriver> {
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .windowed_by(windows)
        .count_with(Materialized::<String, I64>::as_("session-counts"))
        .to_changelog_stream()
        .to(SESSIONS);
    TopologyTestDriver::new(b.build()?)
}

#[test]
fn sessions_are_created_extended_and_merged_with_tombstones_first() -> kstreams::Result<()> {
    // gap 10, grace 20: a session closes 30 ms after its end.
    let d = session_counts(SessionWindows::of_inactivity_gap_and_grace(
        Duration::from_millis(10),
        Duration::from_millis(20),
    ))?;
    let mut input = d.create_input_topic(EVENTS);
    let out = d.create_output_topic(SESSIONS);

    input.pipe_input_with_timestamp("a", "x", 0)?; // new session [0,0]
    assert_eq!(
        rows(out.read_records_to_vec()?),
        vec![row("a", 0, 0, Some(1), 0)]
    );

    input.pipe_input_with_timestamp("a", "x", 5)?; // finds [0,0]: extends it to [0,5]
    assert_eq!(
        rows(out.read_records_to_vec()?),
        vec![row("a", 0, 0, None, 0), row("a", 0, 5, Some(2), 5)]
    );

    input.pipe_input_with_timestamp("a", "x", 20)?; // findSessions(10, 30): [0,5] ends too early
    assert_eq!(
        rows(out.read_records_to_vec()?),
        vec![row("a", 20, 20, Some(1), 20)]
    );

    // Out of order (stream time 20), within grace: findSessions(2, 22)
    // finds [0,5] and [20,20]; merged [0,20] = 2 + 1 + 1.
    input.pipe_input_with_timestamp("a", "x", 12)?;
    assert_eq!(
        rows(out.read_records_to_vec()?),
        vec![
            row("a", 0, 5, None, 5),
            row("a", 20, 20, None, 20),
            row("a", 0, 20, Some(4), 20),
        ]
    );

    input.pipe_input_with_timestamp("b", "x", 3)?; // another key: its own session
    assert_eq!(
        rows(out.read_records_to_vec()?),
        vec![row("b", 3, 3, Some(1), 3)]
    );

    // Inside the gap after [0,20]: removed and re-put as [0,25].
    input.pipe_input_with_timestamp("a", "x", 25)?;
    assert_eq!(
        rows(out.read_records_to_vec()?),
        vec![row("a", 0, 20, None, 20), row("a", 0, 25, Some(5), 25)]
    );

    // The changelog of the session store: keys `[key][end][start]`, the
    // merged-away sessions deleted.
    let changelog = d.changelog("session-counts");
    let key = |end: i64, start: i64| {
        let mut k = b"a".to_vec();
        k.extend_from_slice(&end.to_be_bytes());
        k.extend_from_slice(&start.to_be_bytes());
        k
    };
    let last = changelog
        .iter()
        .rev()
        .find(|(k, _)| *k == key(20, 0))
        .map(|(_, v)| v.clone());
    assert_eq!(
        last,
        Some(None),
        "[0,20] was merged away: its changelog ends with a tombstone"
    );
    let last = changelog
        .iter()
        .rev()
        .find(|(k, _)| *k == key(25, 0))
        .map(|(_, v)| v.clone());
    assert_eq!(last, Some(Some(5i64.to_be_bytes().to_vec())));
    assert_eq!(d.metrics().dropped_records_total(), 0);
    Ok(())
}

#[test]
fn late_records_are_dropped_after_gap_plus_grace_and_counted() -> kstreams::Result<()> {
    // gap 10, grace 20: close = stream time − 30.
    let d = session_counts(SessionWindows::of_inactivity_gap_and_grace(
        Duration::from_millis(10),
        Duration::from_millis(20),
    ))?;
    let mut input = d.create_input_topic(EVENTS);
    let out = d.create_output_topic(SESSIONS);
    input.pipe_input_with_timestamp("a", "x", 100)?; // stream time 100, close 70
    input.pipe_input_with_timestamp("a", "x", 50)?; // [50,50] ends before 70: dropped
    input.pipe_input_with_timestamp("a", "x", 69)?; // 69 < 70: dropped
    input.pipe_input_with_timestamp("a", "x", 70)?; // 70 is not before the close: kept
    assert_eq!(
        rows(out.read_records_to_vec()?),
        vec![
            row("a", 100, 100, Some(1), 100),
            row("a", 70, 70, Some(1), 70)
        ]
    );
    assert_eq!(d.metrics().dropped_records_total(), 2);
    Ok(())
}

#[test]
fn reduce_merges_sessions_with_the_reducer_oldest_first() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .windowed_by(SessionWindows::of_inactivity_gap_and_grace(
            Duration::from_millis(10),
            Duration::from_millis(20),
        ))
        .reduce_with(
            |a, b| format!("{a}+{b}"),
            Materialized::<String, String>::as_("paths").in_memory(),
        )
        .to_changelog_stream()
        .to(PATHS);
    let d = TopologyTestDriver::new(b.build()?)?;
    let mut input = d.create_input_topic(EVENTS);
    input.pipe_input_with_timestamp("a", "x", 0)?;
    input.pipe_input_with_timestamp("a", "z", 20)?;
    // Bridges [0,0] and [20,20]: Java's reduce merger gives
    // reducer(reducer("x", "z"), "y").
    input.pipe_input_with_timestamp("a", "y", 10)?;
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        rows(d.create_output_topic(PATHS).read_records_to_vec()?),
        vec![
            row("a", 0, 0, s("x"), 0),
            row("a", 20, 20, s("z"), 20),
            row("a", 0, 0, None, 0),
            row("a", 20, 20, None, 20),
            row("a", 0, 20, s("x+z+y"), 20),
        ]
    );
    Ok(())
}

#[test]
fn suppress_emits_each_session_once_it_closed() -> kstreams::Result<()> {
    // gap 10, no grace: a session closes when stream time reaches end + 10.
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(
            Duration::from_millis(10),
        ))
        .count()
        .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
        .to_stream()
        .to(FINAL);
    let d = TopologyTestDriver::new(b.build()?)?;
    let mut input = d.create_input_topic(EVENTS);
    let out = d.create_output_topic(FINAL);
    input.pipe_input_with_timestamp("a", "x", 0)?; // [0,0]
    input.pipe_input_with_timestamp("a", "x", 5)?; // tombstone [0,0], [0,5] = 2
    input.pipe_input_with_timestamp("a", "x", 14)?; // tombstone [0,5], [0,14] = 3; [0,0] due, a tombstone: not emitted
    input.pipe_input_with_timestamp("b", "x", 15)?; // [15,15]; [0,5]'s tombstone due, not emitted
    assert!(out.is_empty());
    input.pipe_input_with_timestamp("a", "x", 30)?; // [30,30]; expiry 20: [0,14] and [15,15] are final
    assert_eq!(
        rows(out.read_records_to_vec()?),
        vec![row("a", 0, 14, 3, 14), row("b", 15, 15, 1, 15)]
    );
    input.pipe_input_with_timestamp("c", "x", 40)?; // expiry 30: [30,30] is final
    assert_eq!(
        rows(out.read_records_to_vec()?),
        vec![row("a", 30, 30, 1, 30)]
    );
    Ok(())
}

#[test]
fn suppress_breaks_ties_of_equal_session_ends_by_session_key_bytes() -> kstreams::Result<()> {
    // Two sessions ending at 10: "a" [5,10] and "a\0\0\0\0\0\0\0\x07" [10,10].
    // Java's buffer orders equal buffer times by the serialized windowed key,
    // `[key][end][start]` for sessions: "a" 00×7 0A.. (end 10) sorts after
    // "a" 00×7 07.. (the second key's own bytes). (By `[key][start]` it
    // would be "a" 00×7 05.. (start 5), before.)
    let odd = "a\0\0\0\0\0\0\0\x07";
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(
            Duration::from_millis(5),
        ))
        .count()
        .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
        .to_stream()
        .to(FINAL);
    let d = TopologyTestDriver::new(b.build()?)?;
    let mut input = d.create_input_topic(EVENTS);
    input.pipe_input_with_timestamp("a", "x", 5)?;
    input.pipe_input_with_timestamp("a", "x", 10)?; // [5,10] = 2
    input.pipe_input_with_timestamp(odd, "x", 10)?; // [10,10] = 1
    input.pipe_input_with_timestamp("z", "x", 15)?; // expiry 15 − 5 = 10: both close
    assert_eq!(
        rows(d.create_output_topic(FINAL).read_records_to_vec()?),
        vec![row(odd, 10, 10, 1, 10), row("a", 5, 10, 2, 10)]
    );
    Ok(())
}

/// Java's `KStreamSessionWindowAggregateProcessorTest.
/// shouldLogAndMeterWhenSkippingLateRecordWith{Zero,Nonzero}Grace`: gap 10;
/// Java logs "expiration=[1]" at stream time 11 with no grace and at 12
/// with grace 1, i.e. close = stream time − grace − gap.
#[test]
fn javas_late_record_cases_with_zero_and_nonzero_grace() -> kstreams::Result<()> {
    let gap = Duration::from_millis(10);
    let d = session_counts(SessionWindows::of_inactivity_gap_and_grace(
        gap,
        Duration::ZERO,
    ))?;
    let mut input = d.create_input_topic(EVENTS);
    input.pipe_input_with_timestamp("dummy", "dummy", 0)?;
    input.pipe_input_with_timestamp("OnTime1", "1", 0)?;
    input.pipe_input_with_timestamp("dummy", "dummy", 11)?;
    input.pipe_input_with_timestamp("Late1", "1", 0)?; // end 0 < 11 − 0 − 10
    let keys: Vec<String> = rows(d.create_output_topic(SESSIONS).read_records_to_vec()?)
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(keys, ["dummy", "OnTime1", "dummy"]);
    assert_eq!(d.metrics().dropped_records_total(), 1);

    let d = session_counts(SessionWindows::of_inactivity_gap_and_grace(
        gap,
        Duration::from_millis(1),
    ))?;
    let mut input = d.create_input_topic(EVENTS);
    input.pipe_input_with_timestamp("dummy", "dummy", 0)?;
    input.pipe_input_with_timestamp("OnTime1", "1", 0)?;
    input.pipe_input_with_timestamp("dummy", "dummy", 11)?;
    input.pipe_input_with_timestamp("OnTime2", "1", 0)?; // end 0 = 11 − 1 − 10: kept
    input.pipe_input_with_timestamp("dummy", "dummy", 12)?;
    input.pipe_input_with_timestamp("Late1", "1", 0)?; // end 0 < 12 − 1 − 10
    let keys: Vec<String> = rows(d.create_output_topic(SESSIONS).read_records_to_vec()?)
        .into_iter()
        .map(|r| r.0)
        .collect();
    // dummy@12 finds dummy's [11,11] (end 11 >= 12 − 10): tombstone, then [11,12].
    assert_eq!(
        keys,
        ["dummy", "OnTime1", "dummy", "OnTime2", "dummy", "dummy"]
    );
    assert_eq!(d.metrics().dropped_records_total(), 1);
    Ok(())
}

#[test]
fn describe_names_the_session_aggregate_and_its_store_as_java() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    b.stream(EVENTS)
        .group_by_key()
        .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(
            Duration::from_millis(10),
        ))
        .count()
        .to_changelog_stream()
        .to(SESSIONS);
    let description = b.build()?.describe().to_string();
    assert!(
        description.contains(
            "Processor: KSTREAM-AGGREGATE-0000000002 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000001])"
        ),
        "{description}"
    );
    Ok(())
}

/// Java's `to()` partitions windowed keys by the key alone
/// (`WindowedStreamPartitioner`, murmur2 of `serializeBaseKey`): every
/// session of a key lands in the partition the plain key would.
#[test]
fn windowed_keys_are_partitioned_by_their_base_key() -> kstreams::Result<()> {
    const IN4: Topic<String, String, 4> = Topic::new("events-4");
    const PLAIN4: Topic<String, String, 4> = Topic::new("plain-4");
    const SESSIONS4: Topic<SessionWindowed<String>, Option<I64>, 4> = Topic::new("sessions-4");
    let b = StreamsBuilder::new();
    let stream = b.stream(IN4);
    stream.to(PLAIN4);
    stream
        .group_by_key()
        .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(
            Duration::from_millis(10),
        ))
        .count()
        .to_changelog_stream()
        .to(SESSIONS4);
    let d = TopologyTestDriver::new(b.build()?)?;
    let mut input = d.create_input_topic(IN4);
    let keys: Vec<String> = (0..12).map(|i| format!("user-{i}")).collect();
    for (i, key) in keys.iter().enumerate() {
        input.pipe_input_with_timestamp(key.as_str(), "x", i as i64 * 100)?;
        input.pipe_input_with_timestamp(key.as_str(), "x", i as i64 * 100 + 5)?;
        // a merge: tombstone + session
    }
    let plain: std::collections::HashMap<String, Option<i32>> = d
        .create_output_topic(PLAIN4)
        .read_records_with_partition()?
        .into_iter()
        .map(|(p, r)| (r.key, p))
        .collect();
    let sessions = d
        .create_output_topic(SESSIONS4)
        .read_records_with_partition()?;
    assert_eq!(sessions.len(), 36);
    let mut used = std::collections::BTreeSet::new();
    for (partition, record) in sessions {
        assert_eq!(
            Some(&partition),
            plain.get(&record.key.key),
            "{:?}",
            record.key
        );
        used.insert(partition);
    }
    assert!(
        used.len() > 1,
        "12 keys should spread over several partitions: {used:?}"
    );
    Ok(())
}

/// Java forwards session results as new records (`maybeForwardUpdate`):
/// the input's headers are not carried over.
#[test]
fn session_results_carry_no_input_headers() -> kstreams::Result<()> {
    let d = session_counts(SessionWindows::of_inactivity_gap_with_no_grace(
        Duration::from_millis(10),
    ))?;
    let mut input = d.create_input_topic(EVENTS);
    let mut headers = kstreams::Headers::new();
    headers.add("trace", Some(b"abc".to_vec()));
    input.pipe_record(
        kstreams::Record::new("a".to_string(), "x".to_string(), 0).with_headers(headers.clone()),
    )?;
    input.pipe_record(
        kstreams::Record::new("a".to_string(), "x".to_string(), 5).with_headers(headers),
    )?;
    let out = d.create_output_topic(SESSIONS).read_records_to_vec()?;
    assert_eq!(out.len(), 3);
    assert!(out.iter().all(|r| r.headers.last("trace").is_none()));
    Ok(())
}
