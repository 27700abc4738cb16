//! Stores for the Processor API: `StreamsBuilder::add_state_store` declares
//! a store, `KStream::process_with_stores` attaches a processor connected to
//! stores by name (Kafka Streams' `addStateStore` and
//! `process(supplier, storeNames...)`). The processor reaches them with
//! [`ProcessorContext::get_key_value_store`](crate::processor::ProcessorContext::get_key_value_store).

use std::marker::PhantomData;
use std::sync::Arc;

use kstreams_serde::Serde;

use super::{KStream, StreamsBuilder};
use crate::processor::processor_node::ProcessorFactory;
use crate::processor::supplier::ConnectedStore;
use crate::processor::Processor;
use crate::state::KeyValueStoreBuilder;
use crate::topology::NodeKind;

impl StreamsBuilder {
    /// Adds a key/value store to the topology; processors connected to it
    /// by name get their own instance per task (changelog
    /// `<application.id>-<name>-changelog` unless logging is disabled).
    pub fn add_state_store<KS: Serde, VS: Serde>(
        &self,
        store: KeyValueStoreBuilder<KS, VS>,
    ) -> &Self {
        self.graph.borrow_mut().stores.push(Arc::new(store));
        self
    }
}

impl super::builder::GraphBuilder {
    /// Connects the stores a node declares (`ProcessorSupplier::connected_stores`)
    /// to `node`, adding those the topology does not have yet (KIP-401).
    pub(crate) fn connect_stores(&mut self, node: usize, declared: Vec<ConnectedStore>) {
        if declared.is_empty() {
            return;
        }
        let mut names = Vec::new();
        for ConnectedStore(factory) in declared {
            names.push(factory.name().to_owned());
            if !self.stores.iter().any(|s| s.name() == factory.name()) {
                self.stores.push(factory);
            }
        }
        if let NodeKind::Processor { stores } = &mut self.nodes[node].kind {
            for name in names {
                if !stores.contains(&name) {
                    stores.push(name);
                }
            }
        }
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    /// Like [`KStream::process`], with the processor connected to the
    /// stores named in `stores` (added with [`StreamsBuilder::add_state_store`]).
    pub fn process_with_stores<P, KO, VO, S>(&self, supplier: S, stores: &[&str]) -> KStream<KO, VO>
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
        let mut graph = self.graph.borrow_mut();
        let name = self.take_name(&mut graph, "KSTREAM-PROCESSOR-");
        let stores = stores.iter().map(|s| (*s).to_owned()).collect();
        let node = graph.add_node(
            name,
            NodeKind::Processor { stores },
            &[self.node],
            Arc::new(factory),
        );
        graph.connect_stores(node, P::connected_stores());
        graph.key_changing.insert(node);
        drop(graph);
        KStream::new(self.graph.clone(), node)
    }
}
