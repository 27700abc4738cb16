use kstreams::processor::{ProcessorContext, Record};
use kstreams::serde::I64;
use kstreams::state::KeyValueStore;
use kstreams::{processor, topology, StreamsBuilder, Topic};

const IN: Topic<String, I64, 1> = Topic::new("in");
const OUT: Topic<String, I64, 1> = Topic::new("out");

/// Forwards the first value of each key.
#[processor(stores(seen = KeyValue<String, I64>))]
fn first(key: &String, v: i64, seen: &mut dyn KeyValueStore<String, i64>) -> Vec<i64> {
    if let Ok(None) = seen.get(key) {
        let _ = seen.put(key, &v);
        return vec![v];
    }
    Vec::new()
}

/// Running total per key.
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

#[topology]
fn pipeline(b: &mut StreamsBuilder) {
    b.stream(IN).via(first).via(Totals::default).to(OUT);
}

fn main() {
    // The ui-tests build kstreams without RocksDB: a persistent store is
    // refused by name at build time; with it, both stores are wired.
    match pipeline() {
        Ok(topology) => {
            let described = topology.describe().to_string();
            assert!(described.contains("(stores: [seen])"), "{described}");
            assert!(described.contains("(stores: [totals])"), "{described}");
        }
        Err(e) => assert!(e.to_string().contains("persistent (RocksDB) store"), "{e}"),
    }
}
