//! The OpenAPI document matches the route table: same paths, same methods.

use std::collections::BTreeSet;

use cordon_server::{Access, routes};

#[test]
fn openapi_paths_are_exactly_the_routes() {
    let doc = serde_json::to_value(cordon_server::openapi::document()).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in ["get", "post", "put", "delete", "patch"] {
            if item.get(m).is_some() {
                documented.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    let routed: BTreeSet<(String, String)> = routes()
        .into_iter()
        .map(|(s, _)| (s.method.to_string(), s.path.to_owned()))
        .collect();
    let missing: Vec<_> = routed.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&routed).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the OpenAPI document: {missing:?}"
    );
    assert!(stale.is_empty(), "documented but not routed: {stale:?}");

    // Routes that need a key say so.
    for (spec, _) in routes() {
        let op = &doc["paths"][spec.path][spec.method.as_str().to_lowercase()];
        let secured = op.get("security").is_some();
        assert_eq!(
            secured,
            spec.access != Access::Public,
            "{} {} security",
            spec.method,
            spec.path
        );
    }
}

#[tokio::test]
async fn the_served_document_is_the_generated_one() {
    let app = crate::support::App::sqlite().await;
    let (s, v) = app.call("GET", "/openapi.json", None, None).await;
    assert_eq!(s, axum::http::StatusCode::OK);
    assert_eq!(
        v,
        serde_json::to_value(cordon_server::openapi::document()).unwrap()
    );
    assert!(v["components"]["securitySchemes"]["api_key"].is_object());
}
