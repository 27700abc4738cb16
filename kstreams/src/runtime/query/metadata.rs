//! Which instance hosts which key: [`KeyQueryMetadata`] and
//! [`StreamsMetadata`] (Kafka Streams' classes, and its
//! `StreamsMetadataState`), from the consumer group as the broker
//! describes it.
//!
//! Why the group description: librdkafka has no custom assignor and no
//! member userdata, so kstreams cannot ship endpoints inside the
//! rebalance as Java does. Every main consumer's `client.id` carries its
//! instance's `application.server` (`kafka::group`), and DescribeGroups
//! returns each member's client id with its assignment — the broker's own
//! record of who owns what, with nothing extra to produce, compact or
//! clean up (a metadata topic would need all three, and could lag the
//! assignment it describes).
//!
//! Freshness: a description is used only while the group is *Stable* and
//! this instance is RUNNING, and is cached until this instance's next
//! state transition (every rebalance of the group's eager range
//! assignment revokes every member, so each one passes through
//! REBALANCING); otherwise the calls fail with a retriable
//! [`InvalidStateStore::Unavailable`].
//!
//! The key's partition is what the sinks use: Java's default partitioner
//! (`murmur2` of the serialized key) over the partition count of the
//! source topics of the store's sub-topology. Standby hosts are the
//! instances the standby plan (`runtime::assignment`, refreshed by the
//! standby thread every few seconds) puts the key's task on: empty with
//! `num.standby.replicas = 0`.
//!
//! Must never: run on a stream thread (describing the group waits on the
//! network).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use kstreams_serde::Serde;

use crate::config::HostInfo;
use crate::error::InvalidStateStore;
use crate::kafka::group::{endpoint_of, GroupDescriber, GroupDescription};
use crate::processor::partitioner::partition_for_key;
use crate::runtime::assignment::process_key;
use crate::runtime::client::lock;
use crate::runtime::{KafkaStreams, State};
use crate::{Error, Result};

/// Where one key of one store lives (Kafka Streams' `KeyQueryMetadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyQueryMetadata {
    active_host: HostInfo,
    standby_hosts: BTreeSet<HostInfo>,
    partition: i32,
}

impl KeyQueryMetadata {
    /// The instance running the active task of the key's partition.
    pub fn active_host(&self) -> &HostInfo {
        &self.active_host
    }

    /// Instances planned to hold a standby copy (`num.standby.replicas`),
    /// readable there with stale stores enabled; empty without standbys.
    pub fn standby_hosts(&self) -> &BTreeSet<HostInfo> {
        &self.standby_hosts
    }

    /// The key's partition.
    pub fn partition(&self) -> i32 {
        self.partition
    }
}

/// One application instance: its endpoint, the stores it hosts and the
/// partitions assigned to it (Kafka Streams' `StreamsMetadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamsMetadata {
    host_info: HostInfo,
    state_store_names: BTreeSet<String>,
    topic_partitions: BTreeSet<(String, i32)>,
}

impl StreamsMetadata {
    /// The instance's `application.server`.
    pub fn host_info(&self) -> &HostInfo {
        &self.host_info
    }

    /// The stores of the tasks it runs.
    pub fn state_store_names(&self) -> &BTreeSet<String> {
        &self.state_store_names
    }

    /// The (topic, partition)s assigned to it.
    pub fn topic_partitions(&self) -> &BTreeSet<(String, i32)> {
        &self.topic_partitions
    }
}

/// A group description valid at one client state transition count.
struct Snapshot {
    transitions: u64,
    /// Endpoint → assigned (topic, partition)s.
    hosts: BTreeMap<HostInfo, BTreeSet<(String, i32)>>,
    /// Instance (`assignment::process_key`) → its endpoint.
    endpoints: BTreeMap<String, HostInfo>,
}

/// The cached metadata of one instance.
#[derive(Default)]
pub(crate) struct MetadataState {
    inner: Mutex<MetadataInner>,
}

#[derive(Default)]
struct MetadataInner {
    describer: Option<GroupDescriber>,
    snapshot: Option<Snapshot>,
    partition_counts: HashMap<String, i32>,
}

fn unavailable(store: &str, reason: &str) -> Error {
    Error::InvalidStateStore(InvalidStateStore::Unavailable {
        store: store.to_owned(),
        reason: reason.to_owned(),
    })
}

impl KafkaStreams {
    /// Runs `f` on an up-to-date view of the group: endpoint → partitions.
    fn with_hosts<R>(
        &self,
        store: &str,
        f: impl FnOnce(&BTreeMap<HostInfo, BTreeSet<(String, i32)>>, &mut MetadataInner) -> Result<R>,
    ) -> Result<R> {
        let config = self.config();
        if config.get_application_server().is_none() {
            return Err(Error::Config(
                "application.server is not set: set it (host:port) on every instance to use interactive-query metadata".into(),
            ));
        }
        let (state, transitions) = self.client_shared().state_and_transitions();
        match state {
            State::Running => {}
            State::Rebalancing => {
                return Err(unavailable(
                    store,
                    "the KafkaStreams instance is REBALANCING",
                ))
            }
            State::Created => {
                return Err(Error::InvalidStateStore(InvalidStateStore::NotStarted {
                    store: store.to_owned(),
                }))
            }
            other => {
                return Err(Error::InvalidStateStore(InvalidStateStore::NotRunning {
                    store: store.to_owned(),
                    state: other.to_string(),
                }))
            }
        }
        let mut inner = lock(&self.instance_state().metadata.inner);
        let fresh = inner
            .snapshot
            .as_ref()
            .is_some_and(|s| s.transitions == transitions);
        if !fresh {
            if inner.describer.is_none() {
                inner.describer = Some(GroupDescriber::new(config)?);
            }
            let describer = inner.describer.as_ref().ok_or_else(|| {
                Error::IllegalState("the group metadata client is missing".into())
            })?;
            let description = describer.describe()?;
            if description.state != "Stable" {
                return Err(unavailable(
                    store,
                    &format!("the consumer group is {}", description.state),
                ));
            }
            let hosts = hosts_of(&description);
            let endpoints = description
                .members
                .iter()
                .filter_map(|m| {
                    let host = endpoint_of(&m.client_id)?;
                    Some((process_key(&m.client_id, config.application_id()), host))
                })
                .collect();
            inner.snapshot = Some(Snapshot {
                transitions,
                hosts,
                endpoints,
            });
        }
        let hosts = inner
            .snapshot
            .as_ref()
            .map(|s| s.hosts.clone())
            .unwrap_or_default();
        // A state change while describing makes the answer suspect.
        if self.client_shared().state_and_transitions().1 != transitions {
            inner.snapshot = None;
            return Err(unavailable(
                store,
                "the KafkaStreams instance started rebalancing",
            ));
        }
        f(&hosts, &mut inner)
    }

    /// The sub-topology of store `store`: its id and source topics, or an
    /// unknown-store error.
    fn subtopology_of_store(&self, store: &str) -> Result<(u32, Vec<String>)> {
        let metadata = self.topology_metadata();
        for sub in &metadata.subtopologies {
            let (factories, _) = self.topology().stores_of(sub.id);
            if factories.iter().any(|f| f.name() == store) {
                return Ok((sub.id, sub.source_topics.clone()));
            }
        }
        Err(Error::InvalidStateStore(InvalidStateStore::UnknownStore {
            store: store.to_owned(),
            known: self
                .topology()
                .store_names()
                .into_iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        }))
    }

    /// The instance that hosts `key` of store `store` (its active task),
    /// with `KS` the store's key serde (Java's `queryMetadataForKey(store,
    /// key, keySerializer)`). Needs `application.server` on every
    /// instance; fails with a retriable
    /// [`InvalidStateStore::Unavailable`] while the group rebalances.
    ///
    /// ```no_run
    /// # fn demo(streams: &kstreams::KafkaStreams) -> kstreams::Result<()> {
    /// let owner = streams.query_metadata_for_key::<String>("counts", &"ann".to_string())?;
    /// println!("ask {} (partition {})", owner.active_host(), owner.partition());
    /// # Ok(()) }
    /// ```
    pub fn query_metadata_for_key<KS: Serde>(
        &self,
        store: &str,
        key: &KS::Target,
    ) -> Result<KeyQueryMetadata> {
        let (subtopology, topics) = self.subtopology_of_store(store)?;
        let mut bytes = Vec::new();
        KS::serialize(key, &mut bytes).map_err(|e| Error::State {
            store: store.to_owned(),
            message: format!("cannot serialize the key with {}: {e}", KS::name()),
        })?;
        self.with_hosts(store, |hosts, inner| {
            let mut count = 0;
            for topic in &topics {
                let n = match inner.partition_counts.get(topic) {
                    Some(n) => *n,
                    None => {
                        let describer = inner.describer.as_ref().ok_or_else(|| {
                            Error::IllegalState("the group metadata client is missing".into())
                        })?;
                        let n = describer.partition_count(topic)?;
                        inner.partition_counts.insert(topic.clone(), n);
                        n
                    }
                };
                count = count.max(n);
            }
            let partition = partition_for_key(&bytes, u32::try_from(count).unwrap_or(1));
            let owner = hosts.iter().find(|(_, parts)| {
                topics
                    .iter()
                    .any(|t| parts.contains(&(t.clone(), partition)))
            });
            let task = crate::processor::TaskId {
                subtopology,
                partition,
            };
            let endpoints = inner.snapshot.as_ref().map(|s| &s.endpoints);
            let standby_hosts = self
                .instance_state()
                .standbys
                .planned_standbys(task)
                .iter()
                .filter_map(|process| endpoints.and_then(|e| e.get(process)).cloned())
                .collect();
            match owner {
                Some((host, _)) => Ok(KeyQueryMetadata {
                    active_host: host.clone(),
                    standby_hosts,
                    partition,
                }),
                None => Err(unavailable(
                    store,
                    &format!(
                        "no instance with an application.server owns partition {partition} now"
                    ),
                )),
            }
        })
    }

    /// Every instance that hosts store `store` (Java's
    /// `streamsMetadataForStore`).
    pub fn streams_metadata_for_store(&self, store: &str) -> Result<Vec<StreamsMetadata>> {
        self.subtopology_of_store(store)?;
        Ok(self
            .all_metadata(store)?
            .into_iter()
            .filter(|m| m.state_store_names.contains(store))
            .collect())
    }

    /// Every instance of the application, with the stores and partitions
    /// it hosts (Java's `metadataForAllClients`), sorted by endpoint.
    pub fn metadata_for_all_clients(&self) -> Result<Vec<StreamsMetadata>> {
        self.all_metadata("*")
    }

    fn all_metadata(&self, store: &str) -> Result<Vec<StreamsMetadata>> {
        let stores_by_topic = self.stores_by_source_topic();
        self.with_hosts(store, |hosts, _| {
            Ok(hosts
                .iter()
                .map(|(host, parts)| StreamsMetadata {
                    host_info: host.clone(),
                    state_store_names: parts
                        .iter()
                        .flat_map(|(t, _)| stores_by_topic.get(t).into_iter().flatten().cloned())
                        .collect(),
                    topic_partitions: parts.clone(),
                })
                .collect())
        })
    }

    /// Source topic → the stores of its sub-topologies.
    fn stores_by_source_topic(&self) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for sub in &self.topology_metadata().subtopologies {
            let names: Vec<String> = self
                .topology()
                .stores_of(sub.id)
                .0
                .iter()
                .map(|f| f.name().to_owned())
                .collect();
            for topic in &sub.source_topics {
                out.entry(topic.clone())
                    .or_default()
                    .extend(names.iter().cloned());
            }
        }
        out
    }
}

/// Endpoint → assigned partitions, merged over each instance's members
/// (one per stream thread). Members without an endpoint are skipped.
fn hosts_of(description: &GroupDescription) -> BTreeMap<HostInfo, BTreeSet<(String, i32)>> {
    let mut hosts: BTreeMap<HostInfo, BTreeSet<(String, i32)>> = BTreeMap::new();
    for member in &description.members {
        match endpoint_of(&member.client_id) {
            Some(host) => hosts
                .entry(host)
                .or_default()
                .extend(member.assignment.iter().cloned()),
            None => tracing::warn!(
                client_id = %member.client_id,
                "a group member has no application.server; its partitions cannot be queried"
            ),
        }
    }
    hosts
}
