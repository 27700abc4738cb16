//! `to`: sink nodes, which serialize with the topic's serdes and pick the
//! partition as Java's default partitioner (murmur2 of the key bytes; of
//! the key without its window for windowed keys, as Java's
//! `WindowedStreamPartitioner`, see `Serde::partition_bytes`).

use std::marker::PhantomData;
use std::sync::Arc;

use kstreams_serde::Serde;

use super::{KStream, KeyMatches, Topic, ValueMatches};
use crate::processor::node::{Instance, NodeCx, NodeEnv, NodeFactory, NodeInput};
use crate::processor::partitioner::partition_for_key;
use crate::processor::ProducedRecord;
use crate::processor::Record;
use crate::topology::{NodeKind, SinkTarget, TopicName};
use crate::{Error, Result};

type Extractor<K, V> = Arc<dyn Fn(&K, &V) -> String + Send + Sync>;

/// Picks a record's partition from its key, value and the topic's
/// partition count instead of murmur2 of the key (Java's
/// `StreamPartitioner`); `None` falls back to the key.
pub(crate) type SinkPartitioner<K, V> = Arc<dyn Fn(&K, &V, u32) -> Option<i32> + Send + Sync>;

enum Target<K, V> {
    /// Logical topic name.
    Fixed(TopicName),
    Dynamic(Extractor<K, V>),
}

/// Factory of a sink writing with serdes `KS`/`VS`.
pub(crate) struct SinkFactory<KS: Serde, VS: Serde> {
    target: Target<KS::Target, VS::Target>,
    partitioner: Option<SinkPartitioner<KS::Target, VS::Target>>,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> SinkFactory<KS, VS> {
    pub(crate) fn fixed(topic: TopicName) -> Self {
        SinkFactory {
            target: Target::Fixed(topic),
            partitioner: None,
            _serdes: PhantomData,
        }
    }

    /// This sink, placing records with `partitioner`.
    pub(crate) fn with_partitioner(
        mut self,
        partitioner: SinkPartitioner<KS::Target, VS::Target>,
    ) -> Self {
        self.partitioner = Some(partitioner);
        self
    }
}

struct SinkNode<KS: Serde, VS: Serde> {
    name: Arc<str>,
    /// Resolved topic and its partition count, for fixed sinks.
    fixed: Option<(Arc<str>, u32)>,
    dynamic: Option<Extractor<KS::Target, VS::Target>>,
    partitioner: Option<SinkPartitioner<KS::Target, VS::Target>>,
}

impl<KS: Serde, VS: Serde> NodeInput<KS::Target, VS::Target> for SinkNode<KS, VS> {
    fn process(&self, record: Record<KS::Target, VS::Target>, cx: &mut NodeCx<'_>) -> Result<()> {
        let (topic, partitions) = match (&self.fixed, &self.dynamic) {
            (Some((topic, n)), _) => (topic.clone(), *n),
            (None, Some(extract)) => {
                let topic = extract(&record.key, &record.value);
                let n = cx.collector.partition_count(&topic)?;
                let n = u32::try_from(n).ok().filter(|n| *n > 0).ok_or_else(|| {
                    Error::Topic(format!(
                        "topic `{topic}` reported {n} partitions; create it before writing to it"
                    ))
                })?;
                (Arc::from(topic), n)
            }
            (None, None) => return Err(Error::Topology("sink without a topic".to_owned())),
        };
        let chosen = self
            .partitioner
            .as_ref()
            .and_then(|p| p(&record.key, &record.value, partitions));
        // Serialization and producer errors go to the production handler.
        let (key, value) = match (KS::to_bytes(&record.key), VS::to_bytes(&record.value)) {
            (Ok(key), Ok(value)) => (key, value),
            (Err(e), _) | (_, Err(e)) => {
                return crate::processor::handling::serialization_failed(cx, &self.name, &topic, e)
            }
        };
        let partition = chosen.or_else(|| {
            key.as_deref()
                .map(|k| partition_for_key(KS::partition_bytes(k), partitions))
        });
        let record = ProducedRecord {
            topic,
            partition,
            key,
            value,
            timestamp: record.timestamp,
            headers: record.headers,
        };
        crate::processor::handling::send_produced(cx, &self.name, record)
    }
}

impl<KS: Serde, VS: Serde> NodeFactory for SinkFactory<KS, VS> {
    fn instantiate(&self, env: &NodeEnv<'_>) -> Result<Instance> {
        let node: Arc<dyn NodeInput<KS::Target, VS::Target>> = match &self.target {
            Target::Fixed(topic) => {
                let n = env.partitions.get(&topic.name).copied().ok_or_else(|| {
                    Error::Topology(format!(
                        "no partition count known for topic `{}`",
                        topic.name
                    ))
                })?;
                Arc::new(SinkNode::<KS, VS> {
                    name: env.name.clone(),
                    fixed: Some((Arc::from(topic.resolve(env.application_id)), n)),
                    dynamic: None,
                    partitioner: self.partitioner.clone(),
                })
            }
            Target::Dynamic(extract) => Arc::new(SinkNode::<KS, VS> {
                name: env.name.clone(),
                fixed: None,
                dynamic: Some(extract.clone()),
                partitioner: self.partitioner.clone(),
            }),
        };
        Ok(Instance::node(node))
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    pub(crate) fn add_sink(&self, target: SinkTarget, factory: Arc<dyn NodeFactory>) -> usize {
        let mut graph = self.graph.borrow_mut();
        let name = self.take_name(&mut graph, "KSTREAM-SINK-");
        graph.add_node(name, NodeKind::Sink { target }, &[self.node], factory)
    }

    /// Writes the stream to `topic` (`KSTREAM-SINK-…`), serialized with the
    /// topic's serdes, partitioned by murmur2 of the key bytes as Java does.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("in");
    /// const OUT: Topic<String, String, 1> = Topic::new("out");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(IN).pipe_input("k", "v")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_key_value()?, ("k".to_string(), "v".to_string()));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn to<KS, VS, const P: u32>(&self, topic: Topic<KS, VS, P>)
    where
        KS: Serde,
        VS: Serde,
        KS::Target: KeyMatches<K>,
        VS::Target: ValueMatches<V>,
    {
        self.graph.borrow_mut().declare_topic(topic.name(), P);
        let name = TopicName::user(topic.name());
        self.add_sink(
            SinkTarget::Fixed(name.clone()),
            Arc::new(SinkFactory::<KS, VS>::fixed(name)),
        );
    }

    /// Writes each record to the topic `extractor` chooses for it (Kafka
    /// Streams' `TopicNameExtractor`), with serdes `KS`/`VS`. The topics must
    /// exist; their partition counts are asked from the broker.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("in");
    /// const EU: Topic<String, String, 1> = Topic::new("orders-eu");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).to_dynamic::<String, String, _>(|region, _| format!("orders-{region}"));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let eu = driver.create_output_topic(EU);
    /// driver.create_input_topic(IN).pipe_input("eu", "order-1")?;
    /// assert_eq!(eu.read_value()?, "order-1");
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn to_dynamic<KS, VS, F>(&self, extractor: F)
    where
        KS: Serde<Target = K>,
        VS: Serde<Target = V>,
        F: Fn(&K, &V) -> String + Send + Sync + 'static,
    {
        let describe = std::any::type_name::<F>().to_owned();
        let factory = SinkFactory::<KS, VS> {
            target: Target::Dynamic(Arc::new(extractor)),
            partitioner: None,
            _serdes: PhantomData,
        };
        self.add_sink(SinkTarget::Dynamic(describe), Arc::new(factory));
    }
}
