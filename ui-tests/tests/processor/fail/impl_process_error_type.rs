use kstreams::processor::{ProcessorContext, Record};
use kstreams::processor;

#[derive(Default)]
struct Parse;

#[processor]
impl Parse {
    fn process(&mut self, r: Record<String, String>, ctx: &mut ProcessorContext<'_, String, i64>) -> Result<(), i32> {
        let n = r.value.parse::<i64>().map_err(|_| -1)?;
        ctx.forward(r.with_value(n)).map_err(|_| -2)
    }
}

fn main() {}
