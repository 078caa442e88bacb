//! Every route requires a valid key, except the few public ones; admin
//! routes refuse client keys. Driven by the route table itself, so a new
//! route is covered the day it is added.

use axum::http::StatusCode;
use cordon_server::{Access, routes};
use serde_json::json;

use crate::support::App;

fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{version}", "1")
        .replace("{name}", "g")
}

#[tokio::test]
async fn every_route_requires_a_valid_key() {
    let app = App::sqlite().await;
    let (_, k) = app
        .admin(
            "POST",
            "/v1/keys",
            Some(json!({"name": "c", "role": "client"})),
        )
        .await;
    let client = k["secret"].as_str().unwrap().to_owned();
    let (_, r) = app
        .admin(
            "POST",
            "/v1/keys",
            Some(json!({"name": "gone", "role": "admin"})),
        )
        .await;
    let revoked = r["secret"].as_str().unwrap().to_owned();
    app.admin(
        "DELETE",
        &format!("/v1/keys/{}", r["key"]["id"].as_str().unwrap()),
        None,
    )
    .await;
    // The admin key with its last character changed (never to itself).
    let (head, last) = app.admin.split_at(app.admin.len() - 1);
    let forged = format!("{head}{}", if last == "0" { "1" } else { "0" });

    let mut public = Vec::new();
    for (spec, _) in routes() {
        let uri = concrete(spec.path);
        let m = spec.method.as_str();
        if spec.access == Access::Public {
            public.push(spec.path);
            let (s, _) = app.call(m, &uri, None, None).await;
            assert_ne!(s, StatusCode::UNAUTHORIZED, "{m} {uri}");
            continue;
        }
        for (what, key) in [
            ("no key", None),
            ("forged key", Some(forged.as_str())),
            ("revoked key", Some(revoked.as_str())),
            ("garbage", Some("hello")),
        ] {
            let (s, e) = app.call(m, &uri, key, Some(json!({}))).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{m} {uri} with {what}: {e}");
            assert_eq!(e["code"], "unauthorized");
        }
        let (s, e) = app.call(m, &uri, Some(&client), None).await;
        match spec.access {
            Access::Admin | Access::SuperAdmin | Access::Module(..) | Access::Person => {
                assert_eq!(s, StatusCode::FORBIDDEN, "{m} {uri} with a client key: {e}")
            }
            _ => assert!(
                s != StatusCode::UNAUTHORIZED && s != StatusCode::FORBIDDEN,
                "{m} {uri}: {s} {e}"
            ),
        }
    }
    // Deciding to make a route public is deliberate: this list changes with it.
    public.sort();
    assert_eq!(
        public,
        [
            "/healthz",
            "/openapi.json",
            "/readyz",
            // Sign-in: throttled per address, tested in `login`.
            "/v1/auth/2fa",
            "/v1/auth/2fa/enroll",
            "/v1/auth/2fa/resend",
            "/v1/auth/login",
        ]
    );
    app.close().await;
}

#[test]
fn the_route_table_has_no_duplicates() {
    let mut seen = std::collections::HashSet::new();
    for (spec, _) in routes() {
        assert!(
            seen.insert((spec.method.clone(), spec.path)),
            "{} {} twice",
            spec.method,
            spec.path
        );
    }
}
