//! Source nodes: deserialize consumed bytes with the topic's serdes.

use std::marker::PhantomData;
use std::sync::Arc;

use kstreams_serde::Serde;

use crate::processor::node::{forward, Child, Instance, NodeCx, NodeEnv, NodeFactory, RawSource};
use crate::processor::{Headers, Record};
use crate::Result;

/// Factory of a source reading with serdes `KS`/`VS`.
pub(crate) struct SourceFactory<KS, VS>(PhantomData<fn() -> (KS, VS)>);

impl<KS, VS> SourceFactory<KS, VS> {
    pub(crate) fn new() -> Self {
        SourceFactory(PhantomData)
    }
}

struct SourceNode<KS: Serde, VS: Serde> {
    name: Arc<str>,
    children: Vec<Child<KS::Target, VS::Target>>,
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
        // A record that does not deserialize goes to the deserialization handler.
        let key = match KS::from_bytes(key) {
            Ok(key) => key,
            Err(e) => return crate::processor::handling::deserialization_failed(cx, &self.name, e),
        };
        let value = match VS::from_bytes(value) {
            Ok(value) => value,
            Err(e) => return crate::processor::handling::deserialization_failed(cx, &self.name, e),
        };
        forward(
            &self.children,
            Record {
                key,
                value,
                timestamp,
                headers,
            },
            cx,
        )
    }
}

impl<KS: Serde, VS: Serde> NodeFactory for SourceFactory<KS, VS>
where
    KS::Target: Clone,
    VS::Target: Clone,
{
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let node = SourceNode::<KS, VS> {
            name: env.name.clone(),
            children: env.children()?,
        };
        Ok(Instance {
            input: Box::new(()),
            source: Some(Arc::new(node)),
            lifecycle: None,
        })
    }
}
