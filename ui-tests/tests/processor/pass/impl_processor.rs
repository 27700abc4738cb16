use kstreams::processor::{ProcessorContext, Record};
use kstreams::serde::I64;
use kstreams::{processor, StreamsBuilder, Topic};

const IN: Topic<String, I64, 1> = Topic::new("in");
const OUT: Topic<String, I64, 1> = Topic::new("out");

/// Sums values, forwards the sum every 10 s of stream time.
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

    #[punctuate(every = "10s", time = StreamTime)]
    fn emit(&mut self, timestamp: i64, ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
        ctx.forward(Record::new("sum".to_string(), self.sum, timestamp))
    }
}

fn main() {
    let b = StreamsBuilder::new();
    b.stream(IN).via(Summer::default).to(OUT);
    b.build().unwrap();
}
