//! `?` in a `#[processor]` impl's `process` on an error type of the user's:
//! `process` returns `Result<(), E>` (`?` on `kstreams::Error`, e.g. a store,
//! works with `kstreams::Result<()>`: see `stores.rs`).
use kstreams::processor::{ProcessorContext, Record};
use kstreams::serde::I64;
use kstreams::{processor, StreamsBuilder, Topic};

const IN: Topic<String, String, 4> = Topic::new("in");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[derive(Default)]
struct Parse;

#[processor]
impl Parse {
    fn process(
        &mut self,
        r: Record<String, String>,
        ctx: &mut ProcessorContext<'_, String, i64>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let n = r.value.parse::<i64>()?;
        ctx.forward(r.with_value(n))?;
        Ok(())
    }
}

fn main() {
    let b = StreamsBuilder::new();
    b.stream(IN).via(Parse::default).to(OUT);
    b.build().unwrap();
}
