//! The node of a Processor-API [`Processor`]: one instance per task, made
//! by the user's supplier, driven through a [`ProcessorContext`] (Kafka
//! Streams' `ProcessorNode`).
//!
//! Owns: instantiating the processor per task, re-entrancy detection, and
//! the lifecycle calls (init, punctuate, close). Must never: know how the
//! node was added to the topology (DSL `process`, `via`, `add_processor`).

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::{Mutex, Weak};

use crate::processor::context::NodeContext;
use crate::processor::node::{Child, Instance, Lifecycle, NodeCx, NodeEnv, NodeFactory, NodeInput};
use crate::processor::{Processor, ProcessorContext, Record};
use crate::{Error, Result};

pub(crate) type Supplier<P> = Arc<dyn Fn() -> P + Send + Sync>;

/// Marks the key/value types a factory reads and writes.
pub(crate) type Types<KI, VI, KO, VO> = PhantomData<fn() -> (KI, VI, KO, VO)>;

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
