//! The stream thread's [`RecordCollector`]: hands task output to the
//! thread's producer (inside the open transaction under exactly-once).

use crate::kafka::producer::StreamsProducer;
use crate::processor::{ProducedRecord, RecordCollector};
use crate::Result;

/// Sends task output through a stream thread's producer.
pub(crate) struct KafkaRecordCollector<'a> {
    producer: &'a mut StreamsProducer,
}

impl<'a> KafkaRecordCollector<'a> {
    pub(crate) fn new(producer: &'a mut StreamsProducer) -> Self {
        KafkaRecordCollector { producer }
    }
}

impl RecordCollector for KafkaRecordCollector<'_> {
    fn send(&mut self, record: ProducedRecord) -> Result<()> {
        self.producer.send(&record)
    }

    fn partition_count(&mut self, topic: &str) -> Result<i32> {
        self.producer.partition_count(topic)
    }
}
