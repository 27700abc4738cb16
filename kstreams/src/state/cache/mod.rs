//! The record cache (seed 003 §5): [`ThreadCache`], the per-thread byte
//! budget shared by all caching stores, [`CachingKeyValueStore`], the
//! layer that deduplicates writes per key and forwards the latest value on
//! flush or eviction, and [`CachingWindowStore`] / [`CachingSessionStore`],
//! the same per (key, window) / (key, session) for window and session
//! stores.
//!
//! Owns: everything about caching. Must never: serialize or log to a
//! changelog (the layers around it do).

mod caching_session;
mod caching_store;
mod caching_window;
mod merge;
mod thread_cache;

#[cfg(test)]
mod tests;

pub(crate) use caching_session::CachingSessionStore;
pub(crate) use caching_store::{CacheFlushListener, CachingKeyValueStore, FlushedEntry};
pub(crate) use caching_window::CachingWindowStore;
pub(crate) use thread_cache::ThreadCache;
#[cfg(test)]
pub(crate) use thread_cache::CACHE_ENTRY_OVERHEAD_BYTES;
