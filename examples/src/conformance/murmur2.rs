//! Java's default partitioner for keyed records, `toPositive(murmur2(key))
//! % partitions` (`org.apache.kafka.common.utils.Utils.murmur2`), which
//! librdkafka implements as `partitioner=murmur2_random`: kstreams' own
//! implementation (`kstreams::processor::partitioner`, checked against
//! Kafka's test vectors) as the harness uses it.

/// The partition Java's default partitioner picks for `key`.
pub fn partition_of(key: &[u8], partitions: u32) -> u32 {
    // The partitioner answers in 0..partitions, so the cast is lossless.
    kstreams::processor::partitioner::partition_for_key(key, partitions).unsigned_abs()
}
