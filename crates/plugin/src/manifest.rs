//! The manifest, `cordon-plugin.toml`: what a plug-in is called, what it
//! handles, what it runs and which parameters a response rule may give it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::PROTOCOL;

/// The manifest's file name at the root of every package.
pub const MANIFEST_FILE: &str = "cordon-plugin.toml";
/// The longest plug-in timeout a manifest may ask for, in milliseconds.
pub const MAX_TIMEOUT_MS: u64 = 300_000;
/// The longest name (plug-in or parameter), in bytes.
pub const MAX_NAME_LEN: usize = 64;
/// The most parameters a manifest may declare.
pub const MAX_PARAMS: usize = 64;
/// The most events a manifest may list.
pub const MAX_EVENTS: usize = 64;
/// The longest description (of the plug-in or of a parameter), in bytes.
pub const MAX_DESCRIPTION_LEN: usize = 4096;

/// A plug-in's manifest, read from `cordon-plugin.toml` and validated by
/// [`Manifest::from_toml`]. A value of this type that came from a package
/// always satisfies every rule documented on its fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// `[A-Za-z0-9][A-Za-z0-9_.-]{0,63}`, case-sensitive: the name a
    /// response rule gives, exactly.
    pub name: String,
    /// The author's version, 1 to 64 printable ASCII characters.
    pub version: String,
    /// The protocol the plug-in speaks; only [`PROTOCOL`] is accepted.
    pub protocol: u32,
    /// What it does, for administrators; optional, at most 4 KiB.
    #[serde(default)]
    pub description: String,
    /// Where it runs.
    pub runs_on: RunsOn,
    /// The event actions it handles (`copy_to_device`, `share`,
    /// `download`, `email`, …) or `*` for all; at least one.
    pub events: Vec<String>,
    /// Relative path of the program inside the package: no `..`, no
    /// leading `/`; it must be a regular file in the package.
    pub executable: String,
    /// How long one call may take, 1 to 300 000 ms.
    pub timeout_ms: u64,
    /// The parameters a response rule may give, by name
    /// (`[A-Za-z_][A-Za-z0-9_]{0,63}`).
    #[serde(default)]
    pub params: BTreeMap<String, ParamSpec>,
}

/// Where a plug-in runs: on the server after an incident is recorded, or
/// on the endpoint agent that saw the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunsOn {
    Server,
    Agent,
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    #[serde(rename = "type")]
    pub kind: ParamType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub description: String,
}

/// A parameter's JSON type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    String,
    Number,
    Boolean,
}

impl ParamType {
    fn name(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        matches!(
            (self, v),
            (ParamType::String, Value::String(_))
                | (ParamType::Number, Value::Number(_))
                | (ParamType::Boolean, Value::Bool(_))
        )
    }
}

/// Why a manifest was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("`{MANIFEST_FILE}` line {line}, column {column}: {message}")]
    Toml {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("`{MANIFEST_FILE}`: {0}")]
    Invalid(String),
}

/// Why a response rule's parameters do not fit a plug-in's manifest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("parameters of plug-in `{plugin}` must be a JSON object, not {found}")]
    NotAnObject { plugin: String, found: &'static str },
    #[error("plug-in `{plugin}` has no parameter `{param}`")]
    Unknown { plugin: String, param: String },
    #[error("plug-in `{plugin}` needs parameter `{param}`")]
    Missing { plugin: String, param: String },
    #[error("parameter `{param}` of plug-in `{plugin}` must be a {expected}, not {found}")]
    WrongType {
        plugin: String,
        param: String,
        expected: &'static str,
        found: &'static str,
    },
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether `name` is a valid plug-in name: `[A-Za-z0-9][A-Za-z0-9_.-]{0,63}`.
/// It is used as a directory name, so it can never be `.`, `..` or hold `/`.
pub fn valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    match b.split_first() {
        Some((first, rest)) => {
            b.len() <= MAX_NAME_LEN
                && first.is_ascii_alphanumeric()
                && rest
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
        }
        None => false,
    }
}

fn valid_param_name(name: &str) -> bool {
    let b = name.as_bytes();
    match b.split_first() {
        Some((first, rest)) => {
            b.len() <= MAX_NAME_LEN
                && (first.is_ascii_alphabetic() || *first == b'_')
                && rest.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        }
        None => false,
    }
}

fn valid_event(e: &str) -> bool {
    e == "*"
        || (!e.is_empty()
            && e.len() <= MAX_NAME_LEN
            && e.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'))
}

/// Whether `path` is a relative path of plain components (`a/b.py`):
/// no empty, `.` or `..` component, no leading `/`, no NUL, no backslash.
pub(crate) fn valid_relative_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 255
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains(['\0', '\\']))
}

/// Line and column (1-based, columns in characters) of byte `offset`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl Manifest {
    /// Parses and validates a manifest. A TOML error says its line and
    /// column; a rule broken says which field.
    pub fn from_toml(text: &str) -> Result<Manifest, ManifestError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((1, 1), |span| line_column(text, span.start));
            ManifestError::Toml {
                line,
                column,
                message: e.message().trim_end().to_owned(),
            }
        })?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// Checks every rule documented on the fields.
    pub fn validate(&self) -> Result<(), ManifestError> {
        let bad = |m: String| Err(ManifestError::Invalid(m));
        if !valid_name(&self.name) {
            return bad(format!(
                "`name` `{}` must be 1 to 64 of A-Z a-z 0-9 _ . -, starting with a letter or digit",
                self.name.escape_debug()
            ));
        }
        if self.version.is_empty()
            || self.version.len() > MAX_NAME_LEN
            || !self.version.bytes().all(|c| c.is_ascii_graphic())
        {
            return bad(format!(
                "`version` `{}` must be 1 to 64 printable ASCII characters without spaces",
                self.version.escape_debug()
            ));
        }
        if self.protocol != PROTOCOL {
            return bad(format!(
                "`protocol` {} is not supported (this Cordon speaks {PROTOCOL})",
                self.protocol
            ));
        }
        if self.description.len() > MAX_DESCRIPTION_LEN {
            return bad(format!(
                "`description` is longer than {MAX_DESCRIPTION_LEN} bytes"
            ));
        }
        if self.events.is_empty() || self.events.len() > MAX_EVENTS {
            return bad(format!(
                "`events` must list 1 to {MAX_EVENTS} event actions or `*`"
            ));
        }
        if let Some(e) = self.events.iter().find(|e| !valid_event(e)) {
            return bad(format!(
                "`events` entry `{}` must be `*` or an action of a-z 0-9 _",
                e.escape_debug()
            ));
        }
        if !valid_relative_path(&self.executable) || self.executable == MANIFEST_FILE {
            return bad(format!(
                "`executable` `{}` must be a relative path inside the package, without `..`",
                self.executable.escape_debug()
            ));
        }
        if !(1..=MAX_TIMEOUT_MS).contains(&self.timeout_ms) {
            return bad(format!(
                "`timeout_ms` {} must be 1 to {MAX_TIMEOUT_MS}",
                self.timeout_ms
            ));
        }
        if self.params.len() > MAX_PARAMS {
            return bad(format!(
                "`params` declares more than {MAX_PARAMS} parameters"
            ));
        }
        for (name, spec) in &self.params {
            if !valid_param_name(name) {
                return bad(format!(
                    "parameter `{}` must be 1 to 64 of A-Z a-z 0-9 _, not starting with a digit",
                    name.escape_debug()
                ));
            }
            if spec.description.len() > MAX_DESCRIPTION_LEN {
                return bad(format!(
                    "description of parameter `{name}` is longer than {MAX_DESCRIPTION_LEN} bytes"
                ));
            }
        }
        Ok(())
    }

    /// Whether the plug-in handles events of `action` (`copy_to_device`,
    /// `share`, …): it lists the action exactly, or `*`.
    pub fn handles(&self, action: &str) -> bool {
        self.events.iter().any(|e| e == "*" || e == action)
    }

    /// Checks a response rule's parameters against the declared ones:
    /// a JSON object (or `null`, meaning none) with no undeclared key,
    /// every required one present, each of its declared type.
    pub fn check_params(&self, params: &Value) -> Result<(), ParamError> {
        let empty = serde_json::Map::new();
        let given = match params {
            Value::Object(m) => m,
            Value::Null => &empty,
            other => {
                return Err(ParamError::NotAnObject {
                    plugin: self.name.clone(),
                    found: json_kind(other),
                });
            }
        };
        if let Some(k) = given.keys().find(|k| !self.params.contains_key(*k)) {
            return Err(ParamError::Unknown {
                plugin: self.name.clone(),
                param: k.clone(),
            });
        }
        for (name, spec) in &self.params {
            match given.get(name) {
                None if spec.required => {
                    return Err(ParamError::Missing {
                        plugin: self.name.clone(),
                        param: name.clone(),
                    });
                }
                Some(v) if !spec.kind.accepts(v) => {
                    return Err(ParamError::WrongType {
                        plugin: self.name.clone(),
                        param: name.clone(),
                        expected: spec.kind.name(),
                        found: json_kind(v),
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("é\nx", 3), (2, 1));
    }

    #[test]
    fn relative_paths() {
        for ok in ["a", "a/b.py", "bin/run-it", ".hidden"] {
            assert!(valid_relative_path(ok), "{ok}");
        }
        for bad in ["", "/a", "a/../b", "..", ".", "a//b", "a/", "./a", "a\\b"] {
            assert!(!valid_relative_path(bad), "{bad}");
        }
    }
}
