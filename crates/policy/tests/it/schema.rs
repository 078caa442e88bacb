//! schemas/policy.schema.json describes the documents the loader reads.

use crate::support::repo;

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("schemas/policy.schema.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&v).unwrap()
}

fn yaml(text: &str) -> serde_json::Value {
    serde_yaml_ng::from_str(text).unwrap()
}

fn errors(s: &jsonschema::Validator, v: &serde_json::Value) -> Vec<String> {
    s.iter_errors(v)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn examples_and_cases_validate() {
    let s = schema();
    let mut n = 0;
    for dir in ["examples/policies", "crates/policy/tests/cases"] {
        for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
            let p = entry.unwrap().path();
            let name = p.display().to_string();
            if name.contains(".invalid.") {
                continue;
            }
            let v = yaml(&std::fs::read_to_string(&p).unwrap());
            let errs = errors(&s, &v);
            assert!(errs.is_empty(), "{name}: {errs:#?}");
            n += 1;
        }
    }
    assert!(n >= 10);
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let s = schema();
    for bad in [
        "name: no id\n",
        "id: x\nbogus: 1\n",
        "id: x\nrules:\n  - {id: r, userActions: [login], expression: 'true'}\n",
        "id: x\nrules:\n  - {id: r, userActions: [teleport], effect: deny, expression: 'true'}\n",
        "id: x\nflows:\n  - {id: f, category: PII, senders: ['fax:1'], recipients: ['*'], permission: allow}\n",
        "id: x\nflows:\n  - {id: f, category: PII, senders: ['*'], recipients: ['*'], permission: maybe}\n",
        "id: x\ntests:\n  - {name: t, event: {action: login, extra: 1}, expect: {decision: allow}}\n",
        "id: x\nremovableMedia: {passphrase: always}\n",
        "id: x\nremovableMedia: {passphrase: prompt, passphraseTtlSecs: 0}\n",
    ] {
        let v = yaml(bad);
        assert!(!errors(&s, &v).is_empty(), "schema accepted: {bad}");
        assert!(
            cordon_policy::Loader::new().load(bad).0.is_none(),
            "loader accepted: {bad}"
        );
    }
}
