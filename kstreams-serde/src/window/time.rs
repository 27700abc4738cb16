//! [`TimeWindowed`]: keys of tumbling and hopping window aggregations, as
//! Java's `TimeWindowedSerializer` / `TimeWindowedDeserializer` write and
//! read them (`WindowKeySchema.toBinary` / `WindowKeySchema.from`).

use std::marker::PhantomData;

use super::{RawTimeWindowedKey, Window, Windowed};
use crate::marker::marker_impls;
use crate::{Serde, SerdeError};

/// A [`Windowed`] key of a time window of `SIZE_MS` milliseconds, written
/// `[key bytes as KS writes them][window start: i64 big-endian]`.
///
/// The end of the window is not written: on read it is `start + SIZE_MS`
/// (clamped to `i64::MAX`), as Java's `TimeWindowedDeserializer` computes
/// it from the window size it is given. Writing uses only the start.
///
/// Windows Java rejects (negative start, an end not after the start) are
/// [`SerdeError::InvalidWindow`] both ways; input shorter than the 8-byte
/// suffix is [`SerdeError::TooShort`]; errors of `KS` pass through.
///
/// ```
/// use kstreams_serde::{Serde, TimeWindowed, Window, Windowed};
///
/// type PerMinute = TimeWindowed<String, 60_000>;
/// let key = Windowed::new("alice".to_owned(), Window::new(60_000, 120_000));
/// let bytes = PerMinute::to_bytes(&key)?.unwrap_or_default();
/// assert_eq!(bytes, b"alice\0\0\0\0\0\0\xea\x60");
/// assert_eq!(PerMinute::deserialize(&bytes)?, key);
/// # Ok::<(), kstreams_serde::SerdeError>(())
/// ```
///
/// The size must be positive; using a serde with another size does not
/// compile:
///
/// ```compile_fail
/// use kstreams_serde::{Serde, TimeWindowed, I64};
///
/// let _ = <TimeWindowed<I64, 0>>::deserialize(&[0; 16]);
/// ```
pub struct TimeWindowed<KS, const SIZE_MS: i64>(PhantomData<fn() -> KS>);

marker_impls!([KS, const SIZE_MS: i64] TimeWindowed<KS, SIZE_MS>);

impl<KS, const SIZE_MS: i64> TimeWindowed<KS, SIZE_MS> {
    /// The window size, checked at compile time to be positive.
    pub const WINDOW_SIZE_MS: i64 = {
        assert!(
            SIZE_MS > 0,
            "TimeWindowed<KS, SIZE_MS>: the window size SIZE_MS must be positive"
        );
        SIZE_MS
    };
}

impl<KS: Serde, const SIZE_MS: i64> TimeWindowed<KS, SIZE_MS> {
    /// The window that starts at `start_ms`, if Kafka Streams allows it.
    fn window(start_ms: i64) -> Result<Window, SerdeError> {
        Window::for_size(start_ms, Self::WINDOW_SIZE_MS).check_time(Self::name())
    }
}

impl<KS: Serde, const SIZE_MS: i64> Serde for TimeWindowed<KS, SIZE_MS> {
    type Target = Windowed<KS::Target>;

    fn serialize(value: &Windowed<KS::Target>, out: &mut Vec<u8>) -> Result<(), SerdeError> {
        let window = Self::window(value.window.start_ms)?;
        KS::serialize(&value.key, out)?;
        RawTimeWindowedKey::put_suffix(window.start_ms, out);
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<Windowed<KS::Target>, SerdeError> {
        let raw = RawTimeWindowedKey::parse_as(Self::name(), bytes)?;
        let window = Self::window(raw.start_ms)?;
        Ok(Windowed {
            key: KS::deserialize(raw.key)?,
            window,
        })
    }
    /// The key's own bytes, before `[start]` (Java's
    /// `TimeWindowedSerializer.serializeBaseKey`).
    fn partition_bytes(serialized: &[u8]) -> &[u8] {
        &serialized[..serialized
            .len()
            .saturating_sub(RawTimeWindowedKey::SUFFIX_LEN)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::I32;

    type Tw = TimeWindowed<I32, 10>;

    #[test]
    fn windowed_keys_partition_by_the_inner_key() {
        let bytes = Tw::to_bytes(&Windowed::new(7, crate::Window::new(20, 30)))
            .expect("serializes")
            .expect("not null");
        assert_eq!(Tw::partition_bytes(&bytes), 7i32.to_be_bytes());
    }

    #[test]
    fn end_is_start_plus_size() {
        let key = Tw::deserialize(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5]).unwrap();
        assert_eq!(key, Windowed::new(1, Window::new(5, 15)));
    }

    #[test]
    fn end_clamps_at_max() {
        let key = Windowed::new(1, Window::for_size(i64::MAX - 3, 10));
        let bytes = Tw::to_bytes(&key).unwrap().unwrap();
        assert_eq!(Tw::deserialize(&bytes).unwrap().window.end_ms, i64::MAX);
    }

    #[test]
    fn java_rejected_windows_are_errors() {
        let negative = [0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            Tw::deserialize(&negative),
            Err(SerdeError::InvalidWindow { start_ms: -1, .. })
        ));
        let at_max = Windowed::new(1, Window::new(i64::MAX, i64::MAX));
        assert!(matches!(
            Tw::to_bytes(&at_max),
            Err(SerdeError::InvalidWindow { .. })
        ));
    }

    #[test]
    fn inner_errors_pass_through() {
        assert!(matches!(
            Tw::deserialize(&[0; 11]),
            Err(SerdeError::WrongLength {
                serde: "I32",
                actual: 3,
                ..
            })
        ));
        assert!(matches!(
            Tw::deserialize(&[0; 7]),
            Err(SerdeError::TooShort {
                min: 8,
                actual: 7,
                ..
            })
        ));
    }
}
