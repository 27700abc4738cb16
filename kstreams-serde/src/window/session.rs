//! [`SessionWindowed`]: keys of session window aggregations, as Java's
//! `SessionWindowedSerializer` / `SessionWindowedDeserializer` write and read
//! them (`SessionKeySchema.toBinary` / `SessionKeySchema.from`).

use std::marker::PhantomData;

use super::{RawSessionKey, Windowed};
use crate::marker::marker_impls;
use crate::{Serde, SerdeError};

/// A [`Windowed`] key of a session window, written
/// `[key bytes as KS writes them][end: i64 big-endian][start: i64 big-endian]`.
///
/// Sessions vary in length, so both bounds are written (end first). The
/// same bytes are the keys of a session store and of its changelog.
///
/// Windows Java rejects (negative start, end before start) are
/// [`SerdeError::InvalidWindow`] both ways; input shorter than the 16-byte
/// suffix is [`SerdeError::TooShort`]; errors of `KS` pass through.
///
/// ```
/// use kstreams_serde::{Serde, SessionWindowed, Window, Windowed};
///
/// let key = Windowed::new("bob".to_owned(), Window::new(1_000, 5_000));
/// let bytes = <SessionWindowed<String>>::to_bytes(&key)?.unwrap_or_default();
/// assert_eq!(bytes, b"bob\0\0\0\0\0\0\x13\x88\0\0\0\0\0\0\x03\xe8");
/// assert_eq!(<SessionWindowed<String>>::deserialize(&bytes)?, key);
/// # Ok::<(), kstreams_serde::SerdeError>(())
/// ```
pub struct SessionWindowed<KS>(PhantomData<fn() -> KS>);

marker_impls!([KS] SessionWindowed<KS>);

impl<KS: Serde> Serde for SessionWindowed<KS> {
    type Target = Windowed<KS::Target>;

    fn serialize(value: &Windowed<KS::Target>, out: &mut Vec<u8>) -> Result<(), SerdeError> {
        let window = value.window.check_session(Self::name())?;
        KS::serialize(&value.key, out)?;
        RawSessionKey::put_suffix(window, out);
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<Windowed<KS::Target>, SerdeError> {
        let raw = RawSessionKey::parse_as(Self::name(), bytes)?;
        let window = raw.window.check_session(Self::name())?;
        Ok(Windowed {
            key: KS::deserialize(raw.key)?,
            window,
        })
    }
    /// The key's own bytes, before `[end][start]` (Java's
    /// `SessionWindowedSerializer.serializeBaseKey`).
    fn partition_bytes(serialized: &[u8]) -> &[u8] {
        &serialized[..serialized.len().saturating_sub(RawSessionKey::SUFFIX_LEN)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Window, I64};

    type Sw = SessionWindowed<I64>;

    #[test]
    fn a_session_of_one_record_is_valid() {
        let key = Windowed::new(3, Window::new(7, 7));
        let bytes = Sw::to_bytes(&key).unwrap().unwrap();
        assert_eq!(bytes.len(), 24);
        assert_eq!(Sw::deserialize(&bytes).unwrap(), key);
    }

    #[test]
    fn end_before_start_is_an_error() {
        let mut bytes = vec![0; 8];
        bytes.extend_from_slice(&1i64.to_be_bytes()); // end
        bytes.extend_from_slice(&2i64.to_be_bytes()); // start
        let err = Sw::deserialize(&bytes).unwrap_err();
        assert!(matches!(
            err,
            SerdeError::InvalidWindow {
                start_ms: 2,
                end_ms: 1,
                ..
            }
        ));
        let backwards = Windowed::new(0, Window::new(2, 1));
        assert!(matches!(
            Sw::to_bytes(&backwards),
            Err(SerdeError::InvalidWindow { .. })
        ));
    }

    #[test]
    fn short_input_names_the_serde() {
        let err = Sw::deserialize(&[0; 15]).unwrap_err();
        assert!(
            matches!(err, SerdeError::TooShort { min: 16, actual: 15, serde } if serde.contains("SessionWindowed"))
        );
    }
}
