//! Macro-declared nodes through the TopologyTestDriver: `#[processor]`
//! functions wired with `via` and by `#[topology]`, and `#[punctuate]`
//! methods on stream time (driven by record timestamps) and wall-clock time
//! (driven by the driver's clock).

use std::time::Duration;

use kstreams::processor::{ProcessorContext, Record};
use kstreams::serde::I64;
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
    fn process(&mut self, record: Record<String, i64>, _ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
        self.sum += record.value;
        Ok(())
    }

    #[punctuate(every = "10ms", time = StreamTime)]
    fn on_stream_time(&mut self, timestamp: i64, ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
        ctx.forward(Record::new("stream".to_string(), self.sum, timestamp))
    }

    #[punctuate(every = "1s", time = WallClockTime)]
    fn on_wall_clock(&mut self, timestamp: i64, ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
        ctx.forward(Record::new("wall".to_string(), self.sum, timestamp))
    }
}

#[topology]
fn summing(b: &mut StreamsBuilder) {
    b.add_source("in-source", IN);
    b.add_processor("summer", Summer::default, ["in-source"]);
    b.add_sink("out-sink", OUT, ["summer"]);
}

fn read(out: &kstreams::test_driver::TestOutputTopic<String, I64>) -> kstreams::Result<Vec<(String, i64, i64)>> {
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
    d.create_input_topic(IN).pipe_input_with_timestamp("a", 5, 0)?;
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

/// Keeps long lines.
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
    b.stream(TEXT).via(long).via(length).via(by_parity).via(and_double).to(OUT);
}

#[test]
fn function_nodes_filter_map_and_flat_map() -> kstreams::Result<()> {
    let d = TopologyTestDriver::new(lengths()?)?;
    d.create_input_topic(TEXT).pipe_key_values([("k", "hi"), ("k", "hello"), ("k", "kafka!")])?;
    let out = d.create_output_topic(OUT).read_key_values_to_vec()?;
    let expected = [("odd", 5), ("odd", 10), ("even", 6), ("even", 12)];
    assert_eq!(out, expected.map(|(k, v)| (k.to_string(), v)).to_vec());
    assert!(lengths::DESCRIPTION.contains("via(long) -> via(length) -> via(by_parity) -> via(and_double) -> to(OUT)"));
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
    let topology = two_parents()?;
    let described = topology.describe().to_string();
    assert!(described.contains("Processor: summer (stores: [])"), "{described}");
    let d = TopologyTestDriver::new(topology)?;
    let out = d.create_output_topic(OUT);
    d.create_input_topic(IN).pipe_input_with_timestamp("a", 1, 0)?;
    d.create_input_topic(OTHER).pipe_input_with_timestamp("b", 2, 0)?;
    d.advance_wall_clock_time(Duration::from_secs(1))?;
    let wall: Vec<_> = read(&out)?.into_iter().filter(|(k, _, _)| k == "wall").collect();
    assert_eq!(wall, vec![("wall".into(), 3, 1_000)]);
    Ok(())
}
