//! [`HostInfo`]: the `host:port` of an instance's interactive-query
//! endpoint (`application.server`), as Kafka Streams' `HostInfo`.

use std::fmt;

/// Where an application instance answers interactive queries: the value
/// of its `application.server` setting.
///
/// ```
/// use kstreams::config::HostInfo;
///
/// let host: HostInfo = "app-1.internal:7070".parse()?;
/// assert_eq!((host.host(), host.port()), ("app-1.internal", 7070));
/// assert_eq!(host.to_string(), "app-1.internal:7070");
/// assert!("no-port".parse::<HostInfo>().is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostInfo {
    host: String,
    port: u16,
}

impl HostInfo {
    /// A host and port.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        HostInfo {
            host: host.into(),
            port,
        }
    }

    /// The host name or address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl fmt::Display for HostInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl std::str::FromStr for HostInfo {
    type Err = String;

    /// Parses `host:port` (`[v6-address]:port` for IPv6); the host must be
    /// non-empty and free of whitespace, `,`, `/` and `|`; the port 1–65535.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not `host:port` (e.g. `app-1.internal:7070`)");
        let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty()
            || host
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, ',' | '/' | '|' | '[' | ']'))
            || (host.contains(':') && !s.starts_with('['))
        {
            return Err(bad());
        }
        match port.parse::<u16>() {
            Ok(port) if port > 0 => Ok(HostInfo::new(host, port)),
            _ => Err(format!("`{s}`: the port must be a number from 1 to 65535")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HostInfo;

    #[test]
    fn parses_and_rejects() {
        assert_eq!("a:1".parse::<HostInfo>(), Ok(HostInfo::new("a", 1)));
        assert_eq!("[::1]:80".parse::<HostInfo>(), Ok(HostInfo::new("::1", 80)));
        assert_eq!(HostInfo::new("::1", 80).to_string(), "[::1]:80");
        for bad in [
            "", ":80", "a", "a:0", "a:70000", "a:x", "a b:1", "::1:80", "a|b:1",
        ] {
            assert!(bad.parse::<HostInfo>().is_err(), "{bad}");
        }
    }
}
