//! The task's punctuation queues (Kafka Streams' `PunctuationQueue`).
//!
//! Semantics, as Kafka Streams:
//! - stream-time schedules are aligned to 0: the first fires as soon as the
//!   task has processed data, the next at the following multiple of the
//!   interval;
//! - wall-clock schedules first fire one interval after they were made;
//! - a due schedule fires once per check with the *current* time, and its
//!   next time skips the intervals that were missed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::processor::node::{Lifecycle, NodeCx};
use crate::processor::PunctuationType;
use crate::Result;

/// One scheduled punctuation.
pub(crate) struct Schedule {
    pub(crate) id: u64,
    /// What [`Processor::punctuate`](crate::processor::Processor::punctuate)
    /// receives: the id, or the key given to `schedule_keyed`.
    pub(crate) key: u64,
    pub(crate) node: Arc<dyn Lifecycle>,
    pub(crate) kind: PunctuationType,
    pub(crate) interval: i64,
    pub(crate) next: i64,
    pub(crate) cancelled: Arc<AtomicBool>,
}

impl Schedule {
    /// Advances past `now`, skipping missed intervals.
    fn advance(&mut self, now: i64) {
        let mut next = self.next + self.interval;
        if now >= next {
            next = now - (now - self.next) % self.interval + self.interval;
        }
        self.next = next;
    }
}

/// All schedules of one task.
#[derive(Default)]
pub(crate) struct PunctuationQueue {
    schedules: Vec<Schedule>,
}

impl PunctuationQueue {
    pub(crate) fn add(&mut self, schedules: impl IntoIterator<Item = Schedule>) {
        self.schedules.extend(schedules);
    }

    /// Fires every schedule of `kind` due at `now`, in (time, id) order.
    /// Returns whether any fired.
    pub(crate) fn may_punctuate(
        &mut self,
        now: i64,
        kind: PunctuationType,
        cx: &mut NodeCx<'_>,
    ) -> Result<bool> {
        self.schedules
            .retain(|s| !s.cancelled.load(Ordering::Relaxed));
        let mut due: Vec<usize> = (0..self.schedules.len())
            .filter(|&i| self.schedules[i].kind == kind && self.schedules[i].next <= now)
            .collect();
        due.sort_by_key(|&i| (self.schedules[i].next, self.schedules[i].id));
        let fired = !due.is_empty();
        for i in due {
            let schedule = &mut self.schedules[i];
            if schedule.cancelled.load(Ordering::Relaxed) {
                continue;
            }
            schedule.advance(now);
            let (node, key) = (schedule.node.clone(), schedule.key);
            node.punctuate(key, now, cx)?;
        }
        Ok(fired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nop;
    impl Lifecycle for Nop {
        fn init(&self, _: &mut NodeCx<'_>) -> Result<()> {
            Ok(())
        }
        fn punctuate(&self, _: u64, _: i64, _: &mut NodeCx<'_>) -> Result<()> {
            Ok(())
        }
        fn close(&self) {}
    }

    #[test]
    fn advance_skips_missed_intervals_and_stays_aligned() {
        let mut s = Schedule {
            id: 0,
            key: 0,
            node: Arc::new(Nop),
            kind: PunctuationType::StreamTime,
            interval: 10,
            next: 0,
            cancelled: Arc::default(),
        };
        s.advance(3);
        assert_eq!(s.next, 10);
        s.advance(37);
        assert_eq!(s.next, 40);
    }
}
