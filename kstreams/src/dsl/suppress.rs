//! `KTable::suppress` (KIP-328): hold a table's updates back and emit only
//! the last one per key — once its window has closed
//! ([`Suppressed::until_window_closes`], one final result per window), or
//! once no update came for a while ([`Suppressed::until_time_limit`]).
//!
//! Semantics follow Kafka Streams' `KTableSuppressProcessor`:
//! - each update replaces the key's buffered update; the buffer is ordered
//!   by (buffer time, key bytes), buffer time being the window end or the
//!   record timestamp;
//! - after each update, every entry whose buffer time is at most
//!   stream time − (grace, or the time limit) is emitted, oldest first, with
//!   the timestamp of the update it holds; final results drop tombstones;
//! - a bounded buffer that overflows emits its oldest entries early, or
//!   fails the thread (`shut_down_when_full`); `until_window_closes` only
//!   takes a buffer that never emits early, so the compiler keeps final
//!   results final.
//!
//! The buffer is an in-memory key/value store with a changelog
//! (`KTABLE-SUPPRESS-STATE-STORE-…`), restored after a crash: under
//! exactly_once_v2 an emitted result and the deletion of its buffer entry
//! commit in one transaction, so a final result is written exactly once.
//! Its bytes are kstreams' own layout, not Java's.

use std::collections::{BTreeSet, HashMap};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kstreams_serde::{Bytes, DefaultSerde, Serde, SerdeOf, Window, Windowed};

use super::ktable::{Change, KTable};
use crate::processor::node::{forward, Child, Instance, NodeCx, NodeEnv, NodeFactory, NodeInput};
use crate::processor::Record;
use crate::state::{KeyValueStore, KeyValueStoreBuilder, KeyValueStoreHandle, StoreKind};
use crate::topology::NodeKind;
use crate::{Error, Result};

/// Marks a [`Suppressed`] that emits one final result per window.
#[derive(Debug, Clone, Copy)]
pub struct UntilWindowCloses;
/// Marks a [`Suppressed`] that emits a key's update after a quiet time.
#[derive(Debug, Clone, Copy)]
pub struct UntilTimeLimit;
/// Marks a [`BufferConfig`] that never emits early (unbounded, or failing when full).
#[derive(Debug, Clone, Copy)]
pub struct Strict;
/// Marks a [`BufferConfig`] that emits its oldest entries early when full.
#[derive(Debug, Clone, Copy)]
pub struct Eager;

/// How much a suppression buffer may hold (Kafka Streams' `BufferConfig`).
#[derive(Debug, Clone, Copy)]
pub struct BufferConfig<M> {
    max_records: u64,
    max_bytes: u64,
    shut_down_when_full: bool,
    _mode: PhantomData<M>,
}

impl BufferConfig<Strict> {
    /// No bound: the buffer grows as needed.
    pub const fn unbounded() -> Self {
        BufferConfig {
            max_records: u64::MAX,
            max_bytes: u64::MAX,
            shut_down_when_full: true,
            _mode: PhantomData,
        }
    }
}

impl BufferConfig<Eager> {
    /// At most `n` records; when full, the oldest are emitted early.
    pub const fn max_records(n: u64) -> Self {
        BufferConfig {
            max_records: n,
            max_bytes: u64::MAX,
            shut_down_when_full: false,
            _mode: PhantomData,
        }
    }

    /// At most `n` bytes of keys and values; when full, the oldest are emitted early.
    pub const fn max_bytes(n: u64) -> Self {
        BufferConfig {
            max_records: u64::MAX,
            max_bytes: n,
            shut_down_when_full: false,
            _mode: PhantomData,
        }
    }

    /// Emit the oldest entries early when full (the default of a bounded buffer).
    pub const fn emit_early_when_full(self) -> Self {
        self
    }

    /// Fail the stream thread when full instead of emitting early.
    pub const fn shut_down_when_full(self) -> BufferConfig<Strict> {
        BufferConfig {
            max_records: self.max_records,
            max_bytes: self.max_bytes,
            shut_down_when_full: true,
            _mode: PhantomData,
        }
    }
}

/// A suppression (Kafka Streams' `Suppressed`), for [`KTable::suppress`].
#[derive(Debug, Clone)]
pub struct Suppressed<S> {
    wait_ms: i64,
    max_records: u64,
    max_bytes: u64,
    shut_down_when_full: bool,
    name: Option<String>,
    _kind: PhantomData<S>,
}

impl Suppressed<UntilWindowCloses> {
    /// One final result per window, emitted when stream time passes the
    /// window's end + grace. Only for windowed tables, with a buffer that
    /// never emits early.
    pub fn until_window_closes(buffer: BufferConfig<Strict>) -> Self {
        Suppressed::new(0, buffer.max_records, buffer.max_bytes, true)
    }
}

impl Suppressed<UntilTimeLimit> {
    /// A key's latest update, once `time_to_wait` of stream time has passed
    /// since its first buffered update.
    pub fn until_time_limit<M>(time_to_wait: Duration, buffer: BufferConfig<M>) -> Self {
        let wait = i64::try_from(time_to_wait.as_millis()).unwrap_or(i64::MAX);
        Suppressed::new(
            wait,
            buffer.max_records,
            buffer.max_bytes,
            buffer.shut_down_when_full,
        )
    }
}

impl<S> Suppressed<S> {
    fn new(wait_ms: i64, max_records: u64, max_bytes: u64, shut_down_when_full: bool) -> Self {
        Suppressed {
            wait_ms,
            max_records,
            max_bytes,
            shut_down_when_full,
            name: None,
            _kind: PhantomData,
        }
    }

    /// Names the processor (and its buffer store `<name>-store`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// What a suppression needs of a table's key: its bytes in the buffer,
/// and the key's buffer time.
///
/// `sessions` says whether the table's windows are sessions: Kafka Streams
/// buffers windowed keys in their serialized form, `[key][start]` for time
/// windows (`TimeWindowedSerializer`) and `[key][end][start]` for sessions
/// (`SessionWindowedSerializer`), and that form breaks ties between
/// entries of equal buffer time.
#[diagnostic::on_unimplemented(
    message = "`Suppressed::until_window_closes` needs a windowed table, but this table's key is `{K}`",
    label = "suppressed here",
    note = "only `windowed_by(..)` aggregations (keys `Windowed<_>`) have windows that close; for other tables use `Suppressed::until_time_limit(..)`"
)]
pub trait SuppressionFor<K>: 'static {
    /// Whether tombstones may be dropped (final results).
    const DROP_TOMBSTONES: bool;
    /// The key's bytes in the buffer (their order breaks ties of buffer time).
    fn key_bytes(key: &K, sessions: bool) -> Result<Vec<u8>>;
    /// The key back from its bytes and buffer time.
    fn key_from(bytes: &[u8], buffer_time: i64, sessions: bool) -> Result<K>;
    /// When the update may be emitted (before the wait).
    fn buffer_time(key: &K, timestamp: i64) -> i64;
}

fn buffer_error(message: String) -> Error {
    Error::State {
        store: "suppression buffer".to_owned(),
        message,
    }
}

/// Splits the last 8 bytes off as a big-endian timestamp.
fn split_timestamp(bytes: &[u8]) -> Result<(&[u8], i64)> {
    let split = bytes
        .len()
        .checked_sub(8)
        .ok_or_else(|| buffer_error("key too short".into()))?;
    let (rest, time) = bytes.split_at(split);
    let time = i64::from_be_bytes(
        time.try_into()
            .map_err(|_| buffer_error("bad key".into()))?,
    );
    Ok((rest, time))
}

/// A windowed key (`Windowed<K>`), the only kind of key whose windows
/// close. Implemented for `Windowed<K>` with a default serde for `K`.
#[doc(hidden)]
pub trait WindowedKey: Sized + 'static {
    /// The key inside the window.
    type Key: DefaultSerde;
    /// The key and its window.
    fn parts(&self) -> (&Self::Key, Window);
    /// Rebuilt from its parts.
    fn from_parts(key: Self::Key, window: Window) -> Self;
}

impl<K: DefaultSerde + 'static> WindowedKey for Windowed<K> {
    type Key = K;
    fn parts(&self) -> (&K, Window) {
        (&self.key, self.window)
    }
    fn from_parts(key: K, window: Window) -> Self {
        Windowed::new(key, window)
    }
}

// Generic over every key type, so that a table that is not windowed gets
// `SuppressionFor`'s own message (`do_not_recommend`), not the solver's
// list of the keys that would do.
#[diagnostic::do_not_recommend]
impl<W: WindowedKey> SuppressionFor<W> for UntilWindowCloses {
    const DROP_TOMBSTONES: bool = true;
    // `[key][start]` (`TimeWindowedSerializer`) or, for sessions,
    // `[key][end][start]` (`SessionWindowedSerializer`): Java's
    // serialized windowed key, whose order breaks ties.
    fn key_bytes(key: &W, sessions: bool) -> Result<Vec<u8>> {
        let (key, window) = key.parts();
        let mut out = Vec::new();
        SerdeOf::<W::Key>::serialize(key, &mut out).map_err(|e| buffer_error(e.to_string()))?;
        if sessions {
            out.extend_from_slice(&window.end_ms.to_be_bytes());
        }
        out.extend_from_slice(&window.start_ms.to_be_bytes());
        Ok(out)
    }
    fn key_from(bytes: &[u8], end: i64, sessions: bool) -> Result<W> {
        let (mut key, start) = split_timestamp(bytes)?;
        if sessions {
            key = split_timestamp(key)?.0;
        }
        let key = SerdeOf::<W::Key>::deserialize(key).map_err(|e| buffer_error(e.to_string()))?;
        Ok(W::from_parts(key, Window::new(start, end)))
    }
    fn buffer_time(key: &W, _timestamp: i64) -> i64 {
        key.parts().1.end_ms
    }
}

#[diagnostic::do_not_recommend]
impl<K: DefaultSerde + 'static> SuppressionFor<K> for UntilTimeLimit {
    const DROP_TOMBSTONES: bool = false;
    fn key_bytes(key: &K, _sessions: bool) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        SerdeOf::<K>::serialize(key, &mut out).map_err(|e| buffer_error(e.to_string()))?;
        Ok(out)
    }
    fn key_from(bytes: &[u8], _buffer_time: i64, _sessions: bool) -> Result<K> {
        SerdeOf::<K>::deserialize(bytes).map_err(|e| buffer_error(e.to_string()))
    }
    fn buffer_time(_key: &K, timestamp: i64) -> i64 {
        timestamp
    }
}

impl<K: Clone + 'static, V: Clone + DefaultSerde + 'static> KTable<K, V> {
    /// Holds updates back and emits only the latest per key when
    /// `suppressed` says so (`KTABLE-SUPPRESS-…`, Kafka Streams' `suppress`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstreams::dsl::{BufferConfig, StreamsBuilder, Suppressed, TimeWindows, Topic};
    /// use kstreams::serde::{TimeWindowed, I64};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const CLICKS: Topic<String, String, 1> = Topic::new("clicks");
    /// const FINAL: Topic<TimeWindowed<String, 10_000>, I64, 1> = Topic::new("clicks-per-10s");
    ///
    /// let b = StreamsBuilder::new();
    /// b.stream(CLICKS)
    ///     .group_by_key()
    ///     .windowed_by(TimeWindows::of_size_and_grace(Duration::from_secs(10), Duration::from_secs(5)))
    ///     .count()
    ///     .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
    ///     .to_stream()
    ///     .to(FINAL);
    /// let driver = TopologyTestDriver::new(b.build()?)?;
    /// let mut clicks = driver.create_input_topic(CLICKS);
    /// let out = driver.create_output_topic(FINAL);
    /// clicks.pipe_input_with_timestamp("ann", "a", 1_000)?;
    /// clicks.pipe_input_with_timestamp("ann", "b", 9_000)?;
    /// clicks.pipe_input_with_timestamp("ann", "c", 14_000)?; // window [0, 10 s) still within grace
    /// assert!(out.is_empty());
    /// clicks.pipe_input_with_timestamp("ann", "d", 15_000)?; // stream time 15 s = end + grace: closed
    /// let finals: Vec<_> = out.read_key_values_to_vec()?.into_iter().map(|(w, n)| (w.window.start_ms, n)).collect();
    /// assert_eq!(finals, vec![(0, 2)]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn suppress<S>(&self, suppressed: Suppressed<S>) -> KTable<K, V>
    where
        S: SuppressionFor<K>,
    {
        let mut graph = self.graph.borrow_mut();
        let (wait_ms, sessions) = if S::DROP_TOMBSTONES {
            match graph.window_grace_of(self.node) {
                Some(close) => (close.grace_ms, close.sessions),
                None => {
                    graph.error("`suppress(Suppressed::until_window_closes(..))` follows no windowed aggregation; suppress the table that `windowed_by(..)` returns".to_owned());
                    (0, false)
                }
            }
        } else {
            (suppressed.wait_ms, false)
        };
        let (name, store) = match &suppressed.name {
            Some(name) => (name.clone(), format!("{name}-store")),
            None => {
                let name = graph.new_name("KTABLE-SUPPRESS-");
                let store = graph.new_name("KTABLE-SUPPRESS-STATE-STORE-");
                (name, store)
            }
        };
        graph.stores.push(Arc::new(
            KeyValueStoreBuilder::<Bytes, Bytes>::new(&store, StoreKind::InMemory)
                .with_caching_disabled(),
        ));
        let factory = SuppressFactory::<K, V, S> {
            store: store.clone(),
            wait_ms,
            sessions,
            max_records: suppressed.max_records,
            max_bytes: suppressed.max_bytes,
            shut_down_when_full: suppressed.shut_down_when_full,
            _types: PhantomData,
        };
        let node = graph.add_node(
            name,
            NodeKind::Processor {
                stores: vec![store],
            },
            &[self.node],
            Arc::new(factory),
        );
        drop(graph);
        KTable::new(self.graph.clone(), node, None)
    }
}

struct SuppressFactory<K, V, S> {
    store: String,
    wait_ms: i64,
    sessions: bool,
    max_records: u64,
    max_bytes: u64,
    shut_down_when_full: bool,
    _types: PhantomData<fn(K, V, S)>,
}

impl<K, V, S> NodeFactory for SuppressFactory<K, V, S>
where
    K: Clone + 'static,
    V: Clone + DefaultSerde + 'static,
    S: SuppressionFor<K>,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let node: Arc<dyn NodeInput<K, Change<V>>> = Arc::new(SuppressNode::<K, V, S> {
            name: env.name.clone(),
            store: env
                .stores
                .key_value::<Bytes, Bytes>(env.name, &self.store)?,
            wait_ms: self.wait_ms,
            sessions: self.sessions,
            max_records: self.max_records,
            max_bytes: self.max_bytes,
            shut_down_when_full: self.shut_down_when_full,
            children: env.children()?,
            buffer: Mutex::new(None),
            _types: PhantomData,
        });
        Ok(Instance::node(node))
    }
}

/// The in-memory index of the buffer store, built from it on first use
/// (so after a restore it holds what the changelog held).
#[derive(Default)]
struct Index {
    observed: Option<i64>,
    order: BTreeSet<(i64, Vec<u8>)>,
    time_of: HashMap<Vec<u8>, i64>,
    bytes: u64,
}

struct SuppressNode<K, V, S> {
    name: Arc<str>,
    store: KeyValueStoreHandle<Bytes, Bytes>,
    wait_ms: i64,
    /// The keys are session-windowed (`[key][end][start]` in the buffer).
    sessions: bool,
    max_records: u64,
    max_bytes: u64,
    shut_down_when_full: bool,
    children: Vec<Child<K, Change<V>>>,
    buffer: Mutex<Option<Index>>,
    _types: PhantomData<fn(S)>,
}

/// A buffered update: `[buffer time: 8][timestamp: 8]` then the new and old
/// values, each as `[len: 4]` + bytes, `len = u32::MAX` for none.
struct Entry<V> {
    buffer_time: i64,
    timestamp: i64,
    change: Change<V>,
}

fn put_value<V: DefaultSerde>(out: &mut Vec<u8>, value: &Option<V>) -> Result<()> {
    match value {
        None => out.extend_from_slice(&u32::MAX.to_be_bytes()),
        Some(v) => {
            let mut bytes = Vec::new();
            SerdeOf::<V>::serialize(v, &mut bytes).map_err(|e| buffer_error(e.to_string()))?;
            let len =
                u32::try_from(bytes.len()).map_err(|_| buffer_error("value over 4 GiB".into()))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&bytes);
        }
    }
    Ok(())
}

fn take_value<V: DefaultSerde>(bytes: &mut &[u8]) -> Result<Option<V>> {
    let bad = || buffer_error("a buffered entry is truncated".into());
    let (len, rest) = bytes.split_first_chunk::<4>().ok_or_else(bad)?;
    let len = u32::from_be_bytes(*len);
    if len == u32::MAX {
        *bytes = rest;
        return Ok(None);
    }
    let len = len as usize;
    let value = rest.get(..len).ok_or_else(bad)?;
    *bytes = &rest[len..];
    SerdeOf::<V>::deserialize(value)
        .map(Some)
        .map_err(|e| buffer_error(e.to_string()))
}

impl<V: DefaultSerde> Entry<V> {
    fn encode(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(32);
        out.extend_from_slice(&self.buffer_time.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        put_value(&mut out, &self.change.new)?;
        put_value(&mut out, &self.change.old)?;
        Ok(out)
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        let bad = || buffer_error("a buffered entry is truncated".into());
        let (time, rest) = bytes.split_first_chunk::<8>().ok_or_else(bad)?;
        let (ts, mut rest) = rest.split_first_chunk::<8>().ok_or_else(bad)?;
        let new = take_value(&mut rest)?;
        let old = take_value(&mut rest)?;
        Ok(Entry {
            buffer_time: i64::from_be_bytes(*time),
            timestamp: i64::from_be_bytes(*ts),
            change: Change { new, old },
        })
    }
}

impl<K, V, S> SuppressNode<K, V, S>
where
    K: Clone + 'static,
    V: Clone + DefaultSerde + 'static,
    S: SuppressionFor<K>,
{
    fn load(&self) -> Result<Index> {
        let mut index = Index::default();
        let store = self.store.lock();
        let mut iter = store.all()?;
        while let Some((key, value)) = iter.next().transpose()? {
            let entry = Entry::<V>::decode(&value)?;
            index.bytes += (key.len() + value.len()) as u64;
            index.order.insert((entry.buffer_time, key.clone()));
            index.time_of.insert(key, entry.buffer_time);
        }
        Ok(index)
    }

    /// Removes the oldest entry from the buffer and returns it.
    fn pop(&self, index: &mut Index) -> Result<Option<(K, Entry<V>)>> {
        let Some((time, key)) = index.order.pop_first() else {
            return Ok(None);
        };
        index.time_of.remove(&key);
        let value = self.store.delete(&key)?.ok_or_else(|| {
            buffer_error(format!(
                "`{}`: an indexed entry is missing from the buffer",
                self.name
            ))
        })?;
        index.bytes = index.bytes.saturating_sub((key.len() + value.len()) as u64);
        Ok(Some((
            S::key_from(&key, time, self.sessions)?,
            Entry::decode(&value)?,
        )))
    }

    fn over_capacity(&self, index: &Index) -> bool {
        index.order.len() as u64 > self.max_records || index.bytes > self.max_bytes
    }
}

impl<K, V, S> NodeInput<K, Change<V>> for SuppressNode<K, V, S>
where
    K: Clone + 'static,
    V: Clone + DefaultSerde + 'static,
    S: SuppressionFor<K>,
{
    fn process(&self, record: Record<K, Change<V>>, cx: &mut NodeCx<'_>) -> Result<()> {
        let mut guard = self.buffer.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(self.load()?);
        }
        let Some(index) = guard.as_mut() else {
            return Ok(());
        };
        let observed = index
            .observed
            .map_or(record.timestamp, |t| t.max(record.timestamp));
        index.observed = Some(observed);
        // Buffer the update, keeping the value from before the first buffered one.
        // A key keeps the buffer time of its first buffered update (Java's
        // `InMemoryTimeOrderedKeyValueChangeBuffer.cleanPut`).
        let key = S::key_bytes(&record.key, self.sessions)?;
        let mut buffer_time = S::buffer_time(&record.key, record.timestamp);
        let mut change = record.value;
        if let Some(previous) = index.time_of.remove(&key) {
            buffer_time = previous;
            index.order.remove(&(previous, key.clone()));
            if let Some(old) = self.store.get(&key)? {
                index.bytes = index.bytes.saturating_sub((key.len() + old.len()) as u64);
                change.old = Entry::<V>::decode(&old)?.change.old;
            }
        }
        let value = Entry {
            buffer_time,
            timestamp: record.timestamp,
            change,
        }
        .encode()?;
        index.bytes += (key.len() + value.len()) as u64;
        self.store.put(&key, &value)?;
        index.order.insert((buffer_time, key.clone()));
        index.time_of.insert(key, buffer_time);
        // Emit what is due, then enforce the bound.
        let expiry = observed.saturating_sub(self.wait_ms);
        let mut due = Vec::new();
        while index.order.first().is_some_and(|(time, _)| *time <= expiry) {
            due.extend(self.pop(index)?);
        }
        if self.over_capacity(index) {
            if self.shut_down_when_full {
                return Err(Error::Processing {
                    node: self.name.to_string(),
                    message: format!(
                        "the suppression buffer exceeded its capacity ({} records, {} bytes; max {} records, {} bytes): raise the bound or use `BufferConfig::unbounded()`",
                        index.order.len(), index.bytes, self.max_records, self.max_bytes
                    ),
                });
            }
            while self.over_capacity(index) {
                due.extend(self.pop(index)?);
            }
        }
        drop(guard);
        for (key, entry) in due {
            if entry.change.new.is_none() && S::DROP_TOMBSTONES {
                continue;
            }
            let out = Record::new(key, entry.change, entry.timestamp);
            forward(&self.children, out, cx)?;
        }
        Ok(())
    }
}
