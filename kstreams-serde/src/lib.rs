//! Serdes for kstreams: how keys and values become Kafka bytes.
//!
//! Every format here writes exactly the bytes that Kafka's Java serializers
//! write, so Java consumers read our output and we read theirs. A serde is a
//! zero-sized *type* implementing [`Serde`]; topics name them
//! (`Topic<String, Json<Payment>, 4>`), and [`DefaultSerde`] picks one for
//! common key and value types.
//!
//! | serde | Rust value | Java counterpart | bytes |
//! | --- | --- | --- | --- |
//! | `String` | `String` | `StringSerializer` | UTF-8 |
//! | [`Bytes`] | `Vec<u8>` | `ByteArraySerializer` | as is |
//! | [`I32`] | `i32` | `IntegerSerializer` | 4, big-endian |
//! | [`I64`] | `i64` | `LongSerializer` | 8, big-endian |
//! | [`U64`] | `u64` | `LongSerializer` (same bits) | 8, big-endian |
//! | [`F64`] | `f64` | `DoubleSerializer` | IEEE 754 bits, 8, big-endian |
//! | [`Uuid`] | `uuid::Uuid` | `UUIDSerializer` | 36-char string |
//! | `()` | `()` | `VoidSerde` | always `null` |
//! | `Option<S>` | `Option<S::Target>` | any serde with Java `null` | `None` = `null` |
//! | [`Json<T>`] | `T: serde` | Jackson-style JSON serdes | JSON text |
//! | [`Protobuf<T>`] | `T: prost::Message` | `toByteArray()` / `parseFrom` | protobuf wire format |
//! | [`TimeWindowed<KS, SIZE_MS>`] | [`Windowed<K>`] | `TimeWindowedSerializer` | `[key][start]` |
//! | [`SessionWindowed<KS>`] | [`Windowed<K>`] | `SessionWindowedSerializer` | `[key][end][start]` |
//!
//! No decoder panics, whatever the bytes: malformed input is a
//! [`SerdeError`].
//!
//! # Example
//!
//! ```
//! use kstreams_serde::{Json, Serde, SerdeOf, I64};
//!
//! #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
//! struct Payment {
//!     id: String,
//!     cents: i64,
//! }
//!
//! // A Java `LongSerializer` writes 1L as these eight bytes.
//! let bytes = I64::to_bytes(&1)?;
//! assert_eq!(bytes.as_deref(), Some(&[0, 0, 0, 0, 0, 0, 0, 1][..]));
//! assert_eq!(I64::from_bytes(bytes.as_deref())?, 1);
//!
//! // A value serde with a tombstone: `None` is Kafka `null`.
//! type PaymentSerde = Option<Json<Payment>>;
//! let payment = Some(Payment { id: "p-1".into(), cents: 250 });
//! let bytes = PaymentSerde::to_bytes(&payment)?;
//! assert_eq!(PaymentSerde::from_bytes(bytes.as_deref())?, payment);
//! assert_eq!(PaymentSerde::to_bytes(&None)?, None);
//!
//! // Default serdes for common types.
//! assert_eq!(<SerdeOf<String>>::deserialize(b"key")?, "key");
//! # Ok::<(), kstreams_serde::SerdeError>(())
//! ```
#![warn(missing_docs, unreachable_pub)]

mod default_serde;
mod error;
mod json;
mod marker;
mod null;
mod number;
mod protobuf;
mod serde;
mod string;
mod timestamped;
mod uuid_serde;
mod window;

pub use crate::default_serde::{DefaultSerde, SerdeOf};
pub use crate::error::SerdeError;
pub use crate::json::Json;
pub use crate::number::{F64, I32, I64, U64};
pub use crate::protobuf::Protobuf;
pub use crate::serde::Serde;
pub use crate::string::Bytes;
pub use crate::timestamped::{Timestamped, ValueAndTimestamp};
pub use crate::uuid_serde::Uuid;
pub use crate::window::{
    RawSessionKey, RawTimeWindowedKey, RawWindowStoreKey, SessionWindowed, TimeWindowed, Window,
    Windowed,
};

/// The `uuid` crate whose `Uuid` the [`Uuid`] serde reads and writes.
pub use uuid;
