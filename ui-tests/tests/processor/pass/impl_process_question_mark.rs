//! `?` in a `#[processor]` impl's `process`: on `kstreams::Error` (a store)
//! and, returning `Result<(), E>`, on an error type of the user's.
use kstreams::processor::{ProcessorContext, Record};
use kstreams::serde::I64;
use kstreams::{processor, StreamsBuilder, Topic};

const IN: Topic<String, String, 4> = Topic::new("in");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[derive(Default)]
struct Totals;

#[processor(stores(totals = KeyValue<String, I64>))]
impl Totals {
    fn process(&mut self, r: Record<String, i64>, ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
        let totals = Self::totals_store(ctx)?;
        let total = totals.get(&r.key)?.unwrap_or(0) + r.value;
        totals.put(&r.key, &total)?;
        ctx.forward(r.with_value(total))
    }
}

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
    b.stream(IN).via(Parse::default).via(Totals::default).to(OUT);
    b.build().unwrap();
}
