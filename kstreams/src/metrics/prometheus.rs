//! Prometheus text exposition (format 0.0.4) of a
//! [`MetricsSnapshot`](super::MetricsSnapshot)
//! (feature `prometheus`): no global recorder, no dependency; the
//! `http` feature's `QueryServer` serves it at `/metrics`.
//!
//! Names are [`flat_name`]s (`kstreams_stream_thread_commit_rate`), tags
//! become labels (`thread_id="..."`); `-total` metrics are counters, the
//! others gauges.

use std::fmt::Write;

use super::registry::{flat_label, flat_name, Metric};

/// The `Content-Type` of [`render`]'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders `metrics` in Prometheus' text format, one family (`# HELP`,
/// `# TYPE`, samples) per name.
///
/// ```
/// use kstreams::dsl::{StreamsBuilder, Topic};
/// use kstreams::TopologyTestDriver;
///
/// const IN: Topic<String, String, 1> = Topic::new("in");
/// const OUT: Topic<String, String, 1> = Topic::new("out");
/// let b = StreamsBuilder::new();
/// b.stream(IN).to(OUT);
/// let driver = TopologyTestDriver::new(b.build()?)?;
/// driver.create_input_topic(IN).pipe_input("k", "v")?;
/// let text = kstreams::metrics::prometheus::render(&driver.metrics());
/// assert!(text.contains("# TYPE kstreams_stream_task_dropped_records_total counter"));
/// assert!(text.contains("kstreams_stream_task_dropped_records_total{task_id=\"0_0\",thread_id=\"topology-test-driver\"} 0"));
/// # Ok::<(), kstreams::Error>(())
/// ```
pub fn render(metrics: &[Metric]) -> String {
    let mut rows: Vec<(String, &Metric)> = metrics
        .iter()
        .map(|m| (flat_name(&m.group, &m.name), m))
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1.tags).cmp(&(&b.0, &b.1.tags)));
    let mut out = String::new();
    let mut family: Option<&str> = None;
    for (name, m) in &rows {
        if family != Some(name.as_str()) {
            let kind = if name.ends_with("_total") {
                "counter"
            } else {
                "gauge"
            };
            let _ = writeln!(out, "# HELP {name} {}", escape_help(&m.description));
            let _ = writeln!(out, "# TYPE {name} {kind}");
            family = Some(name.as_str());
        }
        out.push_str(name);
        if !m.tags.is_empty() {
            out.push('{');
            for (i, (k, v)) in m.tags.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}=\"{}\"", flat_label(k), escape_label(v));
            }
            out.push('}');
        }
        let _ = writeln!(out, " {}", number(m.value));
    }
    out
}

/// A label value: `\`, `"` and line feeds escaped.
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::registry::{FacadeKind, SensorSpec, StreamsMetrics};
    use crate::metrics::sensor::Stat;
    use crate::metrics::RecordingLevel;

    static SPEC: SensorSpec = SensorSpec {
        name: "commit",
        group: "stream-thread-metrics",
        level: RecordingLevel::Info,
        stats: &[
            ("-total", Stat::Total, "The total number of calls to commit"),
            (
                "-latency-avg",
                Stat::Avg,
                "The average\nlatency \\ of commit",
            ),
        ],
        scale: 1.0,
        facade: (FacadeKind::Count, "-total"),
    };

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape_label("line\nbreak"), "line\\nbreak");
        assert_eq!(escape_label("plain-1"), "plain-1");
    }

    #[test]
    fn families_types_and_samples() {
        let registry = StreamsMetrics::new(RecordingLevel::Info);
        let tags = |t: &str| [("thread-id".to_owned(), t.to_owned())].into();
        let a = registry.sensor(&SPEC, &tags("t\"1")).expect("info");
        let _b = registry.sensor(&SPEC, &tags("t2")).expect("info");
        a.record(4);
        let text = render(&registry.snapshot());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            vec![
                "# HELP kstreams_stream_thread_commit_latency_avg The average\\nlatency \\\\ of commit",
                "# TYPE kstreams_stream_thread_commit_latency_avg gauge",
                "kstreams_stream_thread_commit_latency_avg{thread_id=\"t\\\"1\"} 4",
                "kstreams_stream_thread_commit_latency_avg{thread_id=\"t2\"} NaN",
                "# HELP kstreams_stream_thread_commit_total The total number of calls to commit",
                "# TYPE kstreams_stream_thread_commit_total counter",
                "kstreams_stream_thread_commit_total{thread_id=\"t\\\"1\"} 1",
                "kstreams_stream_thread_commit_total{thread_id=\"t2\"} 0",
            ]
        );
    }
}
