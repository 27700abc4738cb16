//! [`ReadOnlyKeyValueStore`]: one key/value store across every local task
//! that hosts it (Kafka Streams' `CompositeReadOnlyKeyValueStore`), and
//! [`KeyValueIter`], its chunked, merged scans.
//!
//! Differences from Java, on purpose: scans merge the tasks' entries into
//! one sequence in serialized-key order (Java concatenates task by task),
//! and they read in chunks (see `scan` for the consistency this gives).

use kstreams_serde::{Serde, Timestamped};

use super::registry::{Instances, StoreProvider};
use super::scan::{ScanCursor, CHUNK};
use crate::error::{InvalidStateStore, Result};
use crate::processor::stores::{KvTaskStore, TaskStore};
use crate::state::{KeyValueBytesStore, KeyValueStoreHandle};
use crate::Error;

/// Length of the timestamp in front of a timestamped value.
const TIMESTAMP_LEN: usize = 8;

/// One task's instance of the store: plain, or timestamped (DSL tables and
/// aggregations), read with plain values.
pub(crate) enum KvInstance<KS: Serde, VS: Serde> {
    Plain(KeyValueStoreHandle<KS, VS>),
    Timestamped(KeyValueStoreHandle<KS, Timestamped<VS>>),
}

impl<KS: Serde, VS: Serde> Clone for KvInstance<KS, VS> {
    fn clone(&self) -> Self {
        match self {
            KvInstance::Plain(h) => KvInstance::Plain(h.clone()),
            KvInstance::Timestamped(h) => KvInstance::Timestamped(h.clone()),
        }
    }
}

impl<KS: Serde, VS: Serde> KvInstance<KS, VS> {
    fn downcast(store: &dyn TaskStore) -> Option<Self> {
        let any = store.as_any();
        any.downcast_ref::<KvTaskStore<KS, VS>>()
            .map(|s| KvInstance::Plain(s.handle()))
            .or_else(|| {
                any.downcast_ref::<KvTaskStore<KS, Timestamped<VS>>>()
                    .map(|s| KvInstance::Timestamped(s.handle()))
            })
    }

    /// Runs `f` on the bytes stack, holding the store's lock for `f` only.
    fn with_bytes<R>(&self, f: impl FnOnce(&dyn KeyValueBytesStore) -> Result<R>) -> Result<R> {
        match self {
            KvInstance::Plain(h) => f(h.lock().bytes_store()),
            KvInstance::Timestamped(h) => f(h.lock().bytes_store()),
        }
    }

    /// The plain value of stored bytes.
    fn decode_value(&self, store: &str, bytes: &[u8]) -> Result<VS::Target> {
        let plain = match self {
            KvInstance::Plain(_) => bytes,
            KvInstance::Timestamped(_) => bytes.get(TIMESTAMP_LEN..).ok_or_else(|| {
                state_error(store, "a timestamped value is shorter than its timestamp")
            })?,
        };
        VS::deserialize(plain).map_err(|e| {
            state_error(
                store,
                format!("cannot deserialize a stored value with {}: {e}", VS::name()),
            )
        })
    }
}

fn state_error(store: &str, message: impl Into<String>) -> Error {
    Error::State {
        store: store.to_owned(),
        message: message.into(),
    }
}

/// A read-only view of one key/value store over every task of this
/// instance that hosts it (all its local partitions), as Kafka Streams'
/// `ReadOnlyKeyValueStore` from `KafkaStreams.store`.
///
/// Every call finds the store's local copies anew, so the view survives
/// rebalances; a call fails with [`Error::InvalidStateStore`] when the
/// instance cannot serve the store now (see
/// [`InvalidStateStore::is_retriable`]). Ranges compare serialized keys by
/// unsigned bytes (not `K: Ord`) and are inclusive at both ends. Scans are
/// lazy and read each task's store in chunks of 1000 entries, so they never
/// keep a stream thread waiting for long: each key comes at most once, in
/// order, with a value it had during the scan; keys written meanwhile may
/// or may not appear. Reads see writes not yet committed, as in Java.
///
/// ```no_run
/// use kstreams::runtime::query::{QueryableStoreTypes, StoreQueryParameters};
/// use kstreams::serde::I64;
/// # fn demo(streams: &kstreams::KafkaStreams) -> kstreams::Result<()> {
/// let counts = streams.store(StoreQueryParameters::from_name_and_type(
///     "counts",
///     QueryableStoreTypes::key_value::<String, I64>(),
/// ))?;
/// let ann: Option<i64> = counts.get(&"ann".to_string())?;
/// for entry in counts.range(&"a".to_string(), &"b".to_string())? {
///     let (user, count) = entry?;
///     println!("{user}: {count}");
/// }
/// # let _ = ann; Ok(()) }
/// ```
pub struct ReadOnlyKeyValueStore<KS: Serde, VS: Serde> {
    provider: StoreProvider,
    _serdes: std::marker::PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> std::fmt::Debug for ReadOnlyKeyValueStore<KS, VS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOnlyKeyValueStore")
            .field("name", &self.provider.name)
            .field("key_serde", &KS::name())
            .field("value_serde", &VS::name())
            .finish()
    }
}

impl<KS: Serde, VS: Serde> ReadOnlyKeyValueStore<KS, VS> {
    pub(crate) fn describe() -> String {
        format!(
            "a key/value store with serdes ({}, {})",
            KS::name(),
            VS::name()
        )
    }

    pub(crate) fn create(provider: StoreProvider) -> Result<Self, InvalidStateStore> {
        let view = ReadOnlyKeyValueStore {
            provider,
            _serdes: std::marker::PhantomData,
        };
        view.instances()?;
        Ok(view)
    }

    fn instances(&self) -> Instances<KvInstance<KS, VS>> {
        self.provider
            .stores(&Self::describe, &KvInstance::<KS, VS>::downcast)
    }

    fn key_bytes(&self, key: &KS::Target) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        KS::serialize(key, &mut out).map_err(|e| {
            state_error(
                &self.provider.name,
                format!("cannot serialize a key with {}: {e}", KS::name()),
            )
        })?;
        Ok(out)
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.provider.name
    }

    /// The value of `key`, from whichever local task has it.
    pub fn get(&self, key: &KS::Target) -> Result<Option<VS::Target>> {
        let key = self.key_bytes(key)?;
        for (_, instance) in self.instances()? {
            if let Some(bytes) = instance.with_bytes(|s| s.get(&key))? {
                return instance.decode_value(&self.provider.name, &bytes).map(Some);
            }
        }
        Ok(None)
    }

    fn scan(&self, cursor: impl Fn() -> ScanCursor, reverse: bool) -> Result<KeyValueIter<KS, VS>> {
        let parts = self
            .instances()?
            .into_iter()
            .map(|(_, instance)| (instance, cursor()))
            .collect();
        Ok(KeyValueIter {
            store: self.provider.name.clone(),
            parts,
            reverse,
            failed: false,
        })
    }

    /// Entries with `from <= key <= to`, ascending by serialized key.
    pub fn range(&self, from: &KS::Target, to: &KS::Target) -> Result<KeyValueIter<KS, VS>> {
        let (from, to) = (self.key_bytes(from)?, self.key_bytes(to)?);
        self.scan(|| ScanCursor::range(from.clone(), to.clone(), false), false)
    }

    /// Entries with `from <= key <= to`, descending.
    pub fn reverse_range(
        &self,
        from: &KS::Target,
        to: &KS::Target,
    ) -> Result<KeyValueIter<KS, VS>> {
        let (from, to) = (self.key_bytes(from)?, self.key_bytes(to)?);
        self.scan(|| ScanCursor::range(from.clone(), to.clone(), true), true)
    }

    /// Entries whose serialized key starts with `prefix` serialized by `PS`
    /// (Java's `prefixScan(prefix, prefixKeySerializer)`), ascending.
    pub fn prefix_scan<PS: Serde>(&self, prefix: &PS::Target) -> Result<KeyValueIter<KS, VS>> {
        let mut bytes = Vec::new();
        PS::serialize(prefix, &mut bytes).map_err(|e| {
            state_error(
                &self.provider.name,
                format!("cannot serialize the scan prefix with {}: {e}", PS::name()),
            )
        })?;
        self.prefix_scan_bytes(&bytes)
    }

    /// Entries whose serialized key starts with `prefix`, ascending.
    pub fn prefix_scan_bytes(&self, prefix: &[u8]) -> Result<KeyValueIter<KS, VS>> {
        self.scan(|| ScanCursor::prefix(prefix), false)
    }

    /// Every entry, ascending by serialized key.
    pub fn all(&self) -> Result<KeyValueIter<KS, VS>> {
        self.scan(|| ScanCursor::all(false), false)
    }

    /// Every entry, descending.
    pub fn reverse_all(&self) -> Result<KeyValueIter<KS, VS>> {
        self.scan(|| ScanCursor::all(true), true)
    }

    /// The sum of the local copies' estimates (exact for in-memory
    /// stores; cached, unwritten keys are not counted, as in Java).
    pub fn approximate_num_entries(&self) -> Result<u64> {
        self.instances()?.iter().try_fold(0u64, |n, (_, instance)| {
            Ok(n.saturating_add(instance.with_bytes(|s| s.approximate_num_entries())?))
        })
    }
}

/// The entries of a [`ReadOnlyKeyValueStore`] scan, merged across local
/// tasks in serialized-key order (descending for reverse scans), read
/// lazily in chunks. After an error it ends.
pub struct KeyValueIter<KS: Serde, VS: Serde> {
    store: String,
    parts: Vec<(KvInstance<KS, VS>, ScanCursor)>,
    reverse: bool,
    failed: bool,
}

impl<KS: Serde, VS: Serde> std::fmt::Debug for KeyValueIter<KS, VS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyValueIter")
            .field("store", &self.store)
            .field("tasks", &self.parts.len())
            .field("reverse", &self.reverse)
            .finish()
    }
}

impl<KS: Serde, VS: Serde> KeyValueIter<KS, VS> {
    fn next_entry(&mut self) -> Result<Option<(KS::Target, VS::Target)>> {
        for (instance, cursor) in &mut self.parts {
            if cursor.needs_chunk() {
                instance.with_bytes(|s| cursor.read_chunk(s, CHUNK))?;
            }
        }
        let mut best: Option<usize> = None;
        for (i, (_, cursor)) in self.parts.iter().enumerate() {
            let Some((key, _)) = cursor.buffer.front() else {
                continue;
            };
            let better = best.is_none_or(|b| {
                let current = &self.parts[b].1.buffer[0].0;
                if self.reverse {
                    key > current
                } else {
                    key < current
                }
            });
            if better {
                best = Some(i);
            }
        }
        let Some(i) = best else {
            return Ok(None);
        };
        let (instance, cursor) = &mut self.parts[i];
        let Some((key, value)) = cursor.buffer.pop_front() else {
            return Ok(None);
        };
        let key = KS::deserialize(&key).map_err(|e| {
            state_error(
                &self.store,
                format!("cannot deserialize a stored key with {}: {e}", KS::name()),
            )
        })?;
        Ok(Some((key, instance.decode_value(&self.store, &value)?)))
    }
}

impl<KS: Serde, VS: Serde> Iterator for KeyValueIter<KS, VS> {
    type Item = Result<(KS::Target, VS::Target)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.next_entry() {
            Ok(entry) => entry.map(Ok),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}
