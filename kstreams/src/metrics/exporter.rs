//! [`PrometheusServer`]: a minimal HTTP endpoint serving `GET /metrics` in
//! Prometheus' text format (feature `prometheus`), on its own thread with
//! the standard library only, for applications without the `http`
//! feature's `QueryServer` (which serves the same at `/metrics`).
//!
//! Must never: block a stream thread (it only reads the registry's
//! snapshot) or panic on a malformed request (it answers 400 or closes).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::prometheus::{render, CONTENT_TYPE};
use super::StreamsMetrics;
use crate::error::{Error, Result};

/// A running `/metrics` endpoint; dropping it stops the server.
///
/// ```no_run
/// use kstreams::metrics::PrometheusServer;
/// # fn demo(streams: &kstreams::KafkaStreams) -> kstreams::Result<()> {
/// let server = PrometheusServer::start(streams.streams_metrics().clone(), "0.0.0.0:9464")?;
/// println!("scrape http://{}/metrics", server.local_addr());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct PrometheusServer {
    local_addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl PrometheusServer {
    /// Binds `addr` and serves `metrics` until the server is dropped.
    pub fn start(metrics: Arc<StreamsMetrics>, addr: &str) -> Result<PrometheusServer> {
        let listener = TcpListener::bind(addr)
            .map_err(|e| Error::io(format!("binding the metrics endpoint to {addr}"), e))?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| Error::io("reading the metrics endpoint address", e))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("kstreams-metrics-endpoint".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopped.load(Ordering::SeqCst) {
                        break;
                    }
                    match stream {
                        Ok(stream) => {
                            if let Err(e) = answer(stream, &metrics) {
                                tracing::debug!(error = %e, "metrics endpoint: request failed");
                            }
                        }
                        Err(e) => tracing::debug!(error = %e, "metrics endpoint: accept failed"),
                    }
                }
            })
            .map_err(|e| Error::io("spawning the metrics endpoint thread", e))?;
        Ok(PrometheusServer {
            local_addr,
            stop,
            thread: Some(thread),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the blocking accept.
        let _ = TcpStream::connect_timeout(&self.local_addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(stream: TcpStream, metrics: &StreamsMetrics) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.by_ref().take(8192).read_line(&mut request_line)?;
    // Skip the headers (a GET has no body).
    let mut line = String::new();
    while reader.by_ref().take(8192).read_line(&mut line)? > 0 && !line.trim_end().is_empty() {
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (status, content_type, body) = match (parts.next(), parts.next()) {
        (Some("GET"), Some(path)) if path == "/metrics" || path.starts_with("/metrics?") => {
            ("200 OK", CONTENT_TYPE, render(&metrics.snapshot()))
        }
        (Some(_), Some(_)) => (
            "404 Not Found",
            "text/plain",
            "only /metrics is served here\n".to_owned(),
        ),
        _ => ("400 Bad Request", "text/plain", "bad request\n".to_owned()),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = TcpStream::connect(addr).expect("connect");
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        out
    }

    #[test]
    fn serves_the_snapshot_at_metrics_only() {
        let registry = Arc::new(StreamsMetrics::default());
        let metrics = crate::metrics::ThreadMetrics::new(registry.clone(), "t-1");
        metrics.record_commit(Duration::from_millis(1), 1);
        let server = PrometheusServer::start(registry, "127.0.0.1:0").expect("start");
        let ok = get(server.local_addr(), "/metrics");
        assert!(ok.starts_with("HTTP/1.1 200 OK"), "{ok}");
        assert!(
            ok.contains("kstreams_stream_thread_commit_total{thread_id=\"t-1\"} 1\n"),
            "{ok}"
        );
        let missing = get(server.local_addr(), "/other");
        assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    }
}
