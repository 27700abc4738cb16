//! The folds behind Kafka Streams' `count`, `reduce` and `aggregate`: one
//! input value into the previous result of its key (or of its key's
//! window or session), `None` when there is none yet. Every grouped and
//! windowed stream's aggregations use these, so the three operators mean
//! the same everywhere.

/// `count`: the previous count plus one.
pub(crate) fn count<K, V>(_key: &K, _value: V, old: Option<i64>) -> i64 {
    old.unwrap_or(0) + 1
}

/// `reduce`: the first value as is, then `reducer(result, value)`.
pub(crate) fn reduce<K, V>(
    reducer: impl Fn(V, V) -> V + Send + Sync + 'static,
) -> impl Fn(&K, V, Option<V>) -> V + Send + Sync + 'static {
    move |_, value, old| match old {
        Some(result) => reducer(result, value),
        None => value,
    }
}

/// `aggregate`: `aggregator(key, value, result)`, starting from
/// `initializer()`.
pub(crate) fn aggregate<K, V, A>(
    initializer: impl Fn() -> A + Send + Sync + 'static,
    aggregator: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
) -> impl Fn(&K, V, Option<A>) -> A + Send + Sync + 'static {
    move |key, value, old| aggregator(key, value, old.unwrap_or_else(&initializer))
}
