//! [`Record`]: what flows between nodes, and its [`Headers`].
//!
//! A record carries its key, value, timestamp and headers; processors that
//! forward a record keep its timestamp and headers unless they change them.
//! [`ConsumedRecord`] and [`ProducedRecord`] are the same record as bytes,
//! on its way in from and out to Kafka.

use std::sync::Arc;

/// Kafka record headers: an ordered list of (key, optional value) pairs;
/// keys may repeat, as in Kafka.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Headers(pub Vec<(String, Option<Vec<u8>>)>);

impl Headers {
    /// No headers.
    pub fn new() -> Headers {
        Headers(Vec::new())
    }

    /// Appends a header (keys may repeat, as in Kafka).
    pub fn add(&mut self, key: impl Into<String>, value: Option<Vec<u8>>) -> &mut Headers {
        self.0.push((key.into(), value));
        self
    }

    /// The value of the last header named `key`, as Kafka's `lastHeader`.
    /// `Some(None)` is a header with a null value.
    pub fn last(&self, key: &str) -> Option<Option<&[u8]>> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_deref())
    }

    /// Removes every header named `key`.
    pub fn remove(&mut self, key: &str) {
        self.0.retain(|(k, _)| k != key);
    }

    /// Iterates the headers in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&[u8]>)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_deref()))
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<String>> FromIterator<(K, Option<Vec<u8>>)> for Headers {
    fn from_iter<I: IntoIterator<Item = (K, Option<Vec<u8>>)>>(iter: I) -> Self {
        Headers(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

/// A record flowing through a topology: key, value, event timestamp (ms
/// since the epoch) and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<K, V> {
    /// The key.
    pub key: K,
    /// The value.
    pub value: V,
    /// Event time in milliseconds since the epoch.
    pub timestamp: i64,
    /// The headers.
    pub headers: Headers,
}

impl<K, V> Record<K, V> {
    /// A record with no headers.
    pub fn new(key: K, value: V, timestamp: i64) -> Record<K, V> {
        Record {
            key,
            value,
            timestamp,
            headers: Headers::new(),
        }
    }

    /// The same record with another key.
    pub fn with_key<K2>(self, key: K2) -> Record<K2, V> {
        Record {
            key,
            value: self.value,
            timestamp: self.timestamp,
            headers: self.headers,
        }
    }

    /// The same record with another value.
    pub fn with_value<V2>(self, value: V2) -> Record<K, V2> {
        Record {
            key: self.key,
            value,
            timestamp: self.timestamp,
            headers: self.headers,
        }
    }

    /// The same record with another timestamp.
    pub fn with_timestamp(mut self, timestamp: i64) -> Record<K, V> {
        self.timestamp = timestamp;
        self
    }

    /// The same record with other headers.
    pub fn with_headers(mut self, headers: Headers) -> Record<K, V> {
        self.headers = headers;
        self
    }
}

/// Where the record being processed came from: Kafka Streams'
/// `RecordMetadata`. Absent during punctuation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMetadata {
    /// The (resolved) topic the record was read from.
    pub topic: String,
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
}

/// A record as consumed from Kafka, still in bytes.
#[derive(Debug, Clone)]
pub(crate) struct ConsumedRecord {
    pub(crate) topic: Arc<str>,
    pub(crate) partition: i32,
    pub(crate) offset: i64,
    /// Record timestamp (ms since epoch) as the broker/producer set it.
    pub(crate) timestamp: i64,
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) value: Option<Vec<u8>>,
    pub(crate) headers: Headers,
}

/// A record a task wants written to Kafka, already serialized and partitioned.
#[derive(Debug, Clone)]
pub(crate) struct ProducedRecord {
    /// Fully resolved topic name (internal topics carry the application id prefix).
    pub(crate) topic: Arc<str>,
    /// Partition chosen by the sink (murmur2 of the key bytes, as Java);
    /// `None` for a null key (the producer spreads those).
    pub(crate) partition: Option<i32>,
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) value: Option<Vec<u8>>,
    pub(crate) timestamp: i64,
    pub(crate) headers: Headers,
}
