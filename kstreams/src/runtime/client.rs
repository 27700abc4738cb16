//! State shared by a `KafkaStreams` client and its stream threads: the
//! client state, the listener, each thread's state, the error handler and
//! the shutdown flag.
//!
//! Invariant: the state listener is called with the transition lock held
//! (so listeners see transitions in order) but never with the state lock
//! held, so a listener may call `KafkaStreams::state()`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::error_handler::{StreamThreadExceptionResponse, UncaughtExceptionHandler};
use super::state::{State, ThreadState};
use crate::metrics::{ClientMetrics, StreamsMetrics};
use crate::Error;

/// The state listener type.
pub(crate) type StateListener = Arc<dyn Fn(State, State) + Send + Sync>;

/// Locks a mutex, ignoring poisoning (a panicked listener must not wedge
/// shutdown).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Shared between the client and its threads.
pub(crate) struct ClientShared {
    state: Mutex<State>,
    changed: Condvar,
    transition: Mutex<()>,
    listener: Mutex<Option<StateListener>>,
    handler: Mutex<Option<UncaughtExceptionHandler>>,
    threads: Mutex<Vec<ThreadState>>,
    shutdown: AtomicBool,
    last_error: Mutex<Option<String>>,
    /// Counts state transitions: interactive-query metadata read while
    /// RUNNING stays valid until the next one (`runtime::query::metadata`).
    transitions: AtomicU64,
    /// The instance's metrics registry (`crate::metrics`).
    pub(crate) metrics: Arc<StreamsMetrics>,
    /// `client-state`, `alive-stream-threads`, `failed-stream-threads`.
    client_metrics: ClientMetrics,
}

impl ClientShared {
    /// Shared state of the client `client_id` (the `client-id` tag of its
    /// metrics), reporting to `metrics`.
    pub(crate) fn new(metrics: Arc<StreamsMetrics>, client_id: &str) -> Arc<Self> {
        let client_metrics = ClientMetrics::new(&metrics, client_id);
        client_metrics.set_state(State::Created.ordinal());
        Arc::new(ClientShared {
            state: Mutex::new(State::Created),
            changed: Condvar::new(),
            transition: Mutex::new(()),
            listener: Mutex::new(None),
            handler: Mutex::new(None),
            threads: Mutex::new(Vec::new()),
            shutdown: AtomicBool::new(false),
            last_error: Mutex::new(None),
            transitions: AtomicU64::new(0),
            metrics,
            client_metrics,
        })
    }

    pub(crate) fn state(&self) -> State {
        *lock(&self.state)
    }

    /// The state and how many transitions led to it.
    pub(crate) fn state_and_transitions(&self) -> (State, u64) {
        let state = lock(&self.state);
        (*state, self.transitions.load(Ordering::SeqCst))
    }

    /// Moves to `next` if Kafka Streams allows it; returns whether it did.
    pub(crate) fn set_state(&self, next: State) -> bool {
        let _order = lock(&self.transition);
        let old = {
            let mut state = lock(&self.state);
            let old = *state;
            if !old.is_valid_transition(next) {
                return false;
            }
            *state = next;
            self.transitions.fetch_add(1, Ordering::SeqCst);
            old
        };
        self.changed.notify_all();
        self.client_metrics.set_state(next.ordinal());
        tracing::info!(from = %old, to = %next, "kafka streams state transition");
        let listener = lock(&self.listener).clone();
        if let Some(listener) = listener {
            listener(old, next);
        }
        true
    }

    /// Waits until `pred(state)` holds or `timeout` passes; returns whether it held.
    pub(crate) fn wait_for(&self, timeout: Duration, pred: impl Fn(State) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = lock(&self.state);
        while !pred(*state) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }

    pub(crate) fn set_listener(&self, listener: StateListener) {
        *lock(&self.listener) = Some(listener);
    }

    pub(crate) fn set_handler(&self, handler: UncaughtExceptionHandler) {
        *lock(&self.handler) = Some(handler);
    }

    /// Registers `count` threads, all Starting.
    pub(crate) fn register_threads(&self, count: usize) {
        *lock(&self.threads) = vec![ThreadState::Starting; count];
    }

    /// Records a thread's state and derives the client state from all threads'.
    pub(crate) fn set_thread_state(&self, index: usize, next: ThreadState) {
        let (rebalancing, all_running) = {
            let mut threads = lock(&self.threads);
            if let Some(t) = threads.get_mut(index) {
                *t = next;
            }
            let live: Vec<ThreadState> = threads
                .iter()
                .copied()
                .filter(|t| *t != ThreadState::Dead)
                .collect();
            self.client_metrics.set_alive_threads(live.len());
            (
                live.iter().any(|t| t.is_rebalancing()),
                !live.is_empty() && live.iter().all(|t| *t == ThreadState::Running),
            )
        };
        let current = self.state();
        if rebalancing && current == State::Running {
            self.set_state(State::Rebalancing);
        } else if all_running && current == State::Rebalancing {
            self.set_state(State::Running);
        }
    }

    /// Whether every thread has exited.
    pub(crate) fn all_threads_dead(&self) -> bool {
        lock(&self.threads).iter().all(|t| *t == ThreadState::Dead)
    }

    pub(crate) fn request_shutdown(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
    }

    pub(crate) fn shutdown_requested(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Asks the handler what to do about a thread's fatal error (default:
    /// shut the client down, as Kafka Streams).
    pub(crate) fn handle_uncaught(
        &self,
        thread: &str,
        error: &Error,
    ) -> StreamThreadExceptionResponse {
        tracing::error!(thread, %error, "stream thread failed");
        self.client_metrics.record_failed_thread();
        *lock(&self.last_error) = Some(format!("{thread}: {error}"));
        let handler = lock(&self.handler).clone();
        let response = handler.map_or(StreamThreadExceptionResponse::ShutdownClient, |h| h(error));
        if response == StreamThreadExceptionResponse::ShutdownClient {
            self.set_state(State::PendingError);
            self.request_shutdown();
        }
        response
    }

    /// The global thread failed: the client goes to PENDING_ERROR, its
    /// stream threads stop, and the last one out moves it to ERROR (at
    /// once if none runs). Kafka Streams likewise never replaces a failed
    /// global thread.
    pub(crate) fn global_thread_failed(&self, thread: &str, error: &Error) {
        tracing::error!(thread, %error, "global thread failed; shutting the client down");
        *lock(&self.last_error) = Some(format!("{thread}: {error}"));
        self.set_state(State::PendingError);
        self.request_shutdown();
        if self.all_threads_dead() {
            self.set_state(State::Error);
        }
    }

    /// Called by a thread as it exits: the last one out of PENDING_ERROR
    /// moves the client to ERROR.
    pub(crate) fn thread_exited(&self, index: usize) {
        self.set_thread_state(index, ThreadState::Dead);
        if self.all_threads_dead() && self.state() == State::PendingError {
            self.set_state(State::Error);
        }
    }

    /// The last error handed to the handler, if any.
    pub(crate) fn last_error(&self) -> Option<String> {
        lock(&self.last_error).clone()
    }
}
