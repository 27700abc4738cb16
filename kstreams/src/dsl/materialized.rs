//! [`Materialized`]: how a KTable or an aggregation keeps its state, as
//! Kafka Streams' `Materialized`: the store's name (which makes it
//! queryable and names its changelog), its kind (RocksDB by default,
//! in-memory or LRU), and whether it is logged and cached.
//!
//! The serdes are type parameters: `Materialized<KS, VS>` stores keys with
//! `KS` and values with `VS`.

use std::fmt;
use std::marker::PhantomData;

use kstreams_serde::{Serde, Timestamped};

use super::builder::GraphBuilder;
use crate::state::{KeyValueStoreBuilder, StoreKind};

/// The state store of a KTable or aggregation, with key serde `KS` and
/// value serde `VS`.
///
/// ```
/// use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
/// use kstreams::serde::I64;
/// use kstreams::test_driver::TopologyTestDriver;
///
/// const IN: Topic<String, String, 1> = Topic::new("page-views");
///
/// let builder = StreamsBuilder::new();
/// builder.stream(IN).group_by_key().count_with(Materialized::<String, I64>::as_("views").in_memory());
/// let topology = builder.build()?;
/// assert!(topology.describe().to_string().contains("(stores: [views])"));
/// let driver = TopologyTestDriver::new(topology)?;
/// driver.create_input_topic(IN).pipe_input("home", "alice")?;
/// let views = driver.get_key_value_store::<String, I64>("views")?;
/// assert_eq!(views.get(&"home".to_string())?, Some(1));
/// # Ok::<(), kstreams::Error>(())
/// ```
pub struct Materialized<KS, VS> {
    name: Option<String>,
    kind: StoreKind,
    logging: bool,
    caching: bool,
    /// Window and session stores: how long windows are kept (at least
    /// size + grace).
    retention_ms: Option<i64>,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> Materialized<KS, VS> {
    /// A RocksDB store with a generated name (not meant to be queried).
    pub fn new() -> Self {
        Materialized {
            name: None,
            kind: StoreKind::RocksDb,
            logging: true,
            caching: true,
            retention_ms: None,
            _serdes: PhantomData,
        }
    }

    /// A RocksDB store named `name`: queryable, with changelog
    /// `<application.id>-<name>-changelog` (Kafka Streams' `Materialized.as`).
    pub fn as_(name: impl Into<String>) -> Self {
        Materialized {
            name: Some(name.into()),
            ..Materialized::new()
        }
    }

    /// Keeps the store in memory (restored from the changelog on start).
    pub fn in_memory(mut self) -> Self {
        self.kind = StoreKind::InMemory;
        self
    }

    /// Keeps at most `max_entries` keys in memory, least recently used evicted.
    pub fn lru(mut self, max_entries: usize) -> Self {
        self.kind = StoreKind::Lru { max_entries };
        self
    }

    /// Chooses the store kind explicitly.
    pub fn with_store_kind(mut self, kind: StoreKind) -> Self {
        self.kind = kind;
        self
    }

    /// No changelog topic: the state is lost with the local state directory.
    pub fn with_logging_disabled(mut self) -> Self {
        self.logging = false;
        self
    }

    /// No record cache: every update is forwarded downstream at once.
    pub fn with_caching_disabled(mut self) -> Self {
        self.caching = false;
        self
    }

    /// For a windowed aggregation: keep windows for `retention` (Kafka
    /// Streams' `Materialized.withRetention`). It must be at least the
    /// window size plus the grace period (2 × time difference + grace for
    /// sliding windows, inactivity gap + grace for sessions), or
    /// `StreamsBuilder::build` fails, as Java's; without it the store keeps
    /// exactly that minimum. With a window definition and a retention given
    /// as constants in a `#[topology]`, a shorter retention is a compile error.
    pub fn with_retention(mut self, retention: std::time::Duration) -> Self {
        self.retention_ms = Some(i64::try_from(retention.as_millis()).unwrap_or(i64::MAX));
        self
    }

    /// The store's retention: the configured one, or `minimum_ms` when
    /// none; a configured retention below the minimum is the error
    /// `refusal(retention)` (Java's `WindowStoreMaterializer` and
    /// `SessionStoreMaterializer` throw it when the aggregation is built).
    fn windowed_retention(
        &self,
        minimum_ms: i64,
        refusal: impl FnOnce(i64) -> String,
    ) -> Result<i64, String> {
        match self.retention_ms {
            None => Ok(minimum_ms),
            Some(r) if r >= minimum_ms => Ok(r),
            Some(r) => Err(format!(
                "{}; give `Materialized::with_retention` at least that, or leave it out (the retention is then exactly that)",
                refusal(r)
            )),
        }
    }

    fn window_store_builder<Stored: Serde>(
        &self,
        name: &str,
        retention_ms: i64,
        size_ms: i64,
    ) -> crate::state::WindowStoreBuilder<KS, Stored> {
        let mut builder =
            crate::state::WindowStoreBuilder::new(name, self.kind, retention_ms, size_ms, false);
        if !self.logging {
            builder = builder.with_logging_disabled();
        }
        builder
    }

    /// The window store builder for `name`, storing `Stored` (e.g. the
    /// value with its timestamp): windows of `size_ms`, kept for the
    /// configured retention or size + grace (Java's `WindowStoreMaterializer`).
    pub(crate) fn window_builder<Stored: Serde>(
        &self,
        name: &str,
        size_ms: i64,
        grace_ms: i64,
    ) -> Result<crate::state::WindowStoreBuilder<KS, Stored>, String> {
        let retention = self.windowed_retention(size_ms.saturating_add(grace_ms), |r| {
            format!(
                "The retention period of the window store {name} must be no smaller than its window size plus the grace period. \
                 Got size=[{size_ms}], grace=[{grace_ms}], retention=[{r}]"
            )
        })?;
        Ok(self.window_store_builder(name, retention, size_ms))
    }

    /// The window store builder of a sliding-window aggregation: windows
    /// of `difference_ms`, kept for the configured retention or 2 ×
    /// difference + grace, since a record may need the window starting 2 ×
    /// difference before it (Java's `SlidingWindowStoreMaterializer`).
    pub(crate) fn sliding_window_builder<Stored: Serde>(
        &self,
        name: &str,
        difference_ms: i64,
        grace_ms: i64,
    ) -> Result<crate::state::WindowStoreBuilder<KS, Stored>, String> {
        let minimum = difference_ms.saturating_mul(2).saturating_add(grace_ms);
        let retention = self.windowed_retention(minimum, |r| {
            format!(
                "The retention period of the window store {name} must be no smaller than 2 * time difference plus the grace period. \
                 Got time difference=[{difference_ms}], grace=[{grace_ms}], retention=[{r}]"
            )
        })?;
        Ok(self.window_store_builder(name, retention, difference_ms))
    }

    /// The session store builder for `name`, kept for the configured
    /// retention or gap + grace (Java's `SessionStoreMaterializer`).
    pub(crate) fn session_builder<Stored: Serde>(
        &self,
        name: &str,
        gap_ms: i64,
        grace_ms: i64,
    ) -> Result<crate::state::SessionStoreBuilder<KS, Stored>, String> {
        let retention = self.windowed_retention(gap_ms.saturating_add(grace_ms), |r| {
            format!(
                "The retention period of the session store {name} must be no smaller than the session inactivity gap plus the grace period. \
                 Got gap=[{gap_ms}], grace=[{grace_ms}], retention=[{r}]"
            )
        })?;
        let mut builder = crate::state::SessionStoreBuilder::new(name, self.kind, retention);
        if !self.logging {
            builder = builder.with_logging_disabled();
        }
        Ok(builder)
    }

    /// The given name, or a generated one (`<prefix>STATE-STORE-…`).
    pub(crate) fn store_name(&self, graph: &mut GraphBuilder, prefix: &str) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => graph.new_name(&format!("{prefix}STATE-STORE-")),
        }
    }

    /// Whether the store was named ([`Materialized::as_`]): Java's
    /// "queryable" name, which makes `builder.table` materialize its store.
    pub(crate) fn is_named(&self) -> bool {
        self.name.is_some()
    }

    /// Whether updates pass through the record cache.
    pub(crate) fn caching(&self) -> bool {
        self.caching
    }

    /// The store builder for `name` with timestamped values
    /// (`ValueAndTimestamp<V>`, serde `Timestamped<VS>`), as the stores of
    /// Kafka Streams' DSL operators (`TimestampedKeyValueStore`).
    pub(crate) fn timestamped_builder(
        &self,
        name: &str,
    ) -> KeyValueStoreBuilder<KS, Timestamped<VS>> {
        self.configure(KeyValueStoreBuilder::new(name, self.kind).with_value_timestamps())
    }

    fn configure<S: Serde>(
        &self,
        builder: KeyValueStoreBuilder<KS, S>,
    ) -> KeyValueStoreBuilder<KS, S> {
        let mut builder = builder;
        if !self.logging {
            builder = builder.with_logging_disabled();
        }
        if !self.caching {
            builder = builder.with_caching_disabled();
        }
        builder
    }
}

impl<KS: Serde, VS: Serde> Default for Materialized<KS, VS> {
    fn default() -> Self {
        Materialized::new()
    }
}

impl<KS: Serde, VS: Serde> fmt::Debug for Materialized<KS, VS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Materialized")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("key_serde", &KS::name())
            .field("value_serde", &VS::name())
            .field("logging", &self.logging)
            .field("caching", &self.caching)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use kstreams_serde::I64;

    use super::Materialized;
    use crate::dsl::{SessionWindows, SlidingWindows, StreamsBuilder, TimeWindows, Topic};
    use crate::Error;

    const IN: Topic<String, String, 1> = Topic::new("in");

    fn views(retention: Option<u64>) -> Materialized<String, I64> {
        let m = Materialized::as_("views").in_memory();
        match retention {
            Some(s) => m.with_retention(Duration::from_secs(s)),
            None => m,
        }
    }

    /// Builds a count over `windows` (0 time, 1 sliding, 2 session) with
    /// `retention` in seconds; the error `build()` returns, if any.
    fn build_error(kind: u8, retention: Option<u64>) -> Option<String> {
        let (size, grace) = (Duration::from_secs(60), Duration::from_secs(30));
        let b = StreamsBuilder::new();
        let grouped = b.stream(IN).group_by_key();
        match kind {
            0 => {
                grouped
                    .windowed_by(TimeWindows::of_size_and_grace(size, grace))
                    .count_with(views(retention));
            }
            1 => {
                grouped
                    .windowed_by(SlidingWindows::of_time_difference_and_grace(size, grace))
                    .count_with(views(retention));
            }
            _ => {
                grouped
                    .windowed_by(SessionWindows::of_inactivity_gap_and_grace(size, grace))
                    .count_with(views(retention));
            }
        }
        match b.build() {
            Ok(_) => None,
            Err(Error::Topology(message)) => Some(message),
            Err(other) => panic!("expected a topology error, got {other}"),
        }
    }

    #[test]
    fn a_retention_shorter_than_the_windows_need_fails_build_as_in_java() {
        assert_eq!(
            build_error(0, Some(60)).as_deref(),
            Some(
                "The retention period of the window store views must be no smaller than its window size plus the grace period. \
                 Got size=[60000], grace=[30000], retention=[60000]; give `Materialized::with_retention` at least that, \
                 or leave it out (the retention is then exactly that)"
            )
        );
        assert!(build_error(1, Some(120)).is_some_and(|e| e.contains(
            "must be no smaller than 2 * time difference plus the grace period. Got time difference=[60000], grace=[30000], retention=[120000]"
        )));
        assert!(build_error(2, Some(60)).is_some_and(|e| e.contains(
            "The retention period of the session store views must be no smaller than the session inactivity gap plus the grace period. Got gap=[60000], grace=[30000], retention=[60000]"
        )));
    }

    #[test]
    fn a_long_enough_or_default_retention_builds() {
        for kind in 0..3 {
            assert_eq!(build_error(kind, None), None);
            assert_eq!(build_error(kind, Some(3_600)), None);
        }
        // Exactly the minimum is enough.
        assert_eq!(build_error(0, Some(90)), None);
        assert_eq!(build_error(1, Some(150)), None);
        assert_eq!(build_error(2, Some(90)), None);
    }
}
