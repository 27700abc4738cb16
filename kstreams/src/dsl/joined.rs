//! [`Joined`]: the serdes (and name) of a stream-table join, Kafka
//! Streams' `Joined`.
//!
//! The serdes are used only when the stream's key may have changed before
//! the join (`map`, `select_key`, `flat_map`, ...): the stream is then
//! written to a repartition topic (`<name>-repartition`) with them, so
//! that each record reaches the task that holds its new key's table row
//! (Java's `KStreamImpl.repartitionForJoin`). Java's `gracePeriod` (for
//! versioned tables) has no equivalent: versioned stores are not offered.

use std::fmt;
use std::marker::PhantomData;

use kstreams_serde::Serde;

/// Serdes of the stream's key (`KS`) and value (`VS`) for the repartition
/// topic a stream-table join may need, and the join's name.
///
/// ```
/// use kstreams::dsl::Joined;
/// use kstreams::serde::I64;
///
/// let joined = Joined::<String, I64>::new().with_name("enrich");
/// assert_eq!(joined.name(), Some("enrich"));
/// ```
pub struct Joined<KS: Serde, VS: Serde> {
    pub(crate) name: Option<String>,
    _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS: Serde, VS: Serde> Joined<KS, VS> {
    /// Generated names.
    pub fn new() -> Self {
        Joined {
            name: None,
            _serdes: PhantomData,
        }
    }

    /// Names the join processor `name` and its repartition topic
    /// `<name>-repartition` (Kafka Streams' `Joined.as` / `withName`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The name given with [`Joined::with_name`].
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl<KS: Serde, VS: Serde> Default for Joined<KS, VS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<KS: Serde, VS: Serde> fmt::Debug for Joined<KS, VS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Joined")
            .field("key_serde", &KS::name())
            .field("value_serde", &VS::name())
            .field("name", &self.name)
            .finish()
    }
}
