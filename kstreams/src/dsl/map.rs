//! `map`, `map_values` and `select_key`: one record in, one record out.
//!
//! Timestamps and headers are kept. Changing the key (`map`, `select_key`)
//! does not move the record to another partition by itself: write it to a
//! topic or [`KStream::repartition`] it before grouping or joining.

use std::sync::Arc;

use super::KStream;

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Replaces key and value (`KSTREAM-MAP-…`).
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::serde::I64;
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("words");
    /// const OUT: Topic<String, I64, 1> = Topic::new("lengths");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).map(|_, word: String| (word.clone(), word.len() as i64)).to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(IN).pipe_input("x", "kafka")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_key_value()?, ("kafka".to_string(), 5));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn map<K2, V2, F>(&self, mapper: F) -> KStream<K2, V2>
    where
        K2: Clone + 'static,
        V2: Clone + 'static,
        F: Fn(K, V) -> (K2, V2) + Send + Sync + 'static,
    {
        self.stateless(
            "KSTREAM-MAP-",
            Arc::new(move |record, emit| {
                let (key, value) = mapper(record.key, record.value);
                emit(crate::processor::Record {
                    key,
                    value,
                    timestamp: record.timestamp,
                    headers: record.headers,
                })
            }),
        )
    }

    /// Replaces the value, keeping the key (`KSTREAM-MAPVALUES-…`).
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("in");
    /// const OUT: Topic<String, String, 1> = Topic::new("out");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).map_values(|v: String| v.to_uppercase()).to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(IN).pipe_input("k", "hello")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_key_value()?, ("k".to_string(), "HELLO".to_string()));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn map_values<V2, F>(&self, mapper: F) -> KStream<K, V2>
    where
        V2: Clone + 'static,
        F: Fn(V) -> V2 + Send + Sync + 'static,
    {
        self.stateless(
            "KSTREAM-MAPVALUES-",
            Arc::new(move |record, emit| {
                let value = mapper(record.value);
                emit(crate::processor::Record {
                    key: record.key,
                    value,
                    timestamp: record.timestamp,
                    headers: record.headers,
                })
            }),
        )
    }

    /// Replaces the key with one computed from key and value
    /// (`KSTREAM-KEY-SELECT-…`).
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("in");
    /// const OUT: Topic<String, String, 1> = Topic::new("out");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).select_key(|_, v: &String| v[..1].to_string()).to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(IN).pipe_input("old", "apple")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_key_value()?, ("a".to_string(), "apple".to_string()));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn select_key<K2, F>(&self, selector: F) -> KStream<K2, V>
    where
        K2: Clone + 'static,
        F: Fn(&K, &V) -> K2 + Send + Sync + 'static,
    {
        self.stateless(
            "KSTREAM-KEY-SELECT-",
            Arc::new(move |record, emit| {
                let key = selector(&record.key, &record.value);
                emit(record.with_key(key))
            }),
        )
    }
}
