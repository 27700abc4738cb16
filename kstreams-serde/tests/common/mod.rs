//! Types and strategies shared by the integration tests.
#![allow(dead_code)]

use proptest::prelude::*;

/// A structured JSON value (no floats: JSON text does not keep every f64).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Payment {
    pub id: String,
    pub cents: i64,
    pub attempts: u64,
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Status {
    Pending,
    Success { settled_ms: i64 },
    Failed(String),
}

/// A protobuf message with scalar, bytes, repeated and nested fields.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Trade {
    #[prost(string, tag = "1")]
    pub symbol: String,
    #[prost(sint64, tag = "2")]
    pub shares: i64,
    #[prost(bytes = "vec", tag = "3")]
    pub raw: Vec<u8>,
    #[prost(uint32, repeated, tag = "4")]
    pub venues: Vec<u32>,
    #[prost(message, optional, tag = "5")]
    pub quote: Option<Quote>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Quote {
    #[prost(double, tag = "1")]
    pub price: f64,
    #[prost(bool, tag = "2")]
    pub firm: bool,
}

pub fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Pending),
        any::<i64>().prop_map(|settled_ms| Status::Success { settled_ms }),
        any::<String>().prop_map(Status::Failed),
    ]
}

pub fn payment() -> impl Strategy<Value = Payment> {
    (
        any::<String>(),
        any::<i64>(),
        any::<u64>(),
        proptest::collection::vec(any::<String>(), 0..4),
        any::<Option<String>>(),
        status(),
    )
        .prop_map(|(id, cents, attempts, tags, note, status)| Payment {
            id,
            cents,
            attempts,
            tags,
            note,
            status,
        })
}

pub fn trade() -> impl Strategy<Value = Trade> {
    let quote = (
        proptest::num::f64::NORMAL | proptest::num::f64::ZERO | proptest::num::f64::INFINITE,
        any::<bool>(),
    )
        .prop_map(|(price, firm)| Quote { price, firm });
    (
        any::<String>(),
        any::<i64>(),
        proptest::collection::vec(any::<u8>(), 0..32),
        proptest::collection::vec(any::<u32>(), 0..8),
        proptest::option::of(quote),
    )
        .prop_map(|(symbol, shares, raw, venues, quote)| Trade {
            symbol,
            shares,
            raw,
            venues,
            quote,
        })
}

/// Arbitrary input for decoders: mostly short, sometimes empty.
pub fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..64)
}
