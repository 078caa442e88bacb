//! Option 67 (`SyslogServer`): every incident the agent records is also
//! sent to the policy's syslog server, as RFC 5424 with a CEF payload, or
//! the alert as JSON when the option says `?format=json`, at the facility
//! it names (`local4` by default) — `cordon-alert`'s formatting and
//! delivery, the same bytes the server's syslog sinks send.
//!
//! Sending never waits on the network where a decision is made: the
//! recorder hands an [`Alert`] to a bounded queue
//! ([`Forwarder::forward`] takes a lock for a push, nothing more), and one
//! thread of its own drains it through `cordon-alert`'s syslog sink. When
//! the receiver is down the queue keeps the newest [`QUEUE`] events,
//! dropping the oldest and counting them (logged, and in `status.json`);
//! a failed send is retried after a backoff that doubles from one second
//! to a minute (a TCP or TLS connection is made again on the next send).
//!
//! At a clean stop ([`Forwarder::shutdown`]) what is queued is sent for a
//! bounded time (`syslog_flush_ms`, 2 s by default), at once and without
//! the backoff; what is still queued then is dropped, and the log says how
//! many were sent and how many dropped. An unreachable receiver delays
//! the stop by that bound at most: every attempt is cut at the deadline,
//! and the stopping thread does not wait for the sending one past it.
//! Syslog is a copy for a SIEM, not the record: the spool keeps every
//! incident for the server whatever happens here, so nothing queued is
//! kept on disk for a next start.
//!
//! The records are masked already (findings carry `masked` only, never
//! the value): only what the record holds leaves.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use cordon_alert::{
    Alert, Delivery, Facility, Outcome, Payload, SinkConfig, SyslogConfig, Transport,
};
use cordon_devctl::{SyslogFormat, SyslogServer, SyslogTransport};
use serde::{Deserialize, Serialize};

/// Most events waiting to be sent; past it the oldest are dropped.
pub const QUEUE: usize = 10_000;

/// The longest wait between two attempts while the receiver is down.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The first wait after a failed attempt; it doubles up to [`MAX_BACKOFF`].
pub const FIRST_RETRY: Duration = Duration::from_secs(1);

/// The default time a clean stop gives the queue (`syslog_flush_ms`).
pub const FLUSH: Duration = Duration::from_secs(2);

/// While flushing at stop, the pause between two failed attempts.
const FLUSH_RETRY: Duration = Duration::from_millis(100);

/// How long past its deadline a stop waits for the sending thread to
/// count its last attempt (itself cut at the deadline) before counting
/// that attempt's events as dropped.
const FLUSH_GRACE: Duration = Duration::from_millis(250);

/// Each connection attempt or write gives up after this long.
const TIMEOUT_MS: u64 = 5_000;

/// What `status.json` says of syslog.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SyslogStatus {
    /// The server in use (`udp://host:514`), if option 67 names one.
    pub server: Option<String>,
    /// Events the receiver took (since start).
    pub sent: u64,
    /// Events dropped: the queue was full, or the server could not be used.
    pub dropped: u64,
    /// Events waiting.
    pub queued: usize,
    /// Why the last attempt failed, or why option 67 is not used; cleared
    /// by the next success.
    pub last_error: Option<String>,
}

struct State {
    items: VecDeque<Alert>,
    capacity: usize,
    target: Option<SyslogServer>,
    /// Changes with `target`: a batch taken for an older target is not
    /// put back.
    generation: u64,
    sent: u64,
    dropped: u64,
    last_error: Option<String>,
    stop: bool,
    /// Set by a clean stop: until then the thread still sends.
    flush_until: Option<Instant>,
    /// Events taken from `items` by the thread and not yet counted.
    in_flight: usize,
    /// The thread has ended (it counted what it left as dropped).
    done: bool,
    /// A stop stopped waiting for the thread and counted its events: what
    /// the thread learns afterwards is not counted again.
    abandoned: bool,
}

/// What a clean stop did with the events it found queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flushed {
    /// Sent during the stop.
    pub sent: u64,
    /// Not sent: the time ran out, the receiver refused or was down.
    pub dropped: u64,
}

impl State {
    /// Appends, dropping the oldest past capacity; how many were dropped.
    fn push(&mut self, a: Alert) -> u64 {
        self.items.push_back(a);
        self.trim()
    }

    fn trim(&mut self) -> u64 {
        let mut n = 0;
        while self.items.len() > self.capacity {
            self.items.pop_front();
            n += 1;
        }
        self.dropped += n;
        n
    }
}

struct Inner {
    state: Mutex<State>,
    wake: Condvar,
    computer: String,
    ca_file: Option<PathBuf>,
    first_retry: Duration,
}

/// The handle the recorders hold: cheap to clone.
#[derive(Clone)]
pub struct Forwarder {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder").finish_non_exhaustive()
    }
}

fn lock(m: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Forwarder {
    /// A forwarder with no server yet and its sending thread. `computer`
    /// is the CEF `shost` of every event; `ca_file` the CA a TLS
    /// receiver's certificate must chain to (`None`: the system's store).
    pub fn start(
        computer: &str,
        ca_file: Option<PathBuf>,
        capacity: usize,
    ) -> std::io::Result<Forwarder> {
        Forwarder::start_retrying(computer, ca_file, capacity, FIRST_RETRY)
    }

    /// [`Forwarder::start`] with the first wait after a failure other
    /// than [`FIRST_RETRY`] (tests use a long one: then only a stop's
    /// flush sends again).
    pub fn start_retrying(
        computer: &str,
        ca_file: Option<PathBuf>,
        capacity: usize,
        first_retry: Duration,
    ) -> std::io::Result<Forwarder> {
        let f = Forwarder {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    items: VecDeque::new(),
                    capacity: capacity.max(1),
                    target: None,
                    generation: 0,
                    sent: 0,
                    dropped: 0,
                    last_error: None,
                    stop: false,
                    flush_until: None,
                    in_flight: 0,
                    done: false,
                    abandoned: false,
                }),
                wake: Condvar::new(),
                computer: computer.to_owned(),
                ca_file,
                first_retry: first_retry.max(Duration::from_millis(1)),
            }),
        };
        let inner = f.inner.clone();
        std::thread::Builder::new()
            .name("cordon-agent-syslog".into())
            .spawn(move || send_loop(&inner))?;
        Ok(f)
    }

    /// Queues one incident record (any record of `cordon-record`'s
    /// shape): nothing when no server is set; never waits on the network.
    pub fn forward<T: Serialize>(&self, record: &T) {
        if lock(&self.inner.state).target.is_none() {
            return;
        }
        let mut value = match serde_json::to_value(record) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!("syslog: cannot read an incident record: {e}");
                return;
            }
        };
        if let serde_json::Value::Object(m) = &mut value {
            m.entry("computer")
                .or_insert_with(|| self.inner.computer.clone().into());
        }
        // The server numbers incidents; an agent's event has no number
        // yet (CEF `externalId` is left out).
        let alert = Alert::from_incident(0, &value);
        let mut st = lock(&self.inner.state);
        if st.target.is_none() {
            return;
        }
        if st.stop {
            // Too late: the thread is flushing or gone.
            st.dropped += 1;
            return;
        }
        let dropped = st.push(alert);
        let total = st.dropped;
        drop(st);
        if dropped > 0 {
            tracing::warn!(
                dropped = total,
                "syslog queue full: the oldest event was dropped"
            );
        }
        self.inner.wake.notify_one();
    }

    /// Sends to `target` from now on (`None`: stop sending and forget what
    /// waits). Nothing happens when it is the server already in use.
    pub fn configure(&self, target: Option<SyslogServer>) {
        let mut st = lock(&self.inner.state);
        if st.target == target {
            return;
        }
        match &target {
            Some(t) => tracing::info!(server = %t, "sending events to syslog"),
            None => tracing::info!("no longer sending events to syslog"),
        }
        if target.is_none() {
            st.items.clear();
        }
        st.target = target;
        st.generation += 1;
        st.last_error = None;
        drop(st);
        self.inner.wake.notify_one();
    }

    /// Says why option 67 is not used (an invalid value): in the status
    /// until a good value comes.
    pub fn refuse(&self, why: String) {
        self.configure(None);
        lock(&self.inner.state).last_error = Some(why);
    }

    pub fn status(&self) -> SyslogStatus {
        let st = lock(&self.inner.state);
        SyslogStatus {
            server: st.target.as_ref().map(ToString::to_string),
            sent: st.sent,
            dropped: st.dropped,
            queued: st.items.len(),
            last_error: st.last_error.clone(),
        }
    }

    /// Ends the sending thread at once: what waits is not sent (and is
    /// counted as dropped). Does not wait for the thread.
    pub fn stop(&self) {
        lock(&self.inner.state).stop = true;
        self.inner.wake.notify_all();
    }

    /// A clean stop: sends what is queued for `within` at most, at once
    /// (a failed attempt is tried again after 100 ms, not after the
    /// backoff), then ends the thread. Returns, and logs, how many of the
    /// events queued were sent and how many dropped; never waits much
    /// longer than `within` (an attempt is cut at the deadline; the thread
    /// gets a quarter of a second past it to count its last one). A second
    /// call, or one after [`Forwarder::stop`], finds nothing to do.
    pub fn shutdown(&self, within: Duration) -> Flushed {
        let deadline = Instant::now() + within;
        let mut st = lock(&self.inner.state);
        if st.stop {
            return Flushed::default();
        }
        let (sent0, dropped0) = (st.sent, st.dropped);
        let waiting = st.items.len() + st.in_flight;
        st.stop = true;
        st.flush_until = Some(deadline);
        self.inner.wake.notify_all();
        let hard = deadline + FLUSH_GRACE;
        while !st.done {
            let left = hard.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            st = self
                .inner
                .wake
                .wait_timeout(st, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        let mut left = st.items.len();
        if !st.done {
            // The thread is stuck past its deadline (a name lookup that
            // does not end): what it holds is dropped too.
            left += st.in_flight;
            st.in_flight = 0;
            st.abandoned = true;
        }
        st.items.clear();
        st.dropped += left as u64;
        let f = Flushed {
            sent: st.sent - sent0,
            dropped: st.dropped - dropped0,
        };
        let server = st.target.as_ref().map(ToString::to_string);
        drop(st);
        if waiting > 0 || f.dropped > 0 {
            let server = server.unwrap_or_default();
            if f.dropped == 0 {
                tracing::info!(
                    %server,
                    sent = f.sent,
                    "syslog: at stop, the {} queued events were sent",
                    f.sent
                );
            } else {
                tracing::warn!(
                    %server,
                    sent = f.sent,
                    dropped = f.dropped,
                    "syslog: at stop, {} queued events were sent and {} dropped within {within:?} (the spool keeps every incident for the server)",
                    f.sent,
                    f.dropped
                );
            }
        }
        f
    }
}

/// `cordon-alert`'s configuration for a target of option 67.
pub fn sink_config(t: &SyslogServer, ca_file: Option<PathBuf>) -> SinkConfig {
    SinkConfig::Syslog(SyslogConfig {
        host: t.host.clone(),
        port: t.port,
        transport: match t.transport {
            SyslogTransport::Udp => Transport::Udp,
            SyslogTransport::Tcp => Transport::Tcp,
            SyslogTransport::Tls => Transport::Tls,
        },
        payload: match t.format {
            SyslogFormat::Cef => Payload::Cef,
            SyslogFormat::Json => Payload::Json,
        },
        // devctl's facilities are 0 to 23, every one of them `Facility`'s.
        facility: Facility::from_code(t.facility.code()).unwrap_or_default(),
        app_name: "cordon-agent".to_owned(),
        hostname: None,
        ca_file: match t.transport {
            SyslogTransport::Tls => ca_file,
            SyslogTransport::Udp | SyslogTransport::Tcp => None,
        },
        server_name: None,
        timeout_ms: TIMEOUT_MS,
    })
}

fn send_loop(inner: &Inner) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("syslog: no runtime, events are not sent to syslog: {e}");
            finish(&mut lock(&inner.state), &inner.wake);
            return;
        }
    };
    drain(inner, &rt);
    // A name lookup cut by its timeout may still hold a blocking thread:
    // not waited for.
    rt.shutdown_background();
}

/// The thread's end: what is left is dropped, and a stop waiting is told.
fn finish(st: &mut State, wake: &Condvar) {
    if !st.abandoned {
        let n = (st.items.len() + st.in_flight) as u64;
        st.dropped += n;
    }
    st.items.clear();
    st.in_flight = 0;
    st.done = true;
    wake.notify_all();
}

/// How often a running attempt looks for a stop.
const STOP_CHECK: Duration = Duration::from_millis(50);

/// One delivery attempt; `None` when a stop's deadline passed first (a
/// stop without a flush ends it at once). The stop is looked for while
/// the attempt runs: one begun before the stop (its own timeouts are 5 s)
/// must not outlive the stop's deadline either.
fn attempt(
    inner: &Inner,
    rt: &tokio::runtime::Runtime,
    sink: &cordon_alert::Sink,
    deliveries: &[Delivery<'_>],
) -> Option<Vec<Outcome>> {
    rt.block_on(async {
        let mut deliver = std::pin::pin!(sink.deliver(deliveries));
        loop {
            let limit = {
                let st = lock(&inner.state);
                match (st.stop, st.flush_until) {
                    (true, Some(d)) => d.saturating_duration_since(Instant::now()),
                    (true, None) => Duration::ZERO,
                    (false, _) => STOP_CHECK,
                }
            };
            if limit.is_zero() {
                return None;
            }
            if let Ok(outcomes) =
                tokio::time::timeout(limit.min(STOP_CHECK), deliver.as_mut()).await
            {
                return Some(outcomes);
            }
        }
    })
}

fn drain(inner: &Inner, rt: &tokio::runtime::Runtime) {
    let mut sink: Option<(u64, cordon_alert::Sink)> = None;
    // The generation whose server could not be set up (a TLS trust store
    // that cannot be read): its events are dropped without trying again.
    let mut broken: Option<u64> = None;
    let mut backoff = Duration::ZERO;
    loop {
        let (batch, generation, target) = {
            let mut st = lock(&inner.state);
            while !st.stop && (st.items.is_empty() || st.target.is_none()) {
                st = inner
                    .wake
                    .wait(st)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            // A stop: go on sending only for a clean stop's flush, until
            // its deadline, while something waits.
            if st.stop
                && (st.items.is_empty()
                    || st.target.is_none()
                    || st.flush_until.is_none_or(|d| Instant::now() >= d))
            {
                finish(&mut st, &inner.wake);
                return;
            }
            let Some(target) = st.target.clone() else {
                continue;
            };
            let n = st.items.len().min(500);
            let batch: Vec<Alert> = st.items.drain(..n).collect();
            st.in_flight = batch.len();
            (batch, st.generation, target)
        };
        if broken == Some(generation) {
            // This server cannot be used (said once, below): drop.
            let mut st = lock(&inner.state);
            st.in_flight = 0;
            if !st.abandoned {
                st.dropped += batch.len() as u64;
            }
            continue;
        }
        if sink.as_ref().is_none_or(|(g, _)| *g != generation) {
            sink = None;
            match cordon_alert::Sink::new(sink_config(&target, inner.ca_file.clone())) {
                Ok(s) => sink = Some((generation, s)),
                Err(e) => {
                    let why = format!("option 67 `{target}`: {e}");
                    tracing::error!("syslog: {why}: events are dropped");
                    broken = Some(generation);
                    let mut st = lock(&inner.state);
                    st.in_flight = 0;
                    if !st.abandoned {
                        st.dropped += batch.len() as u64;
                    }
                    if st.generation == generation {
                        st.last_error = Some(why);
                    }
                    continue;
                }
            }
        }
        let Some((_, s)) = &sink else { continue };
        let deliveries: Vec<Delivery<'_>> = batch.iter().map(|a| Delivery::alert("", a)).collect();
        let outcomes = attempt(inner, rt, s, &deliveries).unwrap_or_else(|| {
            vec![
                Outcome::Retry(format!(
                    "syslog {target}: the stop's time for sending ran out"
                ));
                deliveries.len()
            ]
        });
        let mut retry = Vec::new();
        let mut failed = 0_u64;
        let mut sent = 0_u64;
        let mut why = None;
        for (a, o) in batch.into_iter().zip(outcomes) {
            match o {
                Outcome::Delivered => sent += 1,
                Outcome::Retry(w) => {
                    why = Some(w);
                    retry.push(a);
                }
                Outcome::Failed(w) => {
                    why = Some(w);
                    failed += 1;
                }
            }
        }
        let mut st = lock(&inner.state);
        st.in_flight = 0;
        if st.abandoned {
            // The stop counted this batch already and is gone.
            finish(&mut st, &inner.wake);
            return;
        }
        st.sent += sent;
        st.dropped += failed;
        if why.is_none() {
            st.last_error = None;
            backoff = Duration::ZERO;
            continue;
        }
        st.last_error.clone_from(&why);
        if st.generation == generation {
            // Back at the front, in order; past capacity the oldest go.
            for a in retry.into_iter().rev() {
                st.items.push_front(a);
            }
            st.trim();
        } else {
            st.dropped += retry.len() as u64;
        }
        // The stop in force now, not when the batch was taken: a stop that
        // came during an ordinary attempt flushes at once too.
        let now = Instant::now();
        let until = match (st.stop, st.flush_until) {
            // Flushing: again soon, never past the deadline.
            (true, Some(d)) => (now + FLUSH_RETRY).min(d),
            // A stop without a flush: the loop's top ends the thread.
            (true, None) => now,
            (false, _) => {
                backoff =
                    (backoff * 2).clamp(inner.first_retry, MAX_BACKOFF.max(inner.first_retry));
                tracing::warn!(
                    queued = st.items.len(),
                    dropped = st.dropped,
                    retry_in = ?backoff,
                    "syslog: sending failed: {}",
                    why.unwrap_or_default()
                );
                now + backoff
            }
        };
        // Woken early by a stop or a new server (a flush waits its pause:
        // the stop is what it is already in).
        let stopping = st.stop;
        while st.stop == stopping && st.generation == generation {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            st = inner
                .wake
                .wait_timeout(st, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;

    fn record(rule: &str) -> serde_json::Value {
        serde_json::json!({
            "created_at": 1_700_000_000_000_i64, "request_id": "r", "rule_id": rule,
            "rule_name": "USB read-only", "policy_id": "devices", "policy_version": 3,
            "mode": "enforce", "enforced": true, "decision": "deny",
            "action": "copy_to_device", "username": "alice", "categories": [],
            "details": {"event": {}, "findings": [
                {"detector": "credit_card", "masked": "4111********1111", "confidence": "high"}]}
        })
    }

    fn udp_target(port: u16) -> SyslogServer {
        SyslogServer::new(SyslogTransport::Udp, "127.0.0.1", port)
    }

    /// Option 67 names facilities as the server's sinks do: devctl's table
    /// (which cannot depend on cordon-alert) and `Facility`'s serde names
    /// are the same list.
    #[test]
    fn option_67_facilities_are_cordon_alerts() {
        for (code, name) in cordon_devctl::FACILITY_NAMES.iter().enumerate() {
            let f = Facility::from_code(u8::try_from(code).unwrap()).unwrap();
            assert_eq!(serde_json::to_value(f).unwrap(), *name);
        }
    }

    #[test]
    fn the_sink_follows_format_and_facility() {
        let t =
            cordon_devctl::parse_syslog_server("tcp://siem?format=json&facility=local0").unwrap();
        let SinkConfig::Syslog(c) = sink_config(&t, Some("/ca.pem".into())) else {
            panic!("not a syslog sink");
        };
        assert_eq!((c.payload, c.facility), (Payload::Json, Facility::Local0));
        assert_eq!(c.ca_file, None, "a CA for TLS only");
        let t = cordon_devctl::parse_syslog_server("tls://siem").unwrap();
        let SinkConfig::Syslog(c) = sink_config(&t, Some("/ca.pem".into())) else {
            panic!("not a syslog sink");
        };
        assert_eq!((c.payload, c.facility), (Payload::Cef, Facility::Local4));
        assert_eq!(c.ca_file, Some("/ca.pem".into()));
    }

    #[test]
    fn a_stop_without_flush_counts_what_waited_as_dropped() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let f = Forwarder::start_retrying("pc1", None, 8, Duration::from_secs(3600)).unwrap();
        f.configure(Some(SyslogServer::new(
            SyslogTransport::Tcp,
            "127.0.0.1",
            port,
        )));
        f.forward(&record("r1"));
        f.forward(&record("r2"));
        // A zero bound: nothing is tried, both are dropped, and said so.
        let flushed = f.shutdown(Duration::ZERO);
        assert_eq!(flushed.sent, 0);
        assert_eq!(flushed.dropped, 2, "{flushed:?}");
        assert_eq!(f.status().queued, 0);
        // Too late to queue: counted, not kept.
        f.forward(&record("r3"));
        assert_eq!(f.status().dropped, 3);
    }

    #[test]
    fn nothing_is_queued_without_a_server() {
        let f = Forwarder::start("pc1", None, 4).unwrap();
        f.forward(&record("r1"));
        assert_eq!(f.status(), SyslogStatus::default());
        f.stop();
    }

    #[test]
    fn sends_to_udp_and_follows_a_new_server() {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").unwrap();
        for s in [&a, &b] {
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        }
        let f = Forwarder::start("pc1", None, 16).unwrap();
        f.configure(Some(udp_target(a.local_addr().unwrap().port())));
        f.forward(&record("first"));
        let mut buf = [0u8; 8192];
        let n = a.recv(&mut buf).unwrap();
        let msg = std::str::from_utf8(&buf[..n]).unwrap();
        assert!(
            msg.starts_with("<163>1 2023-11-14T22:13:20.000+00:00 "),
            "{msg}"
        );
        assert!(
            msg.contains(" cordon-agent - incident - CEF:0|Cordon|Cordon DLP|"),
            "{msg}"
        );
        assert!(msg.contains("|first|USB read-only|7|"), "{msg}");
        assert!(msg.contains("cs5=credit_card 4111********1111"), "{msg}");
        assert!(msg.contains("shost=pc1"), "{msg}");
        assert!(!msg.contains("externalId="), "{msg}");
        f.configure(Some(udp_target(b.local_addr().unwrap().port())));
        f.forward(&record("second"));
        let n = b.recv(&mut buf).unwrap();
        assert!(std::str::from_utf8(&buf[..n]).unwrap().contains("|second|"));
        // Counted once the sink answered, just after the receiver read it.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while f.status().sent < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let st = f.status();
        assert_eq!(st.sent, 2);
        assert_eq!(st.dropped, 0);
        f.stop();
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts() {
        // A TCP port nobody listens on: every send fails and backs off.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let f = Forwarder::start("pc1", None, 3).unwrap();
        f.configure(Some(SyslogServer::new(
            SyslogTransport::Tcp,
            "127.0.0.1",
            port,
        )));
        let records: Vec<serde_json::Value> = (0..1000).map(|i| record(&format!("r{i}"))).collect();
        let start = std::time::Instant::now();
        for r in &records {
            f.forward(r);
        }
        // Queuing never waited for the dead receiver.
        let took = start.elapsed();
        eprintln!(
            "measured: forward() with the receiver down: {:?} per event over 1000",
            took / 1000
        );
        assert!(took < Duration::from_secs(1), "{took:?}");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while (f.status().dropped < 997 || f.status().last_error.is_none())
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let st = f.status();
        assert_eq!(st.sent, 0);
        assert!(st.queued <= 3, "{st:?}");
        assert!(st.dropped >= 997, "{st:?}");
        assert!(st.last_error.is_some());
        f.stop();
    }

    /// A CA and a certificate for 127.0.0.1 made by `openssl`, and
    /// `openssl s_server` as the TLS receiver: the agent trusts its
    /// `ca_file` for option 67's `tls://`.
    #[test]
    fn sends_over_tls_trusting_the_agents_ca_file() {
        use std::io::Read as _;
        use std::process::{Command, Stdio};
        let d = tempfile::tempdir().unwrap();
        let sh = |cmd: &str| {
            let ok = Command::new("sh")
                .args(["-c", cmd])
                .current_dir(d.path())
                .stderr(Stdio::null())
                .status()
                .unwrap()
                .success();
            assert!(
                ok,
                "{cmd}: is openssl installed (scripts/install-test-deps)?"
            );
        };
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
        sh(&format!(
            "openssl req -x509 {ec} -keyout ca.key -out ca.pem -days 2 -subj '/CN=Cordon test CA'"
        ));
        sh(&format!(
            "openssl req {ec} -keyout s.key -out s.csr -subj /CN=siem"
        ));
        std::fs::write(
            d.path().join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        sh(
            "openssl x509 -req -in s.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2 -extfile ext.cnf -out s.pem",
        );
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        // It keeps accepting: the probe that sees it listen costs nothing.
        let mut server = Command::new("openssl")
            .args(["s_server", "-quiet", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-cert", "s.pem", "-key", "s.key"])
            .current_dir(d.path())
            // An open stdin: at its end s_server would close the session.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "s_server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let f = Forwarder::start("pc1", Some(d.path().join("ca.pem")), 16).unwrap();
        f.configure(Some(
            cordon_devctl::parse_syslog_server(&format!("tls://127.0.0.1:{port}")).unwrap(),
        ));
        f.forward(&record("over-tls"));
        let mut out = server.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let mut got = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
                got.extend_from_slice(&chunk);
            }
            let text = String::from_utf8_lossy(&got);
            if let Some((len, msg)) = text.split_once(' ')
                && len.parse::<usize>().is_ok_and(|n| n <= msg.len())
            {
                break;
            }
        }
        let _ = server.kill();
        let _ = server.wait();
        let text = String::from_utf8_lossy(&got).into_owned();
        let (len, msg) = text.split_once(' ').unwrap_or_default();
        assert_eq!(
            len.parse::<usize>().ok(),
            Some(msg.len()),
            "octet counted: {text} ({:?})",
            f.status()
        );
        assert!(msg.starts_with("<163>1 "), "{msg}");
        assert!(msg.contains("|over-tls|USB read-only|7|"), "{msg}");
        assert_eq!(
            f.status().server.as_deref(),
            Some(format!("tls://127.0.0.1:{port}").as_str())
        );
        f.stop();
    }

    #[test]
    fn a_tls_server_whose_ca_cannot_be_read_drops_and_says_why() {
        let f = Forwarder::start("pc1", Some("/nonexistent/ca.pem".into()), 4).unwrap();
        let t = cordon_devctl::parse_syslog_server("tls://127.0.0.1").unwrap();
        assert_eq!(t.port, 6514);
        f.configure(Some(t));
        f.forward(&record("r1"));
        f.forward(&record("r2"));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while f.status().dropped < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let st = f.status();
        assert_eq!(st.dropped, 2, "{st:?}");
        let why = st.last_error.unwrap_or_default();
        assert!(
            why.contains("tls://127.0.0.1:6514") && why.contains("/nonexistent/ca.pem"),
            "{why}"
        );
        f.stop();
    }

    #[test]
    fn a_refused_value_says_why_and_stops_sending() {
        let f = Forwarder::start("pc1", None, 4).unwrap();
        f.configure(Some(udp_target(9)));
        f.refuse("option 67 `http://x`: bad".into());
        let st = f.status();
        assert_eq!(st.server, None);
        assert_eq!(st.last_error.as_deref(), Some("option 67 `http://x`: bad"));
        f.stop();
    }
}
