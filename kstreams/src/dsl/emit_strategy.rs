//! [`EmitStrategy`] (KIP-825): when a windowed aggregation forwards its
//! results — on every update of a window (the default) or once, when the
//! window closes — and [`EmitFinal`], the window-close bookkeeping the
//! time-, sliding- and session-window nodes share (Java's
//! `AbstractKStreamTimeWindowAggregateProcessor.maybeForwardFinalResult`
//! and `KStreamSessionWindowAggregate.maybeForwardFinalResult`).
//!
//! Sessions close when observed stream time − gap − grace passes their
//! end; the node reads the sessions ending between the last close time and
//! this one from its store (`find_sessions_ending`, Java's time-ordered
//! session store's `findSessions(earliestEnd, latestEnd)`), by end, start,
//! key, each with its end as timestamp. Session stores keep a session
//! until its segment expires, as Java's, so a session that closes is still
//! there to emit unless stream time jumped past its whole segment.
//!
//! With [`EmitStrategy::on_window_close`] the node still updates its store
//! on every record but forwards nothing then; after each record it checks
//! whether window close time (observed stream time − grace) has passed
//! the last close time it emitted up to, and if so range-scans the store
//! over all keys for the window starts that closed in between, forwarding
//! each window's final aggregate (`Change { new, old: None }`) with the
//! aggregate's timestamp and the triggering record's headers, in store
//! order: by window start, then key bytes (Java's time-ordered store).
//!
//! Where we differ from Java, on purpose:
//! - **no wall-clock throttle**: Java checks for closed windows at most
//!   once per `__emit.interval.ms.kstreams.windowed.aggregation__`
//!   (1000 ms of wall-clock time) to bound its range scans; we check on
//!   every record, which only scans when close time crossed a window
//!   boundary. The records emitted are the same, in the same order, as
//!   Java's with that interval set to 0; with Java's default, Java emits
//!   the same records in batches, later.
//!
//! As in Java, the last emitted close time is also committed with the
//! task's input offsets (processor metadata, `processor::metadata`), so a
//! restarted or moved task resumes where it stopped instead of emitting
//! the final results of the closed windows still in its store again.
//!
//! As in Java, a window is emitted only while its store still holds it:
//! a record that moves stream time past a closed window's start +
//! retention (by default size + grace) before the window was emitted
//! leaves it unemitted. Give the store a longer retention
//! ([`Materialized::with_retention`](super::Materialized::with_retention))
//! when stream time may jump.
//!
//! The store of an on-window-close aggregation is kept one millisecond
//! longer than its retention ([`EmitStrategy::store_retention`]): Java
//! uses its time-ordered window store for it, whose live range
//! (`observed − retention`, inclusive) is one millisecond wider than the
//! key-ordered store's, and that is where the last closed window of a
//! stream-time jump still lives.

use kstreams_serde::{Serde, ValueAndTimestamp, Window, Windowed};

use super::ktable::Change;
use crate::processor::metadata::ProcessorMetadata;
use crate::processor::{Headers, Record};
use crate::state::{MeteredSessionStore, SessionStore, WindowStore};
use crate::Result;

/// When a windowed aggregation emits its results (Kafka Streams'
/// `EmitStrategy`, KIP-825).
///
/// ```
/// use std::time::Duration;
/// use kstreams::dsl::{EmitStrategy, StreamsBuilder, TimeWindows, Topic};
/// use kstreams::serde::{TimeWindowed, I64};
/// use kstreams::test_driver::TopologyTestDriver;
///
/// const CLICKS: Topic<String, String, 1> = Topic::new("clicks");
/// const FINAL: Topic<TimeWindowed<String, 10_000>, I64, 1> = Topic::new("clicks-per-10s");
///
/// let b = StreamsBuilder::new();
/// b.stream(CLICKS)
///     .group_by_key()
///     .windowed_by(TimeWindows::of_size_with_no_grace(Duration::from_secs(10)))
///     .emit_strategy(EmitStrategy::on_window_close())
///     .count()
///     .to_stream()
///     .to(FINAL);
/// let driver = TopologyTestDriver::new(b.build()?)?;
/// let mut input = driver.create_input_topic(CLICKS);
/// input.pipe_input_with_timestamp("ann", "a", 1_000)?;
/// input.pipe_input_with_timestamp("ann", "b", 2_000)?;
/// let mut output = driver.create_output_topic(FINAL);
/// assert!(output.is_empty()); // [0 s, 10 s) is still open
/// input.pipe_input_with_timestamp("ann", "c", 10_000)?; // closes it
/// let finals: Vec<_> = output
///     .read_key_values_to_vec()?
///     .into_iter()
///     .map(|(w, n)| (w.key, w.window.start_ms, n))
///     .collect();
/// assert_eq!(finals, vec![("ann".to_owned(), 0, 2)]);
/// # Ok::<(), kstreams::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmitStrategy {
    on_close: bool,
}

impl EmitStrategy {
    /// Emit a window's result every time it changes (the default; with the
    /// record cache on, the latest change per window at each commit).
    pub fn on_window_update() -> Self {
        Self { on_close: false }
    }

    /// Emit each window's final result once, when stream time passes its
    /// end plus grace; the record cache plays no part.
    pub fn on_window_close() -> Self {
        Self { on_close: true }
    }

    /// Whether results wait for their window to close.
    pub fn is_on_window_close(self) -> bool {
        self.on_close
    }

    /// Whether an aggregation with this strategy materialized as
    /// `materialized` says puts a record cache in front of its window
    /// store. Never on window close: the node emits from the store itself
    /// (Java would still cache, but forwards nothing from the cache).
    pub(crate) fn caches<KS: kstreams_serde::Serde, VS: kstreams_serde::Serde>(
        self,
        materialized: &super::Materialized<KS, VS>,
    ) -> bool {
        materialized.caching() && !self.on_close
    }

    /// The retention to give the store of an aggregation with this
    /// strategy, given the retention Kafka Streams would use (see the
    /// module documentation).
    pub(crate) fn store_retention(self, retention_ms: i64) -> i64 {
        if self.on_close {
            retention_ms.saturating_add(1)
        } else {
            retention_ms
        }
    }
}

/// The window kinds with an on-window-close emission.
#[derive(Debug, Clone, Copy)]
pub(crate) enum WindowKind {
    /// Tumbling or hopping windows of `size` advancing by `advance`.
    Time { size: i64, advance: i64 },
    /// Sliding windows `[start, start + difference]`.
    Sliding { difference: i64 },
}

impl WindowKind {
    /// Java's `emitRangeLowerBound` / `emitRangeUpperBound` /
    /// `shouldRangeFetch` (`KStreamWindowAggregate`,
    /// `KStreamSlidingWindowAggregate`): inclusive bounds of the window
    /// starts closed since `last`.
    fn range(&self, close: i64, last: Option<i64>) -> Option<(i64, i64)> {
        match *self {
            WindowKind::Time { size, advance } => {
                let upper = close.saturating_sub(size);
                if upper < 0 {
                    return None;
                }
                let lower = last.map_or(0, |l| l.saturating_sub(size).max(0).saturating_add(1));
                // Java compares the windows containing each bound: the
                // same windows means no window closed in between.
                if last.is_some()
                    && starts_containing(upper, size, advance)
                        == starts_containing(lower - 1, size, advance)
                {
                    return None;
                }
                Some((lower, upper))
            }
            WindowKind::Sliding { difference } => {
                let upper = close.saturating_sub(difference).saturating_sub(1);
                if upper < 0 {
                    return None;
                }
                let lower = last.map_or(0, |l| l.saturating_sub(difference).max(0));
                Some((lower, upper))
            }
        }
    }
}

/// The starts of the windows (size `size`, advance `advance`) containing
/// `timestamp` (first, last), as the keys of Java's
/// `TimeWindows.windowsFor`; `(0, -1)`, none, for a negative timestamp.
fn starts_containing(timestamp: i64, size: i64, advance: i64) -> (i64, i64) {
    if timestamp < 0 || advance <= 0 {
        return (0, -1);
    }
    let first = (timestamp - size + advance).max(0) / advance * advance;
    let last = timestamp - timestamp % advance;
    (first, last)
}

/// A windowed node's on-window-close state: the close time it emitted up
/// to (Java's `lastEmitWindowCloseTime`). It is also kept in the task's
/// processor metadata under the store's name, committed with the input
/// offsets, so that a restarted or moved task resumes from it instead of
/// emitting the final results of every window still in its store again
/// (Java's `AbstractKStreamTimeWindowAggregateProcessor` /
/// `KStreamSessionWindowAggregate`, `processorMetadataForKey`).
#[derive(Debug, Default)]
pub(crate) struct EmitFinal {
    last_close: Option<i64>,
}

impl EmitFinal {
    /// The last close time: this node's, or the one committed for `key`.
    fn last(&mut self, metadata: &ProcessorMetadata, key: &str) -> Option<i64> {
        if self.last_close.is_none() {
            self.last_close = metadata.get(key);
        }
        self.last_close
    }

    /// Emitted up to `close`.
    fn emitted(&mut self, metadata: &mut ProcessorMetadata, key: &str, close: i64) {
        self.last_close = Some(close);
        metadata.put(key, close);
    }
}

impl EmitFinal {
    /// After a record with window close time `close`: the final results of
    /// the windows that closed since the last emission, read from `store`
    /// (`Window::new(start, start + window_size)`), with `headers`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn closed_windows<K: Clone, A>(
        &mut self,
        metadata: &mut ProcessorMetadata,
        store: &dyn WindowStore<K, ValueAndTimestamp<A>>,
        kind: WindowKind,
        window_size: i64,
        close: i64,
        headers: &Headers,
    ) -> Result<Vec<Record<Windowed<K>, Change<A>>>> {
        let key = store.name().to_owned();
        let last = self.last(metadata, &key);
        if last.is_some_and(|last| last >= close) {
            return Ok(Vec::new());
        }
        let Some((lower, upper)) = kind.range(close, last) else {
            return Ok(Vec::new());
        };
        let windows = store.fetch_all(lower, upper)?;
        self.emitted(metadata, &key, close);
        Ok(windows
            .into_iter()
            .map(|(windowed, stamped)| Record {
                key: Windowed::new(
                    windowed.key,
                    Window::new(
                        windowed.window.start_ms,
                        windowed.window.start_ms.saturating_add(window_size),
                    ),
                ),
                value: Change {
                    new: Some(stamped.value),
                    old: None,
                },
                timestamp: stamped.timestamp,
                headers: headers.clone(),
            })
            .collect())
    }
}

/// A session's final aggregate, as forwarded.
type SessionChange<K, A> = Record<Windowed<K>, Change<A>>;

impl EmitFinal {
    /// After a record with session close time `close` (observed stream
    /// time − gap − grace): the sessions that closed since the last
    /// emission, read from `store`, each with its end as timestamp and
    /// `headers` (Java's `KStreamSessionWindowAggregate.maybeForwardFinalResult`:
    /// sessions ending in `[max(0, last), close − 1]`, by end, start, key).
    pub(crate) fn closed_sessions<KS: Serde, AS: Serde>(
        &mut self,
        metadata: &mut ProcessorMetadata,
        store: &MeteredSessionStore<KS, AS>,
        close: i64,
        headers: &Headers,
    ) -> Result<Vec<SessionChange<KS::Target, AS::Target>>> {
        let key = SessionStore::name(store).to_owned();
        let last = self.last(metadata, &key);
        if last.is_some_and(|last| last >= close) {
            return Ok(Vec::new());
        }
        // A session's end is inclusive: it has closed when end < close.
        let upper = close.saturating_sub(1);
        let lower = last.unwrap_or(0).max(0);
        if upper < 0 || upper < lower {
            return Ok(Vec::new());
        }
        let sessions = store.find_sessions_ending(lower, upper)?;
        self.emitted(metadata, &key, close);
        Ok(sessions
            .into_iter()
            .map(|(session, aggregate)| {
                let end = session.window.end_ms;
                Record {
                    key: session,
                    value: Change {
                        new: Some(aggregate),
                        old: None,
                    },
                    timestamp: end,
                    headers: headers.clone(),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_window_ranges_follow_java() {
        let tumbling = WindowKind::Time {
            size: 10,
            advance: 10,
        };
        // Nothing has closed before close time reaches the first window's end.
        assert_eq!(tumbling.range(9, None), None);
        assert_eq!(tumbling.range(10, None), Some((0, 0)));
        // From the last close time on; no scan until another window closed.
        assert_eq!(tumbling.range(15, Some(10)), None);
        assert_eq!(tumbling.range(20, Some(10)), Some((1, 10)));
        assert_eq!(tumbling.range(45, Some(20)), Some((11, 35)));
        let hopping = WindowKind::Time {
            size: 10,
            advance: 5,
        };
        assert_eq!(hopping.range(14, Some(10)), None);
        assert_eq!(hopping.range(15, Some(10)), Some((1, 5)));
    }

    #[test]
    fn sliding_ranges_follow_java() {
        let sliding = WindowKind::Sliding { difference: 10 };
        assert_eq!(sliding.range(10, None), None);
        assert_eq!(sliding.range(11, None), Some((0, 0)));
        assert_eq!(sliding.range(30, Some(11)), Some((1, 19)));
    }

    #[test]
    fn windows_containing_a_timestamp() {
        assert_eq!(starts_containing(7, 10, 5), (0, 5));
        assert_eq!(starts_containing(12, 10, 5), (5, 10));
        assert_eq!(starts_containing(10, 10, 10), (10, 10));
        assert_eq!(starts_containing(-1, 10, 5), (0, -1));
    }

    #[test]
    fn retention_is_one_millisecond_longer_on_close() {
        assert_eq!(EmitStrategy::on_window_close().store_retention(100), 101);
        assert_eq!(EmitStrategy::default().store_retention(100), 100);
    }
}
