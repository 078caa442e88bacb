//! The OpenAPI document matches the route table: same paths, same methods;
//! and its schemas match what the handlers actually send.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use cordon_server::{Access, routes};
use serde_json::{Value, json};

use crate::support::{App, events};

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

/// The component `name` of `doc` as a JSON Schema (2020-12, the dialect
/// of OpenAPI 3.1) that resolves the document's `$ref`s.
///
/// Objects are closed (`unevaluatedProperties: false`) so that a property
/// the JSON has and the schema does not — a missed `rename`, a field the
/// derive skipped — fails too, not only a missing or mistyped one. An
/// `allOf` (a `#[serde(flatten)]`) is closed as a whole: its parts stay
/// open, a part that is a `$ref` pointing at an open copy under `$defs`.
pub(crate) fn validator(doc: &Value, name: &str) -> jsonschema::Validator {
    let mut schemas = doc["components"]["schemas"].clone();
    let mut open = BTreeSet::new();
    for s in schemas.as_object_mut().unwrap().values_mut() {
        close(s, false, &mut open);
    }
    let mut defs = serde_json::Map::new();
    for n in open {
        let mut s = doc["components"]["schemas"][&n].clone();
        close(&mut s, true, &mut BTreeSet::new());
        defs.insert(n, s);
    }
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": {"schemas": schemas},
        "$defs": defs,
    });
    jsonschema::draft202012::new(&schema).unwrap()
}

/// Closes the objects of schema `s` (not `s` itself if `open`); `$ref`
/// parts of an `allOf` are pointed at open copies, named into `refs`.
fn close(s: &mut Value, open: bool, refs: &mut BTreeSet<String>) {
    let Some(o) = s.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(parts)) = o.get_mut("allOf") {
        for p in parts {
            match p.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let n = r.strip_prefix("#/components/schemas/").unwrap().to_owned();
                    p["$ref"] = format!("#/$defs/{n}").into();
                    refs.insert(n);
                }
                None => close(p, true, refs),
            }
        }
    }
    if !open
        && (o.contains_key("properties") || o.contains_key("allOf"))
        && !o.contains_key("additionalProperties")
    {
        o.insert("unevaluatedProperties".into(), false.into());
    }
    for k in ["items", "additionalProperties"] {
        if let Some(v) = o.get_mut(k) {
            close(v, false, refs);
        }
    }
    for k in ["oneOf", "anyOf"] {
        if let Some(Value::Array(parts)) = o.get_mut(k) {
            for p in parts {
                close(p, false, refs);
            }
        }
    }
    if let Some(Value::Object(props)) = o.get_mut("properties") {
        for v in props.values_mut() {
            close(v, false, refs);
        }
    }
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

/// `instance` is valid for `v`, or the test fails with every error.
#[track_caller]
pub(crate) fn assert_valid(v: &jsonschema::Validator, instance: &Value, what: &str) {
    let errs = errors(v, instance);
    assert!(errs.is_empty(), "{what}: {errs:#?}\n{instance:#}");
}

/// `instance` is invalid for `v`: a drift the validation must catch.
#[track_caller]
fn assert_invalid(v: &jsonschema::Validator, instance: &Value, what: &str) {
    assert!(!v.is_valid(instance), "{what} validates:\n{instance:#}");
}

#[test]
fn published_types_are_components_under_their_own_names() {
    use utoipa::ToSchema;
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;

    fn with_deps<T: ToSchema>(all: &mut Vec<(String, RefOr<Schema>)>) {
        all.push((T::name().into_owned(), T::schema()));
        T::schemas(all);
    }
    let doc = serde_json::to_value(cordon_server::openapi::document()).unwrap();
    let components = &doc["components"]["schemas"];
    for name in ["FileReport", "Decision", "Outcome", "Event", "DecideBody"] {
        assert!(components[name].is_object(), "no component {name}");
    }
    // Every type these bodies are made of is published as itself: no
    // other type of the same name (the server's `FlowKey`, say) took its
    // place in the document, where names are global.
    let mut all = Vec::new();
    with_deps::<cordon_inspect::FileReport>(&mut all);
    with_deps::<cordon_server::decision::Outcome>(&mut all);
    with_deps::<cordon_policy::model::Event>(&mut all);
    assert!(all.len() > 30, "{}", all.len());
    for (name, schema) in all {
        assert_eq!(
            components[&name],
            serde_json::to_value(schema).unwrap(),
            "component {name} is not the schema of the type named so"
        );
    }
    // The bodies point at them.
    let op = |p: &str| doc["paths"][p]["post"].clone();
    let json_schema = |v: &Value| v["content"]["application/json"]["schema"]["$ref"].clone();
    assert_eq!(
        json_schema(&op("/v1/inspect")["responses"]["200"]),
        "#/components/schemas/FileReport"
    );
    assert_eq!(
        json_schema(&op("/v1/decide")["responses"]["200"]),
        "#/components/schemas/Outcome"
    );
    assert_eq!(
        json_schema(&op("/v1/decide")["requestBody"]),
        "#/components/schemas/DecideBody"
    );
    assert_eq!(
        components["Outcome"]["allOf"][0]["$ref"],
        "#/components/schemas/Decision"
    );
}

/// A zip of `(name, data, password)` entries, encrypted ones with
/// ZipCrypto.
fn zip_of(entries: &[(&str, &[u8], Option<&str>)]) -> Vec<u8> {
    use std::io::Write as _;
    use zip::unstable::write::FileOptionsExt as _;
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
async fn inspect_answers_validate_against_the_file_report_schema() {
    let app = App::sqlite().await;
    let (_, doc) = app.call("GET", "/openapi.json", None, None).await;
    let report = validator(&doc, "FileReport");
    let key = app.admin.clone();
    let cards = b"card: 4111 1111 1111 1111, mail alice@corp.com\n".as_slice();
    let zip = zip_of(&[
        ("q3/cards.txt", cards, None),
        ("q3/locked.txt", cards, Some("secret")),
    ]);
    let mut answers = Vec::new();
    for (name, body) in [("cards.txt", cards.to_vec()), ("q3.zip", zip)] {
        let (s, r) = app
            .call_raw(
                "POST",
                &format!("/v1/inspect?name={name}"),
                Some(&key),
                body.into(),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{name}: {r}");
        assert_valid(&report, &r, name);
        answers.push(r);
    }
    // The answers use what the schema describes: findings, categories,
    // counts by detector and category, and for the zip its members and
    // the member that could not be read.
    let (text, zip) = (&answers[0], &answers[1]);
    assert_eq!(text["findings"][0]["category"], "PCI", "{text}");
    assert!(
        text["classification"]["category_counts"]["PCI"].is_object(),
        "{text}"
    );
    assert!(text.get("members").is_none(), "{text}");
    assert_eq!(zip["complete"], false, "{zip}");
    assert!(
        zip["members"].as_array().is_some_and(|m| !m.is_empty()),
        "{zip}"
    );
    assert!(
        zip["incomplete"].as_array().is_some_and(|p| !p.is_empty()),
        "{zip}"
    );

    // Drift fails: a renamed key, an unknown one (also nested), a value
    // outside an enum, a wrong type.
    let mut bad = text.clone();
    let v = bad.as_object_mut().unwrap().remove("file_type").unwrap();
    bad["fileType"] = v;
    assert_invalid(&report, &bad, "renamed `file_type`");
    let mut bad = text.clone();
    bad["surprise"] = json!(1);
    assert_invalid(&report, &bad, "an undeclared key");
    let mut bad = text.clone();
    bad["classification"]["detectors"]["credit_card"]["certain"] = json!(1);
    assert_invalid(&report, &bad, "an undeclared key in a map's value");
    let mut bad = text.clone();
    bad["findings"][0]["category"] = json!("pci");
    assert_invalid(&report, &bad, "a category outside the enum");
    let mut bad = text.clone();
    bad["classification"]["category_counts"]["PAN"] = json!({"high": 1});
    assert_invalid(&report, &bad, "a map key outside the enum");
    let mut bad = zip.clone();
    bad["members"][0]["file_type"] = json!(7);
    assert_invalid(&report, &bad, "a member's type as a number");
    app.close().await;
}

#[tokio::test]
async fn decide_answers_and_bodies_validate_against_their_schemas() {
    let app = App::sqlite().await.with_policy().await;
    let (_, doc) = app.call("GET", "/openapi.json", None, None).await;
    let outcome = validator(&doc, "Outcome");
    let decision = validator(&doc, "Decision");
    let body = validator(&doc, "DecideBody");
    let requests = [
        ("allow", events::download("bob", &[])),
        ("allow", events::download("bob", &["PII"])),
        ("deny", events::download("mallory", &["PCI", "PII"])),
        (
            "exception",
            events::phi_email("doc@corp.com", "someone@elsewhere.example"),
        ),
        (
            "deny",
            json!({
                "event": {"action": "download", "user": {"username": "eve"},
                          "request": {"remoteIp": "203.0.113.9", "agent": "curl"},
                          "metadata": {"owner": "eve", "tags": ["q3", 2, true]},
                          "time": "2025-03-01T10:00:00+01:00",
                          "file": {"path": "/x/cards.txt"}},
                "content": {"name": "cards.txt", "text": "card: 4111 1111 1111 1111"},
            }),
        ),
    ];
    let mut answers = Vec::new();
    for (verdict, req) in requests {
        assert_valid(&body, &req, "request");
        let (s, d) = app.admin("POST", "/v1/decide", Some(req)).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["decision"], verdict, "{d}");
        assert_valid(&outcome, &d, verdict);
        // The decision alone is a `Decision`.
        let mut alone = d.clone();
        let o = alone.as_object_mut().unwrap();
        o.remove("request_id");
        o.remove("incidents");
        assert_valid(&decision, &alone, verdict);
        answers.push(d);
    }
    let deny = &answers[2];
    assert!(
        deny["violations"].as_array().is_some_and(|v| v.len() == 2),
        "{deny}"
    );
    assert!(
        answers[3]["exception"]["keys"][0]["category"] == "PHI",
        "{}",
        answers[3]
    );

    // Drift fails, in the flattened decision and next to it.
    let mut bad = deny.clone();
    let v = bad.as_object_mut().unwrap().remove("determinedBy").unwrap();
    bad["determined_by"] = v;
    assert_invalid(&outcome, &bad, "renamed `determinedBy`");
    let mut bad = deny.clone();
    bad.as_object_mut().unwrap().remove("request_id");
    assert_invalid(&outcome, &bad, "no `request_id`");
    let mut bad = deny.clone();
    bad["surprise"] = json!(1);
    assert_invalid(&outcome, &bad, "an undeclared key");
    let mut bad = deny.clone();
    bad["violations"][0]["mode"] = json!("ENFORCE");
    assert_invalid(&outcome, &bad, "a mode outside the enum");
    let mut bad = answers[3].clone();
    bad["exception"]["keys"][0]["kind"] = json!("contact");
    assert_invalid(&outcome, &bad, "an undeclared key in a flow key");

    // A body the server refuses, the schema refuses too.
    for req in [
        json!({"action": "download", "usr": {"username": "bob"}}),
        json!({"action": "downlaod"}),
        json!({"event": {"action": "download"}, "content": {"text": "x"}, "more": 1}),
        json!({"action": "email", "sender": [{"kind": "pigeon"}]}),
    ] {
        assert_invalid(&body, &req, "a body the server refuses");
        let (s, e) = app.admin("POST", "/v1/decide", Some(req)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    }
    app.close().await;
}
