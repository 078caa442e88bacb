//! ArcSight Common Event Format (CEF) for an alert, with standard keys
//! only, so Elastic's CEF integration, QRadar and ArcSight read it
//! without a custom parser.
//!
//! `CEF:0|Cordon|Cordon DLP|<version>|<rule_id>|<rule_name>|<severity>|<extension>`
//!
//! | Alert | CEF key |
//! |---|---|
//! | `created_at` | `rt` (Unix ms) |
//! | `incident_id` | `externalId` (left out when 0: an agent's event, not yet numbered by the server) |
//! | `decision`, `enforced` | `act` (`blocked`: an enforced deny; `allowed`; `exception`) and `outcome` (the decision: `deny`, `allow`, `exception`) |
//! | `mode` | `cs1Label=mode cs1=…` |
//! | `policy_id`, `policy_version` | `cs2Label=policy cs2=id@version` |
//! | `categories` | `cs3Label=categories cs3=PCI,PII` |
//! | `url` | `cs4Label=url cs4=…` |
//! | `findings` | `cs5Label=findings cs5=detector masked, …` (masked, at most 20) |
//! | `match_count` | `cnt` |
//! | `username` | `suser` |
//! | `recipients` | `duser` (comma-separated) |
//! | `remote_ip` | `src` (only if it is an IP address) |
//! | `computer` | `shost` and `deviceExternalId` |
//! | `channel` | `app` |
//! | `file` | `fname`, `filePath`, `fsize`, `fileHash` (SHA-256) |
//! | `message` | `msg` |
//!
//! Escaping: in the header `\` → `\\` and `|` → `\|` (CR and LF, which the
//! header cannot carry, become spaces); in extension values `\` → `\\`,
//! `=` → `\=`, LF → `\n`, CR → `\r`. Keys are fixed ASCII.

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::Alert;
use crate::template::MAX_FINDINGS;

/// The device version in the header: this crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The CEF line for `alert` (no trailing newline).
pub fn format(alert: &Alert) -> String {
    let mut out = String::with_capacity(512);
    out.push_str("CEF:0|Cordon|Cordon DLP|");
    header(&mut out, VERSION);
    out.push('|');
    header(&mut out, &alert.rule_id);
    out.push('|');
    header(&mut out, &alert.rule_name);
    let _ = write!(out, "|{}|", alert.severity.min(10));
    extension(&mut out, alert);
    out
}

/// Appends a header field, escaped.
pub fn header(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
}

/// Appends an extension value, escaped.
pub fn value(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '=' => out.push_str("\\="),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// The extension being written: `key=value` pairs, space-separated.
struct Ext<'a> {
    out: &'a mut String,
    first: bool,
}

impl Ext<'_> {
    fn pair(&mut self, key: &str, v: &str) {
        // Not "does the line end with `|`": a value may end with one.
        if !self.first {
            self.out.push(' ');
        }
        self.first = false;
        self.out.push_str(key);
        self.out.push('=');
        value(self.out, v);
    }
}

fn extension(out: &mut String, a: &Alert) {
    let mut ext = Ext { out, first: true };
    let mut pair = |key: &str, v: &str| ext.pair(key, v);
    pair("rt", &a.created_at.to_string());
    // An agent's event has no incident number yet (the server gives it).
    if a.incident_id > 0 {
        pair("externalId", &a.incident_id.to_string());
    }
    let act = match a.decision.as_str() {
        "deny" if a.enforced => "blocked",
        "exception" => "exception",
        _ => "allowed",
    };
    pair("act", act);
    pair("outcome", &a.decision);
    pair("cs1Label", "mode");
    pair("cs1", &a.mode);
    pair("cs2Label", "policy");
    pair("cs2", &format!("{}@{}", a.policy_id, a.policy_version));
    if !a.categories.is_empty() {
        pair("cs3Label", "categories");
        pair("cs3", &a.categories.join(","));
    }
    if let Some(url) = &a.url {
        pair("cs4Label", "url");
        pair("cs4", url);
    }
    if !a.findings.is_empty() {
        let mut list = String::new();
        for (i, f) in a.findings.iter().take(MAX_FINDINGS).enumerate() {
            if i > 0 {
                list.push_str(", ");
            }
            let _ = write!(list, "{} {}", f.detector, f.masked);
        }
        pair("cs5Label", "findings");
        pair("cs5", &list);
    }
    pair("cnt", &a.match_count.to_string());
    if !a.username.is_empty() {
        pair("suser", &a.username);
    }
    if !a.recipients.is_empty() {
        pair("duser", &a.recipients.join(","));
    }
    if let Some(ip) = a
        .remote_ip
        .as_deref()
        .and_then(|s| s.parse::<IpAddr>().ok())
    {
        pair("src", &ip.to_string());
    }
    if !a.computer.is_empty() {
        pair("shost", &a.computer);
        pair("deviceExternalId", &a.computer);
    }
    pair("app", &a.channel);
    if let Some(f) = &a.file {
        pair("fname", &f.name);
        if let Some(p) = &f.path {
            pair("filePath", p);
        }
        if let Some(n) = f.size {
            pair("fsize", &n.to_string());
        }
        if let Some(h) = &f.sha256 {
            pair("fileHash", h);
        }
    }
    if let Some(m) = &a.message {
        pair("msg", m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        let mut h = String::new();
        header(&mut h, "a|b\\c=d\ne");
        assert_eq!(h, "a\\|b\\\\c=d e");
        let mut v = String::new();
        value(&mut v, "a|b\\c=d\ne\rf");
        assert_eq!(v, "a|b\\\\c\\=d\\ne\\rf");
    }
}
