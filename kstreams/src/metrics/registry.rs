//! [`StreamsMetrics`]: the registry of one `KafkaStreams` instance (or test
//! driver), and the [`Metric`]s of its [`MetricsSnapshot`]s.
//!
//! Sensors and gauges are owned by what they measure (a stream thread, a
//! task, a node, a store); the registry keeps only weak references, so a
//! closed task's metrics leave the next snapshot by themselves, as Java
//! removes a task's sensors when it closes. Registering takes a lock and
//! builds strings; it happens when threads, tasks and stores are created,
//! never per record.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use super::sensor::{Facade, Gauge, Sensor, Stat};
use super::{RecordingLevel, DROPPED_RECORDS_TOTAL};

/// The tags of a metric (Java's `MetricName` tags), e.g. `thread-id`.
pub type Tags = BTreeMap<String, String>;

/// One metric's value at the time of the snapshot (Java's `Metric` with
/// its `MetricName`).
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Kafka Streams' name, e.g. `commit-rate`.
    pub name: String,
    /// Kafka Streams' group, e.g. `stream-thread-metrics`.
    pub group: String,
    /// What it measures.
    pub description: String,
    /// Kafka Streams' tags, e.g. `thread-id`, `task-id`.
    pub tags: Tags,
    /// The value; NaN for an average or extreme with no recording in the
    /// current window (as Java).
    pub value: f64,
}

impl Metric {
    /// The value of tag `key`, if the metric has it.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).map(String::as_str)
    }
}

/// A Kafka Streams sensor: its name, group, level and the metrics it
/// exposes (suffix, statistic, description), e.g. `commit` →
/// `commit-rate`, `commit-total`, `commit-latency-avg`, `commit-latency-max`.
#[derive(Debug)]
pub(crate) struct SensorSpec {
    pub(crate) name: &'static str,
    pub(crate) group: &'static str,
    pub(crate) level: RecordingLevel,
    pub(crate) stats: &'static [(&'static str, Stat, &'static str)],
    /// Raw values times `scale` = the reported unit (1e-6: ns → ms).
    pub(crate) scale: f64,
    /// The facade handle: a counter of recordings, a counter of values,
    /// or a histogram; named after the metric with that suffix.
    pub(crate) facade: (FacadeKind, &'static str),
}

/// See [`SensorSpec::facade`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FacadeKind {
    Count,
    Sum,
    Histogram,
}

enum Source {
    Sensor {
        sensor: Weak<Sensor>,
        spec: &'static SensorSpec,
    },
    Gauge {
        gauge: Weak<Gauge>,
        name: String,
        description: &'static str,
    },
}

struct Entry {
    group: &'static str,
    tags: Tags,
    source: Source,
}

impl Entry {
    fn live(&self) -> bool {
        match &self.source {
            Source::Sensor { sensor, .. } => sensor.strong_count() > 0,
            Source::Gauge { gauge, .. } => gauge.strong_count() > 0,
        }
    }
}

/// The metrics of one application instance, shared by its stream threads.
///
/// [`KafkaStreams::metrics`](crate::KafkaStreams::metrics) and
/// [`TopologyTestDriver::metrics`](crate::TopologyTestDriver::metrics) read
/// it into a [`MetricsSnapshot`].
pub struct StreamsMetrics {
    level: RecordingLevel,
    /// Every task's `dropped-records-total`, including tasks closed since.
    dropped_records: AtomicU64,
    entries: Mutex<Vec<Entry>>,
}

impl std::fmt::Debug for StreamsMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamsMetrics")
            .field("level", &self.level)
            .field("dropped_records", &self.dropped_records_total())
            .finish_non_exhaustive()
    }
}

impl Default for StreamsMetrics {
    fn default() -> Self {
        StreamsMetrics::new(RecordingLevel::Info)
    }
}

impl StreamsMetrics {
    /// An empty registry recording sensors up to `level`.
    pub fn new(level: RecordingLevel) -> StreamsMetrics {
        StreamsMetrics {
            level,
            dropped_records: AtomicU64::new(0),
            entries: Mutex::new(Vec::new()),
        }
    }

    /// `metrics.recording.level`.
    pub fn recording_level(&self) -> RecordingLevel {
        self.level
    }

    /// `dropped-records-total` of the whole instance: records consumed but
    /// skipped (not deserializable, failed in a processor or a sink with a
    /// CONTINUE answer, or with a negative timestamp), by every task since
    /// the instance was created. Under exactly-once, a record skipped in a
    /// transaction that is later aborted is re-read and counted again.
    pub fn dropped_records_total(&self) -> u64 {
        self.dropped_records.load(Ordering::Relaxed)
    }

    /// A cumulative metric by its Kafka Streams name, summed over every
    /// thread, task, node and store now registered (for
    /// [`DROPPED_RECORDS_TOTAL`]: [`dropped_records_total`](Self::dropped_records_total)).
    /// `None` if no registered metric has that name.
    pub fn get(&self, name: &str) -> Option<u64> {
        if name == DROPPED_RECORDS_TOTAL {
            return Some(self.dropped_records_total());
        }
        let snapshot = self.snapshot();
        let mut found = snapshot.iter().filter(|m| m.name == name).peekable();
        found.peek()?;
        Some(
            found
                .map(|m| m.value)
                .filter(|v| v.is_finite())
                .sum::<f64>() as u64,
        )
    }

    /// Every registered metric's current value, sorted by group, name and tags.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let now = Instant::now();
        let mut out = Vec::new();
        {
            let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            entries.retain(Entry::live);
            for e in entries.iter() {
                match &e.source {
                    Source::Sensor { sensor, spec } => {
                        let Some(sensor) = sensor.upgrade() else {
                            continue;
                        };
                        let reading = sensor.read(now);
                        for (suffix, stat, description) in spec.stats {
                            out.push(Metric {
                                name: format!("{}{suffix}", spec.name),
                                group: e.group.to_owned(),
                                description: (*description).to_owned(),
                                tags: e.tags.clone(),
                                value: sensor.value(*stat, &reading),
                            });
                        }
                    }
                    Source::Gauge {
                        gauge,
                        name,
                        description,
                    } => {
                        let Some(gauge) = gauge.upgrade() else {
                            continue;
                        };
                        out.push(Metric {
                            name: name.clone(),
                            group: e.group.to_owned(),
                            description: (*description).to_owned(),
                            tags: e.tags.clone(),
                            value: gauge.get(),
                        });
                    }
                }
            }
        }
        out.sort_by(|a, b| (&a.group, &a.name, &a.tags).cmp(&(&b.group, &b.name, &b.tags)));
        MetricsSnapshot {
            metrics: out,
            dropped_records_total: self.dropped_records_total(),
        }
    }

    /// Counts one dropped record in the instance's total (the task's own
    /// sensor is recorded by the caller).
    pub(crate) fn record_dropped(&self) {
        self.dropped_records.fetch_add(1, Ordering::Relaxed);
    }

    /// Creates and registers the sensor `spec` with `tags`, if the
    /// recording level asks for it.
    pub(crate) fn sensor(&self, spec: &'static SensorSpec, tags: &Tags) -> Option<Arc<Sensor>> {
        if !self.level.records(spec.level) {
            return None;
        }
        let (kind, suffix) = spec.facade;
        let key = facade_key(spec.group, &format!("{}{suffix}", spec.name), tags);
        let meta = facade_metadata(spec.level);
        let facade = metrics::with_recorder(|r| match kind {
            FacadeKind::Count => Facade::Count(r.register_counter(&key, &meta)),
            FacadeKind::Sum => Facade::Sum(r.register_counter(&key, &meta)),
            FacadeKind::Histogram => Facade::Histogram(r.register_histogram(&key, &meta)),
        });
        let sensor = Arc::new(Sensor::new(spec.scale, facade));
        self.push(Entry {
            group: spec.group,
            tags: tags.clone(),
            source: Source::Sensor {
                sensor: Arc::downgrade(&sensor),
                spec,
            },
        });
        Some(sensor)
    }

    /// Creates and registers a gauge, if the recording level asks for it.
    pub(crate) fn gauge(
        &self,
        level: RecordingLevel,
        group: &'static str,
        name: &str,
        description: &'static str,
        tags: &Tags,
    ) -> Option<Arc<Gauge>> {
        if !self.level.records(level) {
            return None;
        }
        let key = facade_key(group, name, tags);
        let meta = facade_metadata(level);
        let facade = metrics::with_recorder(|r| r.register_gauge(&key, &meta));
        let gauge = Arc::new(Gauge::new(Some(facade)));
        self.push(Entry {
            group,
            tags: tags.clone(),
            source: Source::Gauge {
                gauge: Arc::downgrade(&gauge),
                name: name.to_owned(),
                description,
            },
        });
        Some(gauge)
    }

    fn push(&self, entry: Entry) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(Entry::live);
        entries.push(entry);
    }
}

/// The name kstreams gives a metric outside Kafka Streams' model (the
/// `metrics` facade, Prometheus): `kstreams_` + the group without
/// `-metrics` + `_` + the name, `-` and `.` as `_`; e.g.
/// `kstreams_stream_thread_commit_rate`.
pub fn flat_name(group: &str, name: &str) -> String {
    let group = group.strip_suffix("-metrics").unwrap_or(group);
    let mut out = String::with_capacity(9 + group.len() + name.len());
    out.push_str("kstreams_");
    out.extend(group.chars().map(underscore));
    out.push('_');
    out.extend(name.chars().map(underscore));
    out
}

/// A tag key as a label name: `thread-id` → `thread_id`.
pub fn flat_label(key: &str) -> String {
    key.chars().map(underscore).collect()
}

fn underscore(c: char) -> char {
    if c.is_ascii_alphanumeric() {
        c
    } else {
        '_'
    }
}

fn facade_key(group: &str, name: &str, tags: &Tags) -> metrics::Key {
    let labels: Vec<metrics::Label> = tags
        .iter()
        .map(|(k, v)| metrics::Label::new(flat_label(k), v.clone()))
        .collect();
    metrics::Key::from_parts(flat_name(group, name), labels)
}

fn facade_metadata(level: RecordingLevel) -> metrics::Metadata<'static> {
    let level = match level {
        RecordingLevel::Info => metrics::Level::INFO,
        RecordingLevel::Debug => metrics::Level::DEBUG,
        RecordingLevel::Trace => metrics::Level::TRACE,
    };
    metrics::Metadata::new("kstreams", level, Some(module_path!()))
}

/// The metrics of an instance at one moment, as Java's
/// `KafkaStreams.metrics()`: a list of [`Metric`]s (it dereferences to
/// `[Metric]`; [`into_vec`](Self::into_vec) gives the `Vec`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsSnapshot {
    metrics: Vec<Metric>,
    dropped_records_total: u64,
}

impl std::ops::Deref for MetricsSnapshot {
    type Target = [Metric];
    fn deref(&self) -> &[Metric] {
        &self.metrics
    }
}

impl IntoIterator for MetricsSnapshot {
    type Item = Metric;
    type IntoIter = std::vec::IntoIter<Metric>;
    fn into_iter(self) -> Self::IntoIter {
        self.metrics.into_iter()
    }
}

impl<'a> IntoIterator for &'a MetricsSnapshot {
    type Item = &'a Metric;
    type IntoIter = std::slice::Iter<'a, Metric>;
    fn into_iter(self) -> Self::IntoIter {
        self.metrics.iter()
    }
}

impl MetricsSnapshot {
    /// The metrics.
    pub fn into_vec(self) -> Vec<Metric> {
        self.metrics
    }

    /// The metrics named `name` whose tags include every `(key, value)` of `tags`.
    pub fn find<'a>(
        &'a self,
        name: &'a str,
        tags: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Metric> + 'a {
        self.metrics
            .iter()
            .filter(move |m| m.name == name && tags.iter().all(|(k, v)| m.tag(k) == Some(*v)))
    }

    /// The value of the one metric named `name` with `tags`; `None` if
    /// there is none or more than one.
    pub fn value(&self, name: &str, tags: &[(&str, &str)]) -> Option<f64> {
        let mut found = self.find(name, tags);
        let first = found.next()?;
        found.next().is_none().then_some(first.value)
    }

    /// The sum of every metric named `name` (NaN values skipped).
    pub fn sum(&self, name: &str) -> f64 {
        self.find(name, &[])
            .map(|m| m.value)
            .filter(|v| !v.is_nan())
            .sum()
    }

    /// Records dropped by the instance since it was created, including by
    /// tasks closed since (whose own `dropped-records-total` left the
    /// snapshot with them); see [`StreamsMetrics::dropped_records_total`].
    pub fn dropped_records_total(&self) -> u64 {
        self.dropped_records_total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::sensor::Stat;

    static SPEC: SensorSpec = SensorSpec {
        name: "thing",
        group: "stream-test-metrics",
        level: RecordingLevel::Info,
        stats: &[
            ("-total", Stat::Total, "things"),
            ("-max", Stat::Max, "largest"),
        ],
        scale: 1.0,
        facade: (FacadeKind::Count, "-total"),
    };
    static DEBUG_SPEC: SensorSpec = SensorSpec {
        name: "detail",
        group: "stream-test-metrics",
        level: RecordingLevel::Debug,
        stats: &[("-total", Stat::Total, "details")],
        scale: 1.0,
        facade: (FacadeKind::Count, "-total"),
    };

    fn tags(task: &str) -> Tags {
        [("task-id".to_owned(), task.to_owned())].into()
    }

    #[test]
    fn snapshots_follow_the_owners_of_sensors() {
        let registry = StreamsMetrics::new(RecordingLevel::Info);
        let a = registry
            .sensor(&SPEC, &tags("0_0"))
            .expect("INFO records INFO");
        let b = registry
            .sensor(&SPEC, &tags("0_1"))
            .expect("INFO records INFO");
        assert!(
            registry.sensor(&DEBUG_SPEC, &tags("0_0")).is_none(),
            "INFO skips DEBUG"
        );
        a.record(3);
        a.record(9);
        b.record(1);
        let snap = registry.snapshot();
        assert_eq!(snap.len(), 4);
        assert_eq!(snap.value("thing-total", &[("task-id", "0_0")]), Some(2.0));
        assert_eq!(snap.value("thing-max", &[("task-id", "0_0")]), Some(9.0));
        assert_eq!(snap.value("thing-total", &[]), None, "two match");
        assert_eq!(snap.sum("thing-total"), 3.0);
        assert_eq!(registry.get("thing-total"), Some(3));
        assert_eq!(registry.get("nothing-total"), None);
        drop(a);
        let snap = registry.snapshot();
        assert_eq!(
            snap.find("thing-total", &[]).count(),
            1,
            "a's owner is gone"
        );
        assert_eq!(snap[0].tag("task-id"), Some("0_1"));
    }

    #[test]
    fn gauges_and_dropped_records() {
        let registry = StreamsMetrics::new(RecordingLevel::Debug);
        let g = registry
            .gauge(
                RecordingLevel::Info,
                "stream-metrics",
                "alive-stream-threads",
                "threads",
                &Tags::new(),
            )
            .expect("registered");
        g.set(2.0);
        registry.record_dropped();
        let snap = registry.snapshot();
        assert_eq!(snap.value("alive-stream-threads", &[]), Some(2.0));
        assert_eq!(snap.dropped_records_total(), 1);
        assert_eq!(registry.get(DROPPED_RECORDS_TOTAL), Some(1));
    }

    #[test]
    fn flat_names() {
        assert_eq!(
            flat_name("stream-thread-metrics", "commit-latency-avg"),
            "kstreams_stream_thread_commit_latency_avg"
        );
        assert_eq!(
            flat_name("stream-metrics", "alive-stream-threads"),
            "kstreams_stream_alive_stream_threads"
        );
        assert_eq!(flat_label("thread-id"), "thread_id");
    }
}
