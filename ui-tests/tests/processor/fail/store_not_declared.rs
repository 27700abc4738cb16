use kstreams::processor;

#[processor]
fn count(key: &String, amount: i64, seen: &mut Vec<u64>) -> (String, i64) {
    let _ = seen;
    (key.clone(), amount)
}

fn main() {}
