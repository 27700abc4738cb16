use kstreams::processor::{ProcessorContext, Record};
use kstreams::processor;

#[derive(Default)]
struct Log;

#[processor]
impl Log {
    fn process(&mut self, r: Record<String, String>, _ctx: &mut ProcessorContext<'_, String, String>) {
        println!("{}", r.value);
    }
}

fn main() {}
