//! What leaves the server after a violation: an incident alert, formatted
//! for its receiver and delivered in batches. No database, no HTTP server,
//! no knowledge of Cordon's store.
//!
//! # The shape of it
//!
//! The server keeps an outbox: one row per incident and sink, written with
//! the incident, claimed by one server at a time and retried until it is
//! delivered or given up. For each claimed batch it builds [`Alert`]s from
//! the stored incidents (masked values only, as everything the store
//! holds) and calls [`Sink::deliver`], which answers one [`Outcome`] per
//! [`Delivery`], in order:
//!
//! - [`Outcome::Delivered`]: the receiver took it; the row is done.
//! - [`Outcome::Retry`]: a transient failure (network, timeout, a `5xx`,
//!   a rate limit); the server tries again later.
//! - [`Outcome::Failed`]: the receiver refused it for good (a `4xx`, a
//!   recipient the mail server does not know); retrying cannot help.
//!
//! Delivery is therefore *at least once*: a receiver may see an alert
//! twice (a TCP write that succeeded before the connection broke, a
//! webhook whose `200` was lost). Each delivery carries a key that is
//! stable across retries (`webhook-id`, the JSON Lines `key`), so a
//! receiver can drop duplicates.
//!
//! # The four kinds of sink
//!
//! A [`SinkConfig`] is JSON with a `kind`:
//!
//! - `email`: plain-text mail through [`cordon_identity::mail::Mailer`],
//!   subject and body from templates with `{{placeholders}}`
//!   ([`template`]); a batch of several alerts is *one* digest message,
//!   so a burst is one mail; `max_per_hour` is enforced here.
//! - `webhook`: one JSON `POST` per delivery, signed per Standard Webhooks
//!   1.0 when a secret is set; generic, Slack or Microsoft Teams (an
//!   Adaptive Card for a Workflows URL) bodies ([`webhook`]).
//! - `syslog`: RFC 5424 messages carrying CEF or JSON, over UDP, TCP
//!   (RFC 6587 octet counting) or TLS (RFC 5425), one connection kept open
//!   across batches ([`syslog`], [`cef`]).
//! - `jsonl`: one `{"key":…,"alert":…}` line per delivery appended to a
//!   file, synced once per batch.
//!
//! A delivery may also carry an entry of the server's audit trail
//! ([`AuditEvent`], [`audit`]) for a SIEM: syslog, webhooks and JSON Lines
//! send it under names of its own (MSGID and CEF signature `audit`, event
//! type `audit.recorded`, member `audit`); e-mail sinks refuse it.
//!
//! [`Alert::from_incident`] reads an alert out of an incident record's
//! JSON (`cordon-record`'s shape): the server's sinks and the agent's
//! syslog (device-control option 67) both build their alerts with it.
//!
//! The formatters ([`cef`], [`syslog::format`], [`webhook::sign`],
//! [`webhook::body`], [`template`]) are pure functions of the alert, so
//! tests compare their bytes with golden files and with util-linux
//! `logger`, and the bench measures them alone.
//!
//! # Invariants
//!
//! - Nothing panics on any alert text or configuration (property-tested):
//!   every outcome is a value, and a slow or dead receiver costs at most
//!   the sink's `timeout_ms` per connection attempt.
//! - Only what is in the [`Alert`] leaves, and the alert holds masked
//!   findings only; no formatter looks anything up.
//! - No secret reaches a log or a `Debug`: the SMTP password and the
//!   webhook secret are [`Secret`]s (`Debug` prints `***`). They serialize
//!   to their text because the server seals them before storing; for
//!   showing a configuration, [`SinkConfig::redacted`].
//! - A header field of a syslog message never holds a space or a control
//!   character, and a CEF value never ends its field early (escaping is
//!   round-trip tested against a small parser).

#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::allow_attributes_without_reason
    )
)]

pub mod audit;
pub mod cef;
mod config;
pub mod email;
mod jsonl;
mod record;
mod sink;
pub mod syslog;
pub mod template;
mod text;
pub mod webhook;

pub use audit::AuditEvent;
pub use config::{
    ConfigError, ConfigProblem, EmailConfig, Facility, JsonlConfig, Payload, SinkConfig,
    SmtpConfig, SmtpSecurity, SyslogConfig, Transport, WebhookConfig, WebhookFormat,
};
pub use cordon_identity::Secret;
pub use record::incident_severity;
pub use sink::Sink;

use serde::{Deserialize, Serialize};

/// One incident as it leaves the server: masked values only (never a
/// full sensitive value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub incident_id: i64,
    /// Unix milliseconds.
    pub created_at: i64,
    pub rule_id: String,
    pub rule_name: String,
    pub policy_id: String,
    pub policy_version: i64,
    /// `enforce` or `permissive`.
    pub mode: String,
    pub enforced: bool,
    /// `allow`, `deny` or `exception`.
    pub decision: String,
    /// The event's action: `download`, `share`, `copy_to_device`, `email`,
    /// `login`, …
    pub channel: String,
    pub username: String,
    pub computer: String,
    pub remote_ip: Option<String>,
    pub recipients: Vec<String>,
    /// `PCI`, `PII`, `PHI`, …
    pub categories: Vec<String>,
    /// Already masked.
    pub findings: Vec<AlertFinding>,
    pub match_count: u64,
    pub file: Option<AlertFile>,
    pub message: Option<String>,
    /// A link to the incident in the web console.
    pub url: Option<String>,
    /// 0 to 10, the CEF scale.
    pub severity: u8,
}

/// One finding of an alert: the detector and the *masked* value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertFinding {
    pub detector: String,
    pub masked: String,
    pub confidence: String,
}

/// The file an incident is about, when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertFile {
    pub name: String,
    pub path: Option<String>,
    pub size: Option<u64>,
    pub sha256: Option<String>,
}

/// What a delivery carries: an incident's alert or an audit entry.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    Incident(&'a Alert),
    Audit(&'a AuditEvent),
}

/// One event to deliver, with its idempotency key (stable across retries:
/// the outbox row's id, say).
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub key: &'a str,
    pub event: Event<'a>,
}

impl<'a> Delivery<'a> {
    /// The delivery of an incident's alert.
    pub fn alert(key: &'a str, alert: &'a Alert) -> Delivery<'a> {
        Delivery {
            key,
            event: Event::Incident(alert),
        }
    }

    /// The delivery of an audit entry.
    pub fn audit(key: &'a str, entry: &'a AuditEvent) -> Delivery<'a> {
        Delivery {
            key,
            event: Event::Audit(entry),
        }
    }
}

/// What became of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver took it.
    Delivered,
    /// A transient failure: try again later. Says why.
    Retry(String),
    /// A permanent failure: trying again cannot help. Says why.
    Failed(String),
}

impl Outcome {
    pub fn is_delivered(&self) -> bool {
        matches!(self, Outcome::Delivered)
    }
}
