//! A stored incident as it leaves the server: the [`cordon_alert::Alert`]
//! sinks format, and the JSON plug-ins receive. Both are built from the
//! stored row, whose values are masked already (the store's invariant).

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
