//! `peek` and `foreach`: look at records without changing them.
//!
//! The closures are shared by all tasks (possibly on several threads), so
//! they are `Fn + Send + Sync`: collect into a `Mutex` or a channel.

use std::sync::Arc;

use super::KStream;

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Calls `action` for each record and passes it on unchanged
    /// (`KSTREAM-PEEK-…`).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("in");
    /// const OUT: Topic<String, String, 1> = Topic::new("out");
    ///
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = seen.clone();
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).peek(move |k, _| log.lock().unwrap().push(k.clone())).to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(IN).pipe_input("k1", "v")?;
    /// assert_eq!(*seen.lock().unwrap(), vec!["k1".to_string()]);
    /// assert_eq!(driver.create_output_topic(OUT).read_value()?, "v");
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn peek<F>(&self, action: F) -> KStream<K, V>
    where
        F: Fn(&K, &V) + Send + Sync + 'static,
    {
        self.stateless(
            "KSTREAM-PEEK-",
            Arc::new(move |record, emit| {
                action(&record.key, &record.value);
                emit(record)
            }),
        )
    }

    /// Calls `action` for each record; a terminal operation
    /// (`KSTREAM-FOREACH-…`).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("in");
    ///
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = seen.clone();
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).foreach(move |k, v| log.lock().unwrap().push(format!("{k}={v}")));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(IN).pipe_input("a", "1")?;
    /// assert_eq!(*seen.lock().unwrap(), vec!["a=1".to_string()]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn foreach<F>(&self, action: F)
    where
        F: Fn(&K, &V) + Send + Sync + 'static,
    {
        let _: KStream<K, V> = self.stateless(
            "KSTREAM-FOREACH-",
            Arc::new(move |record, _emit| {
                action(&record.key, &record.value);
                Ok(())
            }),
        );
    }
}
