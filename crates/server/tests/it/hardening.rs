//! Regression tests of the hardening issue (#10), one per finding. Each
//! failed on the code before its fix.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt as _;
use zip::unstable::write::FileOptionsExt as _;

use crate::support::{self, App, Running, events};

/// One request and what must come back: status, error code, a fragment
/// of the message.
struct Case {
    method: &'static str,
    uri: &'static str,
    body: Value,
    status: StatusCode,
    code: &'static str,
    fragment: &'static str,
}

async fn check_cases(app: &App, cases: &[Case]) {
    for c in cases {
        let body = if c.body.is_null() {
            None
        } else {
            Some(c.body.clone())
        };
        let (s, v) = app.admin(c.method, c.uri, body).await;
        assert_eq!(s, c.status, "{} {}: {v}", c.method, c.uri);
        assert_eq!(v["code"], c.code, "{} {}: {v}", c.method, c.uri);
        let msg = v["message"].as_str().unwrap_or_default();
        assert!(msg.contains(c.fragment), "{} {}: {msg}", c.method, c.uri);
    }
}

fn nul_cases() -> Vec<Case> {
    let nul = "a\u{0}b";
    let bad = |method, uri, body| Case {
        method,
        uri,
        body,
        status: StatusCode::BAD_REQUEST,
        code: "invalid_json",
        fragment: "NUL",
    };
    vec![
        bad("POST", "/v1/keys", json!({"name": nul})),
        bad(
            "POST",
            "/v1/policies",
            json!({"body": support::policy_text("policy.yaml"), "comment": nul}),
        ),
        bad(
            "PUT",
            "/v1/agent-groups/g",
            json!({"policy_id": "p", "policy_version": 1, "description": nul}),
        ),
        bad(
            "POST",
            "/v1/decide",
            json!({"action": "download", "user": {"username": nul}}),
        ),
        Case {
            method: "GET",
            uri: "/v1/policies/cordon-test/diff?to=-9223372036854775808",
            body: Value::Null,
            status: StatusCode::BAD_REQUEST,
            code: "invalid_json",
            fragment: "`to` must be a version number",
        },
        Case {
            method: "GET",
            uri: "/v1/policies/cordon-test/diff?from=0",
            body: Value::Null,
            status: StatusCode::BAD_REQUEST,
            code: "invalid_json",
            fragment: "`from` must be a version number",
        },
    ]
}

#[tokio::test]
async fn nul_characters_and_overflowing_versions_are_400_sqlite() {
    let app = App::sqlite().await.with_policy().await;
    check_cases(&app, &nul_cases()).await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_characters_and_overflowing_versions_are_400_postgres() {
    let app = App::postgres().await.with_policy().await;
    check_cases(&app, &nul_cases()).await;
    app.close().await;
}

#[tokio::test]
async fn head_needs_what_get_needs_and_every_answer_has_security_headers() {
    let app = App::sqlite().await;
    let send = |method: &str, uri: &str, key: Option<&str>| {
        let mut r = Request::builder().method(method).uri(uri);
        if let Some(k) = key {
            r = r.header("authorization", format!("Bearer {k}"));
        }
        app.router().oneshot(r.body(Body::empty()).unwrap())
    };
    let r = send("HEAD", "/healthz", None).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = send("HEAD", "/v1/keys", None).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = send("HEAD", "/v1/keys", Some(&app.admin)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    for (uri, key) in [
        ("/v1/keys", Some(app.admin.as_str())),
        ("/healthz", None),
        ("/nowhere", None),
        ("/v1/keys", None),
    ] {
        let r = send("GET", uri, key).await.unwrap();
        let h = r.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{uri}");
        assert_eq!(h["cache-control"], "no-store", "{uri}");
        assert_eq!(h["x-frame-options"], "DENY", "{uri}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{uri}: {csp}");
    }
    app.close().await;
}

async fn client_key(app: &App, name: &str) -> String {
    let (s, k) = app
        .admin(
            "POST",
            "/v1/keys",
            Some(json!({"name": name, "role": "client"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    k["secret"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn only_the_caller_that_got_an_exception_may_justify_it() {
    let app = App::sqlite().await.with_policy().await;
    let alice = client_key(&app, "alice-gateway").await;
    let mallory = client_key(&app, "mallory-gateway").await;
    let ev = events::phi_email("doc@corp.com", "someone@elsewhere.example");
    let (_, d) = app
        .call("POST", "/v1/decide", Some(&alice), Some(ev.clone()))
        .await;
    assert_eq!(d["decision"], "exception", "{d}");
    let rid = d["request_id"].as_str().unwrap().to_owned();
    // 128 random bits, not a boot prefix and a counter.
    let (_, d2) = app
        .call("POST", "/v1/decide", Some(&alice), Some(ev.clone()))
        .await;
    let rid2 = d2["request_id"].as_str().unwrap();
    assert_eq!(rid.len(), 32, "{rid}");
    assert_ne!(rid.get(..12), rid2.get(..12), "{rid} {rid2}");

    let (_, l) = app
        .admin("GET", &format!("/v1/incidents?request_id={rid}"), None)
        .await;
    let incident = l["incidents"][0]["id"].as_i64().unwrap();
    let justify = |by: Option<String>, body: Value| {
        let app = &app;
        async move {
            let key = by.unwrap_or_else(|| app.admin.clone());
            app.call("POST", "/v1/exceptions", Some(&key), Some(body))
                .await
        }
    };
    let text = "patient transfer";
    // Another client key: exactly like a request id that does not exist,
    // and nothing of the user leaks.
    let (s_other, v_other) = justify(
        Some(mallory.clone()),
        json!({"request_id": rid, "justification": text}),
    )
    .await;
    let (s_none, v_none) = justify(
        Some(mallory.clone()),
        json!({"request_id": "0123456789abcdef0123456789abcdef", "justification": text}),
    )
    .await;
    assert_eq!(s_other, StatusCode::NOT_FOUND, "{v_other}");
    assert_eq!((s_other, &v_other), (s_none, &v_none));
    assert!(!v_other.to_string().contains("doc@corp.com"), "{v_other}");
    let (s, v) = justify(
        Some(mallory.clone()),
        json!({"incident_id": incident, "justification": text}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = justify(
        Some(mallory.clone()),
        json!({"incident_id": 987_654, "justification": text}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");

    // The caller that received it may; so may an admin for the user.
    let (s, v) = justify(
        Some(alice.clone()),
        json!({"request_id": rid, "justification": text}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = justify(None, json!({"request_id": rid2, "justification": text})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    app.close().await;
}

#[tokio::test]
async fn caller_sent_event_fields_are_masked_before_they_are_stored() {
    let app = App::sqlite().await.with_policy().await;
    let long = "x".repeat(200_000);
    let ev = json!({
        "action": "download",
        "id": "ticket for 4111 1111 1111 1111",
        "user": {"username": "mallory", "email": "mallory@corp.com"},
        "file": {
            "path": "/exports/4111111111111111/ssn 536-22-4871.csv",
            "classification": {"categories": ["PCI"]},
        },
        "metadata": {"note": "card 5500 0000 0000 0004 for alice", "blob": long, "nested": ["SSN: 078-05-1121 no", "ok"]},
    });
    let (s, d) = app.admin("POST", "/v1/decide", Some(ev)).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let rid = d["request_id"].as_str().unwrap();
    let (_, l) = app
        .admin("GET", &format!("/v1/incidents?request_id={rid}"), None)
        .await;
    let text = l.to_string();
    for full in [
        "4111 1111 1111 1111",
        "4111111111111111",
        "536-22-4871",
        "5500 0000 0000 0004",
    ] {
        assert!(!text.contains(full), "`{full}` stored in full: {text}");
    }
    assert!(
        text.len() < 60_000,
        "metadata not bounded: {} bytes",
        text.len()
    );
    // Who did it is kept.
    let event = &l["incidents"][0]["details"]["event"];
    assert!(event["metadata"]["note"].as_str().unwrap().contains("5500"));
    // Many attributes together are bounded as a whole (a 900 KB event
    // stored ~100 KB per incident before).
    let meta: serde_json::Map<String, serde_json::Value> = (0..880)
        .map(|i| (format!("k{i:03}"), json!("v".repeat(1000))))
        .collect();
    let ev = json!({"action": "download", "user": {"username": "m"},
        "file": {"classification": {"categories": ["PCI"]}}, "metadata": meta});
    let (s, d) = app.admin("POST", "/v1/decide", Some(ev)).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let rid = d["request_id"].as_str().unwrap();
    let (_, l2) = app
        .admin("GET", &format!("/v1/incidents?request_id={rid}"), None)
        .await;
    let kept = &l2["incidents"][0]["details"]["event"]["metadata"];
    let size = kept.to_string().len();
    assert!(size < 20_000, "metadata of {size} bytes kept");
    assert!(
        kept["cordon.truncated"]
            .as_str()
            .unwrap()
            .starts_with("864 more"),
        "{}",
        kept["cordon.truncated"]
    );
    assert_eq!(event["user"]["email"], "mallory@corp.com");
    assert!(
        event["file"]["path"]
            .as_str()
            .unwrap()
            .starts_with("/exports/"),
        "{event}"
    );
    app.close().await;
}

#[tokio::test]
async fn a_key_over_its_share_gets_429_while_others_are_served() {
    let mut s = support::settings();
    // A journal that fills quickly and a loader that waits: pressure.
    s.journal_max_backlog_bytes = 400_000;
    s.incident_linger_ms = 60_000;
    s.incident_batch = 1_000_000;
    s.key_incident_bytes_per_sec = 1;
    s.key_incident_burst_bytes = 150_000;
    let app = App::sqlite_with(s).await.with_policy().await;
    let hog = client_key(&app, "hog").await;
    let polite = client_key(&app, "polite").await;
    let big = |user: &str| {
        let mut e = events::download(user, &["PCI"]);
        e["metadata"] = json!({"pad": "p".repeat(900)});
        e
    };
    let mut refused = None;
    for n in 0..2_000 {
        let (s, v) = app
            .call("POST", "/v1/decide", Some(&hog), Some(big("hog")))
            .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((n, v));
            break;
        }
        assert_eq!(s, StatusCode::OK, "request {n}: {v}");
    }
    let (n, v) = refused.expect("the hog was never refused");
    assert_eq!(v["code"], "incident_quota", "{v}");
    assert!(n > 10, "refused too early, after {n}");
    let (s, v) = app
        .call("POST", "/v1/decide", Some(&polite), Some(big("polite")))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_authentications_are_throttled_per_address() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = support::settings();
    s.data_dir = dir.path().to_owned();
    s.auth_failures_per_minute = 5;
    let server = Running::start(s).await;
    let c = support::client();
    let url = format!("{}/v1/keys", server.url);
    for n in 0..5 {
        let r = c
            .get(&url)
            .bearer_auth("cordon_bad_key")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401, "attempt {n}");
    }
    let r = c
        .get(&url)
        .bearer_auth("cordon_bad_key")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Public routes stay reachable.
    let r = c
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_uploads_hold_no_inspection_slot_and_idle_ones_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = support::settings();
    s.data_dir = dir.path().to_owned();
    s.max_inspections = 1;
    s.inspect_queue_ms = 2_000;
    s.inspect_idle_ms = 1_500;
    let server = Running::start(s).await;
    let url = format!("{}/v1/inspect?name=a.txt", server.url);
    // Eight uploads that send a little, then nothing.
    let mut slow = Vec::new();
    for _ in 0..8 {
        let (tx, body) = futures_channel();
        let req = support::client()
            .post(&url)
            .bearer_auth(&server.admin)
            .body(reqwest::Body::wrap_stream(body));
        let pending = tokio::spawn(async move { req.send().await });
        tx.send(Ok(bytes::Bytes::from_static(b"card 4111 ")))
            .await
            .unwrap();
        slow.push((tx, pending));
    }
    // A whole small body is inspected at once meanwhile.
    let started = std::time::Instant::now();
    let r = support::client()
        .post(&url)
        .bearer_auth(&server.admin)
        .body("card: 4111 1111 1111 1111")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        started.elapsed() < std::time::Duration::from_millis(1_000),
        "{:?}",
        started.elapsed()
    );
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["categories"], json!(["PCI"]), "{report}");
    // The idle ones are answered 408.
    for (tx, pending) in slow {
        let r = pending.await.unwrap().unwrap();
        assert_eq!(r.status().as_u16(), 408);
        drop(tx);
    }
    server.stop().await;
}

type BodyTx = tokio::sync::mpsc::Sender<Result<bytes::Bytes, std::io::Error>>;

/// A request body fed by hand: what is sent on the sender, when it is sent.
fn futures_channel() -> (
    BodyTx,
    impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static,
) {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    (tx, stream)
}

/// YAML nested 100,000 deep: 195 KB that took 58 s to parse on an async
/// worker, and two at once froze the server.
fn deep_yaml() -> String {
    let depth = 100_000;
    let mut s = String::with_capacity(depth * 2 + 16);
    s.push_str("id: deep\nrules: ");
    for _ in 0..depth {
        s.push('[');
    }
    for _ in 0..depth {
        s.push(']');
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_policies_are_checked_off_the_workers_within_a_time_limit() {
    let mut s = support::settings();
    s.policy_check_timeout_ms = 3_000;
    let app = std::sync::Arc::new(App::sqlite_with(s).await.with_policy().await);
    let doc = deep_yaml();
    let mut hostile = Vec::new();
    for _ in 0..2 {
        let (app, doc) = (app.clone(), doc.clone());
        hostile.push(tokio::spawn(async move {
            let started = std::time::Instant::now();
            let r = app
                .admin(
                    "POST",
                    "/v1/policies/validate",
                    Some(json!({"format": "yaml", "body": doc})),
                )
                .await;
            (r, started.elapsed())
        }));
    }
    // Decisions go on meanwhile.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    for n in 0..20 {
        let started = std::time::Instant::now();
        let (s, d) = app
            .admin("POST", "/v1/decide", Some(events::download("bob", &[])))
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_secs(1),
            "decision {n} took {took:?}"
        );
    }
    for h in hostile {
        let ((s, v), took) = h.await.unwrap();
        assert!(took < std::time::Duration::from_secs(6), "{took:?}");
        // Refused as too complex (time limit) or invalid (depth limit).
        let refused = (s == StatusCode::UNPROCESSABLE_ENTITY && v["code"] == "policy_too_complex")
            || (s == StatusCode::OK && v["valid"] == false);
        assert!(refused, "{s}: {v}");
    }
}

/// A zip of `(name, data, password)` entries, encrypted ones with
/// ZipCrypto.
fn zip_of(entries: &[(&str, &[u8], Option<&str>)]) -> Vec<u8> {
    use std::io::Write as _;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, password) in entries {
        let opts = zip::write::SimpleFileOptions::default();
        let opts = match password {
            Some(p) => opts.with_deprecated_encryption(p.as_bytes()).unwrap(),
            None => opts,
        };
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[tokio::test]
async fn content_that_was_not_fully_inspected_is_never_decided_clean() {
    use base64::Engine as _;
    let mut s = support::settings();
    s.max_body_bytes = 16 << 20;
    let app = App::sqlite_with(s).await.with_policy().await;
    let cards = b"card: 4111 1111 1111 1111\n".as_slice();
    // A zip bomb member: far past the per-member expansion limit.
    let bomb = vec![b'0'; 200 << 20];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "locked.zip",
            zip_of(&[("cards.txt", cards, Some("secret"))]),
            "locked.zip",
        ),
        (
            "bomb-first.zip",
            zip_of(&[("bomb.txt", &bomb, None), ("cards.txt", cards, None)]),
            "bomb.txt",
        ),
    ];
    for (name, bytes, unread) in cases {
        let body = json!({
            "event": {"action": "download", "user": {"username": "eve"}, "file": {"path": format!("/x/{name}")}},
            "content": {"name": name, "base64": base64::engine::general_purpose::STANDARD.encode(&bytes)},
        });
        let (s, d) = app.admin("POST", "/v1/decide", Some(body)).await;
        assert_eq!(s, StatusCode::OK, "{name}: {d}");
        assert_eq!(d["decision"], "deny", "{name}: {d}");
        let rules: Vec<&str> = d["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["rule"].as_str().unwrap())
            .collect();
        assert!(rules.contains(&"cordon:incomplete-content"), "{name}: {d}");
        let rid = d["request_id"].as_str().unwrap();
        let (_, l) = app
            .admin("GET", &format!("/v1/incidents?request_id={rid}"), None)
            .await;
        let inc = l["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["rule_id"] == "cordon:incomplete-content")
            .unwrap()
            .clone();
        let parts = inc["details"]["incomplete"].as_array().unwrap();
        assert!(
            parts
                .iter()
                .any(|p| p["location"].as_str().unwrap().contains(unread)),
            "{name}: {inc}"
        );
        assert!(
            parts
                .iter()
                .all(|p| !p["reason"].as_str().unwrap().is_empty()),
            "{name}: {inc}"
        );
        // What could be read was read: the cards after the bomb are found.
        if name == "bomb-first.zip" {
            assert!(rules.contains(&"pci-download"), "{name}: {d}");
        }
    }
    app.close().await;
}

#[tokio::test]
async fn a_flat_chain_of_3600_terms_is_refused_with_a_diagnostic_not_a_crash() {
    let app = App::sqlite().await;
    let chain = vec!["_file.hasCategory('PII')"; 3_600].join(" and ");
    let doc = format!(
        "id: chain\nrules:\n  - id: long\n    userActions: [download]\n    effect: deny\n    expression: {chain}\n"
    );
    assert!(doc.len() > 90_000, "{}", doc.len());
    for (method, uri) in [("POST", "/v1/policies/validate"), ("POST", "/v1/policies")] {
        let (s, v) = app
            .admin(method, uri, Some(json!({"format": "yaml", "body": doc})))
            .await;
        let diags = if s == StatusCode::OK {
            assert_eq!(v["valid"], false, "{v}");
            v["diagnostics"].clone()
        } else {
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            v["diagnostics"].clone()
        };
        let text = diags.to_string();
        assert!(
            text.contains("too large") || text.contains("too deep"),
            "{text}"
        );
    }
    // The server is still up and deciding.
    let (s, _) = app
        .admin("POST", "/v1/decide", Some(events::download("bob", &[])))
        .await;
    assert_eq!(s, StatusCode::OK);
    app.close().await;
}

#[tokio::test]
async fn with_no_policy_active_content_not_fully_inspected_is_still_denied() {
    use base64::Engine as _;
    let app = App::sqlite().await;
    let locked = zip_of(&[("cards.txt", b"card: 4111 1111 1111 1111", Some("pw"))]);
    let body = json!({
        "event": {"action": "download", "user": {"username": "eve"}},
        "content": {"name": "locked.zip", "base64": base64::engine::general_purpose::STANDARD.encode(&locked)},
    });
    let (s, d) = app.admin("POST", "/v1/decide", Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["decision"], "deny", "{d}");
    // Clean content is still allowed.
    let (_, d) = app
        .admin("POST", "/v1/decide", Some(events::download("bob", &[])))
        .await;
    assert_eq!(d["decision"], "allow", "{d}");
    app.close().await;
}
