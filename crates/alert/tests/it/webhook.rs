//! Webhooks to a receiver written in Python's standard library, which
//! checks the Standard Webhooks signature with its own `hmac`: an
//! implementation independent of ours.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cordon_alert::{Outcome, Secret, Sink, SinkConfig, WebhookConfig, WebhookFormat};
use serde_json::Value;

use crate::support::{Guard, PAN, alert, alerts, batch, free_port, keys};

/// 32 bytes (7, 8, …, 38), base64.
const SECRET: &str = "whsec_BwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSY=";

/// `/ok` verifies the signature (401 if it does not match or the time is
/// more than five minutes off) and records the request; `/status/N`
/// answers N with a short text; `/hang` never answers.
const RECEIVER: &str = r#"
import base64, hashlib, hmac, json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

secret, log = sys.argv[1], sys.argv[2]
key = base64.b64decode(secret[len("whsec_"):])

def verified(headers, body):
    msg_id = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sigs = headers.get("webhook-signature", "")
    if not msg_id or not ts or abs(time.time() - int(ts)) > 300:
        return False
    signed = msg_id.encode() + b"." + ts.encode() + b"." + body
    want = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        s.startswith("v1,") and hmac.compare_digest(s[3:], want) for s in sigs.split(" ")
    )

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path == "/hang":
            time.sleep(60)
            return
        ok = verified(self.headers, body)
        if self.path.startswith("/status/"):
            with open(log, "a") as f:
                f.write(json.dumps({"path": self.path, "verified": ok}) + "\n")
            code = int(self.path.split("/")[2])
            self.answer(code, ("refused with %d: " % code + "x" * 400).encode())
            return
        with open(log, "a") as f:
            f.write(json.dumps({
                "path": self.path,
                "verified": ok,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8"),
            }) + "\n")
        self.answer(200 if ok else 401, b"ok" if ok else b"bad signature")

    def answer(self, code, text):
        self.send_response(code)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

struct Receiver {
    _guard: Guard,
    base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Receiver {
    fn start() -> Receiver {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("receiver.py");
        std::fs::write(&script, RECEIVER).unwrap();
        let log = dir.path().join("requests.jsonl");
        let child = Command::new("/usr/bin/python3")
            .arg(&script)
            .arg(SECRET)
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut guard = Guard::new("webhook receiver", child);
        let port = guard.first_line();
        Receiver {
            _guard: guard,
            base: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        }
    }

    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn config(url: String, format: WebhookFormat) -> WebhookConfig {
    WebhookConfig {
        url,
        format,
        secret: Some(Secret::from(SECRET)),
        timeout_ms: 3000,
        concurrency: 1,
    }
}

#[tokio::test]
async fn signed_deliveries_verify_and_a_tampered_body_does_not() {
    let r = Receiver::start();
    let sink = Sink::new(SinkConfig::Webhook(config(
        format!("{}/ok", r.base),
        WebhookFormat::Generic,
    )))
    .unwrap();
    let alerts = alerts(2);
    let keys = keys(&alerts);
    let out = sink.deliver(&batch(&keys, &alerts)).await;
    assert_eq!(out, vec![Outcome::Delivered; 2]);

    let requests = r.requests();
    assert_eq!(requests.len(), 2);
    for (req, a) in requests.iter().zip(&alerts) {
        assert_eq!(req["verified"], true, "{req}");
        assert_eq!(req["headers"]["webhook-id"], format!("d-{}", a.incident_id));
        assert_eq!(req["headers"]["content-type"], "application/json");
        let body: Value = serde_json::from_str(req["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["type"], "incident.created");
        assert_eq!(body["timestamp"], cordon_alert_time(a.created_at));
        let data: cordon_alert::Alert = serde_json::from_value(body["data"].clone()).unwrap();
        assert_eq!(&data, a);
        assert!(!req["body"].as_str().unwrap().contains(PAN));
    }

    // The receiver's check is not a formality: the same headers with the
    // body changed by one character are refused, and as sent accepted.
    let first = &requests[0];
    let client = reqwest::Client::new();
    for (body, want) in [
        (
            first["body"].as_str().unwrap().replace("alice", "alicf"),
            401,
        ),
        (first["body"].as_str().unwrap().to_owned(), 200),
    ] {
        let mut req = client.post(format!("{}/ok", r.base)).body(body);
        for h in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            req = req.header(h, first["headers"][h].as_str().unwrap());
        }
        assert_eq!(req.send().await.unwrap().status().as_u16(), want);
    }
}

#[tokio::test]
async fn concurrent_requests_keep_their_answers_in_order_and_a_retry_holds_the_rest() {
    let r = Receiver::start();
    let mut c = config(format!("{}/ok", r.base), WebhookFormat::Generic);
    c.concurrency = 4;
    let sink = Sink::new(SinkConfig::Webhook(c)).unwrap();
    let alerts = alerts(10);
    let keys = keys(&alerts);
    let out = sink.deliver(&batch(&keys, &alerts)).await;
    assert_eq!(out, vec![Outcome::Delivered; 10]);
    let mut ids: Vec<String> = r
        .requests()
        .iter()
        .filter(|q| q["path"] == "/ok")
        .map(|q| q["headers"]["webhook-id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let mut want = keys.clone();
    want.sort();
    assert_eq!(ids, want, "each delivery once");

    // A receiver asking to retry: the group it was in is answered as it
    // was, every later group waits without being sent.
    let mut c = config(format!("{}/status/503", r.base), WebhookFormat::Generic);
    c.concurrency = 4;
    let sink = Sink::new(SinkConfig::Webhook(c)).unwrap();
    let out = sink.deliver(&batch(&keys, &alerts)).await;
    assert!(
        out.iter().all(|o| matches!(o, Outcome::Retry(_))),
        "{out:?}"
    );
    let refused = r
        .requests()
        .iter()
        .filter(|q| q["path"] == "/status/503")
        .count();
    assert_eq!(refused, 4, "only the first group was sent");
    let mut bad = SinkConfig::Webhook(config(format!("{}/ok", r.base), WebhookFormat::Generic));
    if let SinkConfig::Webhook(w) = &mut bad {
        w.concurrency = 0;
    }
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("concurrency")
    );
}

fn cordon_alert_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

#[tokio::test]
async fn slack_and_teams_bodies() {
    let r = Receiver::start();
    let alerts = vec![alert()];
    let keys = keys(&alerts);
    for format in [WebhookFormat::Slack, WebhookFormat::Teams] {
        let sink = Sink::new(SinkConfig::Webhook(config(
            format!("{}/ok", r.base),
            format,
        )))
        .unwrap();
        assert_eq!(
            sink.deliver(&batch(&keys, &alerts)).await,
            [Outcome::Delivered]
        );
    }
    let requests = r.requests();
    assert_eq!(requests.len(), 2);
    let slack: Value = serde_json::from_str(requests[0]["body"].as_str().unwrap()).unwrap();
    let text = slack["text"].as_str().unwrap();
    assert!(
        text.starts_with(
            "*Cordon DLP incident <https://cordon.example.org/incidents/42|#42>*: Cards to USB | block (severity 8)\n"
        ),
        "{text}"
    );
    assert!(text.contains("credit_card `4111 **** **** 1111`"), "{text}");

    let teams: Value = serde_json::from_str(requests[1]["body"].as_str().unwrap()).unwrap();
    assert_eq!(teams["type"], "message");
    let attachment = &teams["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    assert_eq!(card["body"][0]["text"], "Cordon DLP incident #42");
    assert_eq!(card["actions"][0]["type"], "Action.OpenUrl");
    assert_eq!(
        card["actions"][0]["url"],
        "https://cordon.example.org/incidents/42"
    );
    let facts = card["body"][1]["facts"].as_array().unwrap();
    assert!(
        facts
            .iter()
            .any(|f| f["title"] == "User" && f["value"] == "alice")
    );
}

#[tokio::test]
async fn status_codes_decide_retry_or_failure() {
    let r = Receiver::start();
    let alerts = vec![alert()];
    let keys = keys(&alerts);
    for (code, retry) in [
        (500, true),
        (503, true),
        (429, true),
        (408, true),
        (400, false),
        (404, false),
        (302, false),
    ] {
        let sink = Sink::new(SinkConfig::Webhook(config(
            format!("{}/status/{code}", r.base),
            WebhookFormat::Generic,
        )))
        .unwrap();
        let out = sink.deliver(&batch(&keys, &alerts)).await;
        let why = match (&out[..], retry) {
            ([Outcome::Retry(why)], true) | ([Outcome::Failed(why)], false) => why,
            other => panic!("{code}: {other:?}"),
        };
        // The status, and the answer cut at 200 bytes.
        let answer = why
            .split_once(&format!("HTTP {code}: "))
            .unwrap_or_else(|| panic!("{why}"))
            .1;
        assert!(
            answer.starts_with(&format!("refused with {code}: xxx")),
            "{why}"
        );
        assert_eq!(answer.len(), 200, "{why}");
    }
}

#[tokio::test]
async fn a_silent_receiver_is_retried_within_the_timeout() {
    let r = Receiver::start();
    let mut c = config(format!("{}/hang", r.base), WebhookFormat::Generic);
    c.timeout_ms = 500;
    let sink = Sink::new(SinkConfig::Webhook(c)).unwrap();
    let alerts = alerts(3);
    let keys = keys(&alerts);
    let start = Instant::now();
    let out = sink.deliver(&batch(&keys, &alerts)).await;
    let took = start.elapsed();
    assert_eq!(out.len(), 3);
    for o in &out {
        assert!(
            matches!(o, Outcome::Retry(why) if why.contains("no answer in time")),
            "{o:?}"
        );
    }
    // One timeout for the batch, not one per delivery.
    assert!(took < Duration::from_millis(1400), "{took:?}");
}

/// A refused connection is retried, and what is said about it names the
/// receiver without its path: a Slack or Teams URL's path is its secret.
#[tokio::test]
async fn a_closed_port_is_retried_without_naming_the_path() {
    let sink = Sink::new(SinkConfig::Webhook(config(
        format!(
            "http://127.0.0.1:{}/services/T000/B000/SECRETPATH?sig=SECRETSIG",
            free_port()
        ),
        WebhookFormat::Slack,
    )))
    .unwrap();
    let alerts = alerts(2);
    let keys = keys(&alerts);
    let out = sink.deliver(&batch(&keys, &alerts)).await;
    assert_eq!(out.len(), 2);
    for o in &out {
        match o {
            Outcome::Retry(why) => {
                assert!(why.starts_with("webhook http://127.0.0.1"), "{why}");
                assert!(!why.contains("SECRET"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(!format!("{sink:?}").contains("SECRET"));
}
