//! `via`: wire any [`ProcessorSupplier`] after a stream — a `#[processor]`
//! function or a closure returning a [`Processor`](crate::processor::Processor).

use super::KStream;
use crate::processor::ProcessorSupplier;

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Adds `node` under this stream and returns the stream it forwards.
    ///
    /// The node is named after the `#[processor]` function (or as given
    /// with [`KStream::named`]); closures get a `KSTREAM-PROCESSOR-…` name.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// /// Keeps non-empty lines.
    /// #[kstreams::processor]
    /// fn non_empty(line: &String) -> bool {
    ///     !line.is_empty()
    /// }
    ///
    /// /// Upper-cases a line.
    /// #[kstreams::processor]
    /// fn shout(line: String) -> String {
    ///     line.to_uppercase()
    /// }
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("lines");
    /// const OUT: Topic<String, String, 1> = Topic::new("shouted");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).via(non_empty).via(shout).to(OUT);
    /// let topology = builder.build()?;
    /// assert!(topology.describe().to_string().contains("Processor: shout (stores: [])"));
    /// let driver = TopologyTestDriver::new(topology)?;
    /// driver.create_input_topic(IN).pipe_key_values([("a", ""), ("b", "hi")])?;
    /// assert_eq!(driver.create_output_topic(OUT).read_values_to_vec()?, vec!["HI".to_string()]);
    /// assert!(non_empty(&"x".to_string()), "still callable as a function");
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn via<S, KO, VO>(&self, node: S) -> KStream<KO, VO>
    where
        S: ProcessorSupplier<K, V, KO, VO>,
        KO: Clone + 'static,
        VO: Clone + 'static,
    {
        let name = node.node_name();
        let stores = node.connected_stores();
        let factory = node.into_factory().0;
        let stream: KStream<KO, VO> = match (&self.next_name, name) {
            (None, Some(name)) => self.named(name).add_child("KSTREAM-PROCESSOR-", factory),
            _ => self.add_child("KSTREAM-PROCESSOR-", factory),
        };
        stream
            .graph
            .borrow_mut()
            .connect_stores(stream.node, stores);
        stream
    }
}
