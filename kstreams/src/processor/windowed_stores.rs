//! Window and session stores as a task holds them: the type-erased
//! [`TaskStore`] behind each, the [`StoreFactory`] of their builders, and
//! the typed handles nodes take ([`TaskStores::window`],
//! [`TaskStores::session`]).
//!
//! A window or session store may have a record cache
//! (`state::CachingWindowStore`, `state::CachingSessionStore`): what it
//! writes down is queued and forwarded as for key/value stores
//! (`FlushQueue`, by the forwarder its node sets). Without one, the node
//! that owns the store forwards its updates itself.

use std::any::Any;
use std::sync::Arc;

use kstreams_serde::Serde;

use crate::processor::node::NodeCx;
use crate::processor::stores::{FlushQueue, Forwarder, StoreFactory, TaskStore, TaskStores};
use crate::state::{
    RestoreRecord, SessionStoreBuilder, SessionStoreHandle, StoreContext, StoreKind,
    WindowStoreBuilder, WindowStoreHandle,
};
use crate::{Error, Result};

/// A window store of one task.
pub(crate) struct WindowTaskStore<KS: Serde, VS: Serde> {
    name: String,
    handle: WindowStoreHandle<KS, VS>,
    queue: FlushQueue,
}

/// A session store of one task.
pub(crate) struct SessionTaskStore<KS: Serde, VS: Serde> {
    name: String,
    handle: SessionStoreHandle<KS, VS>,
    queue: FlushQueue,
}

/// `TaskStore` for a window or session store: flush, close and restore go
/// to its bytes stack; what its record cache writes down is queued and
/// forwarded (`FlushQueue`).
macro_rules! windowed_task_store {
    ($store:ident, $kind:literal, $handle:ident) => {
        impl<KS: Serde, VS: Serde> $store<KS, VS> {
            /// The typed handle (interactive queries).
            pub(crate) fn handle(&self) -> $handle<KS, VS> {
                self.handle.clone()
            }
        }

        impl<KS: Serde, VS: Serde> TaskStore for $store<KS, VS> {
            fn describe(&self) -> String {
                format!(
                    concat!("a ", $kind, " store with serdes ({}, {})"),
                    KS::name(),
                    VS::name()
                )
            }
            fn name(&self) -> &str {
                &self.name
            }
            fn flush_cache(&self) -> Result<()> {
                self.handle.lock().bytes_store_mut().flush_cache()
            }
            fn flush(&self) -> Result<()> {
                self.handle.lock().bytes_store_mut().flush()
            }
            fn flush_evicted(&self) -> Result<()> {
                self.handle.lock().bytes_store_mut().flush_evicted()
            }
            fn close(&self) -> Result<()> {
                self.handle.lock().bytes_store_mut().close()
            }
            fn restore_batch(&self, records: &[RestoreRecord<'_>]) -> Result<()> {
                let mut store = self.handle.lock();
                let start = store.metrics().restore.start();
                let restored = store.bytes_store_mut().restore_batch(records);
                store.metrics().restore.record(start, 1);
                restored
            }
            fn set_forwarder(&self, forwarder: Forwarder) {
                self.queue.set_forwarder(forwarder);
            }
            fn forward_flushed(&self, cx: &mut NodeCx<'_>) -> Result<bool> {
                self.queue.forward(cx)
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }
    };
}

windowed_task_store!(WindowTaskStore, "window", WindowStoreHandle);
windowed_task_store!(SessionTaskStore, "session", SessionStoreHandle);

impl<KS: Serde, VS: Serde> StoreFactory for WindowStoreBuilder<KS, VS> {
    fn name(&self) -> &str {
        WindowStoreBuilder::name(self)
    }
    fn logged(&self) -> bool {
        self.logging_enabled()
    }
    fn persistent(&self) -> bool {
        self.kind() == StoreKind::RocksDb
    }
    fn build(&self, ctx: &StoreContext) -> Result<Arc<dyn TaskStore>> {
        let queue = FlushQueue::default();
        let store = self.build_with_listener(ctx, Some(queue.listener()))?;
        Ok(Arc::new(WindowTaskStore {
            name: WindowStoreBuilder::name(self).to_owned(),
            handle: WindowStoreHandle::new(store),
            queue,
        }))
    }
}

impl<KS: Serde, VS: Serde> StoreFactory for SessionStoreBuilder<KS, VS> {
    fn name(&self) -> &str {
        SessionStoreBuilder::name(self)
    }
    fn logged(&self) -> bool {
        self.logging_enabled()
    }
    fn persistent(&self) -> bool {
        self.kind() == StoreKind::RocksDb
    }
    fn build(&self, ctx: &StoreContext) -> Result<Arc<dyn TaskStore>> {
        let queue = FlushQueue::default();
        let store = self.build_with_listener(ctx, Some(queue.listener()))?;
        Ok(Arc::new(SessionTaskStore {
            name: SessionStoreBuilder::name(self).to_owned(),
            handle: SessionStoreHandle::new(store),
            queue,
        }))
    }
}

impl TaskStores {
    /// The store `name` connected to `node`, downcast to `T`; `kind` names
    /// the store kind and serdes in the error.
    fn typed<T: 'static>(
        &self,
        node: &str,
        name: &str,
        kind: impl FnOnce() -> String,
    ) -> Result<&T> {
        self.check_connected(node, name)?;
        let store = self.get(name).ok_or_else(|| {
            Error::IllegalState(format!("store `{name}` was not built for this task"))
        })?;
        store
            .as_any()
            .downcast_ref::<T>()
            .ok_or_else(|| Error::Processing {
                node: node.to_owned(),
                message: format!(
                    "store `{name}` is not {}; use the kind and serdes it was declared with",
                    kind()
                ),
            })
    }

    /// A typed handle on window store `name` for node `node`.
    pub(crate) fn window<KS: Serde, VS: Serde>(
        &self,
        node: &str,
        name: &str,
    ) -> Result<WindowStoreHandle<KS, VS>> {
        self.typed::<WindowTaskStore<KS, VS>>(node, name, || {
            format!(
                "a window store with serdes ({}, {})",
                KS::name(),
                VS::name()
            )
        })
        .map(|s| s.handle.clone())
    }

    /// A typed handle on session store `name` for node `node`.
    pub(crate) fn session<KS: Serde, VS: Serde>(
        &self,
        node: &str,
        name: &str,
    ) -> Result<SessionStoreHandle<KS, VS>> {
        self.typed::<SessionTaskStore<KS, VS>>(node, name, || {
            format!(
                "a session store with serdes ({}, {})",
                KS::name(),
                VS::name()
            )
        })
        .map(|s| s.handle.clone())
    }
}
