//! Stateless operator semantics through the TopologyTestDriver: one test
//! (at least) per operator, plus timestamps, headers and serde errors.

use std::sync::{Arc, Mutex};

use kstreams::serde::{Json, I64};
use kstreams::{Error, Headers, Record, StreamsBuilder, Topic, TopologyTestDriver};

const IN: Topic<String, String, 1> = Topic::new("in");
const OUT: Topic<String, String, 1> = Topic::new("out");
const NUMS: Topic<String, I64, 1> = Topic::new("nums");
const NUMS_OUT: Topic<String, I64, 1> = Topic::new("nums-out");

fn driver(build: impl FnOnce(&StreamsBuilder)) -> TopologyTestDriver {
    let builder = StreamsBuilder::new();
    build(&builder);
    TopologyTestDriver::new(builder.build().expect("valid topology")).expect("driver")
}

fn kv(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}

#[test]
fn filter_keeps_matching_records_in_order() -> kstreams::Result<()> {
    let d = driver(|b| b.stream(NUMS).filter(|_, v| v % 2 == 0).to(NUMS_OUT));
    let mut input = d.create_input_topic(NUMS);
    input.pipe_key_values([("a", 1), ("b", 2), ("c", 3), ("d", 4)])?;
    let out = d.create_output_topic(NUMS_OUT).read_key_values_to_vec()?;
    assert_eq!(out, vec![("b".to_string(), 2), ("d".to_string(), 4)]);
    Ok(())
}

#[test]
fn filter_not_drops_matching_records() -> kstreams::Result<()> {
    let d = driver(|b| {
        b.stream(NUMS)
            .filter_not(|k, _| k.starts_with('x'))
            .to(NUMS_OUT)
    });
    let mut input = d.create_input_topic(NUMS);
    input.pipe_key_values([("x1", 1), ("y", 2), ("x2", 3)])?;
    assert_eq!(
        d.create_output_topic(NUMS_OUT).read_keys_to_vec()?,
        vec!["y".to_string()]
    );
    Ok(())
}

#[test]
fn map_changes_key_and_value_types() -> kstreams::Result<()> {
    let d = driver(|b| {
        b.stream(IN)
            .map(|k, v: String| (format!("{k}!"), v.len() as i64))
            .to(NUMS_OUT)
    });
    d.create_input_topic(IN).pipe_input("key", "abc")?;
    assert_eq!(
        d.create_output_topic(NUMS_OUT).read_key_value()?,
        ("key!".to_string(), 3)
    );
    Ok(())
}

#[test]
fn map_values_keeps_key_timestamp_and_headers() -> kstreams::Result<()> {
    let d = driver(|b| b.stream(IN).map_values(|v: String| v.repeat(2)).to(OUT));
    let mut headers = Headers::new();
    headers.add("trace", Some(b"42".to_vec()));
    let mut input = d.create_input_topic(IN);
    input.pipe_record(
        Record::new("k".to_string(), "ab".to_string(), 1234).with_headers(headers.clone()),
    )?;
    let r = d.create_output_topic(OUT).read_record()?;
    assert_eq!(
        (r.key.as_str(), r.value.as_str(), r.timestamp),
        ("k", "abab", 1234)
    );
    assert_eq!(r.headers, headers);
    assert_eq!(r.headers.last("trace"), Some(Some(&b"42"[..])));
    Ok(())
}

#[test]
fn select_key_rekeys_from_value() -> kstreams::Result<()> {
    let d = driver(|b| {
        b.stream(IN)
            .select_key(|_, v: &String| v.to_uppercase())
            .to(OUT)
    });
    d.create_input_topic(IN).pipe_input("old", "new")?;
    assert_eq!(
        d.create_output_topic(OUT).read_key_value()?,
        kv("NEW", "new")
    );
    Ok(())
}

#[test]
fn flat_map_emits_zero_or_more_pairs() -> kstreams::Result<()> {
    let d = driver(|b| {
        b.stream(IN)
            .flat_map(|k, v: String| {
                v.chars()
                    .map(|c| (format!("{k}-{c}"), c.to_string()))
                    .collect::<Vec<_>>()
            })
            .to(OUT)
    });
    let mut input = d.create_input_topic(IN);
    input.pipe_input("k", "xy")?;
    input.pipe_input("e", "")?;
    assert_eq!(
        d.create_output_topic(OUT).read_key_values_to_vec()?,
        vec![kv("k-x", "x"), kv("k-y", "y")]
    );
    Ok(())
}

#[test]
fn flat_map_values_keeps_key_and_timestamp() -> kstreams::Result<()> {
    let d = driver(|b| {
        b.stream(IN)
            .flat_map_values(|v: String| vec![v.clone(), v])
            .to(OUT)
    });
    d.create_input_topic(IN)
        .pipe_input_with_timestamp("k", "v", 77)?;
    let records = d.create_output_topic(OUT).read_records_to_vec()?;
    assert_eq!(records.len(), 2);
    assert!(records
        .iter()
        .all(|r| r.key == "k" && r.value == "v" && r.timestamp == 77));
    Ok(())
}

#[test]
fn peek_sees_every_record_and_passes_it_on() -> kstreams::Result<()> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let d = driver(move |b| {
        b.stream(IN)
            .peek(move |k, v| log.lock().unwrap().push(format!("{k}:{v}")))
            .to(OUT)
    });
    d.create_input_topic(IN)
        .pipe_key_values([("a", "1"), ("b", "2")])?;
    assert_eq!(*seen.lock().unwrap(), vec!["a:1", "b:2"]);
    assert_eq!(d.create_output_topic(OUT).queue_size(), 2);
    Ok(())
}

#[test]
fn foreach_is_terminal() -> kstreams::Result<()> {
    let seen = Arc::new(Mutex::new(0));
    let count = seen.clone();
    let d = driver(move |b| {
        b.stream(IN)
            .foreach(move |_, _| *count.lock().unwrap() += 1)
    });
    d.create_input_topic(IN)
        .pipe_key_values([("a", "1"), ("b", "2"), ("c", "3")])?;
    assert_eq!(*seen.lock().unwrap(), 3);
    assert!(d.producer_topics().is_empty());
    Ok(())
}

#[test]
fn to_dynamic_routes_each_record_by_extractor() -> kstreams::Result<()> {
    const RED: Topic<String, String, 1> = Topic::new("color-red");
    const BLUE: Topic<String, String, 1> = Topic::new("color-blue");
    let d = driver(|b| {
        b.stream(IN)
            .to_dynamic::<String, String, _>(|_, v| format!("color-{v}"))
    });
    let (red, blue) = (d.create_output_topic(RED), d.create_output_topic(BLUE));
    d.create_input_topic(IN)
        .pipe_key_values([("1", "red"), ("2", "blue"), ("3", "red")])?;
    assert_eq!(
        red.read_keys_to_vec()?,
        vec!["1".to_string(), "3".to_string()]
    );
    assert_eq!(blue.read_keys_to_vec()?, vec!["2".to_string()]);
    Ok(())
}

#[test]
fn fan_out_reaches_children_in_order_depth_first() -> kstreams::Result<()> {
    let order = Arc::new(Mutex::new(Vec::new()));
    let (a, b2) = (order.clone(), order.clone());
    let d = driver(move |b| {
        let s = b.stream(IN);
        s.peek(move |_, v| a.lock().unwrap().push(format!("first {v}")));
        s.peek(move |_, v| b2.lock().unwrap().push(format!("second {v}")));
    });
    d.create_input_topic(IN)
        .pipe_key_values([("k", "1"), ("k", "2")])?;
    assert_eq!(
        *order.lock().unwrap(),
        vec!["first 1", "second 1", "first 2", "second 2"]
    );
    Ok(())
}

#[test]
fn undecodable_input_fails_with_the_deserialization_handler_naming_the_topic() {
    #[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
    struct P {
        n: i64,
    }
    const JSON_IN: Topic<String, Json<P>, 1> = Topic::new("json-in");
    const RAW: Topic<String, String, 1> = Topic::new("json-in");
    let d = driver(|b| b.stream(JSON_IN).foreach(|_, _| {}));
    let err = d
        .create_input_topic(RAW)
        .pipe_input("k", "not json")
        .unwrap_err();
    // The default deserialization handler (LogAndFail) stops processing and
    // names the record's coordinates and the setting to change.
    match err {
        Error::HandlerFailed {
            stage,
            topic,
            partition,
            offset,
            ..
        } => {
            assert_eq!(
                (stage, topic.as_str(), partition, offset),
                ("deserialization", "json-in", 0, 0)
            );
        }
        other => panic!("expected the deserialization handler to fail, got {other:?}"),
    }
}

#[test]
fn piping_into_an_unknown_topic_is_an_error() {
    let d = driver(|b| b.stream(IN).to(OUT));
    const OTHER: Topic<String, String, 1> = Topic::new("other");
    assert!(matches!(
        d.create_input_topic(OTHER).pipe_input("k", "v"),
        Err(Error::Topic(_))
    ));
}

#[test]
fn reading_an_empty_output_topic_is_an_error() {
    let d = driver(|b| b.stream(IN).to(OUT));
    assert!(d.create_output_topic(OUT).read_record().is_err());
}

#[test]
fn input_topic_time_auto_advances() -> kstreams::Result<()> {
    let d = driver(|b| b.stream(IN).to(OUT));
    let mut input = d.create_input_topic_with_time(IN, 1_000, std::time::Duration::from_millis(10));
    input.pipe_key_values([("a", "1"), ("b", "2")])?;
    input.advance_time(std::time::Duration::from_secs(1));
    input.pipe_input("c", "3")?;
    let ts: Vec<i64> = d
        .create_output_topic(OUT)
        .read_records_to_vec()?
        .iter()
        .map(|r| r.timestamp)
        .collect();
    assert_eq!(ts, vec![1_000, 1_010, 2_020]);
    Ok(())
}

#[test]
fn conflicting_partition_declarations_fail_build() {
    const A4: Topic<String, String, 4> = Topic::new("shared");
    const A2: Topic<String, String, 2> = Topic::new("shared");
    let b = StreamsBuilder::new();
    b.stream(A4).to(A2);
    assert!(matches!(b.build(), Err(Error::Topology(_))));
}

#[test]
fn duplicate_node_names_fail_build() {
    let b = StreamsBuilder::new();
    let s = b.stream(IN);
    s.named("same").filter(|_, _| true);
    s.named("same").filter(|_, _| true);
    let err = b.build().unwrap_err().to_string();
    assert!(err.contains("same"), "{err}");
}
