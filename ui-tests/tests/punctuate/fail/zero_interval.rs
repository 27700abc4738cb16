use kstreams::processor::{ProcessorContext, Record};
use kstreams::processor;

#[derive(Default)]
struct Summer(i64);

#[processor]
impl Summer {
    fn process(&mut self, record: Record<String, i64>, _ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
        self.0 += record.value;
        Ok(())
    }

    #[punctuate(every = "0s", time = StreamTime)]
    fn emit(&mut self, timestamp: i64, ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
        ctx.forward(Record::new("sum".to_string(), self.0, timestamp))
    }
}

fn main() {}
