//! `Json<T>` on arbitrary bytes: decoding never panics, and a value that
//! decodes re-encodes to bytes that decode to the same value.
#![no_main]

use kstreams_serde::{Json, Serde};
use libfuzzer_sys::fuzz_target;

/// Strings, integers, options, sequences, enums and recursion; no floats,
/// whose JSON text does not round-trip every bit.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Payment {
    id: String,
    cents: i64,
    attempts: u64,
    tags: Vec<String>,
    note: Option<String>,
    status: Status,
    retry_of: Option<Box<Payment>>,
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
enum Status {
    Pending,
    Success { settled_ms: i64 },
    Failed(String),
}

fuzz_target!(|data: &[u8]| {
    if let Ok(payment) = <Json<Payment>>::deserialize(data) {
        let bytes = <Json<Payment>>::to_bytes(&payment)
            .expect("a decoded value encodes")
            .unwrap_or_default();
        let again = <Json<Payment>>::deserialize(&bytes).expect("our own JSON decodes");
        assert_eq!(again, payment);
    }
    if let Ok(value) = <Json<serde_json::Value>>::deserialize(data) {
        <Json<serde_json::Value>>::to_bytes(&value).expect("any JSON value encodes");
    }
    let _ = <Option<Json<Vec<Option<String>>>>>::from_bytes(Some(data));
});
