//! Kafka `null`: the `()` serde (Java's `VoidSerde`) and `Option<S>`
//! (tombstones and missing keys).
//!
//! `null` is not a byte string: a serde says a value is `null` through
//! [`Serde::is_null`] and reads one through [`Serde::deserialize_null`]. Such
//! a value has no bytes, so asking [`Serde::serialize`] for them is an
//! error ([`SerdeError::NullHasNoBytes`]), never an empty byte string: an
//! empty string and a tombstone are different records.

use crate::{Serde, SerdeError};

/// `()` is always Kafka `null`, like Java's `VoidSerde`: for keys a topology
/// ignores (records produced without a key) or values that carry nothing.
///
/// Reading any bytes, even an empty byte string, is
/// [`SerdeError::UnexpectedBytes`], as Java's `VoidDeserializer` throws
/// "Data should be null for a VoidDeserializer."
impl Serde for () {
    type Target = ();

    fn serialize(_value: &(), _out: &mut Vec<u8>) -> Result<(), SerdeError> {
        Err(SerdeError::NullHasNoBytes {
            serde: Self::name(),
        })
    }

    fn deserialize(bytes: &[u8]) -> Result<(), SerdeError> {
        Err(SerdeError::UnexpectedBytes {
            serde: Self::name(),
            actual: bytes.len(),
        })
    }

    fn is_null(_value: &()) -> bool {
        true
    }

    fn deserialize_null() -> Result<(), SerdeError> {
        Ok(())
    }

    fn name() -> &'static str {
        "()"
    }
}

/// `Option<S>` makes any serde nullable: `None` is Kafka `null` (a
/// tombstone value, a missing key), `Some(v)` is written as `S` writes `v`.
///
/// This is how a Java serde treats a Java `null`, made explicit in the type.
/// A `Some` of a value that `S` itself writes as `null` (e.g.
/// `Some(None)` with `Option<Option<S>>`) is also written as `null`, and
/// reads back as `None`.
///
/// ```
/// use kstreams_serde::{I64, Serde};
///
/// assert_eq!(<Option<I64>>::to_bytes(&None)?, None);
/// assert_eq!(<Option<I64>>::from_bytes(None)?, None);
/// assert_eq!(<Option<I64>>::from_bytes(Some(&[0, 0, 0, 0, 0, 0, 0, 7]))?, Some(7));
/// # Ok::<(), kstreams_serde::SerdeError>(())
/// ```
impl<S: Serde> Serde for Option<S> {
    type Target = Option<S::Target>;

    fn serialize(value: &Option<S::Target>, out: &mut Vec<u8>) -> Result<(), SerdeError> {
        match value {
            Some(value) => S::serialize(value, out),
            None => Err(SerdeError::NullHasNoBytes {
                serde: Self::name(),
            }),
        }
    }

    fn deserialize(bytes: &[u8]) -> Result<Option<S::Target>, SerdeError> {
        S::deserialize(bytes).map(Some)
    }

    fn is_null(value: &Option<S::Target>) -> bool {
        value.as_ref().is_none_or(S::is_null)
    }

    fn deserialize_null() -> Result<Option<S::Target>, SerdeError> {
        Ok(None)
    }

    fn partition_bytes(serialized: &[u8]) -> &[u8] {
        S::partition_bytes(serialized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::I32;

    #[test]
    fn unit_is_always_null() {
        assert_eq!(<()>::to_bytes(&()).unwrap(), None);
        <()>::from_bytes(None).unwrap();
        assert!(matches!(
            <()>::from_bytes(Some(b"")),
            Err(SerdeError::UnexpectedBytes {
                serde: "()",
                actual: 0
            })
        ));
        assert!(matches!(
            <()>::serialize(&(), &mut Vec::new()),
            Err(SerdeError::NullHasNoBytes { .. })
        ));
    }

    #[test]
    fn option_maps_none_to_null() {
        assert_eq!(
            <Option<I32>>::to_bytes(&Some(1)).unwrap(),
            Some(vec![0, 0, 0, 1])
        );
        assert_eq!(<Option<I32>>::to_bytes(&None).unwrap(), None);
        assert!(matches!(
            <Option<I32>>::serialize(&None, &mut Vec::new()),
            Err(SerdeError::NullHasNoBytes { .. })
        ));
        assert!(matches!(
            <Option<I32>>::deserialize(&[1]),
            Err(SerdeError::WrongLength { serde: "I32", .. })
        ));
    }

    #[test]
    fn nested_null_collapses_to_none() {
        assert!(<Option<Option<I32>>>::is_null(&Some(None)));
        assert_eq!(<Option<Option<I32>>>::from_bytes(None).unwrap(), None);
        assert!(<Option<()>>::is_null(&Some(())));
    }
}
