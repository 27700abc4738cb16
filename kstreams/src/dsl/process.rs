//! `process`: attach a Processor-API [`Processor`] to a stream
//! (`KSTREAM-PROCESSOR-…`).
//!
//! The supplier runs once per task, so each task has its own processor
//! instance (and its own state).

use std::marker::PhantomData;
use std::sync::Arc;

use super::KStream;
use crate::processor::processor_node::ProcessorFactory;
use crate::processor::Processor;

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Attaches a [`Processor`]; `supplier` creates one instance per task.
    /// Returns the stream of the records it forwards.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::processor::{Processor, ProcessorContext, Record};
    /// use kstreams::serde::I64;
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// /// Forwards a running count of the records seen by this task.
    /// #[derive(Default)]
    /// struct Counter(i64);
    ///
    /// impl Processor<String, String, String, i64> for Counter {
    ///     fn process(&mut self, r: Record<String, String>, ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
    ///         self.0 += 1;
    ///         ctx.forward(r.with_value(self.0))
    ///     }
    /// }
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("in");
    /// const OUT: Topic<String, I64, 1> = Topic::new("counts");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).process(Counter::default).to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut input = driver.create_input_topic(IN);
    /// input.pipe_input("a", "x")?;
    /// input.pipe_input("b", "y")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_values_to_vec()?, vec![1, 2]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn process<P, KO, VO, S>(&self, supplier: S) -> KStream<KO, VO>
    where
        P: Processor<K, V, KO, VO>,
        KO: Clone + 'static,
        VO: Clone + 'static,
        S: Fn() -> P + Send + Sync + 'static,
    {
        let factory = ProcessorFactory::<P, K, V, KO, VO> {
            supplier: Arc::new(supplier),
            _types: PhantomData,
        };
        let stream: KStream<KO, VO> = self.add_child("KSTREAM-PROCESSOR-", Arc::new(factory));
        stream
            .graph
            .borrow_mut()
            .connect_stores(stream.node, P::connected_stores());
        stream
    }
}
