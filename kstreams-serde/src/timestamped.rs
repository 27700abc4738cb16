//! [`ValueAndTimestamp`] and its serde [`Timestamped`]: a stored value
//! with the timestamp of the record that last updated it, as Kafka
//! Streams keeps in the stores of DSL aggregations and tables
//! (`TimestampedKeyValueStore`, `TimestampedWindowStore`).
//!
//! Byte layout, as Java's `ValueAndTimestampSerializer`: the timestamp
//! as 8 bytes big-endian, then the value's bytes. A changelog written with
//! it reads the same in Java Kafka Streams.

use std::marker::PhantomData;

use crate::{Serde, SerdeError};

/// A value and the timestamp (ms) of the record that last updated it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ValueAndTimestamp<V> {
    /// The value.
    pub value: V,
    /// The record timestamp, in milliseconds since the epoch.
    pub timestamp: i64,
}

impl<V> ValueAndTimestamp<V> {
    /// `value` stamped with `timestamp`.
    pub fn new(value: V, timestamp: i64) -> Self {
        ValueAndTimestamp { value, timestamp }
    }
}

/// The serde of [`ValueAndTimestamp<VS::Target>`]: `[timestamp: 8 BE][value]`.
pub struct Timestamped<VS>(PhantomData<fn() -> VS>);

const TS: usize = 8;

impl<VS: Serde> Serde for Timestamped<VS> {
    type Target = ValueAndTimestamp<VS::Target>;

    fn serialize(value: &Self::Target, out: &mut Vec<u8>) -> Result<(), SerdeError> {
        out.extend_from_slice(&value.timestamp.to_be_bytes());
        if !VS::is_null(&value.value) {
            VS::serialize(&value.value, out)?;
        }
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<Self::Target, SerdeError> {
        let Some((ts, rest)) = bytes.split_first_chunk::<TS>() else {
            return Err(SerdeError::TooShort {
                serde: "Timestamped",
                min: TS,
                actual: bytes.len(),
            });
        };
        Ok(ValueAndTimestamp {
            value: VS::deserialize(rest)?,
            timestamp: i64::from_be_bytes(*ts),
        })
    }

    fn name() -> &'static str {
        "Timestamped"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::I64;

    #[test]
    fn layout_is_javas_timestamp_then_value() {
        let v = ValueAndTimestamp::new(5i64, 0x0102);
        let bytes = Timestamped::<I64>::to_bytes(&v)
            .expect("serializes")
            .expect("not null");
        assert_eq!(
            bytes,
            [[0, 0, 0, 0, 0, 0, 1, 2], 5i64.to_be_bytes()].concat()
        );
        assert_eq!(
            Timestamped::<I64>::deserialize(&bytes).expect("reads back"),
            v
        );
        assert!(matches!(
            Timestamped::<I64>::deserialize(&[1, 2, 3]),
            Err(SerdeError::TooShort {
                min: 8,
                actual: 3,
                ..
            })
        ));
    }
}
