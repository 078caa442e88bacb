//! Syslog to receivers over UDP, TCP and TLS started by the tests; bytes
//! compared with golden files and with what util-linux `logger` sends for
//! the same header and message.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use cordon_alert::syslog::{Header, MAX_DATAGRAM, machine_hostname, octet_counted, rfc5424};
use cordon_alert::{Facility, Outcome, Payload, Sink, SinkConfig, SyslogConfig, Transport, cef};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncReadExt as _};
use tokio::net::{TcpListener, UdpSocket};

use crate::support::{alert, alerts, batch, golden, keys, run, tool};

const WAIT: Duration = Duration::from_secs(10);

fn config(port: u16, transport: Transport, payload: Payload) -> SyslogConfig {
    SyslogConfig {
        host: "127.0.0.1".to_owned(),
        port,
        transport,
        payload,
        facility: Facility::Local4,
        app_name: "cordon".to_owned(),
        hostname: Some("dlp-01.example.org".to_owned()),
        ca_file: None,
        server_name: None,
        timeout_ms: 3000,
    }
}

/// Reads exactly `n` bytes, or fails the test after [`WAIT`].
async fn read_n(s: &mut (impl AsyncRead + Unpin), n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    tokio::time::timeout(WAIT, s.read_exact(&mut buf))
        .await
        .expect("receiver waited too long")
        .unwrap();
    buf
}

fn framed(messages: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        octet_counted(&mut out, m);
    }
    out
}

#[tokio::test]
async fn udp_sends_one_datagram_per_alert() {
    let receiver = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = receiver.local_addr().unwrap().port();
    let sink = Sink::new(SinkConfig::Syslog(config(
        port,
        Transport::Udp,
        Payload::Cef,
    )))
    .unwrap();
    let alerts = alerts(2);
    let keys = keys(&alerts);
    let out = sink.deliver(&batch(&keys, &alerts)).await;
    assert_eq!(out, vec![Outcome::Delivered; 2]);
    let mut got = Vec::new();
    for _ in 0..2 {
        let mut buf = vec![0; 65536];
        let n = tokio::time::timeout(WAIT, receiver.recv(&mut buf))
            .await
            .unwrap()
            .unwrap();
        got.extend_from_slice(&buf[..n]);
        got.push(b'\n');
    }
    golden("udp-cef.txt", &got);
}

#[tokio::test]
async fn udp_cuts_long_messages_at_8_kib() {
    let receiver = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = receiver.local_addr().unwrap().port();
    let sink = Sink::new(SinkConfig::Syslog(config(
        port,
        Transport::Udp,
        Payload::Cef,
    )))
    .unwrap();
    let mut a = alert();
    a.message = Some("é".repeat(10_000));
    let alerts = vec![a];
    let keys = keys(&alerts);
    assert_eq!(
        sink.deliver(&batch(&keys, &alerts)).await,
        [Outcome::Delivered]
    );
    let mut buf = vec![0; 65536];
    let n = tokio::time::timeout(WAIT, receiver.recv(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(n <= MAX_DATAGRAM && n > MAX_DATAGRAM - 2, "{n}");
    let got = std::str::from_utf8(&buf[..n]).expect("cut on a character boundary");
    // CEF severity 8 is syslog error (3): local4 × 8 + 3.
    assert!(
        got.starts_with("<163>1 2025-12-02T02:00:34.610+00:00 "),
        "{got}"
    );
}

#[tokio::test]
async fn tcp_frames_by_octet_count_and_keeps_its_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let sink = Sink::new(SinkConfig::Syslog(config(
        port,
        Transport::Tcp,
        Payload::Cef,
    )))
    .unwrap();
    let alerts = alerts(3);
    let keys = keys(&alerts);
    let all = batch(&keys, &alerts);
    let format = |range: std::ops::Range<usize>| {
        let f = cordon_alert::syslog::Format {
            facility: Facility::Local4,
            hostname: "dlp-01.example.org".to_owned(),
            app_name: "cordon".to_owned(),
            payload: Payload::Cef,
        };
        framed(
            &alerts[range]
                .iter()
                .map(|a| cordon_alert::syslog::format(a, &f))
                .collect::<Vec<_>>(),
        )
    };

    // Two alerts, one write; the kernel's backlog takes the connection
    // before the test accepts it.
    assert_eq!(sink.deliver(&all[0..2]).await, vec![Outcome::Delivered; 2]);
    let (mut conn, _) = listener.accept().await.unwrap();
    let first = format(0..2);
    let got = read_n(&mut conn, first.len()).await;
    golden("tcp-cef.txt", &got);
    assert_eq!(got, first);

    // The next batch comes on the same connection.
    assert_eq!(sink.deliver(&all[2..3]).await, [Outcome::Delivered]);
    let third = format(2..3);
    assert_eq!(read_n(&mut conn, third.len()).await, third);
    assert!(
        tokio::time::timeout(Duration::from_millis(200), listener.accept())
            .await
            .is_err(),
        "no second connection"
    );

    // The receiver closes it: the sink notices and connects again.
    drop(conn);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(sink.deliver(&all[0..1]).await, [Outcome::Delivered]);
    let (mut conn, _) = tokio::time::timeout(WAIT, listener.accept())
        .await
        .unwrap()
        .unwrap();
    let again = format(0..1);
    assert_eq!(read_n(&mut conn, again.len()).await, again);
}

#[tokio::test]
async fn tcp_to_nobody_is_retried() {
    let port = crate::support::free_port();
    let sink = Sink::new(SinkConfig::Syslog(config(
        port,
        Transport::Tcp,
        Payload::Cef,
    )))
    .unwrap();
    let alerts = alerts(2);
    let keys = keys(&alerts);
    let out = sink.deliver(&batch(&keys, &alerts)).await;
    assert!(
        out.iter()
            .all(|o| matches!(o, Outcome::Retry(why) if why.contains("refused"))),
        "{out:?}"
    );
}

/// A CA and a server certificate for `syslog.test` and 127.0.0.1, made
/// by the `openssl` command.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let openssl = tool("/usr/bin/openssl");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        run(Command::new(&openssl)
            .current_dir(d)
            .args(["req", "-x509"])
            .args(ec)
            .args(["-keyout", "ca.key", "-out", "ca.pem", "-days", "2"])
            .args(["-subj", "/CN=Cordon test CA"]));
        run(Command::new(&openssl)
            .current_dir(d)
            .arg("req")
            .args(ec)
            .args(["-keyout", "server.key", "-out", "server.csr"])
            .args(["-subj", "/CN=syslog.test"]));
        std::fs::write(
            d.join("ext.cnf"),
            "subjectAltName=DNS:syslog.test,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        run(Command::new(&openssl)
            .current_dir(d)
            .args(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem"])
            .args(["-CAkey", "ca.key", "-set_serial", "2", "-days", "2"])
            .args(["-extfile", "ext.cnf", "-out", "server.pem"]));
        Pki { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        let certs = CertificateDer::pem_file_iter(self.path("server.pem"))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(self.path("server.key")).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }
}

#[tokio::test]
async fn tls_carries_octet_counted_json() {
    let pki = Pki::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut c = config(port, Transport::Tls, Payload::Json);
    c.ca_file = Some(pki.path("ca.pem"));
    c.server_name = Some("syslog.test".to_owned());
    let sink = Sink::new(SinkConfig::Syslog(c)).unwrap();
    let acceptor = pki.acceptor();
    let alerts = alerts(2);
    let keys = keys(&alerts);
    let all = batch(&keys, &alerts);

    let receive = async {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        let mut got = Vec::new();
        // Read until both frames are in: the first frame's length says
        // where the second starts.
        while got.len() < 2 || frames(&got).len() < 2 {
            let mut buf = [0; 4096];
            let n = tokio::time::timeout(WAIT, tls.read(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert!(n > 0, "closed early");
            got.extend_from_slice(&buf[..n]);
        }
        (tls, got)
    };
    let (out, (mut tls, got)) = tokio::join!(sink.deliver(&all[0..2]), receive);
    assert_eq!(out, vec![Outcome::Delivered; 2]);
    golden("tls-json.txt", &got);
    let messages = frames(&got);
    for (m, a) in messages.iter().zip(&alerts) {
        let json = m.split_once(" incident - ").unwrap().1;
        let back: cordon_alert::Alert = serde_json::from_str(json).unwrap();
        assert_eq!(&back, a);
    }

    // The same TLS session takes the next batch.
    assert_eq!(sink.deliver(&all[0..1]).await, [Outcome::Delivered]);
    let mut buf = [0; 4096];
    let n = tokio::time::timeout(WAIT, tls.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(frames(&buf[..n]), &messages[..1]);
}

#[tokio::test]
async fn tls_with_the_wrong_name_delivers_nothing() {
    let pki = Pki::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut c = config(port, Transport::Tls, Payload::Cef);
    c.ca_file = Some(pki.path("ca.pem"));
    c.server_name = Some("other.test".to_owned());
    let sink = Sink::new(SinkConfig::Syslog(c)).unwrap();
    let acceptor = pki.acceptor();
    let alerts = alerts(1);
    let keys = keys(&alerts);
    let receive = async {
        let (tcp, _) = listener.accept().await.unwrap();
        acceptor.accept(tcp).await.is_err()
    };
    let all = batch(&keys, &alerts);
    let (out, refused) = tokio::join!(sink.deliver(&all), receive);
    assert!(refused);
    match &out[..] {
        [Outcome::Retry(why)] => assert!(why.contains("certificate"), "{why}"),
        other => panic!("{other:?}"),
    }
}

/// The messages of octet-counted frames (a partial last frame is left
/// out).
fn frames(mut bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(sp) = bytes.iter().position(|b| *b == b' ') {
        let len: usize = std::str::from_utf8(&bytes[..sp]).unwrap().parse().unwrap();
        let Some(msg) = bytes.get(sp + 1..sp + 1 + len) else {
            break;
        };
        out.push(String::from_utf8(msg.to_vec()).unwrap());
        bytes = &bytes[sp + 1 + len..];
    }
    out
}

/// Has `logger` send `msg` with the header fields Cordon uses: APP-NAME
/// `cordon`, MSGID `incident`, local4 and error (the syslog severity of
/// CEF 8), the machine's name.
fn logger(args: &[&str], msg: &str) {
    let logger = tool("/usr/bin/logger");
    run(Command::new(logger)
        .env("TZ", "UTC")
        .args(args)
        .args([
            "-t",
            "cordon",
            "--msgid",
            "incident",
            "-p",
            "local4.err",
            "--",
        ])
        .arg(msg));
}

/// Our message for `alert()` with the machine's hostname, as `logger`
/// would label it; `timestamp` `None` is `-`.
fn ours(timestamp: Option<i64>) -> String {
    let a = alert();
    assert_eq!(cordon_alert::syslog::severity(a.severity), 3, "local4.err");
    rfc5424(
        &Header {
            facility: Facility::Local4,
            severity: 3,
            timestamp,
            hostname: &machine_hostname(),
            app_name: "cordon",
            msgid: "incident",
        },
        &cef::format(&a),
    )
}

/// `--rfc5424=notime` sends `-` for the time and so no timeQuality
/// structured data (which `logger` adds whenever it sends a time, and
/// Cordon never sends): header, framing and message are then the same
/// bytes from both.
#[tokio::test]
async fn tcp_framing_is_the_same_as_loggers() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let msg = cef::format(&alert());
    logger(
        &[
            "--rfc5424=notime",
            "--octet-count",
            "-T",
            "-n",
            "127.0.0.1",
            "-P",
            &port,
        ],
        &msg,
    );
    let (mut conn, _) = listener.accept().await.unwrap();
    let mut got = Vec::new();
    tokio::time::timeout(WAIT, conn.read_to_end(&mut got))
        .await
        .unwrap()
        .unwrap();
    let mut want = Vec::new();
    octet_counted(&mut want, &ours(None));
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&want)
    );
}

#[tokio::test]
async fn udp_datagrams_are_the_same_as_loggers() {
    let receiver = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = receiver.local_addr().unwrap().port().to_string();
    logger(
        &["--rfc5424=notime", "-d", "-n", "127.0.0.1", "-P", &port],
        &cef::format(&alert()),
    );
    let mut buf = vec![0; 65536];
    let n = tokio::time::timeout(WAIT, receiver.recv(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&buf[..n]), ours(None));
}

/// With a time, `logger` writes microseconds and its timeQuality SD;
/// taking those two out, the rest is ours byte for byte, and its time
/// and ours are both RFC 3339.
#[tokio::test]
async fn with_a_time_only_the_time_and_time_quality_differ_from_loggers() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    logger(
        &[
            "--rfc5424",
            "--octet-count",
            "-T",
            "-n",
            "127.0.0.1",
            "-P",
            &port,
        ],
        &cef::format(&alert()),
    );
    let (mut conn, _) = listener.accept().await.unwrap();
    let mut got = Vec::new();
    tokio::time::timeout(WAIT, conn.read_to_end(&mut got))
        .await
        .unwrap()
        .unwrap();
    let theirs = frames(&got).pop().unwrap();
    let mut fields: Vec<&str> = theirs.splitn(8, ' ').collect();
    // <PRI>1 TIME HOST APP PROCID MSGID SD MSG, where SD is
    // `[timeQuality …]`, itself holding spaces.
    let time = fields[1];
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{time}");
    let rest = fields.pop().unwrap();
    let (sd, msg) = rest.split_once("] ").unwrap();
    assert!(sd.starts_with("tzKnown="), "{theirs}");
    assert!(fields[6].starts_with("[timeQuality"), "{theirs}");
    let ours = ours(Some(alert().created_at));
    let our_fields: Vec<&str> = ours.splitn(8, ' ').collect();
    assert_eq!(fields[0], our_fields[0]);
    assert!(chrono::DateTime::parse_from_rfc3339(our_fields[1]).is_ok());
    assert_eq!(fields[2..6], our_fields[2..6]);
    assert_eq!(our_fields[6], "-");
    assert_eq!(msg, our_fields[7]);
}
