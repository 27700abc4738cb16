//! The state stores of a topology: which sub-topology uses which store,
//! their changelog topics, and the checks that every connected store exists
//! and names are unique. The per-task store instances live in
//! [`crate::processor`] (`processor::stores`).

use std::collections::HashMap;
use std::sync::Arc;

use crate::processor::stores::{Connections, StoreFactory};
use crate::{Error, Result};

impl super::Topology {
    /// The stores connected to nodes of sub-topology `subtopology`, and the
    /// connections of its nodes.
    pub(crate) fn stores_of(&self, subtopology: u32) -> (Vec<Arc<dyn StoreFactory>>, Connections) {
        let mut factories: Vec<Arc<dyn StoreFactory>> = Vec::new();
        let mut connections = HashMap::new();
        let Some(sub) = self.subtopology(subtopology) else {
            return (factories, connections);
        };
        for &i in &sub.nodes {
            if let super::NodeKind::Processor { stores } = &self.nodes[i].kind {
                for name in stores {
                    let known = factories.iter().any(|f| f.name() == name);
                    if let (false, Some(f)) = (known, self.stores.iter().find(|f| f.name() == name))
                    {
                        factories.push(f.clone());
                    }
                }
                if !stores.is_empty() {
                    connections.insert(self.nodes[i].name.to_string(), stores.clone());
                }
            }
        }
        (factories, connections)
    }

    /// Whether tasks of stream sub-topology `subtopology` have stores
    /// backed by a changelog (the tasks standby replicas can copy).
    pub(crate) fn has_logged_stores_in(&self, subtopology: u32) -> bool {
        self.stores_of(subtopology).0.iter().any(|f| f.logged())
    }

    /// Whether any stream sub-topology has changelogged stores.
    pub(crate) fn has_logged_stores(&self) -> bool {
        self.subtopologies
            .iter()
            .any(|s| self.has_logged_stores_in(s.id))
    }

    /// The names of every store of the topology.
    pub(crate) fn store_names(&self) -> Vec<String> {
        self.stores.iter().map(|f| f.name().to_owned()).collect()
    }

    /// Logged stores as (store, changelog topic, partition count = tasks of
    /// the sub-topology using it), sorted by topic.
    pub(crate) fn changelog_topics(&self, application_id: &str) -> Vec<(String, String, u32)> {
        let mut out = Vec::new();
        for spec in self.subtopology_specs(application_id) {
            for f in self.stores_of(spec.id).0 {
                if f.logged() {
                    out.push((
                        f.name().to_owned(),
                        crate::state::changelog_topic(application_id, f.name()),
                        spec.partitions,
                    ));
                }
            }
        }
        out.sort_by(|a, b| a.1.cmp(&b.1));
        out.dedup_by(|a, b| a.1 == b.1);
        out
    }

    /// Checks that store names are unique, every connected store exists, and
    /// persistent stores have RocksDB (the `rocksdb` feature).
    pub(crate) fn validate_stores(&self) -> Result<()> {
        for (i, f) in self.stores.iter().enumerate() {
            if f.persistent() && !cfg!(feature = "rocksdb") {
                return Err(crate::state::rocksdb_disabled(f.name()));
            }
            if self.stores[..i].iter().any(|g| g.name() == f.name()) {
                return Err(Error::Topology(format!(
                    "two state stores are named `{}`; give one of them another name",
                    f.name()
                )));
            }
        }
        for node in &self.nodes {
            if let super::NodeKind::Processor { stores } = &node.kind {
                for name in stores {
                    if !self.stores.iter().any(|f| f.name() == name) {
                        return Err(Error::Topology(format!(
                            "processor `{}` is connected to store `{name}`, which is not in the topology; add it with `StreamsBuilder::add_state_store`",
                            node.name
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}
