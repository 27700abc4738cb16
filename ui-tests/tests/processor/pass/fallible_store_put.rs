//! `?` on a store inside a fallible `#[processor]` function with stores.
use kstreams::serde::I64;
use kstreams::state::KeyValueStore;
use kstreams::{processor, StreamsBuilder, Topic};

const IN: Topic<String, I64, 4> = Topic::new("in");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[processor(stores(totals = KeyValue<String, I64>))]
fn running_total(key: &String, n: i64, totals: &mut dyn KeyValueStore<String, i64>) -> kstreams::Result<i64> {
    let total = totals.get(key)?.unwrap_or(0) + n;
    totals.put(key, &total)?;
    Ok(total)
}

fn main() {
    let b = StreamsBuilder::new();
    b.stream(IN).via(running_total).to(OUT);
    // The ui-tests build kstreams without RocksDB: a persistent store is
    // refused by name at build time; with it, the store is wired.
    match b.build() {
        Ok(topology) => {
            let described = topology.describe().to_string();
            assert!(described.contains("(stores: [totals])"), "{described}");
        }
        Err(e) => assert!(e.to_string().contains("`totals`"), "{e}"),
    }
}
