//! E-mail subject and body templates: text with `{{placeholder}}`s.
//!
//! A template is parsed once, when the sink is configured: an unknown
//! placeholder or an unclosed `{{` is a configuration error, not a
//! surprise in a mail. Rendering walks the parsed pieces and writes each
//! value once, so a value that itself contains `{{user}}` (a file name, a
//! rule name an administrator typed) is never expanded again.
//!
//! The placeholders ([`PLACEHOLDERS`]): `incident_id`, `rule_id`,
//! `rule_name`, `policy` (`id@version`), `policy_id`, `policy_version`,
//! `severity`, `decision`, `mode`, `enforced`, `channel`, `user`,
//! `computer`, `remote_ip`, `recipients`, `categories`, `match_count`,
//! `findings` (masked values, one per line in a body, comma-separated in
//! a subject), `file_name`, `file_path`, `file_size`, `file_sha256`,
//! `message`, `url`, `time` (RFC 3339, UTC). A missing value is empty.
//! Spaces inside the braces are allowed: `{{ user }}`.

use std::fmt::Write as _;

use crate::Alert;
use crate::text::rfc3339_ms;

/// Every placeholder a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "incident_id",
    "rule_id",
    "rule_name",
    "policy",
    "policy_id",
    "policy_version",
    "severity",
    "decision",
    "mode",
    "enforced",
    "channel",
    "user",
    "computer",
    "remote_ip",
    "recipients",
    "categories",
    "match_count",
    "findings",
    "file_name",
    "file_path",
    "file_size",
    "file_sha256",
    "message",
    "url",
    "time",
];

/// At most this many findings are listed in a message.
pub const MAX_FINDINGS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// An index into [`PLACEHOLDERS`].
    Field(usize),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses `source`; the error says what is wrong and where.
    pub fn parse(source: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find("{{") {
            let (text, after) = rest.split_at(open);
            if !text.is_empty() {
                pieces.push(Piece::Text(text.to_owned()));
            }
            let inner_start = after.get(2..).unwrap_or("");
            let Some(close) = inner_start.find("}}") else {
                let at = source.len() - after.len();
                return Err(format!("has `{{{{` without `}}}}` at byte {at}"));
            };
            let (inner, tail) = inner_start.split_at(close);
            let name = inner.trim();
            let Some(index) = PLACEHOLDERS.iter().position(|p| *p == name) else {
                return Err(format!(
                    "has an unknown placeholder `{{{{{name}}}}}` (known: {})",
                    PLACEHOLDERS.join(", ")
                ));
            };
            pieces.push(Piece::Field(index));
            rest = tail.get(2..).unwrap_or("");
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Ok(Template { pieces })
    }

    /// The template with `alert`'s values, each written once.
    pub fn render(&self, alert: &Alert, multiline: bool) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Field(i) => {
                    let name = PLACEHOLDERS.get(*i).copied().unwrap_or("");
                    value(&mut out, name, alert, multiline);
                }
            }
        }
        out
    }
}

/// Writes the value of placeholder `name` for `alert`.
fn value(out: &mut String, name: &str, a: &Alert, multiline: bool) {
    let file = a.file.as_ref();
    // `write!` to a `String` cannot fail.
    let _ = match name {
        "incident_id" => write!(out, "{}", a.incident_id),
        "rule_id" => write!(out, "{}", a.rule_id),
        "rule_name" => write!(out, "{}", a.rule_name),
        "policy" => write!(out, "{}@{}", a.policy_id, a.policy_version),
        "policy_id" => write!(out, "{}", a.policy_id),
        "policy_version" => write!(out, "{}", a.policy_version),
        "severity" => write!(out, "{}", a.severity),
        "decision" => write!(out, "{}", a.decision),
        "mode" => write!(out, "{}", a.mode),
        "enforced" => write!(out, "{}", if a.enforced { "yes" } else { "no" }),
        "channel" => write!(out, "{}", a.channel),
        "user" => write!(out, "{}", a.username),
        "computer" => write!(out, "{}", a.computer),
        "remote_ip" => write!(out, "{}", a.remote_ip.as_deref().unwrap_or("")),
        "recipients" => write!(out, "{}", a.recipients.join(", ")),
        "categories" => write!(out, "{}", a.categories.join(", ")),
        "match_count" => write!(out, "{}", a.match_count),
        "findings" => {
            findings(out, a, multiline);
            Ok(())
        }
        "file_name" => write!(out, "{}", file.map_or("", |f| f.name.as_str())),
        "file_path" => write!(
            out,
            "{}",
            file.and_then(|f| f.path.as_deref()).unwrap_or("")
        ),
        "file_size" => match file.and_then(|f| f.size) {
            Some(n) => write!(out, "{n}"),
            None => Ok(()),
        },
        "file_sha256" => write!(
            out,
            "{}",
            file.and_then(|f| f.sha256.as_deref()).unwrap_or("")
        ),
        "message" => write!(out, "{}", a.message.as_deref().unwrap_or("")),
        "url" => write!(out, "{}", a.url.as_deref().unwrap_or("")),
        "time" => write!(out, "{}", rfc3339_ms(a.created_at)),
        _ => Ok(()),
    };
}

/// The masked findings: `- detector: masked (confidence)` lines, or one
/// comma-separated line; at most [`MAX_FINDINGS`], then how many more.
fn findings(out: &mut String, a: &Alert, multiline: bool) {
    let shown = a.findings.iter().take(MAX_FINDINGS);
    for (i, f) in shown.enumerate() {
        if multiline {
            if i > 0 {
                out.push('\n');
            }
            let _ = write!(out, "- {}: {} ({})", f.detector, f.masked, f.confidence);
        } else {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{} {}", f.detector, f.masked);
        }
    }
    let more = a.findings.len().saturating_sub(MAX_FINDINGS);
    if more > 0 {
        let _ = write!(
            out,
            "{}… and {more} more",
            if multiline { "\n" } else { ", " }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(
            Template::parse("a {{user").unwrap_err(),
            "has `{{` without `}}` at byte 2"
        );
        let e = Template::parse("{{ nope }}").unwrap_err();
        assert!(
            e.starts_with("has an unknown placeholder `{{nope}}`"),
            "{e}"
        );
        assert!(Template::parse("{{ user }} {{url}}").is_ok());
        assert!(Template::parse("no placeholders } {").is_ok());
    }
}
