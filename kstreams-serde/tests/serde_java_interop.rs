//! Interop fixtures: byte strings that Kafka's Java serializers produce for
//! known values. We must decode each to its value and encode the value to
//! the same bytes.
//!
//! The bytes are written by hand from the Java sources' layouts
//! (`IntegerSerializer`, `LongSerializer`, `DoubleSerializer`,
//! `StringSerializer`, `UUIDSerializer`, `VoidSerializer`,
//! `TimeWindowedSerializer`, `SessionWindowedSerializer`,
//! `WindowKeySchema.toStoreKeyBinary`), each named next to its fixture.

use kstreams_serde::{
    Bytes, RawWindowStoreKey, Serde, SessionWindowed, TimeWindowed, Uuid, Window, Windowed, F64,
    I32, I64, U64,
};

/// `"00 ff"` → `[0x00, 0xff]`; ASCII text between quotes is taken as is.
fn hex(spec: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, part) in spec.split('"').enumerate() {
        if i % 2 == 1 {
            out.extend_from_slice(part.as_bytes());
        } else {
            for byte in part.split_whitespace() {
                out.push(u8::from_str_radix(byte, 16).expect("fixture hex"));
            }
        }
    }
    out
}

/// Java wrote `bytes` for `value`: we read `value` and write `bytes`.
#[track_caller]
fn fixture<S: Serde>(value: S::Target, bytes: &str)
where
    S::Target: PartialEq + std::fmt::Debug,
{
    let bytes = hex(bytes);
    assert_eq!(
        S::deserialize(&bytes).expect("decode Java bytes"),
        value,
        "decoding {bytes:02x?}"
    );
    assert_eq!(
        S::to_bytes(&value).expect("encode"),
        Some(bytes),
        "encoding {value:?}"
    );
}

#[test]
fn integer_serializer() {
    fixture::<I32>(-1, "ff ff ff ff"); // new IntegerSerializer().serialize(t, -1)
    fixture::<I32>(0, "00 00 00 00");
    fixture::<I32>(256, "00 00 01 00");
    fixture::<I32>(i32::MIN, "80 00 00 00"); // Integer.MIN_VALUE
    fixture::<I32>(i32::MAX, "7f ff ff ff");
}

#[test]
fn long_serializer() {
    fixture::<I64>(1, "00 00 00 00 00 00 00 01"); // new LongSerializer().serialize(t, 1L)
    fixture::<I64>(-1, "ff ff ff ff ff ff ff ff");
    fixture::<I64>(1_234_567_890_123, "00 00 01 1f 71 fb 04 cb");
    fixture::<I64>(i64::MIN, "80 00 00 00 00 00 00 00");
    // U64 shares LongSerializer's bytes: Java reads u64::MAX as -1L.
    fixture::<U64>(u64::MAX, "ff ff ff ff ff ff ff ff");
    fixture::<U64>(1, "00 00 00 00 00 00 00 01");
}

#[test]
fn double_serializer() {
    fixture::<F64>(1.5, "3f f8 00 00 00 00 00 00"); // new DoubleSerializer().serialize(t, 1.5)
    fixture::<F64>(0.1, "3f b9 99 99 99 99 99 9a");
    fixture::<F64>(-2.5, "c0 04 00 00 00 00 00 00");
    fixture::<F64>(f64::INFINITY, "7f f0 00 00 00 00 00 00");
    assert_eq!(
        F64::to_bytes(&-0.0).expect("encode"),
        Some(hex("80 00 00 00 00 00 00 00"))
    );
    // Double.doubleToLongBits(Double.NaN) is the canonical 0x7ff8000000000000.
    assert_eq!(
        F64::to_bytes(&f64::NAN).expect("encode"),
        Some(hex("7f f8 00 00 00 00 00 00"))
    );
    assert!(F64::deserialize(&hex("7f f8 00 00 00 00 00 00"))
        .expect("decode")
        .is_nan());
}

#[test]
fn string_serializer() {
    fixture::<String>("kafka".to_owned(), "6b 61 66 6b 61"); // new StringSerializer().serialize(t, "kafka")
    fixture::<String>("日本".to_owned(), "e6 97 a5 e6 9c ac");
    fixture::<String>(String::new(), "");
}

#[test]
fn byte_array_serializer() {
    fixture::<Bytes>(vec![0xde, 0xad, 0xbe, 0xef], "de ad be ef");
}

#[test]
fn uuid_serializer() {
    // new UUIDSerializer().serialize(t, UUID.fromString("123e4567-e89b-12d3-a456-426614174000"))
    let id = uuid::Uuid::from_u128(0x123e_4567_e89b_12d3_a456_4266_1417_4000);
    fixture::<Uuid>(id, r#""123e4567-e89b-12d3-a456-426614174000""#);
    fixture::<Uuid>(
        uuid::Uuid::nil(),
        r#""00000000-0000-0000-0000-000000000000""#,
    );
}

#[test]
fn void_serializer_and_nulls() {
    // VoidSerializer always returns null; VoidDeserializer accepts only null.
    assert_eq!(<()>::to_bytes(&()).expect("encode"), None);
    assert_eq!(<()>::from_bytes(None).expect("decode"), ());
    // Any serializer given a Java null returns null: our None.
    assert_eq!(<Option<I64>>::to_bytes(&None).expect("encode"), None);
    assert_eq!(<Option<String>>::from_bytes(None).expect("decode"), None);
}

#[test]
fn time_windowed_serializer() {
    // new TimeWindowedSerializer<>(new StringSerializer())
    //     .serialize(t, new Windowed<>("alice", new TimeWindow(1000, 61000)))
    fixture::<TimeWindowed<String, 60_000>>(
        Windowed::new("alice".to_owned(), Window::new(1_000, 61_000)),
        r#""alice" 00 00 00 00 00 00 03 e8"#,
    );
    // A Long key in a 5-minute window starting at 1_700_000_000_000.
    fixture::<TimeWindowed<I64, 300_000>>(
        Windowed::new(42, Window::new(1_700_000_000_000, 1_700_000_300_000)),
        "00 00 00 00 00 00 00 2a  00 00 01 8b cf e5 68 00",
    );
}

#[test]
fn session_windowed_serializer() {
    // new SessionWindowedSerializer<>(new StringSerializer())
    //     .serialize(t, new Windowed<>("bob", new SessionWindow(1000, 5000)))
    // SessionKeySchema.toBinary: key, then END, then START.
    fixture::<SessionWindowed<String>>(
        Windowed::new("bob".to_owned(), Window::new(1_000, 5_000)),
        r#""bob" 00 00 00 00 00 00 13 88  00 00 00 00 00 00 03 e8"#,
    );
}

#[test]
fn window_store_key_binary() {
    // WindowKeySchema.toStoreKeyBinary(Bytes.wrap("k".getBytes()), 1000L, 7)
    let bytes = hex(r#""k" 00 00 00 00 00 00 03 e8  00 00 00 07"#);
    assert_eq!(
        RawWindowStoreKey {
            key: b"k",
            start_ms: 1_000,
            seq: 7
        }
        .to_vec(),
        bytes
    );
    assert_eq!(
        RawWindowStoreKey::parse(&bytes).expect("parse"),
        RawWindowStoreKey {
            key: b"k",
            start_ms: 1_000,
            seq: 7
        }
    );
}
