use kstreams::processor::{ProcessorContext, Record};
use kstreams::processor;

#[derive(Default)]
struct Heartbeat;

#[processor]
impl Heartbeat {
    fn process(&mut self, _record: Record<String, i64>, _ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
        Ok(())
    }

    #[punctuate(every = "1m30s", time = WallClockTime)]
    fn beat(&mut self, timestamp: i64, ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
        ctx.forward(Record::new("beat".to_string(), timestamp, timestamp))
    }

    #[punctuate(every = "500ms", time = StreamTime)]
    fn tick(&mut self, _timestamp: i64, _ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
        Ok(())
    }
}

fn main() {}
