//! Foreign-key table-table joins (KIP-213): [`KTable::join_on_foreign_key`],
//! [`KTable::left_join_on_foreign_key`] and their `_with` forms, as Kafka
//! Streams' `KTableImpl.doJoinOnForeignKey` and its
//! `kstream/internals/foreignkeyjoin` processors.
//!
//! # Shape (Java's node and topic names, `…` a generated index)
//! 1. Under the left table, `KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-…`
//!    turns each change into (un)subscriptions keyed by foreign key
//!    ([`subscription`]), written by `KTABLE-SINK-…` to
//!    `<app>-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-…-topic`, which has
//!    the right table's partition count (so a subscription lands where
//!    the foreign row lives).
//! 2. On the right side, `KTABLE-SOURCE-…` reads it; a
//!    `KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-…` keeps the subscriptions in
//!    `KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-…` (change-logged, keyed by
//!    foreign key ++ primary key), the next one answers each with the
//!    foreign row it reads through the right table's value getter, and a
//!    third, under the right table, answers every subscriber of a key
//!    that changes (a prefix scan).
//! 3. Answers go through `KTABLE-SINK-…` to
//!    `<app>-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-…-topic`, each to the
//!    partition its left row came from; `KTABLE-SOURCE-…` reads them and
//!    `KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-…` joins them
//!    with the left row, dropping an answer whose left-value hash (128-bit
//!    murmur3 of the value's bytes) is no longer the row's ([`response`]).
//! 4. `KTABLE-FK-JOIN-OUTPUT-…` is the result table (Java's `KTableSource`),
//!    stored (queryable) in the `_with` forms when the `Materialized` is named.
//!
//! Both tables send old values (so both are materialized), as in Java.
//!
//! # Semantics, as Java
//! The result's key is the left key. Inner join: a row with a foreign key
//! whose right row exists; a left row whose foreign key changes, or whose
//! right row is deleted, is deleted from the result (a tombstone, also
//! sent when the new foreign key has no row yet). Left join: every left
//! row, joined with `None` when the foreign key has no row or the
//! extractor returns `None` (Java's null foreign key). A left delete is
//! a tombstone (in a left join possibly two: one from the old foreign
//! key's side, one from the "no foreign key" path, as Java sends them).
//! Java's inner join skips an update whose new value has a null foreign key
//! (the old result stays); [`KTable::join_on_foreign_key`]'s extractor
//! cannot return one.
//!
//! # Wire format and serdes
//! The subscription and response topics and the subscription store use
//! Java's byte layouts ([`wrappers`]), so a Java and a kstreams
//! application read each other's internal topics. Keys, foreign keys and
//! both tables' values are written with their types' default serdes
//! ([`DefaultSerde`]); the left value's default serde must write the bytes
//! Java's value serde writes for the hashes to agree across the two.
//! Versioned tables and a custom `TableJoined` partitioner are not
//! supported.

mod api;
mod murmur3;
mod response;
mod subscription;
mod wrappers;

use std::marker::PhantomData;
use std::sync::Arc;

use kstreams_serde::{DefaultSerde, Serde, SerdeOf};

use self::response::{FkJoiner, ForeignTableJoinFactory, ResponseJoinFactory};
use self::subscription::{
    ForeignKeyFn, SubscriptionJoinFactory, SubscriptionReceiveFactory, SubscriptionSendFactory,
};
use self::wrappers::{SubscriptionResponseWrapperSerde, SubscriptionWrapperSerde};
use super::sink::SinkFactory;
use super::source::SourceFactory;
use super::table_source::ktable_source;
use super::value_getter::supplier_of;
use super::{KTable, Materialized};
use crate::topology::{NodeKind, RepartitionSpec, SinkTarget, TopicName};

/// Java's `KTableImpl` name prefixes of a foreign-key join.
const FK_JOIN_STATE_STORE_NAME: &str = "KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-";
const SUBSCRIPTION_REGISTRATION: &str = "KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-";
const SUBSCRIPTION_RESPONSE: &str = "KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-";
const SUBSCRIPTION_PROCESSOR: &str = "KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-";
const SUBSCRIPTION_RESPONSE_RESOLVER_PROCESSOR: &str =
    "KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-";
const FK_JOIN_OUTPUT_NAME: &str = "KTABLE-FK-JOIN-OUTPUT-";
const SINK_NAME: &str = "KTABLE-SINK-";
const SOURCE_NAME: &str = "KTABLE-SOURCE-";
const TOPIC_SUFFIX: &str = "-topic";

impl<K, V> KTable<K, V>
where
    K: Clone + DefaultSerde + 'static,
    V: Clone + DefaultSerde + 'static,
{
    /// Java's `doJoinOnForeignKey`: adds every node, topic and store.
    fn do_join_on_foreign_key<KO, VO, KS, VS>(
        &self,
        other: &KTable<KO, VO>,
        foreign_key: ForeignKeyFn<V, KO>,
        joiner: FkJoiner<V, VO, VS::Target>,
        materialized: Materialized<KS, VS>,
        left_join: bool,
    ) -> KTable<K, VS::Target>
    where
        KO: Clone + DefaultSerde + 'static,
        VO: Clone + DefaultSerde + 'static,
        KS: Serde<Target = K>,
        VS: Serde,
        VS::Target: Clone,
    {
        let (resolver, result_name) =
            self.fk_join_nodes::<KO, VO, VS::Target>(other, foreign_key, joiner, left_join);
        let store = materialized.store_name(&mut self.graph.borrow_mut(), FK_JOIN_OUTPUT_NAME);
        ktable_source(&self.graph, resolver, result_name, store, materialized)
    }

    /// Every node of the join up to the response resolver; returns it and
    /// the name of the result node.
    fn fk_join_nodes<KO, VO, VR>(
        &self,
        other: &KTable<KO, VO>,
        foreign_key: ForeignKeyFn<V, KO>,
        joiner: FkJoiner<V, VO, VR>,
        left_join: bool,
    ) -> (usize, String)
    where
        KO: Clone + DefaultSerde + 'static,
        VO: Clone + DefaultSerde + 'static,
        VR: Clone + 'static,
    {
        type PkSerde<K> = SerdeOf<K>;
        let mut graph = self.graph.borrow_mut();
        let graph = &mut *graph;
        if !std::rc::Rc::ptr_eq(&self.graph, &other.graph) {
            graph.error(
                "foreign-key join: the other table comes from another StreamsBuilder".to_owned(),
            );
        }
        // Old values of the right table spare needless fan-outs in Java;
        // the left table's tell which foreign key to unsubscribe from.
        other.info.enable_sending_old_values(graph, true);
        self.info.enable_sending_old_values(graph, true);

        let subscription_topic = graph.new_name(SUBSCRIPTION_REGISTRATION) + TOPIC_SUFFIX;
        let send_name = graph.new_name(SUBSCRIPTION_REGISTRATION);
        let send = graph.add_node(
            send_name,
            NodeKind::Processor { stores: Vec::new() },
            &[self.node],
            Arc::new(SubscriptionSendFactory::<K, SerdeOf<KO>, SerdeOf<V>> {
                foreign_key,
                left_join,
                _types: PhantomData,
            }),
        );
        let topic = TopicName::internal(subscription_topic.clone());
        let sink_name = graph.new_name(SINK_NAME);
        type SubscriptionKeySerde<KO> = Option<SerdeOf<KO>>;
        let sink = graph.add_node(
            sink_name,
            NodeKind::Sink {
                target: SinkTarget::Fixed(topic.clone()),
            },
            &[send],
            Arc::new(SinkFactory::<
                SubscriptionKeySerde<KO>,
                SubscriptionWrapperSerde<PkSerde<K>>,
            >::fixed(topic.clone())),
        );
        let source_name = graph.new_name(SOURCE_NAME);
        let source = graph.add_node(
            source_name,
            NodeKind::Source {
                topic,
                extractor: None,
            },
            &[],
            Arc::new(SourceFactory::<
                SubscriptionKeySerde<KO>,
                SubscriptionWrapperSerde<PkSerde<K>>,
            >::new()),
        );
        graph.repartitions.push(RepartitionSpec {
            topic: subscription_topic,
            partitions: None,
            sink,
            copartition_with: Some(other.node),
        });

        // Java's SubscriptionStoreFactory: timestamped, logged, no cache.
        let store = graph.new_name(FK_JOIN_STATE_STORE_NAME);
        let store_builder = Materialized::<
            kstreams_serde::Bytes,
            SubscriptionWrapperSerde<PkSerde<K>>,
        >::as_(store.clone())
        .with_caching_disabled()
        .timestamped_builder(&store);
        graph.stores.push(Arc::new(store_builder));
        let receive_name = graph.new_name(SUBSCRIPTION_PROCESSOR);
        let receive = graph.add_node(
            receive_name,
            NodeKind::Processor {
                stores: vec![store.clone()],
            },
            &[source],
            Arc::new(SubscriptionReceiveFactory::<SerdeOf<KO>, PkSerde<K>> {
                store: store.clone(),
                _types: PhantomData,
            }),
        );
        let join_name = graph.new_name(SUBSCRIPTION_PROCESSOR);
        let foreign_getter = supplier_of(&other.view, graph, &join_name);
        let subscription_join = graph.add_node(
            join_name,
            NodeKind::Processor {
                stores: foreign_getter.stores.clone(),
            },
            &[receive],
            Arc::new(SubscriptionJoinFactory::<K, KO, VO> {
                foreign: foreign_getter,
                _types: PhantomData,
            }),
        );
        let foreign_join_name = graph.new_name(SUBSCRIPTION_PROCESSOR);
        let foreign_join = graph.add_node(
            foreign_join_name,
            NodeKind::Processor {
                stores: vec![store.clone()],
            },
            &[other.node],
            Arc::new(ForeignTableJoinFactory::<SerdeOf<KO>, PkSerde<K>, VO> {
                store,
                _types: PhantomData,
            }),
        );

        let response_topic = graph.new_name(SUBSCRIPTION_RESPONSE) + TOPIC_SUFFIX;
        let topic = TopicName::internal(response_topic.clone());
        let response_sink_name = graph.new_name(SINK_NAME);
        // Java's default response partitioner: the left row's partition.
        let response_sink = graph.add_node(
            response_sink_name,
            NodeKind::Sink {
                target: SinkTarget::Fixed(topic.clone()),
            },
            &[subscription_join, foreign_join],
            Arc::new(
                SinkFactory::<PkSerde<K>, SubscriptionResponseWrapperSerde<SerdeOf<VO>>>::fixed(
                    topic.clone(),
                )
                .with_partitioner(Arc::new(|_, response, _| response.primary_partition)),
            ),
        );
        let response_source_name = graph.new_name(SOURCE_NAME);
        let response_source = graph.add_node(
            response_source_name,
            NodeKind::Source {
                topic,
                extractor: None,
            },
            &[],
            Arc::new(SourceFactory::<
                PkSerde<K>,
                SubscriptionResponseWrapperSerde<SerdeOf<VO>>,
            >::new()),
        );
        graph.repartitions.push(RepartitionSpec {
            topic: response_topic,
            partitions: None,
            sink: response_sink,
            copartition_with: Some(self.node),
        });
        let resolver_name = graph.new_name(SUBSCRIPTION_RESPONSE_RESOLVER_PROCESSOR);
        let primary_getter = supplier_of(&self.view, graph, &resolver_name);
        let resolver = graph.add_node(
            resolver_name,
            NodeKind::Processor {
                stores: primary_getter.stores.clone(),
            },
            &[response_source],
            Arc::new(ResponseJoinFactory::<K, SerdeOf<V>, VO, VR> {
                primary: primary_getter,
                joiner,
                left_join,
            }),
        );
        (resolver, graph.new_name(FK_JOIN_OUTPUT_NAME))
    }
}
