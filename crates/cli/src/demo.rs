//! `cordon serve --demo`: the server on a fresh embedded SQLite database
//! with example data, so that a newcomer's first page is a populated
//! console: the bundled policies active, an agent group, and incidents from
//! deciding the policies' own test events and a few example files.
//!
//! The data goes in through the API, in-process, with the admin key the
//! server created on first start: the demo uses no door the product does
//! not have.

use std::path::Path;

use anyhow::{Context, Result, bail};
use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The example policies, activated in this order.
const POLICIES: &[&str] = &[
    "examples/policies/filecloud-seed.yaml",
    "examples/policies/acronis-dataflow.yaml",
];

/// Example files sent outside the company by e-mail: their content is
/// inspected, so the incidents carry masked findings.
const FILES: &[&str] = &[
    "examples/finance/refunds-2026-11.csv",
    "examples/hr/onboarding-notes.txt",
    "examples/finance/chargebacks.xlsx",
];

const USERS: &[&str] = &["alice", "bob", "carol", "dmitri"];

async fn call(
    app: &axum::Router,
    key: &str,
    method: Method,
    uri: &str,
    body: &Value,
) -> Result<Value> {
    let req = Request::builder()
        .method(method.clone())
        .uri(uri)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(body)?))?;
    let resp = app.clone().oneshot(req).await?;
    let status = resp.status();
    let bytes = resp.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        bail!(
            "{method} {uri}: {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
    }
    Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The test events of a policy document. Their justifications are not
/// sent: their events stay exceptions awaiting one, as in real life.
fn test_events(yaml: &str) -> Vec<Value> {
    let doc: Value = serde_yaml_ng::from_str(yaml).unwrap_or(Value::Null);
    doc.get("tests")
        .and_then(Value::as_array)
        .map(|tests| {
            tests
                .iter()
                .filter_map(|t| t.get("event").cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// Fills the example data in through `app` (the API) with `key`.
pub async fn seed(app: axum::Router, key: &str, root: &Path) -> Result<usize> {
    let mut policy_ids = Vec::new();
    let mut events = Vec::new();
    for p in POLICIES {
        let body = std::fs::read_to_string(root.join(p))
            .with_context(|| format!("cannot read the example policy {p}"))?;
        events.extend(test_events(&body));
        let v = call(
            &app,
            key,
            Method::POST,
            "/v1/policies",
            &json!({"body": body, "comment": "example policy (cordon serve --demo)", "activate": true}),
        )
        .await?;
        if let Some(id) = v.pointer("/version/policy_id").and_then(Value::as_str) {
            policy_ids.push(id.to_owned());
        }
    }
    if let Some(first) = policy_ids.first() {
        call(
            &app,
            key,
            Method::PUT,
            "/v1/agent-groups/laptops",
            &json!({"policy_id": first, "policy_version": 1, "description": "Company laptops (demo)"}),
        )
        .await?;
    }
    let mut decided = 0;
    for (round, user) in USERS.iter().enumerate() {
        for (i, event) in events.iter().enumerate() {
            // Not every user does everything: a varied but fixed picture.
            if (i + round) % 3 == 2 {
                continue;
            }
            let mut event = event.clone();
            if let Some(obj) = event.as_object_mut() {
                obj.insert(
                    "user".to_owned(),
                    json!({"username": user, "email": format!("{user}@corp.com")}),
                );
            }
            call(&app, key, Method::POST, "/v1/decide", &event).await?;
            decided += 1;
        }
    }
    for (i, f) in FILES.iter().enumerate() {
        let bytes = std::fs::read(root.join(f)).with_context(|| format!("cannot read {f}"))?;
        let name = Path::new(f)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let user = USERS[i % USERS.len()];
        let event = json!({
            "action": "email",
            "user": {"username": user, "email": format!("{user}@corp.com")},
            "sender": [{"kind": "contact", "type": "email", "id": format!("{user}@corp.com")}],
            "recipients": [{"kind": "contact", "type": "email", "id": "someone@gmail.example"}],
            "file": {"path": format!("/home/{user}/{name}")},
        });
        use base64::Engine as _;
        let content = json!({"name": name, "base64": base64::engine::general_purpose::STANDARD.encode(&bytes)});
        call(
            &app,
            key,
            Method::POST,
            "/v1/decide",
            &json!({"event": event, "content": content}),
        )
        .await?;
        decided += 1;
    }
    Ok(decided)
}
