//! An [`Alert`] from an incident record in its JSON form: the shape
//! `cordon-record` writes (the server's journal and store, the agent's
//! spool). The server builds the alerts of its sinks with it and the
//! agent the syslog messages of option 67, so a SIEM reads the same CEF
//! from both.
//!
//! Only what the record holds is read, and the record holds masked
//! values only; a missing or odd field is empty, never an error.

use serde_json::Value;

use crate::template::MAX_FINDINGS;
use crate::{Alert, AlertFile, AlertFinding};

/// The severity of an incident on the CEF scale (0–10): a permissive
/// violation 3, an exception 5, an enforced denial 7, and 8 when it
/// concerns card or health data.
pub fn incident_severity(enforced: bool, decision: &str, categories: &[String]) -> u8 {
    if decision == "exception" {
        return 5;
    }
    if !enforced {
        return 3;
    }
    if categories
        .iter()
        .any(|c| c.eq_ignore_ascii_case("PCI") || c.eq_ignore_ascii_case("PHI"))
    {
        8
    } else {
        7
    }
}

impl Alert {
    /// The alert of incident `id` from its record (`created_at`,
    /// `rule_id`, …, `details`), without a console link (`url`).
    pub fn from_incident(id: i64, record: &Value) -> Alert {
        let details = record.get("details").unwrap_or(&Value::Null);
        let event = details.get("event").unwrap_or(&Value::Null);
        let findings_json = details
            .get("findings")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let findings = findings_json
            .iter()
            .take(MAX_FINDINGS)
            .map(|f| AlertFinding {
                detector: text(f, "detector"),
                masked: text(f, "masked"),
                confidence: text(f, "confidence"),
            })
            .collect();
        let file = event.get("file").filter(|f| f.is_object()).map(|f| {
            let path = f.get("path").and_then(Value::as_str).map(str::to_owned);
            AlertFile {
                name: path
                    .as_deref()
                    .map(|p| p.rsplit(['/', '\\']).next().unwrap_or(p).to_owned())
                    .unwrap_or_default(),
                path,
                size: f.get("size").and_then(Value::as_u64),
                sha256: f.get("sha256").and_then(Value::as_str).map(str::to_owned),
            }
        });
        let recipients = event
            .get("recipients")
            .and_then(Value::as_array)
            .map(|rs| rs.iter().filter_map(identity_text).take(20).collect())
            .unwrap_or_default();
        let remote_ip = event
            .pointer("/request/remoteIp")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let categories: Vec<String> = record
            .get("categories")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let enforced = record
            .get("enforced")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let decision = text(record, "decision");
        Alert {
            incident_id: id,
            created_at: record
                .get("created_at")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            rule_id: text(record, "rule_id"),
            rule_name: text(record, "rule_name"),
            policy_id: text(record, "policy_id"),
            policy_version: record
                .get("policy_version")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            mode: text(record, "mode"),
            enforced,
            severity: incident_severity(enforced, &decision, &categories),
            decision,
            channel: text(record, "action"),
            username: text(record, "username"),
            computer: text(record, "computer"),
            remote_ip,
            recipients,
            categories,
            findings,
            match_count: match_count(findings_json, event),
            file,
            message: details
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned),
            url: None,
        }
    }
}

/// How many matches: the findings of content that was inspected, else the
/// counts of the classification the caller sent (an agent or gateway that
/// inspected the file itself).
fn match_count(findings: &[Value], event: &Value) -> u64 {
    if !findings.is_empty() {
        return findings.len() as u64;
    }
    event
        .pointer("/file/classification/detectors")
        .and_then(Value::as_object)
        .map(|ds| {
            ds.values()
                .flat_map(|c| ["low", "medium", "high"].map(|k| c.get(k).and_then(Value::as_u64)))
                .flatten()
                .fold(0_u64, u64::saturating_add)
        })
        .unwrap_or(0)
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A recipient as one line: an address, a host, a device kind, a service.
fn identity_text(v: &Value) -> Option<String> {
    ["id", "host", "device", "name", "service", "network"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn severities() {
        assert_eq!(incident_severity(false, "allow", &[]), 3);
        assert_eq!(incident_severity(true, "exception", &[]), 5);
        assert_eq!(incident_severity(true, "deny", &["PII".into()]), 7);
        assert_eq!(incident_severity(true, "deny", &["PHI".into()]), 8);
    }

    #[test]
    fn a_device_record() {
        let record = json!({
            "created_at": 1_700_000_000_000_i64,
            "request_id": "r1",
            "rule_id": "dc-3",
            "rule_name": "USB storage read-only",
            "policy_id": "devices",
            "policy_version": 4,
            "mode": "enforce",
            "enforced": true,
            "decision": "deny",
            "action": "copy_to_device",
            "username": "alice",
            "categories": ["PCI"],
            "details": {
                "event": {"file": {"path": "/media/usb/card.txt", "size": 12}},
                "findings": [{"detector": "credit_card", "masked": "4111********1111", "confidence": "high"}],
                "message": "read only"
            }
        });
        let a = Alert::from_incident(7, &record);
        assert_eq!(a.incident_id, 7);
        assert_eq!(a.severity, 8);
        assert_eq!(a.channel, "copy_to_device");
        assert_eq!(a.file.as_ref().map(|f| f.name.as_str()), Some("card.txt"));
        assert_eq!(a.findings[0].masked, "4111********1111");
        assert_eq!(a.match_count, 1);
        assert_eq!(a.message.as_deref(), Some("read only"));
        assert_eq!(a.url, None);
        // Nothing at all is still an alert, never a panic.
        let empty = Alert::from_incident(0, &Value::Null);
        assert_eq!(empty.severity, 3);
    }
}
