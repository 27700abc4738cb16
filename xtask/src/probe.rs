//! Is a Kafka broker answering? A Metadata request (v4, the oldest version
//! Kafka 4 still accepts) written by hand over TCP, so xtask needs no Kafka
//! client. A broker is "up" when it answers with at least one broker.
//!
//! Wire format (Kafka protocol guide): a request is `int32 size` then the
//! header v1 (`int16 api_key`, `int16 api_version`, `int32 correlation_id`,
//! `string client_id`) then the body; Metadata v4's body is a nullable array
//! of topic names (`int32` count, empty here) and `bool
//! allow_auto_topic_creation`. The response is `int32 size`, `int32
//! correlation_id`, `int32 throttle_time_ms`, then the broker array.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

const METADATA: i16 = 3;
const CORRELATION_ID: i32 = 0x6b73_7472;

/// What is at an address.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Probe {
    /// Nothing accepts connections.
    Closed,
    /// Something accepts connections but does not answer like Kafka.
    NotKafka(String),
    /// A Kafka broker answered a Metadata request listing this many brokers.
    Kafka { brokers: i32 },
}

/// Probes `host:port` with a Metadata request, within about `timeout`.
pub(crate) fn probe(addr: &str, timeout: Duration) -> Probe {
    let Some(sock) = resolve(addr) else {
        return Probe::Closed;
    };
    let mut stream = match TcpStream::connect_timeout(&sock, timeout) {
        Ok(s) => s,
        Err(_) => return Probe::Closed,
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    match metadata_round_trip(&mut stream) {
        Ok(brokers) => Probe::Kafka { brokers },
        Err(why) => Probe::NotKafka(why),
    }
}

/// The first address of a comma-separated bootstrap list.
fn resolve(addr: &str) -> Option<SocketAddr> {
    let first = addr.split(',').next()?.trim();
    first.to_socket_addrs().ok()?.next()
}

fn metadata_round_trip(stream: &mut TcpStream) -> Result<i32, String> {
    let client_id = b"kstreams-xtask";
    let mut body = Vec::new();
    body.extend_from_slice(&METADATA.to_be_bytes());
    body.extend_from_slice(&4i16.to_be_bytes());
    body.extend_from_slice(&CORRELATION_ID.to_be_bytes());
    body.extend_from_slice(&(client_id.len() as i16).to_be_bytes());
    body.extend_from_slice(client_id);
    body.extend_from_slice(&0i32.to_be_bytes()); // no topics
    body.push(0); // allow_auto_topic_creation = false
    let mut request = (body.len() as i32).to_be_bytes().to_vec();
    request.extend_from_slice(&body);
    stream
        .write_all(&request)
        .map_err(|e| format!("write: {e}"))?;

    let mut size = [0u8; 4];
    stream
        .read_exact(&mut size)
        .map_err(|e| format!("read: {e}"))?;
    let size = i32::from_be_bytes(size);
    if !(12..=16 << 20).contains(&size) {
        return Err(format!("answer of implausible size {size}"));
    }
    let mut answer = vec![0u8; size as usize];
    stream
        .read_exact(&mut answer)
        .map_err(|e| format!("read: {e}"))?;
    let int = |at: usize| {
        answer
            .get(at..at + 4)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    if int(0) != Some(CORRELATION_ID) {
        return Err("answer does not echo the request's correlation id".into());
    }
    int(8).ok_or_else(|| "answer too short".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn closed_port_is_closed() {
        // Bind then drop to get a port nobody listens on.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port());
        let port = port.expect("bind an ephemeral port");
        assert_eq!(
            probe(&format!("127.0.0.1:{port}"), Duration::from_millis(300)),
            Probe::Closed
        );
    }

    #[test]
    fn silent_listener_is_not_kafka() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().expect("accept");
            conn.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n")
                .expect("write");
        });
        let got = probe(&addr.to_string(), Duration::from_millis(500));
        server.join().expect("server thread");
        assert!(matches!(got, Probe::NotKafka(_)), "got {got:?}");
    }
}
