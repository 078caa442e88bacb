//! What administrators configure: the sinks alerts go to and the response
//! rules that pick sinks and plug-ins for incidents. Stored with the
//! [`cordon_store::SettingsStore`] under the key `alerts`, secrets sealed
//! with the server's seal key (their context is the sink's id, so a sealed
//! secret copied to another sink does not open).

use std::collections::BTreeSet;

use cordon_alert::SinkConfig;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// The settings key.
pub const KEY: &str = "alerts";
/// What a secret reads as in answers; sent back unchanged, it keeps the
/// stored secret.
pub const REDACTED: &str = "***";
/// Most sinks and most response rules.
pub const MAX_SINKS: usize = 64;
pub const MAX_RESPONSES: usize = 256;
/// Most actions of one response rule.
pub const MAX_ACTIONS: usize = 16;

/// Sinks and response rules.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertSettings {
    pub sinks: Vec<SinkEntry>,
    pub responses: Vec<ResponseRule>,
}

/// Which incidents a sink receives without a response rule naming it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Subscription {
    /// Incidents of rules whose `actions` include `alert` (the Acronis
    /// "Generate an alert" and FileCloud alert actions).
    #[default]
    Alerts,
    /// Every incident (a SIEM, an archive).
    All,
    /// Only those of the response rules that name it.
    Responses,
}

/// A configured sink.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SinkEntry {
    /// `[a-z0-9][a-z0-9_-]{0,63}`: response rules and deliveries name it
    /// (`sink:<id>`).
    pub id: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub on: Subscription,
    /// Also receives every entry of the audit trail (logins, role and
    /// policy changes, …), whatever `on` says. Not for e-mail sinks.
    #[serde(default, skip_serializing_if = "is_false")]
    pub audit: bool,
    /// `{"kind": "email" | "webhook" | "syslog" | "jsonl", …}`, see
    /// `docs/alerts.md`.
    #[schema(value_type = Object)]
    pub config: SinkConfig,
}

impl SinkEntry {
    /// Whether it takes every incident from a stream of its own (enabled
    /// and subscribed to every incident) rather than rows planned per
    /// incident.
    pub fn streamed(&self) -> bool {
        self.enabled && self.on == Subscription::All
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A response rule (the Symantec seed's "Automated Response" rule): when
/// an incident meets every condition given, each action runs once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseRule {
    /// Taken from the path when left out.
    #[serde(default)]
    pub id: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub when: Conditions,
    pub actions: Vec<ResponseAction>,
}

/// Conditions over an incident; an empty list does not narrow. Rule and
/// policy ids may end in `*`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Conditions {
    /// Rule ids (the incident's rule is one of them).
    pub rules: Vec<String>,
    /// Policy ids.
    pub policies: Vec<String>,
    /// Categories: the incident has one of them (`PCI`, `PII`, …).
    pub categories: Vec<String>,
    /// Channels, the event's action: `copy_to_device`, `share`, …
    pub channels: Vec<String>,
    /// Decisions: `deny`, `allow` (a permissive violation), `exception`.
    pub decisions: Vec<String>,
    /// Modes: `enforce`, `permissive`.
    pub modes: Vec<String>,
    /// The least severity (0–10, see `docs/alerts.md`).
    pub min_severity: u8,
}

/// One action: a sink (`{"sink": "soc-mail"}`) or a plug-in by its exact
/// name (`{"plugin": "quarantine", "params": {…}}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sink: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
}

impl ResponseAction {
    /// The outbox target: `sink:<id>` or `plugin:<name>`.
    pub fn target(&self) -> Option<String> {
        match (&self.sink, &self.plugin) {
            (Some(s), None) => Some(format!("sink:{s}")),
            (None, Some(p)) => Some(format!("plugin:{p}")),
            _ => None,
        }
    }
}

fn yes() -> bool {
    true
}

/// `[a-z0-9][a-z0-9_-]{0,63}`.
pub fn valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase() | b[0].is_ascii_digit()
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
}

/// Plug-in names are case-sensitive: `[A-Za-z0-9][A-Za-z0-9_.-]{0,63}`.
pub fn valid_plugin_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

impl AlertSettings {
    /// The parameters response rule `rule` gives plug-in `plugin` (null
    /// when the rule or the action is gone).
    pub fn plugin_params(&self, rule: &str, plugin: &str) -> serde_json::Value {
        self.responses
            .iter()
            .find(|r| r.id == rule)
            .and_then(|r| {
                r.actions
                    .iter()
                    .find(|a| a.plugin.as_deref() == Some(plugin))
                    .map(|a| a.params.clone())
            })
            .unwrap_or(serde_json::Value::Null)
    }

    /// `409 in_use` naming the response rules that name `target`
    /// (`sink:<id>`, `plugin:<name>`): what they name cannot go.
    pub fn refuse_if_named(&self, target: &str, what: &str) -> Result<(), ApiError> {
        let users: Vec<&str> = self
            .responses
            .iter()
            .filter(|r| {
                r.actions
                    .iter()
                    .any(|a| a.target().as_deref() == Some(target))
            })
            .map(|r| r.id.as_str())
            .collect();
        if users.is_empty() {
            return Ok(());
        }
        Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "in_use",
            format!(
                "{what} is named by response rules {}; change them first",
                users.join(", ")
            ),
        ))
    }

    /// Every problem of the whole configuration, each naming where.
    pub fn check(&self) -> Result<(), ApiError> {
        if self.sinks.len() > MAX_SINKS {
            return Err(bad(format!("at most {MAX_SINKS} sinks")));
        }
        if self.responses.len() > MAX_RESPONSES {
            return Err(bad(format!("at most {MAX_RESPONSES} response rules")));
        }
        let mut ids = BTreeSet::new();
        for s in &self.sinks {
            if !valid_id(&s.id) {
                return Err(bad(format!(
                    "sink id `{}`: use 1-64 of `a-z`, `0-9`, `_`, `-`",
                    s.id
                )));
            }
            if !ids.insert(s.id.as_str()) {
                return Err(bad(format!("sink `{}` is defined twice", s.id)));
            }
            s.config
                .validate()
                .map_err(|e| bad(format!("sink `{}`: {e}", s.id)))?;
            if s.audit && matches!(s.config, SinkConfig::Email(_)) {
                return Err(bad(format!(
                    "sink `{}`: `audit`: e-mail sinks do not send the audit trail; \
                     use a syslog, webhook or JSON Lines sink",
                    s.id
                )));
            }
        }
        let mut rules = BTreeSet::new();
        for r in &self.responses {
            if !valid_id(&r.id) {
                return Err(bad(format!(
                    "response rule id `{}`: use 1-64 of `a-z`, `0-9`, `_`, `-`",
                    r.id
                )));
            }
            if !rules.insert(r.id.as_str()) {
                return Err(bad(format!("response rule `{}` is defined twice", r.id)));
            }
            if r.actions.is_empty() || r.actions.len() > MAX_ACTIONS {
                return Err(bad(format!(
                    "response rule `{}`: give 1 to {MAX_ACTIONS} actions",
                    r.id
                )));
            }
            if r.when.min_severity > 10 {
                return Err(bad(format!(
                    "response rule `{}`: `minSeverity` is 0 to 10",
                    r.id
                )));
            }
            for (i, a) in r.actions.iter().enumerate() {
                match (&a.sink, &a.plugin) {
                    (Some(s), None) => {
                        if !ids.contains(s.as_str()) {
                            return Err(bad(format!(
                                "response rule `{}`, action {}: no sink `{s}`",
                                r.id,
                                i + 1
                            )));
                        }
                        if !a.params.is_null() {
                            return Err(bad(format!(
                                "response rule `{}`, action {}: `params` are for plug-ins",
                                r.id,
                                i + 1
                            )));
                        }
                    }
                    (None, Some(p)) => {
                        if !valid_plugin_name(p) {
                            return Err(bad(format!(
                                "response rule `{}`, action {}: `{p}` is not a plug-in name",
                                r.id,
                                i + 1
                            )));
                        }
                        if !(a.params.is_null() || a.params.is_object()) {
                            return Err(bad(format!(
                                "response rule `{}`, action {}: `params` must be an object",
                                r.id,
                                i + 1
                            )));
                        }
                    }
                    _ => {
                        return Err(bad(format!(
                            "response rule `{}`, action {}: give exactly one of `sink` and `plugin`",
                            r.id,
                            i + 1
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

fn bad(message: String) -> ApiError {
    ApiError::bad_request(message)
}

/// The outbox targets (`sink:<id>`) of the enabled sinks subscribed to
/// the audit trail, read from the stored setting `alerts` (its stored
/// form: nothing needs opening, and a setting that does not read back
/// subscribes nothing).
pub fn audit_targets(stored: Option<&serde_json::Value>) -> Vec<String> {
    #[derive(Deserialize)]
    struct Stored {
        #[serde(default)]
        sinks: Vec<Sink>,
    }
    #[derive(Deserialize)]
    struct Sink {
        id: String,
        #[serde(default = "yes")]
        enabled: bool,
        #[serde(default)]
        audit: bool,
    }
    let Some(v) = stored else {
        return Vec::new();
    };
    match Stored::deserialize(v) {
        Ok(s) => s
            .sinks
            .into_iter()
            .filter(|s| s.enabled && s.audit)
            .map(|s| format!("sink:{}", s.id))
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "alerts: the stored sinks do not read back; audit entries go to none");
            Vec::new()
        }
    }
}

/// The seal context of a sink's secrets.
pub fn seal_context(sink_id: &str) -> String {
    format!("cordon alert sink {sink_id}")
}

/// Seals every secret of `settings` in place (before storing).
pub fn seal(
    settings: &mut AlertSettings,
    key: &cordon_identity::seal::SealKey,
) -> Result<(), ApiError> {
    for s in &mut settings.sinks {
        let ctx = seal_context(&s.id);
        for secret in s.config.secrets_mut() {
            let sealed = key
                .seal(secret.expose().as_bytes(), &ctx)
                .map_err(|e| ApiError::internal("sealing a sink's secret", &e))?;
            *secret = cordon_alert::Secret::new(sealed);
        }
        // A webhook URL may carry its credential (Slack, Teams): sealed too.
        if let SinkConfig::Webhook(w) = &mut s.config {
            w.url = key
                .seal(w.url.as_bytes(), &format!("{ctx} url"))
                .map_err(|e| ApiError::internal("sealing a webhook URL", &e))?;
        }
    }
    Ok(())
}

/// Opens every sealed secret of `settings` in place (after reading).
pub fn open(
    settings: &mut AlertSettings,
    key: &cordon_identity::seal::SealKey,
) -> Result<(), String> {
    for s in &mut settings.sinks {
        let ctx = seal_context(&s.id);
        for secret in s.config.secrets_mut() {
            let plain = key
                .open(secret.expose(), &ctx)
                .map_err(|e| format!("the secret of sink `{}` does not open: {e}", s.id))?;
            let text = String::from_utf8(plain)
                .map_err(|_| format!("the secret of sink `{}` is not text", s.id))?;
            *secret = cordon_alert::Secret::new(text);
        }
        // Sealed values start `v1.`; a URL cannot (one stored before URLs
        // were sealed is read as it is).
        if let SinkConfig::Webhook(w) = &mut s.config
            && w.url.starts_with("v1.")
        {
            let plain = key
                .open(&w.url, &format!("{ctx} url"))
                .map_err(|e| format!("the URL of sink `{}` does not open: {e}", s.id))?;
            w.url = String::from_utf8(plain)
                .map_err(|_| format!("the URL of sink `{}` is not text", s.id))?;
        }
    }
    Ok(())
}

/// `new` with each `***` secret replaced by the one `old` (same sink id,
/// same position) holds: an administrator edits a sink without retyping
/// its password. A `***` without a stored secret is refused.
pub fn keep_secrets(new: &mut SinkEntry, old: Option<&SinkEntry>) -> Result<(), ApiError> {
    let mut old_cfg = old.map(|o| o.config.clone());
    let old_secrets: Vec<String> = old_cfg
        .as_mut()
        .map(|c| {
            c.secrets_mut()
                .into_iter()
                .map(|s| s.expose().to_owned())
                .collect()
        })
        .unwrap_or_default();
    for (i, s) in new.config.secrets_mut().into_iter().enumerate() {
        if s.expose() == REDACTED {
            let Some(kept) = old_secrets.get(i) else {
                return Err(bad(format!(
                    "sink `{}`: a secret reads `***` but none is stored; give the secret",
                    new.id
                )));
            };
            *s = cordon_alert::Secret::new(kept.clone());
        }
    }
    // A webhook URL sent back as shown (`https://host/***`) keeps the
    // stored one.
    if let SinkConfig::Webhook(w) = &mut new.config
        && w.url.ends_with("/***")
    {
        match old.map(|o| &o.config) {
            Some(SinkConfig::Webhook(o)) if cordon_alert::webhook::redact_url(&o.url) == w.url => {
                w.url.clone_from(&o.url);
            }
            _ => {
                return Err(bad(format!(
                    "sink `{}`: the URL reads `***` but no such URL is stored; give the URL",
                    new.id
                )));
            }
        }
    }
    Ok(())
}

/// The sink as answers show it.
#[derive(Serialize, ToSchema)]

pub struct SinkView {
    pub id: String,
    pub enabled: bool,
    pub on: Subscription,
    /// Subscribed to the audit trail.
    pub audit: bool,
    #[schema(value_type = Object)]
    pub config: SinkConfig,
}

impl From<&SinkEntry> for SinkView {
    fn from(s: &SinkEntry) -> SinkView {
        SinkView {
            id: s.id.clone(),
            enabled: s.enabled,
            on: s.on,
            audit: s.audit,
            config: s.config.redacted(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(valid_id("soc-mail_2"));
        assert!(!valid_id(""));
        assert!(!valid_id("Soc"));
        assert!(!valid_id("-x"));
        assert!(!valid_id(&"a".repeat(65)));
        assert!(valid_plugin_name("Quarantine.v2"));
        assert!(!valid_plugin_name("../x"));
        assert!(!valid_plugin_name(".x"));
    }
}
