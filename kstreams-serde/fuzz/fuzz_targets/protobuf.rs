//! `Protobuf<T>` on arbitrary bytes: decoding never panics, and encoding is
//! idempotent: decode(encode(decode(x))) encodes to the same bytes.
#![no_main]

use std::collections::BTreeMap;

use kstreams_serde::{Protobuf, Serde};
use libfuzzer_sys::fuzz_target;

#[derive(Clone, PartialEq, prost::Message)]
struct Trade {
    #[prost(string, tag = "1")]
    symbol: String,
    #[prost(sint64, tag = "2")]
    shares: i64,
    #[prost(bytes = "vec", tag = "3")]
    raw: Vec<u8>,
    #[prost(uint32, repeated, tag = "4")]
    venues: Vec<u32>,
    #[prost(message, optional, tag = "5")]
    quote: Option<Quote>,
    #[prost(btree_map = "string, int64", tag = "6")]
    limits: BTreeMap<String, i64>,
    #[prost(message, repeated, tag = "7")]
    legs: Vec<Trade>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Quote {
    #[prost(double, tag = "1")]
    price: f64,
    #[prost(bool, tag = "2")]
    firm: bool,
}

/// Bytes of a value, compared instead of values: a NaN price is not equal
/// to itself but has stable bytes.
fn encode(trade: &Trade) -> Vec<u8> {
    <Protobuf<Trade>>::to_bytes(trade)
        .expect("a decoded message encodes")
        .unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    if let Ok(trade) = <Protobuf<Trade>>::deserialize(data) {
        let bytes = encode(&trade);
        let again = <Protobuf<Trade>>::deserialize(&bytes).expect("our own encoding decodes");
        assert_eq!(encode(&again), bytes);
    }
    let _ = <Protobuf<Quote>>::deserialize(data);
});
