//! [`Protobuf<T>`]: any `prost` message in the Protocol Buffers wire format.

use std::marker::PhantomData;

use crate::marker::marker_impls;
use crate::{Serde, SerdeError};

/// `T` in the raw Protocol Buffers binary encoding, through `prost`.
///
/// The bytes are the bare message, what Java's `message.toByteArray()` and
/// `Parser.parseFrom(bytes)` use. Not Confluent Schema Registry's framing
/// (`KafkaProtobufSerializer` prefixes a magic byte, a schema id and message
/// indexes).
///
/// As in Protocol Buffers, an empty byte string is a valid message with
/// every field at its default; for tombstones use `Option<Protobuf<T>>`.
/// Decoding is bounded by `prost`'s recursion limit.
///
/// `Protobuf<T>` is a zero-sized marker: it is `Copy`, `Default` and `Debug`
/// whatever `T` is.
///
/// ```
/// use kstreams_serde::{Protobuf, Serde};
///
/// #[derive(Clone, PartialEq, prost::Message)]
/// struct Trade {
///     #[prost(string, tag = "1")]
///     symbol: String,
///     #[prost(int64, tag = "2")]
///     shares: i64,
/// }
///
/// let trade = Trade { symbol: "ACME".into(), shares: 3 };
/// let bytes = <Protobuf<Trade>>::to_bytes(&trade)?.unwrap_or_default();
/// assert_eq!(bytes, [0x0a, 4, b'A', b'C', b'M', b'E', 0x10, 3]);
/// assert_eq!(<Protobuf<Trade>>::deserialize(&bytes)?, trade);
/// # Ok::<(), kstreams_serde::SerdeError>(())
/// ```
pub struct Protobuf<T>(PhantomData<fn() -> T>);

marker_impls!([T] Protobuf<T>);

impl<T: prost::Message + Default + 'static> Serde for Protobuf<T> {
    type Target = T;

    fn serialize(value: &T, out: &mut Vec<u8>) -> Result<(), SerdeError> {
        out.reserve(value.encoded_len());
        value.encode(out)?;
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<T, SerdeError> {
        Ok(T::decode(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, PartialEq, prost::Message)]
    struct Tick {
        #[prost(uint64, tag = "1")]
        seq: u64,
    }

    #[test]
    fn empty_bytes_are_the_default_message() {
        assert_eq!(<Protobuf<Tick>>::deserialize(b"").unwrap(), Tick::default());
    }

    #[test]
    fn truncated_input_is_a_decode_error() {
        // Field 1, varint, but the varint never ends.
        assert!(matches!(
            <Protobuf<Tick>>::deserialize(&[0x08, 0x80]),
            Err(SerdeError::Protobuf(_))
        ));
    }

    #[test]
    fn marker_is_zero_sized() {
        assert_eq!(std::mem::size_of::<Protobuf<Tick>>(), 0);
    }
}
