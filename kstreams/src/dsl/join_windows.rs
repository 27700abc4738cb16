//! [`JoinWindows`] (how far apart in time two records of a stream-stream
//! join may be) and [`StreamJoined`] (names, store kind and serdes of the
//! join's two window stores), as Kafka Streams' classes of the same names.
//!
//! As the window definitions of `windows.rs`, every constructor is a
//! `const fn`: a `JoinWindows` constant with a negative or overflowing
//! definition is a compile error.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use kstreams_serde::Serde;

use crate::state::StoreKind;

/// A duration in whole milliseconds, saturating (a `const fn`).
const fn millis(d: Duration) -> u64 {
    let ms = d.as_millis();
    if ms > (i64::MAX / 4) as u128 {
        (i64::MAX / 4) as u64
    } else {
        ms as u64
    }
}

/// The join window of a stream-stream join (Kafka Streams' `JoinWindows`):
/// a record at time `t` of the left stream joins the right stream's records
/// of the same key with timestamps in `[t - before, t + after]`
/// (symmetrically, a right record at `t` joins left records in
/// `[t - after, t + before]`). Records out of order by up to `grace` after
/// a window closes still join; a left or outer join emits a record without
/// a partner only once its window has closed (KIP-633), so never a
/// spurious `(v, None)` that a later partner would contradict.
///
/// ```
/// use std::time::Duration;
/// use kstreams::dsl::JoinWindows;
///
/// // Purchases of the same customer at most 20 minutes apart, either way,
/// // accepting records up to one minute late.
/// const TWENTY_MINUTES: JoinWindows = JoinWindows::of_time_difference_and_grace(
///     Duration::from_secs(20 * 60),
///     Duration::from_secs(60),
/// );
/// assert_eq!(TWENTY_MINUTES.before_ms(), 1_200_000);
/// assert_eq!(TWENTY_MINUTES.size_ms(), 2_400_000);
///
/// // Only right records up to 5 s after the left one.
/// const AFTER: JoinWindows = JoinWindows::of_time_difference_with_no_grace(Duration::from_secs(5))
///     .before(Duration::ZERO);
/// assert_eq!((AFTER.before_ms(), AFTER.after_ms()), (0, 5_000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinWindows {
    before_ms: u64,
    after_ms: u64,
    grace_ms: u64,
}

impl JoinWindows {
    /// Records at most `time_difference` apart join (either order),
    /// accepting records up to `grace` after a window closes
    /// (`JoinWindows.ofTimeDifferenceAndGrace`).
    pub const fn of_time_difference_and_grace(
        time_difference: Duration,
        grace: Duration,
    ) -> JoinWindows {
        let ms = millis(time_difference);
        JoinWindows {
            before_ms: ms,
            after_ms: ms,
            grace_ms: millis(grace),
        }
    }

    /// Records at most `time_difference` apart join; no grace period: a
    /// record arriving after its window closed finds no partners
    /// (`JoinWindows.ofTimeDifferenceWithNoGrace`).
    pub const fn of_time_difference_with_no_grace(time_difference: Duration) -> JoinWindows {
        JoinWindows::of_time_difference_and_grace(time_difference, Duration::ZERO)
    }

    /// The same windows, but a left record joins right records at most
    /// `time_difference` *before* it (`JoinWindows.before`). The window's
    /// size (before + after) must stay positive or zero.
    pub const fn before(self, time_difference: Duration) -> JoinWindows {
        JoinWindows {
            before_ms: millis(time_difference),
            ..self
        }
    }

    /// The same windows, but a left record joins right records at most
    /// `time_difference` *after* it (`JoinWindows.after`).
    pub const fn after(self, time_difference: Duration) -> JoinWindows {
        JoinWindows {
            after_ms: millis(time_difference),
            ..self
        }
    }

    /// How far before a left record its right partners may be, in ms.
    pub const fn before_ms(&self) -> u64 {
        self.before_ms
    }

    /// How far after a left record its right partners may be, in ms.
    pub const fn after_ms(&self) -> u64 {
        self.after_ms
    }

    /// The grace period, in ms.
    pub const fn grace_ms(&self) -> u64 {
        self.grace_ms
    }

    /// The window's size, before + after (`JoinWindows.size()`): the size
    /// of the join's window stores, whose retention is size + grace.
    pub const fn size_ms(&self) -> u64 {
        self.before_ms + self.after_ms
    }
}

/// Names, store kind and serdes of a stream-stream join's window stores
/// (Kafka Streams' `StreamJoined`): `KS` for the key, `VS` for this
/// (left) stream's values, `VOS` for the other (right) stream's values.
/// The serdes are also those of the repartition topics inserted when a
/// side's key may have changed.
///
/// By default the stores are RocksDB stores named after the join's
/// processors (`KSTREAM-JOINTHIS-0000000004-store`, ...), change-logged.
///
/// ```
/// use kstreams::dsl::StreamJoined;
/// use kstreams::serde::I64;
///
/// let joined = StreamJoined::<String, I64, String>::new()
///     .with_store_name("purchases")
///     .in_memory();
/// assert_eq!(joined.store_name(), Some("purchases"));
/// ```
pub struct StreamJoined<KS: Serde, VS: Serde, VOS: Serde> {
    name: Option<String>,
    store_name: Option<String>,
    kind: StoreKind,
    logging: bool,
    _serdes: Serdes<KS, VS, VOS>,
}

/// The three serdes of a [`StreamJoined`], as a type.
type Serdes<KS, VS, VOS> = PhantomData<fn() -> (KS, VS, VOS)>;

impl<KS: Serde, VS: Serde, VOS: Serde> StreamJoined<KS, VS, VOS> {
    /// RocksDB stores with generated names, change-logged.
    pub fn new() -> Self {
        StreamJoined {
            name: None,
            store_name: None,
            kind: StoreKind::RocksDb,
            logging: true,
            _serdes: PhantomData,
        }
    }

    /// Names the join's processors `<name>-this-windowed`,
    /// `<name>-this-join`, `<name>-merge`, ... and its repartition topics
    /// (`StreamJoined.withName`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Names the stores `<store_name>-this-join-store` and
    /// `<store_name>-other-join-store` (and their changelogs after them),
    /// as `StreamJoined.withStoreName`.
    pub fn with_store_name(mut self, store_name: impl Into<String>) -> Self {
        self.store_name = Some(store_name.into());
        self
    }

    /// In-memory stores instead of RocksDB (still change-logged).
    pub fn in_memory(mut self) -> Self {
        self.kind = StoreKind::InMemory;
        self
    }

    /// No changelogs: a restarted task forgets the records buffered for
    /// joining (`StreamJoined.withLoggingDisabled`).
    pub fn with_logging_disabled(mut self) -> Self {
        self.logging = false;
        self
    }

    /// The base name of the stores, if given.
    pub fn store_name(&self) -> Option<&str> {
        self.store_name.as_deref()
    }

    /// The base name of the processors, if given.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub(crate) fn kind(&self) -> StoreKind {
        self.kind
    }

    pub(crate) fn logging(&self) -> bool {
        self.logging
    }
}

impl<KS: Serde, VS: Serde, VOS: Serde> Default for StreamJoined<KS, VS, VOS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<KS: Serde, VS: Serde, VOS: Serde> Clone for StreamJoined<KS, VS, VOS> {
    fn clone(&self) -> Self {
        StreamJoined {
            name: self.name.clone(),
            store_name: self.store_name.clone(),
            kind: self.kind,
            logging: self.logging,
            _serdes: PhantomData,
        }
    }
}

impl<KS: Serde, VS: Serde, VOS: Serde> fmt::Debug for StreamJoined<KS, VS, VOS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamJoined")
            .field("key_serde", &KS::name())
            .field("value_serde", &VS::name())
            .field("other_value_serde", &VOS::name())
            .field("name", &self.name)
            .field("store_name", &self.store_name)
            .field("kind", &self.kind)
            .field("logging", &self.logging)
            .finish()
    }
}
