//! The value of option 67 (`SyslogServer`): where an agent sends its
//! events.
//!
//! | Value | Transport | Port |
//! |---|---|---|
//! | `host`, `host:port` | UDP (RFC 5426) | 514 |
//! | `udp://host[:port]` | UDP | 514 |
//! | `tcp://host[:port]` | TCP, octet counting (RFC 6587) | 514 |
//! | `tls://host[:port]` | TLS (RFC 5425) | 6514 |
//!
//! `host` is a DNS name, an IPv4 address or an IPv6 address; an IPv6
//! address with a port is in brackets (`[2001:db8::1]:1514`), a bare one
//! (`2001:db8::1`) is the address with the default port. Schemes are
//! case-insensitive; nothing may follow the port (no path, no query).
//! Pure: no lookup, no IO.

use std::fmt;
use std::net::Ipv6Addr;

/// How messages travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyslogTransport {
    Udp,
    Tcp,
    Tls,
}

impl SyslogTransport {
    /// The port used when the value names none.
    pub fn default_port(self) -> u16 {
        match self {
            SyslogTransport::Udp | SyslogTransport::Tcp => 514,
            SyslogTransport::Tls => 6514,
        }
    }

    pub fn scheme(self) -> &'static str {
        match self {
            SyslogTransport::Udp => "udp",
            SyslogTransport::Tcp => "tcp",
            SyslogTransport::Tls => "tls",
        }
    }
}

/// A parsed option 67.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SyslogServer {
    pub transport: SyslogTransport,
    /// A DNS name or an IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
}

impl fmt::Display for SyslogServer {
    /// The canonical form: `udp://host:514`, `tls://[::1]:6514`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = self.transport.scheme();
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}

/// Why a value is not a syslog server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyslogServerError {
    #[error("is empty; expected `host`, `host:port` or `udp://`, `tcp://`, `tls://host[:port]`")]
    Empty,
    #[error("holds a space or a control character")]
    Whitespace,
    #[error("scheme `{0}` is not one of `udp`, `tcp`, `tls`")]
    Scheme(String),
    #[error("names no host")]
    NoHost,
    #[error("`{0}` is not a host name or an IP address")]
    Host(String),
    #[error("port `{0}` is not a number from 1 to 65535")]
    Port(String),
    #[error("`{0}` follows the port; a syslog server has no path or query")]
    Trailing(String),
}

/// Parses option 67's value.
pub fn parse_syslog_server(value: &str) -> Result<SyslogServer, SyslogServerError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(SyslogServerError::Empty);
    }
    if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(SyslogServerError::Whitespace);
    }
    let (transport, rest) = match v.split_once("://") {
        Some((scheme, rest)) => {
            let t = match scheme.to_ascii_lowercase().as_str() {
                "udp" => SyslogTransport::Udp,
                "tcp" => SyslogTransport::Tcp,
                "tls" => SyslogTransport::Tls,
                _ => return Err(SyslogServerError::Scheme(scheme.to_owned())),
            };
            (t, rest)
        }
        None => (SyslogTransport::Udp, v),
    };
    // A URL may end with one `/`; anything more is a path.
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if let Some(i) = rest.find(['/', '?', '#']) {
        let tail = rest.get(i..).unwrap_or_default();
        return Err(SyslogServerError::Trailing(tail.to_owned()));
    }
    let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
        let Some((addr, after)) = inner.split_once(']') else {
            return Err(SyslogServerError::Host(rest.to_owned()));
        };
        if addr.parse::<Ipv6Addr>().is_err() {
            return Err(SyslogServerError::Host(addr.to_owned()));
        }
        let port = match after {
            "" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => return Err(SyslogServerError::Trailing(p.to_owned())),
            },
        };
        (addr, port)
    } else if rest.matches(':').count() > 1 {
        // A bare IPv6 address: no port can be told from its last group.
        if rest.parse::<Ipv6Addr>().is_err() {
            return Err(SyslogServerError::Host(rest.to_owned()));
        }
        (rest, None)
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    if host.is_empty() {
        return Err(SyslogServerError::NoHost);
    }
    if !host.contains(':') && !is_host_name(host) {
        return Err(SyslogServerError::Host(host.to_owned()));
    }
    let port = match port {
        None => transport.default_port(),
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return Err(SyslogServerError::Port(p.to_owned())),
        },
    };
    Ok(SyslogServer {
        transport,
        host: host.to_owned(),
        port,
    })
}

/// A DNS name or IPv4 address: labels of letters, digits, `-` and `_`
/// (Windows names have them), 1–63 bytes, not starting or ending with
/// `-`; 253 bytes at most.
fn is_host_name(h: &str) -> bool {
    let h = h.strip_suffix('.').unwrap_or(h);
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        let got = match parse_syslog_server(input) {
            Ok(s) => s.to_string(),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expect, "for `{input}`");
    }

    #[test]
    fn good_values() {
        check("siem", "udp://siem:514");
        check(" siem.example.org ", "udp://siem.example.org:514");
        check("siem:1514", "udp://siem:1514");
        check("10.0.0.5", "udp://10.0.0.5:514");
        check("10.0.0.5:5140", "udp://10.0.0.5:5140");
        check("udp://siem", "udp://siem:514");
        check("TCP://siem", "tcp://siem:514");
        check("tcp://siem:601/", "tcp://siem:601");
        check("tls://siem", "tls://siem:6514");
        check("tls://siem:10514", "tls://siem:10514");
        check("2001:db8::1", "udp://[2001:db8::1]:514");
        check("[2001:db8::1]", "udp://[2001:db8::1]:514");
        check("tls://[::1]:6515", "tls://[::1]:6515");
        check("WIN_SIEM01", "udp://WIN_SIEM01:514");
    }

    #[test]
    fn bad_values() {
        check(
            "",
            "error: is empty; expected `host`, `host:port` or `udp://`, `tcp://`, `tls://host[:port]`",
        );
        check("siem 514", "error: holds a space or a control character");
        check(
            "http://siem",
            "error: scheme `http` is not one of `udp`, `tcp`, `tls`",
        );
        check("tcp://", "error: names no host");
        check(":514", "error: names no host");
        check("siem:", "error: port `` is not a number from 1 to 65535");
        check("siem:0", "error: port `0` is not a number from 1 to 65535");
        check(
            "siem:70000",
            "error: port `70000` is not a number from 1 to 65535",
        );
        check(
            "siem:+514",
            "error: port `+514` is not a number from 1 to 65535",
        );
        check(
            "tcp://siem:514/logs",
            "error: `/logs` follows the port; a syslog server has no path or query",
        );
        check(
            "siem?x=1",
            "error: `?x=1` follows the port; a syslog server has no path or query",
        );
        check(
            "si!em",
            "error: `si!em` is not a host name or an IP address",
        );
        check(
            "-siem",
            "error: `-siem` is not a host name or an IP address",
        );
        check(
            "[siem]:514",
            "error: `siem` is not a host name or an IP address",
        );
        check(
            "[::1]x",
            "error: `x` follows the port; a syslog server has no path or query",
        );
        check(
            "a:b:c",
            "error: `a:b:c` is not a host name or an IP address",
        );
        check("[::1", "error: `[::1` is not a host name or an IP address");
    }

    proptest::proptest! {
        /// Any text is a value or an error, never a panic; a value prints
        /// to a form that parses to itself.
        #[test]
        fn never_panics_and_round_trips(s in "\\PC{0,40}") {
            if let Ok(v) = parse_syslog_server(&s) {
                proptest::prop_assert_eq!(parse_syslog_server(&v.to_string()), Ok(v));
            }
        }
    }
}
