//! What travels between the two sides of a foreign-key join, in Kafka
//! Streams' wire format: [`SubscriptionWrapper`] (left → right, on the
//! subscription registration topic and in the subscription store),
//! [`SubscriptionResponseWrapper`] (right → left, on the response topic)
//! and [`CombinedKeySchema`] (the subscription store's keys).
//!
//! Byte layouts (Java's `SubscriptionWrapperSerde`,
//! `SubscriptionResponseWrapperSerde`, `CombinedKeySchema`), all integers
//! big-endian:
//! - subscription (version 1): `[0x80 if no hash | version][instruction]
//!   [hash: 2 × i64, if any][primary key][primary partition: i32]`;
//!   version 0 (read only) has no partition;
//! - response (version 0): `[0x80 if no hash | version][hash: 2 × i64, if
//!   any][foreign value, absent when null]` (so, as in Java, a foreign
//!   value that serializes to no bytes reads back as null);
//! - combined key: `[foreign key length: i32][foreign key][primary key]`,
//!   so that all subscriptions of one foreign key share a prefix.

use std::marker::PhantomData;

use kstreams_serde::{Serde, SerdeError};

/// What the right side does with a subscription (Java's
/// `SubscriptionWrapper.Instruction`, same byte values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Instruction {
    /// Unsubscribe; send nothing.
    DeleteKeyNoPropagate = 0,
    /// Unsubscribe; send a response with no foreign value (`(k, null)`).
    DeleteKeyAndPropagate = 1,
    /// Subscribe; send the foreign value, or a response with none.
    PropagateNullIfNoFkValAvailable = 2,
    /// Subscribe; send the foreign value only if there is one.
    PropagateOnlyIfFkValAvailable = 3,
}

impl Instruction {
    fn from_byte(byte: u8) -> Result<Instruction, SerdeError> {
        Ok(match byte {
            0 => Instruction::DeleteKeyNoPropagate,
            1 => Instruction::DeleteKeyAndPropagate,
            2 => Instruction::PropagateNullIfNoFkValAvailable,
            3 => Instruction::PropagateOnlyIfFkValAvailable,
            other => {
                return Err(SerdeError::Custom(format!(
                    "SubscriptionWrapper: unknown instruction byte {other}"
                )))
            }
        })
    }
}

/// A 128-bit murmur3 hash of a left value (`None`: the left row is deleted).
pub(crate) type ValueHash = Option<[i64; 2]>;

/// The version this code writes (Java's `SubscriptionWrapper.CURRENT_VERSION`).
pub(crate) const SUBSCRIPTION_VERSION: u8 = 1;

/// A left row's (un)subscription to a foreign key (Java's `SubscriptionWrapper`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubscriptionWrapper<K> {
    /// The hash of the left row's new value.
    pub(crate) hash: ValueHash,
    pub(crate) instruction: Instruction,
    pub(crate) primary_key: K,
    pub(crate) version: u8,
    /// The left row's partition, where the response goes (version ≥ 1).
    pub(crate) primary_partition: Option<i32>,
}

/// Serde of [`SubscriptionWrapper`] with primary key serde `KS`.
pub(crate) struct SubscriptionWrapperSerde<KS>(PhantomData<fn() -> KS>);

fn too_short(serde: &'static str, min: usize, actual: usize) -> SerdeError {
    SerdeError::TooShort { serde, min, actual }
}

fn read_hash(serde: &'static str, bytes: &[u8]) -> Result<[i64; 2], SerdeError> {
    let long = |at: usize| -> Result<i64, SerdeError> {
        let b = bytes
            .get(at..at + 8)
            .ok_or_else(|| too_short(serde, at + 8, bytes.len()))?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_be_bytes(a))
    };
    Ok([long(0)?, long(8)?])
}

impl<KS: Serde> Serde for SubscriptionWrapperSerde<KS> {
    type Target = SubscriptionWrapper<KS::Target>;

    fn serialize(value: &Self::Target, out: &mut Vec<u8>) -> Result<(), SerdeError> {
        let flag = if value.hash.is_some() { 0 } else { 0x80 };
        out.push(value.version | flag);
        out.push(value.instruction as u8);
        if let Some([h1, h2]) = value.hash {
            out.extend_from_slice(&h1.to_be_bytes());
            out.extend_from_slice(&h2.to_be_bytes());
        }
        KS::serialize(&value.primary_key, out)?;
        if value.version > 0 {
            let partition = value.primary_partition.ok_or_else(|| {
                SerdeError::Custom("SubscriptionWrapper v1 without a primary partition".into())
            })?;
            out.extend_from_slice(&partition.to_be_bytes());
        }
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<Self::Target, SerdeError> {
        const NAME: &str = "SubscriptionWrapper";
        let [first, instruction, ..] = *bytes else {
            return Err(too_short(NAME, 2, bytes.len()));
        };
        let version = first & 0x7F;
        if version > SUBSCRIPTION_VERSION {
            return Err(SerdeError::Custom(format!(
                "{NAME}: unsupported version {version}"
            )));
        }
        let instruction = Instruction::from_byte(instruction)?;
        let mut rest = &bytes[2..];
        let hash = if first & 0x80 == 0 {
            let hash = read_hash(NAME, rest)?;
            rest = &rest[16..];
            Some(hash)
        } else {
            None
        };
        let (key, primary_partition) = if version > 0 {
            let split = rest
                .len()
                .checked_sub(4)
                .ok_or_else(|| too_short(NAME, bytes.len() - rest.len() + 4, bytes.len()))?;
            let mut p = [0u8; 4];
            p.copy_from_slice(&rest[split..]);
            (&rest[..split], Some(i32::from_be_bytes(p)))
        } else {
            (rest, None)
        };
        Ok(SubscriptionWrapper {
            hash,
            instruction,
            primary_key: KS::deserialize(key)?,
            version,
            primary_partition,
        })
    }

    fn name() -> &'static str {
        "SubscriptionWrapperSerde"
    }
}

/// The right side's answer to a subscription (Java's
/// `SubscriptionResponseWrapper`, version 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubscriptionResponseWrapper<VO> {
    /// The hash the subscription carried.
    pub(crate) original_value_hash: ValueHash,
    /// The foreign row's value (`None`: none, or unsubscribed).
    pub(crate) foreign_value: Option<VO>,
    /// The left row's partition (not serialized; picks the response
    /// topic's partition, as Java's default response partitioner).
    pub(crate) primary_partition: Option<i32>,
}

/// Serde of [`SubscriptionResponseWrapper`] with foreign value serde `VS`.
pub(crate) struct SubscriptionResponseWrapperSerde<VS>(PhantomData<fn() -> VS>);

impl<VS: Serde> Serde for SubscriptionResponseWrapperSerde<VS> {
    type Target = SubscriptionResponseWrapper<VS::Target>;

    fn serialize(value: &Self::Target, out: &mut Vec<u8>) -> Result<(), SerdeError> {
        match value.original_value_hash {
            Some([h1, h2]) => {
                out.push(0);
                out.extend_from_slice(&h1.to_be_bytes());
                out.extend_from_slice(&h2.to_be_bytes());
            }
            None => out.push(0x80),
        }
        if let Some(v) = &value.foreign_value {
            if !VS::is_null(v) {
                VS::serialize(v, out)?;
            }
        }
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<Self::Target, SerdeError> {
        const NAME: &str = "SubscriptionResponseWrapper";
        let Some((&first, rest)) = bytes.split_first() else {
            return Err(too_short(NAME, 1, 0));
        };
        if first & 0x7F != 0 {
            return Err(SerdeError::Custom(format!(
                "{NAME}: unsupported version {}",
                first & 0x7F
            )));
        }
        let (original_value_hash, rest) = if first & 0x80 == 0 {
            (Some(read_hash(NAME, rest)?), &rest[16..])
        } else {
            (None, rest)
        };
        let foreign_value = if rest.is_empty() {
            None
        } else {
            Some(VS::deserialize(rest)?)
        };
        Ok(SubscriptionResponseWrapper {
            original_value_hash,
            foreign_value,
            primary_partition: None,
        })
    }

    fn name() -> &'static str {
        "SubscriptionResponseWrapperSerde"
    }
}

/// A subscription store key: foreign key, then primary key (Java's
/// `CombinedKey`); the foreign key is `None` only for a left join's
/// subscription of a row without one, which is never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CombinedKey<KO, K> {
    pub(crate) foreign_key: Option<KO>,
    pub(crate) primary_key: K,
}

/// Reads and writes subscription store keys (Java's `CombinedKeySchema`).
pub(crate) struct CombinedKeySchema<KOS, KS>(PhantomData<fn() -> (KOS, KS)>);

impl<KOS: Serde, KS: Serde> CombinedKeySchema<KOS, KS> {
    /// `[foreign key length][foreign key]`: every subscription to `foreign_key`.
    pub(crate) fn prefix_bytes(foreign_key: &KOS::Target) -> Result<Vec<u8>, SerdeError> {
        let mut fk = Vec::new();
        KOS::serialize(foreign_key, &mut fk)?;
        let len = i32::try_from(fk.len())
            .map_err(|_| SerdeError::Custom("foreign key longer than 2 GiB".into()))?;
        let mut out = Vec::with_capacity(4 + fk.len());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&fk);
        Ok(out)
    }

    /// The store key of `primary_key`'s subscription to `foreign_key`.
    pub(crate) fn to_bytes(
        foreign_key: &KOS::Target,
        primary_key: &KS::Target,
    ) -> Result<Vec<u8>, SerdeError> {
        let mut out = Self::prefix_bytes(foreign_key)?;
        KS::serialize(primary_key, &mut out)?;
        Ok(out)
    }

    /// The primary key of a store key (the foreign key is the scan's).
    pub(crate) fn primary_key(bytes: &[u8]) -> Result<KS::Target, SerdeError> {
        let len = bytes
            .get(..4)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| too_short("CombinedKey", 4, bytes.len()))?;
        let start = usize::try_from(len)
            .ok()
            .and_then(|l| l.checked_add(4))
            .filter(|s| *s <= bytes.len())
            .ok_or_else(|| too_short("CombinedKey", 4 + len.max(0) as usize, bytes.len()))?;
        KS::deserialize(&bytes[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Sub = SubscriptionWrapperSerde<String>;
    type Resp = SubscriptionResponseWrapperSerde<String>;

    /// Layouts as Java's serializers write them (`SubscriptionWrapperSerdeTest`
    /// and `SubscriptionResponseWrapperSerdeTest` pin the same fields).
    #[test]
    fn subscription_wrapper_bytes_are_javas() {
        let wrapper = SubscriptionWrapper {
            hash: Some([1, -1]),
            instruction: Instruction::PropagateNullIfNoFkValAvailable,
            primary_key: "pk".to_string(),
            version: 1,
            primary_partition: Some(3),
        };
        let bytes = Sub::to_bytes(&wrapper).unwrap().unwrap();
        let mut expected = vec![0x01, 0x02];
        expected.extend_from_slice(&1i64.to_be_bytes());
        expected.extend_from_slice(&(-1i64).to_be_bytes());
        expected.extend_from_slice(b"pk");
        expected.extend_from_slice(&3i32.to_be_bytes());
        assert_eq!(bytes, expected);
        assert_eq!(Sub::deserialize(&bytes).unwrap(), wrapper);

        let deleted = SubscriptionWrapper {
            hash: None,
            instruction: Instruction::DeleteKeyAndPropagate,
            ..wrapper
        };
        let bytes = Sub::to_bytes(&deleted).unwrap().unwrap();
        assert_eq!(bytes, [&[0x81, 0x01][..], b"pk", &[0, 0, 0, 3]].concat());
        assert_eq!(Sub::deserialize(&bytes).unwrap(), deleted);
        // Version 0 (written by Java before 3.5 / with upgrade.from): no partition.
        let v0 = Sub::deserialize(&[&[0x80, 0x03][..], b"pk"].concat()).unwrap();
        assert_eq!((v0.version, v0.primary_partition), (0, None));
        assert_eq!(v0.primary_key, "pk");
        assert!(Sub::deserialize(&[0x81, 0x07, 0, 0, 0, 0]).is_err());
        assert!(Sub::deserialize(&[0x01]).is_err());
    }

    #[test]
    fn response_wrapper_bytes_are_javas() {
        let response = SubscriptionResponseWrapper {
            original_value_hash: Some([2, 3]),
            foreign_value: Some("fv".to_string()),
            primary_partition: Some(1),
        };
        let bytes = Resp::to_bytes(&response).unwrap().unwrap();
        let mut expected = vec![0x00];
        expected.extend_from_slice(&2i64.to_be_bytes());
        expected.extend_from_slice(&3i64.to_be_bytes());
        expected.extend_from_slice(b"fv");
        assert_eq!(bytes, expected);
        let back = Resp::deserialize(&bytes).unwrap();
        assert_eq!(back.foreign_value.as_deref(), Some("fv"));
        assert_eq!(back.original_value_hash, Some([2, 3]));
        let none = SubscriptionResponseWrapper::<String> {
            original_value_hash: None,
            foreign_value: None,
            primary_partition: None,
        };
        assert_eq!(Resp::to_bytes(&none).unwrap().unwrap(), vec![0x80]);
        assert_eq!(Resp::deserialize(&[0x80]).unwrap(), none);
    }

    #[test]
    fn combined_keys_share_the_foreign_key_prefix() {
        type Schema = CombinedKeySchema<String, String>;
        let prefix = Schema::prefix_bytes(&"fk".to_string()).unwrap();
        assert_eq!(prefix, [&[0, 0, 0, 2][..], b"fk"].concat());
        let key = Schema::to_bytes(&"fk".to_string(), &"pk".to_string()).unwrap();
        assert!(key.starts_with(&prefix));
        assert_eq!(Schema::primary_key(&key).unwrap(), "pk");
        assert!(Schema::primary_key(&[0, 0, 0, 9, 1]).is_err());
    }
}
