//! Reading the output dumps of `conformance_io read` and comparing two of
//! them record by record: per output partition, in offset order, key bytes,
//! value bytes and timestamp.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One output record, as `conformance_io read` dumps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rec {
    pub(crate) partition: u32,
    pub(crate) offset: i64,
    pub(crate) timestamp: i64,
    /// Hex of the key bytes, `-` for null.
    pub(crate) key_hex: String,
    /// Hex of the value bytes, `-` for null.
    pub(crate) value_hex: String,
    /// The key decoded as the case says (`"text"`, a number, `null`).
    pub(crate) key: String,
    /// The value decoded as the case says.
    pub(crate) value: String,
}

/// Parses a dump: `partition offset timestamp key-hex value-hex key value`, tab-separated.
pub(crate) fn parse(text: &str) -> Result<Vec<Rec>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let bad = || format!("dump line {}: malformed: {line:?}", n + 1);
        if f.len() != 7 {
            return Err(bad());
        }
        out.push(Rec {
            partition: f[0].parse().map_err(|_| bad())?,
            offset: f[1].parse().map_err(|_| bad())?,
            timestamp: f[2].parse().map_err(|_| bad())?,
            key_hex: f[3].to_owned(),
            value_hex: f[4].to_owned(),
            key: f[5].to_owned(),
            value: f[6].to_owned(),
        });
    }
    Ok(out)
}

/// One position where the two outputs differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Difference {
    pub(crate) partition: u32,
    /// Index of the record within its partition (offsets differ between
    /// the two outputs: transaction markers take offsets too).
    pub(crate) index: usize,
    pub(crate) expected: Option<Rec>,
    pub(crate) got: Option<Rec>,
}

impl Difference {
    /// One line: where, and what differs (`base_ms`: shown timestamps are relative to it).
    pub(crate) fn describe(&self, base_ms: i64) -> String {
        let at = format!("p{} #{}", self.partition, self.index);
        let rel = |ts: i64| format!("base{:+}ms", ts - base_ms);
        match (&self.expected, &self.got) {
            (Some(e), Some(g)) => {
                let mut parts = Vec::new();
                if e.key_hex != g.key_hex {
                    parts.push(format!(
                        "key Java {} vs kstreams {} (0x{} vs 0x{})",
                        e.key, g.key, e.key_hex, g.key_hex
                    ));
                }
                if e.value_hex != g.value_hex {
                    parts.push(format!(
                        "value Java {} vs kstreams {} (0x{} vs 0x{})",
                        e.value, g.value, e.value_hex, g.value_hex
                    ));
                }
                if e.timestamp != g.timestamp {
                    parts.push(format!(
                        "timestamp Java {} vs kstreams {}",
                        rel(e.timestamp),
                        rel(g.timestamp)
                    ));
                }
                format!("{at} key {}: {}", e.key, parts.join("; "))
            }
            (Some(e), None) => format!(
                "{at}: kstreams has no record; Java: key {} value {} at {}",
                e.key,
                e.value,
                rel(e.timestamp)
            ),
            (None, Some(g)) => format!(
                "{at}: Java has no record; kstreams: key {} value {} at {}",
                g.key,
                g.value,
                rel(g.timestamp)
            ),
            (None, None) => format!("{at}: (no records)"),
        }
    }
}

/// Every position where `got` differs from `expected`, partition by partition.
pub(crate) fn compare(expected: &[Rec], got: &[Rec]) -> Vec<Difference> {
    let by_partition = |recs: &[Rec]| {
        let mut m: BTreeMap<u32, Vec<Rec>> = BTreeMap::new();
        for r in recs {
            m.entry(r.partition).or_default().push(r.clone());
        }
        for v in m.values_mut() {
            v.sort_by_key(|r| r.offset);
        }
        m
    };
    let (e, g) = (by_partition(expected), by_partition(got));
    let mut partitions: Vec<u32> = e.keys().chain(g.keys()).copied().collect();
    partitions.sort_unstable();
    partitions.dedup();
    let empty = Vec::new();
    let mut out = Vec::new();
    for p in partitions {
        let (ev, gv) = (e.get(&p).unwrap_or(&empty), g.get(&p).unwrap_or(&empty));
        for i in 0..ev.len().max(gv.len()) {
            let (a, b) = (ev.get(i), gv.get(i));
            let same = match (a, b) {
                (Some(a), Some(b)) => {
                    a.key_hex == b.key_hex && a.value_hex == b.value_hex && a.timestamp == b.timestamp
                }
                _ => false,
            };
            if !same {
                out.push(Difference {
                    partition: p,
                    index: i,
                    expected: a.cloned(),
                    got: b.cloned(),
                });
            }
        }
    }
    out
}

/// A short summary of the kinds of differences (for the details section).
pub(crate) fn summarize(diffs: &[Difference]) -> String {
    let (mut keys, mut values, mut timestamps, mut missing, mut extra) = (0, 0, 0, 0, 0);
    for d in diffs {
        match (&d.expected, &d.got) {
            (Some(e), Some(g)) => {
                keys += usize::from(e.key_hex != g.key_hex);
                values += usize::from(e.value_hex != g.value_hex);
                timestamps += usize::from(e.timestamp != g.timestamp);
            }
            (Some(_), None) => missing += 1,
            (None, Some(_)) => extra += 1,
            (None, None) => {}
        }
    }
    let mut s = format!("{} positions differ:", diffs.len());
    for (n, what) in [
        (keys, "key"),
        (values, "value"),
        (timestamps, "timestamp"),
        (missing, "missing in kstreams"),
        (extra, "only in kstreams"),
    ] {
        if n > 0 {
            let _ = write!(s, " {n} {what},");
        }
    }
    s.trim_end_matches(',').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(p: u32, off: i64, ts: i64, k: &str, v: &str) -> Rec {
        Rec {
            partition: p,
            offset: off,
            timestamp: ts,
            key_hex: k.into(),
            value_hex: v.into(),
            key: k.into(),
            value: v.into(),
        }
    }

    #[test]
    fn parses_a_dump_line() {
        let recs = parse("1\t5\t1000\t6b\t-\t\"k\"\tnull\n").unwrap();
        assert_eq!(recs[0].partition, 1);
        assert_eq!(recs[0].value_hex, "-");
        assert!(parse("1\t2\n").is_err());
    }

    #[test]
    fn compares_per_partition_by_index_not_offset() {
        let java = vec![rec(0, 0, 10, "a", "01"), rec(1, 0, 10, "b", "01"), rec(1, 1, 11, "b", "02")];
        // Offsets differ (transaction markers), records are the same.
        let same = vec![rec(1, 4, 10, "b", "01"), rec(0, 2, 10, "a", "01"), rec(1, 9, 11, "b", "02")];
        assert!(compare(&java, &same).is_empty());
        let other = vec![rec(0, 0, 10, "a", "01"), rec(1, 0, 12, "b", "01")];
        let d = compare(&java, &other);
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].partition, d[0].index), (1, 0));
        assert!(d[0].describe(0).contains("timestamp Java base+10ms vs kstreams base+12ms"));
        assert!(d[1].got.is_none());
        assert_eq!(summarize(&d), "2 positions differ: 1 timestamp, 1 missing in kstreams");
    }
}
