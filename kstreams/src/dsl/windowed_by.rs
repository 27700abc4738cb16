//! `KGroupedStream::windowed_by`: one generic entry point for the three
//! window kinds ([`WindowDefinition`], implemented by [`TimeWindows`],
//! [`SessionWindows`] and [`SlidingWindows`]), and the graph plumbing the
//! three windowed aggregations share (names, repartition, store, node,
//! when the windows close).

use std::sync::Arc;

use kstreams_serde::{Serde, Windowed};

use super::builder::WindowClose;
use super::grouped::KGroupedStream;
use super::ktable::KTable;
use super::session_windowed::SessionWindowedKStream;
use super::sliding_windowed::SlidingWindowedKStream;
use super::time_windowed::TimeWindowedKStream;
use super::{Materialized, SessionWindows, SlidingWindows, TimeWindows};
use crate::processor::node::NodeFactory;
use crate::processor::stores::StoreFactory;
use crate::topology::NodeKind;

/// A window definition that [`KGroupedStream::windowed_by`] accepts, and
/// the windowed stream it makes: [`TimeWindows`] →
/// [`TimeWindowedKStream`], [`SessionWindows`] →
/// [`SessionWindowedKStream`], [`SlidingWindows`] →
/// [`SlidingWindowedKStream`] (Kafka Streams' three `windowedBy` overloads).
#[diagnostic::on_unimplemented(
    message = "`windowed_by` takes a window definition, not `{Self}`",
    label = "not a window definition",
    note = "use `TimeWindows` (tumbling or hopping), `SessionWindows` or `SlidingWindows`"
)]
pub trait WindowDefinition<K, V> {
    /// The windowed stream `windowed_by` returns for these windows.
    type Stream;

    /// Cuts `grouped` into these windows.
    fn windowed(self, grouped: KGroupedStream<K, V>) -> Self::Stream;
}

impl<K, V> WindowDefinition<K, V> for TimeWindows {
    type Stream = TimeWindowedKStream<K, V>;
    fn windowed(self, grouped: KGroupedStream<K, V>) -> Self::Stream {
        TimeWindowedKStream {
            grouped,
            windows: self,
            emit: Default::default(),
        }
    }
}

impl<K, V> WindowDefinition<K, V> for SessionWindows {
    type Stream = SessionWindowedKStream<K, V>;
    fn windowed(self, grouped: KGroupedStream<K, V>) -> Self::Stream {
        SessionWindowedKStream {
            grouped,
            windows: self,
            emit: Default::default(),
        }
    }
}

impl<K, V> WindowDefinition<K, V> for SlidingWindows {
    type Stream = SlidingWindowedKStream<K, V>;
    fn windowed(self, grouped: KGroupedStream<K, V>) -> Self::Stream {
        SlidingWindowedKStream {
            grouped,
            windows: self,
            emit: Default::default(),
        }
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KGroupedStream<K, V> {
    /// Cuts the grouped stream into windows (Kafka Streams' `windowedBy`):
    /// [`TimeWindows`] (tumbling or hopping, see [`TimeWindowedKStream`]),
    /// [`SessionWindows`] (see [`SessionWindowedKStream`]) or
    /// [`SlidingWindows`] (see [`SlidingWindowedKStream`]).
    ///
    /// Anything else is a compile error ("`windowed_by` takes a window
    /// definition, not `Duration`"):
    ///
    /// ```compile_fail
    /// use std::time::Duration;
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("in");
    /// let b = StreamsBuilder::new();
    /// b.stream(IN).group_by_key().windowed_by(Duration::from_secs(5));
    /// ```
    pub fn windowed_by<W: WindowDefinition<K, V>>(&self, windows: W) -> W::Stream {
        windows.windowed(KGroupedStream {
            stream: self.stream.clone(),
            repartition: self.repartition.clone(),
        })
    }

    /// Adds a windowed aggregation: reserves the store and node names (in
    /// Kafka Streams' order: store, then node), repartitions if the key may
    /// have changed, adds the store `store(name)` and the node
    /// `node(store name)` (or records the store's refusal, reported by
    /// `build()`), and records when its windows close for
    /// `suppress(until_window_closes)`.
    pub(crate) fn add_windowed_aggregate<KS: Serde, AS: Serde, A: Clone + 'static>(
        &self,
        prefix: &str,
        materialized: &Materialized<KS, AS>,
        store: impl FnOnce(&str) -> Result<Arc<dyn StoreFactory>, String>,
        node: impl FnOnce(&str) -> Arc<dyn NodeFactory>,
        close: WindowClose,
    ) -> KTable<Windowed<K>, A> {
        let stream = &self.stream;
        let store_name = materialized.store_name(&mut stream.graph.borrow_mut(), prefix);
        let name = stream.take_name(&mut stream.graph.borrow_mut(), prefix);
        let source = self.source_for(&store_name).named(name);
        let mut graph = source.graph.borrow_mut();
        let name = source.take_name(&mut graph, prefix);
        // A store that cannot be right (a retention shorter than the
        // windows need) fails `build()`, as Java's materializers throw.
        match store(&store_name) {
            Ok(store) => graph.stores.push(store),
            Err(refusal) => graph.error(refusal),
        }
        let id = graph.add_node(
            name,
            NodeKind::Processor {
                stores: vec![store_name.clone()],
            },
            &[source.node],
            node(&store_name),
        );
        graph.window_grace.insert(id, close);
        drop(graph);
        KTable::new(source.graph.clone(), id, Some(store_name))
    }
}
