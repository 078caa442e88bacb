//! A stored incident as it leaves the server: the [`cordon_alert::Alert`]
//! sinks format, and the JSON plug-ins receive. Both are built from the
//! stored row, whose values are masked already (the store's invariant).
//! And an audit entry as it leaves for a sink subscribed to the audit
//! trail ([`audit_event`]).

use cordon_alert::Alert;
use cordon_store::Incident;
use serde_json::Value;

/// The alert of `i`; `base_url` is the console's address for the link.
pub fn alert_of(i: &Incident, base_url: Option<&str>) -> Alert {
    let record = serde_json::to_value(&i.incident).unwrap_or(Value::Null);
    let mut alert = Alert::from_incident(i.id, &record);
    alert.url = base_url.map(|b| format!("{}/incidents/{}", b.trim_end_matches('/'), i.id));
    alert
}

/// What a plug-in receives as `incident`: the incident as
/// `GET /v1/incidents/{id}` shows it (docs/plugins.md: `id`, `rule_name`,
/// `details.event`, masked findings, …), plus `url`, its page in the
/// console when the server knows its public address.
pub fn plugin_incident(i: &Incident, base_url: Option<&str>) -> Value {
    let mut v =
        serde_json::to_value(crate::api::wire::Incident::from(i.clone())).unwrap_or(Value::Null);
    if let (Value::Object(m), Some(b)) = (&mut v, base_url) {
        m.insert(
            "url".to_owned(),
            format!("{}/incidents/{}", b.trim_end_matches('/'), i.id).into(),
        );
    }
    v
}

/// A stored audit entry as it leaves the server: its before and after
/// masked ([`cordon_alert::audit::mask`]) on top of the audit log's own
/// rule that no entry holds a secret.
pub fn audit_event(r: &cordon_store::AuditRecord) -> cordon_alert::AuditEvent {
    let e = &r.entry;
    let actor_name = match &e.actor {
        cordon_store::Actor::Key { name, .. } | cordon_store::Actor::Account { name, .. } => {
            name.clone()
        }
        _ => String::new(),
    };
    cordon_alert::AuditEvent {
        audit_id: r.id,
        at: e.at,
        actor: e.actor.identity(),
        actor_name,
        ip: e.ip.clone(),
        user_agent: e.user_agent.clone(),
        request_id: e.request_id.clone(),
        action: e.action.clone(),
        target_kind: e.target_kind.clone(),
        target_id: e.target_id.clone(),
        outcome: e.outcome.as_str().to_owned(),
        reason: e.reason.clone(),
        before: e.before.as_ref().map(cordon_alert::audit::mask),
        after: e.after.as_ref().map(cordon_alert::audit::mask),
    }
}
