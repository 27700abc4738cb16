//! The public foreign-key join operators of [`KTable`] (Kafka Streams'
//! `KTable#join(KTable, Function, ValueJoiner[, Materialized])` and
//! `leftJoin`); see the [module docs](super) for the shape and semantics.

use std::sync::Arc;

use kstreams_serde::{DefaultSerde, Serde, SerdeOf};

use crate::dsl::{KTable, Materialized};

impl<K, V> KTable<K, V>
where
    K: Clone + DefaultSerde + 'static,
    V: Clone + DefaultSerde + 'static,
{
    /// Joins each row of this table with the row of `other` whose key
    /// `foreign_key` extracts from the row's value (a foreign-key join,
    /// KIP-213; Kafka Streams' `KTable#join(KTable, Function, ValueJoiner)`):
    /// the result is keyed by this table's key, and has a row while the
    /// foreign row exists. An update of a foreign row re-joins every row
    /// that refers to it; a row whose foreign key changes moves to the new
    /// foreign row (deleted from the result until it exists).
    ///
    /// The tables need not be co-partitioned: the join goes through two
    /// internal topics (`<app>-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-…-topic`
    /// and `…-SUBSCRIPTION-RESPONSE-…-topic`) and a change-logged
    /// subscription store, in Java's wire format. Keys, foreign keys and
    /// values use their default serdes.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// // order id -> "customer:amount"; customer id -> name
    /// const ORDERS: Topic<String, String, 1> = Topic::new("orders");
    /// const CUSTOMERS: Topic<String, String, 1> = Topic::new("customers");
    /// const OUT: Topic<String, Option<String>, 1> = Topic::new("orders-by-name");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .table(ORDERS)
    ///     .join_on_foreign_key(
    ///         &builder.table(CUSTOMERS),
    ///         |order: &String| order.split(':').next().unwrap_or_default().to_string(),
    ///         |order: &String, name: &String| format!("{order} by {name}"),
    ///     )
    ///     .to_changelog_stream()
    ///     .to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut orders = driver.create_input_topic(ORDERS);
    /// let mut customers = driver.create_input_topic(CUSTOMERS);
    /// orders.pipe_input("o1", "c1:30")?; // no customer c1 yet: nothing
    /// customers.pipe_input("c1", "Ada")?;
    /// orders.pipe_input("o2", "c1:12")?;
    /// customers.pipe_input("c1", "Ada L.")?; // both orders re-joined
    /// let out = driver.create_output_topic(OUT).read_key_values_to_vec()?;
    /// assert_eq!(out, vec![
    ///     ("o1".to_string(), Some("c1:30 by Ada".to_string())),
    ///     ("o2".to_string(), Some("c1:12 by Ada".to_string())),
    ///     ("o1".to_string(), Some("c1:30 by Ada L.".to_string())),
    ///     ("o2".to_string(), Some("c1:12 by Ada L.".to_string())),
    /// ]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn join_on_foreign_key<KO, VO, VR, F, J>(
        &self,
        other: &KTable<KO, VO>,
        foreign_key: F,
        joiner: J,
    ) -> KTable<K, VR>
    where
        KO: Clone + DefaultSerde + 'static,
        VO: Clone + DefaultSerde + 'static,
        VR: Clone + DefaultSerde + 'static,
        F: Fn(&V) -> KO + Send + Sync + 'static,
        J: Fn(&V, &VO) -> VR + Send + Sync + 'static,
    {
        self.join_on_foreign_key_with(
            other,
            foreign_key,
            joiner,
            Materialized::<SerdeOf<K>, SerdeOf<VR>>::new(),
        )
    }

    /// [`KTable::join_on_foreign_key`] into the store `materialized`
    /// describes (`KTABLE-FK-JOIN-OUTPUT-…`'s store; queryable when named
    /// with [`Materialized::as_`]).
    ///
    /// ```
    /// use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const ORDERS: Topic<String, String, 1> = Topic::new("orders");
    /// const CUSTOMERS: Topic<String, String, 1> = Topic::new("customers");
    ///
    /// let builder = StreamsBuilder::new();
    /// let joined = builder.table(ORDERS).join_on_foreign_key_with(
    ///     &builder.table(CUSTOMERS),
    ///     |order: &String| order.split(':').next().unwrap_or_default().to_string(),
    ///     |order: &String, name: &String| format!("{order} by {name}"),
    ///     Materialized::<String, String>::as_("orders-by-name"),
    /// );
    /// assert_eq!(joined.queryable_store_name(), Some("orders-by-name"));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(CUSTOMERS).pipe_input("c1", "Ada")?;
    /// driver.create_input_topic(ORDERS).pipe_input("o1", "c1:30")?;
    /// let store = driver.get_key_value_store::<String, String>("orders-by-name")?;
    /// assert_eq!(store.get(&"o1".to_string())?, Some("c1:30 by Ada".to_string()));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn join_on_foreign_key_with<KO, VO, KS, VS, F, J>(
        &self,
        other: &KTable<KO, VO>,
        foreign_key: F,
        joiner: J,
        materialized: Materialized<KS, VS>,
    ) -> KTable<K, VS::Target>
    where
        KO: Clone + DefaultSerde + 'static,
        VO: Clone + DefaultSerde + 'static,
        KS: Serde<Target = K>,
        VS: Serde,
        VS::Target: Clone,
        F: Fn(&V) -> KO + Send + Sync + 'static,
        J: Fn(&V, &VO) -> VS::Target + Send + Sync + 'static,
    {
        self.do_join_on_foreign_key(
            other,
            Arc::new(move |v: &V| Some(foreign_key(v))),
            Arc::new(move |v: &V, o: Option<&VO>| o.map(|o| joiner(v, o))),
            materialized,
            false,
        )
    }

    /// Every row of this table joined with the row of `other` whose key
    /// `foreign_key` extracts, `None` when there is no such row or the
    /// extractor returns `None` (Kafka Streams' `KTable#leftJoin(KTable,
    /// Function, ValueJoiner)`; Java's extractor returns null there). A
    /// deleted row is a tombstone in the result.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const ORDERS: Topic<String, String, 1> = Topic::new("orders");
    /// const CUSTOMERS: Topic<String, String, 1> = Topic::new("customers");
    /// const OUT: Topic<String, Option<String>, 1> = Topic::new("orders-by-name");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .table(ORDERS)
    ///     .left_join_on_foreign_key(
    ///         &builder.table(CUSTOMERS),
    ///         |order: &String| order.split_once(':').map(|(customer, _)| customer.to_string()),
    ///         |order: &String, name: Option<&String>| format!("{order} by {name:?}"),
    ///     )
    ///     .to_changelog_stream()
    ///     .to(OUT);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let mut orders = driver.create_input_topic(ORDERS);
    /// orders.pipe_input("o1", "c1:30")?; // no customer c1 yet
    /// orders.pipe_input("o2", "cash")?; // no foreign key at all
    /// driver.create_input_topic(CUSTOMERS).pipe_input("c1", "Ada")?;
    /// let out = driver.create_output_topic(OUT).read_values_to_vec()?;
    /// assert_eq!(out, vec![
    ///     Some("c1:30 by None".to_string()),
    ///     Some("cash by None".to_string()),
    ///     Some(r#"c1:30 by Some("Ada")"#.to_string()),
    /// ]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn left_join_on_foreign_key<KO, VO, VR, F, J>(
        &self,
        other: &KTable<KO, VO>,
        foreign_key: F,
        joiner: J,
    ) -> KTable<K, VR>
    where
        KO: Clone + DefaultSerde + 'static,
        VO: Clone + DefaultSerde + 'static,
        VR: Clone + DefaultSerde + 'static,
        F: Fn(&V) -> Option<KO> + Send + Sync + 'static,
        J: Fn(&V, Option<&VO>) -> VR + Send + Sync + 'static,
    {
        self.left_join_on_foreign_key_with(
            other,
            foreign_key,
            joiner,
            Materialized::<SerdeOf<K>, SerdeOf<VR>>::new(),
        )
    }

    /// [`KTable::left_join_on_foreign_key`] into the store `materialized`
    /// describes.
    ///
    /// ```
    /// use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// const ORDERS: Topic<String, String, 1> = Topic::new("orders");
    /// const CUSTOMERS: Topic<String, String, 1> = Topic::new("customers");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.table(ORDERS).left_join_on_foreign_key_with(
    ///     &builder.table(CUSTOMERS),
    ///     |order: &String| order.split_once(':').map(|(customer, _)| customer.to_string()),
    ///     |order: &String, name: Option<&String>| format!("{order} by {name:?}"),
    ///     Materialized::<String, String>::as_("orders-by-name"),
    /// );
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.create_input_topic(ORDERS).pipe_input("o1", "c1:30")?;
    /// let store = driver.get_key_value_store::<String, String>("orders-by-name")?;
    /// assert_eq!(store.get(&"o1".to_string())?, Some("c1:30 by None".to_string()));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn left_join_on_foreign_key_with<KO, VO, KS, VS, F, J>(
        &self,
        other: &KTable<KO, VO>,
        foreign_key: F,
        joiner: J,
        materialized: Materialized<KS, VS>,
    ) -> KTable<K, VS::Target>
    where
        KO: Clone + DefaultSerde + 'static,
        VO: Clone + DefaultSerde + 'static,
        KS: Serde<Target = K>,
        VS: Serde,
        VS::Target: Clone,
        F: Fn(&V) -> Option<KO> + Send + Sync + 'static,
        J: Fn(&V, Option<&VO>) -> VS::Target + Send + Sync + 'static,
    {
        self.do_join_on_foreign_key(
            other,
            Arc::new(foreign_key),
            Arc::new(move |v: &V, o: Option<&VO>| Some(joiner(v, o))),
            materialized,
            true,
        )
    }
}
