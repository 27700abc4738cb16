//! Property tests: every serde reads back exactly what it wrote, and every
//! raw key layout splits exactly what it joined.

mod common;

use common::{payment, trade, Payment, Trade};
use kstreams_serde::{
    Bytes, Json, Protobuf, RawSessionKey, RawTimeWindowedKey, RawWindowStoreKey, Serde,
    SessionWindowed, TimeWindowed, Uuid, Window, Windowed, F64, I32, I64, U64,
};
use proptest::prelude::*;

/// `value` → bytes (or null) → value, through the public entry points.
fn round_trip<S: Serde>(value: &S::Target) -> S::Target {
    let bytes = S::to_bytes(value).expect("serialize");
    S::from_bytes(bytes.as_deref()).expect("deserialize")
}

/// Bytes → value → the same bytes: for formats with one encoding per value.
fn canonical<S: Serde>(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(value) = S::deserialize(bytes) {
        let again = S::to_bytes(&value).expect("re-serialize");
        prop_assert_eq!(again.as_deref(), Some(bytes));
    }
    Ok(())
}

const MINUTE: i64 = 60_000;

fn time_window(size_ms: i64) -> impl Strategy<Value = Window> {
    (0..i64::MAX).prop_map(move |start| Window::for_size(start, size_ms))
}

fn session_window() -> impl Strategy<Value = Window> {
    (0..=i64::MAX)
        .prop_flat_map(|start| (Just(start), start..=i64::MAX))
        .prop_map(|(s, e)| Window::new(s, e))
}

proptest! {
    #[test]
    fn string(value in any::<String>()) {
        prop_assert_eq!(round_trip::<String>(&value), value);
    }

    #[test]
    fn bytes(value in common::bytes()) {
        prop_assert_eq!(round_trip::<Bytes>(&value), value);
    }

    #[test]
    fn i32(value in any::<i32>()) {
        prop_assert_eq!(round_trip::<I32>(&value), value);
    }

    #[test]
    fn i64(value in any::<i64>()) {
        prop_assert_eq!(round_trip::<I64>(&value), value);
    }

    #[test]
    fn u64(value in any::<u64>()) {
        prop_assert_eq!(round_trip::<U64>(&value), value);
    }

    #[test]
    fn f64(bits in any::<u64>()) {
        let value = f64::from_bits(bits);
        let back = round_trip::<F64>(&value);
        if value.is_nan() {
            prop_assert!(back.is_nan());
        } else {
            prop_assert_eq!(back.to_bits(), bits);
        }
    }

    #[test]
    fn uuid(value in any::<u128>()) {
        let id = uuid::Uuid::from_u128(value);
        prop_assert_eq!(round_trip::<Uuid>(&id), id);
    }

    #[test]
    fn option(value in any::<Option<i64>>(), text in any::<Option<String>>()) {
        prop_assert_eq!(round_trip::<Option<I64>>(&value), value);
        prop_assert_eq!(round_trip::<Option<String>>(&text), text.clone());
        prop_assert_eq!(<Option<String>>::to_bytes(&text).expect("serialize").is_none(), text.is_none());
    }

    #[test]
    fn json(value in payment()) {
        prop_assert_eq!(round_trip::<Json<Payment>>(&value), value.clone());
        let tombstone = Some(value);
        prop_assert_eq!(round_trip::<Option<Json<Payment>>>(&tombstone), tombstone);
    }

    #[test]
    fn protobuf(value in trade()) {
        prop_assert_eq!(round_trip::<Protobuf<Trade>>(&value), value);
    }

    #[test]
    fn time_windowed(key in any::<String>(), window in time_window(MINUTE), n in any::<i64>(), w1 in time_window(1)) {
        let value = Windowed::new(key, window);
        prop_assert_eq!(round_trip::<TimeWindowed<String, MINUTE>>(&value), value);
        let value = Windowed::new(n, w1);
        prop_assert_eq!(round_trip::<TimeWindowed<I64, 1>>(&value), value);
    }

    #[test]
    fn session_windowed(key in any::<String>(), window in session_window(), payment in payment()) {
        let value = Windowed::new(key, window);
        prop_assert_eq!(round_trip::<SessionWindowed<String>>(&value), value);
        let value = Windowed::new(payment, window);
        prop_assert_eq!(round_trip::<SessionWindowed<Json<Payment>>>(&value), value);
    }

    #[test]
    fn canonical_encodings(bytes in common::bytes()) {
        canonical::<String>(&bytes)?;
        canonical::<Bytes>(&bytes)?;
        canonical::<I32>(&bytes)?;
        canonical::<I64>(&bytes)?;
        canonical::<U64>(&bytes)?;
        canonical::<Option<Bytes>>(&bytes)?;
        canonical::<TimeWindowed<Bytes, MINUTE>>(&bytes)?;
        canonical::<SessionWindowed<Bytes>>(&bytes)?;
    }

    #[test]
    fn raw_keys(key in common::bytes(), start_ms in any::<i64>(), end_ms in any::<i64>(), seq in any::<u32>()) {
        let mut out = Vec::new();
        RawTimeWindowedKey { key: &key, start_ms }.write(&mut out);
        prop_assert_eq!(RawTimeWindowedKey::parse(&out)?, RawTimeWindowedKey { key: &key, start_ms });

        let store = RawWindowStoreKey { key: &key, start_ms, seq };
        let out = store.to_vec();
        prop_assert_eq!(out.len(), key.len() + RawWindowStoreKey::SUFFIX_LEN);
        prop_assert_eq!(RawWindowStoreKey::parse(&out)?, store);

        let session = RawSessionKey { key: &key, window: Window::new(start_ms, end_ms) };
        let out = session.to_vec();
        prop_assert_eq!(RawSessionKey::parse(&out)?, session);
    }

    /// For one key, the bytewise order of store keys is the numeric order
    /// of their suffix, which is what a RocksDB range scan relies on.
    #[test]
    fn store_keys_sort_like_their_timestamps(
        key in common::bytes(),
        a in (0..=i64::MAX, 0..=i32::MAX.unsigned_abs()),
        b in (0..=i64::MAX, 0..=i32::MAX.unsigned_abs()),
    ) {
        let ka = RawWindowStoreKey { key: &key, start_ms: a.0, seq: a.1 }.to_vec();
        let kb = RawWindowStoreKey { key: &key, start_ms: b.0, seq: b.1 }.to_vec();
        prop_assert_eq!(ka.cmp(&kb), a.cmp(&b));

        let sa = RawSessionKey { key: &key, window: Window::new(a.1.into(), a.0) }.to_vec();
        let sb = RawSessionKey { key: &key, window: Window::new(b.1.into(), b.0) }.to_vec();
        prop_assert_eq!(sa.cmp(&sb), (a.0, a.1).cmp(&(b.0, b.1)), "sessions sort by end, then start");
    }
}
