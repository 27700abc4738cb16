//! The [`Serde`] trait: how a Rust value becomes the bytes of a Kafka key or
//! value, and back.
//!
//! A serde is a *type*, not a value: `Topic<String, Json<Payment>, 4>` names
//! the key serde `String` and the value serde `Json<Payment>`. Serdes carry no
//! state, so a topology can be checked and wired entirely at compile time.
//!
//! Kafka's `null` (a missing key, a tombstone value) is not a byte string:
//! [`Serde::is_null`] says a value must be written as `null`, and
//! [`Serde::deserialize_null`] says what a `null` read from Kafka becomes. Most
//! serdes reject `null`; `Option<S>` maps it to `None`, as Kafka Streams maps
//! it to a Java `null`.

use crate::SerdeError;

/// Converts values of [`Serde::Target`] to and from Kafka record bytes.
///
/// Implementations must be deterministic and must never panic on any input
/// bytes: a malformed record is an [`SerdeError`], handled by the
/// application's deserialization handler (log and continue, fail, or send to
/// a dead-letter queue).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a kstreams Serde",
    label = "this type is used as a key or value serde",
    note = "a topic names its serdes, e.g. `Topic<String, Json<Payment>, 4>`; use one of kstreams_serde's serdes (String, Bytes, I32, I64, U64, F64, Uuid, Json<T>, Protobuf<T>, Option<S>, (), TimeWindowed<KS, SIZE_MS>, SessionWindowed<KS>) or implement `kstreams_serde::Serde` for your own"
)]
pub trait Serde: 'static {
    /// The Rust type this serde reads and writes.
    type Target;

    /// Appends the bytes of `value` to `out`. The caller clears `out` (the
    /// buffer is reused across records). Not called when [`Serde::is_null`]
    /// returns `true`.
    fn serialize(value: &Self::Target, out: &mut Vec<u8>) -> Result<(), SerdeError>;

    /// Reads a value from the bytes of a non-null key or value.
    fn deserialize(bytes: &[u8]) -> Result<Self::Target, SerdeError>;

    /// Whether `value` is written to Kafka as `null` (a tombstone or a
    /// missing key). Only `Option<S>` and `()` say yes.
    fn is_null(_value: &Self::Target) -> bool {
        false
    }

    /// What a Kafka `null` key or value becomes. By default an error.
    fn deserialize_null() -> Result<Self::Target, SerdeError> {
        Err(SerdeError::UnexpectedNull {
            serde: Self::name(),
        })
    }

    /// The part of a serialized key that picks its partition when a sink
    /// writes it: all of it, except for windowed keys, whose window suffix
    /// is left out so that every window of a key goes where the key goes
    /// (Kafka Streams' `to()` uses `WindowedStreamPartitioner` for windowed
    /// key serdes: murmur2 of `serializeBaseKey`).
    fn partition_bytes(serialized: &[u8]) -> &[u8] {
        serialized
    }

    /// A short human name, used by `describe()` and in error messages.
    fn name() -> &'static str {
        std::any::type_name::<Self>()
    }

    /// Serializes into an owned optional byte string: `None` for Kafka `null`.
    fn to_bytes(value: &Self::Target) -> Result<Option<Vec<u8>>, SerdeError> {
        if Self::is_null(value) {
            return Ok(None);
        }
        let mut out = Vec::new();
        Self::serialize(value, &mut out)?;
        Ok(Some(out))
    }

    /// Deserializes an optional byte string: `None` is Kafka `null`.
    fn from_bytes(bytes: Option<&[u8]>) -> Result<Self::Target, SerdeError> {
        match bytes {
            Some(b) => Self::deserialize(b),
            None => Self::deserialize_null(),
        }
    }
}
