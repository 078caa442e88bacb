//! Device-control policies as a rule source of `cordon-policy`'s engine:
//! one more kind of rules feeding the one decision per event.

use std::sync::Arc;

use cordon_policy::model::{
    Action, ActionKind, Event, Mode, RuleAction, RuleKind, RuleRef, Shadow, TraceEntry, Verdict,
    Violation,
};
use cordon_policy::source::{EvalContext, RuleSource, SourceLoader, SourceOutcome};

use crate::decide::DeviceControl;
use crate::read::{Severity, read_value};

/// The id used for the implicit "no grant, no access" rule.
pub const DEFAULT_RULE: &str = "device-control:default";

/// Device-control policies, ready to decide device-access events.
#[derive(Debug, Clone)]
pub struct DeviceControlSource {
    dc: Arc<DeviceControl>,
    explain: bool,
}

impl DeviceControlSource {
    pub fn new(dc: DeviceControl) -> DeviceControlSource {
        DeviceControlSource {
            dc: Arc::new(dc),
            explain: false,
        }
    }

    /// Trace every candidate policy, not only the applying ones.
    #[must_use]
    pub fn with_explain(mut self, explain: bool) -> DeviceControlSource {
        self.explain = explain;
        self
    }

    pub fn device_control(&self) -> &DeviceControl {
        &self.dc
    }
}

impl RuleSource for DeviceControlSource {
    fn kind(&self) -> RuleKind {
        RuleKind::DeviceControl
    }

    fn applies_to(&self, action: Action) -> bool {
        action == Action::DeviceAccess
    }

    fn evaluate(&self, event: &Event, ctx: &EvalContext) -> SourceOutcome {
        if event.action != Action::DeviceAccess {
            return SourceOutcome::default();
        }
        let Some(access) = &event.device else {
            return SourceOutcome {
                verdict: Some(Verdict::Deny),
                determined_by: vec![RuleRef {
                    id: DEFAULT_RULE.to_string(),
                    kind: RuleKind::DeviceControl,
                }],
                errors: vec!["a `device_access` event needs a `device` section".to_string()],
                ..SourceOutcome::default()
            };
        };
        let file_type = event.file.as_ref().and_then(|f| f.file_type.as_deref());
        let sized;
        let access = match (access.file_size, event.file.as_ref().and_then(|f| f.size)) {
            (None, Some(size)) => {
                sized = cordon_policy::model::DeviceAccess {
                    file_size: Some(size),
                    ..access.clone()
                };
                &sized
            }
            _ => access,
        };
        let out = self.dc.decide(access, file_type, ctx.now, self.explain);
        let rule_id = out
            .decision
            .policy
            .clone()
            .unwrap_or_else(|| DEFAULT_RULE.to_string());
        let verdict = if out.allowed {
            Verdict::Allow
        } else {
            Verdict::Deny
        };
        let mut determined_by: Vec<RuleRef> = out
            .determined_by
            .iter()
            .map(|id| RuleRef {
                id: id.clone(),
                kind: RuleKind::DeviceControl,
            })
            .collect();
        if determined_by.is_empty() {
            determined_by.push(RuleRef {
                id: DEFAULT_RULE.to_string(),
                kind: RuleKind::DeviceControl,
            });
        }
        let mut violations = Vec::new();
        let denied_by_policies = !out.allowed || out.audit_override;
        if denied_by_policies {
            violations.push(Violation {
                rule: rule_id.clone(),
                name: None,
                kind: RuleKind::DeviceControl,
                mode: if out.audit_override {
                    Mode::Permissive
                } else {
                    Mode::Enforce
                },
                enforced: !out.allowed,
                verdict: Verdict::Deny,
                message: out.decision.denied_message.clone(),
            });
        }
        let mut actions = vec![RuleAction {
            action: ActionKind::Log,
            rule: rule_id.clone(),
            message: None,
            shadow: None,
        }];
        if out.decision.shadow != Shadow::None {
            actions.push(RuleAction {
                action: ActionKind::Shadow,
                rule: rule_id.clone(),
                message: None,
                shadow: Some(out.decision.shadow),
            });
        }
        if out.decision.notify {
            actions.push(RuleAction {
                action: ActionKind::Notify,
                rule: rule_id.clone(),
                message: out.decision.denied_message.clone(),
                shadow: None,
            });
        }
        let mut trace: Vec<TraceEntry> = out
            .trace
            .iter()
            .map(|(id, matched, reason)| TraceEntry {
                rule: if id.is_empty() {
                    DEFAULT_RULE.to_string()
                } else {
                    id.clone()
                },
                kind: RuleKind::DeviceControl,
                matched: *matched,
                verdict: if *matched && out.determined_by.contains(id) {
                    Some(verdict)
                } else {
                    None
                },
                reason: reason.clone(),
            })
            .collect();
        if out.audit_override {
            trace.push(TraceEntry {
                rule: rule_id.clone(),
                kind: RuleKind::DeviceControl,
                matched: true,
                verdict: Some(Verdict::Allow),
                reason: "preset `audit`: the policies deny this access; it is allowed and logged"
                    .to_string(),
            });
        }
        if out.inspect_content {
            trace.push(TraceEntry {
                rule: rule_id.clone(),
                kind: RuleKind::DeviceControl,
                matched: true,
                verdict: None,
                reason: "the file type is among the policy's dlptypes: its content is inspected"
                    .to_string(),
            });
        }
        SourceOutcome {
            verdict: Some(if out.errors.is_empty() {
                verdict
            } else {
                Verdict::Deny
            }),
            determined_by,
            violations,
            actions,
            message: out.decision.denied_message.clone(),
            trace,
            device: Some(out.decision),
            errors: out.errors,
        }
    }

    fn len(&self) -> usize {
        self.dc.len()
    }
}

/// Loads the `deviceControl` section of a Cordon policy document: a seed
/// 004 device-control document.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeviceControlLoader;

/// The key of the section in Cordon's policy documents.
pub const SECTION_KEY: &str = "deviceControl";

impl SourceLoader for DeviceControlLoader {
    fn key(&self) -> &str {
        SECTION_KEY
    }

    /// A whole seed-004 document (`configuration`/`options`/`policies` at
    /// the top) is accepted by content, whatever the file name.
    fn claims_document(&self, doc: &serde_json::Value) -> bool {
        crate::read::looks_like_device_control(doc)
    }

    fn load(
        &self,
        value: &serde_json::Value,
    ) -> Result<Box<dyn RuleSource>, Vec<(String, String)>> {
        match read_value(value) {
            Ok(loaded) => Ok(Box::new(DeviceControlSource::new(DeviceControl::new(
                loaded.document,
            )))),
            Err(crate::read::ReadError::Invalid(diags)) => Err(diags
                .into_iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| (d.pointer, d.message))
                .collect()),
            Err(e) => Err(vec![(String::new(), e.to_string())]),
        }
    }
}
