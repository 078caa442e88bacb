//! `cordon policy import device-control`: a device-control document as a
//! Cordon policy document whose `deviceControl` section holds it, ready for
//! expression rules, data-flow rules and tests to be added beside it.

use crate::doc::Document;
use crate::write::{self, Json};

/// Options of the imported policy document.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The policy id; default: `device-control`.
    pub id: Option<String>,
    /// Where the document came from, for the description.
    pub origin: Option<String>,
}

/// The Cordon policy document (ordered JSON, for YAML or JSON output).
pub fn to_policy_document(doc: &Document, opts: &ImportOptions) -> Json {
    let c = &doc.configuration;
    let mut fields: Vec<(String, Json)> = Vec::new();
    let s = |v: &str| Json::Str(v.to_string());
    fields.push((
        "id".into(),
        s(opts.id.as_deref().unwrap_or("device-control")),
    ));
    fields.push(("name".into(), s("Device control")));
    let mut description = String::from("Device-control policies");
    if let Some(o) = &opts.origin {
        description.push_str(&format!(" imported from {o}"));
    }
    if let Some(src) = &c.source {
        description.push_str(&format!(", source {src}"));
    }
    if let Some(t) = c.timestamp {
        description.push_str(&format!(
            ", last changed {}",
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
    }
    fields.push(("description".into(), Json::Str(description)));
    if let Some(v) = &c.content {
        fields.push(("version".into(), s(v)));
    }
    fields.push(("deviceControl".into(), write::to_json(doc)));
    Json::Obj(fields)
}

/// The imported document as YAML.
pub fn to_yaml(doc: &Document, opts: &ImportOptions) -> Result<String, serde_yaml_ng::Error> {
    serde_yaml_ng::to_string(&to_policy_document(doc, opts))
}

/// The imported document as pretty JSON.
pub fn to_json_text(doc: &Document, opts: &ImportOptions) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&to_policy_document(doc, opts))
}

/// If `text` is a device-control document written with comments or
/// trailing commas (as the seed's examples are), the same text with those
/// blanked out, byte for byte, so that strict JSON readers accept it and
/// positions do not move; otherwise `text` unchanged.
pub fn accept_comments(text: String) -> String {
    if !text.trim_start().starts_with('{')
        || serde_json::from_str::<serde_json::Value>(&text).is_ok()
    {
        return text;
    }
    let stripped = crate::lenient::strip(&text);
    match serde_json::from_str::<serde_json::Value>(&stripped) {
        Ok(v) if crate::read::looks_like_device_control(&v) => stripped,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_blanked_only_for_device_control_documents() {
        let dc = "{\n // x\n \"policies\": [],\n}".to_string();
        let out = accept_comments(dc.clone());
        assert_eq!(out.len(), dc.len());
        assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
        let other = "{\n // x\n \"id\": \"p\"\n}".to_string();
        assert_eq!(accept_comments(other.clone()), other);
        let yaml = "id: p # http://example.org\n".to_string();
        assert_eq!(accept_comments(yaml.clone()), yaml);
    }
}
