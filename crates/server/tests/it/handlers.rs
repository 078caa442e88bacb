//! Handler tests in process through `tower::ServiceExt::oneshot`.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::json;

use crate::support::{App, events, policy_text};

#[tokio::test]
async fn decide_records_one_incident_per_violation_sqlite() {
    decide_records_one_incident_per_violation(App::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decide_records_one_incident_per_violation_postgres() {
    decide_records_one_incident_per_violation(App::postgres().await).await;
}

async fn decide_records_one_incident_per_violation(app: App) {
    let app = app.with_policy().await;
    let (s, d) = app
        .admin(
            "POST",
            "/v1/decide",
            Some(events::download("mallory", &["PCI", "PII"])),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["decision"], "deny");
    assert_eq!(d["incidents"], 2);
    assert_eq!(d["message"], "Card data may not be downloaded.");
    let rid = d["request_id"].as_str().unwrap();

    let (_, l) = app
        .admin("GET", &format!("/v1/incidents?request_id={rid}"), None)
        .await;
    let incs = l["incidents"].as_array().unwrap();
    assert_eq!(incs.len(), 2);
    let by_rule = |r: &str| incs.iter().find(|i| i["rule_id"] == r).unwrap().clone();
    assert_eq!(by_rule("pci-download")["enforced"], true);
    assert_eq!(
        by_rule("pci-download")["details"]["action_taken"],
        "blocked"
    );
    assert_eq!(by_rule("pii-watch")["enforced"], false);
    assert_eq!(by_rule("pii-watch")["mode"], "permissive");
    assert_eq!(by_rule("pii-watch")["details"]["action_taken"], "logged");
    assert_eq!(by_rule("pii-watch")["username"], "mallory");

    // Only permissive: allowed, and still an incident.
    let (_, d) = app
        .admin(
            "POST",
            "/v1/decide",
            Some(events::download("bob", &["PII"])),
        )
        .await;
    assert_eq!(d["decision"], "allow");
    assert_eq!(d["incidents"], 1);
    // Nothing matched: no incident.
    let (_, d) = app
        .admin("POST", "/v1/decide", Some(events::download("bob", &[])))
        .await;
    assert_eq!(
        (d["decision"].as_str(), d["incidents"].as_i64()),
        (Some("allow"), Some(0))
    );
    app.settle().await;
    assert_eq!(app.store.count_incidents().await.unwrap(), 3);
    app.close().await;
}

#[tokio::test]
async fn inline_content_is_inspected_and_only_masked_values_are_stored() {
    let app = App::sqlite().await.with_policy().await;
    let body = json!({
        "event": {"action": "download", "user": {"username": "eve"}, "file": {"path": "/x/cards.txt"}},
        "content": {"name": "cards.txt", "text": "card: 4111 1111 1111 1111, mail alice@corp.com"},
    });
    let (s, d) = app.admin("POST", "/v1/decide", Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["decision"], "deny");
    assert_eq!(d["incidents"], 2);
    let (_, l) = app.admin("GET", "/v1/incidents", None).await;
    let text = l.to_string();
    assert!(text.contains("4111 **** **** 1111"), "{text}");
    assert!(
        !text.contains("4111 1111 1111 1111"),
        "full value stored: {text}"
    );
    assert!(
        !text.contains("alice@corp.com"),
        "full value stored: {text}"
    );
    assert!(text.contains("\"PCI\""));

    // The wrapped form is recognised however its key is spelled: content
    // behind `\u0065vent` must not be skipped (that would fail open).
    let escaped =
        r#"{"\u0065vent": {"action": "download"}, "content": {"text": "4111 1111 1111 1111"}}"#;
    let admin = app.admin.clone();
    let (s, d) = app
        .call_raw("POST", "/v1/decide", Some(&admin), escaped.into())
        .await;
    assert_eq!(
        (s, d["decision"].as_str()),
        (StatusCode::OK, Some("deny")),
        "{d}"
    );

    // base64 works too; bad base64 names the field.
    let b64 = json!({"event": {"action": "download"}, "content": {"base64": "NDExMSAxMTExIDExMTEgMTExMQ=="}});
    let (_, d) = app.admin("POST", "/v1/decide", Some(b64)).await;
    assert_eq!(d["decision"], "deny");
    let bad = json!({"event": {"action": "download"}, "content": {"base64": "!!"}});
    let (s, e) = app.admin("POST", "/v1/decide", Some(bad)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["field"], "content.base64");
    app.close().await;
}

/// Bad requests as data: method, path, raw body, then the status, error
/// code, offending field (`-` for none) and a fragment of the message.
const BAD_REQUESTS: &[(&str, &str, &str, u16, &str, &str, &str)] = &[
    (
        "POST",
        "/v1/decide",
        r#"{"action": "download", "user": {"username": 5}}"#,
        400,
        "invalid_json",
        "user.username",
        "string",
    ),
    (
        "POST",
        "/v1/decide",
        r#"{"action": "teleport"}"#,
        400,
        "invalid_json",
        "action",
        "teleport",
    ),
    (
        "POST",
        "/v1/decide",
        r#"{"action": "login", "colour": 1}"#,
        400,
        "invalid_json",
        "colour",
        "colour",
    ),
    (
        "POST",
        "/v1/decide",
        r#"{"action": "login"} {"action": "share"}"#,
        400,
        "invalid_json",
        "-",
        "trailing",
    ),
    (
        "POST",
        "/v1/decide",
        r#"{"action": "#,
        400,
        "invalid_json",
        "action",
        "ends too early",
    ),
    (
        "POST",
        "/v1/decide",
        r#"{"event": {"action": "login"}, "content": {}}"#,
        400,
        "invalid_json",
        "content",
        "exactly one of",
    ),
    (
        "POST",
        "/v1/decide",
        r#"{"event": {"action": "login"}, "content": {"base64": "!!"}}"#,
        400,
        "invalid_json",
        "content.base64",
        "base64",
    ),
    (
        "POST",
        "/v1/incidents/1/status",
        r#"{"status": "closed"}"#,
        400,
        "invalid_json",
        "status",
        "closed",
    ),
    (
        "GET",
        "/v1/incidents?status=closed",
        "",
        400,
        "invalid_json",
        "status",
        "closed",
    ),
    (
        "GET",
        "/v1/incidents?from=yesterday",
        "",
        400,
        "invalid_json",
        "from",
        "RFC 3339",
    ),
    (
        "GET",
        "/v1/incidents?category=SECRET",
        "",
        400,
        "invalid_json",
        "category",
        "SECRET",
    ),
    (
        "GET",
        "/v1/incidents?decision=maybe",
        "",
        400,
        "invalid_json",
        "decision",
        "maybe",
    ),
    (
        "GET",
        "/v1/incidents?cursor=abc",
        "",
        400,
        "invalid_json",
        "cursor",
        "abc",
    ),
    (
        "GET",
        "/v1/dashboard?window=3w",
        "",
        400,
        "invalid_json",
        "window",
        "unit",
    ),
    (
        "GET",
        "/v1/dashboard?from=2000&to=1000",
        "",
        400,
        "invalid_json",
        "from",
        "before",
    ),
    (
        "POST",
        "/v1/policies",
        r#"{"body": "rules: []", "format": "toml"}"#,
        400,
        "invalid_json",
        "format",
        "toml",
    ),
    (
        "PUT",
        "/v1/agent-groups/a%20b",
        r#"{"policy_id": "p", "policy_version": 1}"#,
        400,
        "invalid_request",
        "-",
        "group name",
    ),
    (
        "POST",
        "/v1/exceptions",
        r#"{"justification": "x"}"#,
        400,
        "invalid_request",
        "-",
        "exactly one",
    ),
    (
        "GET",
        "/v1/nothing-here",
        "",
        404,
        "not_found",
        "-",
        "/v1/nothing-here",
    ),
    (
        "DELETE",
        "/v1/decide",
        "",
        405,
        "method_not_allowed",
        "-",
        "DELETE",
    ),
    (
        "GET",
        "/v1/incidents/987654",
        "",
        404,
        "not_found",
        "-",
        "987654",
    ),
    (
        "GET",
        "/v1/policies/none/diff",
        "",
        404,
        "not_found",
        "-",
        "none",
    ),
];

#[tokio::test]
async fn bad_requests_get_a_status_a_code_and_the_field() {
    let app = App::sqlite().await.with_policy().await;
    let key = app.admin.clone();
    let mut wrong = Vec::new();
    for &(method, uri, body, status, code, field, fragment) in BAD_REQUESTS {
        let (s, e) = app
            .call_raw(method, uri, Some(&key), Body::from(body))
            .await;
        let msg = e["message"].as_str().unwrap_or_default();
        let field_ok = if field == "-" {
            e.get("field").is_none()
        } else {
            e["field"] == field
        };
        if s.as_u16() != status || e["code"] != code || !field_ok || !msg.contains(fragment) {
            wrong.push(format!("{method} {uri} {body}: {s} {e}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    app.close().await;
}

#[tokio::test]
async fn bodies_over_the_limits_get_413() {
    let mut s = crate::support::settings();
    s.max_body_bytes = 1024;
    s.max_inspect_bytes = 4096;
    let app = App::sqlite_with(s).await.with_policy_small().await;
    let big = json!({"action": "login", "id": "x".repeat(2000)});
    let (st, e) = app.admin("POST", "/v1/decide", Some(big)).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(e["code"], "payload_too_large");

    let key = app.admin.clone();
    let (st, r) = app
        .call_raw(
            "POST",
            "/v1/inspect?name=a.txt",
            Some(&key),
            Body::from("card 4111 1111 1111 1111"),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["path"], "a.txt");
    assert_eq!(r["findings"][0]["masked"], "4111 **** **** 1111");
    assert!(
        r["findings"][0].get("value").is_none(),
        "full value returned: {r}"
    );
    // Over the limit, with a length up front …
    let (st, e) = app
        .call_raw(
            "POST",
            "/v1/inspect",
            Some(&key),
            Body::from(vec![b'a'; 5000]),
        )
        .await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large"))
    );
    // … and streamed without one.
    let chunks = (0..10).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'b'; 1000])));
    let stream = Body::from_stream(futures_util::stream::iter(chunks));
    let (st, _) = app
        .call_raw("POST", "/v1/inspect", Some(&key), stream)
        .await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    app.close().await;
}

impl App {
    /// The test policy through the store (bypasses the body limit).
    async fn with_policy_small(self) -> App {
        let now = cordon_store::now_millis();
        self.store
            .create_policy(
                &cordon_store::NewPolicyVersion {
                    policy_id: "test-policy".into(),
                    name: "t".into(),
                    format: "yaml".into(),
                    body: policy_text("policy.yaml"),
                    comment: String::new(),
                    actor: cordon_store::Actor::System,
                },
                now,
            )
            .await
            .unwrap();
        self.store
            .activate_policy("test-policy", Some(1), &cordon_store::Actor::System, now)
            .await
            .unwrap();
        let ready = self.state.ready().unwrap();
        cordon_server::lifecycle::reload(&self.state, ready).await;
        self
    }
}

#[tokio::test]
async fn policies_are_versioned_validated_activated_rolled_back_and_diffed() {
    let app = App::sqlite().await;
    // Invalid: refused with the checker's diagnostics, nothing saved.
    let bad = "id: broken\nrules:\n  - id: r\n    userActions: [login]\n    effect: deny\n    expression: _file.path == 'x'\n";
    let (s, e) = app
        .admin("POST", "/v1/policies", Some(json!({"body": bad})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["code"], "policy_invalid");
    let d = &e["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert!(d["line"].as_u64().is_some(), "{e}");
    assert!(d["rendered"].as_str().unwrap().contains('^'), "{e}");
    let (_, l) = app.admin("GET", "/v1/policies", None).await;
    assert_eq!(l["policies"].as_array().unwrap().len(), 0);

    let (s, v) = app
        .admin("POST", "/v1/policies/validate", Some(json!({"body": bad})))
        .await;
    assert_eq!((s, v["valid"].as_bool()), (StatusCode::OK, Some(false)));
    let (_, v) = app
        .admin(
            "POST",
            "/v1/policies/validate",
            Some(json!({"body": policy_text("policy.yaml")})),
        )
        .await;
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["info"]["id"], "test-policy");

    // v1, then v2; both readable.
    let (s, c) = app
        .admin(
            "POST",
            "/v1/policies",
            Some(json!({"body": policy_text("policy.yaml"), "comment": "first"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["version"]["version"], 1);
    let (s, _) = app
        .admin(
            "POST",
            "/v1/policies",
            Some(json!({"body": policy_text("policy.yaml")})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, u) = app
        .admin(
            "PUT",
            "/v1/policies/test-policy",
            Some(json!({"body": policy_text("policy-v2.yaml")})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(u["version"]["version"], 2);
    let (s, _) = app
        .admin(
            "PUT",
            "/v1/policies/test-policy",
            Some(json!({"body": bad})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, vs) = app
        .admin("GET", "/v1/policies/test-policy/versions", None)
        .await;
    assert_eq!(vs["versions"].as_array().unwrap().len(), 2);
    let (_, v1) = app
        .admin("GET", "/v1/policies/test-policy/versions/1", None)
        .await;
    assert!(
        v1["version"]["body"]
            .as_str()
            .unwrap()
            .contains("mode: enforce")
    );

    // Nothing active yet: allowed.
    let ev = events::download("m", &["PCI"]);
    let (_, d) = app.admin("POST", "/v1/decide", Some(ev.clone())).await;
    assert_eq!(d["decision"], "allow");
    // Activate v1: denied; v2: allowed (permissive); rollback: denied again.
    let (s, a) = app
        .admin(
            "POST",
            "/v1/policies/test-policy/activate",
            Some(json!({"version": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(
        app.admin("POST", "/v1/decide", Some(ev.clone())).await.1["decision"],
        "deny"
    );
    app.admin(
        "POST",
        "/v1/policies/test-policy/activate",
        Some(json!({"version": 2})),
    )
    .await;
    assert_eq!(
        app.admin("POST", "/v1/decide", Some(ev.clone())).await.1["decision"],
        "allow"
    );
    let (s, r) = app
        .admin("POST", "/v1/policies/test-policy/rollback", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["policy"]["active_version"], 1);
    assert_eq!(
        app.admin("POST", "/v1/decide", Some(ev.clone())).await.1["decision"],
        "deny"
    );
    let (s, _) = app
        .admin(
            "POST",
            "/v1/policies/test-policy/activate",
            Some(json!({"version": 7})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (_, g) = app.admin("GET", "/v1/policies/test-policy", None).await;
    assert_eq!(g["policy"]["active_version"], 1);
    assert_eq!(g["activations"].as_array().unwrap().len(), 3);

    let (_, diff) = app
        .admin("GET", "/v1/policies/test-policy/diff?from=1&to=2", None)
        .await;
    let u = diff["unified"].as_str().unwrap();
    assert!(u.contains("-    mode: enforce"), "{u}");
    assert!(u.contains("+    mode: permissive"), "{u}");
    assert!(diff["added_lines"].as_i64().unwrap() >= 1);
    let (s, _) = app.admin("GET", "/v1/policies/nope/diff", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.close().await;
}

#[tokio::test]
async fn incidents_filter_page_and_follow_the_status_workflow() {
    let app = App::sqlite().await.with_policy().await;
    for i in 0..7 {
        let user = if i < 3 { "mallory" } else { "bob" };
        app.admin("POST", "/v1/decide", Some(events::download(user, &["PCI"])))
            .await;
    }
    app.admin(
        "POST",
        "/v1/decide",
        Some(events::download("bob", &["PII"])),
    )
    .await;
    app.admin("POST", "/v1/decide", Some(json!({"action": "login", "request": {"remoteCountryCode": "FR"}, "user": {"username": "zed"}}))).await;

    let count = |q: &'static str| {
        let app = &app;
        async move {
            app.admin("GET", &format!("/v1/incidents?{q}"), None)
                .await
                .1["incidents"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(count("").await, 9);
    assert_eq!(count("rule=pci-download").await, 7);
    assert_eq!(count("user=mallory").await, 3);
    assert_eq!(count("category=pii").await, 1);
    assert_eq!(count("action=login").await, 1);
    assert_eq!(count("decision=allow").await, 1);
    assert_eq!(count("status=new").await, 9);
    assert_eq!(
        count("from=2000-01-01T00:00:00Z&to=2001-01-01T00:00:00Z").await,
        0
    );

    // Cursor pagination.
    let mut ids = Vec::new();
    let mut uri = "/v1/incidents?limit=4".to_owned();
    loop {
        let (_, p) = app.admin("GET", &uri, None).await;
        ids.extend(
            p["incidents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap()),
        );
        match p["next_cursor"].as_str() {
            Some(c) => uri = format!("/v1/incidents?limit=4&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(ids.len(), 9);
    assert!(ids.windows(2).all(|w| w[0] > w[1]));

    // Workflow with history.
    let id = ids[0];
    let (s, r) = app
        .admin(
            "POST",
            &format!("/v1/incidents/{id}/status"),
            Some(json!({"status": "in_progress", "comment": "on it"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, _) = app
        .admin(
            "POST",
            &format!("/v1/incidents/{id}/status"),
            Some(json!({"status": "in_progress"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    app.admin(
        "POST",
        &format!("/v1/incidents/{id}/status"),
        Some(json!({"status": "false_positive"})),
    )
    .await;
    let (_, d) = app.admin("GET", &format!("/v1/incidents/{id}"), None).await;
    let kinds: Vec<&str> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "action", "status", "status"]);
    assert_eq!(d["history"][2]["detail"]["comment"], "on it");
    assert_eq!(d["history"][2]["actor"]["type"], "key", "{d}");
    assert_eq!(d["history"][0]["actor"]["type"], "system", "{d}");
    assert_eq!(d["incident"]["status"], "false_positive");
    let (s, _) = app.admin("GET", "/v1/incidents/999999", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (_, rc) = app
        .admin("GET", "/v1/incidents/rule-counts?window=1h", None)
        .await;
    let rules = rc["rules"].as_array().unwrap();
    assert_eq!(rules[0]["rule_id"], "pci-download");
    assert_eq!(rules[0]["total"], 7);
    assert_eq!(rules[0]["enforced"], 7);
    app.close().await;
}

#[tokio::test]
async fn justification_opens_the_exception_window_and_is_kept_in_history() {
    let app = App::sqlite().await.with_policy().await;
    let ev = events::phi_email("doc@corp.com", "someone@elsewhere.example");
    let (_, d) = app.admin("POST", "/v1/decide", Some(ev.clone())).await;
    assert_eq!(d["decision"], "exception", "{d}");
    let rid = d["request_id"].as_str().unwrap().to_owned();

    // A deny cannot be justified; an empty text is refused.
    let (_, deny) = app
        .admin("POST", "/v1/decide", Some(events::download("m", &["PCI"])))
        .await;
    let (s, _) = app
        .admin(
            "POST",
            "/v1/exceptions",
            Some(json!({"request_id": deny["request_id"], "justification": "pls"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, e) = app
        .admin(
            "POST",
            "/v1/exceptions",
            Some(json!({"request_id": rid, "justification": "  "})),
        )
        .await;
    assert_eq!(
        (s, e["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("justification"))
    );

    let (s, j) = app
        .admin(
            "POST",
            "/v1/exceptions",
            Some(json!({"request_id": rid, "justification": "patient transfer to the clinic"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{j}");
    assert!(j["expires_at"].as_i64().unwrap() > cordon_store::now_millis() + 250_000);
    // The same flow is now allowed (engine window), other flows are not.
    let (_, d2) = app.admin("POST", "/v1/decide", Some(ev.clone())).await;
    assert_eq!(d2["decision"], "allow", "{d2}");
    let other = events::phi_email("doc@corp.com", "else@other.example");
    assert_eq!(
        app.admin("POST", "/v1/decide", Some(other)).await.1["decision"],
        "exception"
    );

    let (_, l) = app
        .admin("GET", &format!("/v1/incidents?request_id={rid}"), None)
        .await;
    let id = l["incidents"][0]["id"].as_i64().unwrap();
    let (_, inc) = app.admin("GET", &format!("/v1/incidents/{id}"), None).await;
    let last = inc["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "justification");
    assert_eq!(
        last["detail"]["justification"],
        "patient transfer to the clinic"
    );
    let (_, all) = app.admin("GET", "/v1/exceptions", None).await;
    assert_eq!(all["justifications"].as_array().unwrap().len(), 1);
    app.close().await;
}

#[tokio::test]
async fn dashboard_counts_activity_users_violations_and_top_lists() {
    let app = App::sqlite().await.with_policy().await;
    for u in ["a", "b", "c"] {
        app.admin("POST", "/v1/decide", Some(events::download(u, &[])))
            .await;
    }
    app.admin(
        "POST",
        "/v1/decide",
        Some(events::download("mallory", &["PCI"])),
    )
    .await;
    app.admin(
        "POST",
        "/v1/decide",
        Some(events::download("mallory", &["PCI"])),
    )
    .await;
    // A violation whose content two detectors found something in.
    let mut found = events::download("mallory", &["PCI"]);
    found["file"]["classification"]["detectors"] =
        json!({"credit_card": {"high": 2}, "iban": {"low": 1}});
    app.admin("POST", "/v1/decide", Some(found)).await;
    app.admin("POST", "/v1/decide", Some(json!({"action": "upload", "user": {"username": "a"}, "file": {"path": "/u", "classification": {}}}))).await;
    app.admin(
        "POST",
        "/v1/decide",
        Some(json!({"action": "share", "user": {"username": "d"}, "share": {"path": "/p"}})),
    )
    .await;
    let (s, d) = app.admin("GET", "/v1/dashboard?window=1h", None).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(
        d["top_detectors"],
        json!([{"name": "credit_card", "count": 1}, {"name": "iban", "count": 1}])
    );
    assert_eq!(d["by_status"], json!({"new": 3}));
    assert_eq!(d["agents"], json!({"online": 0, "offline": 0}));
    assert!(
        !d["activity"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("detector:")),
        "{d}"
    );
    let (s, none) = app
        .admin("GET", "/v1/incidents?group=nobody-here", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(none["incidents"], json!([]));
    assert_eq!(d["downloads"], 6);
    assert_eq!(d["uploads"], 1);
    assert_eq!(d["shares"], 1);
    assert_eq!(d["active_users"], 5);
    let points: i64 = d["violations_over_time"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["count"].as_i64().unwrap())
        .sum();
    assert_eq!(points, 3);
    assert_eq!(d["top_rules"][0]["rule_id"], "pci-download");
    assert_eq!(d["top_users"][0]["name"], "mallory");
    let (s, e) = app.admin("GET", "/v1/dashboard?window=soon", None).await;
    assert_eq!(
        (s, e["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("window"))
    );
    app.close().await;
}

#[tokio::test]
async fn agent_groups_and_the_policy_poll_with_etag() {
    let app = App::sqlite().await.with_policy().await;
    app.admin(
        "PUT",
        "/v1/policies/test-policy",
        Some(json!({"body": policy_text("policy-v2.yaml")})),
    )
    .await;
    let (s, e) = app
        .admin(
            "PUT",
            "/v1/agent-groups/laptops",
            Some(json!({"policy_id": "test-policy", "policy_version": 9})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (s, g) = app
        .admin(
            "PUT",
            "/v1/agent-groups/laptops",
            Some(json!({"policy_id": "test-policy", "policy_version": 1, "description": "sales"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{g}");

    let router = app.router();
    let poll = |etag: Option<String>| {
        let router = router.clone();
        let key = app.admin.clone();
        async move {
            use tower::ServiceExt as _;
            let mut r =
                axum::http::Request::get("/v1/agent/policy?group=laptops").header("x-api-key", key);
            if let Some(t) = etag {
                r = r.header("if-none-match", t);
            }
            let resp = router
                .oneshot(r.body(Body::empty()).unwrap())
                .await
                .unwrap();
            let etag = resp
                .headers()
                .get("etag")
                .map(|v| v.to_str().unwrap().to_owned());
            let status = resp.status();
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, etag, body)
        }
    };
    let (s, etag, body) = poll(None).await;
    assert_eq!(s, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["version"], 1);
    assert!(v["body"].as_str().unwrap().contains("test-policy"));
    let (s, _, body) = poll(etag.clone()).await;
    assert_eq!(s, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    // Reassigning changes the ETag.
    app.admin(
        "PUT",
        "/v1/agent-groups/laptops",
        Some(json!({"policy_id": "test-policy", "policy_version": 2})),
    )
    .await;
    let (s, etag2, _) = poll(etag.clone()).await;
    assert_eq!(s, StatusCode::OK);
    assert_ne!(etag, etag2);
    let (_, l) = app.admin("GET", "/v1/agent-groups", None).await;
    assert_eq!(l["groups"][0]["policy_version"], 2);
    let (s, _) = app.admin("DELETE", "/v1/agent-groups/laptops", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _, _) = poll(None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.close().await;
}

#[tokio::test]
async fn keys_are_created_scoped_and_revoked() {
    let app = App::sqlite().await.with_policy().await;
    let (s, k) = app
        .admin("POST", "/v1/keys", Some(json!({"name": "agent-1"})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    let client = k["secret"].as_str().unwrap().to_owned();
    assert_eq!(k["key"]["role"], "client");
    let (s, _) = app
        .call(
            "POST",
            "/v1/decide",
            Some(&client),
            Some(events::download("x", &[])),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = app.call("GET", "/v1/incidents", Some(&client), None).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (_, l) = app.admin("GET", "/v1/keys", None).await;
    assert!(!l.to_string().contains(&client), "secret listed");
    let id = k["key"]["id"].as_str().unwrap();
    let (s, _) = app.admin("DELETE", &format!("/v1/keys/{id}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .call(
            "POST",
            "/v1/decide",
            Some(&client),
            Some(events::download("x", &[])),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.close().await;
}

#[tokio::test]
async fn internal_errors_are_logged_with_an_id_and_never_leak() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = crate::support::sqlite(&dir.path().join("c.db")).await;
    let app = App::attach(
        crate::support::settings(),
        sqlite.clone(),
        crate::support::Db::Sqlite(dir),
    )
    .await;
    let admin = app.admin.clone();
    // Pull the database away under the running app.
    sqlite.close().await;
    let (st, e) = app.call("GET", "/v1/policies", Some(&admin), None).await;
    assert!(st == StatusCode::INTERNAL_SERVER_ERROR, "{st} {e}");
    assert_eq!(e["code"], "internal");
    assert_eq!(e["error_id"].as_str().unwrap().len(), 32);
    let text = e.to_string().to_lowercase();
    for leak in ["sqlx", "pool", "sqlite", "closed"] {
        assert!(!text.contains(leak), "leaked `{leak}`: {e}");
    }
}

/// An app on SQLite with the real policy engines and `inspection`.
async fn app_with_inspection(inspection: cordon_server::engines::Inspection) -> App {
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn cordon_store::Store> =
        crate::support::sqlite(&dir.path().join("c.db")).await;
    let state = cordon_server::AppState::new(
        crate::support::settings(),
        Arc::new(cordon_server::engines::PolicyEngines::new(
            cordon_policy::Loader::new(),
        )),
        Arc::new(inspection),
    );
    let admin = state.attach(store.clone()).await.unwrap().unwrap();
    App {
        state,
        admin,
        store,
        db: Some(crate::support::Db::Sqlite(dir)),
    }
}

/// With `ocr` on, an image posted to `/v1/inspect` is read by Tesseract
/// (installed by scripts/install-test-deps).
#[tokio::test]
async fn inspect_reads_text_in_images_with_ocr() {
    let app = app_with_inspection(cordon_server::engines::Inspection::configured(
        cordon_detect::Detectors::new(),
        Some(cordon_inspect::Ocr::default()),
    ))
    .await;
    let key = app.admin.clone();
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../extract/tests/fixtures/ocr/scan.png"
    ))
    .unwrap();
    let (s, r) = app
        .call_raw(
            "POST",
            "/v1/inspect?name=scan.png",
            Some(&key),
            Body::from(png),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["categories"], json!(["PII", "PCI"]), "{r}");
    assert!(
        !r.to_string().contains("536-22-8726"),
        "full value returned"
    );
}

/// The real inspection engine behind `/v1/inspect` and inline content.
#[tokio::test]
async fn the_real_inspector_streams_and_masks() {
    let app = app_with_inspection(cordon_server::engines::Inspection::new()).await;
    let key = app.admin.clone();
    let text = "name,card\nAda,4111 1111 1111 1111\n".repeat(2000);
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = text
        .as_bytes()
        .chunks(4096)
        .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
        .collect();
    let body = Body::from_stream(futures_util::stream::iter(chunks));
    let (s, r) = app
        .call_raw("POST", "/v1/inspect?name=cards.csv", Some(&key), body)
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["path"], "cards.csv");
    assert_eq!(r["categories"], json!(["PCI"]));
    assert_eq!(r["findings"].as_array().unwrap().len(), 2000);
    assert!(
        !r.to_string().contains("4111 1111 1111 1111"),
        "full value returned"
    );
    app.with_policy().await;
}
