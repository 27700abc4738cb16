//! [`TestOutputTopic`]: typed output of a [`TopologyTestDriver`](super::TopologyTestDriver).

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;

use kstreams_serde::Serde;

use super::DriverState;
use crate::processor::ProducedRecord;
use crate::processor::Record;
use crate::{Error, Result};

/// A record read with [`TestOutputTopic::read_records_with_partition`]:
/// the partition the sink chose (`None` for a null key) and the record.
pub type PartitionedRecord<KS, VS> = (
    Option<i32>,
    Record<<KS as Serde>::Target, <VS as Serde>::Target>,
);

/// Reads, in order, the records the topology wrote to one topic,
/// deserialized with the topic's serdes. Reading consumes them.
pub struct TestOutputTopic<KS: Serde, VS: Serde> {
    state: Rc<RefCell<DriverState>>,
    topic: String,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> TestOutputTopic<KS, VS> {
    pub(crate) fn new(state: Rc<RefCell<DriverState>>, topic: String) -> Self {
        TestOutputTopic {
            state,
            topic,
            _serdes: PhantomData,
        }
    }

    fn pop(&self) -> Option<ProducedRecord> {
        self.state
            .borrow_mut()
            .outputs
            .get_mut(&self.topic)
            .and_then(|q| q.pop_front())
    }

    fn decode(&self, record: ProducedRecord) -> Result<Record<KS::Target, VS::Target>> {
        let serde_err = |source| Error::Serde {
            topic: self.topic.clone(),
            source,
        };
        let key = KS::from_bytes(record.key.as_deref()).map_err(serde_err)?;
        let value = VS::from_bytes(record.value.as_deref()).map_err(serde_err)?;
        Ok(Record {
            key,
            value,
            timestamp: record.timestamp,
            headers: record.headers,
        })
    }

    /// Reads the next record (key, value, timestamp, headers); an error if
    /// there is none.
    pub fn read_record(&self) -> Result<Record<KS::Target, VS::Target>> {
        match self.pop() {
            Some(record) => self.decode(record),
            None => Err(Error::IllegalState(format!(
                "no more records in output topic `{}`",
                self.topic
            ))),
        }
    }

    /// Reads the next record's key and value.
    pub fn read_key_value(&self) -> Result<(KS::Target, VS::Target)> {
        self.read_record().map(|r| (r.key, r.value))
    }

    /// Reads the next record's value.
    pub fn read_value(&self) -> Result<VS::Target> {
        self.read_record().map(|r| r.value)
    }

    /// Reads all remaining records.
    pub fn read_records_to_vec(&self) -> Result<Vec<Record<KS::Target, VS::Target>>> {
        std::iter::from_fn(|| self.pop())
            .map(|r| self.decode(r))
            .collect()
    }

    /// Reads all remaining key-value pairs.
    pub fn read_key_values_to_vec(&self) -> Result<Vec<(KS::Target, VS::Target)>> {
        Ok(self
            .read_records_to_vec()?
            .into_iter()
            .map(|r| (r.key, r.value))
            .collect())
    }

    /// Reads all remaining values.
    pub fn read_values_to_vec(&self) -> Result<Vec<VS::Target>> {
        Ok(self
            .read_records_to_vec()?
            .into_iter()
            .map(|r| r.value)
            .collect())
    }

    /// Reads all remaining keys.
    pub fn read_keys_to_vec(&self) -> Result<Vec<KS::Target>> {
        Ok(self
            .read_records_to_vec()?
            .into_iter()
            .map(|r| r.key)
            .collect())
    }

    /// Reads all remaining records with the partition the sink chose
    /// (`None` for a null key).
    pub fn read_records_with_partition(&self) -> Result<Vec<PartitionedRecord<KS, VS>>> {
        std::iter::from_fn(|| self.pop())
            .map(|r| {
                let partition = r.partition;
                self.decode(r).map(|rec| (partition, rec))
            })
            .collect()
    }

    /// Whether no record is waiting.
    pub fn is_empty(&self) -> bool {
        self.queue_size() == 0
    }

    /// Number of records waiting.
    pub fn queue_size(&self) -> usize {
        self.state
            .borrow()
            .outputs
            .get(&self.topic)
            .map_or(0, |q| q.len())
    }
}
