//! The `removableMedia` section of a policy document: what the endpoint
//! agent does with files written to removable media (issue #14). The
//! decisions themselves are the ordinary rules deciding `copy_to_device`
//! events; this section says how the agent seals files and which custom
//! detectors (the seed's keyword rules) it inspects them with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `removableMedia:` in a policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemovableMediaSpec {
    /// Inspect every file written to a removable medium before it is on
    /// the medium in clear. Default true.
    #[serde(default = "yes")]
    pub inspect: bool,
    /// Seal every file as it is closed and release benign ones after
    /// inspection, instead of holding each file until it is decided.
    #[serde(default)]
    pub encrypt_first: bool,
    /// age X25519 recipients (`age1…`) every sealed file is encrypted to:
    /// the organisation's recovery key(s). Without any, a file a rule
    /// wants encrypted is blocked instead (never written in clear).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// More recipients for files written by a user (by login name).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_recipients: BTreeMap<String, Vec<String>>,
    /// More recipients for files written by a member of a group.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub group_recipients: BTreeMap<String, Vec<String>>,
    /// Custom detectors the agent inspects with besides the built-in
    /// ones, as in `cordon scan --detectors` (e.g. the seed's keywords
    /// "Confidential" and "Encrypt me").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detectors: Vec<cordon_detect::CustomDetector>,
    /// Seconds a file may take to inspect; one that takes longer is
    /// treated as not fully inspected (sealed or blocked). Default 120.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspect_timeout_secs: Option<u64>,
    /// Whether a file to be encrypted is sealed with a passphrase its
    /// writer gave (`cordon agent passphrase`) instead of the keys above.
    /// age allows a passphrase only as the sole recipient, so such a file
    /// cannot be opened with the recovery key. Default `off`.
    #[serde(default, skip_serializing_if = "PassphraseMode::is_off")]
    pub passphrase: PassphraseMode,
    /// Seconds the agent keeps a user's passphrase after it was given.
    /// Default [`DEFAULT_PASSPHRASE_TTL_SECS`] (8 h), at most
    /// [`MAX_PASSPHRASE_TTL_SECS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passphrase_ttl_secs: Option<u64>,
}

/// How long a user's passphrase is kept unless the policy says otherwise.
pub const DEFAULT_PASSPHRASE_TTL_SECS: u64 = 8 * 3600;
/// The longest `passphraseTtlSecs` allowed: a week.
pub const MAX_PASSPHRASE_TTL_SECS: u64 = 7 * 24 * 3600;

/// `removableMedia.passphrase`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PassphraseMode {
    /// Files are sealed for the organisation's keys only.
    #[default]
    Off,
    /// A file is sealed with its writer's passphrase when they gave one;
    /// otherwise for the organisation's keys, or refused when there are
    /// none (the user is told to run `cordon agent passphrase`).
    Prompt,
}

impl PassphraseMode {
    pub fn is_off(&self) -> bool {
        *self == PassphraseMode::Off
    }
}

fn yes() -> bool {
    true
}

impl RemovableMediaSpec {
    /// How long the agent keeps a user's passphrase.
    pub fn passphrase_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(
            self.passphrase_ttl_secs
                .unwrap_or(DEFAULT_PASSPHRASE_TTL_SECS)
                .clamp(1, MAX_PASSPHRASE_TTL_SECS),
        )
    }

    /// Every recipient string with where it is, for checking.
    pub fn all_recipients(&self) -> impl Iterator<Item = (String, &str)> {
        let org = self
            .recipients
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("/removableMedia/recipients/{i}"), r.as_str()));
        let users = self.user_recipients.iter().flat_map(|(u, v)| {
            v.iter().enumerate().map(move |(i, r)| {
                (
                    format!("/removableMedia/userRecipients/{u}/{i}"),
                    r.as_str(),
                )
            })
        });
        let groups = self.group_recipients.iter().flat_map(|(g, v)| {
            v.iter().enumerate().map(move |(i, r)| {
                (
                    format!("/removableMedia/groupRecipients/{g}/{i}"),
                    r.as_str(),
                )
            })
        });
        org.chain(users).chain(groups)
    }

    /// Problems with the section, each with its JSON pointer: recipients
    /// that are not age X25519 public keys, detectors that do not build.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (at, r) in self.all_recipients() {
            if !is_age_recipient(r) {
                let shown: String = r.chars().take(12).collect();
                out.push((
                    at,
                    format!("`{shown}…` is not an age X25519 recipient (`age1…`, as `age-keygen` prints)"),
                ));
            }
        }
        if let Some(secs) = self.passphrase_ttl_secs
            && !(1..=MAX_PASSPHRASE_TTL_SECS).contains(&secs)
        {
            out.push((
                "/removableMedia/passphraseTtlSecs".into(),
                format!("{secs} s is not a passphrase lifetime: give 1 to {MAX_PASSPHRASE_TTL_SECS} seconds (a week)"),
            ));
        }
        if !self.detectors.is_empty() {
            let cfg = cordon_detect::CustomDetectorsConfig {
                detectors: self.detectors.clone(),
            };
            if let Err(e) = cordon_detect::Detectors::builder().custom(cfg).build() {
                out.push(("/removableMedia/detectors".into(), e.to_string()));
            }
        }
        out
    }
}

/// An age X25519 recipient: Bech32 with the `age` prefix and a 32-byte
/// key (62 characters in all).
pub fn is_age_recipient(s: &str) -> bool {
    let s = s.trim();
    s.len() == 62
        && s.starts_with("age1")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && cordon_detect::validate::bech32(s.as_bytes())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const KEY: &str = "age10skwwq7kywq7y5x8szglvw8x8gn89cqdwucy5cz5hqw03ks4s3fsswjf6z";

    #[test]
    fn recipients_are_checked_and_named_by_pointer() {
        assert!(is_age_recipient(KEY));
        // One character changed: the Bech32 checksum fails.
        let bad = KEY.replace("0skww", "0skwx");
        assert!(!is_age_recipient(&bad));
        assert!(!is_age_recipient("age1short"));
        assert!(!is_age_recipient(&KEY.to_uppercase()));
        let spec: RemovableMediaSpec = serde_json::from_value(serde_json::json!({
            "recipients": [KEY],
            "userRecipients": {"alice": [bad]},
            "detectors": [{"id": "kw", "category": "CONFIDENTIAL", "keywords": ["Encrypt me"]}]
        }))
        .unwrap();
        assert!(spec.inspect);
        let p = spec.problems();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "/removableMedia/userRecipients/alice/0");
        assert!(p[0].1.contains("not an age X25519 recipient"), "{}", p[0].1);
        assert!(
            !p[0].1.contains(&KEY[12..]),
            "the key is not repeated in full"
        );
    }

    #[test]
    fn the_passphrase_option_defaults_to_off_and_its_lifetime_is_bounded() {
        let spec: RemovableMediaSpec = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(spec.passphrase, PassphraseMode::Off);
        assert_eq!(spec.passphrase_ttl().as_secs(), DEFAULT_PASSPHRASE_TTL_SECS);
        assert!(spec.problems().is_empty());
        // Off is not written back out.
        assert_eq!(serde_json::to_value(&spec).unwrap().get("passphrase"), None);

        let spec: RemovableMediaSpec = serde_json::from_value(serde_json::json!({
            "passphrase": "prompt", "passphraseTtlSecs": 600
        }))
        .unwrap();
        assert_eq!(spec.passphrase, PassphraseMode::Prompt);
        assert_eq!(spec.passphrase_ttl().as_secs(), 600);
        // YAML's bare `off` is the string (YAML 1.2), not a boolean.
        let yaml: RemovableMediaSpec = serde_yaml_ng::from_str("passphrase: off\n").unwrap();
        assert_eq!(yaml.passphrase, PassphraseMode::Off);
        assert!(spec.problems().is_empty());

        for bad in [0, MAX_PASSPHRASE_TTL_SECS + 1] {
            let spec: RemovableMediaSpec =
                serde_json::from_value(serde_json::json!({ "passphraseTtlSecs": bad })).unwrap();
            let p = spec.problems();
            assert_eq!(p.len(), 1, "{p:?}");
            assert_eq!(p[0].0, "/removableMedia/passphraseTtlSecs");
            assert!(p[0].1.contains("not a passphrase lifetime"), "{}", p[0].1);
        }

        let err = serde_json::from_value::<RemovableMediaSpec>(
            serde_json::json!({ "passphrase": "always" }),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("`always`") && err.contains("`off`") && err.contains("`prompt`"),
            "{err}"
        );
    }

    #[test]
    fn a_detector_that_does_not_build_is_a_problem() {
        let spec: RemovableMediaSpec = serde_json::from_value(serde_json::json!({
            "detectors": [{"id": "credit_card", "category": "PCI", "keywords": ["x"]}]
        }))
        .unwrap();
        assert_eq!(spec.problems().len(), 1);
    }
}
