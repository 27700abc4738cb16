//! Reading the fixed-size suffix of a raw windowed key, shared by every
//! layout in [`schema`](super::schema) and [`store_key`](super::store_key).

use crate::SerdeError;

/// Bytes of a big-endian timestamp (Java `long`).
pub(super) const TIMESTAMP_LEN: usize = 8;
/// Bytes of a big-endian sequence number (Java `int`).
pub(super) const SEQ_LEN: usize = 4;

/// Reads fixed-size big-endian fields off the end of a raw key, last field
/// first; what is left is the key.
pub(super) struct Suffix<'a> {
    layout: &'static str,
    min: usize,
    whole: usize,
    rest: &'a [u8],
}

impl<'a> Suffix<'a> {
    pub(super) fn new(layout: &'static str, min: usize, bytes: &'a [u8]) -> Self {
        Suffix {
            layout,
            min,
            whole: bytes.len(),
            rest: bytes,
        }
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], SerdeError> {
        let (rest, field) = self
            .rest
            .split_last_chunk::<N>()
            .ok_or(SerdeError::TooShort {
                serde: self.layout,
                min: self.min,
                actual: self.whole,
            })?;
        self.rest = rest;
        Ok(*field)
    }

    pub(super) fn take_i64(&mut self) -> Result<i64, SerdeError> {
        self.take().map(i64::from_be_bytes)
    }

    pub(super) fn take_u32(&mut self) -> Result<u32, SerdeError> {
        self.take().map(u32::from_be_bytes)
    }

    pub(super) fn key(self) -> &'a [u8] {
        self.rest
    }
}
