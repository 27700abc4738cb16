//! A fallible key-changing mapper returning the user's own error type.
use kstreams::serde::I64;
use kstreams::{processor, StreamsBuilder, Topic};

const IN: Topic<String, I64, 4> = Topic::new("in");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[derive(Debug)]
pub enum RoutingError {
    NoRegion(String),
}

impl std::fmt::Display for RoutingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RoutingError::NoRegion(key) => write!(f, "no region in key `{key}`"),
        }
    }
}

impl std::error::Error for RoutingError {}

#[processor]
fn by_region(key: String, cents: i64) -> Result<(String, i64), RoutingError> {
    match key.split_once('/') {
        Some((region, _)) => Ok((region.to_string(), cents)),
        None => Err(RoutingError::NoRegion(key)),
    }
}

fn main() {
    let b = StreamsBuilder::new();
    b.stream(IN).via(by_region).to(OUT);
    b.build().unwrap();
}
