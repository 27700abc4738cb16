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
    /// A format with a fixed-size suffix (windowed keys, store keys) got
    /// fewer bytes than the suffix alone takes.
    #[error("{serde}: expected at least {min} bytes, got {actual}")]
    TooShort {
        /// The serde or key layout that failed.
        serde: &'static str,
        /// The fewest bytes the format can have.
        min: usize,
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
    /// Bytes of the right length were not a UUID string.
    #[error("{serde}: not a UUID string: {source}")]
    Uuid {
        /// The serde that failed.
        serde: &'static str,
        /// The parser's error.
        source: uuid::Error,
    },
    /// A Kafka `null` reached a serde that has no null value; declare the
    /// topic with `Option<S>` (or `()` for keys you ignore) to accept it.
    #[error("{serde}: got a null key or value; use Option<{serde}> (or () for ignored keys) to accept nulls")]
    UnexpectedNull {
        /// The serde that failed.
        serde: &'static str,
    },
    /// Bytes reached a serde whose only value is Kafka `null` (`()`, like
    /// Java's `VoidDeserializer`).
    #[error("{serde}: expected a null key or value, got {actual} bytes; declare the topic with a serde that reads them (e.g. Bytes) instead of ()")]
    UnexpectedBytes {
        /// The serde that failed.
        serde: &'static str,
        /// Bytes that arrived.
        actual: usize,
    },
    /// A value that Kafka stores as `null` was asked for its bytes. Callers
    /// must check [`Serde::is_null`](crate::Serde::is_null) first, or use
    /// [`Serde::to_bytes`](crate::Serde::to_bytes), which does.
    #[error("{serde}: this value is written as a Kafka null and has no bytes; check Serde::is_null (or call Serde::to_bytes) before serializing")]
    NullHasNoBytes {
        /// The serde that was asked.
        serde: &'static str,
    },
    /// A window that Kafka Streams cannot represent: its start is negative,
    /// or its end is before its start (or equal to it, for a time window).
    #[error("{serde}: invalid window [{start_ms}, {end_ms}]: the start must not be negative and the end must not be before the start (time windows: must be after it)")]
    InvalidWindow {
        /// The serde that failed.
        serde: &'static str,
        /// Start of the window, epoch milliseconds.
        start_ms: i64,
        /// End of the window, epoch milliseconds.
        end_ms: i64,
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
