//! Reading and validating a device-control document.
//!
//! Every problem is reported with a JSON pointer to the offending value and
//! what was expected, all of them at once (not just the first). A document
//! with any error is rejected whole: keeping the policies that validate
//! while dropping one that does not could grant access that the dropped
//! policy would have overridden.

use std::net::Ipv4Addr;

use chrono::{DateTime, NaiveTime, Utc, Weekday};
use cordon_filetype::{CUSTOM_FIRST, CUSTOM_LAST, parse_custom_types, pointer_token};
use serde_json::{Map, Value};

use crate::doc::*;
use crate::lenient::{self, SyntaxError};
use crate::tables::{self, OptionValueKind};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The document is accepted; worth a look.
    Warning,
    /// The document is rejected.
    Error,
}

/// One finding about a document: where (JSON pointer) and what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// RFC 6901 pointer into the document, `""` for the whole document.
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.pointer.is_empty() {
            write!(f, "{sev}: {}", self.message)
        } else {
            write!(f, "{sev}: {}: {}", self.pointer, self.message)
        }
    }
}

/// Why a document was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Not even lenient JSON.
    #[error("device-control policy is not valid JSON: {0}")]
    Syntax(#[from] SyntaxError),
    /// Valid JSON that does not follow the format; all diagnostics,
    /// warnings included.
    #[error("device-control policy does not validate: {}", first_error(.0))]
    Invalid(Vec<Diagnostic>),
}

fn first_error(d: &[Diagnostic]) -> String {
    let errors: Vec<_> = d.iter().filter(|d| d.severity == Severity::Error).collect();
    match errors.as_slice() {
        [] => "no error".to_string(),
        [one] => format!("{}: {}", one.pointer, one.message),
        [one, rest @ ..] => format!("{}: {} (and {} more)", one.pointer, one.message, rest.len()),
    }
}

/// A document that validated, with its warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub document: Document,
    pub warnings: Vec<Diagnostic>,
}

/// Reads a document from text (lenient JSON: comments, trailing commas).
pub fn read_str(text: &str) -> Result<Loaded, ReadError> {
    let value = lenient::parse(text)?;
    read_value(&value)
}

/// Reads a document from a JSON value.
pub fn read_value(value: &Value) -> Result<Loaded, ReadError> {
    let mut r = Reader::default();
    let document = r.document(value);
    if r.diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(ReadError::Invalid(r.diags));
    }
    Ok(Loaded {
        document,
        warnings: r.diags,
    })
}

/// Whether a JSON value looks like a device-control document (for tools
/// that accept policies by content, whatever the file name): an object
/// whose keys are among `configuration`, `options`, `policies` and that has
/// at least one of them.
pub fn looks_like_device_control(value: &Value) -> bool {
    match value {
        Value::Object(m) => {
            !m.is_empty()
                && m.keys().all(|k| {
                    ["configuration", "options", "policies"]
                        .iter()
                        .any(|a| a.eq_ignore_ascii_case(k))
                })
        }
        _ => false,
    }
}

fn child(p: &str, token: &str) -> String {
    format!("{p}/{}", pointer_token(token))
}

fn idx(p: &str, i: usize) -> String {
    format!("{p}/{i}")
}

#[derive(Default)]
struct Reader {
    diags: Vec<Diagnostic>,
    computer_group_ids: Vec<String>,
    device_group_ids: Vec<String>,
    custom_type_ids: Vec<u32>,
}

/// An object's attribute looked up without regard to case, with aliases.
fn get<'v>(m: &'v Map<String, Value>, names: &[&str]) -> Option<(&'v str, &'v Value)> {
    m.iter()
        .find(|(k, _)| names.iter().any(|n| n.eq_ignore_ascii_case(k)))
        .map(|(k, v)| (k.as_str(), v))
}

fn is_hex(s: &str, len: Option<usize>) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()) && len.is_none_or(|l| s.len() == l)
}

fn is_guid(s: &str) -> bool {
    let inner = s
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(s);
    let parts: Vec<&str> = inner.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, l)| is_hex(p, Some(l)))
}

fn is_sid(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("S-1-").or_else(|| s.strip_prefix("s-1-")) else {
        return false;
    };
    !rest.is_empty()
        && rest
            .split('-')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `BYDAY` weekday codes.
pub(crate) const WEEKDAYS: [(&str, Weekday); 7] = [
    ("MO", Weekday::Mon),
    ("TU", Weekday::Tue),
    ("WE", Weekday::Wed),
    ("TH", Weekday::Thu),
    ("FR", Weekday::Fri),
    ("SA", Weekday::Sat),
    ("SU", Weekday::Sun),
];

impl Reader {
    fn error(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            severity: Severity::Error,
            pointer: pointer.into(),
            message: message.into(),
        });
    }

    fn warn(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            severity: Severity::Warning,
            pointer: pointer.into(),
            message: message.into(),
        });
    }

    /// An object, with unknown attributes reported as errors (a misspelt
    /// filter would otherwise silently widen a policy).
    fn obj<'v>(
        &mut self,
        v: &'v Value,
        p: &str,
        allowed: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Value::Object(m) = v else {
            self.error(p, format!("expected an object with {}", allowed.join(", ")));
            return None;
        };
        for k in m.keys() {
            // `shal` is the seed's own misspelling of `sha1`.
            let alias = k.eq_ignore_ascii_case("shal") && allowed.contains(&"sha1");
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(k)) && !alias {
                self.error(
                    child(p, k),
                    format!(
                        "unknown attribute `{k}`; expected one of {}",
                        allowed.join(", ")
                    ),
                );
            }
        }
        Some(m)
    }

    /// A string, or a number written as a JSON number.
    fn text(&mut self, v: &Value, p: &str, what: &str) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => {
                self.error(p, format!("expected {what}"));
                None
            }
        }
    }

    fn opt_text(
        &mut self,
        m: &Map<String, Value>,
        p: &str,
        names: &[&str],
        what: &str,
    ) -> Option<String> {
        let (k, v) = get(m, names)?;
        self.text(v, &child(p, k), what)
    }

    fn array<'v>(&mut self, v: &'v Value, p: &str, what: &str) -> &'v [Value] {
        match v {
            Value::Array(items) => items,
            _ => {
                self.error(p, format!("expected an array of {what}"));
                &[]
            }
        }
    }

    fn text_list(
        &mut self,
        m: &Map<String, Value>,
        p: &str,
        name: &str,
        what: &str,
    ) -> Vec<(String, String)> {
        let Some((k, v)) = get(m, &[name]) else {
            return Vec::new();
        };
        let p = child(p, k);
        let mut out = Vec::new();
        for (i, item) in self.array(v, &p, what).iter().enumerate() {
            let ip = idx(&p, i);
            if let Some(s) = self.text(item, &ip, what) {
                if s.trim().is_empty() {
                    self.error(&ip, format!("expected {what}, found an empty string"));
                } else {
                    out.push((ip, s));
                }
            }
        }
        out
    }

    fn id(&mut self, m: &Map<String, Value>, p: &str, what: &str, required: bool) -> String {
        match get(m, &["id"]) {
            Some((k, v)) => {
                let ptr = child(p, k);
                match self.text(v, &ptr, "a numerical identifier") {
                    Some(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s,
                    Some(s) => {
                        self.error(
                            ptr,
                            format!("expected a numerical identifier for the {what}, found `{s}`"),
                        );
                        s
                    }
                    None => String::new(),
                }
            }
            None => {
                if required {
                    self.error(
                        p,
                        format!("missing `id`: a numerical identifier for the {what}"),
                    );
                }
                String::new()
            }
        }
    }

    fn name(&mut self, m: &Map<String, Value>, p: &str) -> String {
        self.opt_text(m, p, &["name"], "a name").unwrap_or_default()
    }

    fn document(&mut self, v: &Value) -> Document {
        let mut doc = Document::default();
        let Some(m) = self.obj(v, "", &["configuration", "options", "policies"]) else {
            return doc;
        };
        if let Some((k, c)) = get(m, &["configuration"]) {
            doc.configuration = self.configuration(c, &child("", k));
        }
        if let Some((k, o)) = get(m, &["options"]) {
            let p = child("", k);
            let mut seen: Vec<String> = Vec::new();
            for (i, item) in self.array(o, &p, "option groups").iter().enumerate() {
                if let Some(g) = self.option_group(item, &idx(&p, i)) {
                    if !g.id.is_empty() && seen.contains(&g.id) {
                        self.error(
                            child(&idx(&p, i), "id"),
                            format!("option group id `{}` is used twice", g.id),
                        );
                    }
                    seen.push(g.id.clone());
                    doc.options.push(g);
                }
            }
        }
        if let Some((k, ps)) = get(m, &["policies"]) {
            let p = child("", k);
            let mut seen: Vec<String> = Vec::new();
            for (i, item) in self.array(ps, &p, "policies").iter().enumerate() {
                if let Some(pol) = self.policy(item, &idx(&p, i)) {
                    if !pol.id.is_empty() && seen.contains(&pol.id) {
                        self.error(
                            child(&idx(&p, i), "id"),
                            format!("policy id `{}` is used twice", pol.id),
                        );
                    }
                    seen.push(pol.id.clone());
                    doc.policies.push(pol);
                }
            }
        }
        self.cross_checks(&doc);
        doc
    }

    fn cross_checks(&mut self, doc: &Document) {
        if !doc.configuration.trusted.is_empty() {
            let sha256_mode = doc.options.iter().any(|g| {
                g.where_.is_none()
                    && g.what
                        .iter()
                        .any(|s| s.option == tables::OPTION_HASH_MODE && s.value.trim() == "2")
            });
            if !sha256_mode {
                self.warn(
                    "/configuration/files/trusted",
                    "trusted applications are identified by SHA-256, but no global option 86 (HashMode) sets `2` (SHA-256)",
                );
            }
        }
    }

    fn configuration(&mut self, v: &Value, p: &str) -> Configuration {
        let mut c = Configuration::default();
        let Some(m) = self.obj(
            v,
            p,
            &[
                "source",
                "version",
                "content",
                "timestamp",
                "preset",
                "devices",
                "files",
                "computers",
            ],
        ) else {
            return c;
        };
        c.source = self.opt_text(m, p, &["source"], "a GUID");
        if let Some(s) = &c.source
            && !is_guid(s)
        {
            self.warn(
                child(p, "source"),
                format!("`{s}` is not a GUID such as `{{0033775C-B50A-436C-B8B7-62211D3A2A9D}}`"),
            );
        }
        c.version = self.opt_text(m, p, &["version"], "the format version `1`");
        if let Some(ver) = &c.version
            && ver.trim() != "1"
        {
            self.error(
                child(p, "version"),
                format!("expected format version `1`, found `{ver}`"),
            );
        }
        c.content = self.opt_text(m, p, &["content"], "a content version");
        if let Some(ts) = self.opt_text(m, p, &["timestamp"], "an ISO 8601 timestamp") {
            match DateTime::parse_from_rfc3339(ts.trim()) {
                Ok(t) => c.timestamp = Some(t.with_timezone(&Utc)),
                Err(_) => self.error(
                    child(p, "timestamp"),
                    format!("expected an ISO 8601 timestamp such as `2015-07-07T14:26:59.999Z`, found `{ts}`"),
                ),
            }
        }
        if let Some(preset) = self.opt_text(m, p, &["preset"], "a preset name") {
            match preset.trim().to_ascii_lowercase().as_str() {
                "audit" => c.preset = Some(Preset::Audit),
                "" | "none" => {}
                _ => self.error(
                    child(p, "preset"),
                    format!("unknown preset `{preset}`; expected `audit`"),
                ),
            }
        }
        if let Some((k, d)) = get(m, &["devices"]) {
            let dp = child(p, k);
            if let Some(dm) = self.obj(d, &dp, &["identities", "groups", "names"]) {
                if let Some((ik, iv)) = get(dm, &["identities"]) {
                    let ip = child(&dp, ik);
                    match iv {
                        Value::Object(im) => {
                            if let Some((dk, dv)) = get(im, &["default"])
                                && !dv.is_boolean()
                            {
                                self.error(child(&ip, dk), "expected `true` or `false`");
                            }
                            if im.keys().any(|k| !k.eq_ignore_ascii_case("default")) {
                                self.warn(
                                    &ip,
                                    "custom device identities change how devices are classified; the seed advises `{\"default\": true}` unless agreed with support",
                                );
                            }
                        }
                        _ => self.error(&ip, "expected an object such as `{\"default\": true}`"),
                    }
                    c.identities = Some(iv.clone());
                }
                if let Some((gk, gv)) = get(dm, &["groups"]) {
                    let gp = child(&dp, gk);
                    for (i, item) in self.array(gv, &gp, "device groups").iter().enumerate() {
                        let ip = idx(&gp, i);
                        if let Some(g) = self.device_group(item, &ip) {
                            if self.device_group_ids.contains(&g.id) {
                                self.error(
                                    child(&ip, "id"),
                                    format!("device group id `{}` is used twice", g.id),
                                );
                            }
                            self.device_group_ids.push(g.id.clone());
                            c.device_groups.push(g);
                        }
                    }
                }
                if let Some((nk, nv)) = get(dm, &["names"]) {
                    let np = child(&dp, nk);
                    for (i, item) in self.array(nv, &np, "device names").iter().enumerate() {
                        if let Some(n) = self.device_name(item, &idx(&np, i)) {
                            c.device_names.push(n);
                        }
                    }
                }
            }
        }
        if let Some((k, f)) = get(m, &["files"]) {
            let fp = child(p, k);
            if let Some(fm) = self.obj(f, &fp, &["customtypes", "trusted"]) {
                if let Some((ck, cv)) = get(fm, &["customtypes"]) {
                    let cp = child(&fp, ck);
                    match parse_custom_types(cv) {
                        Ok(types) => {
                            self.custom_type_ids = types.iter().map(|t| t.id).collect();
                            c.custom_types = types;
                        }
                        Err(e) => self.error(format!("{cp}{}", e.pointer), e.message),
                    }
                }
                if let Some((tk, tv)) = get(fm, &["trusted"]) {
                    let tp = child(&fp, tk);
                    for (i, item) in self
                        .array(tv, &tp, "trusted applications")
                        .iter()
                        .enumerate()
                    {
                        if let Some(t) = self.trusted(item, &idx(&tp, i)) {
                            c.trusted.push(t);
                        }
                    }
                }
            }
        }
        if let Some((k, cv)) = get(m, &["computers"]) {
            let cp = child(p, k);
            if let Some(cm) = self.obj(cv, &cp, &["groups"])
                && let Some((gk, gv)) = get(cm, &["groups"])
            {
                let gp = child(&cp, gk);
                for (i, item) in self.array(gv, &gp, "computer groups").iter().enumerate() {
                    let ip = idx(&gp, i);
                    let Some(gm) = self.obj(item, &ip, &["id", "name", "members"]) else {
                        continue;
                    };
                    let id = self.id(gm, &ip, "computer group", true);
                    if !id.is_empty() && self.computer_group_ids.contains(&id) {
                        self.error(
                            child(&ip, "id"),
                            format!("computer group id `{id}` is used twice"),
                        );
                    }
                    let name = self.name(gm, &ip);
                    let members = match get(gm, &["members"]) {
                        Some((mk, mv)) => self.targets(mv, &child(&ip, mk), false),
                        None => {
                            self.error(&ip, "missing `members`: computers by fqn, netbios, ipv4, ipv4range or ou");
                            Targets::default()
                        }
                    };
                    self.computer_group_ids.push(id.clone());
                    c.computer_groups.push(ComputerGroup { id, name, members });
                }
            }
        }
        c
    }

    fn device_group(&mut self, v: &Value, p: &str) -> Option<DeviceGroup> {
        let m = self.obj(v, p, &["id", "name", "class", "types"])?;
        let id = self.id(m, p, "device group", true);
        let name = self.name(m, p);
        let class = self.class(m, p);
        let mut types = Vec::new();
        if let Some((k, tv)) = get(m, &["types"]) {
            let tp = child(p, k);
            for (i, item) in self.array(tv, &tp, "device types").iter().enumerate() {
                if let Some(t) = self.device_type(item, &idx(&tp, i), class.is_some()) {
                    types.push(t);
                }
            }
        }
        Some(DeviceGroup {
            id,
            name,
            class,
            types,
        })
    }

    fn device_name(&mut self, v: &Value, p: &str) -> Option<DeviceName> {
        let m = self.obj(v, p, &["name", "class", "models"])?;
        let name = self.name(m, p);
        if name.is_empty() {
            self.error(p, "missing `name`: the device's friendly name");
        }
        let class = self.class(m, p);
        let models = self
            .text_list(m, p, "models", "a hardware id")
            .into_iter()
            .map(|(_, s)| s)
            .collect::<Vec<_>>();
        if models.is_empty() {
            self.error(p, "missing `models`: hardware ids, `*` as wildcard");
        }
        Some(DeviceName {
            name,
            class,
            models,
        })
    }

    fn class(&mut self, m: &Map<String, Value>, p: &str) -> Option<u32> {
        let (k, v) = get(m, &["class"])?;
        let cp = child(p, k);
        let text = self.text(v, &cp, "a device class")?;
        match tables::device_class(&text) {
            Some(c) => Some(c.id),
            None => {
                self.error(
                    cp,
                    format!("unknown device class `{text}`; expected a number or name from the device class table (docs/device-control.md)"),
                );
                None
            }
        }
    }

    fn hash(
        &mut self,
        m: &Map<String, Value>,
        p: &str,
        names: &[&str],
        hex_len: usize,
        what: &str,
    ) -> Option<String> {
        let (k, v) = get(m, names)?;
        let hp = child(p, k);
        let s = self.text(v, &hp, what)?;
        let t = s.trim();
        if is_hex(t, Some(hex_len)) {
            Some(t.to_ascii_uppercase())
        } else {
            self.error(
                hp,
                format!("expected {what} ({hex_len} hexadecimal digits), found `{s}`"),
            );
            None
        }
    }

    fn device_type(&mut self, v: &Value, p: &str, class_from_group: bool) -> Option<DeviceType> {
        let m = self.obj(
            v,
            p,
            &["class", "name", "model", "instance", "sha1", "sha256"],
        )?;
        let t = DeviceType {
            class: self.class(m, p),
            name: self.opt_text(m, p, &["name"], "a name"),
            model: self.opt_text(m, p, &["model"], "a hardware id"),
            instance: self.opt_text(m, p, &["instance"], "an instance id"),
            sha1: self.hash(m, p, &["sha1", "shal"], 40, "a SHA-1"),
            sha256: self.hash(m, p, &["sha256"], 64, "a SHA-256"),
        };
        if t.class.is_none()
            && !class_from_group
            && t.model.is_none()
            && t.instance.is_none()
            && t.sha1.is_none()
            && t.sha256.is_none()
        {
            self.error(
                p,
                "a device type needs a `class`, `model`, `instance`, `sha1` or `sha256`",
            );
        }
        Some(t)
    }

    fn trusted(&mut self, v: &Value, p: &str) -> Option<TrustedApp> {
        let Value::Object(m) = v else {
            self.error(p, "expected an object with `sha256`");
            return None;
        };
        if let Some((k, _)) = get(m, &["sha1", "shal"]) {
            self.error(child(p, k), "SHA-1 is not supported for trusted applications; give `sha256` (and set option 86 to 2)");
            return None;
        }
        let Some(sha256) = self.hash(m, p, &["sha256"], 64, "a SHA-256") else {
            if get(m, &["sha256"]).is_none() {
                self.error(
                    p,
                    "missing `sha256`: the SHA-256 of the trusted application",
                );
            }
            return None;
        };
        let extra = m
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("sha256"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Some(TrustedApp { sha256, extra })
    }

    fn targets(&mut self, v: &Value, p: &str, allow_group: bool) -> Targets {
        let mut t = Targets::default();
        let allowed: &[&str] = if allow_group {
            &["fqn", "netbios", "ipv4", "ipv4range", "ou", "group"]
        } else {
            &["fqn", "netbios", "ipv4", "ipv4range", "ou"]
        };
        let Some(m) = self.obj(v, p, allowed) else {
            return t;
        };
        t.fqn = self
            .text_list(m, p, "fqn", "a fully qualified domain name")
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        for (ip, s) in self.text_list(m, p, "netbios", "a NetBIOS name") {
            if s.chars().count() > 15 {
                self.error(
                    ip,
                    format!("a NetBIOS name has at most 15 characters, `{s}` has more"),
                );
            } else {
                t.netbios.push(s);
            }
        }
        for (ip, s) in self.text_list(m, p, "ipv4", "an IPv4 address") {
            match s.trim().parse::<Ipv4Addr>() {
                Ok(a) => t.ipv4.push(a),
                Err(_) => self.error(
                    ip,
                    format!("expected an IPv4 address such as `192.168.1.42`, found `{s}`"),
                ),
            }
        }
        for (ip, s) in self.text_list(m, p, "ipv4range", "an IPv4 range") {
            let parsed = s.split_once('-').and_then(|(a, b)| {
                Some((
                    a.trim().parse::<Ipv4Addr>().ok()?,
                    b.trim().parse::<Ipv4Addr>().ok()?,
                ))
            });
            match parsed {
                Some((a, b)) if a <= b => t.ipv4range.push((a, b)),
                Some(_) => self.error(ip, format!("range `{s}` ends before it starts")),
                None => self.error(
                    ip,
                    format!(
                        "expected an IPv4 range such as `192.168.1.100-192.168.1.199`, found `{s}`"
                    ),
                ),
            }
        }
        for (ip, s) in self.text_list(m, p, "ou", "an organizational unit") {
            if s.contains('=') {
                t.ou.push(s);
            } else {
                self.error(ip, format!("expected a distinguished name such as `CN=Computers,DC=engdev,DC=org`, found `{s}`"));
            }
        }
        if allow_group {
            for (ip, s) in self.text_list(m, p, "group", "a computer group id") {
                if !self.computer_group_ids.contains(&s) {
                    self.error(
                        ip,
                        format!(
                            "no computer group has id `{s}` in /configuration/computers/groups"
                        ),
                    );
                }
                t.group.push(s);
            }
        }
        t
    }

    fn option_group(&mut self, v: &Value, p: &str) -> Option<OptionGroup> {
        let m = self.obj(v, p, &["id", "name", "where", "what"])?;
        let id = self.id(m, p, "option group", true);
        let name = self.name(m, p);
        let where_ = get(m, &["where"]).map(|(k, w)| self.targets(w, &child(p, k), true));
        let mut what = Vec::new();
        match get(m, &["what"]) {
            Some((k, wv)) => {
                let wp = child(p, k);
                for (i, item) in self.array(wv, &wp, "options").iter().enumerate() {
                    if let Some(s) = self.option_setting(item, &idx(&wp, i)) {
                        what.push(s);
                    }
                }
            }
            None => self.error(p, "missing `what`: a list of `{option, value}`"),
        }
        Some(OptionGroup {
            id,
            name,
            where_,
            what,
        })
    }

    fn option_setting(&mut self, v: &Value, p: &str) -> Option<OptionSetting> {
        let m = self.obj(v, p, &["option", "value"])?;
        let Some((ok, ov)) = get(m, &["option"]) else {
            self.error(p, "missing `option`: an option number or name");
            return None;
        };
        let op = child(p, ok);
        let otext = self.text(ov, &op, "an option number or name")?;
        let option = match (tables::machine_option(&otext), otext.trim().parse::<u32>()) {
            (Some(o), _) => o.id,
            (None, Ok(n)) => n,
            (None, Err(_)) => {
                self.error(op, format!("unknown option `{otext}`; expected a number or a name from the option table (docs/device-control.md)"));
                return None;
            }
        };
        let Some((vk, vv)) = get(m, &["value"]) else {
            self.error(p, "missing `value`");
            return None;
        };
        let vp = child(p, vk);
        let value = match vv {
            Value::Bool(b) => {
                if *b {
                    "1".to_string()
                } else {
                    "0".to_string()
                }
            }
            other => self.text(other, &vp, "an option value")?,
        };
        if let Some(named) = tables::machine_option_by_id(option) {
            let t = value.trim();
            let ok = match named.value {
                OptionValueKind::Flag => t == "0" || t == "1",
                OptionValueKind::Host => !t.is_empty() && !t.contains(char::is_whitespace),
                OptionValueKind::SyslogServer => {
                    if let Err(e) = crate::syslog::parse_syslog_server(t) {
                        self.error(
                            vp.clone(),
                            format!("option {} ({}): `{value}` {e}", named.id, named.name),
                        );
                    }
                    true
                }
                OptionValueKind::Count => !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()),
                OptionValueKind::HashMode => t == "1" || t == "2",
                OptionValueKind::Hex => is_hex(t, None) && t.len() % 2 == 0,
            };
            if !ok {
                let expected = match named.value {
                    OptionValueKind::Flag => "`0` (off) or `1` (on)",
                    OptionValueKind::Host => "a host name or address",
                    OptionValueKind::SyslogServer => "a syslog server",
                    OptionValueKind::Count => "a non-negative integer",
                    OptionValueKind::HashMode => "`1` (SHA-1) or `2` (SHA-256)",
                    OptionValueKind::Hex => "hexadecimal key material (an even number of digits)",
                };
                self.error(
                    vp,
                    format!(
                        "option {} ({}) expects {expected}, found `{value}`",
                        named.id, named.name
                    ),
                );
            }
        }
        Some(OptionSetting { option, value })
    }

    fn policy(&mut self, v: &Value, p: &str) -> Option<Policy> {
        let m = self.obj(
            v,
            p,
            &[
                "id", "name", "who", "where", "devices", "how", "what", "when",
            ],
        )?;
        let id = self.id(m, p, "policy", true);
        let name = self.name(m, p);
        let who = match get(m, &["who"]) {
            Some((k, w)) => self.who(w, &child(p, k)),
            None => Who::default(),
        };
        let where_ = match get(m, &["where"]) {
            Some((k, w)) => self.targets(w, &child(p, k), true),
            None => Targets::default(),
        };
        let devices = match get(m, &["devices"]) {
            Some((k, d)) => self.devices(d, &child(p, k)),
            None => Devices::default(),
        };
        if devices.is_empty() {
            self.warn(
                p,
                "the policy targets no device (give `devices.types` with class `Default Settings` to target all); it never applies",
            );
        }
        let how = match get(m, &["how"]) {
            Some((k, h)) => self.how(h, &child(p, k)),
            None => {
                self.error(p, "missing `how` with the mandatory `priority`");
                None
            }
        };
        let what = match get(m, &["what"]) {
            Some((k, w)) => self.what(w, &child(p, k)),
            None => {
                self.error(p, "missing `what` with the mandatory `access.granted`");
                What::default()
            }
        };
        let when = match get(m, &["when"]) {
            Some((k, w)) => self.when(w, &child(p, k)),
            None => When::default(),
        };
        Some(Policy {
            id,
            name,
            who,
            where_,
            devices,
            how: how.unwrap_or(How {
                priority: Priority {
                    value: 0,
                    label: None,
                },
                match_: Match::And,
            }),
            what,
            when,
        })
    }

    fn who(&mut self, v: &Value, p: &str) -> Who {
        let mut w = Who::default();
        let Some(m) = self.obj(v, p, &["sids", "accounts"]) else {
            return w;
        };
        for (ip, s) in self.text_list(m, p, "sids", "a SID") {
            if is_sid(s.trim()) {
                w.sids.push(s.trim().to_ascii_uppercase());
            } else {
                self.error(
                    ip,
                    format!("expected a SID such as `S-1-5-32-544`, found `{s}`"),
                );
            }
        }
        w.accounts = self
            .text_list(m, p, "accounts", "an account name")
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        w
    }

    fn devices(&mut self, v: &Value, p: &str) -> Devices {
        let mut d = Devices::default();
        let Some(m) = self.obj(v, p, &["types", "groups", "media"]) else {
            return d;
        };
        if let Some((k, tv)) = get(m, &["types"]) {
            let tp = child(p, k);
            for (i, item) in self.array(tv, &tp, "device types").iter().enumerate() {
                if let Some(t) = self.device_type(item, &idx(&tp, i), false) {
                    d.types.push(t);
                }
            }
        }
        for (ip, s) in self.text_list(m, p, "groups", "a device group id") {
            if !self.device_group_ids.contains(&s) {
                self.error(
                    ip,
                    format!("no device group has id `{s}` in /configuration/devices/groups"),
                );
            }
            d.groups.push(s);
        }
        if let Some((k, mv)) = get(m, &["media"]) {
            let mp = child(p, k);
            for (i, item) in self.array(mv, &mp, "media").iter().enumerate() {
                if let Some(media) = self.media(item, &idx(&mp, i)) {
                    d.media.push(media);
                }
            }
        }
        d
    }

    fn media(&mut self, v: &Value, p: &str) -> Option<Media> {
        let m = self.obj(v, p, &["class", "name", "sha1", "type", "uniqueid", "keys"])?;
        let mut media = Media {
            class: self.class(m, p),
            name: self.opt_text(m, p, &["name"], "a name"),
            sha1: self.hash(
                m,
                p,
                &["sha1", "shal"],
                40,
                "a SHA-1 of the disc's table of contents",
            ),
            kind: self.opt_text(m, p, &["type"], "a media type"),
            uniqueid: self.opt_text(m, p, &["uniqueid"], "a volume id"),
            keys: Vec::new(),
        };
        if let Some(u) = &media.uniqueid
            && !is_guid(u.trim())
        {
            self.error(child(p, "uniqueid"), format!("expected a volume GUID such as `{{01234567-0123-0123-0123-012345678901}}`, found `{u}`"));
        }
        if media.sha1.is_none()
            && media.uniqueid.is_none()
            && get(m, &["sha1", "shal", "uniqueid"]).is_none()
        {
            self.error(
                p,
                "a medium needs `sha1` (optical disc TOC hash) or `uniqueid` (encrypted volume)",
            );
        }
        if let Some((k, kv)) = get(m, &["keys"]) {
            let kp = child(p, k);
            for (i, item) in self.array(kv, &kp, "keys").iter().enumerate() {
                let ip = idx(&kp, i);
                let Some(km) = self.obj(item, &ip, &["thumbprint", "type", "cipher"]) else {
                    continue;
                };
                let thumbprint =
                    self.hash(km, &ip, &["thumbprint"], 40, "a certificate thumbprint");
                if thumbprint.is_none() && get(km, &["thumbprint"]).is_none() {
                    self.error(&ip, "missing `thumbprint`");
                }
                let kind = self.opt_text(km, &ip, &["type"], "a key type");
                let cipher = self.opt_text(km, &ip, &["cipher"], "the encrypted key");
                if let Some(c) = &cipher
                    && !is_hex(c.trim(), None)
                {
                    self.error(
                        child(&ip, "cipher"),
                        "expected the encrypted key in hexadecimal",
                    );
                }
                media.keys.push(MediaKey {
                    thumbprint: thumbprint.unwrap_or_default(),
                    kind,
                    cipher,
                });
            }
        }
        Some(media)
    }

    fn how(&mut self, v: &Value, p: &str) -> Option<How> {
        let m = self.obj(v, p, &["priority", "match"])?;
        let priority = match get(m, &["priority"]) {
            Some((k, pv)) => {
                let pp = child(p, k);
                let text = self.text(pv, &pp, "a priority")?;
                if let Some((label, value)) = tables::priority_name(&text) {
                    Some(Priority {
                        value,
                        label: Some(label),
                    })
                } else {
                    match text.trim().parse::<i32>() {
                        Ok(value) => Some(Priority { value, label: None }),
                        Err(_) => {
                            self.error(pp, format!("expected a signed 32-bit integer (or Low, Medium, High), found `{text}`"));
                            None
                        }
                    }
                }
            }
            None => {
                self.error(
                    p,
                    "missing `priority`: a signed 32-bit integer, higher wins",
                );
                None
            }
        };
        let match_ = match self.opt_text(m, p, &["match"], "`AND` or `OR`") {
            None => Match::And,
            Some(t) if t.trim().eq_ignore_ascii_case("and") => Match::And,
            Some(t) if t.trim().eq_ignore_ascii_case("or") => Match::Or,
            Some(t) => {
                self.error(
                    child(p, "match"),
                    format!("expected `AND` or `OR`, found `{t}`"),
                );
                Match::And
            }
        };
        Some(How {
            priority: priority?,
            match_,
        })
    }

    fn enum_list<T: Copy + PartialEq>(
        &mut self,
        m: &Map<String, Value>,
        p: &str,
        name: &str,
        parse: fn(&str) -> Option<T>,
        all: T,
        expected: &str,
    ) -> Vec<T> {
        let mut out = Vec::new();
        let mut has_all = false;
        for (ip, s) in self.text_list(m, p, name, expected) {
            match parse(&s) {
                Some(v) if v == all => has_all = true,
                Some(v) => {
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
                None => self.error(ip, format!("expected {expected}, found `{s}`")),
            }
        }
        if has_all { Vec::new() } else { out }
    }

    fn what(&mut self, v: &Value, p: &str) -> What {
        let mut w = What::default();
        let Some(m) = self.obj(v, p, &["access", "audit", "content", "messages"]) else {
            return w;
        };
        match get(m, &["access"]) {
            Some((k, av)) => {
                let ap = child(p, k);
                if let Some(am) = self.obj(av, &ap, &["bus", "disk", "encryption", "granted"]) {
                    w.access.bus = self.enum_list(
                        am,
                        &ap,
                        "bus",
                        Bus::parse,
                        Bus::All,
                        "All, IDE, BT, USB, SCSI, IRDA, FM or PCMCIA",
                    );
                    w.access.disk = self.enum_list(
                        am,
                        &ap,
                        "disk",
                        Disk::parse,
                        Disk::All,
                        "All, Fixed or Removable",
                    );
                    w.access.encryption = self.enum_list(
                        am,
                        &ap,
                        "encryption",
                        Encryption::parse,
                        Encryption::All,
                        "All, Encrypted or Unencrypted",
                    );
                    if get(am, &["granted"]).is_none() {
                        self.error(&ap, "missing `granted`: the rights this policy gives (None, Read, Write, Encrypt, Decrypt, Import, Export(File), Export(Medium))");
                    }
                    let mut granted = Vec::new();
                    let list = self.text_list(am, &ap, "granted", "a right");
                    for (ip, s) in &list {
                        match parse_right(s) {
                            Some(r) if !granted.contains(&r) => granted.push(r),
                            Some(_) => {}
                            None => self.error(
                                ip,
                                format!("expected None, Read, Write, Encrypt, Decrypt, Import, Export(File) or Export(Medium), found `{s}`"),
                            ),
                        }
                    }
                    if granted.contains(&Right::None)
                        && granted.len() > 1
                        && let Some((ip, _)) = list.first()
                    {
                        let gp = ip
                            .rsplit_once('/')
                            .map(|(a, _)| a.to_string())
                            .unwrap_or_default();
                        self.error(gp, "`None` cannot be combined with other rights");
                    }
                    if get(am, &["granted"]).is_some() && list.is_empty() {
                        self.error(
                            child(&ap, "granted"),
                            "expected at least one right; write `None` to deny",
                        );
                    }
                    w.access.granted = granted;
                }
            }
            None => self.error(p, "missing `access` with the mandatory `granted` rights"),
        }
        if let Some((k, av)) = get(m, &["audit"]) {
            let ap = child(p, k);
            if let Some(am) = self.obj(av, &ap, &["shadow"])
                && let Some((sk, sv)) = get(am, &["shadow"])
            {
                let sp = child(&ap, sk);
                if let Some(sm) = self.obj(sv, &sp, &["read", "write"]) {
                    w.shadow_read = self.shadow(sm, &sp, "read");
                    w.shadow_write = self.shadow(sm, &sp, "write");
                }
            }
        }
        if let Some((k, cv)) = get(m, &["content"]) {
            w.content = self.content(cv, &child(p, k));
        }
        if let Some((k, mv)) = get(m, &["messages"]) {
            let mp = child(p, k);
            if let Some(mm) = self.obj(mv, &mp, &["notify", "denied"]) {
                if let Some((nk, nv)) = get(mm, &["notify"]) {
                    w.messages.notify = match nv {
                        Value::Bool(b) => Some(*b),
                        Value::String(s)
                            if s.trim().eq_ignore_ascii_case("true") || s.trim() == "1" =>
                        {
                            Some(true)
                        }
                        Value::String(s)
                            if s.trim().eq_ignore_ascii_case("false") || s.trim() == "0" =>
                        {
                            Some(false)
                        }
                        _ => {
                            self.error(child(&mp, nk), "expected `true` or `false`");
                            None
                        }
                    };
                }
                w.messages.denied =
                    self.opt_text(mm, &mp, &["denied"], "the message shown on denial");
            }
        }
        w
    }

    fn shadow(&mut self, m: &Map<String, Value>, p: &str, name: &str) -> Option<Shadow> {
        let (k, v) = get(m, &[name])?;
        let sp = child(p, k);
        let t = self.text(v, &sp, "none, filename or content")?;
        match t.trim().to_ascii_lowercase().as_str() {
            "none" => Some(Shadow::None),
            "filename" => Some(Shadow::Filename),
            "content" => Some(Shadow::Content),
            _ => {
                self.error(
                    sp,
                    format!("expected none, filename or content, found `{t}`"),
                );
                None
            }
        }
    }

    fn content(&mut self, v: &Value, p: &str) -> Option<Content> {
        let m = self.obj(v, p, &["quota", "filters", "dlptypes"])?;
        let mut c = Content::default();
        if let Some(q) = self.opt_text(m, p, &["quota"], "a quota in MB") {
            match q.trim().parse::<u32>() {
                Ok(n) if n <= 134_217_727 => c.quota_mb = n,
                _ => self.error(
                    child(p, "quota"),
                    format!(
                        "expected a copy limit in MB from 0 (disabled) to 134217727, found `{q}`"
                    ),
                ),
            }
        }
        if let Some((k, fv)) = get(m, &["filters"]) {
            let fp = child(p, k);
            if let Some(fm) = self.obj(fv, &fp, &["settings", "filetypes"]) {
                c.filter_settings = self.opt_text(fm, &fp, &["settings"], "filter settings");
                for (ip, s) in self.text_list(fm, &fp, "filetypes", "a file type") {
                    if let Some(f) = self.type_filter(&ip, &s) {
                        c.filters.push(f);
                    }
                }
            }
        }
        if let Some((k, dv)) = get(m, &["dlptypes"]) {
            let dp = child(p, k);
            if let Some(dm) = self.obj(dv, &dp, &["settings", "filetypes"]) {
                c.dlp_settings = self.opt_text(dm, &dp, &["settings"], "DLP settings");
                for (ip, s) in self.text_list(dm, &dp, "filetypes", "a file type") {
                    if let Some(f) = self.type_filter(&ip, &s) {
                        if f.only.is_some() {
                            self.warn(
                                &ip,
                                "an R or W prefix has no meaning in dlptypes and is ignored",
                            );
                        }
                        c.dlptypes.push(f.id);
                    }
                }
            }
        }
        Some(c)
    }

    fn type_filter(&mut self, p: &str, text: &str) -> Option<TypeFilter> {
        let t = text.trim();
        let prefix = match t.chars().next() {
            Some('R' | 'r') => Some(DeviceOperation::Read),
            Some('W' | 'w') => Some(DeviceOperation::Write),
            _ => None,
        };
        let rest = t.get(1..).unwrap_or("");
        let (only, id) = if prefix.is_some() && is_prefixed_hex(t) {
            (prefix, cordon_filetype::parse_type_ref(rest))
        } else if let Some(id) = cordon_filetype::parse_type_ref(t) {
            (None, Some(id))
        } else if prefix.is_some() {
            (prefix, cordon_filetype::parse_type_ref(rest))
        } else {
            (None, None)
        };
        let Some(id) = id else {
            self.error(p, format!("unknown file type `{text}`; expected a hexadecimal id such as `000A0100`, optionally prefixed by R or W, or a name from the file type table"));
            return None;
        };
        let known = if (CUSTOM_FIRST..=CUSTOM_LAST).contains(&id) {
            id == CUSTOM_FIRST || self.custom_type_ids.contains(&id)
        } else {
            cordon_filetype::by_id(id).is_some()
                || (id & 0xFFFF == 0 && cordon_filetype::family(id).is_some())
        };
        if !known {
            self.error(p, format!("unknown file type `{text}` (id {id:08X}): not a built-in type or family, nor a custom type of /configuration/files/customtypes"));
            return None;
        }
        Some(TypeFilter { only, id })
    }

    fn when(&mut self, v: &Value, p: &str) -> When {
        let mut w = When::default();
        let Some(m) = self.obj(v, p, &["permanent", "schedule", "temporary"]) else {
            return w;
        };
        if let Some(t) = self.opt_text(m, p, &["permanent"], "Always, Online or Offline") {
            match Permanent::parse(&t) {
                Some(x) => w.permanent = Some(x),
                None => self.error(
                    child(p, "permanent"),
                    format!("expected Always, Online or Offline, found `{t}`"),
                ),
            }
        }
        if let Some((k, sv)) = get(m, &["schedule"]) {
            let sp = child(p, k);
            if let Some(sm) = self.obj(sv, &sp, &["start", "end", "rrule"]) {
                let start = self.time_of_day(sm, &sp, "start");
                let end = self.time_of_day(sm, &sp, "end");
                let days = match self.opt_text(
                    sm,
                    &sp,
                    &["rrule"],
                    "a recurrence rule such as `BYDAY=MO,TU`",
                ) {
                    Some(rule) => self.rrule(&rule, &child(&sp, "rrule")),
                    None => Vec::new(),
                };
                if let (Some(start), Some(end)) = (start, end) {
                    if start == end {
                        self.error(
                            &sp,
                            "start and end are the same time; the window would be empty",
                        );
                    }
                    w.schedule = Some(Schedule { start, end, days });
                }
            }
        }
        if let Some((k, tv)) = get(m, &["temporary"]) {
            let tp = child(p, k);
            if let Some(tm) = self.obj(tv, &tp, &["start", "end"]) {
                let start = self.instant(tm, &tp, "start");
                let end = self.instant(tm, &tp, "end");
                if let (Some(start), Some(end)) = (start, end) {
                    if end <= start {
                        self.error(child(&tp, "end"), "the end must come after the start");
                    } else {
                        w.temporary = Some(Temporary { start, end });
                    }
                }
            }
        }
        w
    }

    fn time_of_day(&mut self, m: &Map<String, Value>, p: &str, name: &str) -> Option<NaiveTime> {
        let Some((k, v)) = get(m, &[name]) else {
            self.error(
                p,
                format!("missing `{name}`: a time of day such as `08:00:00`"),
            );
            return None;
        };
        let tp = child(p, k);
        let t = self.text(v, &tp, "a time of day such as `08:00:00`")?;
        let parsed = NaiveTime::parse_from_str(t.trim(), "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(t.trim(), "%H:%M"));
        match parsed {
            Ok(x) => Some(x),
            Err(_) => {
                self.error(
                    tp,
                    format!("expected a time of day such as `08:00:00`, found `{t}`"),
                );
                None
            }
        }
    }

    fn instant(&mut self, m: &Map<String, Value>, p: &str, name: &str) -> Option<DateTime<Utc>> {
        let Some((k, v)) = get(m, &[name]) else {
            self.error(
                p,
                format!("missing `{name}`: a UTC date and time such as `2016-01-01T08:00:00Z`"),
            );
            return None;
        };
        let tp = child(p, k);
        let t = self.text(v, &tp, "a UTC date and time")?;
        match DateTime::parse_from_rfc3339(t.trim()) {
            Ok(x) => Some(x.with_timezone(&Utc)),
            Err(_) => {
                self.error(tp, format!("expected an ISO 8601 UTC date and time such as `2016-01-01T08:00:00Z`, found `{t}`"));
                None
            }
        }
    }

    fn rrule(&mut self, rule: &str, p: &str) -> Vec<Weekday> {
        let mut days = Vec::new();
        let mut saw_byday = false;
        for part in rule.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((key, value)) = part.split_once('=') else {
                self.error(
                    p,
                    format!("expected `NAME=VALUE` parts such as `BYDAY=MO,TU`, found `{part}`"),
                );
                continue;
            };
            match key.trim().to_ascii_uppercase().as_str() {
                "BYDAY" => {
                    saw_byday = true;
                    for d in value.split(',').map(str::trim) {
                        match WEEKDAYS.iter().find(|(code, _)| code.eq_ignore_ascii_case(d)) {
                            Some((_, wd)) => {
                                if !days.contains(wd) {
                                    days.push(*wd);
                                }
                            }
                            None => self.error(p, "BYDAY needs MO, TU, WE, TH, FR, SA or SU"),
                        }
                    }
                }
                "FREQ" if ["WEEKLY", "DAILY"].iter().any(|f| f.eq_ignore_ascii_case(value.trim())) => {}
                "FREQ" => self.error(p, format!("only FREQ=WEEKLY or FREQ=DAILY can go with BYDAY, found `{part}`")),
                _ => self.error(p, format!("unsupported recurrence part `{part}`; only BYDAY (and FREQ=WEEKLY) are understood")),
            }
        }
        if !saw_byday {
            self.error(p, "BYDAY needs MO, TU, WE, TH, FR, SA or SU");
        }
        days
    }
}

fn is_prefixed_hex(t: &str) -> bool {
    let rest = t.get(1..).unwrap_or("");
    rest.len() == 8 && rest.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A right as the seed writes it (case-insensitive).
pub fn parse_right(s: &str) -> Option<Right> {
    let n: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match n.as_str() {
        "none" => Right::None,
        "read" => Right::Read,
        "write" => Right::Write,
        "encrypt" => Right::Encrypt,
        "decrypt" => Right::Decrypt,
        "import" => Right::Import,
        "exportfile" => Right::ExportFile,
        "exportmedium" => Right::ExportMedium,
        _ => return None,
    })
}

/// A right as the seed writes it.
pub fn right_text(r: Right) -> &'static str {
    match r {
        Right::None => "None",
        Right::Read => "Read",
        Right::Write => "Write",
        Right::Encrypt => "Encrypt",
        Right::Decrypt => "Decrypt",
        Right::Import => "Import",
        Right::ExportFile => "Export(File)",
        Right::ExportMedium => "Export(Medium)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(v: Value) -> Vec<String> {
        match read_value(&v) {
            Ok(_) => Vec::new(),
            Err(ReadError::Invalid(d)) => d
                .into_iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| format!("{}: {}", d.pointer, d.message))
                .collect(),
            Err(e) => vec![e.to_string()],
        }
    }

    #[test]
    fn syslog_server_option_is_checked_where_it_is() {
        let doc = |value: &str| {
            json!({"options": [{"id": "1", "name": "o", "what": [
                {"option": "68", "value": "8"},
                {"option": "SyslogServer", "value": value},
            ]}]})
        };
        assert!(errors(doc("tls://siem.example.org")).is_empty());
        assert!(errors(doc("siem:1514")).is_empty());
        assert_eq!(
            errors(doc("http://siem")),
            [
                "/options/0/what/1/value: option 67 (SyslogServer): `http://siem` scheme `http` is not one of `udp`, `tcp`, `tls`"
            ]
        );
        assert_eq!(
            errors(doc("siem:99999")),
            [
                "/options/0/what/1/value: option 67 (SyslogServer): `siem:99999` port `99999` is not a number from 1 to 65535"
            ]
        );
        assert!(errors(doc("tcp://siem:6514?format=json&facility=local0")).is_empty());
        assert_eq!(
            errors(doc("tcp://siem?format=xml")),
            [
                "/options/0/what/1/value: option 67 (SyslogServer): `tcp://siem?format=xml` format `xml` is not one of `cef`, `json`"
            ]
        );
        assert_eq!(
            errors(doc("tcp://siem?facility=local9")),
            [
                "/options/0/what/1/value: option 67 (SyslogServer): `tcp://siem?facility=local9` facility `local9` is not an RFC 5424 facility: a name (`kern`, `user`, … `local0` … `local7`) or a number from 0 to 23"
            ]
        );
        assert_eq!(
            errors(doc("tcp://siem?level=1")),
            [
                "/options/0/what/1/value: option 67 (SyslogServer): `tcp://siem?level=1` query parameter `level` is not one of `format`, `facility`"
            ]
        );
    }

    fn pol(extra: Value) -> Value {
        let mut p = json!({
            "id": "1", "name": "p",
            "devices": {"types": [{"class": "Default Settings"}]},
            "how": {"priority": "10"},
            "what": {"access": {"granted": ["Read"]}},
        });
        if let (Value::Object(p), Value::Object(e)) = (&mut p, extra) {
            p.extend(e);
        }
        p
    }

    #[test]
    fn byday_error_points_at_the_rrule() {
        let v = json!({"policies": [pol(json!({})), pol(json!({"id": "2"})), pol(json!({"id": "3"})),
            pol(json!({"id": "4", "when": {"schedule": {"start": "08:00:00", "end": "17:00:00", "rrule": "BYDAY=MO,XX"}}}))]});
        assert_eq!(
            errors(v),
            vec!["/policies/3/when/schedule/rrule: BYDAY needs MO, TU, WE, TH, FR, SA or SU"]
        );
    }

    #[test]
    fn several_errors_are_reported_together() {
        let v = json!({"policies": [pol(json!({
            "how": {"priority": "2147483648"},
            "what": {"access": {"granted": ["Read", "Fly"], "bus": ["USB", "Parallel"]}},
            "who": {"sids": ["S-1-1-0", "everyone"]},
        }))]});
        let e = errors(v);
        assert!(e.contains(&"/policies/0/how/priority: expected a signed 32-bit integer (or Low, Medium, High), found `2147483648`".to_string()), "{e:?}");
        assert!(
            e.iter()
                .any(|x| x.starts_with("/policies/0/what/access/granted/1: expected None, Read")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|x| x.starts_with("/policies/0/what/access/bus/1: expected All, IDE")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|x| x.starts_with("/policies/0/who/sids/1: expected a SID")),
            "{e:?}"
        );
    }

    #[test]
    fn unknown_attributes_are_errors() {
        let v = json!({"policies": [pol(json!({"what": {"access": {"granted": ["Read"], "buss": ["USB"]}}}))]});
        assert_eq!(
            errors(v),
            vec![
                "/policies/0/what/access/buss: unknown attribute `buss`; expected one of bus, disk, encryption, granted"
            ]
        );
    }

    #[test]
    fn references_must_resolve() {
        let v = json!({"policies": [pol(json!({
            "where": {"group": ["42"]},
            "devices": {"groups": ["7"]},
            "what": {"access": {"granted": ["Read"]}, "content": {"filters": {"filetypes": ["000F0300", "R00030000", "W00049999"]}}},
        }))]});
        let e = errors(v);
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e[0].starts_with("/policies/0/where/group/0: no computer group has id `42`"));
        assert!(e[1].starts_with("/policies/0/devices/groups/0: no device group has id `7`"));
        assert!(e[2].starts_with(
            "/policies/0/what/content/filters/filetypes/0: unknown file type `000F0300`"
        ));
        assert!(e[3].starts_with(
            "/policies/0/what/content/filters/filetypes/2: unknown file type `W00049999`"
        ));
    }

    #[test]
    fn file_type_prefixes_and_names() {
        let v = json!({"policies": [pol(json!({
            "what": {"access": {"granted": ["Read"]}, "content": {"filters": {"filetypes": ["00020000", "R00030000", "W00040000", "Rich Text Format (RTF)", "WExecutables"]}}},
        }))]});
        let doc = read_value(&v).unwrap().document;
        let f = &doc.policies[0].what.content.as_ref().unwrap().filters;
        assert_eq!(
            f[0],
            TypeFilter {
                only: None,
                id: 0x0002_0000
            }
        );
        assert_eq!(
            f[1],
            TypeFilter {
                only: Some(DeviceOperation::Read),
                id: 0x0003_0000
            }
        );
        assert_eq!(
            f[2],
            TypeFilter {
                only: Some(DeviceOperation::Write),
                id: 0x0004_0000
            }
        );
        assert_eq!(
            f[3],
            TypeFilter {
                only: None,
                id: 0x000C_0100
            }
        );
        assert_eq!(
            f[4],
            TypeFilter {
                only: Some(DeviceOperation::Write),
                id: 0x0004_0000
            }
        );
    }
}

#[cfg(test)]
mod alias_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shal_is_read_as_sha1_only_where_sha1_belongs() {
        let ok = json!({"policies": [{"id": "1", "devices": {"media": [{"class": "1", "shal": "0123456789012345678901234567890123456789"}]},
            "how": {"priority": "1"}, "what": {"access": {"granted": ["Read"]}}}]});
        let doc = read_value(&ok).unwrap().document;
        assert!(doc.policies[0].devices.media[0].sha1.is_some());
        let bad = json!({"policies": [{"id": "1", "shal": "x", "devices": {"types": [{"class": "1"}]},
            "how": {"priority": "1"}, "what": {"access": {"granted": ["Read"]}}}]});
        match read_value(&bad) {
            Err(ReadError::Invalid(d)) => assert_eq!(d[0].pointer, "/policies/0/shal"),
            other => panic!("{other:?}"),
        }
    }
}
