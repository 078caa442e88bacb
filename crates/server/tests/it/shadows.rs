//! Shadow copies through the API: an agent's incident names a sealed copy;
//! the copy is stored only whole, with the hash it came with, under the
//! computer that sent it; a retried upload is accepted once; those who may
//! modify the incident download it (audited), a read-only role sees only
//! that it exists, and another scope does not see the incident at all.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tower::ServiceExt as _;

use crate::scopes::{agent_on_pc1, groups, person};
use crate::support::{App, settings};

const ID: &str = "0123456789abcdef0123456789abcdef";

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the agent uploads after a shadowed write to a stick.
fn shadowed_incident(sealed: &[u8]) -> Value {
    use cordon_policy::model::{
        Action, Decision, Event, FileInfo, Mode, RuleKind, Verdict, Violation,
    };
    use cordon_record::{EndpointStep, IncidentBuilder, ShadowRef};
    let mut event = Event::new(Action::CopyToDevice);
    event.file = Some(FileInfo {
        path: Some("/media/usb/Q3 \"staff\".csv".into()),
        ..FileInfo::default()
    });
    let mut d = Decision::new(Verdict::Allow);
    d.violations.push(Violation {
        rule: "device-control:shadow".into(),
        name: Some("Shadow copy".into()),
        kind: RuleKind::DeviceControl,
        mode: Mode::Permissive,
        enforced: false,
        verdict: Verdict::Allow,
        message: None,
    });
    let steps = [EndpointStep {
        at: 1_700_000_000_000,
        kind: "shadowed".into(),
        text: "Content shadowed, encrypted".into(),
        shadow: Some(ShadowRef {
            id: ID.into(),
            bytes: sealed.len() as u64,
            sha256: hex(&Sha256::digest(sealed)),
        }),
    }];
    let views = IncidentBuilder::new(&event, &d, "req-shadow", 1_700_000_000_000)
        .caller("agent")
        .endpoint(&steps)
        .build();
    json!({ "incidents": views })
}

/// `PUT /v1/agent/shadows/{id}` with `body` and, when given, its hash.
async fn put(
    app: &App,
    key: &str,
    id: &str,
    sha: Option<&str>,
    body: &[u8],
) -> (StatusCode, String) {
    let mut req = Request::builder()
        .method("PUT")
        .uri(format!("/v1/agent/shadows/{id}"))
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/octet-stream");
    if let Some(h) = sha {
        req = req.header("x-cordon-sha256", h);
    }
    let resp = app
        .router()
        .oneshot(req.body(Body::from(body.to_vec())).unwrap())
        .await
        .unwrap();
    let s = resp.status();
    let b = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (s, String::from_utf8_lossy(&b).into_owned())
}

/// `GET /v1/incidents/{id}/shadow`: status, headers, body.
async fn get(app: &App, key: &str, id: i64) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::builder()
        .uri(format!("/v1/incidents/{id}/shadow"))
        .header("authorization", format!("Bearer {key}"))
        .body(Body::empty())
        .unwrap();
    let resp = app.router().oneshot(req).await.unwrap();
    let (s, h) = (resp.status(), resp.headers().clone());
    let b = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (s, h, b.to_vec())
}

#[tokio::test]
async fn a_shadow_copy_is_stored_whole_once_and_shown_to_those_who_may() {
    let mut s = settings();
    s.max_shadow_bytes = 4096;
    let app = App::sqlite_with(s).await.with_policy().await;
    let shadows = app.state.settings.shadow_root();
    let (agent, _) = agent_on_pc1(&app).await;

    let sealed = b"age-encryption.org/v1\n-> X25519 stand-in for a sealed copy\n".repeat(10);
    let sha = hex(&Sha256::digest(&sealed));
    let (s, v) = app
        .call(
            "POST",
            "/v1/agent/incidents",
            Some(&agent),
            Some(shadowed_incident(&sealed)),
        )
        .await;
    assert_eq!(
        (s, v["accepted"].as_i64()),
        (StatusCode::OK, Some(1)),
        "{v}"
    );
    app.settle().await;
    let (_, page) = app.admin("GET", "/v1/incidents", None).await;
    let id = page["incidents"][0]["id"].as_i64().unwrap();
    let d = detail(&app, id).await;
    assert_eq!(d["shadow"]["id"], ID, "{d}");
    assert_eq!(d["shadow"]["received"], false, "{d}");
    // Named but not uploaded yet: not found, saying why.
    let (s, _, body) = get(&app, &app.admin, id).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains("not reached the server yet"));

    // Bad uploads say what is wrong and store nothing.
    for (key, id, h, body, want, says) in [
        (
            &agent,
            "XYZ",
            Some(sha.as_str()),
            &sealed[..],
            StatusCode::BAD_REQUEST,
            "32 lower-case hex",
        ),
        (
            &agent,
            ID,
            None,
            &sealed[..],
            StatusCode::BAD_REQUEST,
            "x-cordon-sha256",
        ),
        (
            &agent,
            ID,
            Some(sha.as_str()),
            &sealed[1..],
            StatusCode::BAD_REQUEST,
            "not stored",
        ),
        (
            &app.admin,
            ID,
            Some(sha.as_str()),
            &sealed[..],
            StatusCode::CONFLICT,
            "enroll",
        ),
        (
            &agent,
            ID,
            Some(sha.as_str()),
            &[b'x'; 5000][..],
            StatusCode::PAYLOAD_TOO_LARGE,
            "max_shadow_bytes",
        ),
    ] {
        let (s, text) = put(&app, key, id, h, body).await;
        assert_eq!(s, want, "{id}: {text}");
        assert!(text.contains(says), "{id}: {text}");
    }
    assert_eq!(detail(&app, id).await["shadow"]["received"], false);
    let leftovers: Vec<_> = walk(&shadows);
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Stored; the same upload again (a lost acknowledgement) is accepted
    // without a second file; another body under the id is refused.
    assert_eq!(
        put(&app, &agent, ID, Some(&sha), &sealed).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        put(&app, &agent, ID, Some(&sha), &sealed).await.0,
        StatusCode::OK
    );
    let other = b"age-encryption.org/v1\nanother".to_vec();
    let (s, text) = put(
        &app,
        &agent,
        ID,
        Some(&hex(&Sha256::digest(&other))),
        &other,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{text}");
    assert_eq!(walk(&shadows).len(), 1);
    assert_eq!(detail(&app, id).await["shadow"]["received"], true);

    // Downloaded as stored, named after the written file, and audited.
    let (s, h, body) = get(&app, &app.admin, id).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, sealed);
    assert_eq!(h["x-cordon-sha256"], sha.as_str());
    assert_eq!(
        h["content-disposition"],
        "attachment; filename=\"Q3__staff_.csv.age\""
    );
    let (_, audit) = app.admin("GET", "/v1/audit", None).await;
    assert!(
        audit.to_string().contains("incident.shadow_download"),
        "{audit}"
    );

    // Read-only: the incident and that a copy exists, not the copy.
    let guest = person(&app, "guest", "guest", json!({"kind": "all"})).await;
    let (s, d) = app
        .call(
            "GET",
            &format!("/v1/incidents/{id}"),
            Some(&guest.key),
            None,
        )
        .await;
    assert_eq!(
        (s, &d["shadow"]["received"]),
        (StatusCode::OK, &json!(true)),
        "{d}"
    );
    assert_eq!(get(&app, &guest.key, id).await.0, StatusCode::FORBIDDEN);
    // Write access in the computer's scope downloads; another scope does
    // not even see the incident.
    let g1 = person(&app, "g1-admin", "technician", groups(&["G1"])).await;
    let g2 = person(&app, "g2-admin", "technician", groups(&["G2"])).await;
    assert_eq!(get(&app, &g1.key, id).await.0, StatusCode::OK);
    assert_eq!(get(&app, &g2.key, id).await.0, StatusCode::NOT_FOUND);
}

async fn detail(app: &App, id: i64) -> Value {
    app.admin("GET", &format!("/v1/incidents/{id}"), None)
        .await
        .1
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}
