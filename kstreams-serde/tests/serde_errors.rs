//! Error cases: malformed input gives the right `SerdeError`, and no
//! decoder panics on any input.

mod common;

use common::{Payment, Trade};
use kstreams_serde::{
    Bytes, Json, Protobuf, RawSessionKey, RawTimeWindowedKey, RawWindowStoreKey, Serde, SerdeError,
    SessionWindowed, TimeWindowed, Uuid, Window, Windowed, F64, I32, I64, U64,
};
use proptest::prelude::*;

/// A decoder with its result thrown away.
type Decode = fn(&[u8]) -> Result<(), SerdeError>;

#[test]
fn wrong_length() {
    let cases: [(Decode, &str, usize); 4] = [
        (|b| I32::deserialize(b).map(drop), "I32", 4),
        (|b| I64::deserialize(b).map(drop), "I64", 8),
        (|b| U64::deserialize(b).map(drop), "U64", 8),
        (|b| F64::deserialize(b).map(drop), "F64", 8),
    ];
    for (decode, name, width) in cases {
        for len in [0, width - 1, width + 1] {
            match decode(&vec![0; len]) {
                Err(SerdeError::WrongLength {
                    serde,
                    expected,
                    actual,
                }) => {
                    assert_eq!((serde, expected, actual), (name, width, len));
                }
                other => panic!("{name} with {len} bytes: {other:?}"),
            }
        }
    }
    assert!(matches!(
        Uuid::deserialize(&[b'0'; 35]),
        Err(SerdeError::WrongLength {
            serde: "Uuid",
            expected: 36,
            actual: 35
        })
    ));
}

#[test]
fn bad_utf8() {
    let err = String::deserialize(&[b'o', b'k', 0xc3]).unwrap_err();
    assert!(matches!(
        &err,
        SerdeError::Utf8 {
            serde: "String",
            ..
        }
    ));
    assert!(err.to_string().starts_with("String: invalid UTF-8"));
    // A windowed String key reports the String serde.
    let bytes = [0xff, 0, 0, 0, 0, 0, 0, 0, 0];
    assert!(matches!(
        <TimeWindowed<String, 10>>::deserialize(&bytes),
        Err(SerdeError::Utf8 {
            serde: "String",
            ..
        })
    ));
}

#[test]
fn bad_uuid() {
    let bytes = b"123e4567+e89b-12d3-a456-426614174000";
    assert!(matches!(
        Uuid::deserialize(bytes),
        Err(SerdeError::Uuid { serde: "Uuid", .. })
    ));
    assert!(matches!(
        Uuid::deserialize(&[0xff; 36]),
        Err(SerdeError::Uuid { .. })
    ));
}

#[test]
fn unexpected_null() {
    for err in [
        I32::from_bytes(None).map(drop).unwrap_err(),
        String::from_bytes(None).map(drop).unwrap_err(),
        Bytes::from_bytes(None).map(drop).unwrap_err(),
        <Json<Payment>>::from_bytes(None).map(drop).unwrap_err(),
        <Protobuf<Trade>>::from_bytes(None).map(drop).unwrap_err(),
        <SessionWindowed<String>>::from_bytes(None)
            .map(drop)
            .unwrap_err(),
    ] {
        assert!(matches!(err, SerdeError::UnexpectedNull { .. }), "{err:?}");
    }
    let message = I64::from_bytes(None).unwrap_err().to_string();
    assert!(message.contains("use Option<I64>"), "{message}");
}

#[test]
fn bytes_where_only_null_is_valid() {
    assert!(matches!(
        <()>::from_bytes(Some(&[1, 2])),
        Err(SerdeError::UnexpectedBytes {
            serde: "()",
            actual: 2
        })
    ));
    assert!(matches!(
        <()>::deserialize(&[]),
        Err(SerdeError::UnexpectedBytes { actual: 0, .. })
    ));
}

#[test]
fn null_values_have_no_bytes() {
    let mut out = Vec::new();
    assert!(matches!(
        <()>::serialize(&(), &mut out),
        Err(SerdeError::NullHasNoBytes { .. })
    ));
    assert!(matches!(
        <Option<I64>>::serialize(&None, &mut out),
        Err(SerdeError::NullHasNoBytes { .. })
    ));
    // A windowed key whose inner key is null cannot be written either.
    let key = Windowed::new(None, Window::new(0, 10));
    assert!(matches!(
        <TimeWindowed<Option<I64>, 10>>::to_bytes(&key),
        Err(SerdeError::NullHasNoBytes { .. })
    ));
    assert!(out.is_empty());
}

#[test]
fn malformed_json_and_protobuf() {
    assert!(matches!(
        <Json<Payment>>::deserialize(b"{\"id\":"),
        Err(SerdeError::Json(_))
    ));
    assert!(matches!(
        <Json<Payment>>::deserialize(b"{}"),
        Err(SerdeError::Json(_))
    ));
    // Field 1 (string) claims 5 bytes, 2 follow.
    assert!(matches!(
        <Protobuf<Trade>>::deserialize(&[0x0a, 5, b'a', b'b']),
        Err(SerdeError::Protobuf(_))
    ));
    // Wire type 7 does not exist.
    assert!(matches!(
        <Protobuf<Trade>>::deserialize(&[0x0f]),
        Err(SerdeError::Protobuf(_))
    ));
}

#[test]
fn short_and_invalid_windows() {
    type Tw = TimeWindowed<Bytes, 1_000>;
    type Sw = SessionWindowed<Bytes>;
    assert!(matches!(
        Tw::deserialize(&[]),
        Err(SerdeError::TooShort {
            min: 8,
            actual: 0,
            ..
        })
    ));
    assert!(matches!(
        Sw::deserialize(&[0; 15]),
        Err(SerdeError::TooShort {
            min: 16,
            actual: 15,
            ..
        })
    ));
    assert!(matches!(
        RawWindowStoreKey::parse(&[0; 11]),
        Err(SerdeError::TooShort {
            serde: "RawWindowStoreKey",
            min: 12,
            ..
        })
    ));
    assert!(matches!(
        RawTimeWindowedKey::parse(&[0; 7]),
        Err(SerdeError::TooShort { min: 8, .. })
    ));
    assert!(matches!(
        RawSessionKey::parse(&[0; 3]),
        Err(SerdeError::TooShort { min: 16, .. })
    ));

    // Java's Window rejects a negative start; TimeWindow also end == start.
    let negative = (-5i64).to_be_bytes();
    assert!(matches!(
        Tw::deserialize(&negative),
        Err(SerdeError::InvalidWindow {
            start_ms: -5,
            end_ms: 995,
            ..
        })
    ));
    let max = i64::MAX.to_be_bytes();
    assert!(matches!(
        Tw::deserialize(&max),
        Err(SerdeError::InvalidWindow { .. })
    ));
    let backwards = Windowed::new(vec![], Window::new(10, 9));
    assert!(matches!(
        Sw::to_bytes(&backwards),
        Err(SerdeError::InvalidWindow {
            start_ms: 10,
            end_ms: 9,
            ..
        })
    ));
}

/// Runs every decoder on `bytes`; any outcome but a panic is fine.
fn decode_everything(bytes: &[u8]) {
    let _ = String::deserialize(bytes);
    let _ = Bytes::deserialize(bytes);
    let _ = I32::deserialize(bytes);
    let _ = I64::deserialize(bytes);
    let _ = U64::deserialize(bytes);
    let _ = F64::deserialize(bytes);
    let _ = Uuid::deserialize(bytes);
    let _ = <()>::deserialize(bytes);
    let _ = <Option<I32>>::deserialize(bytes);
    let _ = <Json<Payment>>::deserialize(bytes);
    let _ = <Json<serde_json::Value>>::deserialize(bytes);
    let _ = <Protobuf<Trade>>::deserialize(bytes);
    let _ = <TimeWindowed<String, 1>>::deserialize(bytes);
    let _ = <TimeWindowed<I64, { i64::MAX }>>::deserialize(bytes);
    let _ = <SessionWindowed<Uuid>>::deserialize(bytes);
    let _ = <SessionWindowed<Json<Payment>>>::deserialize(bytes);
    let _ = RawTimeWindowedKey::parse(bytes);
    let _ = RawWindowStoreKey::parse(bytes);
    let _ = RawSessionKey::parse(bytes);
}

proptest! {
    #[test]
    fn no_decoder_panics(bytes in common::bytes()) {
        decode_everything(&bytes);
    }

    /// Near-miss inputs: valid encodings with one byte changed.
    #[test]
    fn no_decoder_panics_on_mutated_valid_input(payment in common::payment(), trade in common::trade(), at in any::<usize>(), byte in any::<u8>()) {
        for mut bytes in [
            <Json<Payment>>::to_bytes(&payment)?.unwrap_or_default(),
            <Protobuf<Trade>>::to_bytes(&trade)?.unwrap_or_default(),
        ] {
            if !bytes.is_empty() {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            decode_everything(&bytes);
        }
    }
}
