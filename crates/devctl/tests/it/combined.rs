//! Device control combined with expression and data-flow rules in one
//! Cordon policy document (`tests/fixtures/combined.yaml`, whose embedded
//! test cases hold the expectations).

use cordon_devctl::DeviceControlLoader;
use cordon_policy::testing::run_case;
use cordon_policy::{Engine, Loader};

use crate::read_fixture;

fn loader() -> Loader {
    Loader::new().with_extension(Box::new(DeviceControlLoader))
}

#[test]
fn the_three_rule_kinds_combine_most_restrictive_first() {
    let text = read_fixture("combined.yaml");
    let (set, diags) = loader().load(&text);
    let set = set.unwrap_or_else(|| panic!("does not load: {diags:#?}"));
    let engine = Engine::new(set);
    let doc = engine.policy().doc.clone();
    assert!(doc.tests.len() >= 6);
    let mut failed = Vec::new();
    for case in &doc.tests {
        let r = run_case(&engine, case);
        if !r.passed {
            failed.push(format!(
                "{}: {:?}\n{}",
                r.name,
                r.failures,
                serde_json::to_string_pretty(&r.decision).unwrap()
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
    // The device part is the device-control source's.
    let d = engine.decide(&doc.tests[0].event);
    let device = d.device.expect("device part");
    assert_eq!(device.shadow, cordon_policy::model::Shadow::Content);
}

#[test]
fn an_invalid_device_control_section_keeps_the_whole_document_out() {
    let text = read_fixture("combined.yaml").replace("priority: \"50\"", "priority: \"fifty\"");
    let (set, diags) = loader().load(&text);
    assert!(set.is_none());
    let msgs: Vec<String> = diags.iter().map(|d| format!("{d:?}")).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("/deviceControl/policies/1/how/priority")),
        "{msgs:#?}"
    );
}

#[test]
fn a_seed_document_is_a_policy_set_by_content() {
    let text = read_fixture("seed/custom_types.json");
    // Strict JSON without comments is claimed by the device-control loader.
    let (set, diags) = loader().load(&text);
    assert!(set.is_some(), "{diags:#?}");
}

#[test]
fn an_imported_document_loads_and_decides_like_the_original() {
    use cordon_devctl::import::{ImportOptions, to_yaml};
    use cordon_devctl::{DeviceControl, DeviceControlSource, read_str};
    use cordon_policy::model::Event;
    use cordon_policy::source::{EvalContext, RuleSource};

    let original = read_str(&read_fixture("seed/rw_all.json"))
        .unwrap()
        .document;
    let yaml = to_yaml(
        &original,
        &ImportOptions {
            id: Some("rw-all".into()),
            origin: Some("rw_all.json".into()),
        },
    )
    .unwrap();
    assert!(yaml.starts_with("id: rw-all\n"), "{yaml}");
    let (set, diags) = loader().load(&yaml);
    let set = set.unwrap_or_else(|| panic!("{diags:#?}\n{yaml}"));
    // The section reads back as the same document.
    let section = set.doc.device_control.clone().unwrap();
    assert_eq!(
        cordon_devctl::read_value(&section).unwrap().document,
        original
    );
    let engine = Engine::new(set);
    let source = DeviceControlSource::new(DeviceControl::new(original));
    let event: Event = serde_json::from_value(serde_json::json!({
        "action": "device_access", "time": "2026-01-05T10:00:00Z",
        "device": {"device": {"class": "3"}, "operation": "write"}
    }))
    .unwrap();
    let via_engine = engine.decide(&event);
    let direct = source.evaluate(
        &event,
        &EvalContext {
            now: event.time.unwrap(),
        },
    );
    assert_eq!(Some(via_engine.decision), direct.verdict);
    assert_eq!(via_engine.device, direct.device);
}
