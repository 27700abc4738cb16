//! `split`: route each record to the first branch whose predicate matches
//! (Kafka Streams' `BranchedKStream`).
//!
//! Records matching no predicate go to the default branch if there is one,
//! and are dropped otherwise. The splitter is `KSTREAM-BRANCH-…` (or the
//! name given with [`KStream::named`]); each branch is a pass-through node
//! named splitter name + branch name (or + its 1-based index; the default
//! branch's index is 0), and the returned map uses the same names as keys.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::KStream;
use crate::processor::node::{
    Child, Instance, NodeCx, NodeEnv, NodeFactory, NodeInput, OpFn, StatelessFactory,
};
use crate::processor::Record;
use crate::topology::NodeKind;
use crate::Result;

type Predicate<K, V> = Arc<dyn Fn(&K, &V) -> bool + Send + Sync>;

struct SplitFactory<K, V> {
    branches: Vec<(Predicate<K, V>, Arc<str>)>,
    default: Option<Arc<str>>,
}

struct SplitNode<K, V> {
    branches: Vec<(Predicate<K, V>, Child<K, V>)>,
    default: Option<Child<K, V>>,
}

impl<K, V> NodeInput<K, V> for SplitNode<K, V> {
    fn process(&self, record: Record<K, V>, cx: &mut NodeCx<'_>) -> Result<()> {
        for (predicate, child) in &self.branches {
            if predicate(&record.key, &record.value) {
                child.record_arrival(record.timestamp, cx);
                return child.input.process(record, cx);
            }
        }
        match &self.default {
            Some(child) => {
                child.record_arrival(record.timestamp, cx);
                child.input.process(record, cx)
            }
            None => Ok(()),
        }
    }
}

impl<K: 'static, V: 'static> NodeFactory for SplitFactory<K, V> {
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let mut children: Vec<Option<Child<K, V>>> =
            env.children::<K, V>()?.into_iter().map(Some).collect();
        let mut take = |name: &Arc<str>| -> Option<Child<K, V>> {
            children
                .iter_mut()
                .find(|c| c.as_ref().is_some_and(|c| c.name == *name))
                .and_then(Option::take)
        };
        let mut branches = Vec::new();
        for (predicate, name) in &self.branches {
            if let Some(child) = take(name) {
                branches.push((predicate.clone(), child));
            }
        }
        let default = self.default.as_ref().and_then(&mut take);
        let node: Arc<dyn NodeInput<K, V>> = Arc::new(SplitNode { branches, default });
        Ok(Instance::node(node))
    }
}

/// Branches being added to a split stream; finish with
/// [`default_branch`](BranchedKStream::default_branch) or
/// [`no_default_branch`](BranchedKStream::no_default_branch).
pub struct BranchedKStream<K, V> {
    source: KStream<K, V>,
    splitter: usize,
    splitter_name: String,
    branches: Vec<(Predicate<K, V>, Arc<str>)>,
    outputs: BTreeMap<String, KStream<K, V>>,
}

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Splits the stream into branches by predicates.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("orders");
    /// const BOOKS: Topic<String, String, 1> = Topic::new("books");
    /// const OTHER: Topic<String, String, 1> = Topic::new("other");
    ///
    /// let builder = StreamsBuilder::new();
    /// let branches = builder
    ///     .stream(IN)
    ///     .named("dept-")
    ///     .split()
    ///     .branch_as("books", |_, v| v.starts_with("book"))
    ///     .default_branch_as("other");
    /// branches["dept-books"].to(BOOKS);
    /// branches["dept-other"].to(OTHER);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut input = driver.create_input_topic(IN);
    /// input.pipe_input("1", "book: Dune")?;
    /// input.pipe_input("2", "lamp")?;
    /// assert_eq!(driver.create_output_topic(BOOKS).read_value()?, "book: Dune");
    /// assert_eq!(driver.create_output_topic(OTHER).read_value()?, "lamp");
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn split(&self) -> BranchedKStream<K, V> {
        let mut graph = self.graph.borrow_mut();
        let splitter_name = self.take_name(&mut graph, "KSTREAM-BRANCH-");
        let factory: Arc<dyn NodeFactory> = Arc::new(SplitFactory::<K, V> {
            branches: Vec::new(),
            default: None,
        });
        let splitter = graph.add_node(
            splitter_name.clone(),
            NodeKind::Processor { stores: Vec::new() },
            &[self.node],
            factory,
        );
        drop(graph);
        BranchedKStream {
            source: KStream::new(self.graph.clone(), splitter),
            splitter,
            splitter_name,
            branches: Vec::new(),
            outputs: BTreeMap::new(),
        }
    }
}

impl<K: Clone + 'static, V: Clone + 'static> BranchedKStream<K, V> {
    fn add_branch(&mut self, name: Option<&str>, index: usize) -> Arc<str> {
        let full = match name {
            Some(name) => format!("{}{name}", self.splitter_name),
            None => format!("{}{index}", self.splitter_name),
        };
        let mut graph = self.source.graph.borrow_mut();
        graph.new_name("KSTREAM-BRANCHCHILD-"); // Kafka Streams burns an index per branch.
        let op: OpFn<K, V, K, V> = Arc::new(|record, emit| emit(record));
        let node = graph.add_node(
            full.clone(),
            NodeKind::Processor { stores: Vec::new() },
            &[self.splitter],
            Arc::new(StatelessFactory { op }),
        );
        drop(graph);
        self.outputs
            .insert(full.clone(), KStream::new(self.source.graph.clone(), node));
        full.into()
    }

    fn update(&self, default: Option<Arc<str>>) {
        let factory = SplitFactory {
            branches: self.branches.clone(),
            default,
        };
        self.source
            .graph
            .borrow_mut()
            .set_factory(self.splitter, Arc::new(factory));
    }

    fn push<F>(mut self, name: Option<&str>, predicate: F) -> Self
    where
        F: Fn(&K, &V) -> bool + Send + Sync + 'static,
    {
        let index = self.branches.len() + 1;
        let child = self.add_branch(name, index);
        self.branches.push((Arc::new(predicate), child));
        self.update(None);
        self
    }

    /// Adds a branch named by its 1-based position (splitter name + index).
    pub fn branch<F>(self, predicate: F) -> Self
    where
        F: Fn(&K, &V) -> bool + Send + Sync + 'static,
    {
        self.push(None, predicate)
    }

    /// Adds a branch named splitter name + `name` (Kafka Streams' `Branched.as`).
    pub fn branch_as<F>(self, name: &str, predicate: F) -> Self
    where
        F: Fn(&K, &V) -> bool + Send + Sync + 'static,
    {
        self.push(Some(name), predicate)
    }

    /// Finishes with a default branch for records no predicate matched,
    /// named splitter name + `0`. Returns all branches by name.
    pub fn default_branch(self) -> BTreeMap<String, KStream<K, V>> {
        self.finish_default(None)
    }

    /// Finishes with a default branch named splitter name + `name`.
    pub fn default_branch_as(self, name: &str) -> BTreeMap<String, KStream<K, V>> {
        self.finish_default(Some(name))
    }

    fn finish_default(mut self, name: Option<&str>) -> BTreeMap<String, KStream<K, V>> {
        let child = self.add_branch(name, 0);
        self.update(Some(child));
        self.outputs
    }

    /// Finishes without a default branch: records matching no predicate are
    /// dropped. Returns all branches by name.
    pub fn no_default_branch(self) -> BTreeMap<String, KStream<K, V>> {
        self.outputs
    }
}
