//! [`Topic`]: a Kafka topic with its serdes and partition count in its type.

use std::fmt;
use std::marker::PhantomData;

use kstreams_serde::Serde;

/// A Kafka topic, typed by its key serde `K`, value serde `V` and declared
/// partition count `PARTITIONS`.
///
/// Declare topics as constants; the partition count is checked against the
/// broker at start-up, and being in the type, lets co-partitioning be
/// checked at compile time.
///
/// ```
/// use kstreams::dsl::Topic;
/// use kstreams::serde::{Json, I64};
///
/// const COUNTS: Topic<String, I64, 4> = Topic::new("payment-counts");
/// assert_eq!(COUNTS.name(), "payment-counts");
/// assert_eq!(COUNTS.partitions(), 4);
/// ```
// No bounds on the struct: a type without a serde is reported once, at
// `Topic::new`, not once per mention of the type.
pub struct Topic<K, V, const PARTITIONS: u32> {
    name: &'static str,
    _serdes: PhantomData<fn() -> (K, V)>,
}

impl<K: Serde, V: Serde, const PARTITIONS: u32> Topic<K, V, PARTITIONS> {
    /// The topic named `name`. `PARTITIONS` must be at least 1 (a compile
    /// error otherwise, when used in a constant).
    pub const fn new(name: &'static str) -> Self {
        const { assert!(PARTITIONS > 0, "a topic has at least one partition") };
        Topic {
            name,
            _serdes: PhantomData,
        }
    }

    /// The topic's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The declared partition count.
    pub const fn partitions(&self) -> u32 {
        PARTITIONS
    }
}

impl<K: Serde, V: Serde, const P: u32> Clone for Topic<K, V, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: Serde, V: Serde, const P: u32> Copy for Topic<K, V, P> {}

impl<K: Serde, V: Serde, const P: u32> fmt::Debug for Topic<K, V, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Topic<{}, {}, {P}>({:?})",
            K::name(),
            V::name(),
            self.name
        )
    }
}
