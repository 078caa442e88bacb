//! Incident building, in one place: one incident per violation of a
//! decision, with the masked findings, what could not be inspected, the
//! caller that received the decision, and a summary of the event in which
//! caller-sent free text is masked and bounded.

use cordon_policy::model::{Decision, Event};
use cordon_record::IncidentBuilder;
pub use cordon_record::{IncompletePart, MaskedFinding};
use cordon_store::{Millis, NewIncident};
use serde_json::Value;

use crate::engine::ContentInspector;
use crate::lifecycle::Loaded;

/// Everything a decision's incidents are built from.
pub struct Facts<'a> {
    pub event: &'a Event,
    pub decision: &'a Decision,
    pub findings: &'a [MaskedFinding],
    pub unread: &'a [IncompletePart],
    pub loaded: &'a Loaded,
    pub request_id: &'a str,
    pub now_ms: Millis,
    /// The key that received the decision: only it (or an admin) may
    /// justify an exception of this request.
    pub caller_key: &'a str,
}

/// Longest string kept of caller-sent event fields, in bytes.
const MAX_FIELD_BYTES: usize = 1024;
/// Most entries kept of a caller-sent list or map.
const MAX_ENTRIES: usize = 100;

/// One incident per violation, built by `cordon-record` from the masked
/// event, as store rows. Inline content itself is never stored.
pub fn build(f: &Facts<'_>, masker: &dyn ContentInspector) -> Vec<NewIncident> {
    let event = masked_event(f.event, masker);
    IncidentBuilder::new(&event, f.decision, f.request_id, f.now_ms)
        .findings(f.findings)
        .incomplete(f.unread)
        .policies(&f.loaded.versions, f.loaded.generation)
        .caller(f.caller_key)
        .build()
        .into_iter()
        .map(|v| NewIncident {
            created_at: v.created_at,
            request_id: v.request_id.to_owned(),
            rule_id: v.rule_id.to_owned(),
            rule_name: v.rule_name.to_owned(),
            policy_id: v.policy_id.to_owned(),
            policy_version: v.policy_version,
            mode: v.mode.as_str().to_owned(),
            enforced: v.enforced,
            decision: v.decision.as_str().to_owned(),
            action: v.action.as_str().to_owned(),
            username: v.username.to_owned(),
            categories: v.categories.iter().map(|c| c.as_str().to_owned()).collect(),
            // Serialized straight to text: no `Value` tree per incident.
            details: cordon_store::RawJson::serialize_from(&v.details)
                .unwrap_or_else(|_| cordon_store::RawJson::null()),
        })
        .collect()
}

/// The event as an incident keeps it. Fields a caller fills with free text
/// — the event id, the file path, metadata values, the share path — are
/// run through the detectors and what they find is masked, and every
/// caller-sent string and list is bounded, so an incident never holds a
/// full sensitive value nor a megabyte of metadata. Identities (user,
/// sender, recipients, allowed users) and structured fields are kept: they
/// say who did what.
pub fn masked_event(event: &Event, masker: &dyn ContentInspector) -> Event {
    let mut v = serde_json::to_value(event).unwrap_or(Value::Null);
    mask_fields(&mut v, masker);
    // Masks and cuts keep every field's type, so this cannot fail; if it
    // did, the incident keeps the action and who, never the unmasked rest.
    serde_json::from_value(v).unwrap_or_else(|_| {
        let mut e = Event::new(event.action);
        e.user.clone_from(&event.user);
        e
    })
}

fn mask_fields(v: &mut Value, masker: &dyn ContentInspector) {
    let Some(obj) = v.as_object_mut() else {
        return;
    };
    for (key, field) in obj.iter_mut() {
        match key.as_str() {
            "id" | "metadata" => mask_tree(field, masker, 0),
            "file" | "share" => {
                if let Some(Value::String(p)) = field.get_mut("path") {
                    mask_path(p, masker);
                }
            }
            _ => bound_tree(field, 0),
        }
    }
}

/// Masks a path one segment at a time: the detectors do not take a number
/// between slashes for a value (ids in URLs), but in a path a caller sent
/// it may well be one.
fn mask_path(p: &mut String, masker: &dyn ContentInspector) {
    let mut out = String::with_capacity(p.len());
    let mut changed = false;
    for piece in p.split_inclusive(['/', '\\']) {
        let (seg, sep) = match piece.strip_suffix(['/', '\\']) {
            Some(seg) => (seg, piece.get(seg.len()..).unwrap_or_default()),
            None => (piece, ""),
        };
        match masker.mask_text(seg) {
            Some(m) => {
                out.push_str(&m);
                changed = true;
            }
            None => out.push_str(seg),
        }
        out.push_str(sep);
    }
    if changed {
        *p = out;
    }
    truncate(p);
}

fn mask_tree(v: &mut Value, masker: &dyn ContentInspector, depth: usize) {
    match v {
        Value::String(s) => {
            if let Some(m) = masker.mask_text(s) {
                *s = m;
            }
            truncate(s);
        }
        Value::Array(a) => {
            a.truncate(MAX_ENTRIES);
            for x in a {
                if depth < 16 {
                    mask_tree(x, masker, depth + 1);
                }
            }
        }
        Value::Object(o) => {
            if o.len() > MAX_ENTRIES {
                let keep: Vec<String> = o.keys().take(MAX_ENTRIES).cloned().collect();
                o.retain(|k, _| keep.contains(k));
            }
            for x in o.values_mut() {
                if depth < 16 {
                    mask_tree(x, masker, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn bound_tree(v: &mut Value, depth: usize) {
    match v {
        Value::String(s) => truncate(s),
        Value::Array(a) => {
            a.truncate(MAX_ENTRIES);
            for x in a {
                if depth < 16 {
                    bound_tree(x, depth + 1);
                }
            }
        }
        Value::Object(o) => {
            for x in o.values_mut() {
                if depth < 16 {
                    bound_tree(x, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn truncate(s: &mut String) {
    if s.len() <= MAX_FIELD_BYTES {
        return;
    }
    let mut cut = MAX_FIELD_BYTES;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let dropped = s.len() - cut;
    s.truncate(cut);
    s.push_str(&format!("…[{dropped} bytes cut]"));
}
