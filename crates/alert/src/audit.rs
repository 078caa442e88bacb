//! An entry of the server's audit trail as it leaves for a SIEM: who did
//! what to which object, from where, how it went, and the object before
//! and after with every secret-looking field masked.
//!
//! The formats are the incident alert's with their own names, so a
//! receiver tells the two apart without guessing: syslog MSGID `audit`
//! and CEF signature `audit:<action>`, the webhook event type
//! `audit.recorded`, the JSON Lines member `audit` (not `alert`).

use std::fmt::Write as _;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cef;

/// One audit entry, as sinks send it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// The entry's id in the audit log: increasing, never reused.
    pub audit_id: i64,
    /// Unix milliseconds.
    pub at: i64,
    /// Who, without a name: `account:<id>`, `key:<id>`, `system`.
    pub actor: String,
    /// The account's user name or the key's name when it acted; empty for
    /// `system`.
    pub actor_name: String,
    /// The caller's address, empty when not over HTTP.
    pub ip: String,
    pub user_agent: String,
    /// The HTTP request's id, to find its other traces.
    pub request_id: String,
    /// Dotted, most general first: `login.success`, `account.create`, …
    pub action: String,
    /// `account`, `role`, `policy`, `key`, `settings`, …
    pub target_kind: String,
    pub target_id: String,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// Why it failed or was denied.
    pub reason: String,
    /// The object before the change, masked ([`mask`]).
    pub before: Option<Value>,
    /// The object after the change, masked.
    pub after: Option<Value>,
}

impl AuditEvent {
    /// 0 to 10, the CEF scale: an audit entry is low, a refused or failed
    /// attempt a little higher.
    pub fn severity(&self) -> u8 {
        match self.outcome.as_str() {
            "success" => 1,
            _ => 3,
        }
    }
}

/// What a masked value reads as.
pub const MASKED: &str = "***";

/// Key names (lowercase, as substrings) whose values never leave: the
/// audit log is meant to hold no secret, and this holds even if one
/// slipped in.
const SENSITIVE: [&str; 9] = [
    "password",
    "passphrase",
    "secret",
    "token",
    "totp_key",
    "private",
    "credential",
    "hash",
    "seal",
];

/// `v` with the value of every object member whose name looks like a
/// secret replaced by `***`, at any depth. Booleans and nulls stay (they
/// say whether there is one, not what it is: `must_change_password`).
pub fn mask(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let lower = k.to_ascii_lowercase();
                    let hide = SENSITIVE.iter().any(|s| lower.contains(s))
                        && !matches!(v, Value::Bool(_) | Value::Null);
                    let v = if hide {
                        Value::String(MASKED.to_owned())
                    } else {
                        mask(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(mask).collect()),
        other => other.clone(),
    }
}

/// The CEF line for an audit entry (no trailing newline):
///
/// `CEF:0|Cordon|Cordon DLP|<version>|audit:<action>|Audit <action>|<severity>|…`
///
/// | Entry | CEF key |
/// |---|---|
/// | `at` | `rt` (Unix ms) |
/// | `audit_id` | `externalId` |
/// | — | `cat=audit` |
/// | `action` | `act` |
/// | `outcome` | `outcome` |
/// | `reason` | `reason` |
/// | `actor_name` (else `actor`) | `suser`; `actor` as `suid` |
/// | `ip` | `src` (only if it is an IP address) |
/// | `user_agent` | `requestClientApplication` |
/// | `request_id` | `cs1Label=requestId cs1=…` |
/// | `target_kind:target_id` | `cs2Label=target cs2=…` |
/// | `before`, `after` (masked JSON) | `cs3Label=before cs3=…`, `cs4Label=after cs4=…` |
pub fn cef(e: &AuditEvent) -> String {
    let mut out = String::with_capacity(512);
    out.push_str("CEF:0|Cordon|Cordon DLP|");
    cef::header(&mut out, cef::VERSION);
    out.push('|');
    cef::header(&mut out, &format!("audit:{}", e.action));
    out.push('|');
    cef::header(&mut out, &format!("Audit {}", e.action));
    let _ = write!(out, "|{}|", e.severity());
    let mut first = true;
    let mut pair = |key: &str, v: &str| {
        if !first {
            out.push(' ');
        }
        first = false;
        out.push_str(key);
        out.push('=');
        cef::value(&mut out, v);
    };
    pair("rt", &e.at.to_string());
    pair("externalId", &e.audit_id.to_string());
    pair("cat", "audit");
    pair("act", &e.action);
    pair("outcome", &e.outcome);
    if !e.reason.is_empty() {
        pair("reason", &e.reason);
    }
    let user = if e.actor_name.is_empty() {
        &e.actor
    } else {
        &e.actor_name
    };
    pair("suser", user);
    pair("suid", &e.actor);
    if let Ok(ip) = e.ip.parse::<IpAddr>() {
        pair("src", &ip.to_string());
    }
    if !e.user_agent.is_empty() {
        pair("requestClientApplication", &e.user_agent);
    }
    if !e.request_id.is_empty() {
        pair("cs1Label", "requestId");
        pair("cs1", &e.request_id);
    }
    pair("cs2Label", "target");
    pair("cs2", &format!("{}:{}", e.target_kind, e.target_id));
    if let Some(v) = &e.before {
        pair("cs3Label", "before");
        pair("cs3", &v.to_string());
    }
    if let Some(v) = &e.after {
        pair("cs4Label", "after");
        pair("cs4", &v.to_string());
    }
    out
}

/// One line for people (Slack, Teams): who did what to which object.
pub fn summary(e: &AuditEvent) -> String {
    let who = if e.actor_name.is_empty() {
        e.actor.as_str()
    } else {
        e.actor_name.as_str()
    };
    let mut s = format!(
        "Cordon audit: {who} {} {}:{} ({})",
        e.action, e.target_kind, e.target_id, e.outcome
    );
    if !e.reason.is_empty() {
        let _ = write!(s, ": {}", e.reason);
    }
    crate::text::one_line(&s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> AuditEvent {
        AuditEvent {
            audit_id: 7,
            at: 1_764_640_834_610,
            actor: "account:0123456789abcdef".into(),
            actor_name: "alice".into(),
            ip: "192.0.2.7".into(),
            user_agent: "curl/8".into(),
            request_id: "r1".into(),
            action: "role.create".into(),
            target_kind: "role".into(),
            target_id: "auditors".into(),
            outcome: "success".into(),
            reason: String::new(),
            before: None,
            after: Some(json!({"name": "a=b"})),
        }
    }

    #[test]
    fn cef_names_the_action_and_the_actor() {
        let line = cef(&event());
        assert!(line.starts_with("CEF:0|Cordon|Cordon DLP|"), "{line}");
        assert!(line.contains("|audit:role.create|Audit role.create|1|rt=1764640834610 externalId=7 cat=audit act=role.create outcome=success suser=alice suid=account:0123456789abcdef src=192.0.2.7 requestClientApplication=curl/8 cs1Label=requestId cs1=r1 cs2Label=target cs2=role:auditors cs4Label=after cs4={\"name\":\"a\\=b\"}"), "{line}");
    }

    #[test]
    fn syslog_and_webhooks_name_it_an_audit_entry() {
        let e = event();
        let f = crate::syslog::Format {
            facility: crate::Facility::Local4,
            hostname: "dlp-01".into(),
            app_name: "cordon".into(),
            payload: crate::Payload::Json,
        };
        // local4 (20) × 8 + notice (5); the entry's own time.
        let msg = crate::syslog::format_audit(&e, &f);
        assert!(
            msg.starts_with(
                "<165>1 2025-12-02T02:00:34.610+00:00 dlp-01 cordon - audit - {\"auditId\":7,"
            ),
            "{msg}"
        );
        let generic = crate::webhook::audit_body(crate::WebhookFormat::Generic, &e);
        assert_eq!(generic["type"], "audit.recorded");
        assert_eq!(generic["data"]["action"], "role.create");
        let slack = crate::webhook::audit_body(crate::WebhookFormat::Slack, &e);
        assert_eq!(
            slack["text"],
            "Cordon audit: alice role.create role:auditors (success)"
        );
    }

    #[test]
    fn secrets_are_masked_at_any_depth() {
        let v = json!({"username": "bob", "smtp": {"password": "hunter2", "host": "h"},
                       "must_change_password": true, "keys": [{"token_hash": "ab", "id": "k"}],
                       "totp_enrolled": false, "webhook_secret": null});
        assert_eq!(
            mask(&v),
            json!({"username": "bob", "smtp": {"password": "***", "host": "h"},
                   "must_change_password": true, "keys": [{"token_hash": "***", "id": "k"}],
                   "totp_enrolled": false, "webhook_secret": null})
        );
    }
}
