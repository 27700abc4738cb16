//! [`DefaultSerde`]: the serde a key or value type gets when none is named.
//!
//! Kafka Streams falls back on `default.key.serde` / `default.value.serde`
//! at run time and fails on the first record if they do not fit. Here the
//! fallback is a trait, so a type without one is a compile error that says
//! how to fix it.

use crate::{Bytes, Serde, Uuid, F64, I32, I64, U64};

/// The serde used for `Self` when a topic, store or repartition does not
/// name one: `String` → `String`, `Vec<u8>` → [`Bytes`], `i32` → [`I32`],
/// `i64` → [`I64`], `u64` → [`U64`], `f64` → [`F64`], `uuid::Uuid` →
/// [`Uuid`], `()` → `()`, `Option<T>` → `Option<T::Serde>`.
///
/// Structured types have no default: JSON or Protobuf is a choice the
/// application makes, so it names `Json<T>` or `Protobuf<T>` on the topic,
/// or gives the type a default once — `#[derive(kstreams::JsonSerde)]`,
/// `#[derive(kstreams::ProtobufSerde)]`, or by hand:
///
/// ```
/// use kstreams_serde::{DefaultSerde, Json, SerdeOf};
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Payment {
///     cents: i64,
/// }
///
/// impl DefaultSerde for Payment {
///     type Serde = Json<Payment>;
/// }
///
/// fn serde_name<T: DefaultSerde>() -> &'static str {
///     <SerdeOf<T> as kstreams_serde::Serde>::name()
/// }
/// assert!(serde_name::<Payment>().contains("Json"));
/// assert_eq!(serde_name::<i64>(), "I64");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no default kstreams serde",
    label = "this stores or repartitions `{Self}` without naming a serde for it",
    note = "give the type a default serde: `#[derive(kstreams::JsonSerde)]` (a type with serde's traits) or `#[derive(kstreams::ProtobufSerde)]` (a prost message)",
    note = "or name the serdes with the operation's `_with` form, e.g. `.reduce_with(f, Materialized::<KeySerde, Json<{Self}>>::new())`"
)]
pub trait DefaultSerde: Sized {
    /// The serde that reads and writes `Self`.
    type Serde: Serde<Target = Self>;
}

/// The default serde of `T`: `SerdeOf<i64>` is [`I64`].
pub type SerdeOf<T> = <T as DefaultSerde>::Serde;

impl DefaultSerde for String {
    type Serde = String;
}

impl DefaultSerde for Vec<u8> {
    type Serde = Bytes;
}

impl DefaultSerde for i32 {
    type Serde = I32;
}

impl DefaultSerde for i64 {
    type Serde = I64;
}

impl DefaultSerde for u64 {
    type Serde = U64;
}

impl DefaultSerde for f64 {
    type Serde = F64;
}

impl DefaultSerde for uuid::Uuid {
    type Serde = Uuid;
}

impl DefaultSerde for () {
    type Serde = ();
}

impl<T: DefaultSerde> DefaultSerde for Option<T> {
    type Serde = Option<T::Serde>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: DefaultSerde + PartialEq + std::fmt::Debug>(value: T) {
        let bytes = SerdeOf::<T>::to_bytes(&value).unwrap();
        assert_eq!(SerdeOf::<T>::from_bytes(bytes.as_deref()).unwrap(), value);
    }

    #[test]
    fn every_default_round_trips() {
        round_trip("s".to_owned());
        round_trip(vec![1u8, 2]);
        round_trip(-1i32);
        round_trip(-1i64);
        round_trip(u64::MAX);
        round_trip(1.5f64);
        round_trip(uuid::Uuid::from_u128(7));
        round_trip(());
        round_trip(Some(3i64));
        round_trip(None::<String>);
    }
}
