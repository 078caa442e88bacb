//! Syslog: RFC 5424 messages over UDP (RFC 5426), TCP (RFC 6587 octet
//! counting) or TLS (RFC 5425).
//!
//! A message is `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`:
//!
//! - PRI is `facility × 8 + severity`, the severity from the alert's CEF
//!   severity by [`severity`]: 9–10 critical (2), 7–8 error (3), 4–6
//!   warning (4), 1–3 notice (5), 0 informational (6).
//! - TIMESTAMP is the incident's time (`created_at`, not the time of
//!   sending, which differs on a retry), RFC 3339 in UTC with
//!   milliseconds: `2026-12-02T02:00:34.610+00:00`.
//! - PROCID is `-`: a server's process id means nothing to a SIEM.
//! - MSGID is `incident`; there is no structured data (`-`): everything is
//!   in the CEF payload, and an SD-ID of our own would need an IANA
//!   enterprise number.
//! - MSG is the CEF line or the alert's JSON, UTF-8 without a BOM (as
//!   `logger` sends it; several receivers show a BOM as text).
//!
//! Header fields keep printable ASCII only (33–126) and are cut to their
//! RFC lengths (HOSTNAME 255, APP-NAME 48, MSGID 32); an empty one is `-`.
//! A UDP datagram is cut at [`MAX_DATAGRAM`] bytes (on a character
//! boundary): RFC 5426 asks receivers for 2048 at least, and the common
//! ones (rsyslog, syslog-ng, Wazuh, Elastic) take 8 KiB or more; TCP and
//! TLS carry any length.
//!
//! One connection is kept open across batches. Before a batch the
//! connection is checked for a close by the receiver; a write that fails
//! on a kept connection reconnects once and sends the batch again. A
//! whole batch is one write, so its deliveries succeed or are retried
//! together.

use std::fmt::Write as _;
use std::future::Future as _;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::Mutex;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::config::{ConfigError, Facility, Payload, SyslogConfig, Transport};
use crate::{Alert, AuditEvent, Delivery, Event, Outcome, cef};

/// The largest UDP datagram sent; longer messages are cut.
pub const MAX_DATAGRAM: usize = 8192;

/// The syslog severity for a CEF severity (0–10).
pub fn severity(cef_severity: u8) -> u8 {
    match cef_severity {
        9.. => 2,
        7..=8 => 3,
        4..=6 => 4,
        1..=3 => 5,
        0 => 6,
    }
}

/// The fixed parts of a sink's messages.
#[derive(Debug, Clone)]
pub struct Format {
    pub facility: Facility,
    pub hostname: String,
    pub app_name: String,
    pub payload: Payload,
}

/// The header of one RFC 5424 message.
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    pub facility: Facility,
    /// 0 (emergency) to 7 (debug).
    pub severity: u8,
    /// Unix milliseconds; `None` is the NILVALUE `-`.
    pub timestamp: Option<i64>,
    pub hostname: &'a str,
    pub app_name: &'a str,
    pub msgid: &'a str,
}

/// One RFC 5424 message: header, no structured data, `msg`.
pub fn rfc5424(h: &Header<'_>, msg: &str) -> String {
    let pri = u16::from(h.facility.code()) * 8 + u16::from(h.severity.min(7));
    let mut out = String::with_capacity(64 + msg.len());
    let _ = write!(out, "<{pri}>1 ");
    match h.timestamp {
        Some(ms) => out.push_str(&crate::text::rfc3339_ms(ms)),
        None => out.push('-'),
    }
    out.push(' ');
    field(&mut out, h.hostname, 255);
    out.push(' ');
    field(&mut out, h.app_name, 48);
    out.push_str(" - ");
    field(&mut out, h.msgid, 32);
    out.push_str(" - ");
    out.push_str(msg);
    out
}

/// Appends a header field: printable ASCII only, at most `max` bytes, `-`
/// if nothing is left.
fn field(out: &mut String, s: &str, max: usize) {
    let start = out.len();
    out.extend(
        s.chars()
            .filter(|c| matches!(*c as u32, 33..=126))
            .take(max),
    );
    if out.len() == start {
        out.push('-');
    }
}

/// The message for one alert.
pub fn format(alert: &Alert, f: &Format) -> String {
    let msg = match f.payload {
        Payload::Cef => cef::format(alert),
        // Serializing plain data to a string cannot fail; an empty object
        // would still be a well-formed message.
        Payload::Json => serde_json::to_string(alert).unwrap_or_else(|_| "{}".to_owned()),
    };
    rfc5424(
        &Header {
            facility: f.facility,
            severity: severity(alert.severity),
            timestamp: Some(alert.created_at),
            hostname: &f.hostname,
            app_name: &f.app_name,
            msgid: "incident",
        },
        &msg,
    )
}

/// The message for one audit entry: MSGID `audit`, the entry's time, a
/// low severity, and the CEF line of [`crate::audit::cef`] or the entry
/// as JSON.
pub fn format_audit(e: &AuditEvent, f: &Format) -> String {
    let msg = match f.payload {
        Payload::Cef => crate::audit::cef(e),
        Payload::Json => serde_json::to_string(e).unwrap_or_else(|_| "{}".to_owned()),
    };
    rfc5424(
        &Header {
            facility: f.facility,
            severity: severity(e.severity()),
            timestamp: Some(e.at),
            hostname: &f.hostname,
            app_name: &f.app_name,
            msgid: "audit",
        },
        &msg,
    )
}

/// RFC 6587 octet counting: `LEN SP MSG`.
pub fn octet_counted(out: &mut Vec<u8>, msg: &str) {
    out.extend_from_slice(msg.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(msg.as_bytes());
}

/// This machine's name as a header field, `-` if it has none.
pub fn machine_hostname() -> String {
    let name = hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_default();
    let mut out = String::new();
    field(&mut out, &name, 255);
    out
}

enum Conn {
    Udp(UdpSocket),
    Tcp(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

pub(crate) struct SyslogSink {
    host: String,
    port: u16,
    transport: Transport,
    format: Format,
    timeout: Duration,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    conn: Mutex<Option<Conn>>,
}

impl SyslogSink {
    pub(crate) fn new(c: &SyslogConfig) -> Result<SyslogSink, ConfigError> {
        let tls = match c.transport {
            Transport::Tls => Some(tls_connector(c)?),
            Transport::Udp | Transport::Tcp => None,
        };
        Ok(SyslogSink {
            host: c.host.clone(),
            port: c.port,
            transport: c.transport,
            format: Format {
                facility: c.facility,
                hostname: c.hostname.clone().unwrap_or_else(machine_hostname),
                app_name: c.app_name.clone(),
                payload: c.payload,
            },
            timeout: Duration::from_millis(c.timeout_ms),
            tls,
            conn: Mutex::new(None),
        })
    }

    pub(crate) fn describe(&self) -> String {
        format!("syslog {:?} {}:{}", self.transport, self.host, self.port)
    }

    pub(crate) async fn deliver(&self, batch: &[Delivery<'_>]) -> Vec<Outcome> {
        let messages: Vec<String> = batch
            .iter()
            .map(|d| match d.event {
                Event::Incident(a) => format(a, &self.format),
                Event::Audit(e) => format_audit(e, &self.format),
            })
            .collect();
        let mut conn = self.conn.lock().await;
        if self.transport == Transport::Udp {
            return self.send_datagrams(&mut conn, &messages).await;
        }
        let mut frames = Vec::new();
        for m in &messages {
            octet_counted(&mut frames, m);
        }
        let mut kept = conn.take();
        if let Some(c) = &mut kept
            && !alive(c)
        {
            tracing::debug!(sink = %self.describe(), "receiver closed the connection");
            kept = None;
        }
        let was_kept = kept.is_some();
        let result = match kept {
            Some(c) => self.write(c, &frames).await,
            None => Err(io::Error::other("not connected")),
        };
        let result = match result {
            Ok(c) => Ok(c),
            Err(e) => {
                if was_kept {
                    tracing::debug!(sink = %self.describe(), error = %e, "reconnecting");
                }
                match self.connect().await {
                    Ok(c) => self.write(c, &frames).await,
                    Err(e) => Err(e),
                }
            }
        };
        match result {
            Ok(c) => {
                *conn = Some(c);
                vec![Outcome::Delivered; batch.len()]
            }
            Err(e) => {
                let why = format!("{}: {e}", self.describe());
                tracing::warn!(error = %why, "syslog delivery failed");
                vec![Outcome::Retry(why); batch.len()]
            }
        }
    }

    async fn send_datagrams(&self, conn: &mut Option<Conn>, messages: &[String]) -> Vec<Outcome> {
        let socket = match conn.take() {
            Some(Conn::Udp(s)) => Ok(s),
            _ => self.udp_socket().await,
        };
        let socket = match socket {
            Ok(s) => s,
            Err(e) => {
                let why = format!("{}: {e}", self.describe());
                return vec![Outcome::Retry(why); messages.len()];
            }
        };
        let mut outcomes = Vec::with_capacity(messages.len());
        for m in messages {
            let datagram = crate::text::truncate(m, MAX_DATAGRAM);
            let sent = tokio::time::timeout(self.timeout, socket.send(datagram.as_bytes())).await;
            outcomes.push(match sent {
                Ok(Ok(_)) => Outcome::Delivered,
                Ok(Err(e)) => Outcome::Retry(format!("{}: {e}", self.describe())),
                Err(_) => Outcome::Retry(format!("{}: send timed out", self.describe())),
            });
        }
        *conn = Some(Conn::Udp(socket));
        outcomes
    }

    async fn resolve(&self) -> io::Result<SocketAddr> {
        let lookup = tokio::net::lookup_host((self.host.as_str(), self.port));
        let mut addrs = tokio::time::timeout(self.timeout, lookup)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "name lookup timed out"))??;
        addrs.next().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("`{}` has no address", self.host),
            )
        })
    }

    async fn udp_socket(&self) -> io::Result<UdpSocket> {
        let addr = self.resolve().await?;
        let local: SocketAddr = if addr.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            ([0u16; 8], 0).into()
        };
        let socket = UdpSocket::bind(local).await?;
        socket.connect(addr).await?;
        Ok(socket)
    }

    async fn connect(&self) -> io::Result<Conn> {
        let addr = self.resolve().await?;
        let tcp = tokio::time::timeout(self.timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??;
        match &self.tls {
            None => Ok(Conn::Tcp(tcp)),
            Some((connector, name)) => {
                let tls = tokio::time::timeout(self.timeout, connector.connect(name.clone(), tcp))
                    .await
                    .map_err(|_| {
                        io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out")
                    })??;
                Ok(Conn::Tls(Box::new(tls)))
            }
        }
    }

    async fn write(&self, mut c: Conn, bytes: &[u8]) -> io::Result<Conn> {
        let write = async {
            match &mut c {
                Conn::Tcp(s) => {
                    s.write_all(bytes).await?;
                    s.flush().await
                }
                Conn::Tls(s) => {
                    s.write_all(bytes).await?;
                    s.flush().await
                }
                Conn::Udp(_) => Err(io::Error::other("not a stream")),
            }
        };
        tokio::time::timeout(self.timeout, write)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "write timed out"))??;
        Ok(c)
    }
}

/// Whether a kept connection is still open: a receiver that closed it
/// shows as end of file (or an error) to a read that does not wait.
fn alive(c: &mut Conn) -> bool {
    let mut buf = [0u8; 256];
    match c {
        Conn::Udp(_) => true,
        Conn::Tcp(s) => match s.try_read(&mut buf) {
            Ok(0) => false,
            Ok(_) => true,
            Err(e) => e.kind() == io::ErrorKind::WouldBlock,
        },
        Conn::Tls(s) => {
            // A read polled once: pending means open and quiet.
            let waker = std::task::Waker::noop();
            let mut cx = std::task::Context::from_waker(waker);
            let mut read = Box::pin(s.read(&mut buf));
            match read.as_mut().poll(&mut cx) {
                std::task::Poll::Pending => true,
                std::task::Poll::Ready(Ok(n)) => n > 0,
                std::task::Poll::Ready(Err(_)) => false,
            }
        }
    }
}

fn tls_connector(c: &SyslogConfig) -> Result<(TlsConnector, ServerName<'static>), ConfigError> {
    let mut roots = RootCertStore::empty();
    match &c.ca_file {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| {
                    ConfigError::one(
                        "ca_file",
                        format!("cannot read certificates from `{}`: {e}", path.display()),
                    )
                })?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(ConfigError::one(
                    "ca_file",
                    format!("`{}` holds no usable CA certificate", path.display()),
                ));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(ConfigError::one(
                    "ca_file",
                    "is needed: the system has no CA certificates",
                ));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::one("transport", format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = c.server_name.clone().unwrap_or_else(|| c.host.clone());
    let server_name = ServerName::try_from(name.clone()).map_err(|_| {
        ConfigError::one(
            "server_name",
            format!("`{name}` is not a DNS name or IP address"),
        )
    })?;
    Ok((TlsConnector::from(Arc::new(config)), server_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities() {
        let got: Vec<u8> = (0..=12).map(severity).collect();
        assert_eq!(got, [6, 5, 5, 5, 4, 4, 4, 3, 3, 2, 2, 2, 2]);
    }

    #[test]
    fn empty_and_odd_header_fields() {
        let h = Header {
            facility: Facility::Local4,
            severity: 4,
            timestamp: None,
            hostname: "host name\n",
            app_name: "",
            msgid: "incident",
        };
        assert_eq!(rfc5424(&h, "x"), "<164>1 - hostname - - incident - x");
    }
}
