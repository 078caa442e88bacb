//! Observation mode: nothing blocked, uncovered flows become a baseline.

use cordon_policy::document::Permission;
use cordon_policy::model::Verdict;
use cordon_policy::{Engine, Loader};

use crate::support::{event, load};

fn policy(mode: &str) -> String {
    format!(
        r#"
id: obs
mode: observe
observation: {mode}
internal: {{ domains: [corp.com] }}
flowDefaults:
  PCI: {{ permission: deny }}
flows:
  - {{id: known, category: PII, senders: ["email:a@corp.com"], recipients: ["email:b@corp.com"], permission: allow}}
"#
    )
}

fn ev(recipient: &str, cat: &str) -> cordon_policy::model::Event {
    event(&format!(
        r#"{{"action":"email","sender":[{{"kind":"contact","type":"email","id":"a@corp.com"}}],
            "recipients":[{{"kind":"contact","type":"email","id":"{recipient}"}}],
            "file":{{"classification":{{"categories":["{cat}"]}}}}}}"#
    ))
}

#[test]
fn allow_all_blocks_nothing_and_records_uncovered_flows() {
    let e = Engine::new(load(&policy("allow_all")));
    // covered: no new rule
    let d = e.decide(&ev("b@corp.com", "PII"));
    assert_eq!(d.decision, Verdict::Allow);
    assert!(d.observation.as_ref().unwrap().new_rules.is_empty());
    // uncovered and denied by the default: still allowed, reported
    let d = e.decide(&ev("x@gmail.com", "PCI"));
    assert_eq!(d.decision, Verdict::Allow);
    let o = d.observation.unwrap();
    assert_eq!(o.would_be, Verdict::Deny);
    assert!(!o.justification_required);
    assert_eq!(o.new_rules.len(), 1);
    assert!(d.violations.iter().all(|v| !v.enforced));
    // the same flow again adds nothing
    assert!(
        e.decide(&ev("x@gmail.com", "PCI"))
            .observation
            .unwrap()
            .new_rules
            .is_empty()
    );

    let base = e.baseline();
    assert_eq!(base.mode, cordon_policy::document::PolicyMode::Enforce);
    let new: Vec<_> = base.flows.iter().filter(|f| f.id != "known").collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].senders, ["email:a@corp.com"]);
    assert_eq!(new[0].recipients, ["email:x@gmail.com"]);
    assert_eq!(new[0].category, "PCI");
    assert_eq!(new[0].permission, Permission::Allow);

    // the exported baseline checks and, enforced, allows the observed flow
    let yaml = serde_yaml_ng::to_string(&base).unwrap();
    let (set, diags) = Loader::new().load(&yaml);
    let enforced = Engine::new(set.unwrap_or_else(|| panic!("{diags:#?}")));
    assert_eq!(
        enforced.decide(&ev("x@gmail.com", "PCI")).decision,
        Verdict::Allow
    );
    assert_eq!(
        enforced.decide(&ev("y@gmail.com", "PCI")).decision,
        Verdict::Deny
    );
}

#[test]
fn justify_all_asks_and_records_justified_flows_as_allow() {
    let e = Engine::new(load(&policy("justify_all")));
    let d = e.decide(&ev("x@gmail.com", "PII"));
    assert_eq!(d.decision, Verdict::Allow);
    assert!(d.observation.as_ref().unwrap().justification_required);
    let rules = e.baseline().flows;
    assert_eq!(rules.last().unwrap().permission, Permission::Exception);
    // a justification upgrades the pending rule
    let d = e.decide_with(&ev("x@gmail.com", "PII"), Some("vendor onboarding"));
    assert_eq!(d.decision, Verdict::Allow);
    let rules = e.baseline().flows;
    let r = rules
        .iter()
        .find(|f| f.recipients == ["email:x@gmail.com"])
        .unwrap();
    assert_eq!(r.permission, Permission::Allow);
    assert!(
        r.description
            .as_deref()
            .unwrap()
            .contains("vendor onboarding")
    );
    assert_eq!(rules.len(), 2);
}

#[test]
fn mixed_allows_internal_and_justifies_external() {
    let e = Engine::new(load(&policy("mixed")));
    let d = e.decide(&ev("c@corp.com", "PII"));
    assert!(!d.observation.unwrap().justification_required);
    let d = e.decide(&ev("c@gmail.com", "PII"));
    assert!(d.observation.unwrap().justification_required);
    let base = e.baseline();
    let perm = |r: &str| {
        base.flows
            .iter()
            .find(|f| f.recipients == [r])
            .unwrap()
            .permission
    };
    assert_eq!(perm("email:c@corp.com"), Permission::Allow);
    assert_eq!(perm("email:c@gmail.com"), Permission::Exception);
    assert!(base.flow_defaults.contains_key("PII"));
}
