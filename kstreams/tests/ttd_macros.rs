//! Macro-declared nodes through the TopologyTestDriver: `#[processor]`
//! functions wired with `via` and by `#[topology]`, and `#[punctuate]`
//! methods on stream time (driven by record timestamps) and wall-clock time
//! (driven by the driver's clock).

use std::time::Duration;

use kstreams::processor::{ProcessorContext, Record};
use kstreams::serde::I64;
use kstreams::state::KeyValueStore;
use kstreams::{processor, topology, StreamsBuilder, Topic, TopologyTestDriver};

const IN: Topic<String, I64, 1> = Topic::new("in");
const OTHER: Topic<String, I64, 1> = Topic::new("other");
const OUT: Topic<String, I64, 1> = Topic::new("out");
const TEXT: Topic<String, String, 1> = Topic::new("text");

/// Sums values; forwards the sum on its stream-time and wall-clock punctuators.
#[derive(Default)]
struct Summer {
    sum: i64,
}

#[processor]
impl Summer {
    fn process(
        &mut self,
        record: Record<String, i64>,
        _ctx: &mut ProcessorContext<'_, String, i64>,
    ) -> kstreams::Result<()> {
        self.sum += record.value;
        Ok(())
    }

    #[punctuate(every = "10ms", time = StreamTime)]
    fn on_stream_time(
        &mut self,
        timestamp: i64,
        ctx: &mut ProcessorContext<'_, String, i64>,
    ) -> kstreams::Result<()> {
        ctx.forward(Record::new("stream".to_string(), self.sum, timestamp))
    }

    #[punctuate(every = "1s", time = WallClockTime)]
    fn on_wall_clock(
        &mut self,
        timestamp: i64,
        ctx: &mut ProcessorContext<'_, String, i64>,
    ) -> kstreams::Result<()> {
        ctx.forward(Record::new("wall".to_string(), self.sum, timestamp))
    }
}

#[topology]
fn summing(b: &mut StreamsBuilder) {
    b.add_source("in-source", IN);
    b.add_processor("summer", Summer::default, ["in-source"]);
    b.add_sink("out-sink", OUT, ["summer"]);
}

fn read(
    out: &kstreams::test_driver::TestOutputTopic<String, I64>,
) -> kstreams::Result<Vec<(String, i64, i64)>> {
    let mut records = Vec::new();
    while !out.is_empty() {
        let r = out.read_record()?;
        records.push((r.key, r.value, r.timestamp));
    }
    Ok(records)
}

#[test]
fn stream_time_punctuator_follows_record_timestamps() -> kstreams::Result<()> {
    let d = TopologyTestDriver::new(summing()?)?;
    let out = d.create_output_topic(OUT);
    let mut input = d.create_input_topic(IN);
    input.pipe_input_with_timestamp("a", 1, 3)?; // aligned to 0: fires at once, next at 10
    assert_eq!(read(&out)?, vec![("stream".into(), 1, 3)]);
    input.pipe_input_with_timestamp("a", 2, 9)?;
    assert_eq!(read(&out)?, vec![]);
    input.pipe_input_with_timestamp("a", 4, 35)?; // one punctuation, missed intervals skipped
    assert_eq!(read(&out)?, vec![("stream".into(), 7, 35)]);
    input.pipe_input_with_timestamp("a", 8, 20)?; // late record: stream time stays 35
    assert_eq!(read(&out)?, vec![]);
    Ok(())
}

#[test]
fn wall_clock_punctuator_follows_the_driver_clock() -> kstreams::Result<()> {
    let d = TopologyTestDriver::new(summing()?)?;
    let out = d.create_output_topic(OUT);
    d.create_input_topic(IN)
        .pipe_input_with_timestamp("a", 5, 0)?;
    assert_eq!(read(&out)?, vec![("stream".into(), 5, 0)]);
    d.advance_wall_clock_time(Duration::from_millis(999))?;
    assert_eq!(read(&out)?, vec![]);
    d.advance_wall_clock_time(Duration::from_millis(1))?;
    assert_eq!(read(&out)?, vec![("wall".into(), 5, 1_000)]);
    d.advance_wall_clock_time(Duration::from_millis(2_500))?; // fires once at 3500, next at 4000
    assert_eq!(read(&out)?, vec![("wall".into(), 5, 3_500)]);
    d.advance_wall_clock_time(Duration::from_millis(499))?;
    assert_eq!(read(&out)?, vec![]);
    Ok(())
}

/// Keeps long lines (`&String`: the macro takes the stream's value type).
#[allow(clippy::ptr_arg)]
#[processor]
fn long(line: &String) -> bool {
    line.len() > 3
}

/// A line's length.
#[processor]
fn length(line: String) -> i64 {
    line.len() as i64
}

/// Keys each length by its parity.
#[processor]
fn by_parity(_key: String, n: i64) -> (String, i64) {
    ((if n % 2 == 0 { "even" } else { "odd" }).to_string(), n)
}

/// Each length, and its double.
#[processor]
fn and_double(n: i64) -> Vec<i64> {
    vec![n, 2 * n]
}

#[topology]
fn lengths(b: &mut StreamsBuilder) {
    b.stream(TEXT)
        .via(long)
        .via(length)
        .via(by_parity)
        .via(and_double)
        .to(OUT);
}

#[test]
fn function_nodes_filter_map_and_flat_map() -> kstreams::Result<()> {
    let d = TopologyTestDriver::new(lengths()?)?;
    d.create_input_topic(TEXT)
        .pipe_key_values([("k", "hi"), ("k", "hello"), ("k", "kafka!")])?;
    let out = d.create_output_topic(OUT).read_key_values_to_vec()?;
    let expected = [("odd", 5), ("odd", 10), ("even", 6), ("even", 12)];
    assert_eq!(out, expected.map(|(k, v)| (k.to_string(), v)).to_vec());
    assert!(lengths::DESCRIPTION
        .contains("via(long) -> via(length) -> via(by_parity) -> via(and_double) -> to(OUT)"));
    Ok(())
}

#[topology]
fn two_parents(b: &mut StreamsBuilder) {
    b.add_source("in-source", IN);
    b.add_source("other-source", OTHER);
    b.add_processor("summer", Summer::default, ["in-source", "other-source"]);
    b.add_sink("out-sink", OUT, ["summer"]);
}

#[test]
fn a_processor_with_two_parents_sees_both() -> kstreams::Result<()> {
    // The compile-time Mermaid view: every node, and an edge per parent.
    for part in [
        "flowchart TD",
        "n0([\"source in-source ← IN\"])",
        "n1([\"source other-source ← OTHER\"])",
        "n2[\"processor summer (Summer::default)\"]",
        "n3[/\"sink out-sink → OUT\"/]",
        "n0 --> n2",
        "n1 --> n2",
        "n2 --> n3",
    ] {
        assert!(
            two_parents::MERMAID.contains(part),
            "no `{part}` in\n{}",
            two_parents::MERMAID
        );
    }
    let topology = two_parents()?;
    let described = topology.describe().to_string();
    assert!(
        described.contains("Processor: summer (stores: [])"),
        "{described}"
    );
    let d = TopologyTestDriver::new(topology)?;
    let out = d.create_output_topic(OUT);
    d.create_input_topic(IN)
        .pipe_input_with_timestamp("a", 1, 0)?;
    d.create_input_topic(OTHER)
        .pipe_input_with_timestamp("b", 2, 0)?;
    d.advance_wall_clock_time(Duration::from_secs(1))?;
    let wall: Vec<_> = read(&out)?
        .into_iter()
        .filter(|(k, _, _)| k == "wall")
        .collect();
    assert_eq!(wall, vec![("wall".into(), 3, 1_000)]);
    Ok(())
}

/// Forwards a key's value only the first time the key is seen, remembering
/// keys in the declared store `seen`.
#[processor(stores(seen = KeyValue<String, I64>))]
fn first_per_key(key: &String, n: i64, seen: &mut dyn KeyValueStore<String, i64>) -> Vec<i64> {
    match seen.get(key) {
        Ok(Some(_)) => Vec::new(),
        _ => {
            let _ = seen.put(key, &n);
            vec![n]
        }
    }
}

#[topology]
fn dedupe(b: &mut StreamsBuilder) {
    b.stream(IN).via(first_per_key).to(OUT);
}

#[test]
fn a_function_node_with_a_declared_store() -> kstreams::Result<()> {
    let topology = dedupe()?;
    let described = topology.describe().to_string();
    assert!(
        described.contains("Processor: first_per_key (stores: [seen])"),
        "{described}"
    );
    let d = TopologyTestDriver::new(topology)?;
    d.create_input_topic(IN)
        .pipe_key_values([("a", 1), ("b", 2), ("a", 3), ("b", 4), ("c", 5)])?;
    let out = d.create_output_topic(OUT).read_key_values_to_vec()?;
    assert_eq!(
        out,
        [("a", 1), ("b", 2), ("c", 5)]
            .map(|(k, v)| (k.to_string(), v))
            .to_vec()
    );
    let seen = d.get_key_value_store::<String, I64>("seen")?;
    assert_eq!(seen.get(&"a".to_string())?, Some(1));
    Ok(())
}

/// Keeps a running total per key in its store; forwards every total on
/// each 10 ms of stream time.
#[derive(Default)]
struct Totals;

#[processor(stores(totals = KeyValue<String, I64>))]
impl Totals {
    fn process(
        &mut self,
        record: Record<String, i64>,
        ctx: &mut ProcessorContext<'_, String, i64>,
    ) -> kstreams::Result<()> {
        let store = Self::totals_store(ctx)?;
        let total = store.get(&record.key)?.unwrap_or(0) + record.value;
        store.put(&record.key, &total)
    }

    #[punctuate(every = "10ms", time = StreamTime)]
    fn emit(
        &mut self,
        timestamp: i64,
        ctx: &mut ProcessorContext<'_, String, i64>,
    ) -> kstreams::Result<()> {
        let store = Self::totals_store(ctx)?;
        let all: Vec<(String, i64)> = store.lock().all()?.collect::<kstreams::Result<_>>()?;
        for (key, total) in all {
            ctx.forward(Record::new(key, total, timestamp))?;
        }
        Ok(())
    }
}

#[topology]
fn totals(b: &mut StreamsBuilder) {
    b.add_source("in-source", IN);
    b.add_processor("totals", Totals::default, ["in-source"]);
    b.add_sink("out-sink", OUT, ["totals"]);
}

#[test]
fn an_impl_processor_with_a_declared_store() -> kstreams::Result<()> {
    let topology = totals()?;
    let described = topology.describe().to_string();
    assert!(
        described.contains("Processor: totals (stores: [totals])"),
        "{described}"
    );
    let d = TopologyTestDriver::new(topology)?;
    let mut input = d.create_input_topic(IN);
    let out = d.create_output_topic(OUT);
    input.pipe_input_with_timestamp("b", 2, 1)?; // first punctuation (aligned to 0) fires at once
    assert_eq!(read(&out)?, vec![("b".into(), 2, 1)]);
    input.pipe_input_with_timestamp("a", 1, 2)?;
    input.pipe_input_with_timestamp("a", 5, 3)?;
    assert_eq!(read(&out)?, vec![]);
    input.pipe_input_with_timestamp("b", 1, 10)?;
    assert_eq!(read(&out)?, vec![("a".into(), 6, 10), ("b".into(), 3, 10)]);
    Ok(())
}
