//! Typed store access from a [`ProcessorContext`], as Kafka Streams'
//! `context.getStateStore(name)`: a processor gets a handle on a store
//! connected to it (see `KStream::process_with_stores`), with the store's
//! serdes as type parameters; a wrong name, an unconnected store or other
//! serdes is an error that says which.

use kstreams_serde::Serde;

use crate::processor::ProcessorContext;
use crate::state::{KeyValueStoreHandle, SessionStoreHandle, WindowStoreHandle};
use crate::Result;

impl<K, V> ProcessorContext<'_, K, V> {
    /// The key/value store `name`, with key serde `KS` and value serde `VS`.
    /// Take it in `init` and keep the handle, or take it per record.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::processor::{Processor, ProcessorContext, Record};
    /// use kstreams::serde::I64;
    /// use kstreams::state::{KeyValueStoreBuilder, StoreKind};
    /// use kstreams::test_driver::TopologyTestDriver;
    ///
    /// /// Forwards each key's running count, kept in store "seen".
    /// struct Seen;
    ///
    /// impl Processor<String, String, String, i64> for Seen {
    ///     fn process(&mut self, r: Record<String, String>, ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
    ///         let store = ctx.get_key_value_store::<String, I64>("seen")?;
    ///         let n = store.get(&r.key)?.unwrap_or(0) + 1;
    ///         store.put(&r.key, &n)?;
    ///         ctx.forward(r.with_value(n))
    ///     }
    /// }
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("visits");
    /// const OUT: Topic<String, I64, 1> = Topic::new("visit-counts");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.add_state_store(KeyValueStoreBuilder::<String, I64>::new("seen", StoreKind::InMemory));
    /// builder.stream(IN).process_with_stores(|| Seen, &["seen"]).to(OUT);
    /// let topology = builder.build()?;
    /// assert!(topology.describe().to_string().contains("(stores: [seen])"));
    /// let driver = TopologyTestDriver::new(topology)?;
    /// let mut input = driver.create_input_topic(IN);
    /// input.pipe_input("home", "ann")?;
    /// input.pipe_input("home", "bob")?;
    /// assert_eq!(driver.create_output_topic(OUT).read_values_to_vec()?, vec![1, 2]);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn get_key_value_store<KS: Serde, VS: Serde>(
        &self,
        name: &str,
    ) -> Result<KeyValueStoreHandle<KS, VS>> {
        let (stores, node) = self.ops.stores();
        stores.key_value::<KS, VS>(node, name)
    }

    /// The window store `name`, with key serde `KS` and value serde `VS`
    /// (Java's `context.getStateStore(name)` for a `WindowStore`); see
    /// `#[processor(stores(name = Window<KS, VS>(size = .., retention = ..)))]`.
    pub fn get_window_store<KS: Serde, VS: Serde>(
        &self,
        name: &str,
    ) -> Result<WindowStoreHandle<KS, VS>> {
        let (stores, node) = self.ops.stores();
        stores.window::<KS, VS>(node, name)
    }

    /// The session store `name`, with key serde `KS` and value serde `VS`
    /// (Java's `context.getStateStore(name)` for a `SessionStore`).
    pub fn get_session_store<KS: Serde, VS: Serde>(
        &self,
        name: &str,
    ) -> Result<SessionStoreHandle<KS, VS>> {
        let (stores, node) = self.ops.stores();
        stores.session::<KS, VS>(node, name)
    }
}
