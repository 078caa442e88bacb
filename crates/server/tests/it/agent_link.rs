//! The endpoint agent's link on both backends: enrolment tokens made,
//! listed (a prefix only) and revoked by administrators; enrolment with a
//! token (a key of the computer's own, refusals that say why, no silent
//! takeover of another computer's name, every enrolment audited); the
//! old per-computer key path; heartbeats kept and shown with the
//! computers.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{App, policy_text};

async fn with_group(app: &App, group: &str) {
    let (s, v) = app
        .admin(
            "POST",
            "/v1/policies",
            Some(json!({"body": policy_text("policy.yaml"), "activate": false})),
        )
        .await;
    assert!(s == StatusCode::CREATED || s == StatusCode::CONFLICT, "{v}");
    let (s, v) = app
        .admin(
            "PUT",
            &format!("/v1/agent-groups/{group}"),
            Some(json!({"policy_id": "test-policy", "policy_version": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn new_token(app: &App, group: &str, body: Value) -> (String, Value) {
    let (s, v) = app
        .admin(
            "POST",
            &format!("/v1/agent-groups/{group}/enrolment-tokens"),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    (v["secret"].as_str().unwrap().to_owned(), v["token"].clone())
}

async fn enrol(app: &App, token: &str, body: Value) -> (StatusCode, Value) {
    app.call("POST", "/v1/agent/enroll", Some(token), Some(body))
        .await
}

fn heartbeat(serial: i64, pending: u64) -> Value {
    json!({"version": "0.1.0", "fqdn": "pc1.corp.example", "netbios": "PC1",
           "ipv4": ["10.0.0.7", "192.168.1.20"], "ou": "OU=Sales,DC=corp",
           "policy_serial": serial, "policy_version": 1, "trusted_keys": ["k1", "k2"],
           "spool_pending": pending, "spool_dropped": 3})
}

#[tokio::test]
async fn enrolment_tokens_and_heartbeats_on_sqlite() {
    let app = App::sqlite().await;
    let db = match &app.db {
        Some(crate::support::Db::Sqlite(dir)) => dir.path().to_owned(),
        _ => unreachable!(),
    };
    let secrets = story(&app).await;
    // No secret is in the database, its WAL or the audit trail in clear.
    for f in std::fs::read_dir(&db).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap_or_default();
        for s in &secrets {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "a secret is stored in clear"
            );
        }
    }
    app.close().await;
}

#[tokio::test]
async fn enrolment_tokens_and_heartbeats_on_postgres() {
    let app = App::postgres().await;
    story(&app).await;
    app.close().await;
}

/// `answer` is what `/openapi.json` says a `schema` is (closed objects:
/// a field the document does not list fails too).
fn conforms(schema: &str, answer: &Value) {
    let doc = serde_json::to_value(cordon_server::openapi::document()).unwrap();
    crate::openapi::assert_valid(&crate::openapi::validator(&doc, schema), answer, schema);
}

/// The story; the secrets it saw, for the caller to look for at rest.
async fn story(app: &App) -> Vec<String> {
    with_group(app, "laptops").await;
    with_group(app, "kiosks").await;

    // --- tokens: created (shown once), listed as a prefix ---
    let (tok, view) = new_token(
        app,
        "laptops",
        json!({"label": "sales wave 2", "max_uses": 2, "valid_hours": 48}),
    )
    .await;
    assert!(tok.starts_with("cordon_enrol_"), "{tok}");
    conforms("TokenView", &view);
    let id = view["id"].as_str().unwrap().to_owned();
    assert_eq!(view["prefix"], format!("cordon_enrol_{id}_…"));
    assert_eq!(
        (view["state"].as_str(), view["uses"].as_i64()),
        (Some("active"), Some(0))
    );
    let (s, list) = app
        .admin("GET", "/v1/agent-groups/laptops/enrolment-tokens", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["tokens"][0]["id"], id.as_str());
    assert!(
        !list.to_string().contains(&tok[20..]),
        "the listing shows no secret"
    );
    // Bad input says what and where; a missing group is not found.
    for (body, field) in [
        (json!({"valid_hours": 0}), "valid_hours"),
        (json!({"valid_hours": 9000}), "valid_hours"),
        (json!({"max_uses": 0}), "max_uses"),
    ] {
        let (s, e) = app
            .admin(
                "POST",
                "/v1/agent-groups/laptops/enrolment-tokens",
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        assert_eq!(e["field"], field, "{e}");
    }
    let (s, _) = app
        .admin(
            "POST",
            "/v1/agent-groups/nowhere/enrolment-tokens",
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A machine key cannot make one.
    let (s, k) = app
        .admin(
            "POST",
            "/v1/keys",
            Some(json!({"name": "gw", "role": "client"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    let client = k["secret"].as_str().unwrap().to_owned();
    let (s, _) = app
        .call(
            "POST",
            "/v1/agent-groups/laptops/enrolment-tokens",
            Some(&client),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // --- enrolment with the token: the computer's own key, once ---
    let (s, e) = enrol(app, &tok, json!({"name": "pc1"})).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(
        (e["computer"].as_str(), e["group"].as_str()),
        (Some("pc1"), Some("laptops"))
    );
    let pc1_key = e["api_key"].as_str().unwrap().to_owned();
    assert!(pc1_key.starts_with("cordon_") && !pc1_key.starts_with("cordon_enrol_"));
    assert!(e["signing_key"]["key_id"].is_string(), "{e}");
    conforms("Enrolled", &e);
    // The token is no key: it reaches nothing else.
    let (s, _) = app
        .call(
            "POST",
            "/v1/agent/heartbeat",
            Some(&tok),
            Some(heartbeat(1, 0)),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The new key is the computer's: heartbeat and bundle work.
    let (s, v) = app
        .call(
            "POST",
            "/v1/agent/heartbeat",
            Some(&pc1_key),
            Some(heartbeat(42, 1234)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["computer"].as_str(), v["group"].as_str()),
        (Some("pc1"), Some("laptops"))
    );
    let (s, _) = app
        .call(
            "GET",
            "/v1/agent/bundle?group=laptops",
            Some(&pc1_key),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // --- the heartbeat is kept and shown with the computer ---
    let (s, c) = app.admin("GET", "/v1/computers/pc1", None).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let agent = &c["computer"]["agent"];
    assert_eq!(agent["version"], "0.1.0");
    assert_eq!(agent["policy_serial"], 42);
    assert_eq!(agent["spool_pending"], 1234);
    assert_eq!(agent["spool_dropped"], 3);
    assert_eq!(agent["ipv4"], json!(["10.0.0.7", "192.168.1.20"]));
    assert_eq!(agent["trusted_keys"], json!(["k1", "k2"]));
    assert_eq!(agent["ou"], "OU=Sales,DC=corp");
    assert_eq!(agent["reported_at"], c["computer"]["last_seen_at"]);
    conforms("OneComputer", &c);
    let (_, v) = app
        .call(
            "POST",
            "/v1/agent/heartbeat",
            Some(&pc1_key),
            Some(heartbeat(43, 0)),
        )
        .await;
    assert_eq!(v["computer"], "pc1");
    let (_, l) = app.admin("GET", "/v1/computers?group=laptops", None).await;
    assert_eq!(l["computers"][0]["agent"]["policy_serial"], 43, "{l}");
    assert_eq!(l["computers"][0]["agent"]["spool_pending"], 0);
    conforms("ComputerList", &l);
    // An absurd heartbeat is refused, saying which field.
    let mut big = heartbeat(44, 0);
    big["ipv4"] = json!(vec!["10.0.0.1"; 65]);
    let (s, e) = app
        .call("POST", "/v1/agent/heartbeat", Some(&pc1_key), Some(big))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["field"], "ipv4");

    // --- refusals say why; none takes over pc1 ---
    let (s, e) = enrol(app, &tok, json!({"name": "pc1"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("re-enrolment"),
        "{e}"
    );
    let (s, e) = enrol(app, &tok, json!({"name": "pc2", "group": "kiosks"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(e["message"].as_str().unwrap().contains("`laptops`"), "{e}");
    let (s, _) = enrol(app, &tok, json!({"name": "pc2", "group": "laptops"})).await;
    assert_eq!(s, StatusCode::OK, "the second of two uses");
    let (s, e) = enrol(app, &tok, json!({"name": "pc3"})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert!(e["message"].as_str().unwrap().contains("its limit"), "{e}");
    let forged = format!(
        "{}{}",
        &tok[..tok.len() - 1],
        if tok.ends_with('A') { "B" } else { "A" }
    );
    let (s, e) = enrol(app, &forged, json!({"name": "pc3"})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert_eq!(e["message"], "the enrolment token is not valid");
    let (s, _) = enrol(app, "cordon_enrol_nonsense", json!({"name": "pc3"})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // A token that allows re-enrolment takes pc1 over; pc1's old key dies.
    let (tok2, view2) = new_token(app, "kiosks", json!({"allow_reenrol": true})).await;
    let (s, e) = enrol(app, &tok2, json!({"name": "pc1"})).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(e["group"], "kiosks");
    let new_pc1 = e["api_key"].as_str().unwrap().to_owned();
    let (s, _) = app
        .call(
            "POST",
            "/v1/agent/heartbeat",
            Some(&pc1_key),
            Some(heartbeat(1, 0)),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the replaced key is revoked");
    let (s, _) = app
        .call(
            "POST",
            "/v1/agent/heartbeat",
            Some(&new_pc1),
            Some(heartbeat(1, 0)),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Revoked: refused; revoking again is not found.
    let id2 = view2["id"].as_str().unwrap();
    let uri = format!("/v1/agent-groups/kiosks/enrolment-tokens/{id2}");
    let (s, v) = app.admin("DELETE", &uri, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "revoked");
    let (s, e) = enrol(app, &tok2, json!({"name": "pc9"})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert!(e["message"].as_str().unwrap().contains("revoked"), "{e}");
    let (s, _) = app.admin("DELETE", &uri, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = app
        .admin("GET", "/v1/agent-groups/laptops/enrolment-tokens", None)
        .await;
    assert_eq!(list["tokens"][0]["state"], "used_up", "{list}");
    assert_eq!(list["tokens"][0]["uses"], 2);

    // --- the per-computer key path still works ---
    let (s, e) = app
        .call(
            "POST",
            "/v1/agent/enroll",
            Some(&client),
            Some(json!({"name": "gw1"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["field"], "group");
    let (s, e) = app
        .call(
            "POST",
            "/v1/agent/enroll",
            Some(&client),
            Some(json!({"name": "gw1", "group": "laptops"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert!(e.get("api_key").is_none(), "{e}");

    // --- every enrolment and token change is audited ---
    let (s, a) = app.admin("GET", "/v1/audit?limit=200", None).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let entries = a["entries"].as_array().unwrap();
    let count = |action: &str, outcome: &str| {
        entries
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome)
            .count()
    };
    assert_eq!(count("enrolment_token.create", "success"), 2);
    assert_eq!(count("enrolment_token.revoke", "success"), 1);
    // pc1, pc2, pc1 again, gw1.
    assert_eq!(count("computer.enroll", "success"), 4, "{a}");
    // pc1 bound, another group, used up, revoked (unknown tokens are
    // failed authentications, not the group's business).
    assert_eq!(count("computer.enroll", "denied"), 4, "{a}");
    let text = a.to_string();
    assert!(!text.contains(&tok[20..]) && !text.contains(&new_pc1[20..]));
    vec![tok, tok2, pc1_key, new_pc1]
}

/// Tokens follow the group's permissions: someone whose scope is one
/// group neither sees nor makes nor revokes another group's tokens (it
/// answers as not found), and a guest (read only) sees but cannot make.
#[tokio::test]
async fn tokens_are_the_groups_to_manage() {
    let app = App::sqlite().await;
    with_group(&app, "g1").await;
    with_group(&app, "g2").await;
    let (_, theirs) = new_token(&app, "g2", json!({})).await;
    let theirs = theirs["id"].as_str().unwrap().to_owned();
    let person = |name: &'static str, role: &'static str, scope: Value| {
        let app = &app;
        async move {
            let (s, a) = app
                .admin(
                    "POST",
                    "/v1/users",
                    Some(
                        json!({"username": name, "password": "correct horse battery staple 42",
                        "email": format!("{name}@corp.example"), "role": role, "scope": scope}),
                    ),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{a}");
            let (s, k) = app
                .admin(
                    "POST",
                    "/v1/keys",
                    Some(json!({"name": name, "role": "admin", "owner": a["account"]["id"]})),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{k}");
            k["secret"].as_str().unwrap().to_owned()
        }
    };
    let tech = person(
        "manager",
        "dlp_manager",
        json!({"kind": "groups", "names": ["g1"]}),
    )
    .await;
    let guest = person("guest", "guest", json!({"kind": "all"})).await;
    let technician = person(
        "tech",
        "technician",
        json!({"kind": "groups", "names": ["g1"]}),
    )
    .await;
    let call = |key: &str, m: &'static str, uri: String, body: Option<Value>| {
        let (app, key) = (&app, key.to_owned());
        async move { app.call(m, &uri, Some(&key), body).await }
    };
    let (s, v) = call(
        &tech,
        "POST",
        "/v1/agent-groups/g1/enrolment-tokens".into(),
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    for (m, uri, body) in [
        (
            "POST",
            "/v1/agent-groups/g2/enrolment-tokens".to_owned(),
            Some(json!({})),
        ),
        (
            "GET",
            "/v1/agent-groups/g2/enrolment-tokens".to_owned(),
            None,
        ),
        (
            "DELETE",
            format!("/v1/agent-groups/g2/enrolment-tokens/{theirs}"),
            None,
        ),
    ] {
        let (s, v) = call(&tech, m, uri.clone(), body).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {uri}: {v}");
    }
    let (s, v) = call(
        &technician,
        "POST",
        "/v1/agent-groups/g1/enrolment-tokens".into(),
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("only what you created"),
        "{v}"
    );
    let (s, v) = call(
        &guest,
        "GET",
        "/v1/agent-groups/g2/enrolment-tokens".into(),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["tokens"][0]["id"], theirs.as_str());
    let (s, _) = call(
        &guest,
        "POST",
        "/v1/agent-groups/g2/enrolment-tokens".into(),
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call(
        &guest,
        "DELETE",
        format!("/v1/agent-groups/g2/enrolment-tokens/{theirs}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.close().await;
}
