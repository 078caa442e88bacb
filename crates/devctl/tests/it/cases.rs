//! Decision cases as data: `tests/fixtures/cases/*.json`, each a document
//! (inline or a fixture file) and events with their expected decisions.
//!
//! ```json
//! { "description": "…",
//!   "document": { … } | "documentFile": "seed/rw_all.json",
//!   "events": [ { "name": "…", "event": { Event }, "expect": {
//!       "decision": "allow",
//!       "determinedBy": ["1200"],
//!       "device": { subset of the DeviceDecision JSON },
//!       "errors": 0 } } ] }
//! ```

use chrono::Utc;
use cordon_devctl::{DeviceControl, DeviceControlSource, read_value};
use cordon_policy::model::Event;
use cordon_policy::source::{EvalContext, RuleSource};
use serde_json::Value;

use crate::{fixture, read_fixture};

/// Every key of `want` is in `got` with an equal value (recursively for objects).
fn subset(want: &Value, got: &Value, path: &str, failures: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                match g.get(k) {
                    Some(gv) => subset(wv, gv, &format!("{path}.{k}"), failures),
                    None if wv.is_null() || wv == &Value::Bool(false) => {}
                    None => failures.push(format!("{path}.{k}: missing, expected {wv}")),
                }
            }
        }
        _ if want == got => {}
        _ => failures.push(format!("{path}: expected {want}, got {got}")),
    }
}

fn run_case_file(path: &std::path::Path) -> Vec<String> {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let case: Value = cordon_devctl::lenient::parse(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let doc_value = match (case.get("document"), case.get("documentFile")) {
        (Some(d), _) => d.clone(),
        (None, Some(Value::String(f))) => cordon_devctl::lenient::parse(&read_fixture(f)).unwrap(),
        _ => panic!("{name}: needs `document` or `documentFile`"),
    };
    let doc = read_value(&doc_value)
        .unwrap_or_else(|e| panic!("{name}: {e:?}"))
        .document;
    let dc = DeviceControl::new(doc);
    let source = DeviceControlSource::new(dc.clone()).with_explain(true);
    // The indexed path (no explanation) must decide the same.
    let fast = DeviceControlSource::new(dc);
    let mut failures = Vec::new();
    let events = case
        .get("events")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    assert!(!events.is_empty(), "{name}: no events");
    for (i, ev) in events.iter().enumerate() {
        let label = format!(
            "{name} #{i} {}",
            ev.get("name").and_then(Value::as_str).unwrap_or("")
        );
        let event: Event = serde_json::from_value(ev["event"].clone())
            .unwrap_or_else(|e| panic!("{label}: bad event: {e}"));
        let ctx = EvalContext {
            now: event.time.unwrap_or_else(Utc::now),
        };
        let out = source.evaluate(&event, &ctx);
        let quick = fast.evaluate(&event, &ctx);
        assert_eq!(
            (&quick.verdict, &quick.device, &quick.determined_by),
            (&out.verdict, &out.device, &out.determined_by),
            "{label}: the indexed decision differs from the full scan"
        );
        let expect = &ev["expect"];
        let mut f = Vec::new();
        if let Some(d) = expect.get("decision") {
            let got = serde_json::to_value(out.verdict).unwrap();
            if &got != d {
                f.push(format!("decision: expected {d}, got {got}"));
            }
        }
        if let Some(d) = expect.get("determinedBy") {
            let got: Vec<String> = out.determined_by.iter().map(|r| r.id.clone()).collect();
            if &serde_json::to_value(&got).unwrap() != d {
                f.push(format!("determinedBy: expected {d}, got {got:?}"));
            }
        }
        if let Some(d) = expect.get("device") {
            let got = serde_json::to_value(&out.device).unwrap();
            subset(d, &got, "device", &mut f);
        }
        if let Some(n) = expect.get("errors").and_then(Value::as_u64)
            && out.errors.len() as u64 != n
        {
            f.push(format!("errors: expected {n}, got {:?}", out.errors));
        }
        if let Some(v) = expect.get("violations") {
            let got: Vec<Value> = out
                .violations
                .iter()
                .map(
                    |v| serde_json::json!({"rule": v.rule, "mode": v.mode, "enforced": v.enforced}),
                )
                .collect();
            if &Value::Array(got.clone()) != v {
                f.push(format!("violations: expected {v}, got {got:?}"));
            }
        }
        if let Some(a) = expect.get("actions") {
            let got: Vec<Value> = out
                .actions
                .iter()
                .map(|a| serde_json::to_value(a.action).unwrap())
                .collect();
            if &Value::Array(got.clone()) != a {
                f.push(format!("actions: expected {a}, got {got:?}"));
            }
        }
        if !f.is_empty() {
            let trace: Vec<String> = out
                .trace
                .iter()
                .map(|t| format!("{} {}: {}", t.rule, t.matched, t.reason))
                .collect();
            failures.push(format!(
                "{label}:\n  {}\n  trace: {trace:#?}",
                f.join("\n  ")
            ));
        }
    }
    failures
}

#[test]
fn decision_cases() {
    let dir = fixture("cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 8,
        "expected the decision case files in {}",
        dir.display()
    );
    let failures: Vec<String> = files.iter().flat_map(|f| run_case_file(f)).collect();
    assert!(
        failures.is_empty(),
        "{} failing case(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
