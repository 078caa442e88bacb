//! Syslog receivers for option 67: a UDP socket and a TCP listener the
//! test owns, and the structure every message must have (RFC 5424 header,
//! CEF payload with the standard keys).
//!
//! The tests here need no root: the agent's forwarder (what the daemon
//! hands every recorded incident to, and stops with `shutdown` when it
//! stops) against real TCP receivers, with option 67's value read by the
//! parser the server checks policies with.

use std::io::Read as _;
use std::net::{TcpListener, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cordon_agent::syslog::{Flushed, Forwarder};

/// Messages received so far, shared with the receiving thread.
#[derive(Clone, Default)]
pub struct Received(Arc<Mutex<Vec<String>>>);

impl Received {
    pub fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A UDP receiver on 127.0.0.1: its port and what it gets, one message
/// per datagram.
pub fn udp_receiver() -> (u16, Received) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = s.local_addr().unwrap().port();
    let got = Received::default();
    let g = got.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        while let Ok(n) = s.recv(&mut buf) {
            g.0.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    });
    (port, got)
}

/// A TCP receiver on 127.0.0.1: its port and the messages it read, each
/// checked for RFC 6587 octet counting (`LEN SP MSG`, LEN the bytes of
/// MSG) as it is cut from the stream.
pub fn tcp_receiver() -> (u16, Received) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (port, tcp_receiver_on(l))
}

/// [`tcp_receiver`] on a listener the caller made.
pub fn tcp_receiver_on(l: TcpListener) -> Received {
    let got = Received::default();
    let g = got.clone();
    std::thread::spawn(move || {
        for conn in l.incoming().flatten() {
            let g = g.clone();
            std::thread::spawn(move || {
                let mut conn = conn;
                conn.set_read_timeout(Some(Duration::from_secs(600)))
                    .unwrap();
                let mut stream = Vec::new();
                let mut buf = [0u8; 16384];
                while let Ok(n) = conn.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    stream.extend_from_slice(&buf[..n]);
                    while let Some(msg) = cut_frame(&mut stream) {
                        g.0.lock().unwrap().push(msg);
                    }
                }
            });
        }
    });
    got
}

/// One octet-counted frame off the front of `stream`, when it is whole.
fn cut_frame(stream: &mut Vec<u8>) -> Option<String> {
    let sp = stream.iter().position(|b| *b == b' ')?;
    let len: usize = std::str::from_utf8(&stream[..sp])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not octet counted: {:?}", String::from_utf8_lossy(stream)));
    assert!(
        !stream[..sp].starts_with(b"0"),
        "a frame length has no leading zero"
    );
    if stream.len() < sp + 1 + len {
        return None;
    }
    let msg = String::from_utf8(stream[sp + 1..sp + 1 + len].to_vec()).unwrap();
    stream.drain(..sp + 1 + len);
    Some(msg)
}

/// Checks one message's structure and returns its CEF extension as
/// key/value pairs: `<PRI>1 TIMESTAMP HOSTNAME cordon-agent - incident -
/// CEF:0|Cordon|Cordon DLP|version|rule id|rule name|severity|ext`.
pub fn check_message(msg: &str) -> Vec<(String, String)> {
    let (pri, rest) = msg
        .strip_prefix('<')
        .and_then(|m| m.split_once(">1 "))
        .unwrap_or_else(|| panic!("no `<PRI>1 `: {msg}"));
    let pri: u8 = pri.parse().unwrap();
    // local4 (20) by default; a device event is an error (3) to notice (5).
    assert_eq!(pri / 8, 20, "{msg}");
    let header: Vec<&str> = rest.splitn(7, ' ').collect();
    assert_eq!(header.len(), 7, "{msg}");
    let (ts, host, app, procid, msgid, sd, body) = (
        header[0], header[1], header[2], header[3], header[4], header[5], header[6],
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(ts).is_ok() && ts.ends_with("+00:00"),
        "timestamp {ts}"
    );
    assert!(!host.is_empty() && host != "-", "hostname {host}");
    assert_eq!(
        (app, procid, msgid, sd),
        ("cordon-agent", "-", "incident", "-")
    );
    let cef = body
        .strip_prefix("CEF:0|Cordon|Cordon DLP|")
        .unwrap_or_else(|| panic!("no CEF header: {body}"));
    // version|signature|name|severity|extension: no field holds an
    // unescaped `|` in these tests.
    let parts: Vec<&str> = cef.splitn(5, '|').collect();
    assert_eq!(parts.len(), 5, "{cef}");
    let sev: u8 = parts[3].parse().unwrap();
    assert!(sev <= 10);
    ext_pairs(parts[4])
}

/// CEF extension pairs; a value runs to the next ` key=`.
fn ext_pairs(ext: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for word in ext.split(' ') {
        match word.split_once('=') {
            Some((k, v))
                if !k.is_empty()
                    && !k.ends_with('\\')
                    && k.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                out.push((k.to_owned(), v.to_owned()));
            }
            _ => {
                let last = out.last_mut().expect("a value before any key");
                last.1.push(' ');
                last.1.push_str(word);
            }
        }
    }
    out
}

/// The value of `key` in CEF pairs.
pub fn cef<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The PRI of a message and what follows the RFC 5424 header, which must
/// be the agent's: `<PRI>1 TIMESTAMP HOSTNAME cordon-agent - incident - MSG`.
fn split_message(msg: &str) -> (u8, &str) {
    let (pri, rest) = msg
        .strip_prefix('<')
        .and_then(|m| m.split_once(">1 "))
        .unwrap_or_else(|| panic!("no `<PRI>1 `: {msg}"));
    let header: Vec<&str> = rest.splitn(7, ' ').collect();
    assert_eq!(header.len(), 7, "{msg}");
    assert_eq!(
        (header[2], header[3], header[4], header[5]),
        ("cordon-agent", "-", "incident", "-"),
        "{msg}"
    );
    (pri.parse().unwrap(), header[6])
}

/// A device-control incident as the agent's spool records it.
fn record(rule: &str) -> serde_json::Value {
    serde_json::json!({
        "created_at": 1_700_000_000_000_i64, "request_id": "r", "rule_id": rule,
        "rule_name": "USB read-only", "policy_id": "usb-dc", "policy_version": 3,
        "mode": "enforce", "enforced": true, "decision": "deny",
        "action": "device_access", "username": "alice", "categories": [],
        "details": {"event": {}, "findings": [
            {"detector": "credit_card", "masked": "4111********1111", "confidence": "high"}]}
    })
}

/// An address nobody listens on (yet): bound, then let go.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `?format=json&facility=…` in option 67: a real TCP receiver gets the
/// alert as JSON — the very JSON the server's syslog sinks send with
/// `payload: json` — with the facility in the PRI; without them, CEF at
/// `local4`.
#[test]
fn option_67_with_format_json_and_a_facility_sends_json_at_that_facility() {
    let (port, got) = tcp_receiver();
    let fwd = Forwarder::start("pc1", None, 16).unwrap();
    let value = format!("tcp://127.0.0.1:{port}?format=json&facility=local0");
    fwd.configure(Some(cordon_devctl::parse_syslog_server(&value).unwrap()));
    assert_eq!(fwd.status().server.as_deref(), Some(value.as_str()));
    fwd.forward(&record("usb-json"));
    wait_for("the JSON event arrives", || got.all().len() == 1);
    let all = got.all();
    let (pri, body) = split_message(&all[0]);
    // local0 (16); a deny of this rule is CEF severity 7, syslog error (3).
    assert_eq!((pri / 8, pri % 8), (16, 3), "{body}");
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["ruleId"], "usb-json", "{json}");
    assert_eq!(json["computer"], "pc1", "{json}");
    assert_eq!(json["channel"], "device_access", "{json}");
    assert_eq!(json["findings"][0]["masked"], "4111********1111", "{json}");
    assert!(!body.contains("CEF:"), "{body}");
    // Byte for byte what cordon-alert makes of the record.
    let mut r = record("usb-json");
    r["computer"] = "pc1".into();
    let alert = cordon_alert::Alert::from_incident(0, &r);
    assert_eq!(body, serde_json::to_string(&alert).unwrap());

    // A facility by number, and back to the defaults: CEF at local4.
    fwd.configure(Some(
        cordon_devctl::parse_syslog_server(&format!("tcp://127.0.0.1:{port}?facility=3")).unwrap(),
    ));
    fwd.forward(&record("usb-daemon"));
    wait_for("the daemon-facility event arrives", || got.all().len() == 2);
    let all = got.all();
    let (pri, body) = split_message(&all[1]);
    assert_eq!(pri / 8, 3, "{body}");
    assert!(body.starts_with("CEF:0|Cordon|Cordon DLP|"), "{body}");
    fwd.configure(Some(
        cordon_devctl::parse_syslog_server(&format!("tcp://127.0.0.1:{port}")).unwrap(),
    ));
    fwd.forward(&record("usb-cef"));
    wait_for("the CEF event arrives", || got.all().len() == 3);
    let pairs = check_message(&got.all()[2]);
    assert_eq!(cef(&pairs, "shost"), Some("pc1"));
    fwd.stop();
}

/// A receiver that was down when the events were queued and came up
/// before the agent stopped: the stop sends them. The retry is an hour
/// away, so nothing but the stop's flush can have sent them.
#[test]
fn a_clean_stop_sends_the_queue_to_a_receiver_that_came_late() {
    let port = free_port();
    let fwd = Forwarder::start_retrying("pc1", None, 100, Duration::from_secs(3600)).unwrap();
    fwd.configure(Some(
        cordon_devctl::parse_syslog_server(&format!("tcp://127.0.0.1:{port}")).unwrap(),
    ));
    for i in 0..5 {
        fwd.forward(&record(&format!("late-{i}")));
    }
    wait_for("the first attempt fails and the events wait", || {
        let st = fwd.status();
        st.last_error.is_some() && st.queued == 5
    });
    let got = tcp_receiver_on(TcpListener::bind(("127.0.0.1", port)).unwrap());
    assert_eq!(fwd.status().sent, 0);
    let flushed = fwd.shutdown(Duration::from_secs(20));
    assert_eq!(
        flushed,
        Flushed {
            sent: 5,
            dropped: 0
        }
    );
    wait_for("the receiver reads them", || got.all().len() == 5);
    let st = fwd.status();
    assert_eq!((st.sent, st.dropped, st.queued), (5, 0, 0), "{st:?}");
    // In the order they were recorded; a second stop has nothing to do.
    for (i, m) in got.all().iter().enumerate() {
        check_message(m);
        assert!(m.contains(&format!("|late-{i}|")), "{m}");
    }
    assert_eq!(fwd.shutdown(Duration::from_secs(1)), Flushed::default());
}

/// A receiver that accepts and never reads: the sends block once the
/// socket buffers are full. A stop still ends within its bound (each
/// write alone may take the sink's 5 s timeout), and every event is
/// either sent or counted as dropped.
#[test]
fn a_clean_stop_gives_up_at_its_bound_on_a_receiver_that_does_not_read() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in l.incoming().flatten() {
            held.push(c);
        }
    });
    let fwd = Forwarder::start_retrying("pc1", None, 4000, Duration::from_secs(3600)).unwrap();
    fwd.configure(Some(
        cordon_devctl::parse_syslog_server(&format!("tcp://127.0.0.1:{port}?format=json")).unwrap(),
    ));
    // 4000 events of 16 KiB each: 64 MB, far more than loopback buffers.
    let mut r = record("stuck");
    r["rule_name"] = "x".repeat(16 << 10).into();
    for _ in 0..4000 {
        fwd.forward(&r);
    }
    let bound = Duration::from_millis(500);
    let t = Instant::now();
    let flushed = fwd.shutdown(bound);
    let took = t.elapsed();
    eprintln!("measured: stop with a receiver that does not read: {took:?} (bound {bound:?})");
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert!(flushed.dropped > 0, "{flushed:?}");
    let st = fwd.status();
    assert_eq!(st.sent + st.dropped, 4000, "{st:?} {flushed:?}");
    assert_eq!(st.queued, 0, "{st:?}");
}
