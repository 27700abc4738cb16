//! Source nodes: deserialize consumed bytes with the topic's serdes.

use std::sync::Arc;
use std::marker::PhantomData;

use kstreams_serde::Serde;

use crate::processor::node::{forward, Child, Instance, NodeCx, NodeEnv, NodeFactory, RawSource};
use crate::processor::{Headers, Record};
use crate::{Error, Result};

/// Factory of a source reading with serdes `KS`/`VS`.
pub(crate) struct SourceFactory<KS, VS>(PhantomData<fn() -> (KS, VS)>);

impl<KS, VS> SourceFactory<KS, VS> {
    pub(crate) fn new() -> Self {
        SourceFactory(PhantomData)
    }
}

struct SourceNode<KS: Serde, VS: Serde> {
    children: Vec<Child<KS::Target, VS::Target>>,
}

fn serde_error(cx: &NodeCx<'_>, source: kstreams_serde::SerdeError) -> Error {
    let topic = cx.metadata.as_ref().map(|m| m.topic.clone()).unwrap_or_default();
    Error::Serde { topic, source }
}

impl<KS: Serde, VS: Serde> RawSource for SourceNode<KS, VS>
where
    KS::Target: Clone,
    VS::Target: Clone,
{
    fn process_raw(
        &self,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        timestamp: i64,
        headers: Headers,
        cx: &mut NodeCx<'_>,
    ) -> Result<()> {
        let key = KS::from_bytes(key).map_err(|e| serde_error(cx, e))?;
        let value = VS::from_bytes(value).map_err(|e| serde_error(cx, e))?;
        forward(&self.children, Record { key, value, timestamp, headers }, cx)
    }
}

impl<KS: Serde, VS: Serde> NodeFactory for SourceFactory<KS, VS>
where
    KS::Target: Clone,
    VS::Target: Clone,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let node = SourceNode::<KS, VS> { children: env.children()? };
        Ok(Instance { input: Box::new(()), source: Some(Arc::new(node)), lifecycle: None })
    }
}
