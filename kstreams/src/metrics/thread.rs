//! [`ThreadMetrics`]: one stream thread's sensors (Java's `ThreadMetrics`)
//! and its consumer's lags (the consumer's `records-lag`).
//!
//! The thread records once per loop iteration (poll, process, punctuate,
//! commit), never per record: the process latency is the iteration's
//! processing time divided by the records it processed, as Java's
//! `StreamThread.runOnce`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::registry::{StreamsMetrics, Tags};
use super::sensor::{Gauge, Sensor};
use super::specs::*;
use super::RecordingLevel;

/// The sensors of one stream thread; they leave the registry when it is dropped.
pub(crate) struct ThreadMetrics {
    registry: Arc<StreamsMetrics>,
    thread_id: String,
    commit: Option<Arc<Sensor>>,
    poll: Option<Arc<Sensor>>,
    poll_records: Option<Arc<Sensor>>,
    process: Option<Arc<Sensor>>,
    process_records: Option<Arc<Sensor>>,
    process_latency: Option<Arc<Sensor>>,
    punctuate: Option<Arc<Sensor>>,
    task_created: Option<Arc<Sensor>>,
    task_closed: Option<Arc<Sensor>>,
    lag_max: Option<Arc<Gauge>>,
    lags: HashMap<(String, i32), Arc<Gauge>>,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl ThreadMetrics {
    /// Registers the thread's sensors, tagged `thread-id = thread_id`.
    pub(crate) fn new(registry: Arc<StreamsMetrics>, thread_id: &str) -> ThreadMetrics {
        let tags: Tags = [(THREAD_ID_TAG.to_owned(), thread_id.to_owned())].into();
        let consumer: Tags = [(CLIENT_ID_TAG.to_owned(), format!("{thread_id}-consumer"))].into();
        ThreadMetrics {
            commit: registry.sensor(&THREAD_COMMIT, &tags),
            poll: registry.sensor(&THREAD_POLL, &tags),
            poll_records: registry.sensor(&THREAD_POLL_RECORDS, &tags),
            process: registry.sensor(&THREAD_PROCESS, &tags),
            process_records: registry.sensor(&THREAD_PROCESS_RECORDS, &tags),
            process_latency: registry.sensor(&THREAD_PROCESS_LATENCY, &tags),
            punctuate: registry.sensor(&THREAD_PUNCTUATE, &tags),
            task_created: registry.sensor(&THREAD_TASK_CREATED, &tags),
            task_closed: registry.sensor(&THREAD_TASK_CLOSED, &tags),
            lag_max: registry.gauge(
                RecordingLevel::Info,
                CONSUMER_FETCH_GROUP,
                RECORDS_LAG_MAX,
                "The maximum lag in terms of number of records for any partition in this window",
                &consumer,
            ),
            lags: HashMap::new(),
            thread_id: thread_id.to_owned(),
            registry,
        }
    }

    /// The `task-created` / `task-closed` sensors, for the task manager.
    pub(crate) fn task_counters(&self) -> TaskCounters {
        TaskCounters {
            created: self.task_created.clone(),
            closed: self.task_closed.clone(),
        }
    }

    /// The thread's name, its `thread-id` tag.
    pub(crate) fn thread_id(&self) -> &str {
        &self.thread_id
    }

    /// The registry (tasks register their sensors there).
    pub(crate) fn registry(&self) -> &Arc<StreamsMetrics> {
        &self.registry
    }

    /// One poll (possibly several consumer calls) that took `took` and returned `records`.
    pub(crate) fn record_poll(&self, took: Duration, records: usize) {
        record(&self.poll, nanos(took));
        record(&self.poll_records, records as u64);
    }

    /// One iteration's processing: `records` records in `took`.
    pub(crate) fn record_process(&self, took: Duration, records: usize) {
        if records == 0 {
            return;
        }
        record(&self.process, records as u64);
        record(&self.process_records, records as u64);
        record(&self.process_latency, nanos(took) / records as u64);
    }

    /// `punctuated` punctuators fired in `took`.
    pub(crate) fn record_punctuate(&self, took: Duration, punctuated: usize) {
        if punctuated > 0 {
            record(&self.punctuate, nanos(took) / punctuated as u64);
        }
    }

    /// A commit of `tasks` tasks that took `took`.
    pub(crate) fn record_commit(&self, took: Duration, tasks: usize) {
        if tasks > 0 {
            record(&self.commit, nanos(took) / tasks as u64);
        }
    }

    /// The consumer's lag per partition, from its latest statistics:
    /// `records-lag` per partition (gauges created for new partitions,
    /// dropped for partitions no longer reported) and `records-lag-max`.
    pub(crate) fn set_lags(&mut self, lags: &HashMap<(String, i32), i64>) {
        self.lags.retain(|tp, _| lags.contains_key(tp));
        let mut max = 0i64;
        for (tp, lag) in lags {
            max = max.max(*lag);
            if let Some(gauge) = self.lags.get(tp) {
                gauge.set(*lag as f64);
                continue;
            }
            let tags: Tags = [
                (
                    CLIENT_ID_TAG.to_owned(),
                    format!("{}-consumer", self.thread_id),
                ),
                ("topic".to_owned(), tp.0.clone()),
                ("partition".to_owned(), tp.1.to_string()),
            ]
            .into();
            if let Some(gauge) = self.registry.gauge(
                RecordingLevel::Info,
                CONSUMER_FETCH_GROUP,
                RECORDS_LAG,
                "The latest lag of the partition: records between the consumer's position and the end of the log",
                &tags,
            ) {
                gauge.set(*lag as f64);
                self.lags.insert(tp.clone(), gauge);
            }
        }
        if let Some(g) = &self.lag_max {
            g.set(max as f64);
        }
    }
}

/// A thread's `task-created` and `task-closed` sensors.
#[derive(Debug, Clone, Default)]
pub(crate) struct TaskCounters {
    created: Option<Arc<Sensor>>,
    closed: Option<Arc<Sensor>>,
}

impl TaskCounters {
    /// A task was created.
    pub(crate) fn created(&self) {
        record(&self.created, 0);
    }
    /// `n` tasks were closed.
    pub(crate) fn closed(&self, n: usize) {
        if let (Some(s), true) = (&self.closed, n > 0) {
            s.record_many(n as u64, 0, 0);
        }
    }
}

#[inline]
pub(crate) fn record(sensor: &Option<Arc<Sensor>>, value: u64) {
    if let Some(s) = sensor {
        s.record(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterations_and_lags() {
        let registry = Arc::new(StreamsMetrics::default());
        let mut m = ThreadMetrics::new(registry.clone(), "app-1-StreamThread-1");
        m.record_process(Duration::from_millis(10), 5);
        m.record_process(Duration::from_millis(10), 0); // not an iteration that processed
        m.record_commit(Duration::from_millis(4), 2);
        m.set_lags(&[(("in".to_owned(), 0), 7), (("in".to_owned(), 1), 3)].into());
        let snap = registry.snapshot();
        let thread = [(THREAD_ID_TAG, "app-1-StreamThread-1")];
        assert_eq!(snap.value("process-total", &thread), Some(5.0));
        assert_eq!(snap.value("process-latency-max", &thread), Some(2.0));
        assert_eq!(snap.value("commit-total", &thread), Some(1.0));
        assert_eq!(snap.value("commit-latency-avg", &thread), Some(2.0));
        assert_eq!(snap.value("records-lag", &[("partition", "0")]), Some(7.0));
        assert_eq!(snap.value("records-lag-max", &[]), Some(7.0));
        m.set_lags(&[(("in".to_owned(), 1), 0)].into());
        let snap = registry.snapshot();
        assert_eq!(
            snap.find("records-lag", &[]).count(),
            1,
            "partition 0 is gone"
        );
        assert_eq!(snap.value("records-lag-max", &[]), Some(0.0));
    }
}
