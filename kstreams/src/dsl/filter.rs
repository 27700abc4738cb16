//! `filter` and `filter_not`: keep records by a predicate (`KSTREAM-FILTER-…`).

use std::sync::Arc;

use super::KStream;

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Keeps the records for which `predicate` returns `true`.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::serde::I64;
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, I64, 1> = Topic::new("amounts");
    /// const OUT: Topic<String, I64, 1> = Topic::new("large");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).filter(|_, amount| *amount > 100).to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut input = driver.create_input_topic(IN);
    /// input.pipe_input("a", 50)?;
    /// input.pipe_input("b", 500)?;
    /// let out = driver.create_output_topic(OUT);
    /// assert_eq!(out.read_key_values_to_vec()?, vec![("b".to_string(), 500)]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn filter<F>(&self, predicate: F) -> KStream<K, V>
    where
        F: Fn(&K, &V) -> bool + Send + Sync + 'static,
    {
        self.stateless(
            "KSTREAM-FILTER-",
            Arc::new(move |record, emit| {
                if predicate(&record.key, &record.value) {
                    emit(record)
                } else {
                    Ok(())
                }
            }),
        )
    }

    /// Drops the records for which `predicate` returns `true`.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("lines");
    /// const OUT: Topic<String, String, 1> = Topic::new("non-comments");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).filter_not(|_, line| line.starts_with('#')).to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut input = driver.create_input_topic(IN);
    /// input.pipe_input("1", "# comment")?;
    /// input.pipe_input("2", "code")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_values_to_vec()?, vec!["code".to_string()]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn filter_not<F>(&self, predicate: F) -> KStream<K, V>
    where
        F: Fn(&K, &V) -> bool + Send + Sync + 'static,
    {
        self.filter(move |k, v| !predicate(k, v))
    }
}
