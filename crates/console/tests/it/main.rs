//! The console's Alerts pages over a fake API that answers the shapes of
//! docs/api.md ("Alerts, response rules and deliveries", "Response
//! plug-ins", "Shares and the share crawler"): every page renders what
//! the API said, every change is the API call with the form's CSRF token,
//! and a refused save keeps what was typed. The real server's answers are
//! checked by the browser journeys (crates/cli/tests/it/console.rs).
//!
//! Nothing here needs a runtime: the console calls the API router
//! in-process, so one future polled on this thread is the whole request.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

fn block_on<F: Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

/// What the fake API was asked: `METHOD path csrf body`.
type Log = Arc<Mutex<Vec<String>>>;

fn me(admin: bool) -> Value {
    json!({
        "account": {"id": "u1", "username": if admin { "admin" } else { "tech1" },
                    "super_admin": admin, "must_change_password": false},
        "role": {"id": if admin { "administrator" } else { "technician" },
                 "name": if admin { "Administrator" } else { "Technician" }, "admin": admin,
                 "levels": {"incidents": "read", "policies": "write"}},
        "scope": {"kind": "all"},
        "two_factor": {"mode": "off", "totp_enrolled": false},
    })
}

fn run() -> Value {
    json!({"id": 5, "started_at": 1_767_225_600_000_i64, "finished_at": 1_767_225_660_000_i64,
           "holder": "dlp-01", "mode": "dry_run", "checked": 40, "violations": 1,
           "report": {"entries": [{"app": "k1", "share": "s-9", "path": "/Finance/cards.xlsx",
                                   "owner": "alice", "public": true, "rules": ["pci-share"],
                                   "incidents": [42], "action": "would remove"}],
                      "truncated": false},
           "error": null})
}

async fn fake(State((log, admin)): State<(Log, bool)>, req: Request) -> Response {
    let method = req.method().clone();
    let uri = req.uri().to_string();
    let csrf = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    log.lock()
        .unwrap()
        .push(format!("{method} {uri} {csrf} {body}"));
    // As the real router sees it: `soc%2Dmail` is `soc-mail`.
    let raw = uri.split('?').next().unwrap_or_default();
    let path = percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned();
    let refuse = |status: StatusCode, code: &str, message: &str| {
        (
            status,
            axum::Json(json!({"code": code, "message": message})),
        )
            .into_response()
    };
    if !admin && path != "/v1/me" {
        return refuse(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the Admin tab is for administrators",
        );
    }
    let ok = |v: Value| axum::Json(v).into_response();
    match (method, path.as_str()) {
        (Method::GET, "/v1/me") => ok(me(admin)),
        (Method::GET, "/v1/alerts/sinks") => ok(json!({"sinks": [
            {"id": "soc-mail", "enabled": true, "on": "alerts",
             "config": {"kind": "email", "to": ["soc@example.org"], "smtp": {"host": "smtp.example.org", "password": "***"}},
             "problem": null},
            {"id": "siem", "enabled": false, "on": "all",
             "config": {"kind": "syslog", "host": "siem.example.org", "port": 6514, "transport": "tls"},
             "problem": "the CA file `/etc/ca.pem` cannot be read"},
        ]})),
        (Method::PUT, "/v1/alerts/sinks/files") => {
            if body["config"].get("pth").is_some() {
                refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    "unknown field `pth` at `config`",
                )
            } else {
                ok(
                    json!({"id": "files", "enabled": body["enabled"], "on": body["on"], "config": body["config"], "problem": null}),
                )
            }
        }
        (Method::POST, "/v1/alerts/sinks/siem/test") => {
            ok(json!({"outcome": "failed", "message": "connection refused"}))
        }
        (Method::POST, "/v1/alerts/sinks/soc-mail/test") => {
            ok(json!({"outcome": "delivered", "message": null}))
        }
        (Method::DELETE, "/v1/alerts/sinks/soc-mail") => refuse(
            StatusCode::CONFLICT,
            "in_use",
            "the sink `soc-mail` is named by the response rule `cards`",
        ),
        (Method::GET, "/v1/alerts/responses") => ok(json!({"responses": [
            {"id": "cards", "enabled": true, "description": "Cards leaving",
             "when": {"rules": [], "policies": [], "categories": ["PCI"], "channels": [],
                      "decisions": ["deny"], "modes": [], "min_severity": 7},
             "actions": [{"sink": "soc-mail"}, {"plugin": "Encrypt", "params": {"mode": "aes"}}]},
        ]})),
        (Method::PUT, "/v1/alerts/responses/cards") => ok(body),
        (Method::GET, "/v1/deliveries/summary") => ok(json!({"counts": [
            {"target": "sink:soc-mail", "state": "delivered", "count": 12},
            {"target": "sink:soc-mail", "state": "failed", "count": 2},
            {"target": "plugin:Encrypt", "state": "pending", "count": 1},
        ]})),
        (Method::GET, "/v1/deliveries") => ok(json!({"deliveries": [
            {"id": 31, "key": "k31", "incident_id": 42, "target": "sink:soc-mail", "rule": "cards",
             "state": "failed", "attempts": 12, "next_at": null, "last_error": "550 mailbox unavailable",
             "created_at": 1_767_225_600_000_i64, "updated_at": 1_767_225_600_000_i64, "delivered_at": null},
            {"id": 30, "key": "k30", "incident_id": 41, "target": "plugin:Encrypt", "rule": "cards",
             "state": "delivered", "attempts": 1, "next_at": null, "last_error": null,
             "created_at": 1_767_225_500_000_i64, "updated_at": 1_767_225_500_000_i64,
             "delivered_at": 1_767_225_510_000_i64},
        ], "next": 29})),
        (Method::POST, "/v1/deliveries/31/retry") => ok(json!({"id": 31, "state": "pending"})),
        (Method::GET, "/v1/plugins") => ok(json!({"plugins": [
            {"name": "Encrypt", "version": "1.2.0", "description": "Encrypts the file in place",
             "runs_on": "agent", "events": ["incident"], "timeout_ms": 30000, "size": 20480,
             "sha256": "ab12", "installed_at": 1_767_225_600_000_i64,
             "installed_by": {"type": "account", "id": "u1", "name": "admin"}},
        ]})),
        (Method::DELETE, "/v1/plugins/Encrypt") => StatusCode::NO_CONTENT.into_response(),
        (Method::GET, "/v1/share-crawler") => {
            ok(json!({"enabled": true, "at": "02:00", "mode": "dry_run",
            "callbacks": [{"app": "k1", "url": "https://files.example/cb", "secret": "***"}]}))
        }
        (Method::PUT, "/v1/share-crawler") if body["mode"] == "enforce" => refuse(
            StatusCode::FORBIDDEN,
            "reauthentication_required",
            "confirm your password to switch the crawler to enforce",
        ),
        (Method::PUT, "/v1/share-crawler") => ok(body),
        (Method::POST, "/v1/share-crawler/run") => ok(run()),
        (Method::GET, "/v1/share-crawler/runs") => ok(json!({"runs": [run()]})),
        (Method::GET, "/v1/share-crawler/runs/5") => ok(run()),
        (Method::GET, "/v1/shares") => ok(json!({"shares": [
            {"app": "k1", "id": "s-9", "path": "/Finance/cards.xlsx", "public": true,
             "users": ["bob@partner.example"], "groups": [], "owner": "alice",
             "files": [{"path": "cards.xlsx"}], "created_at": 1, "updated_at": 1_767_225_600_000_i64},
        ], "total": 40, "next_after": "k1/s-9"})),
        _ => refuse(StatusCode::NOT_FOUND, "not_found", "no such route"),
    }
}

struct Console {
    app: Router,
    log: Log,
}

struct Page {
    status: StatusCode,
    location: String,
    cookies: String,
    body: String,
}

impl Console {
    fn new(admin: bool) -> Console {
        let log = Log::default();
        let api = Router::new()
            .fallback(fake)
            .with_state((log.clone(), admin));
        Console {
            app: cordon_console::app(api),
            log,
        }
    }

    fn send(&self, method: Method, uri: &str, form: &str) -> Page {
        let req = axum::http::Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "console.test")
            .header(header::COOKIE, "cordon_session=s1; cordon_csrf=t1")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .unwrap();
        block_on(async {
            let resp = self.app.clone().oneshot(req).await.unwrap();
            let status = resp.status();
            let location = resp
                .headers()
                .get(header::LOCATION)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let cookies = resp
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect::<Vec<_>>()
                .join("\n");
            let body: Bytes = resp.into_body().collect().await.unwrap().to_bytes();
            Page {
                status,
                location,
                cookies,
                body: String::from_utf8(body.to_vec()).unwrap(),
            }
        })
    }

    fn get(&self, uri: &str) -> Page {
        self.send(Method::GET, uri, "")
    }

    fn post(&self, uri: &str, form: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(form).unwrap();
        self.send(Method::POST, uri, &body)
    }

    /// The API calls made other than `GET /v1/me`.
    fn calls(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|c| !c.starts_with("GET /v1/me "))
            .cloned()
            .collect()
    }
}

fn has(page: &Page, texts: &[&str]) {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for t in texts {
        assert!(
            page.body.contains(t),
            "`{t}` is not on the page:\n{}",
            page.body
        );
    }
    // Only the console's own script, never inline script.
    assert_eq!(page.body.matches("<script").count(), 1, "{}", page.body);
}

#[test]
fn every_alerts_page_renders_the_api_answers() {
    let c = Console::new(true);
    assert_eq!(c.get("/alerts").location, "/alerts/sinks");
    let sinks = c.get("/alerts/sinks");
    has(
        &sinks,
        &[
            r#"<a href="/alerts" aria-current="page">Alerts</a>"#,
            r#"href="/alerts/sinks" aria-current="page">Sinks</a>"#,
            "soc@example.org via smtp.example.org",
            "siem.example.org:6514 (tls)",
            "the CA file `/etc/ca.pem` cannot be read",
            r#"action="/alerts/sinks/siem/test""#,
            r#"data-confirm="Delete the sink siem?"#,
            // A new sink starts from the e-mail example.
            "&#34;kind&#34;: &#34;email&#34;",
        ],
    );
    has(
        &c.get("/alerts/sinks?kind=jsonl"),
        &["&#34;path&#34;: &#34;/var/log/cordon/incidents.jsonl&#34;"],
    );
    let editing = c.get("/alerts/sinks?edit=soc-mail");
    has(
        &editing,
        &[
            "Change the sink soc-mail",
            "&#34;password&#34;: &#34;***&#34;",
            "readonly",
        ],
    );
    has(
        &c.get("/alerts/responses"),
        &[
            "categories PCI; decisions deny; severity at least 7",
            "sink soc-mail; plug-in Encrypt (mode: aes)",
            "Cards leaving",
        ],
    );
    let deliveries = c.get("/alerts/deliveries?state=failed");
    has(
        &deliveries,
        &[
            r#"href="/alerts/deliveries?target=sink%3Asoc-mail&amp;state=failed""#,
            r#"<a href="/incidents/42">42</a>"#,
            "550 mailbox unavailable",
            r#"action="/alerts/deliveries/31/retry""#,
            r#"href="/alerts/deliveries?state=failed&#38;before=29" rel="next""#,
        ],
    );
    assert_eq!(
        deliveries.body.matches("/retry\"").count(),
        1,
        "only the failed delivery has a retry button"
    );
    assert!(
        c.calls()
            .iter()
            .any(|c| c.starts_with("GET /v1/deliveries?limit=50&state=failed "))
    );
    has(
        &c.get("/alerts/plugins"),
        &[
            "Encrypt",
            "20.0 KiB",
            "30000 ms",
            "by admin",
            "cordon plugin install FILE --server URL",
            r#"data-confirm="Uninstall the plug-in Encrypt?"#,
        ],
    );
    has(
        &c.get("/alerts/crawler"),
        &[
            r#"value="02:00""#,
            r#"<option value="dry_run" selected>"#,
            "cannot be undone",
            "&#34;secret&#34;: &#34;***&#34;",
            r#"<a href="/alerts/shares">40 registered shares</a>"#,
            r#"href="/alerts/crawler/runs/5""#,
        ],
    );
    has(
        &c.get("/alerts/crawler/runs/5"),
        &[
            "/Finance/cards.xlsx",
            r#"<a href="/incidents/42">42</a>"#,
            "would remove",
            "dry run",
        ],
    );
    has(
        &c.get("/alerts/shares"),
        &[
            "bob@partner.example",
            r#"href="/alerts/shares?after=k1%2Fs%2D9""#,
            "40 shares",
        ],
    );
}

#[test]
fn changes_are_api_calls_with_the_forms_token() {
    let c = Console::new(true);
    let config = r#"{"kind": "jsonl", "path": "/tmp/alerts.jsonl"}"#;
    let saved = c.post(
        "/alerts/sinks",
        &[
            ("csrf", "t1"),
            ("id", "files"),
            ("enabled", "1"),
            ("on", "all"),
            ("config", config),
        ],
    );
    assert_eq!(saved.location, "/alerts/sinks?done=saved");
    assert!(
        c.calls().contains(
            &r#"PUT /v1/alerts/sinks/files t1 {"config":{"kind":"jsonl","path":"/tmp/alerts.jsonl"},"enabled":true,"on":"all"}"#
                .to_owned()
        ),
        "{:?}",
        c.calls()
    );

    let tested = c.post("/alerts/sinks/soc-mail/test", &[("csrf", "t1")]);
    assert_eq!(tested.location, "/alerts/sinks?done=test_delivered");
    let failed = c.post("/alerts/sinks/siem/test", &[("csrf", "t1")]);
    assert_eq!(failed.location, "/alerts/sinks");
    assert!(
        failed.cookies.contains("cordon_problem=")
            && failed.cookies.contains("connection%20refused")
    );

    let in_use = c.post("/alerts/sinks/soc-mail/delete", &[("csrf", "t1")]);
    assert_eq!(in_use.location, "/alerts/sinks");
    assert!(in_use.cookies.contains("response%20rule"));

    let rule = c.post(
        "/alerts/responses",
        &[
            ("csrf", "t1"),
            ("id", "cards"),
            ("enabled", "1"),
            ("description", "d"),
            (
                "rule",
                r#"{"when": {"categories": ["PCI"]}, "actions": [{"sink": "soc-mail"}]}"#,
            ),
        ],
    );
    assert_eq!(rule.location, "/alerts/responses?done=saved");
    assert!(
        c.calls()
            .iter()
            .any(|l| l.starts_with("PUT /v1/alerts/responses/cards t1 ")
                && l.contains(r#""id":"cards""#)
                && l.contains(r#""enabled":true"#))
    );

    let retried = c.post(
        "/alerts/deliveries/31/retry",
        &[("csrf", "t1"), ("back", "/alerts/deliveries?state=failed")],
    );
    assert_eq!(
        retried.location,
        "/alerts/deliveries?state=failed&done=retried"
    );
    let elsewhere = c.post(
        "/alerts/deliveries/31/retry",
        &[("csrf", "t1"), ("back", "https://evil.example/")],
    );
    assert_eq!(elsewhere.location, "/alerts/deliveries?done=retried");

    let gone = c.post("/alerts/plugins/Encrypt/delete", &[("csrf", "t1")]);
    assert_eq!(gone.location, "/alerts/plugins?done=uninstalled");
    assert!(
        c.calls()
            .contains(&"DELETE /v1/plugins/Encrypt t1 null".to_owned())
    );

    let settings = c.post(
        "/alerts/crawler",
        &[
            ("csrf", "t1"),
            ("enabled", "1"),
            ("at", "03:15"),
            ("mode", "dry_run"),
            ("callbacks", "[]"),
        ],
    );
    assert_eq!(settings.location, "/alerts/crawler?done=settings");
    let ran = c.post("/alerts/crawler/run", &[("csrf", "t1")]);
    assert_eq!(ran.location, "/alerts/crawler/runs/5?done=crawled");
}

#[test]
fn a_refused_save_keeps_what_was_typed() {
    let c = Console::new(true);
    let typo = r#"{"kind": "jsonl", "pth": "/tmp/typed by hand.jsonl"}"#;
    let page = c.post(
        "/alerts/sinks",
        &[
            ("csrf", "t1"),
            ("id", "files"),
            ("enabled", "1"),
            ("on", "alerts"),
            ("config", typo),
        ],
    );
    has(
        &page,
        &[
            r#"role="alert">Unknown field `pth` at `config`."#,
            "/tmp/typed by hand.jsonl",
            r#"value="files""#,
        ],
    );
    let not_json = c.post(
        "/alerts/sinks",
        &[
            ("csrf", "t1"),
            ("id", "files"),
            ("on", "alerts"),
            ("config", "{\"kind\": "),
        ],
    );
    has(
        &not_json,
        &["The configuration is not JSON", "{&#34;kind&#34;: "],
    );
    let bad_rule = c.post(
        "/alerts/responses",
        &[("csrf", "t1"), ("id", "r2"), ("rule", "[\"when\"]")],
    );
    has(
        &bad_rule,
        &["must be a JSON object", "[&#34;when&#34;]", r#"value="r2""#],
    );

    // Enforce needs the password again: the page says so, offers the
    // confirmation and keeps the form.
    let enforce = c.post(
        "/alerts/crawler",
        &[
            ("csrf", "t1"),
            ("at", "04:00"),
            ("mode", "enforce"),
            ("callbacks", "[]"),
        ],
    );
    has(
        &enforce,
        &[
            "Confirm your password to switch the crawler to enforce.",
            r#"action="/alerts/crawler/reauth""#,
            r#"value="04:00""#,
            r#"<option value="enforce" selected>"#,
        ],
    );
    let bad_time = c.post("/alerts/crawler", &[("csrf", "t1"), ("at", "4pm")]);
    has(&bad_time, &["The time `4pm` is not HH:MM"]);
    assert!(
        !c.calls()
            .iter()
            .any(|l| l.contains("/v1/alerts/responses/r2") || l.contains("4pm")),
        "{:?}",
        c.calls()
    );
}

#[test]
fn only_administrators_see_the_alerts_pages() {
    let c = Console::new(false);
    let page = c.get("/alerts/sinks");
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("for administrators"));
    assert!(!page.body.contains(r#"href="/alerts""#));
    assert!(c.calls().is_empty(), "{:?}", c.calls());
}
