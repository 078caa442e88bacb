//! Incident building, in one place: one incident per violation of a
//! decision, with the masked findings, what could not be inspected, the
//! caller that received the decision, and a summary of the event in which
//! caller-sent free text is masked and bounded.

use cordon_policy::model::{Decision, Event, Mode, Verdict, Violation};
use cordon_store::{Millis, NewIncident};
use serde::Serialize;
use serde_json::Value;

use crate::engine::ContentInspector;
use crate::lifecycle::Loaded;

/// One masked finding of inspected inline content.
#[derive(Debug, Clone, Serialize)]
pub struct MaskedFinding {
    pub detector: String,
    pub category: cordon_policy::model::Category,
    pub confidence: cordon_detect::model::Confidence,
    pub location: String,
    pub masked: String,
}

/// A part of the content that was not fully inspected, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unread {
    pub location: String,
    pub reason: String,
}

/// Everything a decision's incidents are built from.
pub struct Facts<'a> {
    pub event: &'a Event,
    pub decision: &'a Decision,
    pub findings: &'a [MaskedFinding],
    pub unread: &'a [Unread],
    pub loaded: &'a Loaded,
    pub request_id: &'a str,
    pub now_ms: Millis,
    pub user: Option<&'a str>,
    /// The key that received the decision: only it (or an admin) may
    /// justify an exception of this request.
    pub caller_key: &'a str,
}

/// Longest string kept of caller-sent event fields, in bytes.
const MAX_FIELD_BYTES: usize = 1024;
/// Most entries kept of a caller-sent list or map.
const MAX_ENTRIES: usize = 100;

/// One incident per violation. Details hold the masked findings and a
/// summary of the event; inline content itself is never stored.
pub fn build(f: &Facts<'_>, masker: &dyn ContentInspector) -> Vec<NewIncident> {
    let categories: Vec<String> = f
        .event
        .classification()
        .map(|c| c.categories.iter().map(|c| c.as_str().to_owned()).collect())
        .unwrap_or_default();
    let (policy_id, policy_version) = match f.loaded.versions.as_slice() {
        [(id, v)] => (id.clone(), *v),
        _ => (String::new(), 0),
    };
    let event = masked_event(f.event, masker);
    let d = f.decision;
    d.violations
        .iter()
        .map(|v| {
            let details = Details {
                event: &event,
                violation: v,
                action_taken: action_taken(d, v),
                actions: d.actions.iter().filter(|a| a.rule == v.rule).collect(),
                message: d.message.as_deref(),
                trace: d.trace.iter().filter(|t| t.rule == v.rule).collect(),
                exception: d.exception.as_ref(),
                findings: f.findings,
                incomplete: f.unread,
                caller_key: f.caller_key,
                policy_generation: f.loaded.generation,
            };
            // Serialized straight to text: no `Value` tree per incident.
            let details = cordon_store::RawJson::serialize_from(&details)
                .unwrap_or_else(|_| cordon_store::RawJson::null());
            NewIncident {
                created_at: f.now_ms,
                request_id: f.request_id.to_owned(),
                rule_id: v.rule.clone(),
                rule_name: v.rule.clone(),
                policy_id: policy_id.clone(),
                policy_version,
                mode: mode_str(v.mode).to_owned(),
                enforced: v.enforced,
                decision: d.decision.as_str().to_owned(),
                action: f.event.action.as_str().to_owned(),
                username: f.user.unwrap_or_default().to_owned(),
                categories: categories.clone(),
                details,
            }
        })
        .collect()
}

fn mode_str(m: Mode) -> &'static str {
    match m {
        Mode::Enforce => "enforce",
        Mode::Permissive => "permissive",
    }
}

/// What an incident keeps besides its columns. The event carries
/// classification counts, never content; findings are masked.
#[derive(Serialize)]
struct Details<'a> {
    event: &'a Value,
    violation: &'a Violation,
    action_taken: &'static str,
    actions: Vec<&'a cordon_policy::model::RuleAction>,
    message: Option<&'a str>,
    trace: Vec<&'a cordon_policy::model::TraceEntry>,
    exception: Option<&'a cordon_policy::model::ExceptionRequest>,
    findings: &'a [MaskedFinding],
    #[serde(skip_serializing_if = "<[Unread]>::is_empty")]
    incomplete: &'a [Unread],
    caller_key: &'a str,
    policy_generation: i64,
}

fn action_taken(d: &Decision, v: &Violation) -> &'static str {
    if !v.enforced {
        return "logged";
    }
    match d.decision {
        Verdict::Deny => "blocked",
        Verdict::Exception => "justification_required",
        Verdict::Allow => "allowed",
    }
}

/// The event as an incident keeps it. Fields a caller fills with free text
/// — the event id, the file path, metadata values, the share path — are
/// run through the detectors and what they find is masked, and every
/// caller-sent string and list is bounded, so an incident never holds a
/// full sensitive value nor a megabyte of metadata. Identities (user,
/// sender, recipients, allowed users) and structured fields are kept: they
/// say who did what.
pub fn masked_event(event: &Event, masker: &dyn ContentInspector) -> Value {
    let mut v = serde_json::to_value(event).unwrap_or(Value::Null);
    let Some(obj) = v.as_object_mut() else {
        return v;
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
    v
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
