//! `process`: attach a Processor-API [`Processor`] to a stream
//! (`KSTREAM-PROCESSOR-…`).
//!
//! The supplier runs once per task, so each task has its own processor
//! instance (and its own state).

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::{Mutex, Weak};

use super::KStream;
use crate::processor::context::NodeContext;
use crate::processor::node::{Child, Instance, Lifecycle, NodeCx, NodeEnv, NodeFactory, NodeInput};
use crate::processor::{Processor, ProcessorContext, Record};
use crate::{Error, Result};

type Supplier<P> = Arc<dyn Fn() -> P + Send + Sync>;

/// Marks the key/value types a factory reads and writes.
type Types<KI, VI, KO, VO> = PhantomData<fn() -> (KI, VI, KO, VO)>;

pub(crate) struct ProcessorFactory<P, KI, VI, KO, VO> {
    pub(crate) supplier: Supplier<P>,
    pub(crate) _types: Types<KI, VI, KO, VO>,
}

struct ProcessorNode<P, KI, VI, KO, VO> {
    name: Arc<str>,
    processor: Mutex<P>,
    children: Vec<Child<KO, VO>>,
    this: Weak<ProcessorNode<P, KI, VI, KO, VO>>,
    _input: PhantomData<fn(KI, VI)>,
}

impl<P, KI, VI, KO, VO> ProcessorNode<P, KI, VI, KO, VO>
where
    P: Processor<KI, VI, KO, VO>,
    KI: 'static,
    VI: 'static,
    KO: Clone + 'static,
    VO: Clone + 'static,
{
    fn with<R>(
        &self,
        cx: &mut NodeCx<'_>,
        f: impl FnOnce(&mut P, &mut ProcessorContext<'_, KO, VO>) -> Result<R>,
    ) -> Result<R> {
        let mut processor = self.processor.try_lock().map_err(|_| Error::Processing {
            node: self.name.to_string(),
            message: "processor re-entered while processing (a cycle in the topology?)".to_owned(),
        })?;
        let this = self.this.upgrade().map(|node| node as Arc<dyn Lifecycle>);
        let mut ops = NodeContext {
            cx,
            children: &self.children,
            node_name: &self.name,
            this,
        };
        let mut ctx = ProcessorContext { ops: &mut ops };
        f(&mut processor, &mut ctx)
    }
}

impl<P, KI, VI, KO, VO> NodeInput<KI, VI> for ProcessorNode<P, KI, VI, KO, VO>
where
    P: Processor<KI, VI, KO, VO>,
    KI: 'static,
    VI: 'static,
    KO: Clone + 'static,
    VO: Clone + 'static,
{
    fn process(&self, record: Record<KI, VI>, cx: &mut NodeCx<'_>) -> Result<()> {
        self.with(cx, |p, ctx| p.process(record, ctx))
    }
}

impl<P, KI, VI, KO, VO> Lifecycle for ProcessorNode<P, KI, VI, KO, VO>
where
    P: Processor<KI, VI, KO, VO>,
    KI: 'static,
    VI: 'static,
    KO: Clone + 'static,
    VO: Clone + 'static,
{
    fn init(&self, cx: &mut NodeCx<'_>) -> Result<()> {
        self.with(cx, |p, ctx| p.init(ctx))
    }

    fn punctuate(&self, id: u64, timestamp: i64, cx: &mut NodeCx<'_>) -> Result<()> {
        self.with(cx, |p, ctx| p.punctuate(id, timestamp, ctx))
    }

    fn close(&self) {
        if let Ok(mut p) = self.processor.try_lock() {
            p.close();
        }
    }
}

impl<P, KI, VI, KO, VO> NodeFactory for ProcessorFactory<P, KI, VI, KO, VO>
where
    P: Processor<KI, VI, KO, VO>,
    KI: 'static,
    VI: 'static,
    KO: Clone + 'static,
    VO: Clone + 'static,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let children = env.children::<KO, VO>()?;
        let processor = (self.supplier)();
        let node = Arc::new_cyclic(|this| ProcessorNode {
            name: env.name.clone(),
            processor: Mutex::new(processor),
            children,
            this: this.clone(),
            _input: PhantomData,
        });
        let input: Arc<dyn NodeInput<KI, VI>> = node.clone();
        let lifecycle: Arc<dyn Lifecycle> = node;
        Ok(Instance {
            input: Box::new(input),
            source: None,
            lifecycle: Some(lifecycle),
        })
    }
}

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
