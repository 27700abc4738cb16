//! [`KStream`]: a typed handle on one node of the graph under construction.
//!
//! Operators live in sibling files (`filter.rs`, `map.rs`, ...), each an
//! `impl` block on `KStream`.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;

use super::builder::GraphBuilder;
use crate::processor::node::{OpFn, StatelessFactory};
use crate::topology::NodeKind;

/// A record stream with keys of type `K` and values of type `V`, as Kafka
/// Streams' `KStream`.
///
/// Operators take `&self`, so one stream can feed several operators (each
/// becomes a child of the same node). A record fans out to children in the
/// order they were added, depth-first.
pub struct KStream<K, V> {
    pub(crate) graph: Rc<RefCell<GraphBuilder>>,
    pub(crate) node: usize,
    pub(crate) next_name: Option<String>,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for KStream<K, V> {
    fn clone(&self) -> Self {
        KStream {
            graph: self.graph.clone(),
            node: self.node,
            next_name: self.next_name.clone(),
            _types: PhantomData,
        }
    }
}

impl<K, V> fmt::Debug for KStream<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let graph = self.graph.borrow();
        write!(
            f,
            "KStream({})",
            graph.nodes.get(self.node).map(|n| &*n.name).unwrap_or("?")
        )
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    pub(crate) fn new(graph: Rc<RefCell<GraphBuilder>>, node: usize) -> Self {
        KStream {
            graph,
            node,
            next_name: None,
            _types: PhantomData,
        }
    }

    /// Names the *next* operator applied to this stream, as passing
    /// `Named.as(name)` to it in Kafka Streams. For [`KStream::split`] it
    /// names the splitter (and prefixes its branches); for
    /// [`KStream::repartition`] it is ignored (name the topic with
    /// [`Repartitioned::with_name`](super::Repartitioned::with_name)).
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("in");
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).named("non-empty").filter(|_, v| !v.is_empty());
    /// let topology = builder.build()?;
    /// assert!(topology.describe().to_string().contains("Processor: non-empty (stores: [])"));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn named(&self, name: impl Into<String>) -> KStream<K, V> {
        let mut stream = self.clone();
        stream.next_name = Some(name.into());
        stream
    }

    /// The name for the next node: the one given with `named`, or a generated one.
    pub(crate) fn take_name(&self, graph: &mut GraphBuilder, prefix: &str) -> String {
        match &self.next_name {
            Some(name) => name.clone(),
            None => graph.new_name(prefix),
        }
    }

    /// Adds a processor node under this stream.
    pub(crate) fn add_child<K2: Clone + 'static, V2: Clone + 'static>(
        &self,
        prefix: &str,
        factory: Arc<dyn crate::processor::node::NodeFactory>,
    ) -> KStream<K2, V2> {
        let mut graph = self.graph.borrow_mut();
        let name = self.take_name(&mut graph, prefix);
        let node = graph.add_node(
            name,
            NodeKind::Processor { stores: Vec::new() },
            &[self.node],
            factory,
        );
        if matches!(
            prefix,
            "KSTREAM-MAP-" | "KSTREAM-KEY-SELECT-" | "KSTREAM-FLATMAP-" | "KSTREAM-PROCESSOR-"
        ) {
            graph.key_changing.insert(node);
        }
        drop(graph);
        KStream::new(self.graph.clone(), node)
    }

    /// Adds a stateless operator node.
    pub(crate) fn stateless<K2: Clone + 'static, V2: Clone + 'static>(
        &self,
        prefix: &str,
        op: OpFn<K, V, K2, V2>,
    ) -> KStream<K2, V2> {
        self.add_child(prefix, Arc::new(StatelessFactory { op }))
    }
}
