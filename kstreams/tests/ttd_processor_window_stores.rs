//! Window and session stores declared on `#[processor]` functions and
//! impls (`stores(w = Window<..>(size = .., retention = ..))`,
//! `stores(s = Session<..>(retention = ..))`): added to the topology,
//! connected to the node, written and read through the `WindowStore` /
//! `SessionStore` traits and handles, and change-logged with Kafka
//! Streams' key layouts.

use kstreams::processor::{ProcessorContext, Record};
use kstreams::serde::{Window, Windowed, I64};
use kstreams::state::{SessionStore, WindowStore};
use kstreams::{processor, StreamsBuilder, Topic, TopologyTestDriver};

/// Page views: key = user, value = the view's event time in ms.
const VIEWS: Topic<String, I64, 1> = Topic::new("views");
const REPORT: Topic<String, String, 1> = Topic::new("report");

const SIZE: i64 = 10_000;
const GAP: i64 = 5_000;

/// Counts the views of a user per 10 s window (keyed by the event time in
/// the value) and reports the user's windows so far, ascending and
/// descending, and every user's windows.
#[processor(stores(per_window = Window<String, I64>(size = "10s", retention = "1m")))]
fn count_per_window(
    user: &String,
    at: i64,
    per_window: &mut dyn WindowStore<String, i64>,
) -> kstreams::Result<String> {
    let start = at - at % SIZE;
    let count = per_window.fetch(user, start)?.unwrap_or(0) + 1;
    per_window.put(user, &count, start)?;
    let mine = per_window.fetch_range(user, 0, at)?;
    let backward = per_window.backward_fetch(user, 0, at)?;
    let all = per_window.fetch_all(0, at)?;
    let all: Vec<String> = all
        .into_iter()
        .map(|(w, n)| format!("{}@{}={n}", w.key, w.window.start_ms))
        .collect();
    Ok(format!("{mine:?} {backward:?} [{}]", all.join(" ")))
}

/// Session of a user's views (5 s inactivity gap): merges the sessions the
/// view touches into one, counts its views, and reports it with the user's
/// sessions left in the store.
#[processor(stores(visits = Session<String, I64>(retention = "1m")))]
fn sessionize(
    user: &String,
    at: i64,
    visits: &mut dyn SessionStore<String, i64>,
) -> kstreams::Result<String> {
    let touched = visits.find_sessions(user, at - GAP, at + GAP)?;
    let (mut start, mut end, mut count) = (at, at, 1);
    for (session, n) in &touched {
        start = start.min(session.window.start_ms);
        end = end.max(session.window.end_ms);
        count += n;
        visits.remove(session)?;
    }
    visits.put(
        &Windowed::new(user.clone(), Window::new(start, end)),
        &count,
    )?;
    let left: Vec<String> = visits
        .fetch(user)?
        .into_iter()
        .map(|(s, n)| format!("{}..{}={n}", s.window.start_ms, s.window.end_ms))
        .collect();
    Ok(format!("{start}..{end}={count} [{}]", left.join(" ")))
}

fn run(
    topology: kstreams::Topology,
    views: &[(&str, i64)],
) -> kstreams::Result<(TopologyTestDriver, Vec<String>)> {
    let driver = TopologyTestDriver::new(topology)?;
    let mut input = driver.create_input_topic(VIEWS);
    for (user, at) in views {
        input.pipe_input_with_timestamp(*user, *at, *at)?;
    }
    let out = driver.create_output_topic(REPORT).read_values_to_vec()?;
    Ok((driver, out))
}

#[test]
fn a_processor_function_counts_in_its_window_store() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    b.stream(VIEWS).via(count_per_window).to(REPORT);
    let topology = b.build()?;
    assert!(
        topology
            .describe()
            .to_string()
            .contains("Processor: count_per_window (stores: [per_window])"),
        "{}",
        topology.describe()
    );
    let views = [
        ("ann", 1_000),
        ("ann", 4_000),
        ("bob", 5_000),
        ("ann", 12_000),
    ];
    let (driver, out) = run(topology, &views)?;
    assert_eq!(
        out,
        vec![
            "[(0, 1)] [(0, 1)] [ann@0=1]",
            "[(0, 2)] [(0, 2)] [ann@0=2]",
            "[(0, 1)] [(0, 1)] [ann@0=2 bob@0=1]",
            "[(0, 2), (10000, 1)] [(10000, 1), (0, 2)] [ann@0=2 bob@0=1 ann@10000=1]",
        ]
    );
    // Change-logged with Java's `WindowKeySchema`: [key][start: 8][seq: 4].
    let key = |user: &str, start: i64| {
        let mut k = user.as_bytes().to_vec();
        k.extend_from_slice(&start.to_be_bytes());
        k.extend_from_slice(&0u32.to_be_bytes());
        k
    };
    let value = |n: i64| Some(n.to_be_bytes().to_vec());
    assert_eq!(
        driver.changelog("per_window"),
        vec![
            (key("ann", 0), value(1)),
            (key("ann", 0), value(2)),
            (key("bob", 0), value(1)),
            (key("ann", 10_000), value(1)),
        ]
    );
    Ok(())
}

#[test]
fn a_processor_function_merges_sessions_in_its_session_store() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    b.stream(VIEWS).via(sessionize).to(REPORT);
    let topology = b.build()?;
    assert!(topology
        .describe()
        .to_string()
        .contains("Processor: sessionize (stores: [visits])"));
    // ann: 1 s and 3 s are one session; 20 s starts another; 11 s (out of
    // order) is more than a gap away from both; 15.5 s joins 11 s and 20 s.
    let views = [
        ("ann", 1_000),
        ("ann", 3_000),
        ("ann", 20_000),
        ("ann", 11_000),
        ("ann", 15_500),
    ];
    let (driver, out) = run(topology, &views)?;
    assert_eq!(
        out,
        vec![
            "1000..1000=1 [1000..1000=1]",
            "1000..3000=2 [1000..3000=2]",
            "20000..20000=1 [1000..3000=2 20000..20000=1]",
            "11000..11000=1 [1000..3000=2 11000..11000=1 20000..20000=1]",
            "11000..20000=3 [1000..3000=2 11000..20000=3]",
        ]
    );
    // Change-logged with Java's `SessionKeySchema`: [key][end: 8][start: 8];
    // a removed session is a tombstone.
    let key = |start: i64, end: i64| {
        let mut k = b"ann".to_vec();
        k.extend_from_slice(&end.to_be_bytes());
        k.extend_from_slice(&start.to_be_bytes());
        k
    };
    let log = driver.changelog("visits");
    assert_eq!(log.len(), 8, "{log:?}");
    assert_eq!(log[1], (key(1_000, 1_000), None));
    assert_eq!(
        log[2],
        (key(1_000, 3_000), Some(2i64.to_be_bytes().to_vec()))
    );
    assert_eq!(
        log[7],
        (key(11_000, 20_000), Some(3i64.to_be_bytes().to_vec()))
    );
    Ok(())
}

/// Counts views per 10 s window of the record's timestamp, and the views
/// of the user's current session, through the handles of an impl
/// processor's accessors; forwards "window count / session count".
#[derive(Default)]
struct Activity;

#[processor(stores(
    windows = Window<String, I64>(size = "10s", retention = "30s"),
    sessions = Session<String, I64>(retention = "30s")
))]
impl Activity {
    fn process(
        &mut self,
        r: Record<String, i64>,
        ctx: &mut ProcessorContext<'_, String, String>,
    ) -> kstreams::Result<()> {
        let windows = Self::windows_store(ctx)?;
        let start = r.timestamp - r.timestamp % SIZE;
        let in_window = windows.fetch(&r.key, start)?.unwrap_or(0) + 1;
        windows.put(&r.key, &in_window, start)?;
        let sessions = Self::sessions_store(ctx)?;
        let touched = sessions.find_sessions(&r.key, r.timestamp - GAP, r.timestamp + GAP)?;
        let mut merged = Window::new(r.timestamp, r.timestamp);
        let mut in_session = 1;
        for (s, n) in touched {
            merged = Window::new(
                merged.start_ms.min(s.window.start_ms),
                merged.end_ms.max(s.window.end_ms),
            );
            in_session += n;
            sessions.remove(&s)?;
        }
        sessions.put(&Windowed::new(r.key.clone(), merged), &in_session)?;
        let history = windows.fetch_range(&r.key, 0, r.timestamp)?;
        let all_sessions = sessions.fetch(&r.key)?.len();
        let value = format!("{in_window}/{in_session} {history:?} {all_sessions}");
        ctx.forward(r.with_value(value))
    }
}

#[test]
fn an_impl_processor_reaches_its_window_and_session_stores() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    b.stream(VIEWS).via(Activity::default).to(REPORT);
    let topology = b.build()?;
    let described = topology.describe().to_string();
    assert!(
        described.contains("(stores: [windows, sessions])"),
        "{described}"
    );
    let views = [
        ("ann", 1_000),
        ("ann", 4_000),
        ("ann", 12_000),
        ("ann", 30_000),
    ];
    let (driver, out) = run(topology, &views)?;
    assert_eq!(
        out,
        vec![
            "1/1 [(0, 1)] 1",
            "2/2 [(0, 2)] 1",
            "1/1 [(0, 2), (10000, 1)] 2",
            // Stream time 30 s with a retention of 30 s: the window at 0 expired.
            "1/1 [(10000, 1), (30000, 1)] 3",
        ]
    );
    assert_eq!(driver.changelog("windows").len(), 4);
    // Sessions: three puts, and a tombstone and a put for the merge.
    assert_eq!(driver.changelog("sessions").len(), 5);
    Ok(())
}

#[test]
fn a_store_of_other_serdes_is_an_error_naming_the_declared_kind() -> kstreams::Result<()> {
    /// Asks the window store for a session store.
    #[derive(Default)]
    struct Confused;

    #[processor(stores(windows = Window<String, I64>(size = "10s", retention = "30s")))]
    impl Confused {
        fn process(
            &mut self,
            r: Record<String, i64>,
            ctx: &mut ProcessorContext<'_, String, String>,
        ) -> kstreams::Result<()> {
            ctx.get_session_store::<String, I64>("windows")?;
            ctx.forward(r.with_value(String::new()))
        }
    }

    let b = StreamsBuilder::new();
    b.stream(VIEWS).via(Confused::default).to(REPORT);
    let driver = TopologyTestDriver::new(b.build()?)?;
    let error = driver
        .create_input_topic(VIEWS)
        .pipe_input("ann", 1)
        .expect_err("a window store is not a session store");
    assert!(
        error
            .to_string()
            .contains("store `windows` is not a session store with serdes"),
        "{error}"
    );
    Ok(())
}
