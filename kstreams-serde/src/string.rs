//! Text and raw bytes: `String` (Java's `StringSerializer`) and [`Bytes`]
//! (Java's `ByteArraySerializer`).
//!
//! `String` is its own serde, so `Topic<String, Bytes, 4>` reads naturally:
//! the key serde and the key type are the same. Both formats are the bytes
//! themselves, with no length prefix; an empty byte string is a valid (empty)
//! value, distinct from Kafka `null`.

use crate::{Serde, SerdeError};

/// Strings as their UTF-8 bytes, as Java's `StringSerializer` writes them
/// with its default `UTF8` encoding.
///
/// Decoding rejects invalid UTF-8 with [`SerdeError::Utf8`] (Java would
/// substitute U+FFFD; we refuse rather than corrupt data silently).
impl Serde for String {
    type Target = String;

    fn serialize(value: &String, out: &mut Vec<u8>) -> Result<(), SerdeError> {
        out.extend_from_slice(value.as_bytes());
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<String, SerdeError> {
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|source| SerdeError::Utf8 {
                serde: Self::name(),
                source,
            })
    }

    fn name() -> &'static str {
        "String"
    }
}

/// Raw bytes, unchanged: Java's `ByteArraySerializer` (and `BytesSerializer`).
///
/// The serde for keys and values you pass through without looking at them.
///
/// ```
/// use kstreams_serde::{Bytes, Serde};
///
/// let bytes = Bytes::to_bytes(&vec![0xca, 0xfe])?;
/// assert_eq!(bytes.as_deref(), Some(&[0xca, 0xfe][..]));
/// # Ok::<(), kstreams_serde::SerdeError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Bytes;

impl Serde for Bytes {
    type Target = Vec<u8>;

    fn serialize(value: &Vec<u8>, out: &mut Vec<u8>) -> Result<(), SerdeError> {
        out.extend_from_slice(value);
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<Vec<u8>, SerdeError> {
        Ok(bytes.to_vec())
    }

    fn name() -> &'static str {
        "Bytes"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_is_its_utf8_bytes() {
        let bytes = String::to_bytes(&"héllo".to_owned()).unwrap();
        assert_eq!(bytes.as_deref(), Some(&b"h\xc3\xa9llo"[..]));
        assert_eq!(String::deserialize(b"h\xc3\xa9llo").unwrap(), "héllo");
    }

    #[test]
    fn empty_string_is_not_null() {
        assert_eq!(String::to_bytes(&String::new()).unwrap(), Some(Vec::new()));
        assert_eq!(String::deserialize(b"").unwrap(), "");
        assert!(matches!(
            String::from_bytes(None),
            Err(SerdeError::UnexpectedNull { serde: "String" })
        ));
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        assert!(matches!(
            String::deserialize(&[0x66, 0xff]),
            Err(SerdeError::Utf8 {
                serde: "String",
                ..
            })
        ));
    }

    #[test]
    fn bytes_pass_through() {
        let mut out = vec![1];
        Bytes::serialize(&vec![2, 3], &mut out).unwrap();
        assert_eq!(out, [1, 2, 3], "serialize appends");
        assert_eq!(Bytes::deserialize(&[9, 8]).unwrap(), [9, 8]);
    }
}
