//! Expression rules, data-flow rules and another rule source in one set.

use cordon_policy::model::{Action, DeviceDecision, Event, RuleKind, RuleRef, Verdict, Violation};
use cordon_policy::source::{EvalContext, RuleSource, SourceLoader, SourceOutcome};
use cordon_policy::{Engine, Loader};

use crate::support::{event, ids};

/// A stand-in for device control: denies writes, allows reads.
#[derive(Debug)]
struct FakeDevices;

impl RuleSource for FakeDevices {
    fn kind(&self) -> RuleKind {
        RuleKind::DeviceControl
    }
    fn applies_to(&self, action: Action) -> bool {
        matches!(action, Action::DeviceAccess | Action::CopyToDevice)
    }
    fn evaluate(&self, event: &Event, _ctx: &EvalContext) -> SourceOutcome {
        let Some(dev) = &event.device else {
            return SourceOutcome::default();
        };
        let write = dev.operation == cordon_policy::model::DeviceOperation::Write;
        let verdict = if write { Verdict::Deny } else { Verdict::Allow };
        SourceOutcome {
            verdict: Some(verdict),
            determined_by: vec![RuleRef {
                id: "usb-read-only".into(),
                kind: RuleKind::DeviceControl,
            }],
            violations: if write {
                vec![Violation {
                    rule: "usb-read-only".into(),
                    name: None,
                    kind: RuleKind::DeviceControl,
                    mode: cordon_policy::model::Mode::Enforce,
                    enforced: true,
                    verdict: Verdict::Deny,
                    message: Some("read only".into()),
                }]
            } else {
                vec![]
            },
            message: write.then(|| "read only".into()),
            device: Some(DeviceDecision {
                operation_allowed: !write,
                ..Default::default()
            }),
            ..Default::default()
        }
    }
    fn len(&self) -> usize {
        1
    }
}

struct FakeLoader;

impl SourceLoader for FakeLoader {
    fn key(&self) -> &str {
        "deviceControl"
    }
    fn load(
        &self,
        value: &serde_json::Value,
    ) -> Result<Box<dyn RuleSource>, Vec<(String, String)>> {
        if value.get("policies").is_some() {
            Ok(Box::new(FakeDevices))
        } else {
            Err(vec![("/policies".into(), "missing".into())])
        }
    }
    fn claims_document(&self, doc: &serde_json::Value) -> bool {
        doc.get("configuration").is_some()
    }
}

const POLICY: &str = r#"
id: combined
rules:
  - id: no-secret-copies
    userActions: [copy_to_device]
    effect: deny
    mode: permissive
    expression: _file.hasCategory('CONFIDENTIAL')
flows:
  - {id: pci-usb, category: PCI, senders: ["*"], recipients: ["device:*"], permission: deny, actions: [alert]}
  - {id: pii-usb, category: PII, senders: ["*"], recipients: ["device:*"], permission: exception}
deviceControl: { policies: [] }
"#;

fn copy(cats: &str, op: &str) -> Event {
    event(&format!(
        r#"{{"action":"copy_to_device","sender":[{{"kind":"contact","type":"account","id":"CORP\\bob"}}],
            "recipients":[{{"kind":"device","device":"external_storage"}}],
            "file":{{"classification":{{"categories":[{cats}]}}}},
            "device":{{"device":{{"class":"2","bus":"USB"}},"operation":"{op}"}}}}"#
    ))
}

fn engine() -> Engine {
    let (set, d) = Loader::new()
        .with_extension(Box::new(FakeLoader))
        .load(POLICY);
    Engine::new(set.unwrap_or_else(|| panic!("{d:#?}")))
}

#[test]
fn the_most_restrictive_say_wins() {
    let e = engine();
    // device allows a read, no category: allow by device control
    let d = e.decide(&copy("", "read"));
    assert_eq!(d.decision, Verdict::Allow);
    assert_eq!(ids(&d.determined_by), ["usb-read-only"]);
    assert!(d.device.as_ref().unwrap().operation_allowed);
    // device allows, data flow says exception: exception
    let d = e.decide(&copy(r#""PII""#, "read"));
    assert_eq!(d.decision, Verdict::Exception);
    assert_eq!(ids(&d.determined_by), ["pii-usb"]);
    // device denies, data flow says exception: deny, both violations kept,
    // only the deny enforced
    let d = e.decide(&copy(r#""PII""#, "write"));
    assert_eq!(d.decision, Verdict::Deny);
    assert_eq!(ids(&d.determined_by), ["usb-read-only"]);
    let enforced: Vec<_> = d
        .violations
        .iter()
        .filter(|v| v.enforced)
        .map(|v| v.rule.as_str())
        .collect();
    assert_eq!(enforced, ["usb-read-only"]);
    assert_eq!(d.violations.len(), 2);
    assert_eq!(d.message.as_deref(), Some("read only"));
    assert!(d.exception.is_none());
    // device denies and data flow denies: both determine; all actions kept
    let d = e.decide(&copy(r#""PCI","CONFIDENTIAL""#, "write"));
    assert_eq!(d.decision, Verdict::Deny);
    let mut det = ids(&d.determined_by);
    det.sort();
    assert_eq!(det, ["pci-usb", "usb-read-only"]);
    assert!(d.actions.iter().any(|a| a.rule == "pci-usb"));
    // the permissive expression rule was recorded, not enforced
    assert!(
        d.violations
            .iter()
            .any(|v| v.rule == "no-secret-copies" && !v.enforced)
    );
}

#[test]
fn an_unregistered_extension_keeps_the_policy_from_loading() {
    let (set, d) = Loader::new().load(POLICY);
    assert!(set.is_none());
    assert!(d[0].message.contains("device-control loader"), "{d:?}");
}

#[test]
fn an_extension_may_claim_a_whole_document() {
    let (set, d) = Loader::new()
        .with_extension(Box::new(FakeLoader))
        .load(r#"{"configuration": {}, "policies": []}"#);
    let set = set.unwrap_or_else(|| panic!("{d:#?}"));
    assert_eq!(set.sources.len(), 1);
    let (set, d) = Loader::new()
        .with_extension(Box::new(FakeLoader))
        .load(r#"{"configuration": {}}"#);
    assert!(set.is_none());
    assert_eq!(d[0].context.as_deref(), Some("/policies"));
}
