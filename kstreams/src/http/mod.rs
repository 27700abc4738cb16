//! A built-in HTTP endpoint for interactive queries (feature `http`):
//! [`QueryServer`] serves the stores you register, with JSON bodies, on
//! its own thread (a single-threaded tokio runtime; store reads run on
//! tokio's blocking pool), never on a stream thread.
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /stores/{store}/keys/{key}` | `{"key": .., "value": ..}` |
//! | `GET /stores/{store}/range?from=..&to=..` | `[{"key": .., "value": ..}, ..]`, this instance's partitions only |
//! | `GET /stores/{store}/windows/{key}?from=..&to=..` | `{"key": .., "windows": [{"start": .., "value": ..}, ..]}` |
//! | `GET /metrics` (feature `prometheus` too) | the instance's metrics in Prometheus' text format |
//!
//! A key another instance owns (per
//! [`KafkaStreams::query_metadata_for_key`]) is answered with
//! `307 Temporary Redirect` to the same path on the owner's
//! `application.server` (a redirect, not a proxy: the server needs no HTTP
//! client, and the caller sees who answered). Errors are JSON
//! `{"error": ".."}`: 400 for a key or time that does not parse or a
//! request the store kind cannot answer, 404 for a store not registered
//! or a key not found, 503 with `Retry-After: 1` while the instance
//! rebalances, restores or has not started, 500 otherwise.
//!
//! Keys travel as text: a store is registered with its serdes, and its
//! key type must implement `FromStr` (to read the path) and
//! `serde::Serialize` (to answer), its value type `serde::Serialize`.
//!
//! Must never: block a stream thread, or panic on input.

mod endpoint;

use std::collections::HashMap;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kstreams_serde::Serde;
use serde_json::{json, Value};

use crate::{Error, KafkaStreams, Result};
use endpoint::{KeyValueEndpoint, StoreEndpoint, WindowEndpoint};

/// Why a request failed, as an HTTP status.
#[derive(Debug)]
pub(crate) enum HttpError {
    BadRequest(String),
    NotFound(String),
    Unavailable(String),
    Internal(String),
}

impl From<Error> for HttpError {
    fn from(e: Error) -> Self {
        use crate::error::InvalidStateStore as I;
        match &e {
            Error::InvalidStateStore(I::UnknownStore { .. }) => HttpError::NotFound(e.to_string()),
            Error::InvalidStateStore(i) if i.is_retriable() => {
                HttpError::Unavailable(e.to_string())
            }
            Error::InvalidStateStore(I::NotStarted { .. }) => HttpError::Unavailable(e.to_string()),
            Error::InvalidStateStore(I::WrongType { .. }) => HttpError::Internal(e.to_string()),
            Error::InvalidStateStore(_) => HttpError::Unavailable(e.to_string()),
            _ => HttpError::Internal(e.to_string()),
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            HttpError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            HttpError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            HttpError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, m),
            HttpError::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, m),
        };
        let mut response = (status, Json(json!({ "error": message }))).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// Registers queryable stores, then serves them: see the module docs.
///
/// ```no_run
/// use std::sync::Arc;
/// use kstreams::http::QueryServer;
/// use kstreams::serde::I64;
/// # fn demo(streams: Arc<kstreams::KafkaStreams>) -> kstreams::Result<()> {
/// let server = QueryServer::new(streams)
///     .key_value::<String, I64>("counts")
///     .start("0.0.0.0:7070")?;
/// println!("serving on {}", server.local_addr());
/// # Ok(()) }
/// ```
pub struct QueryServer {
    streams: Arc<KafkaStreams>,
    stores: HashMap<String, Arc<dyn StoreEndpoint>>,
}

impl std::fmt::Debug for QueryServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryServer")
            .field("stores", &self.stores.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl QueryServer {
    /// A server for `streams` serving no store yet.
    pub fn new(streams: Arc<KafkaStreams>) -> Self {
        QueryServer {
            streams,
            stores: HashMap::new(),
        }
    }

    /// Serves key/value store `name` (serdes `KS`, `VS`) at
    /// `/stores/{name}/keys/{key}` and `/stores/{name}/range`.
    pub fn key_value<KS, VS>(mut self, name: &str) -> Self
    where
        KS: Serde + 'static,
        VS: Serde + 'static,
        KS::Target: FromStr + serde::Serialize,
        VS::Target: serde::Serialize,
    {
        let endpoint = KeyValueEndpoint::<KS, VS> {
            name: name.to_owned(),
            _serdes: PhantomData,
        };
        self.stores.insert(name.to_owned(), Arc::new(endpoint));
        self
    }

    /// Serves window store `name` (serdes `KS`, `VS`) at
    /// `/stores/{name}/windows/{key}?from=..&to=..` (window starts, epoch ms).
    pub fn window_store<KS, VS>(mut self, name: &str) -> Self
    where
        KS: Serde + 'static,
        VS: Serde + 'static,
        KS::Target: FromStr + serde::Serialize,
        VS::Target: serde::Serialize,
    {
        let endpoint = WindowEndpoint::<KS, VS> {
            name: name.to_owned(),
            _serdes: PhantomData,
        };
        self.stores.insert(name.to_owned(), Arc::new(endpoint));
        self
    }

    /// Binds `addr` (e.g. the `application.server` port on `0.0.0.0`) and
    /// serves on a new thread until the handle is dropped or shut down.
    pub fn start(self, addr: &str) -> Result<QueryServerHandle> {
        let listener = std::net::TcpListener::bind(addr)
            .map_err(|e| Error::io(format!("binding the query server to {addr}"), e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::io("configuring the query server socket", e))?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| Error::io("reading the query server address", e))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .map_err(|e| Error::io("starting the query server runtime", e))?;
        let app = Router::new()
            .route("/stores/{store}/keys/{key}", get(get_key))
            .route("/stores/{store}/range", get(get_range))
            .route("/stores/{store}/windows/{key}", get(get_windows));
        #[cfg(feature = "prometheus")]
        let app = app.route("/metrics", get(get_metrics));
        let app = app.with_state(Arc::new(self));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("kstreams-query-server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::error!(error = %e, "query server: cannot use its socket");
                            return;
                        }
                    };
                    let served = axum::serve(listener, app)
                        .with_graceful_shutdown(async move {
                            let _ = stop_rx.await;
                        })
                        .await;
                    if let Err(e) = served {
                        tracing::error!(error = %e, "query server stopped");
                    }
                });
            })
            .map_err(|e| Error::io("spawning the query server thread", e))?;
        Ok(QueryServerHandle {
            local_addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    fn store(&self, name: &str) -> std::result::Result<Arc<dyn StoreEndpoint>, HttpError> {
        self.stores.get(name).cloned().ok_or_else(|| {
            let mut known: Vec<&String> = self.stores.keys().collect();
            known.sort();
            HttpError::NotFound(format!(
                "store `{name}` is not served here (served: {})",
                known.into_iter().cloned().collect::<Vec<_>>().join(", ")
            ))
        })
    }
}

/// A running [`QueryServer`]; dropping it stops the server.
#[derive(Debug)]
pub struct QueryServerHandle {
    local_addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl QueryServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting requests, finishes the open ones and joins the thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for QueryServerHandle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

type Server = Arc<QueryServer>;
type Answer = std::result::Result<Response, HttpError>;

/// `GET /metrics`: the instance's metrics in Prometheus' text format.
#[cfg(feature = "prometheus")]
async fn get_metrics(State(server): State<Server>) -> Response {
    let text = crate::metrics::prometheus::render(&server.streams.metrics());
    (
        [(
            header::CONTENT_TYPE,
            crate::metrics::prometheus::CONTENT_TYPE,
        )],
        text,
    )
        .into_response()
}

/// Runs a blocking store read off the runtime thread.
async fn blocking(f: impl FnOnce() -> Answer + Send + 'static) -> Answer {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(HttpError::Internal(format!("the query failed: {e}"))))
}

/// Redirects to the owner of `key`, or answers with `local`.
fn routed(
    server: &QueryServer,
    store: &dyn StoreEndpoint,
    key: &str,
    uri: &Uri,
    local: impl FnOnce() -> std::result::Result<Value, HttpError>,
) -> Answer {
    if let Some(owner) = store.owner(&server.streams, key)? {
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let location = HeaderValue::from_str(&format!("http://{owner}{path}"))
            .map_err(|e| HttpError::Internal(format!("bad redirect location: {e}")))?;
        let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
        response.headers_mut().insert(header::LOCATION, location);
        return Ok(response);
    }
    Ok(Json(local()?).into_response())
}

async fn get_key(
    State(server): State<Server>,
    Path((store, key)): Path<(String, String)>,
    uri: Uri,
) -> Answer {
    blocking(move || {
        let endpoint = server.store(&store)?;
        routed(&server, endpoint.as_ref(), &key, &uri, || {
            endpoint.get(&server.streams, &key)
        })
    })
    .await
}

async fn get_range(
    State(server): State<Server>,
    Path(store): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Answer {
    blocking(move || {
        let endpoint = server.store(&store)?;
        let (Some(from), Some(to)) = (params.get("from"), params.get("to")) else {
            return Err(HttpError::BadRequest(
                "range needs both `from` and `to` query parameters".into(),
            ));
        };
        Ok(Json(endpoint.range(&server.streams, from, to)?).into_response())
    })
    .await
}

async fn get_windows(
    State(server): State<Server>,
    Path((store, key)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    uri: Uri,
) -> Answer {
    blocking(move || {
        let endpoint = server.store(&store)?;
        let time = |name: &str, default: i64| match params.get(name) {
            None => Ok(default),
            Some(t) => t.parse::<i64>().map_err(|_| {
                HttpError::BadRequest(format!("`{name}={t}` is not a time in epoch milliseconds"))
            }),
        };
        let (from, to) = (time("from", 0)?, time("to", i64::MAX)?);
        routed(&server, endpoint.as_ref(), &key, &uri, || {
            endpoint.windows(&server.streams, &key, from, to)
        })
    })
    .await
}
