//! The figures of one benchmark run and their markdown table: each figure
//! for the limit, kstreams and Java, with kstreams/Java and kstreams/limit.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Who processed the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Impl {
    /// The rdkafka copy loop (`bench_limit`).
    Limit,
    /// kstreams (`bench_kstreams_*`).
    Kstreams,
    /// Java Kafka Streams (`bench/java`).
    Java,
}

impl Impl {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Impl::Limit => "limit",
            Impl::Kstreams => "kstreams",
            Impl::Java => "java",
        }
    }
}

/// The key of one measured configuration: implementation, topology, guarantee.
pub(crate) type CaseKey = (Impl, &'static str, &'static str);

/// What one configuration measured; `None` where a figure does not apply or failed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Figures {
    /// Input records per second, first output to input fully committed.
    pub(crate) throughput: Option<f64>,
    /// The offered rate of the latency run (half of `throughput`).
    pub(crate) offered: Option<f64>,
    /// End-to-end latency percentiles at the offered rate, ms.
    pub(crate) p50_ms: Option<f64>,
    pub(crate) p99_ms: Option<f64>,
    pub(crate) p999_ms: Option<f64>,
    /// Peak RSS (VmHWM) of the processing process during the throughput run, MiB.
    pub(crate) rss_mib: Option<f64>,
    /// Spawn to RUNNING, ms (throughput run, fresh state).
    pub(crate) startup_ms: Option<f64>,
    /// Changelog records restored per second with an empty state directory.
    pub(crate) restore_rate: Option<f64>,
    /// Notes: failed steps, output checks.
    pub(crate) notes: Vec<String>,
}

/// Every case's figures, or why there are none.
pub(crate) type Results = BTreeMap<CaseKey, std::result::Result<Figures, String>>;

type Metric = (&'static str, fn(&Figures) -> Option<f64>, fn(f64) -> String);

const METRICS: [Metric; 8] = [
    ("throughput (records/s) ↑", |f| f.throughput, count),
    ("latency p50 (ms) ↓", |f| f.p50_ms, millis),
    ("latency p99 (ms) ↓", |f| f.p99_ms, millis),
    ("latency p999 (ms) ↓", |f| f.p999_ms, millis),
    ("peak RSS (MiB) ↓", |f| f.rss_mib, |v| format!("{v:.0}")),
    (
        "start to RUNNING (ms) ↓",
        |f| f.startup_ms,
        |v| format!("{v:.0}"),
    ),
    ("restore (records/s) ↑", |f| f.restore_rate, count),
    ("latency offered rate (records/s)", |f| f.offered, count),
];

fn count(v: f64) -> String {
    let n = v.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn millis(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "n/a".into(),
    }
}

/// The markdown table of `results`, one block of rows per topology (of
/// those measured) and guarantee.
pub(crate) fn render(results: &Results) -> String {
    let mut t = String::new();
    t.push_str("| figure | limit | kstreams | Java | kstreams/Java | kstreams/limit |\n");
    t.push_str("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    let get = |imp: Impl, topology: &'static str, guarantee: &'static str| -> Option<&Figures> {
        results
            .get(&(imp, topology, guarantee))
            .and_then(|r| r.as_ref().ok())
    };
    for spec in &super::topology::TOPOLOGIES {
        let topology = spec.name;
        // Topologies left out of the run (`--topologies`) get no rows.
        if !results.keys().any(|(_, t, _)| *t == topology) {
            continue;
        }
        for guarantee in ["at_least_once", "exactly_once_v2"] {
            let _ = writeln!(t, "| **{topology}, {guarantee}** | | | | | |");
            let limit = get(Impl::Limit, "copy", guarantee);
            let ks = get(Impl::Kstreams, topology, guarantee);
            let java = get(Impl::Java, topology, guarantee);
            for (label, pick, show) in METRICS {
                let (l, k, j) = (limit.and_then(pick), ks.and_then(pick), java.and_then(pick));
                if l.is_none() && k.is_none() && j.is_none() {
                    continue;
                }
                let cell = |v: Option<f64>| v.map(show).unwrap_or_else(|| "n/a".into());
                let _ = writeln!(
                    t,
                    "| {label} | {} | {} | {} | {} | {} |",
                    cell(l),
                    cell(k),
                    cell(j),
                    ratio(k, j),
                    ratio(k, l)
                );
            }
            if spec.scales() {
                // Throughput against the same program on one thread.
                let through = |f: Option<&Figures>| f.and_then(|f| f.throughput);
                let (k1, j1) = (
                    through(get(Impl::Kstreams, spec.program, guarantee)),
                    through(get(Impl::Java, spec.program, guarantee)),
                );
                let _ = writeln!(
                    t,
                    "| throughput / one thread's ({}) ↑ | n/a | {} | {} | n/a | n/a |",
                    spec.program,
                    ratio(through(ks), k1),
                    ratio(through(java), j1),
                );
            }
        }
    }
    t
}

/// Notes for the cases that failed, were skipped or printed a warning.
pub(crate) fn notes(results: &Results) -> String {
    let mut t = String::new();
    for ((imp, topology, guarantee), result) in results {
        let case = format!("{} {topology} {guarantee}", imp.name());
        match result {
            Err(why) => {
                let _ = writeln!(t, "- {case}: {}", why.lines().next().unwrap_or(""));
            }
            Ok(f) => {
                for note in &f.notes {
                    let _ = writeln!(t, "- {case}: {note}");
                }
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_and_missing_figures_are_na() {
        assert_eq!(count(1234567.4), "1 234 567");
        assert_eq!(count(999.0), "999");
        let mut results = Results::new();
        let java = Figures {
            throughput: Some(50_000.0),
            ..Figures::default()
        };
        let limit = Figures {
            throughput: Some(200_000.0),
            ..Figures::default()
        };
        results.insert((Impl::Java, "stateless", "at_least_once"), Ok(java));
        results.insert((Impl::Limit, "copy", "at_least_once"), Ok(limit));
        results.insert(
            (Impl::Kstreams, "stateless", "at_least_once"),
            Err("not available".into()),
        );
        let table = render(&results);
        assert!(
            table.contains("| throughput (records/s) ↑ | 200 000 | n/a | 50 000 | n/a | n/a |"),
            "{table}"
        );
        assert!(
            !table.contains("**counter"),
            "unmeasured topologies have no rows: {table}"
        );
        assert!(notes(&results).contains("kstreams stateless at_least_once: not available"));

        let through = |v: f64| {
            Ok(Figures {
                throughput: Some(v),
                ..Figures::default()
            })
        };
        results.insert((Impl::Kstreams, "counter", "at_least_once"), through(100.0));
        results.insert((Impl::Java, "counter", "at_least_once"), through(40.0));
        results.insert(
            (Impl::Kstreams, "counter-2-threads", "at_least_once"),
            through(150.0),
        );
        results.insert(
            (Impl::Java, "counter-2-threads", "at_least_once"),
            through(70.0),
        );
        let table = render(&results);
        assert!(
            table.contains(
                "| throughput / one thread's (counter) ↑ | n/a | 1.50 | 1.75 | n/a | n/a |"
            ),
            "{table}"
        );
    }
}
