//! The sliding-window aggregation node: Kafka Streams'
//! `KStreamSlidingWindowAggregate` (KIP-450), record by record.
//!
//! For a record at `t` with time difference `d` (`close` = observed
//! stream time − grace):
//! - if `t + d < close` the record is dropped (counted and logged);
//! - if `t < d` it is an early record (`process_early`): all windows that
//!   would start before 0 are folded into the one window `[0, d]`;
//! - otherwise (`process_reverse`, Java's reverse-iterator path) the
//!   windows of the key starting in `[t − 2d, t + 1]` are read newest
//!   first: the ones containing `t` get the record, and from what they
//!   show the node creates `t`'s left window `[t − d, t]` (seeded with the
//!   aggregate of the window just before when the previous record is within
//!   `d`), the previous record's right window, and `t`'s right window
//!   `[t + 1, t + 1 + d]` (a copy of the newest window holding records
//!   after `t`), when they are missing and not empty.
//!
//! Without a record cache, every window updated or created is forwarded
//! at once, in Java's order,
//! with the window's aggregate timestamp (the largest record timestamp in
//! it). A window that already closed is skipped and counted as dropped,
//! once per window, as Java does; `t`'s right window is created without
//! that check, as in Java.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use kstreams_serde::{Serde, Timestamped, ValueAndTimestamp, Window, Windowed};

use super::emit_strategy::{EmitStrategy, WindowKind};
use super::ktable::Change;
use super::time_windowed::NodeTime;
use super::windowed_cache::CachedHeaders;
use crate::processor::node::{forward, Child, NodeCx, NodeInput};
use crate::processor::Record;
use crate::state::{WindowStore, WindowStoreHandle};
use crate::{Error, Result};

/// One input record folded into a window's aggregate (`None`: the
/// initializer's).
pub(crate) type Fold<K, V, A> = Arc<dyn Fn(&K, V, Option<A>) -> A + Send + Sync>;

/// A stored window aggregate with its timestamp.
type Stamped<A> = ValueAndTimestamp<A>;

pub(crate) struct SlidingAggregateNode<K, V, KS: Serde, AS: Serde> {
    pub(crate) store: WindowStoreHandle<KS, Timestamped<AS>>,
    pub(crate) difference: i64,
    pub(crate) grace: i64,
    pub(crate) emit: EmitStrategy,
    /// The store caches: its cache forwards the updates (`windowed_cache`).
    pub(crate) cache: Option<CachedHeaders>,
    pub(crate) fold: Fold<K, V, AS::Target>,
    pub(crate) children: Vec<Child<Windowed<K>, Change<AS::Target>>>,
    pub(crate) time: Mutex<NodeTime>,
    pub(crate) name: Arc<str>,
}

/// What one record does: the store, the updates to forward, the clocks.
struct Step<'s, 'c, K, V, A> {
    store: &'s mut dyn WindowStore<K, Stamped<A>>,
    record: &'s Record<K, V>,
    fold: &'s Fold<K, V, A>,
    difference: i64,
    close: i64,
    time: &'s mut NodeTime,
    cx: &'s mut NodeCx<'c>,
    node: &'s str,
    updates: Vec<Record<Windowed<K>, Change<A>>>,
}

impl<K: Clone, V: Clone, A: Clone> Step<'_, '_, K, V, A> {
    fn window(&self, start: i64) -> Window {
        Window::new(start, start.saturating_add(self.difference))
    }

    fn emit(&mut self, window: Window, new: A, old: Option<A>, timestamp: i64) {
        self.updates.push(Record {
            key: Windowed::new(self.record.key.clone(), window),
            value: Change {
                new: Some(new),
                old,
            },
            timestamp,
            headers: self.record.headers.clone(),
        });
    }

    /// Java's `updateWindowAndForward`: folds the record into the window
    /// whose aggregate so far is `base` (`None`: the initializer's, at the
    /// record's timestamp), unless the window has closed.
    fn update(&mut self, start: i64, base: Option<Stamped<A>>) -> Result<()> {
        let window = self.window(start);
        let ts = self.record.timestamp;
        if window.end_ms < self.close {
            self.time
                .drop_late(self.cx, self.node, ts, window, self.close);
            return Ok(());
        }
        let timestamp = base.as_ref().map_or(ts, |b| b.timestamp.max(ts));
        let old = base.map(|b| b.value);
        let new = (self.fold)(&self.record.key, self.record.value.clone(), old.clone());
        self.store.put(
            &self.record.key,
            &ValueAndTimestamp::new(new.clone(), timestamp),
            start,
        )?;
        self.emit(window, new, old, timestamp);
        Ok(())
    }

    /// Java's `createCurrentRecordRightWindow`: `[t + 1, t + 1 + d]` holds
    /// what `right` holds (no close check, as Java).
    fn create_right(&mut self, right: Stamped<A>) -> Result<()> {
        let start = self.record.timestamp.saturating_add(1);
        self.store.put(&self.record.key, &right, start)?;
        self.emit(self.window(start), right.value, None, right.timestamp);
        Ok(())
    }

    fn unexpected(&self, start: i64) -> Error {
        Error::IllegalState(format!(
            "`{}`: unexpected window with start {start} found when processing a record at {} (sliding windows)",
            self.node, self.record.timestamp
        ))
    }

    /// Java's `processReverse`.
    fn process_reverse(&mut self) -> Result<()> {
        let (ts, d) = (self.record.timestamp, self.difference);
        let windows = self.store.backward_fetch(
            &self.record.key,
            ts.saturating_sub(d.saturating_mul(2)).max(0),
            ts.saturating_add(1),
        )?;
        let mut starts = HashSet::new();
        let (mut left_agg, mut right_agg) = (None, None);
        let (mut left_created, mut right_created) = (false, false);
        let mut previous = None;
        for (start, stamped) in windows {
            starts.insert(start);
            let end = start.saturating_add(d);
            let max_timestamp = stamped.timestamp;
            if start == ts.saturating_add(1) {
                right_created = true;
            } else if end > ts {
                if right_agg.is_none() {
                    right_agg = Some(stamped.clone());
                }
                self.update(start, Some(stamped))?;
            } else if end == ts {
                left_created = true;
                self.update(start, Some(stamped))?;
                if max_timestamp < ts {
                    previous = Some(max_timestamp);
                } else {
                    // Java returns here: every window this record needs exists.
                    return Ok(());
                }
            } else if end < ts {
                left_agg = Some(stamped);
                previous = Some(max_timestamp);
                break;
            } else {
                return Err(self.unexpected(start));
            }
        }
        // Java's `createWindows`.
        if let Some(previous) = previous {
            let start = previous.saturating_add(1);
            if !starts.contains(&start) && start.saturating_add(d) >= ts {
                self.update(start, None)?;
            }
        }
        if !left_created {
            let within = previous.is_some_and(|p| ts - d <= p);
            let base = left_agg
                .filter(|_| within)
                .map(|l| ValueAndTimestamp::new(l.value, ts));
            self.update(ts - d, base)?;
        }
        match right_agg {
            Some(right) if !right_created && right.timestamp > ts => self.create_right(right),
            _ => Ok(()),
        }
    }

    /// Java's `processEarly`: `0 <= t < d`; windows that would start before
    /// 0 are the one window `[0, d]`.
    fn process_early(&mut self) -> Result<()> {
        let ts = self.record.timestamp;
        if ts < 0 {
            return Err(Error::Processing {
                node: self.node.to_owned(),
                message: format!(
                    "an early record for sliding windows must have a timestamp >= 0, not {ts}"
                ),
            });
        }
        let windows = self
            .store
            .fetch_range(&self.record.key, 0, ts.saturating_add(1))?;
        let mut starts = HashSet::new();
        let (mut combined, mut right_agg) = (None, None);
        let mut right_created = false;
        let mut previous = None;
        for (start, stamped) in windows {
            starts.insert(start);
            if start == 0 {
                if stamped.timestamp < ts {
                    previous = Some(stamped.timestamp);
                }
                combined = Some(stamped);
            } else if start <= ts {
                right_agg = Some(stamped.clone());
                self.update(start, Some(stamped))?;
            } else if start == ts.saturating_add(1) {
                right_created = true;
            } else {
                return Err(self.unexpected(start));
            }
        }
        if right_agg.is_none() {
            right_agg = combined.clone().filter(|c: &Stamped<A>| c.timestamp > ts);
        }
        if let Some(right) = right_agg.filter(|r| !right_created && r.timestamp > ts) {
            self.create_right(right)?;
        }
        if let Some(previous) = previous {
            if !starts.contains(&(previous.saturating_add(1))) {
                self.update(previous.saturating_add(1), None)?;
            }
        }
        self.update(0, combined)
    }
}

impl<K, V, KS, AS> NodeInput<K, V> for SlidingAggregateNode<K, V, KS, AS>
where
    K: Clone + 'static,
    V: Clone + 'static,
    KS: Serde<Target = K>,
    AS: Serde,
    AS::Target: Clone,
{
    // Kafka Streams' `KStreamSlidingWindowAggregate.process`.
    fn process(&self, record: Record<K, V>, cx: &mut NodeCx<'_>) -> Result<()> {
        let mut time = self.time.lock().unwrap_or_else(|p| p.into_inner());
        let ts = record.timestamp;
        let observed = time.observed.map_or(ts, |t| t.max(ts));
        time.observed = Some(observed);
        let close = observed.saturating_sub(self.grace);
        let end = ts.saturating_add(self.difference);
        if end < close {
            time.drop_late(cx, &self.name, ts, Window::new(ts, end), close);
            return Ok(());
        }
        let early = ts < self.difference;
        let updates = {
            let mut store = self.store.lock();
            let mut step = Step {
                store: &mut *store,
                record: &record,
                fold: &self.fold,
                difference: self.difference,
                close,
                time: &mut time,
                cx: &mut *cx,
                node: &self.name,
                updates: Vec::new(),
            };
            if early {
                step.process_early()?;
            } else {
                step.process_reverse()?;
            }
            step.updates
        };
        // On window close the updates are not forwarded: the windows that
        // closed are (Java's `maybeForwardFinalResult`, which Java's
        // `process` skips after a late or an early record).
        let updates = if early && self.emit.is_on_window_close() {
            Vec::new()
        } else if self.emit.is_on_window_close() {
            let store = self.store.lock();
            let kind = WindowKind::Sliding {
                difference: self.difference,
            };
            time.emit_final.closed_windows(
                cx.processor_metadata,
                &*store,
                kind,
                self.difference,
                close,
                &record.headers,
            )?
        } else if let Some(cache) = &self.cache {
            for update in &updates {
                let (key, start) = (&update.key.key, update.key.window.start_ms);
                cache.remember::<KS>(&self.name, key, start, &update.headers)?;
            }
            Vec::new()
        } else {
            updates
        };
        drop(time);
        for update in updates {
            forward(&self.children, update, cx)?;
        }
        Ok(())
    }
}
