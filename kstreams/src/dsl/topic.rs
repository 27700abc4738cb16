//! [`Topic`]: a Kafka topic with its serdes and partition count in its type.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

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
///
/// // A name read from configuration keeps the compile-time partition count.
/// let prefix = std::env::var("TOPIC_PREFIX").unwrap_or_else(|_| "staging".to_owned());
/// let payments: Topic<String, Json<serde_json::Value>, 4> = Topic::named(format!("{prefix}-payments"));
/// assert_eq!(payments.name(), "staging-payments");
/// ```
///
/// Topics are cheap to clone (a named topic shares its name); constants are
/// used by value, a topic made at run time is passed as `topic.clone()`
/// where it is used twice.
// No bounds on the struct: a type without a serde is reported once, at
// `Topic::new`, not once per mention of the type.
pub struct Topic<K, V, const PARTITIONS: u32> {
    name: Name,
    _serdes: PhantomData<fn() -> (K, V)>,
}

/// A topic's name: a literal, or a string made at run time.
#[derive(Clone)]
enum Name {
    Static(&'static str),
    Shared(Arc<str>),
}

impl<K: Serde, V: Serde, const PARTITIONS: u32> Topic<K, V, PARTITIONS> {
    /// The topic named `name`. `PARTITIONS` must be at least 1 (a compile
    /// error otherwise, when used in a constant).
    pub const fn new(name: &'static str) -> Self {
        const { assert!(PARTITIONS > 0, "a topic has at least one partition") };
        Topic {
            name: Name::Static(name),
            _serdes: PhantomData,
        }
    }

    /// The topic named `name`, known only at run time (for example read
    /// from the service's configuration). The partition count is still
    /// part of the type and checked against the broker at start-up.
    pub fn named(name: impl Into<String>) -> Self {
        const { assert!(PARTITIONS > 0, "a topic has at least one partition") };
        Topic {
            name: Name::Shared(Arc::from(name.into())),
            _serdes: PhantomData,
        }
    }

    /// The topic's name.
    pub fn name(&self) -> &str {
        match &self.name {
            Name::Static(name) => name,
            Name::Shared(name) => name,
        }
    }

    /// The same topic read or written with other serdes (e.g. a table's
    /// source reading tombstones as `Option`).
    pub(crate) fn with_serdes<K2: Serde, V2: Serde>(&self) -> Topic<K2, V2, PARTITIONS> {
        Topic {
            name: self.name.clone(),
            _serdes: PhantomData,
        }
    }

    /// The declared partition count.
    pub const fn partitions(&self) -> u32 {
        PARTITIONS
    }
}

impl<K: Serde, V: Serde, const P: u32> Clone for Topic<K, V, P> {
    fn clone(&self) -> Self {
        Topic {
            name: self.name.clone(),
            _serdes: PhantomData,
        }
    }
}

impl<K: Serde, V: Serde, const P: u32> fmt::Debug for Topic<K, V, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Topic<{}, {}, {P}>({:?})",
            K::name(),
            V::name(),
            self.name()
        )
    }
}
