//! Webhooks: one JSON `POST` per delivery, signed per Standard Webhooks
//! 1.0 when the sink has a secret.
//!
//! Signing: the secret is `whsec_` and the base64 of the key (24 to 64
//! bytes, as the specification recommends); each request carries
//! `webhook-id` (the delivery's key, the same on every retry, so a
//! receiver drops duplicates), `webhook-timestamp` (Unix seconds at
//! sending; receivers refuse it more than five minutes off) and
//! `webhook-signature: v1,<base64 of HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
//!
//! Bodies ([`body`]): generic `{"type":"incident.created",
//! "timestamp":<RFC 3339 of the incident>,"data":<Alert>}`; Slack
//! `{"text": …}` in mrkdwn with a link to the incident; Teams an Adaptive
//! Card 1.4 in the message envelope that Workflows webhooks take (the old
//! Office 365 connectors' MessageCard is retired).
//!
//! Answers: `2xx` is delivered; `408`, `429`, `5xx`, a refused
//! connection or a timeout is retried; any other status (`3xx` included:
//! redirects are not followed, a moved receiver is a configuration to
//! fix) fails, with the status and up to 200 bytes of the answer. A
//! receiver that cannot be reached or does not answer in time ends the
//! batch: the deliveries after it are retried without being tried, so a
//! dead receiver costs one timeout per batch, not one per alert.
//!
//! Outcomes and logs name the receiver by scheme and host only: the path
//! and query of a Slack or Teams URL are its credential.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cordon_identity::Secret;
use hmac::{Hmac, Mac as _};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::config::{ConfigError, WebhookConfig, WebhookFormat};
use crate::text::{one_line, rfc3339_ms, truncate};
use crate::{Alert, AuditEvent, Delivery, Event, Outcome};

/// How much of a refusing answer is kept in the outcome.
const ANSWER_BYTES: usize = 200;

/// A webhook URL as answers show it: scheme, host and port, the rest
/// `***` (the path of a Slack or Teams URL is its credential).
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}/***",
            u.scheme(),
            u.host_str().unwrap_or(""),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "***".to_owned(),
    }
}

/// The HMAC key in a `whsec_…` secret, or why it is not one.
pub fn secret_key(secret: &Secret) -> Result<Vec<u8>, String> {
    let Some(b64) = secret.expose().strip_prefix("whsec_") else {
        return Err("must start with `whsec_` (Standard Webhooks)".to_owned());
    };
    let key = STANDARD
        .decode(b64)
        .map_err(|_| "must be `whsec_` followed by base64".to_owned())?;
    if !(24..=64).contains(&key.len()) {
        return Err(format!(
            "must hold 24 to 64 bytes of key, not {}",
            key.len()
        ));
    }
    Ok(key)
}

/// The `webhook-signature` value: `v1,<base64 HMAC-SHA256>` of
/// `{id}.{timestamp}.{body}`.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length; the error is unreachable.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The JSON body for `alert` in `format`.
pub fn body(format: WebhookFormat, alert: &Alert) -> Value {
    match format {
        WebhookFormat::Generic => json!({
            "type": "incident.created",
            "timestamp": rfc3339_ms(alert.created_at),
            "data": alert,
        }),
        WebhookFormat::Slack => json!({ "text": slack_text(alert) }),
        WebhookFormat::Teams => teams_card(alert),
    }
}

/// The JSON body for an audit entry in `format`: the generic event
/// `audit.recorded`, or one line of text for Slack and Teams.
pub fn audit_body(format: WebhookFormat, e: &AuditEvent) -> Value {
    match format {
        WebhookFormat::Generic => json!({
            "type": "audit.recorded",
            "timestamp": rfc3339_ms(e.at),
            "data": e,
        }),
        WebhookFormat::Slack => json!({ "text": slack_escape(&crate::audit::summary(e)) }),
        WebhookFormat::Teams => json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [{"type": "TextBlock", "wrap": true,
                              "text": crate::audit::summary(e)}],
                },
            }],
        }),
    }
}

/// Slack's three escapes; everything else is literal.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn what_happened(a: &Alert) -> &'static str {
    match a.decision.as_str() {
        "deny" if a.enforced => "blocked",
        "deny" => "would be blocked (permissive)",
        "exception" => "allowed by exception",
        _ => "allowed",
    }
}

fn slack_text(a: &Alert) -> String {
    let id = format!("#{}", a.incident_id);
    let link = match &a.url {
        // `|` ends the URL part of a Slack link.
        Some(url) => format!("<{}|{id}>", slack_escape(url).replace('|', "%7C")),
        None => id,
    };
    let mut t = format!(
        "*Cordon DLP incident {link}*: {} (severity {})\n",
        slack_escape(&a.rule_name),
        a.severity
    );
    t.push_str(&format!(
        "*User:* {} on {} · *Action:* {} · *Decision:* {} ({})\n",
        slack_escape(&a.username),
        slack_escape(&a.computer),
        slack_escape(&a.channel),
        slack_escape(&a.decision),
        what_happened(a)
    ));
    if !a.categories.is_empty() {
        t.push_str(&format!(
            "*Categories:* {} · ",
            slack_escape(&a.categories.join(", "))
        ));
    }
    t.push_str(&format!("*Matches:* {}", a.match_count));
    if let Some(f) = &a.file {
        t.push_str(&format!("\n*File:* {}", slack_escape(&f.name)));
    }
    if !a.findings.is_empty() {
        let list: Vec<String> = a
            .findings
            .iter()
            .take(crate::template::MAX_FINDINGS)
            .map(|f| {
                format!(
                    "{} `{}`",
                    slack_escape(&f.detector),
                    slack_escape(&f.masked).replace('`', "'")
                )
            })
            .collect();
        t.push_str(&format!("\n*Findings:* {}", list.join(", ")));
    }
    t
}

fn teams_card(a: &Alert) -> Value {
    let mut facts = vec![
        json!({"title": "Rule", "value": a.rule_name}),
        json!({"title": "Severity", "value": a.severity.to_string()}),
        json!({"title": "Decision", "value": format!("{} ({})", a.decision, what_happened(a))}),
        json!({"title": "User", "value": a.username}),
        json!({"title": "Computer", "value": a.computer}),
        json!({"title": "Action", "value": a.channel}),
        json!({"title": "Time", "value": rfc3339_ms(a.created_at)}),
        json!({"title": "Matches", "value": a.match_count.to_string()}),
    ];
    if !a.categories.is_empty() {
        facts.push(json!({"title": "Categories", "value": a.categories.join(", ")}));
    }
    if let Some(f) = &a.file {
        facts.push(json!({"title": "File", "value": f.name}));
    }
    let mut body = vec![
        json!({
            "type": "TextBlock",
            "size": "Medium",
            "weight": "Bolder",
            "wrap": true,
            "text": format!("Cordon DLP incident #{}", a.incident_id),
        }),
        json!({"type": "FactSet", "facts": facts}),
    ];
    if !a.findings.is_empty() {
        let list: Vec<String> = a
            .findings
            .iter()
            .take(crate::template::MAX_FINDINGS)
            .map(|f| format!("{}: {}", f.detector, f.masked))
            .collect();
        body.push(json!({"type": "TextBlock", "wrap": true, "text": list.join("\n\n")}));
    }
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    });
    if let (Some(url), Some(obj)) = (&a.url, card.as_object_mut()) {
        obj.insert(
            "actions".to_owned(),
            json!([{"type": "Action.OpenUrl", "title": "Open in Cordon", "url": url}]),
        );
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

pub(crate) struct WebhookSink {
    client: reqwest::Client,
    url: reqwest::Url,
    format: WebhookFormat,
    key: Option<Vec<u8>>,
    concurrency: usize,
}

/// What one request came to, and whether the receiver is out of reach.
struct Sent {
    outcome: Outcome,
    unreachable: bool,
}

impl WebhookSink {
    pub(crate) fn new(c: &WebhookConfig) -> Result<WebhookSink, ConfigError> {
        let url = reqwest::Url::parse(&c.url)
            .map_err(|e| ConfigError::one("url", format!("`{}` is not a URL: {e}", c.url)))?;
        let key = match &c.secret {
            Some(s) => Some(secret_key(s).map_err(|e| ConfigError::one("secret", e))?),
            None => None,
        };
        let timeout = Duration::from_millis(c.timeout_ms);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("cordon-alert/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::one("url", format!("cannot build an HTTP client: {e}")))?;
        Ok(WebhookSink {
            client,
            url,
            format: c.format,
            key,
            concurrency: c.concurrency.clamp(1, 32) as usize,
        })
    }

    pub(crate) fn describe(&self) -> String {
        format!(
            "webhook {}://{}",
            self.url.scheme(),
            self.url.host_str().unwrap_or("")
        )
    }

    pub(crate) async fn deliver(&self, batch: &[Delivery<'_>]) -> Vec<Outcome> {
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut gone: Option<String> = None;
        // `concurrency` requests at a time, their answers kept in order.
        for group in batch.chunks(self.concurrency) {
            if let Some(why) = &gone {
                outcomes.extend(group.iter().map(|_| Outcome::Retry(why.clone())));
                continue;
            }
            let sent = futures_util::future::join_all(group.iter().map(|d| self.send(d))).await;
            for s in sent {
                // After a delivery the receiver wants again later, the rest
                // of the batch waits too: they arrive in order, and a
                // receiver that is down or overloaded is not asked again at
                // once.
                if gone.is_none()
                    && let Outcome::Retry(why) = &s.outcome
                {
                    gone = Some(if s.unreachable {
                        why.clone()
                    } else {
                        format!("held behind an earlier delivery: {why}")
                    });
                }
                outcomes.push(s.outcome);
            }
        }
        outcomes
    }

    async fn send(&self, d: &Delivery<'_>) -> Sent {
        // Serializing plain data cannot fail; an empty object would still
        // be a well-formed request.
        let value = match d.event {
            Event::Incident(a) => body(self.format, a),
            Event::Audit(e) => audit_body(self.format, e),
        };
        let body = serde_json::to_vec(&value).unwrap_or_else(|_| b"{}".to_vec());
        let mut req = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        // The id and timestamp go with every delivery, signed or not: the
        // id is what lets a receiver drop a duplicate.
        let ts = chrono::Utc::now().timestamp();
        req = req
            .header("webhook-id", d.key)
            .header("webhook-timestamp", ts.to_string());
        if let Some(key) = &self.key {
            req = req.header("webhook-signature", sign(key, d.key, ts, &body));
        }
        let resp = match req.body(body).send().await {
            Ok(r) => r,
            Err(e) => {
                let unreachable = e.is_timeout() || e.is_connect();
                // Without the URL: a Slack or Teams URL is itself the
                // credential, and this text reaches logs and the console.
                let why = if e.is_timeout() {
                    format!("{}: no answer in time", self.describe())
                } else {
                    format!("{}: {}", self.describe(), error_chain(&e.without_url()))
                };
                tracing::warn!(error = %why, "webhook not delivered");
                return Sent {
                    outcome: Outcome::Retry(why),
                    unreachable,
                };
            }
        };
        let status = resp.status();
        if status.is_success() {
            tracing::debug!(sink = %self.describe(), key = d.key, %status, "webhook delivered");
            return Sent {
                outcome: Outcome::Delivered,
                unreachable: false,
            };
        }
        let answer = answer_start(resp).await;
        let why = format!("{}: HTTP {}: {answer}", self.describe(), status.as_u16());
        tracing::warn!(error = %why, "webhook refused");
        let transient =
            status.as_u16() == 408 || status.as_u16() == 429 || status.is_server_error();
        Sent {
            outcome: if transient {
                Outcome::Retry(why)
            } else {
                Outcome::Failed(why)
            },
            unreachable: false,
        }
    }
}

/// The first [`ANSWER_BYTES`] of an answer, as one line of text.
async fn answer_start(mut resp: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < ANSWER_BYTES {
        match resp.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    bytes.truncate(ANSWER_BYTES);
    let text = String::from_utf8_lossy(&bytes);
    one_line(truncate(&text, ANSWER_BYTES)).trim().to_owned()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference
    /// libraries (svix): this secret, id, timestamp and body give this
    /// signature.
    #[test]
    fn signature_matches_the_reference_example() {
        let key = secret_key(&Secret::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).unwrap();
        let sig = sign(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_checked() {
        assert!(secret_key(&Secret::from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).is_err());
        assert!(secret_key(&Secret::from("whsec_!!!")).is_err());
        assert!(secret_key(&Secret::from("whsec_YWJj")).is_err());
    }
}
