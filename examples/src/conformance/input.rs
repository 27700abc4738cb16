//! The seeded input of a conformance case.
//!
//! Event time runs forward by a random step per record; some records are
//! out of order (a little behind stream time), every `far_behind_every`-th
//! record is far behind it (later windowed cases drop or keep it depending
//! on grace), and, for table inputs, some values are null (tombstones).
//! Keys are chosen so that every partition holds some (Java's murmur2
//! decides, see [`super::murmur2`]). After the data, every partition gets
//! one **stream time flush** record, `flush_after_ms` ahead of the last
//! event time, with the key `flush-p<N>` (or the first `flush-p<N>-<i>`
//! that lands in partition N) and value 0: it advances every task's stream
//! time so that time-based operators (windows, grace, suppress) close
//! everything they hold.
//!
//! Timestamps are `base_ms` + a generated offset. The harness passes a base
//! a few hours in the past: the broker rejects timestamps more than
//! `log.message.timestamp.after.max.ms` (1 hour by default since Kafka 4.0)
//! ahead of its clock, including on the apps' internal topics, whose
//! settings the harness does not control; and a base older than the
//! retention (7 days) would let the broker delete the input.

use super::murmur2::partition_of;
use super::PARTITIONS;

/// What to generate: everything but the base timestamp.
#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    /// PRNG seed: same seed, same records.
    pub seed: u64,
    /// Number of distinct keys (spread over all partitions).
    pub keys: usize,
    /// Records before the flush records.
    pub records: usize,
    /// Event-time step between consecutive records, in ms (inclusive range).
    pub step_ms: (i64, i64),
    /// Percentage of records that are out of order ...
    pub late_percent: u64,
    /// ... by up to this many ms behind the current event time.
    pub late_max_ms: i64,
    /// Every this many records, one is `far_behind_ms` behind event time (0: never).
    pub far_behind_every: usize,
    /// How far behind.
    pub far_behind_ms: i64,
    /// Percentage of null values (tombstones), for table inputs.
    pub tombstone_percent: u64,
    /// Values are drawn uniformly from this inclusive range.
    pub values: (i64, i64),
    /// How far ahead of the last event time the flush records are.
    pub flush_after_ms: i64,
    /// Read by a global table: no consumer group commits its offsets, so
    /// the reader does not wait for them (the global store is bootstrapped
    /// to the topic's end before the apps process any stream record).
    pub global: bool,
}

impl InputSpec {
    /// The default stream input: 8 keys, 300 records over about 8 minutes of
    /// event time, 20 % out of order by up to 5 s, every 25th record 3
    /// minutes late, no tombstones, values in -50..=100, flush 1 hour later.
    pub const STREAM: InputSpec = InputSpec {
        seed: 42,
        keys: 8,
        records: 300,
        step_ms: (200, 3000),
        late_percent: 20,
        late_max_ms: 5_000,
        far_behind_every: 25,
        far_behind_ms: 180_000,
        tombstone_percent: 0,
        values: (-50, 100),
        flush_after_ms: 3_600_000,
        global: false,
    };
}

/// One input record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRecord {
    /// The partition Java's partitioner picks for the key.
    pub partition: u32,
    pub key: String,
    /// `None`: a tombstone.
    pub value: Option<i64>,
    /// CreateTime, ms since the epoch.
    pub timestamp: i64,
}

/// splitmix64: small, seedable, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi` (modulo bias is irrelevant here).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }
}

/// `keys` key names, as evenly spread over the partitions as the names
/// `key-0`, `key-1`, ... allow (round-robin over partitions).
pub fn keys(keys: usize) -> Vec<String> {
    let mut per_partition: Vec<Vec<String>> = vec![Vec::new(); PARTITIONS as usize];
    let wanted = keys.div_ceil(PARTITIONS as usize);
    let mut i = 0;
    while per_partition.iter().any(|v| v.len() < wanted) {
        let name = format!("key-{i}");
        let p = partition_of(name.as_bytes(), PARTITIONS) as usize;
        if per_partition[p].len() < wanted {
            per_partition[p].push(name);
        }
        i += 1;
    }
    let mut out = Vec::with_capacity(keys);
    for round in 0..wanted {
        for p in &per_partition {
            if out.len() < keys {
                out.push(p[round].clone());
            }
        }
    }
    out
}

/// The key of partition `p`'s flush record.
pub fn flush_key(p: u32) -> String {
    let plain = format!("flush-p{p}");
    if partition_of(plain.as_bytes(), PARTITIONS) == p {
        return plain;
    }
    (0..)
        .map(|i| format!("flush-p{p}-{i}"))
        .find(|k| partition_of(k.as_bytes(), PARTITIONS) == p)
        .unwrap_or(plain) // unreachable: some suffix lands in every partition
}

/// The records of `spec`, in produce order, timestamps from `base_ms`.
pub fn generate(spec: &InputSpec, base_ms: i64) -> Vec<InputRecord> {
    let mut rng = Rng(spec.seed);
    let keys = keys(spec.keys.max(1));
    let mut t = 0i64;
    let mut out = Vec::with_capacity(spec.records + PARTITIONS as usize);
    for i in 0..spec.records {
        t += rng.range(spec.step_ms.0, spec.step_ms.1);
        let key = keys[rng.range(0, keys.len() as i64 - 1) as usize].clone();
        let offset = if spec.far_behind_every > 0
            && i % spec.far_behind_every == spec.far_behind_every - 1
        {
            t - spec.far_behind_ms
        } else if rng.percent(spec.late_percent) {
            t - rng.range(1, spec.late_max_ms.max(1))
        } else {
            t
        };
        let value = if rng.percent(spec.tombstone_percent) {
            None
        } else {
            Some(rng.range(spec.values.0, spec.values.1))
        };
        out.push(InputRecord {
            partition: partition_of(key.as_bytes(), PARTITIONS),
            key,
            value,
            timestamp: base_ms + offset,
        });
    }
    for p in 0..PARTITIONS {
        out.push(InputRecord {
            partition: p,
            key: flush_key(p),
            value: Some(0),
            timestamp: base_ms + t + spec.flush_after_ms,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_spread_and_flushed() {
        let a = generate(&InputSpec::STREAM, 1_000_000);
        assert_eq!(a, generate(&InputSpec::STREAM, 1_000_000));
        assert_eq!(a.len(), 300 + PARTITIONS as usize);
        for p in 0..PARTITIONS {
            assert!(a
                .iter()
                .any(|r| r.partition == p && !r.key.starts_with("flush")));
            let last = a.iter().rev().find(|r| r.partition == p).unwrap();
            assert!(last.key.starts_with("flush-p"), "{last:?}");
            assert!(a.iter().all(|r| r.timestamp <= last.timestamp));
        }
        // Some records are out of order.
        assert!(a.windows(2).any(|w| w[1].timestamp < w[0].timestamp));
        assert_eq!(keys(8).len(), 8);
    }
}
