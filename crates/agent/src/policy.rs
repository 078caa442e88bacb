//! From a verified bundle to what a device may do: the bundle's policy
//! body gives the device-control document (a whole seed-004 document, or
//! the `deviceControl` section of a Cordon policy), `cordon-devctl`
//! decides read and write for every user of the sessions, and the most
//! restrictive answer holds for the mount (a mount is shared by all of
//! them).

use chrono::{DateTime, Utc};
use cordon_devctl::DeviceControl;
use cordon_policy::model::{
    Action, Computer, Decision, DeviceAccess, DeviceInfo, DeviceOperation, DeviceUser, Event,
    RuleKind, User, Verdict, Violation,
};

/// What a volume may be used for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Unmounted and kept so; the USB device deauthorized.
    NoAccess,
    ReadOnly,
    ReadWrite,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::NoAccess => "no access",
            Access::ReadOnly => "read only",
            Access::ReadWrite => "read and write",
        }
    }
}

/// Why a bundle's body gives no policy.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy body is not {format}: {message}")]
    Syntax { format: String, message: String },
    #[error("the policy has no `deviceControl` section")]
    NoDeviceControl,
    #[error("the device-control policy is invalid: {0}")]
    Invalid(String),
}

/// The device-control policy in force.
#[derive(Debug, Clone)]
pub struct Policy {
    dc: DeviceControl,
    /// What is done with files written to removable media (the policy's
    /// `removableMedia` section), when it asks for inspection.
    pub content: Option<std::sync::Arc<crate::content::Content>>,
    pub policy_id: String,
    pub policy_version: i64,
    pub serial: i64,
}

/// One user's view of a device.
#[derive(Debug, Clone)]
pub struct Verdicts {
    pub access: Access,
    /// The denied message and whether to show it.
    pub message: Option<String>,
    pub notify: bool,
    /// Incidents to record: each a decision on an access that was denied
    /// or that the audit preset let through.
    pub decisions: Vec<(Event, Decision)>,
    /// Each user's own access (the mount's is the most restrictive).
    pub per_user: Vec<(String, Access)>,
}

impl Policy {
    /// Reads the device-control document out of a verified payload.
    pub fn from_payload(p: &cordon_bundle::Payload) -> Result<Policy, PolicyError> {
        let value: serde_json::Value = if p.format.eq_ignore_ascii_case("yaml") {
            serde_yaml_ng::from_str(&p.body).map_err(|e| PolicyError::Syntax {
                format: "YAML".into(),
                message: e.to_string(),
            })?
        } else {
            serde_json::from_str(&p.body).map_err(|e| PolicyError::Syntax {
                format: "JSON".into(),
                message: e.to_string(),
            })?
        };
        let bare = cordon_devctl::looks_like_device_control(&value);
        // The rules are read only for a policy that asks for inspection
        // (a `removableMedia` section): the rest concerns the server.
        let content = if bare || value.get("removableMedia").is_none() {
            None
        } else {
            crate::content::Content::from_document(&p.body)
                .map_err(|e| PolicyError::Invalid(format!("removableMedia: {e}")))?
                .map(std::sync::Arc::new)
        };
        let section = if bare {
            value
        } else {
            value
                .get(cordon_devctl::SECTION_KEY)
                .cloned()
                .ok_or(PolicyError::NoDeviceControl)?
        };
        let loaded =
            cordon_devctl::read_value(&section).map_err(|e| PolicyError::Invalid(e.to_string()))?;
        Ok(Policy {
            dc: DeviceControl::new(loaded.document),
            content,
            policy_id: p.policy_id.clone(),
            policy_version: p.policy_version,
            serial: p.serial,
        })
    }

    pub fn device_control(&self) -> &DeviceControl {
        &self.dc
    }

    /// Whether any of the policy's rules shadows reads (seed 004
    /// `audit.shadow.read`): a medium others may only read is then
    /// watched by the fanotify guard as well as made read-only, so that
    /// what is read from it is recorded.
    pub fn shadows_reads(&self) -> bool {
        self.dc.document().policies.iter().any(|p| {
            p.what
                .shadow_read
                .is_some_and(|s| s != cordon_policy::model::Shadow::None)
        })
    }

    /// Decides read and write on `device` for each of `users`; the most
    /// restrictive access wins for the mount, and each user's own answer
    /// is kept in [`Verdicts::per_user`].
    pub fn decide(
        &self,
        device: &DeviceInfo,
        users: &[String],
        computer: &Computer,
        now: DateTime<Utc>,
    ) -> Verdicts {
        let fallback = vec!["root".to_owned()];
        let users = if users.is_empty() { &fallback } else { users };
        let mut all = Verdicts {
            access: Access::ReadWrite,
            message: None,
            notify: false,
            decisions: Vec::new(),
            per_user: Vec::new(),
        };
        for user in users {
            let groups = crate::host::groups_of(user);
            let v = self.decide_user(device, user, &groups, computer, now);
            all.access = all.access.min(v.access);
            if all.message.is_none() {
                all.message = v.message;
            }
            all.notify |= v.notify;
            all.decisions.extend(v.decisions);
            all.per_user.extend(v.per_user);
        }
        all
    }

    /// Decides read and write on `device` for one user, a member of
    /// `groups` (matched by seed 004's `who.accounts` like the user's own
    /// name).
    pub fn decide_user(
        &self,
        device: &DeviceInfo,
        user: &str,
        groups: &[String],
        computer: &Computer,
        now: DateTime<Utc>,
    ) -> Verdicts {
        let mut message = None;
        let mut notify = false;
        let mut decisions = Vec::new();
        let mut user_access = Access::ReadWrite;
        for op in [DeviceOperation::Read, DeviceOperation::Write] {
            let da = device_access(user, groups, computer, device, op);
            let out = self.dc.decide(&da, None, now, false);
            let allowed = out.allowed && out.errors.is_empty();
            if !allowed || out.audit_override {
                if message.is_none() {
                    message = out.decision.denied_message.clone();
                }
                notify |= out.decision.notify;
                decisions.push(incident_decision(user, da, &out, allowed));
            }
            if !allowed {
                user_access = match op {
                    DeviceOperation::Read => Access::NoAccess,
                    DeviceOperation::Write => user_access.min(Access::ReadOnly),
                };
            }
            if user_access == Access::NoAccess {
                break;
            }
        }
        Verdicts {
            access: user_access,
            message,
            notify,
            decisions,
            per_user: vec![(user.to_owned(), user_access)],
        }
    }
}

/// The device-control question for one user and operation.
pub fn device_access(
    user: &str,
    groups: &[String],
    computer: &Computer,
    device: &DeviceInfo,
    operation: DeviceOperation,
) -> DeviceAccess {
    DeviceAccess {
        user: DeviceUser {
            account: Some(user.to_owned()),
            group_accounts: groups.to_vec(),
            ..DeviceUser::default()
        },
        computer: computer.clone(),
        device: device.clone(),
        operation,
        file_type: None,
        file_size: None,
        quota_used: 0,
    }
}

/// The restrictive outcome when there is no policy to decide with (none
/// received yet, or the device could not be described): no access.
pub fn undecidable(
    device: &DeviceInfo,
    users: &[String],
    computer: &Computer,
    why: &str,
) -> Verdicts {
    let decisions = users
        .iter()
        .map(|u| {
            let da = device_access(u, &[], computer, device, DeviceOperation::Read);
            let mut d = Decision::new(Verdict::Deny);
            d.violations.push(Violation {
                rule: "agent:undecidable".into(),
                name: None,
                kind: RuleKind::DeviceControl,
                mode: cordon_policy::model::Mode::Enforce,
                enforced: true,
                verdict: Verdict::Deny,
                message: Some(why.to_owned()),
            });
            d.errors.push(why.to_owned());
            (event_for(u, da), d)
        })
        .collect();
    Verdicts {
        access: Access::NoAccess,
        message: Some(why.to_owned()),
        notify: true,
        decisions,
        per_user: users
            .iter()
            .map(|u| (u.clone(), Access::NoAccess))
            .collect(),
    }
}

pub(crate) fn event_for(user: &str, da: DeviceAccess) -> Event {
    let mut e = Event::new(Action::DeviceAccess);
    e.user = Some(User {
        username: Some(user.to_owned()),
        ..User::default()
    });
    e.device = Some(da);
    e
}

pub(crate) fn incident_decision(
    user: &str,
    da: DeviceAccess,
    out: &cordon_devctl::DeviceOutcome,
    allowed: bool,
) -> (Event, Decision) {
    let rule = out
        .decision
        .policy
        .clone()
        .unwrap_or_else(|| "device-control:default".to_owned());
    let mut d = Decision::new(if allowed {
        Verdict::Allow
    } else {
        Verdict::Deny
    });
    d.violations.push(Violation {
        rule: rule.clone(),
        name: None,
        kind: RuleKind::DeviceControl,
        mode: if out.audit_override {
            cordon_policy::model::Mode::Permissive
        } else {
            cordon_policy::model::Mode::Enforce
        },
        enforced: !allowed,
        verdict: Verdict::Deny,
        message: out.decision.denied_message.clone(),
    });
    d.message = out.decision.denied_message.clone();
    d.device = Some(out.decision.clone());
    d.errors = out.errors.clone();
    d.trace = out
        .trace
        .iter()
        .map(|(id, matched, reason)| cordon_policy::model::TraceEntry {
            rule: if id.is_empty() {
                rule.clone()
            } else {
                id.clone()
            },
            kind: RuleKind::DeviceControl,
            matched: *matched,
            verdict: None,
            reason: reason.clone(),
        })
        .collect();
    (event_for(user, da), d)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn payload(body: &str) -> cordon_bundle::Payload {
        cordon_bundle::Payload {
            group: "g".into(),
            policy_id: "p".into(),
            policy_version: 1,
            serial: 1,
            issued_at: 0,
            format: "json".into(),
            body: body.into(),
            next_key: None,
        }
    }

    const RO: &str = r#"{"policies":[{"id":"1","name":"RO","who":{"sids":["S-1-1-0"]},
        "devices":{"types":[{"class":"3"}]},"how":{"priority":"10"},
        "what":{"access":{"granted":["Read"]},"messages":{"denied":"USB sticks are read-only here"}},
        "when":{"permanent":"always"}}]}"#;

    fn stick() -> DeviceInfo {
        DeviceInfo {
            class: Some("3".into()),
            bus: Some("USB".into()),
            disk: Some("Removable".into()),
            ..DeviceInfo::default()
        }
    }

    #[test]
    fn read_only_policy_gives_read_only_and_an_incident_for_the_write() {
        let p = Policy::from_payload(&payload(RO)).unwrap();
        let v = p.decide(&stick(), &["dave".into()], &Computer::default(), Utc::now());
        assert_eq!(v.access, Access::ReadOnly);
        assert_eq!(v.message.as_deref(), Some("USB sticks are read-only here"));
        assert_eq!(v.decisions.len(), 1);
    }

    #[test]
    fn no_policy_for_the_device_is_no_access() {
        let p = Policy::from_payload(&payload(r#"{"policies":[]}"#)).unwrap();
        let v = p.decide(&stick(), &["dave".into()], &Computer::default(), Utc::now());
        assert_eq!(v.access, Access::NoAccess);
    }

    #[test]
    fn a_section_of_a_cordon_policy_is_found_and_a_policy_without_one_refused() {
        let yaml = format!("rules: []\ndeviceControl: {RO}\n");
        let mut pl = payload(&yaml);
        pl.format = "yaml".into();
        assert!(Policy::from_payload(&pl).is_ok());
        pl.body = "rules: []\n".into();
        assert!(matches!(
            Policy::from_payload(&pl),
            Err(PolicyError::NoDeviceControl)
        ));
        assert!(Policy::from_payload(&payload("{not json")).is_err());
    }
}
