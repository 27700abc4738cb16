//! [`Uuid`]: UUIDs as their 36-character string, Java's `UUIDSerializer`.

use crate::{Serde, SerdeError};

/// The length of the hyphenated form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
const HYPHENATED_LEN: usize = 36;

/// [`uuid::Uuid`] as the UTF-8 bytes of its hyphenated lower-case string
/// (`123e4567-e89b-12d3-a456-426614174000`), exactly what Java's
/// `UUIDSerializer` writes (`UUID.toString()`, UTF-8). Not the 16 raw bytes.
///
/// Decoding accepts the hyphenated form in either case, as Java's
/// `UUID.fromString` does, and nothing else: any other length is
/// [`SerdeError::WrongLength`], a malformed string [`SerdeError::Uuid`].
///
/// ```
/// use kstreams_serde::{Serde, Uuid};
///
/// let id = uuid::Uuid::from_u128(0x123e4567_e89b_12d3_a456_426614174000);
/// let bytes = Uuid::to_bytes(&id)?.unwrap_or_default();
/// assert_eq!(bytes, b"123e4567-e89b-12d3-a456-426614174000");
/// assert_eq!(Uuid::deserialize(&bytes)?, id);
/// # Ok::<(), kstreams_serde::SerdeError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Uuid;

impl Serde for Uuid {
    type Target = uuid::Uuid;

    fn serialize(value: &uuid::Uuid, out: &mut Vec<u8>) -> Result<(), SerdeError> {
        let mut buf = [0u8; HYPHENATED_LEN];
        out.extend_from_slice(value.hyphenated().encode_lower(&mut buf).as_bytes());
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<uuid::Uuid, SerdeError> {
        if bytes.len() != HYPHENATED_LEN {
            return Err(SerdeError::WrongLength {
                serde: Self::name(),
                expected: HYPHENATED_LEN,
                actual: bytes.len(),
            });
        }
        uuid::Uuid::try_parse_ascii(bytes).map_err(|source| SerdeError::Uuid {
            serde: Self::name(),
            source,
        })
    }

    fn name() -> &'static str {
        "Uuid"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_case_is_accepted_and_lower_case_written() {
        let id = Uuid::deserialize(b"123E4567-E89B-12D3-A456-426614174000").unwrap();
        assert_eq!(
            Uuid::to_bytes(&id).unwrap().unwrap(),
            b"123e4567-e89b-12d3-a456-426614174000"
        );
    }

    #[test]
    fn other_forms_are_rejected() {
        // 32 hex digits without hyphens: Java's UUID.fromString rejects it too.
        let simple = b"123e4567e89b12d3a456426614174000";
        assert!(matches!(
            Uuid::deserialize(simple),
            Err(SerdeError::WrongLength {
                expected: 36,
                actual: 32,
                ..
            })
        ));
        let bad = b"123e4567-e89b-12d3-a456-42661417400g";
        assert!(matches!(
            Uuid::deserialize(bad),
            Err(SerdeError::Uuid { serde: "Uuid", .. })
        ));
    }
}
