//! Incident building, in one place: one incident per violation of a
//! decision, with the masked findings, what could not be inspected, the
//! caller that received the decision, and a summary of the event in which
//! caller-sent free text is masked and bounded.

use cordon_policy::model::{Decision, Event, MetaValue};
use cordon_record::IncidentBuilder;
pub use cordon_record::{IncompletePart, MaskedFinding};
use cordon_store::{Millis, NewIncident};

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
    /// The computer the key is bound to, or `""`.
    pub computer: &'a str,
}

/// Longest string kept of caller-sent event fields, in bytes.
const MAX_FIELD_BYTES: usize = 1024;
/// Most entries kept of a caller-sent list or map.
const MAX_ENTRIES: usize = 100;
/// Most text kept of a caller's metadata as a whole, in bytes.
const MAX_METADATA_BYTES: usize = 16 * 1024;

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
            computer: f.computer.to_owned(),
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
///
/// Typed, on a clone: every violating decision passes here, and a round
/// trip through a JSON tree cost a third of a decision.
pub fn masked_event(event: &Event, masker: &dyn ContentInspector) -> Event {
    let mut e = event.clone();
    if let Some(id) = &mut e.id {
        mask(id, masker);
    }
    if let Some(r) = &mut e.request {
        bound_opt(&mut r.agent);
        bound_opt(&mut r.remote_country_code);
    }
    if let Some(u) = &mut e.user {
        bound_opt(&mut u.username);
        bound_opt(&mut u.email);
        bound_opt(&mut u.user_type);
        bound_list(&mut u.groups);
    }
    if let Some(f) = &mut e.file {
        if let Some(p) = &mut f.path {
            mask_path(p, masker);
        }
        bound_opt(&mut f.file_type);
        bound_opt(&mut f.sha256);
        f.incomplete.truncate(MAX_ENTRIES);
        for part in &mut f.incomplete {
            truncate(&mut part.location);
            truncate(&mut part.reason);
        }
    }
    if let Some(m) = &mut e.metadata {
        let sent = m.len();
        if m.len() > MAX_ENTRIES {
            let keep: Vec<String> = m.keys().take(MAX_ENTRIES).cloned().collect();
            m.retain(|k, _| keep.contains(k));
        }
        let long: Vec<String> = m
            .keys()
            .filter(|k| k.len() > MAX_FIELD_BYTES)
            .cloned()
            .collect();
        for k in long {
            if let Some(v) = m.remove(&k) {
                let mut k = k;
                truncate(&mut k);
                m.insert(k, v);
            }
        }
        for v in m.values_mut() {
            mask_meta(v, masker, 0);
        }
        // All of it together stays small too: attributes past the budget
        // (in key order) are dropped, and one entry says how many.
        let mut used = 0usize;
        let mut dropped = Vec::new();
        for (k, v) in m.iter() {
            used = used.saturating_add(k.len() + meta_bytes(v));
            if used > MAX_METADATA_BYTES {
                dropped.push(k.clone());
            }
        }
        for k in &dropped {
            m.remove(k);
        }
        if m.len() < sent {
            m.insert(
                "cordon.truncated".to_owned(),
                MetaValue::String(format!(
                    "{} more attributes not kept (at most {MAX_ENTRIES} and {MAX_METADATA_BYTES} bytes)",
                    sent - m.len()
                )),
            );
        }
    }
    if let Some(sh) = &mut e.share {
        if let Some(p) = &mut sh.path {
            mask_path(p, masker);
        }
        bound_list(&mut sh.allowed_users);
        bound_list(&mut sh.allowed_groups);
    }
    e.sender.truncate(MAX_ENTRIES);
    e.recipients.truncate(MAX_ENTRIES);
    e
}

/// The text a metadata value holds, roughly as stored.
fn meta_bytes(v: &MetaValue) -> usize {
    match v {
        MetaValue::String(s) => s.len(),
        MetaValue::List(items) => items.iter().map(meta_bytes).fold(0, usize::saturating_add),
        MetaValue::Bool(_) | MetaValue::Number(_) => 8,
    }
}

fn mask_meta(v: &mut MetaValue, masker: &dyn ContentInspector, depth: usize) {
    match v {
        MetaValue::String(s) => mask(s, masker),
        MetaValue::List(items) => {
            items.truncate(MAX_ENTRIES);
            if depth < 16 {
                for x in items {
                    mask_meta(x, masker, depth + 1);
                }
            } else {
                items.clear();
            }
        }
        MetaValue::Bool(_) | MetaValue::Number(_) => {}
    }
}

/// Masks what the detectors find in `s`, then bounds it.
fn mask(s: &mut String, masker: &dyn ContentInspector) {
    if let Some(m) = masker.mask_text(s) {
        *s = m;
    }
    truncate(s);
}

/// Masks a path. The detectors do not take a number between slashes for a
/// value (ids in URLs), but in a path a caller sent it may well be one: the
/// path is scanned once with its separators read as spaces (same offsets),
/// and the masks are put back into the path.
fn mask_path(p: &mut String, masker: &dyn ContentInspector) {
    let spaced: String = p
        .chars()
        .map(|c| if c == '/' || c == '\\' { ' ' } else { c })
        .collect();
    if let Some(masked) = masker.mask_text(&spaced) {
        // Masks keep separators out: put the original ones back where the
        // masked text still has a space at a separator's place.
        let seps: Vec<(usize, char)> = p
            .char_indices()
            .filter(|(_, c)| *c == '/' || *c == '\\')
            .collect();
        if masked.len() == p.len() {
            let mut out = masked.into_bytes();
            for (at, c) in seps {
                if let Some(b) = out.get_mut(at)
                    && *b == b' '
                {
                    *b = c as u8;
                }
            }
            *p = String::from_utf8(out)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        } else {
            // A mask of another length: the masked text as it is.
            *p = masked;
        }
    }
    truncate(p);
}

fn bound_opt(s: &mut Option<String>) {
    if let Some(s) = s {
        truncate(s);
    }
}

fn bound_list(l: &mut Vec<String>) {
    l.truncate(MAX_ENTRIES);
    for s in l {
        truncate(s);
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
