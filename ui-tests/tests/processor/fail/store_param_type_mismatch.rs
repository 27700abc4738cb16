use kstreams::processor;
use kstreams::serde::I64;
use kstreams::state::KeyValueStore;

#[processor(stores(seen = KeyValue<String, I64>))]
fn first(key: &String, v: i64, seen: &mut dyn KeyValueStore<String, String>) -> Vec<i64> {
    let _ = (key, seen);
    vec![v]
}

fn main() {}
