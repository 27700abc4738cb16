//! The `BENCH key=value ...` lines that the benchmark programs print on
//! stdout for `cargo xtask bench`, and the statistics behind them.

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// Prints one `BENCH ...` line and flushes stdout (the harness reads it live).
pub fn report(line: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout means the harness went away; nothing useful to do then.
    let _ = writeln!(out, "BENCH {line}");
    let _ = out.flush();
}

/// Wall-clock time in microseconds since the epoch: comparable across the
/// processes of one machine, which is what end-to-end latency needs.
pub fn now_unix_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// Latency percentiles of a sample, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percentiles {
    /// Number of samples.
    pub n: usize,
    /// Median.
    pub p50: i64,
    /// 99th percentile.
    pub p99: i64,
    /// 99.9th percentile.
    pub p999: i64,
    /// Largest sample.
    pub max: i64,
}

impl Percentiles {
    /// Nearest-rank percentiles; `None` for an empty sample. Sorts `samples`.
    pub fn of(samples: &mut [i64]) -> Option<Percentiles> {
        if samples.is_empty() {
            return None;
        }
        samples.sort_unstable();
        let rank = |q: f64| {
            let i = (q * samples.len() as f64).ceil() as usize;
            samples[i.clamp(1, samples.len()) - 1]
        };
        Some(Percentiles {
            n: samples.len(),
            p50: rank(0.50),
            p99: rank(0.99),
            p999: rank(0.999),
            max: samples[samples.len() - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<i64> = (1..=1000).rev().collect();
        let p = Percentiles::of(&mut v).unwrap();
        assert_eq!(
            (p.n, p.p50, p.p99, p.p999, p.max),
            (1000, 500, 990, 999, 1000)
        );
        assert_eq!(Percentiles::of(&mut [7]).unwrap().p999, 7);
        assert!(Percentiles::of(&mut []).is_none());
    }
}
