//! A plain-value view of a timestamped key/value store: the store of a DSL
//! aggregation or table keeps `ValueAndTimestamp<V>` (serde
//! `Timestamped<VS>`, `[timestamp: 8 BE][value]`), while interactive
//! queries and the test driver read it with the user's serdes, as Java's
//! `ReadOnlyKeyValueStoreFacade` (IQ) and the test driver's
//! `KeyValueStoreFacade` do.
//!
//! [`KeyValueStoreHandle::plain_view`] builds a typed
//! `KeyValueStoreHandle<KS, VS>` over a bytes layer ([`PlainValues`]) that
//! locks the timestamped store for each call, strips the 8-byte timestamp
//! from what it reads and stamps what it writes with `-1` (Java's
//! `ConsumerRecord.NO_TIMESTAMP`, as the driver's facade does).
//!
//! Owns: the timestamp prefix on the way in and out. Must never: keep the
//! timestamped store locked between calls (scans are read into memory).

use kstreams_serde::{Serde, Timestamped};

use crate::error::Result;
use crate::state::handle::KeyValueStoreHandle;
use crate::state::store::{
    state_error, BytesEntry, BytesIter, KeyValueBytesStore, RestoreRecord, ScanSnapshot,
    SnapshotChunk, StateStore,
};
use crate::state::MeteredKeyValueStore;

/// Length of the timestamp prefix of a timestamped value.
const TS: usize = 8;

/// Java's `ConsumerRecord.NO_TIMESTAMP`: what a write through the view is
/// stamped with.
const NO_TIMESTAMP: i64 = -1;

/// The bytes face of a timestamped store with the timestamps removed.
struct PlainValues<KS: Serde, VS: Serde> {
    name: String,
    persistent: bool,
    inner: KeyValueStoreHandle<KS, Timestamped<VS>>,
}

impl<KS: Serde, VS: Serde> PlainValues<KS, VS> {
    fn strip(&self, bytes: Vec<u8>) -> Result<Vec<u8>> {
        match bytes.get(TS..) {
            Some(value) => Ok(value.to_vec()),
            None => Err(state_error(
                &self.name,
                format!(
                    "a timestamped value of {} bytes is shorter than its timestamp",
                    bytes.len()
                ),
            )),
        }
    }

    fn stamp(value: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(TS + value.len());
        out.extend_from_slice(&NO_TIMESTAMP.to_be_bytes());
        out.extend_from_slice(value);
        out
    }

    /// Runs a scan on the timestamped store and strips every value.
    fn scan(
        &self,
        f: impl FnOnce(&dyn KeyValueBytesStore) -> Result<BytesIter<'_>>,
    ) -> Result<BytesIter<'static>> {
        let mut guard = self.inner.lock();
        let bytes: &mut dyn KeyValueBytesStore = guard.bytes_store_mut();
        let entries = f(bytes)?
            .map(|item| {
                let (k, v) = item?;
                Ok((k, self.strip(v)?))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Box::new(entries.into_iter().map(Ok)))
    }
}

impl<KS: Serde, VS: Serde> StateStore for PlainValues<KS, VS> {
    fn name(&self) -> &str {
        &self.name
    }

    fn persistent(&self) -> bool {
        self.persistent
    }

    fn flush(&mut self) -> Result<()> {
        StateStore::flush(&mut *self.inner.lock())
    }

    fn close(&mut self) -> Result<()> {
        // The view does not own the store: the task closes it.
        Ok(())
    }
}

impl<KS: Serde, VS: Serde> KeyValueBytesStore for PlainValues<KS, VS> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let value = self.inner.lock().bytes_store_mut().get(key)?;
        value.map(|v| self.strip(v)).transpose()
    }

    fn open_snapshot(&self) -> Result<Option<ScanSnapshot>> {
        self.inner.lock().bytes_store_mut().open_snapshot()
    }

    fn snapshot_chunk(
        &self,
        snapshot: &ScanSnapshot,
        from: &[u8],
        to: Option<&[u8]>,
        reverse: bool,
        limit: usize,
    ) -> Result<SnapshotChunk> {
        let mut chunk = self
            .inner
            .lock()
            .bytes_store_mut()
            .snapshot_chunk(snapshot, from, to, reverse, limit)?;
        chunk.entries = chunk
            .entries
            .into_iter()
            .map(|(k, v)| Ok((k, self.strip(v)?)))
            .collect::<Result<_>>()?;
        Ok(chunk)
    }

    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.inner
            .lock()
            .bytes_store_mut()
            .put(key, &Self::stamp(value))
    }

    fn put_all(&mut self, entries: &[BytesEntry]) -> Result<()> {
        let stamped: Vec<BytesEntry> = entries
            .iter()
            .map(|(k, v)| (k.clone(), v.as_deref().map(Self::stamp)))
            .collect();
        self.inner.lock().bytes_store_mut().put_all(&stamped)
    }

    fn delete(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let previous = self.inner.lock().bytes_store_mut().delete(key)?;
        previous.map(|v| self.strip(v)).transpose()
    }

    fn range(&self, from: &[u8], to: &[u8]) -> Result<BytesIter<'_>> {
        self.scan(|s| s.range(from, to))
    }

    fn reverse_range(&self, from: &[u8], to: &[u8]) -> Result<BytesIter<'_>> {
        self.scan(|s| s.reverse_range(from, to))
    }

    fn prefix_scan(&self, prefix: &[u8]) -> Result<BytesIter<'_>> {
        self.scan(|s| s.prefix_scan(prefix))
    }

    fn all(&self) -> Result<BytesIter<'_>> {
        self.scan(|s| s.all())
    }

    fn reverse_all(&self) -> Result<BytesIter<'_>> {
        self.scan(|s| s.reverse_all())
    }

    fn approximate_num_entries(&self) -> Result<u64> {
        self.inner
            .lock()
            .bytes_store_mut()
            .approximate_num_entries()
    }

    fn restore_batch(&mut self, _records: &[RestoreRecord<'_>]) -> Result<()> {
        Err(state_error(
            &self.name,
            "a plain-value view of a timestamped store cannot be restored; restore the store",
        ))
    }
}

impl<KS: Serde, VS: Serde> KeyValueStoreHandle<KS, Timestamped<VS>> {
    /// The same store with plain values (`VS`): reads drop the timestamp,
    /// writes are stamped with `-1` (no timestamp). This is how interactive
    /// queries and `TopologyTestDriver::get_key_value_store` read the
    /// timestamped stores of DSL aggregations and tables with the user's
    /// serdes (Java's `ReadOnlyKeyValueStoreFacade` / `KeyValueStoreFacade`).
    pub fn plain_view(&self) -> KeyValueStoreHandle<KS, VS> {
        let (name, persistent) = {
            let guard = self.lock();
            (
                StateStore::name(&*guard).to_owned(),
                StateStore::persistent(&*guard),
            )
        };
        let view = PlainValues {
            name,
            persistent,
            inner: self.clone(),
        };
        KeyValueStoreHandle::new(MeteredKeyValueStore::new(Box::new(view)))
    }
}
