//! [`RepartitionPurge`]: deleting what a stream thread's tasks have
//! committed from the internal repartition topics they read, as Java's
//! `StreamThread.maybeCommit` → `TaskManager.maybePurgeCommittedRecords`
//! (with `StreamTask.purgeableOffsets`).
//!
//! After each successful commit the committed offsets of repartition topic
//! partitions are remembered (under exactly-once, the offsets sent with the
//! transaction; under at-least-once, those committed to the group); at most
//! every `repartition.purge.interval.ms` they are sent in one
//! `DeleteRecords` request, unless the previous one is still in flight.
//! A failed partition is retried with the next request (a newer committed
//! offset replaces it). Failures are not errors: records stay until the
//! next purge or until retention removes them.
//!
//! Invariant: only topics the topology created as internal topics are
//! purged, and only below an offset that was committed; user topics never.

use std::collections::{BTreeMap, HashSet};
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::kafka::consumer::CommitOffset;
use crate::kafka::delete_records::RecordDeleter;

/// A stream thread's purging of committed repartition records.
pub(crate) struct RepartitionPurge {
    interval: Duration,
    last_purge: Instant,
    /// Resolved names of the topology's repartition topics.
    topics: HashSet<String>,
    /// Committed offsets not yet sent, per (topic, partition).
    committed: BTreeMap<(String, i32), i64>,
    /// What the request in flight asked for (retried if it fails).
    in_flight: BTreeMap<(String, i32), i64>,
    deleter: RecordDeleter,
}

impl RepartitionPurge {
    /// Purges `topics` (resolved repartition topic names) through `deleter`
    /// at most every `interval`.
    pub(crate) fn new(
        topics: impl IntoIterator<Item = String>,
        interval: Duration,
        deleter: RecordDeleter,
    ) -> Self {
        RepartitionPurge {
            interval,
            last_purge: Instant::now(),
            topics: topics.into_iter().collect(),
            committed: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            deleter,
        }
    }

    /// Remembers the repartition partitions among offsets just committed
    /// (topic, partition, next offset to read).
    pub(crate) fn committed(&mut self, offsets: &[CommitOffset]) {
        for c in offsets {
            if self.topics.contains(&c.topic) {
                remember(
                    &mut self.committed,
                    (c.topic.clone(), c.partition),
                    c.offset,
                );
            }
        }
    }

    /// Sends a purge if the interval elapsed and no request is in flight.
    pub(crate) fn maybe_purge(&mut self) {
        if self.last_purge.elapsed() < self.interval {
            return;
        }
        let answer = match self.deleter.poll() {
            Poll::Pending => return, // the previous request; look again next commit
            Poll::Ready(answer) => answer,
        };
        let asked = std::mem::take(&mut self.in_flight);
        match answer {
            Ok(results) => {
                for deleted in results {
                    let key = (deleted.topic, deleted.partition);
                    match deleted.low_watermark {
                        Ok(low) => {
                            tracing::trace!(topic = %key.0, partition = key.1, low, "repartition records purged")
                        }
                        Err(e) => {
                            tracing::debug!(topic = %key.0, partition = key.1, error = %e, "purging repartition records failed; retried with the next purge");
                            if let Some(offset) = asked.get(&key) {
                                remember(&mut self.committed, key, *offset);
                            }
                        }
                    }
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "delete-records request failed; retried with the next purge");
                for (key, offset) in asked {
                    remember(&mut self.committed, key, offset);
                }
            }
        }
        self.last_purge = Instant::now();
        if self.committed.is_empty() {
            return;
        }
        self.in_flight = std::mem::take(&mut self.committed);
        let request: Vec<(String, i32, i64)> = self
            .in_flight
            .iter()
            .map(|((t, p), o)| (t.clone(), *p, *o))
            .collect();
        if let Err(e) = self.deleter.delete_before(&request) {
            tracing::warn!(error = %e, "could not send a delete-records request for repartition topics");
            self.committed = std::mem::take(&mut self.in_flight);
        }
    }
}

/// Keeps the larger of the remembered and the new offset.
fn remember(map: &mut BTreeMap<(String, i32), i64>, key: (String, i32), offset: i64) {
    let entry = map.entry(key).or_insert(offset);
    *entry = (*entry).max(offset);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deleter whose requests never complete (nothing listens there).
    fn unreachable_deleter() -> RecordDeleter {
        let config = crate::StreamsConfig::new("purge-test").bootstrap_servers("127.0.0.1:1");
        let admin = crate::kafka::client_config::admin_config(&config, "purge-test-admin");
        RecordDeleter::new(&admin).expect("admin client")
    }

    fn offsets(list: &[(&str, i32, i64)]) -> Vec<CommitOffset> {
        list.iter()
            .map(|(t, p, o)| CommitOffset {
                topic: t.to_string(),
                partition: *p,
                offset: *o,
                metadata: String::new(),
            })
            .collect()
    }

    #[test]
    fn only_repartition_topics_are_remembered_and_the_newest_offset_wins() {
        let mut purge = RepartitionPurge::new(
            ["app-x-repartition".to_owned()],
            Duration::from_secs(3600),
            unreachable_deleter(),
        );
        purge.committed(&offsets(&[("input", 0, 10), ("app-x-repartition", 0, 5)]));
        purge.committed(&offsets(&[
            ("app-x-repartition", 0, 9),
            ("app-x-repartition", 1, 3),
        ]));
        purge.maybe_purge(); // the interval has not elapsed: nothing sent
        assert!(purge.in_flight.is_empty());
        let remembered: Vec<_> = purge.committed.clone().into_iter().collect();
        assert_eq!(
            remembered,
            vec![
                (("app-x-repartition".to_owned(), 0), 9),
                (("app-x-repartition".to_owned(), 1), 3)
            ]
        );
    }

    #[test]
    fn one_request_at_a_time() {
        let mut purge = RepartitionPurge::new(
            ["app-x-repartition".to_owned()],
            Duration::ZERO,
            unreachable_deleter(),
        );
        purge.committed(&offsets(&[("app-x-repartition", 0, 5)]));
        purge.maybe_purge();
        assert_eq!(purge.in_flight.len(), 1, "sent");
        assert!(purge.committed.is_empty());
        // The broker never answers: later offsets wait for the next purge.
        purge.committed(&offsets(&[("app-x-repartition", 0, 8)]));
        purge.maybe_purge();
        assert_eq!(
            purge.in_flight.get(&("app-x-repartition".to_owned(), 0)),
            Some(&5)
        );
        assert_eq!(
            purge.committed.get(&("app-x-repartition".to_owned(), 0)),
            Some(&8)
        );
    }
}
