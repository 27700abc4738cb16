//! [`Json<T>`]: any `serde` type as JSON text.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::marker::marker_impls;
use crate::{Serde, SerdeError};

/// `T` as compact UTF-8 JSON, through `serde_json`.
///
/// The bytes are plain JSON with no header, what a Jackson-based Java serde
/// (e.g. Spring Kafka's `JsonSerializer`, or Kafka Connect's `JsonSerializer`
/// without schemas) reads and writes. Not Confluent Schema Registry's
/// framing (magic byte and schema id).
///
/// A JSON `null` is 4 bytes of text, not a Kafka `null`: for tombstones use
/// `Option<Json<T>>`. Decoding is bounded by `serde_json`'s recursion limit,
/// so hostile input cannot overflow the stack.
///
/// `Json<T>` is a zero-sized marker: it is `Copy`, `Default` and `Debug`
/// whatever `T` is.
///
/// ```
/// use kstreams_serde::{Json, Serde};
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Payment {
///     id: String,
///     cents: i64,
/// }
///
/// let payment = Payment { id: "p-1".into(), cents: 250 };
/// let bytes = <Json<Payment>>::to_bytes(&payment)?.unwrap_or_default();
/// assert_eq!(bytes, br#"{"id":"p-1","cents":250}"#);
/// assert_eq!(<Json<Payment>>::deserialize(&bytes)?, payment);
/// # Ok::<(), kstreams_serde::SerdeError>(())
/// ```
pub struct Json<T>(PhantomData<fn() -> T>);

marker_impls!([T] Json<T>);

impl<T: Serialize + DeserializeOwned + 'static> Serde for Json<T> {
    type Target = T;

    fn serialize(value: &T, out: &mut Vec<u8>) -> Result<(), SerdeError> {
        serde_json::to_writer(out, value)?;
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<T, SerdeError> {
        Ok(serde_json::from_slice(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Neither `Clone` nor `Debug`: the marker must not need them.
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Opaque(u8);

    #[test]
    fn marker_needs_nothing_from_t() {
        let serde = Json::<Opaque>::default();
        let copy = serde;
        assert!(format!("{copy:?}").contains("Json<"));
        assert_eq!(std::mem::size_of::<Json<Opaque>>(), 0);
    }

    #[test]
    fn errors_are_json_errors() {
        assert!(matches!(
            <Json<u8>>::deserialize(b"300"),
            Err(SerdeError::Json(_))
        ));
        assert!(matches!(
            <Json<u8>>::deserialize(b""),
            Err(SerdeError::Json(_))
        ));
        // Non-string map keys cannot be written as JSON object keys.
        let map = HashMap::from([((1u8, 2u8), 3u8)]);
        assert!(matches!(
            <Json<HashMap<(u8, u8), u8>>>::to_bytes(&map),
            Err(SerdeError::Json(_))
        ));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert!(matches!(
            <Json<serde_json::Value>>::deserialize(deep.as_bytes()),
            Err(SerdeError::Json(_))
        ));
    }
}
