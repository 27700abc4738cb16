//! Fixed-width numbers: [`I32`], [`I64`], [`U64`] and [`F64`], big-endian,
//! byte for byte what Java's `IntegerSerializer`, `LongSerializer` and
//! `DoubleSerializer` write.
//!
//! Java's deserializers reject any other length ("Size of data received by
//! LongDeserializer is not 8"); ours return [`SerdeError::WrongLength`].

use crate::{Serde, SerdeError};

/// Checks that `bytes` has exactly `N` bytes, for the serde named `serde`.
fn exactly<const N: usize>(serde: &'static str, bytes: &[u8]) -> Result<[u8; N], SerdeError> {
    <[u8; N]>::try_from(bytes).map_err(|_| SerdeError::WrongLength {
        serde,
        expected: N,
        actual: bytes.len(),
    })
}

/// Implements [`Serde`] for the integer serde `$serde`: `$int` as its
/// big-endian bytes, exactly `size_of::<$int>()` of them.
macro_rules! big_endian_integer {
    ($serde:ident, $int:ty) => {
        impl Serde for $serde {
            type Target = $int;

            fn serialize(value: &$int, out: &mut Vec<u8>) -> Result<(), SerdeError> {
                out.extend_from_slice(&value.to_be_bytes());
                Ok(())
            }

            fn deserialize(bytes: &[u8]) -> Result<$int, SerdeError> {
                exactly(Self::name(), bytes).map(<$int>::from_be_bytes)
            }

            fn name() -> &'static str {
                stringify!($serde)
            }
        }
    };
}

/// `i32` as 4 bytes, big-endian two's complement: Java's `IntegerSerializer`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct I32;

big_endian_integer!(I32, i32);

/// `i64` as 8 bytes, big-endian two's complement: Java's `LongSerializer`.
///
/// ```
/// use kstreams_serde::{I64, Serde};
///
/// assert_eq!(I64::to_bytes(&1)?, Some(vec![0, 0, 0, 0, 0, 0, 0, 1]));
/// assert_eq!(I64::deserialize(&[0xff; 8])?, -1);
/// # Ok::<(), kstreams_serde::SerdeError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct I64;

big_endian_integer!(I64, i64);

/// `u64` as 8 bytes, big-endian.
///
/// Java has no unsigned long: its `LongDeserializer` reads these bytes as the
/// `long` with the same bits, so values above `i64::MAX` appear negative
/// there (`Long.toUnsignedString` shows them right).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct U64;

big_endian_integer!(U64, u64);

/// `f64` as its IEEE 754 bits, 8 bytes big-endian: Java's `DoubleSerializer`.
///
/// Like Java's `Double.doubleToLongBits`, which `DoubleSerializer` calls,
/// every NaN is written as the canonical quiet NaN `7ff8000000000000`; all
/// other values, `-0.0` and the infinities included, keep their exact bits.
/// Decoding keeps the bits it reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct F64;

/// The bits Java's `Double.doubleToLongBits` gives every NaN.
const CANONICAL_NAN_BITS: u64 = 0x7ff8_0000_0000_0000;

impl Serde for F64 {
    type Target = f64;

    fn serialize(value: &f64, out: &mut Vec<u8>) -> Result<(), SerdeError> {
        let bits = if value.is_nan() {
            CANONICAL_NAN_BITS
        } else {
            value.to_bits()
        };
        out.extend_from_slice(&bits.to_be_bytes());
        Ok(())
    }

    fn deserialize(bytes: &[u8]) -> Result<f64, SerdeError> {
        exactly(Self::name(), bytes).map(f64::from_be_bytes)
    }

    fn name() -> &'static str {
        "F64"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_big_endian() {
        assert_eq!(I32::to_bytes(&0x0102_0304).unwrap(), Some(vec![1, 2, 3, 4]));
        assert_eq!(
            I64::deserialize(&[0x80, 0, 0, 0, 0, 0, 0, 0]).unwrap(),
            i64::MIN
        );
        assert_eq!(U64::deserialize(&[0xff; 8]).unwrap(), u64::MAX);
    }

    #[test]
    fn nan_is_canonicalised_like_java() {
        let odd_nan = f64::from_bits(0x7ff0_0000_0000_0001);
        assert!(odd_nan.is_nan());
        assert_eq!(
            F64::to_bytes(&odd_nan).unwrap(),
            Some(vec![0x7f, 0xf8, 0, 0, 0, 0, 0, 0])
        );
        assert_eq!(
            F64::to_bytes(&-0.0).unwrap(),
            Some(vec![0x80, 0, 0, 0, 0, 0, 0, 0])
        );
    }

    #[test]
    fn wrong_length_names_the_serde() {
        let err = I32::deserialize(&[1, 2, 3]).unwrap_err();
        assert!(matches!(
            err,
            SerdeError::WrongLength {
                serde: "I32",
                expected: 4,
                actual: 3
            }
        ));
        assert_eq!(err.to_string(), "I32: expected 4 bytes, got 3");
    }
}
