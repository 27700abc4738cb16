//! Windowed keys and raw store keys on arbitrary bytes: decoding never
//! panics, and these layouts have one encoding per value, so whatever
//! decodes must re-encode to exactly the input.
#![no_main]

use kstreams_serde::{
    Bytes, RawSessionKey, RawTimeWindowedKey, RawWindowStoreKey, Serde, SessionWindowed,
    TimeWindowed, Uuid, I64,
};
use libfuzzer_sys::fuzz_target;

/// If `data` decodes, it is the one encoding of its value.
fn canonical<S: Serde>(data: &[u8]) {
    if let Ok(value) = S::deserialize(data) {
        let bytes = S::to_bytes(&value).expect("a decoded windowed key encodes");
        assert_eq!(bytes.as_deref(), Some(data), "{}", S::name());
    }
}

fuzz_target!(|data: &[u8]| {
    canonical::<TimeWindowed<String, 60_000>>(data);
    canonical::<TimeWindowed<Bytes, 1>>(data);
    canonical::<TimeWindowed<I64, { i64::MAX }>>(data);
    canonical::<SessionWindowed<String>>(data);
    canonical::<SessionWindowed<I64>>(data);
    let _ = <SessionWindowed<Uuid>>::deserialize(data);

    if let Ok(raw) = RawTimeWindowedKey::parse(data) {
        let mut out = Vec::new();
        raw.write(&mut out);
        assert_eq!(out, data);
    }
    if let Ok(raw) = RawWindowStoreKey::parse(data) {
        assert_eq!(raw.to_vec(), data);
    }
    if let Ok(raw) = RawSessionKey::parse(data) {
        assert_eq!(raw.to_vec(), data);
    }
});
