//! The one error type of this crate.

/// Why bytes could not be turned into a value, or a value into bytes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SerdeError {
    /// A fixed-width serde (`I32`, `I64`, ...) got the wrong number of bytes.
    #[error("{serde}: expected {expected} bytes, got {actual}")]
    WrongLength {
        /// The serde that failed.
        serde: &'static str,
        /// Bytes the format needs.
        expected: usize,
        /// Bytes that arrived.
        actual: usize,
    },
    /// Bytes were not valid UTF-8 where a string was expected.
    #[error("{serde}: invalid UTF-8: {source}")]
    Utf8 {
        /// The serde that failed.
        serde: &'static str,
        /// The decoder's error.
        source: std::str::Utf8Error,
    },
    /// A Kafka `null` reached a serde that has no null value; declare the
    /// topic with `Option<S>` (or `()` for keys you ignore) to accept it.
    #[error("{serde}: got a null key or value; use Option<{serde}> (or () for ignored keys) to accept nulls")]
    UnexpectedNull {
        /// The serde that failed.
        serde: &'static str,
    },
    /// JSON could not be parsed or written.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Protobuf bytes could not be decoded.
    #[error("Protobuf: {0}")]
    Protobuf(#[from] prost::DecodeError),
    /// Protobuf could not be encoded.
    #[error("Protobuf: {0}")]
    ProtobufEncode(#[from] prost::EncodeError),
    /// Anything else, from a user-defined serde.
    #[error("{0}")]
    Custom(String),
}
