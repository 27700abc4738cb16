//! A fallible value mapper: `?` on a standard library error.
use kstreams::serde::I64;
use kstreams::{processor, StreamsBuilder, Topic};

const LINES: Topic<String, String, 4> = Topic::new("lines");
const AMOUNTS: Topic<String, I64, 4> = Topic::new("amounts");

#[processor]
fn parse_amount(line: String) -> Result<i64, std::num::ParseIntError> {
    let cents = line.trim().parse::<i64>()?;
    Ok(cents)
}

fn main() {
    let b = StreamsBuilder::new();
    b.stream(LINES).via(parse_amount).to(AMOUNTS);
    b.build().unwrap();
    assert!(parse_amount("x".to_string()).is_err());
}
