//! MurmurHash3 x64_128 with Kafka Streams' seed, as Java's
//! `org.apache.kafka.streams.state.internals.Murmur3.hash128`: the hash of a
//! left row's serialized value that travels with a subscription and its
//! response, so that the response join can drop responses to a value that
//! has since changed.
//!
//! Written here (not a crate) because the seed (104729) and the result as
//! two signed longs `[h1, h2]` must be Java's exactly; the tests hold
//! vectors computed with Java's class.

/// Java's `Murmur3.DEFAULT_SEED`.
const SEED: u64 = 104_729;
const C1: u64 = 0x87c3_7b91_1142_53d5;
const C2: u64 = 0x4cf5_ad43_2745_937f;

fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

fn mix_k1(k1: u64) -> u64 {
    k1.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2)
}

fn mix_k2(k2: u64) -> u64 {
    k2.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1)
}

/// Java's `Murmur3.hash128(data)`: `[h1, h2]` as Java longs.
pub(crate) fn hash128(data: &[u8]) -> [i64; 2] {
    let (mut h1, mut h2) = (SEED, SEED);
    let mut blocks = data.chunks_exact(16);
    for block in &mut blocks {
        let mut k1 = [0u8; 8];
        let mut k2 = [0u8; 8];
        k1.copy_from_slice(&block[..8]);
        k2.copy_from_slice(&block[8..]);
        h1 ^= mix_k1(u64::from_le_bytes(k1));
        h1 = h1
            .rotate_left(27)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x52dc_e729);
        h2 ^= mix_k2(u64::from_le_bytes(k2));
        h2 = h2
            .rotate_left(31)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x3849_5ab5);
    }
    let tail = blocks.remainder();
    // Little-endian tail, the bytes past 8 into k2 (Java's fall-through switch).
    let word = |bytes: &[u8]| {
        bytes
            .iter()
            .enumerate()
            .fold(0u64, |k, (i, b)| k ^ (u64::from(*b) << (8 * i)))
    };
    if tail.len() > 8 {
        h2 ^= mix_k2(word(&tail[8..]));
    }
    if !tail.is_empty() {
        h1 ^= mix_k1(word(&tail[..tail.len().min(8)]));
    }
    let length = data.len() as u64;
    h1 ^= length;
    h2 ^= length;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    [h1 as i64, h2 as i64]
}

#[cfg(test)]
mod tests {
    use super::hash128;

    /// Printed by Java's `Murmur3.hash128(s.getBytes(UTF_8))` (kafka-streams 4.3.1).
    #[test]
    fn matches_javas_murmur3_hash128() {
        let vectors: [(&str, i64, i64); 6] = [
            ("", -7122613646888064702, -8341524471658347240),
            ("a", 3702349557448790408, -1601067453332442517),
            ("hello", 3512725192710940516, 6227047293690958278),
            ("fk:amount", 4694021818120762930, -6029033093547016483),
            (
                "0123456789abcdef",
                1904622552327088487,
                -2893518741649893711,
            ),
            (
                "0123456789abcdefXYZ-more-than-16-bytes!",
                -3250418832792823861,
                2502406392563005758,
            ),
        ];
        for (input, h1, h2) in vectors {
            assert_eq!(hash128(input.as_bytes()), [h1, h2], "{input:?}");
        }
    }
}
