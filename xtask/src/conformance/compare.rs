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

/// One place where the two outputs differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Difference {
    pub(crate) partition: u32,
    /// Index of the record within Java's partition (for a record only
    /// kstreams has: where it would be). Indexes, not offsets: offsets
    /// differ between the two outputs (transaction markers take offsets too).
    pub(crate) java_index: usize,
    /// Index within kstreams' partition (for a record only Java has: where it would be).
    pub(crate) kstreams_index: usize,
    pub(crate) expected: Option<Rec>,
    pub(crate) got: Option<Rec>,
}

impl Difference {
    /// One line: where, and what differs (`base_ms`: shown timestamps are relative to it).
    pub(crate) fn describe(&self, base_ms: i64) -> String {
        let at = if self.java_index == self.kstreams_index {
            format!("p{} #{}", self.partition, self.java_index)
        } else {
            format!(
                "p{} Java #{} / kstreams #{}",
                self.partition, self.java_index, self.kstreams_index
            )
        };
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
                        "value Java {} vs kstreams {} ({} vs {})",
                        e.value,
                        g.value,
                        show_hex(&e.value_hex),
                        show_hex(&g.value_hex)
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
                "{at}: only Java emits key {} value {} at {}",
                e.key,
                e.value,
                rel(e.timestamp)
            ),
            (None, Some(g)) => format!(
                "{at}: only kstreams emits key {} value {} at {}",
                g.key,
                g.value,
                rel(g.timestamp)
            ),
            (None, None) => format!("{at}: (no records)"),
        }
    }
}

fn show_hex(h: &str) -> String {
    if h == "-" {
        "null".to_owned()
    } else {
        format!("0x{h}")
    }
}

fn same(a: &Rec, b: &Rec) -> bool {
    a.key_hex == b.key_hex && a.value_hex == b.value_hex && a.timestamp == b.timestamp
}

/// Longest-common-subsequence tables above this many cells fall back to a
/// position-by-position comparison (memory).
const MAX_LCS_CELLS: usize = 16_000_000;

/// Every difference of `got` (kstreams) from `expected` (Java), partition
/// by partition. The two sequences of a partition are aligned on their
/// longest common subsequence of identical records (key, value, timestamp),
/// so that one missing or extra record shows as that, not as a shift of
/// everything after it; within a stretch that does not align, records are
/// paired in order by key (a "changed" record), the rest are "only Java" or
/// "only kstreams".
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
        // Records of each side passed so far: "where it would be" for a one-sided record.
        let (mut seen_e, mut seen_g) = (0, 0);
        for (i, j) in align(ev, gv) {
            let (a, b) = (i.map(|i| &ev[i]), j.map(|j| &gv[j]));
            let (java_index, kstreams_index) = (seen_e, seen_g);
            seen_e += usize::from(i.is_some());
            seen_g += usize::from(j.is_some());
            if let (Some(a), Some(b)) = (a, b) {
                if same(a, b) {
                    continue;
                }
            }
            out.push(Difference {
                partition: p,
                java_index,
                kstreams_index,
                expected: a.cloned(),
                got: b.cloned(),
            });
        }
    }
    out
}

/// Pairs of (Java index, kstreams index), in order; `None` on one side for
/// a record the other side lacks.
fn align(e: &[Rec], g: &[Rec]) -> Vec<(Option<usize>, Option<usize>)> {
    let (n, m) = (e.len(), g.len());
    if n.saturating_mul(m) > MAX_LCS_CELLS {
        return (0..n.max(m))
            .map(|i| ((i < n).then_some(i), (i < m).then_some(i)))
            .collect();
    }
    // lcs[i][j]: LCS length of e[i..] and g[j..].
    let w = m + 1;
    let mut lcs = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * w + j] = if same(&e[i], &g[j]) {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let (mut gap_e, mut gap_g) = (Vec::new(), Vec::new());
    while i < n || j < m {
        if i < n && j < m && same(&e[i], &g[j]) && lcs[i * w + j] == lcs[(i + 1) * w + j + 1] + 1 {
            pair_gap(e, g, &mut gap_e, &mut gap_g, &mut out);
            out.push((Some(i), Some(j)));
            i += 1;
            j += 1;
        } else if j >= m || (i < n && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
            gap_e.push(i);
            i += 1;
        } else {
            gap_g.push(j);
            j += 1;
        }
    }
    pair_gap(e, g, &mut gap_e, &mut gap_g, &mut out);
    out
}

/// Pairs the unaligned records between two aligned ones: in order, each
/// Java record with the next unpaired kstreams record of the same key.
fn pair_gap(
    e: &[Rec],
    g: &[Rec],
    gap_e: &mut Vec<usize>,
    gap_g: &mut Vec<usize>,
    out: &mut Vec<(Option<usize>, Option<usize>)>,
) {
    let mut next_g = 0; // kstreams records before this one are emitted
    for &i in gap_e.iter() {
        match gap_g[next_g..]
            .iter()
            .position(|&j| g[j].key_hex == e[i].key_hex)
        {
            Some(k) => {
                for &j in &gap_g[next_g..next_g + k] {
                    out.push((None, Some(j)));
                }
                out.push((Some(i), Some(gap_g[next_g + k])));
                next_g += k + 1;
            }
            None => out.push((Some(i), None)),
        }
    }
    for &j in &gap_g[next_g..] {
        out.push((None, Some(j)));
    }
    gap_e.clear();
    gap_g.clear();
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
    let mut s = format!("{} differences:", diffs.len());
    for (n, what) in [
        (keys, "key"),
        (values, "value"),
        (timestamps, "timestamp"),
        (missing, "only in Java"),
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
        let java = vec![
            rec(0, 0, 10, "a", "01"),
            rec(1, 0, 10, "b", "01"),
            rec(1, 1, 11, "b", "02"),
        ];
        // Offsets differ (transaction markers), records are the same.
        let same = vec![
            rec(1, 4, 10, "b", "01"),
            rec(0, 2, 10, "a", "01"),
            rec(1, 9, 11, "b", "02"),
        ];
        assert!(compare(&java, &same).is_empty());
        let other = vec![rec(0, 0, 10, "a", "01"), rec(1, 0, 12, "b", "01")];
        let d = compare(&java, &other);
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].partition, d[0].java_index), (1, 0));
        assert!(d[0]
            .describe(0)
            .contains("timestamp Java base+10ms vs kstreams base+12ms"));
        assert!(d[1].got.is_none());
        assert_eq!(summarize(&d), "2 differences: 1 timestamp, 1 only in Java");
    }

    #[test]
    fn a_missing_record_is_not_a_shift() {
        let java = vec![
            rec(0, 0, 1, "a", "01"),
            rec(0, 1, 2, "b", "-"),
            rec(0, 2, 3, "a", "02"),
            rec(0, 3, 4, "b", "03"),
        ];
        let ks = vec![
            rec(0, 0, 1, "a", "01"),
            rec(0, 1, 3, "a", "02"),
            rec(0, 2, 5, "b", "03"),
        ];
        let d = compare(&java, &ks);
        assert_eq!(d.len(), 2, "{d:#?}");
        assert!(d[0].got.is_none());
        assert_eq!((d[0].java_index, d[0].kstreams_index), (1, 1));
        assert_eq!(
            d[0].describe(0),
            "p0 #1: only Java emits key b value - at base+2ms"
        );
        assert_eq!((d[1].java_index, d[1].kstreams_index), (3, 2));
        assert!(d[1]
            .describe(0)
            .contains("timestamp Java base+4ms vs kstreams base+5ms"));
        let extra = compare(&ks, &java);
        assert!(extra[0].expected.is_none());
        assert_eq!(
            extra[0].describe(0),
            "p0 #1: only kstreams emits key b value - at base+2ms"
        );
    }
}
