//! The configuration of a sink, as JSON with a `kind`, and its checks.
//!
//! Every problem found names its field (a dotted path such as `smtp.port`
//! or `to[1]`) and says why, and [`SinkConfig::validate`] reports all of
//! them at once, so an administrator fixes a form in one go.

use std::fmt;
use std::path::PathBuf;

use cordon_identity::Secret;
use serde::{Deserialize, Serialize};

use crate::template::Template;

/// The longest timeout a sink may have: five minutes.
const MAX_TIMEOUT_MS: u64 = 300_000;
const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// Where alerts go. JSON: `{"kind": "email" | "webhook" | "syslog" |
/// "jsonl", …the kind's fields}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SinkConfig {
    Email(EmailConfig),
    Webhook(WebhookConfig),
    Syslog(SyslogConfig),
    Jsonl(JsonlConfig),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// Recipients, each `a@example.org` or `Name <a@example.org>`; one
    /// message goes to all of them.
    pub to: Vec<String>,
    /// Template of the subject (one line: CR and LF become spaces).
    pub subject: String,
    /// Template of the body; `None` is the built-in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Collect alerts for this long and send them as one digest; 0 sends
    /// each at once. At most 1440 (a day).
    #[serde(default)]
    pub digest_minutes: u32,
    /// At most this many messages in any hour; 0 is no limit.
    #[serde(default)]
    pub max_per_hour: u32,
    pub smtp: SmtpConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, with = "secret_text", skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// The sender, `Cordon <dlp@example.org>` or `dlp@example.org`.
    pub from: String,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain text: a relay on the same host or network only.
    None,
    /// STARTTLS, which must succeed.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// `Debug` shows the URL's scheme and host only: the path and query of a
/// Slack or Teams webhook URL are its credential.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// `https://…` (or `http://…` for a receiver on a trusted network).
    pub url: String,
    #[serde(default)]
    pub format: WebhookFormat,
    /// `whsec_` and the base64 of 24 to 64 random bytes: requests are then
    /// signed per Standard Webhooks 1.0.
    #[serde(default, with = "secret_text", skip_serializing_if = "Option::is_none")]
    pub secret: Option<Secret>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Requests in flight at once, 1 to 32. With 1 (the default) the
    /// receiver gets deliveries strictly in order; with more, a slow
    /// receiver is served faster and the order holds between groups of
    /// this many, not within one.
    #[serde(default = "one")]
    pub concurrency: u32,
}

fn one() -> u32 {
    1
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = match reqwest::Url::parse(&self.url) {
            Ok(u) => format!("{}://{}/…", u.scheme(), u.host_str().unwrap_or("")),
            Err(_) => "…".to_owned(),
        };
        f.debug_struct("WebhookConfig")
            .field("url", &shown)
            .field("format", &self.format)
            .field("secret", &self.secret)
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// `{"type":"incident.created","timestamp":…,"data":<Alert>}`.
    #[default]
    Generic,
    /// A Slack incoming webhook: `{"text": …}`.
    Slack,
    /// A Microsoft Teams Workflows webhook: an Adaptive Card.
    Teams,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyslogConfig {
    pub host: String,
    /// Usually 514 (UDP, TCP) or 6514 (TLS).
    pub port: u16,
    pub transport: Transport,
    #[serde(default)]
    pub payload: Payload,
    #[serde(default)]
    pub facility: Facility,
    /// APP-NAME: up to 48 printable ASCII characters, no space.
    #[serde(default = "default_app_name")]
    pub app_name: String,
    /// HOSTNAME: up to 255 printable ASCII characters, no space; `None` is
    /// this machine's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// PEM file of the CA(s) the receiver's certificate must chain to
    /// (TLS only); `None` trusts the system's store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// The name the receiver's certificate must carry (TLS only); `None`
    /// is `host`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// One message per datagram (RFC 5426), cut at 8 KiB.
    Udp,
    /// RFC 6587 octet counting.
    Tcp,
    /// RFC 5425: TLS, octet counting.
    Tls,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payload {
    /// ArcSight Common Event Format with standard keys.
    #[default]
    Cef,
    /// The [`Alert`](crate::Alert) as JSON.
    Json,
}

/// The syslog facility (RFC 5424 §6.2.1). The default is `local4` (20):
/// the `local*` facilities are the ones meant for applications, and a
/// receiver filters on them; 4 is what Cordon's docs suggest, nothing
/// more.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Facility {
    Kern,
    User,
    Mail,
    Daemon,
    Auth,
    Syslog,
    Lpr,
    News,
    Uucp,
    Cron,
    Authpriv,
    Ftp,
    Ntp,
    Security,
    Console,
    SolarisCron,
    Local0,
    Local1,
    Local2,
    Local3,
    #[default]
    Local4,
    Local5,
    Local6,
    Local7,
}

impl Facility {
    /// Every facility, by number.
    pub const ALL: [Facility; 24] = [
        Facility::Kern,
        Facility::User,
        Facility::Mail,
        Facility::Daemon,
        Facility::Auth,
        Facility::Syslog,
        Facility::Lpr,
        Facility::News,
        Facility::Uucp,
        Facility::Cron,
        Facility::Authpriv,
        Facility::Ftp,
        Facility::Ntp,
        Facility::Security,
        Facility::Console,
        Facility::SolarisCron,
        Facility::Local0,
        Facility::Local1,
        Facility::Local2,
        Facility::Local3,
        Facility::Local4,
        Facility::Local5,
        Facility::Local6,
        Facility::Local7,
    ];

    /// The facility's number, 0 to 23.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The facility numbered `code` (0 to 23), as option 67 of an agent's
    /// policy gives it.
    pub fn from_code(code: u8) -> Option<Facility> {
        Facility::ALL.get(usize::from(code)).copied()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonlConfig {
    /// An absolute path; the file is created (mode 0600) if missing.
    pub path: PathBuf,
}

fn default_timeout_ms() -> u64 {
    DEFAULT_TIMEOUT_MS
}

fn default_app_name() -> String {
    "cordon".to_owned()
}

/// One problem of a configuration: the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// A dotted path: `smtp.port`, `to[1]`, `secret`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.field, self.message)
    }
}

/// Everything wrong with a sink's configuration (never empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid alert sink: {}", join(.problems))]
pub struct ConfigError {
    pub problems: Vec<ConfigProblem>,
}

fn join(problems: &[ConfigProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ConfigError {
    pub(crate) fn one(field: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            problems: vec![ConfigProblem {
                field: field.into(),
                message: message.into(),
            }],
        }
    }
}

/// Collects problems while checking.
#[derive(Default)]
struct Problems(Vec<ConfigProblem>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(ConfigProblem {
            field: field.into(),
            message: message.into(),
        });
    }

    fn check(&mut self, ok: bool, field: &str, message: &str) {
        if !ok {
            self.add(field, message);
        }
    }

    fn timeout(&mut self, field: &str, ms: u64) {
        self.check(
            (1..=MAX_TIMEOUT_MS).contains(&ms),
            field,
            "must be between 1 and 300000 milliseconds",
        );
    }

    fn finish(self) -> Result<(), ConfigError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems: self.0 })
        }
    }
}

/// Whether `s` may be a syslog header field: 1 to `max` printable ASCII
/// characters (33 to 126), so no space and no control character.
pub(crate) fn is_header_field(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| (33..=126).contains(&b))
}

impl SinkConfig {
    /// Checks every field; the error lists each problem with its field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut p = Problems::default();
        match self {
            SinkConfig::Email(c) => c.check(&mut p),
            SinkConfig::Webhook(c) => c.check(&mut p),
            SinkConfig::Syslog(c) => c.check(&mut p),
            SinkConfig::Jsonl(c) => {
                p.check(c.path.is_absolute(), "path", "must be an absolute path");
            }
        }
        p.finish()
    }

    /// The secrets of the configuration (SMTP password, webhook secret),
    /// so the server can seal them before storing and open them after
    /// loading.
    pub fn secrets_mut(&mut self) -> Vec<&mut Secret> {
        match self {
            SinkConfig::Email(c) => c.smtp.password.iter_mut().collect(),
            SinkConfig::Webhook(c) => c.secret.iter_mut().collect(),
            SinkConfig::Syslog(_) | SinkConfig::Jsonl(_) => Vec::new(),
        }
    }

    /// A copy with every secret replaced by `***`, for showing.
    pub fn redacted(&self) -> SinkConfig {
        let mut copy = self.clone();
        for s in copy.secrets_mut() {
            *s = Secret::from("***");
        }
        // A Slack or Teams webhook URL is itself the credential.
        if let SinkConfig::Webhook(w) = &mut copy {
            w.url = crate::webhook::redact_url(&w.url);
        }
        copy
    }

    /// How long the server collects alerts for one e-mail digest, in
    /// milliseconds; 0 (every other kind too) delivers each at once.
    pub fn digest_ms(&self) -> u64 {
        match self {
            SinkConfig::Email(c) => u64::from(c.digest_minutes) * 60_000,
            _ => 0,
        }
    }
}

impl EmailConfig {
    fn check(&self, p: &mut Problems) {
        p.check(
            !self.to.is_empty(),
            "to",
            "must list at least one recipient",
        );
        for (i, to) in self.to.iter().enumerate() {
            if let Err(e) = cordon_identity::mail::check_address(to) {
                p.add(format!("to[{i}]"), e.to_string());
            }
        }
        p.check(
            !self.subject.trim().is_empty(),
            "subject",
            "must not be empty",
        );
        if let Err(e) = Template::parse(&self.subject) {
            p.add("subject", e);
        }
        if let Some(body) = &self.body
            && let Err(e) = Template::parse(body)
        {
            p.add("body", e);
        }
        p.check(
            self.digest_minutes <= 1440,
            "digest_minutes",
            "must be at most 1440 (one day)",
        );
        let s = &self.smtp;
        p.check(!s.host.trim().is_empty(), "smtp.host", "must not be empty");
        p.check(s.port != 0, "smtp.port", "must be between 1 and 65535");
        match (&s.username, &s.password) {
            (Some(_), None) => p.add("smtp.password", "is needed with `smtp.username`"),
            (None, Some(_)) => p.add("smtp.username", "is needed with `smtp.password`"),
            _ => {}
        }
        if let Err(e) = cordon_identity::mail::check_address(&s.from) {
            p.add("smtp.from", e.to_string());
        }
        p.timeout("smtp.timeout_ms", s.timeout_ms);
    }
}

impl WebhookConfig {
    fn check(&self, p: &mut Problems) {
        match reqwest::Url::parse(&self.url) {
            Ok(u) if !matches!(u.scheme(), "http" | "https") => {
                p.add(
                    "url",
                    format!("must be http or https, not `{}`", u.scheme()),
                );
            }
            Ok(u) if u.host_str().is_none_or(str::is_empty) => p.add("url", "has no host"),
            Ok(_) => {}
            Err(e) => p.add("url", format!("`{}` is not a URL: {e}", self.url)),
        }
        if let Some(secret) = &self.secret
            && let Err(e) = crate::webhook::secret_key(secret)
        {
            p.add("secret", e);
        }
        p.timeout("timeout_ms", self.timeout_ms);
        p.check(
            (1..=32).contains(&self.concurrency),
            "concurrency",
            "must be 1 to 32",
        );
    }
}

impl SyslogConfig {
    fn check(&self, p: &mut Problems) {
        p.check(!self.host.trim().is_empty(), "host", "must not be empty");
        p.check(self.port != 0, "port", "must be between 1 and 65535");
        p.check(
            is_header_field(&self.app_name, 48),
            "app_name",
            "must be 1 to 48 printable ASCII characters without spaces",
        );
        if let Some(h) = &self.hostname {
            p.check(
                is_header_field(h, 255),
                "hostname",
                "must be 1 to 255 printable ASCII characters without spaces",
            );
        }
        if self.transport != Transport::Tls {
            p.check(self.ca_file.is_none(), "ca_file", "is only used with `tls`");
            p.check(
                self.server_name.is_none(),
                "server_name",
                "is only used with `tls`",
            );
        }
        let name = self.server_name.as_deref().unwrap_or(&self.host);
        if self.transport == Transport::Tls
            && rustls_pki_types::ServerName::try_from(name.to_owned()).is_err()
        {
            let field = if self.server_name.is_some() {
                "server_name"
            } else {
                "host"
            };
            p.add(field, format!("`{name}` is not a DNS name or IP address"));
        }
        p.timeout("timeout_ms", self.timeout_ms);
    }
}

/// `Option<Secret>` as its plain text: the server seals it before storing.
mod secret_text {
    use cordon_identity::Secret;
    use serde::{Deserialize as _, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Secret>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(secret) => s.serialize_some(secret.expose()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.map(Secret::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facility_codes_follow_rfc_5424() {
        assert_eq!(Facility::Kern.code(), 0);
        assert_eq!(Facility::Authpriv.code(), 10);
        assert_eq!(Facility::Local0.code(), 16);
        assert_eq!(Facility::default().code(), 20);
        assert_eq!(Facility::Local7.code(), 23);
        for (i, f) in Facility::ALL.iter().enumerate() {
            assert_eq!(usize::from(f.code()), i);
            assert_eq!(Facility::from_code(f.code()), Some(*f));
        }
        assert_eq!(Facility::from_code(24), None);
    }

    #[test]
    fn header_fields() {
        assert!(is_header_field("cordon", 48));
        assert!(!is_header_field("", 48));
        assert!(!is_header_field("a b", 48));
        assert!(!is_header_field("é", 48));
        assert!(!is_header_field(&"a".repeat(49), 48));
    }
}
