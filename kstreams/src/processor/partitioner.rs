//! Java's default partitioner, so keys land where Java producers and Kafka
//! Streams put them: `(murmur2(key_bytes) & 0x7fffffff) % num_partitions`.
//!
//! [`murmur2`] is Kafka's variant of MurmurHash2 (`Utils.murmur2`): seed
//! `0x9747b28c`, little-endian 4-byte blocks, Java's `int` arithmetic.

/// Kafka's `Utils.murmur2`: the 32-bit MurmurHash2 of `data` with seed
/// `0x9747b28c`, as a Java `int`.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    let length = data.len();
    let mut h: u32 = SEED ^ (length as u32);
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let rest = chunks.remainder();
    // Java's switch falls through from case 3 to case 1.
    if rest.len() >= 3 {
        h ^= u32::from(rest[2]) << 16;
    }
    if rest.len() >= 2 {
        h ^= u32::from(rest[1]) << 8;
    }
    if !rest.is_empty() {
        h ^= u32::from(rest[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (not `abs`).
pub fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

/// The partition Java's default partitioner picks for serialized key bytes.
/// `num_partitions` must be positive.
pub fn partition_for_key(key_bytes: &[u8], num_partitions: u32) -> i32 {
    let n = num_partitions.max(1) as i64;
    (i64::from(to_positive(murmur2(key_bytes))) % n) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_positive_clears_sign_bit_only() {
        assert_eq!(to_positive(-1), 0x7fff_ffff);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(5), 5);
    }
}
