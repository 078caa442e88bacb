//! After a violation, with real receivers: a JSON Lines file, an HTTP
//! webhook receiver that checks the Standard Webhooks signature, a syslog
//! receiver over TCP, the `aiosmtpd` mail sink, response plug-ins run as
//! real processes, and the share crawler calling back a real HTTP server.
//! Faults: a receiver that is down, then back (the backlog in order); a
//! server that claimed deliveries and died (delivered again after its
//! lease, with the same key); a plug-in that hangs or prints garbage; two
//! servers on one PostgreSQL (each delivery made once, one crawl).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::support::{App, settings};

/// Rules for these tests: an enforced card rule that asks for an alert, a
/// permissive PII rule that does not, and a share rule.
const POLICY: &str = r#"
id: alerts-policy
name: Alerts test policy
rules:
  - id: pci-usb
    name: No card data to USB
    userActions: [copy_to_device, download]
    effect: deny
    mode: enforce
    expression: _file.hasCategory('PCI')
    message: Card data may not leave.
    actions: [alert]
  - id: pii-watch
    name: Watch PII
    userActions: [download]
    effect: deny
    mode: permissive
    expression: _file.hasCategory('PII')
  - id: no-public-pci
    name: No public shares of card data
    userActions: [share]
    effect: deny
    mode: enforce
    expression: _share.public and _metadata.existsWithValue('Cordon.category', 'PCI')
"#;

async fn with_policy(app: App) -> App {
    let (s, v) = app
        .admin(
            "POST",
            "/v1/policies",
            Some(json!({"body": POLICY, "activate": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    app
}

fn fast() -> cordon_server::Settings {
    cordon_server::Settings {
        // Servers sharing a database share the key sealing its secrets.
        seal_key: Some(cordon_server::config::ConfigSecret::new(
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )),
        delivery_poll_ms: 50,
        delivery_backoff_ms: 200,
        public_url: Some("https://dlp.example.org".to_owned()),
        ..settings()
    }
}

async fn decide(app: &App, action: &str, cats: &[&str]) -> Value {
    let (s, v) = app
        .admin(
            "POST",
            "/v1/decide",
            Some(json!({
                "action": action,
                "user": {"username": "alice"},
                "file": {"path": "/home/alice/cards 4111111111111111.xlsx", "classification": {"categories": cats, "detectors": {"credit_card": {"high": 2, "medium": 1}}}},
            })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn put_sink(app: &App, id: &str, body: Value) {
    let (s, v) = app
        .admin("PUT", &format!("/v1/alerts/sinks/{id}"), Some(body))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// Polls `f` until it holds, for at most `secs`.
async fn until<F, Fut>(secs: u64, what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn deliveries(app: &App, query: &str) -> Vec<Value> {
    let (s, v) = app
        .admin("GET", &format!("/v1/deliveries?{query}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["deliveries"].as_array().unwrap().clone()
}

async fn history(app: &App, incident: i64) -> Vec<Value> {
    let (s, v) = app
        .admin("GET", &format!("/v1/incidents/{incident}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["history"].as_array().unwrap().clone()
}

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn an_incident_reaches_every_subscribed_sink_once_with_its_history_sqlite() {
    deliver_to_files(App::sqlite_with(fast()).await).await;
}

#[tokio::test]
async fn an_incident_reaches_every_subscribed_sink_once_with_its_history_postgres() {
    deliver_to_files(App::postgres_with(fast()).await).await;
}

async fn deliver_to_files(app: App) {
    let app = with_policy(app).await;
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all.jsonl");
    let alerts = dir.path().join("alerts.jsonl");
    put_sink(
        &app,
        "siem",
        json!({"on": "all", "config": {"kind": "jsonl", "path": all}}),
    )
    .await;
    put_sink(
        &app,
        "soc",
        json!({"on": "alerts", "config": {"kind": "jsonl", "path": alerts}}),
    )
    .await;
    // The permissive PII rule asks for no alert: the SIEM file only.
    decide(&app, "download", &["PII"]).await;
    // The card rule asks for one: both files.
    decide(&app, "copy_to_device", &["PCI"]).await;
    until(
        20,
        "two lines in all.jsonl and one in alerts.jsonl",
        || async { lines(&all).len() == 2 && lines(&alerts).len() == 1 },
    )
    .await;
    let soc = lines(&alerts);
    let line = &soc[0];
    assert_eq!(line["alert"]["ruleId"], "pci-usb");
    assert_eq!(line["alert"]["severity"], 8);
    let id = line["alert"]["incidentId"].as_i64().unwrap();
    assert_eq!(
        line["alert"]["url"],
        format!("https://dlp.example.org/incidents/{id}")
    );
    // The key is the delivery's, the same on every attempt. The SIEM
    // takes every incident from its stream: no row of its own, a key
    // made of the sink and the incident.
    let ds = deliveries(&app, &format!("incident={id}")).await;
    assert_eq!(ds.len(), 1, "{ds:?}");
    assert_eq!(ds[0]["target"], "sink:soc");
    assert_eq!(line["key"], ds[0]["key"]);
    let siem_keys: Vec<Value> = lines(&all).iter().map(|l| l["key"].clone()).collect();
    assert!(
        siem_keys.contains(&json!(format!("str_siem_{id}"))),
        "{siem_keys:?}"
    );
    until(10, "the alert delivered", || async {
        deliveries(&app, &format!("incident={id}"))
            .await
            .iter()
            .all(|d| d["state"] == "delivered")
    })
    .await;
    // The stream's counts: both delivered, nothing left.
    until(10, "the stream's position past both", || async {
        let (_, v) = app.admin("GET", "/v1/alerts/sinks", None).await;
        let siem = v["sinks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "siem")
            .cloned()
            .unwrap();
        siem["stream"]["delivered"] == 2 && siem["stream"]["backlog"] == 0
    })
    .await;
    let (_, v) = app.admin("GET", "/v1/deliveries/summary", None).await;
    assert!(
        v["counts"]
            .as_array()
            .unwrap()
            .contains(&json!({"target": "sink:siem", "state": "delivered", "count": 2})),
        "{v}"
    );
    // Nothing in full: the card number in the path is masked.
    let text = std::fs::read_to_string(&all).unwrap();
    assert!(!text.contains("4111111111111111"), "{text}");
    let h = history(&app, id).await;
    // The alert someone asked for is in the History; the SIEM's copy of
    // every incident is not (it would double the History of each).
    let sent: Vec<&Value> = h.iter().filter(|e| e["kind"] == "alert").collect();
    assert_eq!(sent.len(), 1, "{h:?}");
    assert_eq!(sent[0]["detail"]["sink"], "soc");
    assert_eq!(sent[0]["detail"]["outcome"], "delivered");
    // Nothing is delivered twice.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(lines(&all).len(), 2);
    assert_eq!(lines(&alerts).len(), 1);
    app.close().await;
}

/// What a receiver got: each request's headers and body.
type Got = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// An HTTP receiver that records what it gets and answers with the status
/// it is told to.
#[derive(Clone)]
struct Receiver {
    got: Got,
    status: Arc<std::sync::atomic::AtomicU16>,
}

impl Receiver {
    async fn start(status: u16) -> (Receiver, String) {
        let r = Receiver {
            got: Arc::default(),
            status: Arc::new(status.into()),
        };
        let state = r.clone();
        let app =
            axum::Router::new().fallback(move |headers: HeaderMap, body: axum::body::Bytes| {
                let state = state.clone();
                async move {
                    let code = state.status.load(std::sync::atomic::Ordering::SeqCst);
                    if code == 200 {
                        state.got.lock().unwrap().push((headers, body.to_vec()));
                    }
                    StatusCode::from_u16(code).unwrap()
                }
            });
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        (r, url)
    }

    fn set(&self, status: u16) {
        self.status
            .store(status, std::sync::atomic::Ordering::SeqCst);
    }

    fn bodies(&self) -> Vec<(HeaderMap, Value)> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(h, b)| (h.clone(), serde_json::from_slice(b).unwrap()))
            .collect()
    }
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The Standard Webhooks signature of what the receiver got, checked.
fn verify(headers: &HeaderMap, body: &Value) {
    let id = headers["webhook-id"].to_str().unwrap();
    let ts: i64 = headers["webhook-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let sig = headers["webhook-signature"].to_str().unwrap();
    let raw = serde_json::to_vec(body).unwrap();
    let key = cordon_alert::webhook::secret_key(&cordon_alert::Secret::new(SECRET)).unwrap();
    let want = cordon_alert::webhook::sign(&key, id, ts, &raw);
    assert_eq!(sig, want);
}

#[tokio::test]
async fn a_receiver_down_gets_the_backlog_in_order_when_it_returns() {
    let app = with_policy(App::sqlite_with(fast()).await).await;
    let (rx, url) = Receiver::start(503).await;
    put_sink(
        &app,
        "hook",
        json!({"on": "all", "config": {"kind": "webhook", "url": url, "format": "generic", "secret": SECRET}}),
    )
    .await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let v = decide(&app, "copy_to_device", &["PCI"]).await;
        ids.push(v["request_id"].as_str().unwrap().to_owned());
    }
    // Down: retried with backoff, nothing lost, the error shown on the
    // sink's stream.
    until(20, "retries recorded", || async {
        let s = hook_stream(&app).await;
        s["attempts"].as_i64().unwrap() >= 2 && s["last_error"].is_string() && s["backlog"] == 5
    })
    .await;
    assert!(rx.bodies().is_empty());
    rx.set(200);
    until(30, "five deliveries", || async { rx.bodies().len() == 5 }).await;
    let got = rx.bodies();
    let order: Vec<i64> = got
        .iter()
        .map(|(_, b)| b["data"]["incidentId"].as_i64().unwrap())
        .collect();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(order, sorted, "delivered in the order of the incidents");
    for (h, b) in &got {
        verify(h, b);
        assert_eq!(b["type"], "incident.created");
    }
    until(10, "all delivered", || async {
        let s = hook_stream(&app).await;
        s["delivered"] == 5 && s["backlog"] == 0 && s["attempts"] == 0
    })
    .await;
    assert!(deliveries(&app, "").await.is_empty(), "no row for a stream");
    app.close().await;
}

/// The stream of sink `hook`, as `/v1/alerts/sinks` shows it.
async fn hook_stream(app: &App) -> Value {
    sink_stream(app, "hook").await
}

async fn sink_stream(app: &App, id: &str) -> Value {
    let (_, v) = app.admin("GET", "/v1/alerts/sinks", None).await;
    v["sinks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .map(|s| s["stream"].clone())
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_refused_delivery_fails_with_the_reason_and_is_retried_by_hand() {
    let app = with_policy(App::sqlite_with(fast()).await).await;
    let (rx, url) = Receiver::start(400).await;
    put_sink(
        &app,
        "hook",
        json!({"on": "alerts", "config": {"kind": "webhook", "url": url, "format": "slack"}}),
    )
    .await;
    decide(&app, "copy_to_device", &["PCI"]).await;
    until(20, "a failed delivery", || async {
        !deliveries(&app, "state=failed").await.is_empty()
    })
    .await;
    let failed = deliveries(&app, "state=failed").await;
    let d = &failed[0];
    assert!(d["last_error"].as_str().unwrap().contains("400"), "{d}");
    let (s, v) = app.admin("GET", "/v1/deliveries/summary", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["counts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["state"] == "failed" && c["count"] == 1)
    );
    rx.set(200);
    let (s, v) = app
        .admin("POST", &format!("/v1/deliveries/{}/retry", d["id"]), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "pending");
    until(20, "delivered after the retry", || async {
        rx.bodies().len() == 1
    })
    .await;
    let (_, body) = &rx.bodies()[0];
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .contains("No card data to USB"),
        "{body}"
    );
    // A delivered one cannot be retried.
    until(10, "marked delivered", || async {
        deliveries(&app, "state=delivered").await.len() == 1
    })
    .await;
    let (s, _) = app
        .admin("POST", &format!("/v1/deliveries/{}/retry", d["id"]), None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // The retry is in the audit trail.
    let (_, audit) = app
        .admin("GET", "/v1/audit?action=delivery.retry", None)
        .await;
    assert!(audit.to_string().contains("delivery.retry"), "{audit}");
    app.close().await;
}

#[tokio::test]
async fn a_server_that_died_holding_deliveries_has_them_delivered_again_with_the_same_key() {
    let mut s = fast();
    s.delivery_poll_ms = 60_000; // this server's worker stays out of the way at first
    let app = with_policy(App::sqlite_with(s).await).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.jsonl");
    put_sink(
        &app,
        "siem",
        json!({"on": "alerts", "config": {"kind": "jsonl", "path": file}}),
    )
    .await;
    // Another server claimed a delivery for 1 s and died before
    // delivering. This server's worker is woken by every incident written
    // and may take one first: then the next incident is tried.
    let mut claimed = Vec::new();
    for _ in 0..20 {
        decide(&app, "copy_to_device", &["PCI"]).await;
        app.settle().await;
        let now = cordon_store::now_millis();
        claimed = app
            .store
            .claim_deliveries("sink:siem", "dead-server", now, 1_000, 1)
            .await
            .unwrap();
        if !claimed.is_empty() {
            break;
        }
    }
    assert_eq!(claimed.len(), 1, "the stand-in server never won a claim");
    let key = cordon_store::delivery_key(claimed[0].id);
    let with_key = |file: &std::path::Path| {
        lines(file)
            .iter()
            .filter(|l| l["key"] == key.as_str())
            .count()
    };
    // While the claim holds, nobody else delivers it.
    app.state.alerts.wake();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(with_key(&file), 0);
    // After it, this server does, once, with the same idempotency key.
    tokio::time::sleep(Duration::from_millis(900)).await;
    app.state.alerts.wake();
    until(10, "delivered after the lease", || async {
        with_key(&file) == 1
    })
    .await;
    // The dead server's late outcome is refused: the row is someone else's.
    let late = app
        .store
        .finish_delivery(
            claimed[0].id,
            "dead-server",
            cordon_store::now_millis(),
            &cordon_store::Finish::Delivered,
            None,
        )
        .await
        .unwrap();
    assert!(!late);
    app.close().await;
}

#[tokio::test]
async fn a_server_that_died_holding_a_stream_has_its_batch_delivered_again_with_the_same_keys() {
    let mut s = fast();
    s.delivery_poll_ms = 60_000; // this server's worker stays out of the way at first
    let app = with_policy(App::sqlite_with(s).await).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.jsonl");
    put_sink(
        &app,
        "siem",
        json!({"on": "all", "config": {"kind": "jsonl", "path": file}}),
    )
    .await;
    // Another server took the stream for 1 s and died before delivering.
    // This server's worker is woken by every incident written and may
    // take the stream first: then the next incident is tried.
    let mut claimed = None;
    for _ in 0..20 {
        decide(&app, "download", &["PII"]).await;
        app.settle().await;
        let now = cordon_store::now_millis();
        claimed = app
            .store
            .claim_stream("siem", "dead-server", now, 1_000)
            .await
            .unwrap();
        if claimed.is_some() {
            break;
        }
    }
    let claimed = claimed.expect("the stand-in server never took the stream");
    let pending = app.store.incidents_after(claimed.pos, 100).await.unwrap();
    assert!(!pending.is_empty());
    let keys: Vec<String> = pending
        .iter()
        .map(|i| cordon_store::stream_key("siem", i.id))
        .collect();
    let with_keys = |file: &std::path::Path| {
        lines(file)
            .iter()
            .filter(|l| keys.iter().any(|k| l["key"] == k.as_str()))
            .count()
    };
    // While the lease holds, nobody else delivers them.
    app.state.alerts.wake();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(with_keys(&file), 0);
    // After it, this server does, once each, with the same keys.
    tokio::time::sleep(Duration::from_millis(900)).await;
    app.state.alerts.wake();
    until(10, "delivered after the lease", || async {
        with_keys(&file) == keys.len()
    })
    .await;
    // The dead server's late answer moves nothing: the stream was taken
    // again since.
    let late = app
        .store
        .end_stream(
            &claimed,
            cordon_store::now_millis(),
            &cordon_store::StreamEnd::Advance {
                to: claimed.pos + 1_000,
                delivered: 1_000,
                failed: vec![],
            },
        )
        .await
        .unwrap();
    assert!(!late);
    // Every incident once: as many lines as the stream counts delivered.
    until(10, "the stream at the end", || async {
        let s = sink_stream(&app, "siem").await;
        s["backlog"] == 0 && s["delivered"].as_u64() == Some(lines(&file).len() as u64)
    })
    .await;
    app.close().await;
}

#[tokio::test]
async fn syslog_over_tcp_carries_cef_with_octet_counting() {
    let app = with_policy(App::sqlite_with(fast()).await).await;
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sink = got.clone();
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let (mut c, _) = l.accept().await.unwrap();
        let mut buf = [0_u8; 4096];
        loop {
            let n = c.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    put_sink(
        &app,
        "siem",
        json!({"on": "all", "config": {"kind": "syslog", "host": "127.0.0.1", "port": port, "transport": "tcp", "payload": "cef"}}),
    )
    .await;
    decide(&app, "copy_to_device", &["PCI"]).await;
    until(20, "a syslog message", || async {
        !got.lock().unwrap().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let bytes = got.lock().unwrap().clone();
    let text = String::from_utf8(bytes).unwrap();
    let (len, rest) = text.split_once(' ').unwrap();
    assert_eq!(
        len.parse::<usize>().unwrap(),
        rest.len(),
        "octet counting: {text}"
    );
    assert!(rest.starts_with('<'), "{rest}");
    assert!(rest.contains("CEF:0|Cordon|Cordon DLP|"), "{rest}");
    assert!(rest.contains("|pci-usb|No card data to USB|8|"), "{rest}");
    assert!(
        rest.contains(" cnt=3 "),
        "the classification's count: {rest}"
    );
    assert!(rest.contains("suser=alice"), "{rest}");
    assert!(!rest.contains("4111111111111111"), "{rest}");
    app.close().await;
}

#[tokio::test]
async fn an_email_alert_reaches_a_real_smtp_sink() {
    let mail = crate::login::kit::MailSink::start();
    let app = with_policy(App::sqlite_with(fast()).await).await;
    put_sink(
        &app,
        "soc-mail",
        json!({"on": "alerts", "config": {
            "kind": "email",
            "to": ["soc@example.org"],
            "subject": "DLP {{severity}}: {{rule_name}} by {{user}}",
            "smtp": {"host": "127.0.0.1", "port": mail.port, "security": "none", "from": "dlp@example.org"},
        }}),
    )
    .await;
    decide(&app, "copy_to_device", &["PCI"]).await;
    until(20, "one message", || async { mail.messages().len() == 1 }).await;
    let m = &mail.messages()[0];
    assert!(m.contains("DLP 8: No card data to USB by alice"), "{m}");
    assert!(m.contains("https://dlp.example.org/incidents/"), "{m}");
    assert!(!m.contains("4111111111111111"), "{m}");
    // The sink's list shows no secret, and a test alert goes through.
    let (s, v) = app
        .admin("POST", "/v1/alerts/sinks/soc-mail/test", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["outcome"], "delivered", "{v}");
    until(20, "the test message", || async {
        mail.messages().len() == 2
    })
    .await;
    app.close().await;
}

#[tokio::test]
async fn a_digest_stream_holds_its_incidents_until_the_digest_is_due() {
    let mail = crate::login::kit::MailSink::start();
    let app = with_policy(App::sqlite_with(fast()).await).await;
    put_sink(
        &app,
        "digest",
        json!({"on": "all", "config": {
            "kind": "email",
            "to": ["soc@example.org"],
            "subject": "DLP digest",
            "digest_minutes": 60,
            "smtp": {"host": "127.0.0.1", "port": mail.port, "security": "none", "from": "dlp@example.org"},
        }}),
    )
    .await;
    let before = cordon_store::now_millis();
    decide(&app, "copy_to_device", &["PCI"]).await;
    decide(&app, "copy_to_device", &["PCI"]).await;
    // The stream looked at its oldest incident and stalls until an hour
    // after it, with both incidents still its backlog.
    until(10, "the stream stalled until the digest is due", || async {
        let (_, v) = app.admin("GET", "/v1/alerts/sinks", None).await;
        let stream = v["sinks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "digest")
            .map(|s| s["stream"].clone())
            .unwrap_or(Value::Null);
        stream["backlog"] == 2
            && stream["next_at"]
                .as_i64()
                .is_some_and(|t| t >= before + 3_600_000 - 1_000)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        mail.messages().is_empty(),
        "nothing is mailed before the digest is due"
    );
    app.close().await;
}

#[tokio::test]
async fn sink_secrets_are_sealed_at_rest_and_never_shown() {
    let app = App::sqlite_with(fast()).await;
    put_sink(
        &app,
        "hook",
        json!({"config": {"kind": "webhook", "url": "https://hooks.example.org/x", "format": "generic", "secret": SECRET}}),
    )
    .await;
    let (_, v) = app.admin("GET", "/v1/alerts/sinks", None).await;
    assert!(!v.to_string().contains(SECRET), "{v}");
    assert_eq!(v["sinks"][0]["config"]["secret"], "***");
    // The URL's path may be its credential (Slack, Teams): not shown.
    assert_eq!(
        v["sinks"][0]["config"]["url"],
        "https://hooks.example.org/***"
    );
    let stored = app.store.get_setting("alerts").await.unwrap().unwrap();
    assert!(
        !stored
            .to_string()
            .contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        "{stored}"
    );
    assert!(
        !stored.to_string().contains("hooks.example.org"),
        "{stored}"
    );
    // Sent back as shown, the URL is kept.
    put_sink(
        &app,
        "hook",
        json!({"config": {"kind": "webhook", "url": "https://hooks.example.org/***", "format": "generic", "secret": "***"}}),
    )
    .await;
    match &app.state.alerts.snapshot().settings.sinks[0].config {
        cordon_alert::SinkConfig::Webhook(w) => assert_eq!(w.url, "https://hooks.example.org/x"),
        other => panic!("{:?}", other.redacted()),
    }
    let (s, _) = app
        .admin(
            "PUT",
            "/v1/alerts/sinks/hook",
            Some(json!({"config": {"kind": "webhook", "url": "https://other.example.org/***", "format": "generic"}})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "a `***` URL that matches none stored"
    );
    // Sent back as `***`, the secret is kept.
    put_sink(
        &app,
        "hook",
        json!({"config": {"kind": "webhook", "url": "https://hooks.example.org/y", "format": "generic", "secret": "***"}}),
    )
    .await;
    let snapshot = app.state.alerts.snapshot();
    let mut cfg = snapshot.settings.sinks[0].config.clone();
    assert_eq!(cfg.secrets_mut()[0].expose(), SECRET);
    // A response rule naming a missing sink is refused, with where.
    let (s, v) = app
        .admin(
            "PUT",
            "/v1/alerts/responses/r1",
            Some(json!({"actions": [{"sink": "nope"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        v["message"].as_str().unwrap().contains("no sink `nope`"),
        "{v}"
    );
    // The change is audited, without the secret.
    let (_, audit) = app
        .admin("GET", "/v1/audit?action=alerts.sink.put", None)
        .await;
    assert!(audit.to_string().contains("alerts.sink.put"), "{audit}");
    assert!(!audit.to_string().contains(SECRET));
    app.close().await;
}

/// Writes a plug-in directory and packs it.
fn plugin(name: &str, script: &str, timeout_ms: u64) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cordon-plugin.toml"),
        format!(
            "name = \"{name}\"\nversion = \"1.0\"\nprotocol = 1\nruns_on = \"server\"\nevents = [\"*\"]\nexecutable = \"run.sh\"\ntimeout_ms = {timeout_ms}\n"
        ),
    )
    .unwrap();
    let exe = dir.path().join("run.sh");
    std::fs::write(&exe, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    cordon_plugin::pack(dir.path()).unwrap()
}

async fn install(app: &App, package: Vec<u8>) -> (StatusCode, Value) {
    app.call_raw(
        "POST",
        "/v1/plugins",
        Some(&app.admin.clone()),
        axum::body::Body::from(package),
    )
    .await
}

#[tokio::test]
async fn response_plugins_answer_into_the_incident_history_and_bad_ones_hurt_nothing_else() {
    let mut s = fast();
    s.plugin_timeout_ms = 2_000;
    let app = with_policy(App::sqlite_with(s).await).await;
    let ok = plugin(
        "Encrypt",
        "#!/bin/sh\ncat >/dev/null\necho '{\"status\":\"ok\",\"message\":\"File is encrypted\"}'\n",
        5_000,
    );
    let hang = plugin("Hang", "#!/bin/sh\nsleep 1000\n", 60_000);
    let garbage = plugin(
        "Garbage",
        "#!/bin/sh\ncat >/dev/null\necho 'not json'\n",
        5_000,
    );
    for p in [ok, hang, garbage] {
        let (s, v) = install(&app, p).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, v) = app.admin("GET", "/v1/plugins", None).await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = v["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Encrypt", "Garbage", "Hang"]);
    let (s, v) = app
        .admin(
            "PUT",
            "/v1/alerts/responses/usb",
            Some(json!({
                "when": {"channels": ["copy_to_device"], "categories": ["PCI"]},
                "actions": [{"plugin": "Encrypt"}, {"plugin": "Hang"}, {"plugin": "Garbage"}],
            })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    decide(&app, "copy_to_device", &["PCI"]).await;
    app.settle().await;
    let (_, list) = app.admin("GET", "/v1/incidents?rule=pci-usb", None).await;
    let id = list["incidents"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{list}"));
    until(30, "three plug-in answers in the history", || async {
        history(&app, id)
            .await
            .iter()
            .filter(|e| e["kind"] == "plugin")
            .count()
            == 3
    })
    .await;
    let h = history(&app, id).await;
    let by_plugin: BTreeMap<String, Value> = h
        .iter()
        .filter(|e| e["kind"] == "plugin")
        .map(|e| {
            (
                e["detail"]["plugin"].as_str().unwrap().to_owned(),
                e["detail"].clone(),
            )
        })
        .collect();
    assert_eq!(by_plugin["Encrypt"]["message"], "File is encrypted");
    assert_eq!(by_plugin["Encrypt"]["status"], "ok");
    assert_eq!(by_plugin["Hang"]["status"], "error");
    assert!(
        by_plugin["Hang"]["message"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{h:?}"
    );
    assert_eq!(by_plugin["Garbage"]["status"], "error");
    // A rule cannot lose the plug-in it names; an unused one uninstalls.
    let (s, _) = app.admin("DELETE", "/v1/plugins/Encrypt", None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app.admin("DELETE", "/v1/alerts/responses/usb", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.admin("DELETE", "/v1/plugins/Encrypt", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, audit) = app
        .admin("GET", "/v1/audit?action=plugin.install", None)
        .await;
    assert_eq!(
        audit["entries"].as_array().map(Vec::len),
        Some(3),
        "{audit}"
    );
    // A broken package is refused with what is wrong.
    let (s, v) = install(&app, b"not a package".to_vec()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "invalid_package");
    app.close().await;
}

async fn register_share(app: &App, key: &str, id: &str, public: bool, cats: &[&str]) {
    let (s, v) = app
        .call(
            "PUT",
            &format!("/v1/shares/{id}"),
            Some(key),
            Some(json!({
                "path": format!("/shares/{id}"),
                "public": public,
                "owner": "bob",
                "files": [{"path": format!("/shares/{id}/list.xlsx"), "classification": {"categories": cats}}],
            })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn client_key(app: &App, name: &str) -> (String, String) {
    let (s, v) = app
        .admin(
            "POST",
            "/v1/keys",
            Some(json!({"name": name, "role": "client"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    (
        v["secret"].as_str().unwrap().to_owned(),
        v["key"]["id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn the_share_crawler_reports_in_dry_run_and_asks_for_removal_when_enforcing() {
    let app = with_policy(App::sqlite_with(fast()).await).await;
    let (key, app_id) = client_key(&app, "fileserver").await;
    register_share(&app, &key, "s1", true, &["PCI"]).await;
    register_share(&app, &key, "s2", false, &["PCI"]).await;
    register_share(&app, &key, "s3", true, &["PII"]).await;
    let (rx, url) = Receiver::start(200).await;
    let (s, v) = app
        .admin(
            "PUT",
            "/v1/share-crawler",
            Some(json!({"enabled": true, "at": "03:30", "callbacks": [{"app": app_id, "url": url, "secret": SECRET}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["callbacks"][0]["secret"], "***");
    // Dry run (the default): reported, nothing removed.
    let (s, run) = app.admin("POST", "/v1/share-crawler/run", None).await;
    assert_eq!(s, StatusCode::OK, "{run}");
    assert_eq!(
        (
            run["mode"].as_str(),
            run["checked"].as_i64(),
            run["violations"].as_i64()
        ),
        (Some("dry_run"), Some(3), Some(1))
    );
    let entry = &run["report"]["entries"][0];
    assert_eq!(entry["share"], "s1");
    assert_eq!(entry["action"], "would remove");
    assert_eq!(entry["rules"], json!(["no-public-pci"]));
    assert!(rx.bodies().is_empty());
    // The violation is an incident.
    app.settle().await;
    let (_, list) = app
        .admin("GET", "/v1/incidents?rule=no-public-pci", None)
        .await;
    assert_eq!(list["incidents"].as_array().unwrap().len(), 1);
    // Enforce: the application is asked, with a signed request.
    let (s, v) = app
        .admin(
            "PUT",
            "/v1/share-crawler",
            Some(json!({"enabled": true, "at": "03:30", "mode": "enforce", "callbacks": [{"app": app_id, "url": url, "secret": "***"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, run) = app.admin("POST", "/v1/share-crawler/run", None).await;
    assert_eq!(run["report"]["entries"][0]["action"], "removed", "{run}");
    let got = rx.bodies();
    assert_eq!(got.len(), 1);
    verify(&got[0].0, &got[0].1);
    assert_eq!(got[0].1["type"], "share.remove");
    assert_eq!(got[0].1["data"]["share"], "s1");
    // A removed share is not crawled again.
    let (_, run) = app.admin("POST", "/v1/share-crawler/run", None).await;
    assert_eq!(
        (run["checked"].as_i64(), run["violations"].as_i64()),
        (Some(2), Some(0)),
        "{run}"
    );
    let (_, runs) = app.admin("GET", "/v1/share-crawler/runs", None).await;
    assert_eq!(runs["runs"].as_array().unwrap().len(), 3);
    app.close().await;
}

#[tokio::test]
async fn two_servers_on_one_postgres_deliver_each_alert_once_and_crawl_once() {
    let first = with_policy(App::postgres_with(fast()).await).await;
    let url = match &first.db {
        Some(crate::support::Db::Pg(db)) => db.url.clone(),
        _ => unreachable!(),
    };
    let store = cordon_store::open(&url, &cordon_store::OpenOptions::default())
        .await
        .unwrap();
    let second_state = crate::support::state(fast());
    second_state.attach(store.clone()).await.unwrap();
    let second = App {
        state: second_state,
        admin: first.admin.clone(),
        store,
        db: None,
    };
    let (rx, hook) = Receiver::start(200).await;
    put_sink(
        &first,
        "hook",
        json!({"on": "all", "config": {"kind": "webhook", "url": hook, "format": "generic"}}),
    )
    .await;
    // Both servers see the sink within their refresh; then both decide.
    tokio::time::sleep(Duration::from_secs(6)).await;
    for i in 0..40 {
        let app = if i % 2 == 0 { &first } else { &second };
        decide(app, "copy_to_device", &["PCI"]).await;
    }
    until(60, "forty deliveries", || async { rx.bodies().len() >= 40 }).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let got = rx.bodies();
    let mut ids: Vec<String> = got
        .iter()
        .map(|(h, _)| h["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!((got.len(), ids.len()), (40, 40), "each delivery once");
    // A crawl holds the lease: the other server is told, then runs once
    // the lease is released.
    let lease = first
        .store
        .try_lease(
            "share-crawler",
            "first-crawl",
            cordon_store::now_millis(),
            60_000,
        )
        .await
        .unwrap()
        .unwrap();
    let (s, v) = second.admin("POST", "/v1/share-crawler/run", None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "crawl_running");
    first
        .store
        .release_lease(&lease, cordon_store::now_millis(), "done")
        .await
        .unwrap();
    let (s, v) = second.admin("POST", "/v1/share-crawler/run", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    drop(second);
    first.close().await;
}

/// A syslog receiver over TCP: everything it read, as text.
async fn syslog_receiver() -> (u16, Arc<Mutex<Vec<u8>>>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sink = got.clone();
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        while let Ok((mut c, _)) = l.accept().await {
            let sink = sink.clone();
            tokio::spawn(async move {
                let mut buf = [0_u8; 4096];
                loop {
                    let n = c.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
    });
    (port, got)
}

#[tokio::test]
async fn the_audit_trail_reaches_the_sinks_subscribed_to_it_sqlite() {
    audit_to_siem(App::sqlite_with(fast()).await).await;
}

#[tokio::test]
async fn the_audit_trail_reaches_the_sinks_subscribed_to_it_postgres() {
    audit_to_siem(App::postgres_with(fast()).await).await;
}

#[tokio::test]
async fn an_audit_entry_is_sent_at_once_not_at_the_next_poll() {
    // The worker looks only every minute by itself: an entry arriving
    // within seconds was sent because it was written.
    let app = App::sqlite_with(cordon_server::Settings {
        delivery_poll_ms: 60_000,
        ..fast()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    put_sink(
        &app,
        "siem",
        json!({"on": "responses", "audit": true, "config": {"kind": "jsonl", "path": audit}}),
    )
    .await;
    let put = |l: &Value| l["audit"]["action"] == "alerts.sink.put";
    until(10, "the sink's own change in audit.jsonl", || async {
        lines(&audit).iter().any(put)
    })
    .await;
    let t = Instant::now();
    let (s, v) = app
        .admin(
            "POST",
            "/v1/users",
            Some(
                json!({"username": "carol", "password": "correct horse battery staple 43",
                        "role": "guest", "scope": {"kind": "all"}}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    until(10, "the account's creation in audit.jsonl", || async {
        lines(&audit)
            .iter()
            .any(|l| l["audit"]["action"] == "account.create")
    })
    .await;
    eprintln!(
        "measured: audit entry written → in the sink {:?}",
        t.elapsed()
    );
    app.close().await;
}

async fn audit_to_siem(app: App) {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let incidents = dir.path().join("incidents.jsonl");
    let (port, syslog) = syslog_receiver().await;
    // E-mail is not for the audit trail; an unknown field is named.
    let (s, v) = app
        .admin(
            "PUT",
            "/v1/alerts/sinks/mail",
            Some(json!({"audit": true, "config": {"kind": "email", "to": ["soc@example.org"],
                "subject": "{{rule_name}}", "smtp": {"host": "127.0.0.1", "port": 25, "security": "none", "from": "dlp@example.org"}}})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("`audit`"), "{v}");
    let (s, v) = app
        .admin(
            "PUT",
            "/v1/alerts/sinks/x",
            Some(json!({"audti": true, "config": {"kind": "jsonl", "path": audit}})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("audti"), "{v}");
    // Every incident, but not the audit trail (the default).
    put_sink(
        &app,
        "archive",
        json!({"on": "all", "config": {"kind": "jsonl", "path": incidents}}),
    )
    .await;
    // Only the audit trail: `on: responses` and no response rule.
    put_sink(
        &app,
        "siem",
        json!({"on": "responses", "audit": true, "config": {"kind": "jsonl", "path": audit}}),
    )
    .await;
    put_sink(
        &app,
        "cef",
        json!({"on": "responses", "audit": true, "config": {"kind": "syslog", "host": "127.0.0.1",
               "port": port, "transport": "tcp", "payload": "cef"}}),
    )
    .await;
    let (s, v) = app.admin("GET", "/v1/alerts/sinks", None).await;
    assert_eq!(s, StatusCode::OK);
    let shown: Vec<(String, bool)> = v["sinks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap().to_owned(), s["audit"] == true))
        .collect();
    assert!(shown.contains(&("siem".to_owned(), true)), "{v}");
    assert!(shown.contains(&("archive".to_owned(), false)), "{v}");
    // An administrator creates an account: the entry goes to both.
    let password = "correct horse battery staple 42";
    let (s, u) = app
        .admin(
            "POST",
            "/v1/users",
            Some(
                json!({"username": "bob", "password": password, "role": "guest",
                        "scope": {"kind": "all"}, "email": "bob@corp.example"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{u}");
    let bob = u["account"]["id"].as_str().unwrap().to_owned();
    let created = |l: &Value| l["audit"]["action"] == "account.create";
    until(20, "the account's creation in audit.jsonl", || async {
        lines(&audit).iter().any(created)
    })
    .await;
    let got = lines(&audit);
    let line = got.iter().find(|l| created(l)).unwrap();
    assert!(line.get("alert").is_none(), "{line}");
    let entry = &line["audit"];
    assert_eq!(entry["targetKind"], "account");
    assert_eq!(entry["targetId"], bob.as_str());
    assert_eq!(entry["outcome"], "success");
    assert!(
        entry["actor"].as_str().unwrap().starts_with("key:"),
        "the admin key acted: {entry}"
    );
    assert_eq!(entry["after"]["username"], "bob");
    // The sink's own subscription was audited after it was stored: the
    // trail tells of the change that started it.
    assert!(
        got.iter()
            .any(|l| l["audit"]["action"] == "alerts.sink.put" && l["audit"]["targetId"] == "cef"),
        "{got:?}"
    );
    assert!(!std::fs::read_to_string(&audit).unwrap().contains(password));
    // The outbox shows it as an audit entry's delivery, the key the same.
    let audit_id = entry["auditId"].as_i64().unwrap();
    let ds = deliveries(&app, &format!("audit={audit_id}")).await;
    assert_eq!(ds.len(), 2, "siem and cef: {ds:?}");
    for d in &ds {
        assert_eq!(d["audit_id"], audit_id, "{d}");
        assert!(d.get("incident_id").is_none(), "{d}");
    }
    let siem = ds.iter().find(|d| d["target"] == "sink:siem").unwrap();
    assert_eq!(line["key"], siem["key"]);
    // CEF over syslog: its own signature, the actor, action and outcome.
    until(20, "the account's creation over syslog", || async {
        String::from_utf8_lossy(&syslog.lock().unwrap()).contains("audit:account.create")
    })
    .await;
    let text = String::from_utf8(syslog.lock().unwrap().clone()).unwrap();
    let msg = text
        .split("<")
        .find(|m| m.contains("audit:account.create"))
        .unwrap();
    assert!(
        msg.contains(" audit - CEF:0|Cordon|Cordon DLP|"),
        "MSGID: {msg}"
    );
    assert!(
        msg.contains("|audit:account.create|Audit account.create|1|"),
        "{msg}"
    );
    assert!(
        msg.contains(" act=account.create outcome=success "),
        "{msg}"
    );
    assert!(msg.contains(" suser="), "{msg}");
    assert!(msg.contains(&format!("cs2=account:{bob}")), "{msg}");
    assert!(!text.contains(password));
    // The archive of incidents got none of it.
    until(10, "the audit deliveries done", || async {
        deliveries(&app, &format!("audit={audit_id}"))
            .await
            .iter()
            .all(|d| d["state"] == "delivered")
    })
    .await;
    assert!(lines(&incidents).is_empty());
    assert!(
        deliveries(&app, "target=sink:archive").await.is_empty(),
        "no audit entry for a sink without `audit`"
    );
    app.close().await;
}
