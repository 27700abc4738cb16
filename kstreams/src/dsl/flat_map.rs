//! `flat_map` and `flat_map_values`: one record in, any number out.
//!
//! Every output record keeps the input's timestamp and headers.

use std::sync::Arc;

use super::KStream;
use crate::processor::Record;

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Replaces each record by the key-value pairs `mapper` returns
    /// (`KSTREAM-FLATMAP-…`).
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("sentences");
    /// const OUT: Topic<String, String, 1> = Topic::new("words-by-word");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream(IN)
    ///     .flat_map(|_, line: String| line.split(' ').map(|w| (w.to_string(), w.to_string())).collect::<Vec<_>>())
    ///     .to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(IN).pipe_input("s1", "hello world")?;
    /// let out = driver.create_output_topic(OUT).read_keys_to_vec()?;
    /// assert_eq!(out, vec!["hello".to_string(), "world".to_string()]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn flat_map<K2, V2, I, F>(&self, mapper: F) -> KStream<K2, V2>
    where
        K2: Clone + 'static,
        V2: Clone + 'static,
        I: IntoIterator<Item = (K2, V2)>,
        F: Fn(K, V) -> I + Send + Sync + 'static,
    {
        self.stateless(
            "KSTREAM-FLATMAP-",
            Arc::new(move |record, emit| {
                for (key, value) in mapper(record.key, record.value) {
                    emit(Record {
                        key,
                        value,
                        timestamp: record.timestamp,
                        headers: record.headers.clone(),
                    })?;
                }
                Ok(())
            }),
        )
    }

    /// Replaces each value by the values `mapper` returns, keeping the key
    /// (`KSTREAM-FLATMAPVALUES-…`).
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("sentences");
    /// const OUT: Topic<String, String, 1> = Topic::new("words");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream(IN)
    ///     .flat_map_values(|line: String| line.split(' ').map(str::to_string).collect::<Vec<_>>())
    ///     .to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(IN).pipe_input("s1", "a b")?;
    /// let out = driver.create_output_topic(OUT).read_key_values_to_vec()?;
    /// assert_eq!(out, vec![("s1".into(), "a".into()), ("s1".into(), "b".into())]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn flat_map_values<V2, I, F>(&self, mapper: F) -> KStream<K, V2>
    where
        V2: Clone + 'static,
        I: IntoIterator<Item = V2>,
        F: Fn(V) -> I + Send + Sync + 'static,
    {
        self.stateless(
            "KSTREAM-FLATMAPVALUES-",
            Arc::new(move |record, emit| {
                for value in mapper(record.value) {
                    emit(Record {
                        key: record.key.clone(),
                        value,
                        timestamp: record.timestamp,
                        headers: record.headers.clone(),
                    })?;
                }
                Ok(())
            }),
        )
    }
}
