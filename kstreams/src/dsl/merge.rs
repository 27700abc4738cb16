//! `merge`: one stream from two (`KSTREAM-MERGE-…`).

use std::sync::Arc;

use super::KStream;
use crate::topology::NodeKind;

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Merges this stream with `other`. Within a task, records are
    /// processed in timestamp order across the input partitions (the
    /// `PartitionGroup`), so the merged stream is ordered by timestamp when
    /// data is available on both inputs; there is no other ordering
    /// guarantee between the two.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const A: Topic<String, String, 1> = Topic::new("a");
    /// const B: Topic<String, String, 1> = Topic::new("b");
    /// const OUT: Topic<String, String, 1> = Topic::new("both");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(A).merge(&builder.stream(B)).to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(A).pipe_input("k", "from-a")?;
    /// driver.create_input_topic(B).pipe_input("k", "from-b")?;
    /// let out = driver.create_output_topic(OUT).read_values_to_vec()?;
    /// assert_eq!(out, vec!["from-a".to_string(), "from-b".to_string()]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    ///
    /// Merging a stream of another [`StreamsBuilder`](super::StreamsBuilder)
    /// makes `build()` fail.
    pub fn merge(&self, other: &KStream<K, V>) -> KStream<K, V> {
        if !std::rc::Rc::ptr_eq(&self.graph, &other.graph) {
            self.graph
                .borrow_mut()
                .error("merge: the other stream belongs to another StreamsBuilder".to_owned());
            return self.clone();
        }
        let mut graph = self.graph.borrow_mut();
        let name = self.take_name(&mut graph, "KSTREAM-MERGE-");
        let op: crate::processor::node::OpFn<K, V, K, V> = Arc::new(|record, emit| emit(record));
        let factory = Arc::new(crate::processor::node::StatelessFactory { op });
        let node = graph.add_node(
            name,
            NodeKind::Processor { stores: Vec::new() },
            &[self.node, other.node],
            factory,
        );
        drop(graph);
        KStream::new(self.graph.clone(), node)
    }
}
