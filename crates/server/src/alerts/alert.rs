//! A stored incident as it leaves the server: the [`cordon_alert::Alert`]
//! sinks format, and the JSON plug-ins receive. Both are built from the
//! stored row, whose values are masked already (the store's invariant).

use cordon_alert::{Alert, AlertFile, AlertFinding};
use cordon_store::Incident;
use serde_json::Value;

use super::plan::severity;

/// Most findings an alert carries (the count says how many there were).
const MAX_FINDINGS: usize = 20;

/// The alert of `i`; `base_url` is the console's address for the link.
pub fn alert_of(i: &Incident, base_url: Option<&str>) -> Alert {
    let n = &i.incident;
    let details = n.details.to_value();
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
    Alert {
        incident_id: i.id,
        created_at: n.created_at,
        rule_id: n.rule_id.clone(),
        rule_name: n.rule_name.clone(),
        policy_id: n.policy_id.clone(),
        policy_version: n.policy_version,
        mode: n.mode.clone(),
        enforced: n.enforced,
        decision: n.decision.clone(),
        channel: n.action.clone(),
        username: n.username.clone(),
        computer: n.computer.clone(),
        remote_ip,
        recipients,
        categories: n.categories.clone(),
        findings,
        match_count: match_count(findings_json, event),
        file,
        message: details
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned),
        url: base_url.map(|b| format!("{}/incidents/{}", b.trim_end_matches('/'), i.id)),
        severity: severity(n.enforced, &n.decision, &n.categories),
    }
}

/// What a plug-in receives as `incident`: the alert's fields plus the
/// (masked) event, so a plug-in can act on the file or share it names.
pub fn plugin_incident(i: &Incident, base_url: Option<&str>) -> Value {
    let alert = alert_of(i, base_url);
    let mut v = serde_json::to_value(&alert).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        let details = i.incident.details.to_value();
        if let Some(e) = details.get("event") {
            m.insert("event".to_owned(), e.clone());
        }
        m.insert("requestId".to_owned(), i.incident.request_id.clone().into());
    }
    v
}

/// How many matches: the findings of content the server inspected, else
/// the counts of the classification the caller sent (an agent or gateway
/// that inspected the file itself).
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
