//! [`TestInputTopic`]: typed input of a [`TopologyTestDriver`](super::TopologyTestDriver).

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;
use std::time::Duration;

use kstreams_serde::Serde;

use super::DriverState;
use crate::processor::{Headers, Record};
use crate::{Error, Result};

/// Pipes typed records into one topic, serialized with the topic's serdes.
///
/// Records without an explicit timestamp get the topic's current time,
/// which then advances by the auto-advance step (see
/// [`TopologyTestDriver::create_input_topic_with_time`](super::TopologyTestDriver::create_input_topic_with_time)).
pub struct TestInputTopic<KS: Serde, VS: Serde> {
    state: Rc<RefCell<DriverState>>,
    topic: String,
    current_time: i64,
    auto_advance: i64,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl<KS: Serde, VS: Serde> TestInputTopic<KS, VS> {
    pub(crate) fn new(
        state: Rc<RefCell<DriverState>>,
        topic: String,
        start_ms: i64,
        auto_advance: Duration,
    ) -> Self {
        TestInputTopic {
            state,
            topic,
            current_time: start_ms,
            auto_advance: millis(auto_advance),
            _serdes: PhantomData,
        }
    }

    fn next_time(&mut self) -> i64 {
        let t = self.current_time;
        self.current_time = self.current_time.saturating_add(self.auto_advance);
        t
    }

    /// Pipes a record with the topic's current time, and processes it.
    pub fn pipe_input(
        &mut self,
        key: impl Into<KS::Target>,
        value: impl Into<VS::Target>,
    ) -> Result<()> {
        let timestamp = self.next_time();
        self.pipe_record(Record::new(key.into(), value.into(), timestamp))
    }

    /// Pipes a record with the given timestamp (the topic's time does not change).
    pub fn pipe_input_with_timestamp(
        &mut self,
        key: impl Into<KS::Target>,
        value: impl Into<VS::Target>,
        timestamp: i64,
    ) -> Result<()> {
        self.pipe_record(Record::new(key.into(), value.into(), timestamp))
    }

    /// Pipes a record with headers and the topic's current time.
    pub fn pipe_input_with_headers(
        &mut self,
        key: impl Into<KS::Target>,
        value: impl Into<VS::Target>,
        headers: Headers,
    ) -> Result<()> {
        let timestamp = self.next_time();
        self.pipe_record(Record::new(key.into(), value.into(), timestamp).with_headers(headers))
    }

    /// Pipes each key-value pair as [`TestInputTopic::pipe_input`] does.
    pub fn pipe_key_values<K, V>(&mut self, pairs: impl IntoIterator<Item = (K, V)>) -> Result<()>
    where
        K: Into<KS::Target>,
        V: Into<VS::Target>,
    {
        pairs
            .into_iter()
            .try_for_each(|(k, v)| self.pipe_input(k, v))
    }

    /// Pipes a full record (key, value, timestamp, headers) and processes it.
    pub fn pipe_record(&mut self, record: Record<KS::Target, VS::Target>) -> Result<()> {
        let serde_err = |source| Error::Serde {
            topic: self.topic.clone(),
            source,
        };
        let key = KS::to_bytes(&record.key).map_err(serde_err)?;
        let value = VS::to_bytes(&record.value).map_err(serde_err)?;
        let mut state = self.state.borrow_mut();
        state.enqueue(&self.topic, key, value, record.timestamp, record.headers)?;
        state.run()
    }

    /// Moves the topic's current time forward.
    pub fn advance_time(&mut self, by: Duration) {
        self.current_time = self.current_time.saturating_add(millis(by));
    }

    /// The timestamp the next record piped without one will get.
    pub fn current_time(&self) -> i64 {
        self.current_time
    }
}
