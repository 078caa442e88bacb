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
//! case-insensitive; no path may follow the port.
//!
//! A query may follow any form, each parameter at most once, names and
//! values case-insensitive (`tcp://siem:6514?format=json&facility=local0`):
//!
//! | Parameter | Values | Default |
//! |---|---|---|
//! | `format` | `cef`, `json` (the payload: CEF, or the alert as JSON) | `cef` |
//! | `facility` | an RFC 5424 facility by name (`kern` … `local7`, as the server's syslog sinks name them) or number (0–23) | `local4` (20) |
//!
//! Anything else in the query is refused, so that a misspelt parameter is
//! not silently ignored. Pure: no lookup, no IO.

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

/// What a message carries after its RFC 5424 header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SyslogFormat {
    /// ArcSight CEF, as the server's syslog sinks send by default.
    #[default]
    Cef,
    /// The alert as one JSON object (the server sinks' `payload: json`).
    Json,
}

impl SyslogFormat {
    pub fn name(self) -> &'static str {
        match self {
            SyslogFormat::Cef => "cef",
            SyslogFormat::Json => "json",
        }
    }
}

/// The names of the facilities 0 to 23 (RFC 5424 §6.2.1), spelt as the
/// server's syslog sinks spell them (`cordon-alert`'s `Facility`; the
/// agent's tests check that the two agree).
pub const FACILITY_NAMES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris_cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

/// A syslog facility, 0 to 23; `local4` (20) by default, what the agent
/// has always used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SyslogFacility(u8);

impl Default for SyslogFacility {
    fn default() -> Self {
        SyslogFacility(20)
    }
}

impl SyslogFacility {
    /// The facility numbered `code`, if it is one (0 to 23).
    pub fn new(code: u8) -> Option<SyslogFacility> {
        (usize::from(code) < FACILITY_NAMES.len()).then_some(SyslogFacility(code))
    }

    pub fn code(self) -> u8 {
        self.0
    }

    pub fn name(self) -> &'static str {
        FACILITY_NAMES
            .get(usize::from(self.0))
            .copied()
            .unwrap_or("local4")
    }

    /// A name of [`FACILITY_NAMES`] or a number from 0 to 23, any case.
    fn parse(v: &str) -> Option<SyslogFacility> {
        if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
            return v.parse::<u8>().ok().and_then(SyslogFacility::new);
        }
        let i = FACILITY_NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(v))?;
        u8::try_from(i).ok().and_then(SyslogFacility::new)
    }
}

/// A parsed option 67.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SyslogServer {
    pub transport: SyslogTransport,
    /// A DNS name or an IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    pub format: SyslogFormat,
    pub facility: SyslogFacility,
}

impl SyslogServer {
    /// A server with the default format (CEF) and facility (`local4`).
    pub fn new(transport: SyslogTransport, host: impl Into<String>, port: u16) -> SyslogServer {
        SyslogServer {
            transport,
            host: host.into(),
            port,
            format: SyslogFormat::default(),
            facility: SyslogFacility::default(),
        }
    }
}

impl fmt::Display for SyslogServer {
    /// The canonical form: `udp://host:514`, `tls://[::1]:6514`, with a
    /// query for what is not the default:
    /// `tcp://siem:514?format=json&facility=local0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = self.transport.scheme();
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)?;
        }
        let mut sep = '?';
        if self.format != SyslogFormat::default() {
            write!(f, "{sep}format={}", self.format.name())?;
            sep = '&';
        }
        if self.facility != SyslogFacility::default() {
            write!(f, "{sep}facility={}", self.facility.name())?;
        }
        Ok(())
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
    #[error("`{0}` follows the port; a syslog server has no path")]
    Trailing(String),
    #[error("query parameter `{0}` is not one of `format`, `facility`")]
    Parameter(String),
    #[error("`{0}` in the query is not `name=value`")]
    Pair(String),
    #[error("query parameter `{0}` is given twice")]
    Twice(String),
    #[error("format `{0}` is not one of `cef`, `json`")]
    Format(String),
    #[error(
        "facility `{0}` is not an RFC 5424 facility: a name (`kern`, `user`, … `local0` … `local7`) or a number from 0 to 23"
    )]
    Facility(String),
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
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    // A URL may end with one `/`; anything more is a path.
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if let Some(i) = rest.find(['/', '#']) {
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
    let mut server = SyslogServer::new(transport, host, port);
    if let Some(q) = query {
        read_query(q, &mut server)?;
    }
    Ok(server)
}

/// `format=…&facility=…` into `server`.
fn read_query(query: &str, server: &mut SyslogServer) -> Result<(), SyslogServerError> {
    let (mut format, mut facility) = (None, None);
    for pair in query.split('&') {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(SyslogServerError::Pair(pair.to_owned()));
        };
        let seen = if name.eq_ignore_ascii_case("format") {
            let f = if value.eq_ignore_ascii_case("cef") {
                SyslogFormat::Cef
            } else if value.eq_ignore_ascii_case("json") {
                SyslogFormat::Json
            } else {
                return Err(SyslogServerError::Format(value.to_owned()));
            };
            format.replace(f).is_some()
        } else if name.eq_ignore_ascii_case("facility") {
            let f = SyslogFacility::parse(value)
                .ok_or_else(|| SyslogServerError::Facility(value.to_owned()))?;
            facility.replace(f).is_some()
        } else {
            return Err(SyslogServerError::Parameter(name.to_owned()));
        };
        if seen {
            return Err(SyslogServerError::Twice(name.to_owned()));
        }
    }
    server.format = format.unwrap_or_default();
    server.facility = facility.unwrap_or_default();
    Ok(())
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
    fn query_parameters() {
        check(
            "tcp://siem:6514?format=json&facility=local0",
            "tcp://siem:6514?format=json&facility=local0",
        );
        check("tcp://siem?format=json", "tcp://siem:514?format=json");
        check("siem?facility=3", "udp://siem:514?facility=daemon");
        check(
            "siem:1514?FACILITY=Local7",
            "udp://siem:1514?facility=local7",
        );
        check("tls://[::1]?Format=JSON", "tls://[::1]:6514?format=json");
        check("tcp://siem:601/?facility=0", "tcp://siem:601?facility=kern");
        check(
            "2001:db8::1?format=json",
            "udp://[2001:db8::1]:514?format=json",
        );
        // The defaults, said or not, are the same server.
        check("tcp://siem?format=cef&facility=local4", "tcp://siem:514");
        check("tcp://siem?facility=20", "tcp://siem:514");
        check(
            "siem?facility=solaris_cron",
            "udp://siem:514?facility=solaris_cron",
        );
        check("siem?facility=23", "udp://siem:514?facility=local7");
        let s = parse_syslog_server("tcp://siem?facility=local0&format=json").unwrap();
        assert_eq!(
            (s.format, s.facility.code(), s.facility.name()),
            (SyslogFormat::Json, 16, "local0")
        );
        let s = parse_syslog_server("siem").unwrap();
        assert_eq!((s.format, s.facility.code()), (SyslogFormat::Cef, 20));
    }

    #[test]
    fn bad_query_parameters() {
        check(
            "siem?x=1",
            "error: query parameter `x` is not one of `format`, `facility`",
        );
        check(
            "tcp://siem?format=xml",
            "error: format `xml` is not one of `cef`, `json`",
        );
        check(
            "tcp://siem?format=",
            "error: format `` is not one of `cef`, `json`",
        );
        let facility = |v: &str| {
            format!(
                "error: facility `{v}` is not an RFC 5424 facility: a name (`kern`, `user`, … `local0` … `local7`) or a number from 0 to 23"
            )
        };
        check("tcp://siem?facility=24", &facility("24"));
        check("tcp://siem?facility=local8", &facility("local8"));
        check("tcp://siem?facility=-1", &facility("-1"));
        check("tcp://siem?facility=", &facility(""));
        check("tcp://siem?facility=256", &facility("256"));
        check(
            "tcp://siem?format=json&format=cef",
            "error: query parameter `format` is given twice",
        );
        check(
            "tcp://siem?facility=1&FACILITY=1",
            "error: query parameter `FACILITY` is given twice",
        );
        check(
            "tcp://siem?json",
            "error: `json` in the query is not `name=value`",
        );
        check("tcp://siem?", "error: `` in the query is not `name=value`");
        check(
            "tcp://siem?format=json&",
            "error: `` in the query is not `name=value`",
        );
        check(
            "tcp://siem/logs?format=json",
            "error: `/logs` follows the port; a syslog server has no path",
        );
        check(
            "tcp://siem#x?format=json",
            "error: `#x` follows the port; a syslog server has no path",
        );
    }

    #[test]
    fn facility_names_and_numbers_agree() {
        for (code, name) in FACILITY_NAMES.iter().enumerate() {
            let f = SyslogFacility::parse(name).unwrap();
            assert_eq!(usize::from(f.code()), code);
            assert_eq!(SyslogFacility::parse(&code.to_string()), Some(f));
            assert_eq!(f.name(), *name);
        }
        assert_eq!(SyslogFacility::new(24), None);
        assert_eq!(SyslogFacility::default().name(), "local4");
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
            "error: `/logs` follows the port; a syslog server has no path",
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
            "error: `x` follows the port; a syslog server has no path",
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

        /// Any mix of good parameters, in any order and case, is read as
        /// what it says; the server prints to a form that parses to itself.
        #[test]
        fn good_parameters_are_read(
            scheme in proptest::sample::select(vec!["", "udp://", "tcp://", "TLS://"]),
            format in proptest::option::of(proptest::sample::select(vec!["cef", "json", "JSON", "Cef"])),
            facility in proptest::option::of(0u8..24),
            by_name in proptest::bool::ANY,
            upper in proptest::bool::ANY,
            swap in proptest::bool::ANY,
        ) {
            let mut params = Vec::new();
            if let Some(f) = format {
                params.push(format!("format={f}"));
            }
            if let Some(c) = facility {
                let v = if by_name {
                    FACILITY_NAMES[usize::from(c)].to_owned()
                } else {
                    c.to_string()
                };
                let v = if upper { v.to_ascii_uppercase() } else { v };
                params.push(format!("facility={v}"));
            }
            if swap {
                params.reverse();
            }
            let value = if params.is_empty() {
                format!("{scheme}siem")
            } else {
                format!("{scheme}siem?{}", params.join("&"))
            };
            let s = parse_syslog_server(&value).map_err(|e| {
                proptest::test_runner::TestCaseError::fail(format!("`{value}`: {e}"))
            })?;
            let want_format = match format.map(str::to_ascii_lowercase).as_deref() {
                Some("json") => SyslogFormat::Json,
                _ => SyslogFormat::Cef,
            };
            proptest::prop_assert_eq!(s.format, want_format);
            proptest::prop_assert_eq!(s.facility.code(), facility.unwrap_or(20));
            proptest::prop_assert_eq!(parse_syslog_server(&s.to_string()), Ok(s));
        }

        /// A value that is no format or facility is refused, and the
        /// error names it.
        #[test]
        fn bad_parameter_values_are_named(
            which in proptest::bool::ANY,
            value in "[A-Za-z0-9_.-]{0,12}",
        ) {
            let name = if which { "format" } else { "facility" };
            let good = if which {
                ["cef", "json"].iter().any(|g| g.eq_ignore_ascii_case(&value))
            } else {
                SyslogFacility::parse(&value).is_some()
            };
            let got = parse_syslog_server(&format!("tcp://siem?{name}={value}"));
            if good {
                proptest::prop_assert!(got.is_ok(), "{:?}", got);
            } else {
                let e = got.err().map(|e| e.to_string()).unwrap_or_default();
                proptest::prop_assert!(
                    e.starts_with(&format!("{name} `{value}` ")),
                    "{}", e
                );
            }
        }
    }
}
