//! The Processor API through `KStream::process`: forwarding, named
//! children, record metadata, and stream-time / wall-clock punctuation.

use std::time::Duration;

use kstreams::processor::Cancellable;
use kstreams::serde::I64;
use kstreams::{
    Processor, ProcessorContext, PunctuationType, Record, StreamsBuilder, Topic, TopologyTestDriver,
};

const IN: Topic<String, I64, 1> = Topic::new("in");
const OUT: Topic<String, I64, 1> = Topic::new("out");

/// Sums values; emits the sum on every punctuation of the given kind.
struct Summer {
    kind: PunctuationType,
    sum: i64,
    schedule: Option<Cancellable>,
}

impl Processor<String, i64, String, i64> for Summer {
    fn init(&mut self, ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
        self.schedule = Some(ctx.schedule(Duration::from_millis(10), self.kind)?);
        Ok(())
    }

    fn process(
        &mut self,
        record: Record<String, i64>,
        _ctx: &mut ProcessorContext<'_, String, i64>,
    ) -> kstreams::Result<()> {
        self.sum += record.value;
        Ok(())
    }

    fn punctuate(
        &mut self,
        id: u64,
        timestamp: i64,
        ctx: &mut ProcessorContext<'_, String, i64>,
    ) -> kstreams::Result<()> {
        assert_eq!(Some(id), self.schedule.as_ref().map(Cancellable::id));
        assert!(
            ctx.record_metadata().is_none(),
            "no record during punctuation"
        );
        ctx.forward(Record::new("sum".to_string(), self.sum, timestamp))
    }
}

fn driver(kind: PunctuationType) -> TopologyTestDriver {
    let b = StreamsBuilder::new();
    b.stream(IN)
        .process(move || Summer {
            kind,
            sum: 0,
            schedule: None,
        })
        .to(OUT);
    TopologyTestDriver::new(b.build().unwrap()).unwrap()
}

#[test]
fn stream_time_punctuation_is_driven_by_data_and_aligned() -> kstreams::Result<()> {
    let d = driver(PunctuationType::StreamTime);
    let out = d.create_output_topic(OUT);
    let mut input = d.create_input_topic(IN);
    input.pipe_input_with_timestamp("a", 1, 3)?; // first record: fires at once (aligned to 0), next at 10
    assert_eq!(out.read_record()?.timestamp, 3);
    input.pipe_input_with_timestamp("a", 2, 9)?; // 9 < 10: nothing
    assert!(out.is_empty());
    d.advance_wall_clock_time(Duration::from_secs(60))?; // wall clock does not drive it
    assert!(out.is_empty());
    input.pipe_input_with_timestamp("a", 4, 35)?; // 35 >= 10: fires once, next at 40
    let r = out.read_record()?;
    assert_eq!((r.value, r.timestamp), (7, 35));
    input.pipe_input_with_timestamp("a", 8, 20)?; // out of order: stream time stays 35
    assert!(out.is_empty());
    input.pipe_input_with_timestamp("a", 16, 40)?;
    assert_eq!(out.read_value()?, 31);
    Ok(())
}

#[test]
fn wall_clock_punctuation_is_driven_by_the_clock() -> kstreams::Result<()> {
    let d = driver(PunctuationType::WallClockTime);
    let out = d.create_output_topic(OUT);
    let mut input = d.create_input_topic(IN);
    input.pipe_input_with_timestamp("a", 5, 1_000_000)?; // initializes at wall clock 0: first at 10
    assert!(out.is_empty());
    d.advance_wall_clock_time(Duration::from_millis(9))?;
    assert!(out.is_empty());
    d.advance_wall_clock_time(Duration::from_millis(1))?;
    assert_eq!(out.read_record()?, Record::new("sum".to_string(), 5, 10));
    d.advance_wall_clock_time(Duration::from_millis(25))?; // 35: fires once, skips missed
    assert_eq!(out.read_record()?.timestamp, 35);
    d.advance_wall_clock_time(Duration::from_millis(4))?; // 39 < 40
    assert!(out.is_empty());
    Ok(())
}

/// Routes records to a named child and reports the source offset.
struct Router;

impl Processor<String, i64, String, i64> for Router {
    fn process(
        &mut self,
        record: Record<String, i64>,
        ctx: &mut ProcessorContext<'_, String, i64>,
    ) -> kstreams::Result<()> {
        let offset = ctx.record_metadata().map_or(-1, |m| m.offset);
        let child = if record.value < 0 {
            "negatives"
        } else {
            "positives"
        };
        ctx.forward_to(child, record.with_value(offset))
    }
}

#[test]
fn forward_to_a_named_child_with_record_metadata() -> kstreams::Result<()> {
    const POS: Topic<String, I64, 1> = Topic::new("pos");
    const NEG: Topic<String, I64, 1> = Topic::new("neg");
    let b = StreamsBuilder::new();
    let routed = b.stream(IN).process(|| Router);
    routed.named("positives").filter(|_, _| true).to(POS);
    routed.named("negatives").filter(|_, _| true).to(NEG);
    let d = TopologyTestDriver::new(b.build()?)?;
    d.create_input_topic(IN)
        .pipe_key_values([("a", 1), ("b", -1), ("c", 2)])?;
    assert_eq!(d.create_output_topic(POS).read_values_to_vec()?, vec![0, 2]);
    assert_eq!(d.create_output_topic(NEG).read_values_to_vec()?, vec![1]);
    Ok(())
}

/// Forwards to a child that does not exist.
struct Lost;

impl Processor<String, i64> for Lost {
    fn process(
        &mut self,
        record: Record<String, i64>,
        ctx: &mut ProcessorContext<'_, String, i64>,
    ) -> kstreams::Result<()> {
        ctx.forward_to("nowhere", record)
    }
}

#[test]
fn forward_to_an_unknown_child_is_an_error_not_a_panic() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    b.stream(IN).process(|| Lost).to(OUT);
    let d = TopologyTestDriver::new(b.build()?)?;
    let err = d.create_input_topic(IN).pipe_input("a", 1).unwrap_err();
    assert!(err.to_string().contains("nowhere"), "{err}");
    Ok(())
}
