use kstreams::processor::{Processor, ProcessorContext, Record};
use kstreams::serde::I64;
use kstreams::state::{KeyValueStoreBuilder, StoreKind};
use kstreams::{topology, StreamsBuilder, Topic};

const IN: Topic<String, I64, 4> = Topic::new("in");
const OUT: Topic<String, I64, 4> = Topic::new("out");

struct Counter;

impl Processor<String, i64> for Counter {
    fn process(&mut self, r: Record<String, i64>, ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
        let counts = ctx.get_key_value_store::<String, I64>("counts")?;
        let n = counts.get(&r.key)?.unwrap_or(0) + 1;
        counts.put(&r.key, &n)?;
        ctx.forward(r.with_value(n))
    }
}

#[topology]
fn counting(b: &mut StreamsBuilder) {
    b.add_state_store(KeyValueStoreBuilder::<String, I64>::new("totals", StoreKind::RocksDb));
    b.stream(IN).process_with_stores(|| Counter, &["counts"]).to(OUT);
}

fn main() {}
