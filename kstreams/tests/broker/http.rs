//! A minimal HTTP/1.1 client for the interactive-query tests: plain GETs
//! over a `TcpStream`, one redirect followed, and free local ports.

use std::io::{Read, Write};
use std::net::TcpStream;

/// A plain HTTP/1.1 GET: (status, lower-cased headers, body).
pub fn http_get(addr: &str, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// A GET that may fail to connect (an instance not listening yet, or
/// killed): `None` then.
pub fn try_http_get(addr: &str, path: &str) -> Option<(u16, String, String)> {
    TcpStream::connect(addr).ok()?;
    Some(http_get(addr, path))
}

/// Follows one redirect; returns the final (status, body) and whether it redirected.
pub fn get_following(addr: &str, path: &str) -> (u16, String, bool) {
    let (status, head, body) = http_get(addr, path);
    if status != 307 {
        return (status, body, false);
    }
    let location = head
        .lines()
        .find_map(|l| l.strip_prefix("location: "))
        .expect("location header")
        .trim()
        .to_owned();
    let rest = location.strip_prefix("http://").expect("http location");
    let (host, path) = rest.split_at(rest.find('/').expect("path"));
    let (status, _, body) = http_get(host, path);
    (status, body, true)
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
