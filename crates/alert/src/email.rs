//! E-mail: plain text through `cordon_identity`'s [`Mailer`], one message
//! per batch.
//!
//! A batch of one is a message about that incident, from the sink's
//! subject and body templates. A batch of several is one digest: the
//! subject template rendered for the first incident with `[N incidents] `
//! before it, and a body that counts them and gives one line per incident
//! with its link. So a burst, or the backlog the server collected over
//! `digest_minutes`, is one mail.
//!
//! `max_per_hour` is held here: the times of the messages sent in the last
//! hour are kept, and when they reach the limit the whole batch is
//! retried, with the time the next one may go. The server keeps the
//! alerts and sends them later as one digest.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cordon_identity::mail::{MailError, Mailer, MailerConfig, Security};

use crate::config::{ConfigError, EmailConfig, SmtpSecurity};
use crate::template::Template;
use crate::text::{one_line, rfc3339_ms};
use crate::{Alert, Delivery, Event, Outcome};

const HOUR: Duration = Duration::from_secs(3600);

/// The body of a single-incident message when the sink names none.
pub const DEFAULT_BODY: &str = "\
Cordon DLP incident #{{incident_id}}: {{rule_name}}

Time:       {{time}}
Severity:   {{severity}}
Decision:   {{decision}} ({{mode}})
User:       {{user}}
Computer:   {{computer}}
Action:     {{channel}}
Categories: {{categories}}
Matches:    {{match_count}}
File:       {{file_name}}
Policy:     {{policy}}

Findings (masked):
{{findings}}

{{url}}
";

pub(crate) struct EmailSink {
    mailer: Mailer,
    to: Vec<String>,
    subject: Template,
    body: Template,
    max_per_hour: u32,
    /// When the messages of the last hour were sent (or are being sent).
    sent: Mutex<VecDeque<Instant>>,
}

impl EmailSink {
    pub(crate) fn new(c: &EmailConfig) -> Result<EmailSink, ConfigError> {
        let subject = Template::parse(&c.subject).map_err(|e| ConfigError::one("subject", e))?;
        let body = Template::parse(c.body.as_deref().unwrap_or(DEFAULT_BODY))
            .map_err(|e| ConfigError::one("body", e))?;
        let s = &c.smtp;
        let mailer = Mailer::new(MailerConfig {
            host: s.host.clone(),
            port: s.port,
            security: match s.security {
                SmtpSecurity::None => Security::None,
                SmtpSecurity::Starttls => Security::StartTls,
                SmtpSecurity::Tls => Security::Tls,
            },
            username: s.username.clone(),
            password: s.password.clone(),
            from: s.from.clone(),
            timeout: Duration::from_millis(s.timeout_ms),
        })
        .map_err(|e| ConfigError::one("smtp", e.to_string()))?;
        Ok(EmailSink {
            mailer,
            to: c.to.clone(),
            subject,
            body,
            max_per_hour: c.max_per_hour,
            sent: Mutex::new(VecDeque::new()),
        })
    }

    pub(crate) fn describe(&self) -> String {
        format!("email to {}", self.to.join(", "))
    }

    pub(crate) async fn deliver(&self, batch: &[Delivery<'_>]) -> Vec<Outcome> {
        // Audit entries are for a SIEM, not a mailbox: the server refuses
        // an e-mail sink subscribed to them, and one that gets one anyway
        // fails it visibly.
        let alerts: Vec<&Alert> = batch
            .iter()
            .filter_map(|d| match d.event {
                Event::Incident(a) => Some(a),
                Event::Audit(_) => None,
            })
            .collect();
        let mut sent = self.deliver_alerts(&alerts).await.into_iter();
        batch
            .iter()
            .map(|d| match d.event {
                Event::Incident(_) => sent
                    .next()
                    .unwrap_or_else(|| Outcome::Retry("no outcome".to_owned())),
                Event::Audit(_) => {
                    Outcome::Failed("e-mail sinks do not send audit entries".to_owned())
                }
            })
            .collect()
    }

    async fn deliver_alerts(&self, batch: &[&Alert]) -> Vec<Outcome> {
        let Some(first) = batch.first().copied() else {
            return Vec::new();
        };
        let slot = match self.reserve() {
            Ok(slot) => slot,
            Err(until) => {
                let why = format!("rate limited until {until}");
                tracing::info!(sink = %self.describe(), %why, count = batch.len(), "mail held back");
                return vec![Outcome::Retry(why); batch.len()];
            }
        };
        let (subject, body) = if batch.len() == 1 {
            (
                one_line(&self.subject.render(first, false)),
                self.body.render(first, true),
            )
        } else {
            (
                format!(
                    "[{} incidents] {}",
                    batch.len(),
                    one_line(&self.subject.render(first, false))
                ),
                digest(batch),
            )
        };
        let to: Vec<&str> = self.to.iter().map(String::as_str).collect();
        let outcome = match self.mailer.send_to_all(&to, subject.trim(), &body).await {
            Ok(()) => Outcome::Delivered,
            Err(e) => {
                self.release(slot);
                classify(&e)
            }
        };
        vec![outcome; batch.len()]
    }

    /// Takes a place among the last hour's messages, or says when one
    /// frees up.
    fn reserve(&self) -> Result<Instant, String> {
        let now = Instant::now();
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        while sent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= HOUR)
        {
            sent.pop_front();
        }
        if self.max_per_hour > 0 && sent.len() >= self.max_per_hour as usize {
            let wait = sent.front().map_or(HOUR, |t| {
                HOUR.saturating_sub(now.saturating_duration_since(*t))
            });
            let until = chrono::Utc::now()
                + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
            return Err(rfc3339_ms(until.timestamp_millis()));
        }
        sent.push_back(now);
        Ok(now)
    }

    /// Gives back a place taken for a message that was not sent.
    fn release(&self, slot: Instant) {
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = sent.iter().rposition(|t| *t == slot) {
            sent.remove(i);
        }
    }
}

/// A delivery's outcome from the mailer's error: the network and
/// temporary refusals are retried; bad settings, bad addresses and
/// permanent refusals are not.
fn classify(e: &MailError) -> Outcome {
    let why = e.to_string();
    match e {
        MailError::Unreachable { .. } | MailError::Timeout { .. } | MailError::Tls { .. } => {
            Outcome::Retry(why)
        }
        MailError::Rejected {
            temporary: true, ..
        } => Outcome::Retry(why),
        MailError::Rejected { .. }
        | MailError::RecipientRefused { .. }
        | MailError::Config(_)
        | MailError::InvalidAddress { .. }
        | MailError::InvalidSubject
        | MailError::Message(_) => Outcome::Failed(why),
    }
}

/// The body of a digest: how many, then one line per incident.
pub fn digest(alerts: &[&Alert]) -> String {
    let mut out = String::new();
    let first = alerts.iter().map(|a| a.created_at).min().unwrap_or(0);
    let last = alerts.iter().map(|a| a.created_at).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "{} Cordon DLP incidents between {} and {}:\n",
        alerts.len(),
        rfc3339_ms(first),
        rfc3339_ms(last)
    );
    for a in alerts {
        let _ = write!(
            out,
            "- #{} {} severity {}: {} ({}): {} on {}, {}, {} ({})",
            a.incident_id,
            rfc3339_ms(a.created_at),
            a.severity,
            one_line(&a.rule_name),
            one_line(&a.categories.join(", ")),
            one_line(&a.username),
            one_line(&a.computer),
            one_line(&a.channel),
            one_line(&a.decision),
            one_line(&a.mode),
        );
        if let Some(url) = &a.url {
            let _ = write!(out, "\n  {}", one_line(url));
        }
        out.push('\n');
    }
    out
}
