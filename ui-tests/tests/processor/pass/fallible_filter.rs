//! A fallible filter: `kstreams::Result<bool>`, `Ok(true)` keeps the record.
use kstreams::serde::I64;
use kstreams::{processor, Error, StreamsBuilder, Topic};

const IN: Topic<String, I64, 4> = Topic::new("in");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[processor]
fn positive(key: &String, v: &i64) -> kstreams::Result<bool> {
    if key.is_empty() {
        return Err(Error::Processing { node: "positive".into(), message: "no key".into() });
    }
    Ok(*v > 0)
}

fn main() {
    let b = StreamsBuilder::new();
    b.stream(IN).via(positive).to(OUT);
    b.build().unwrap();
    assert!(positive(&"k".to_string(), &1).unwrap());
}
