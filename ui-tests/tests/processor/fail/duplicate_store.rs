use kstreams::processor;

#[processor(stores(seen = KeyValue<String, kstreams::serde::U64>, seen = KeyValue<String, kstreams::serde::U64>))]
fn count(key: &String, amount: i64, seen: &mut Vec<u64>) -> (String, i64) {
    let _ = seen;
    (key.clone(), amount)
}

fn main() {}
