//! Sending mail (e-mail codes, notices) to an SMTP server with `lettre`.
//!
//! TLS is rustls (the `ring` provider, the same stack as the directory
//! client, so one TLS library in the binary) with the system's trust
//! store (`rustls-native-certs`) rather than a compiled-in Mozilla list:
//! the relay of an organisation that runs a DLP server often has a
//! certificate from its own CA, which its administrators add to the
//! system's store, and a bundle fixed at build time would go stale.
//!
//! [`Security::StartTls`] *requires* the upgrade (lettre's `Required`, not
//! its opportunistic mode, which a man in the middle can strip).
//!
//! Errors say which side failed: the address given
//! ([`MailError::InvalidAddress`]), the network ([`MailError::Unreachable`],
//! [`MailError::Timeout`], [`MailError::Tls`]) or the server's answer
//! ([`MailError::RecipientRefused`] when its enhanced status code is about
//! the recipient's mailbox or address, [`MailError::Rejected`] otherwise).

use std::error::Error as _;
use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

use crate::secret::Secret;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain text: a relay on the same host or network only.
    None,
    /// Plain connection upgraded with STARTTLS, which must succeed.
    StartTls,
    /// TLS from the first byte ("SMTPS").
    Tls,
}

impl Security {
    /// The usual port: 25, 587 (submission) or 465.
    pub fn default_port(self) -> u16 {
        match self {
            Security::None => 25,
            Security::StartTls => 587,
            Security::Tls => 465,
        }
    }
}

#[derive(Debug, Clone)]
pub struct MailerConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Log in with these (both or neither).
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The sender, `Cordon <dlp@example.org>` or `dlp@example.org`.
    pub from: String,
    /// The longest one message takes, connection included.
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MailError {
    #[error("the mail settings are invalid: {0}")]
    Config(String),
    #[error("`{address}` is not a valid {field} address: {reason}")]
    InvalidAddress {
        field: &'static str,
        address: String,
        reason: String,
    },
    #[error("the subject must be one line of text")]
    InvalidSubject,
    #[error("cannot reach the mail server {host}:{port}: {reason}")]
    Unreachable {
        host: String,
        port: u16,
        reason: String,
    },
    #[error("the mail server {host}:{port} did not answer within {ms} ms")]
    Timeout { host: String, port: u16, ms: u128 },
    #[error("TLS with the mail server {host}:{port} failed: {reason}")]
    Tls {
        host: String,
        port: u16,
        reason: String,
    },
    #[error("the mail server refused the recipient `{to}`: {reply}")]
    RecipientRefused { to: String, reply: String },
    #[error("the mail server refused the message{}: {reply}", if *.temporary { " for now" } else { "" })]
    Rejected { reply: String, temporary: bool },
    #[error("cannot build the message: {0}")]
    Message(String),
}

/// Sends mail through one SMTP server; one connection per message.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
    port: u16,
    timeout: Duration,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

fn mailbox(field: &'static str, address: &str) -> Result<Mailbox, MailError> {
    address
        .trim()
        .parse::<Mailbox>()
        .map_err(|e| MailError::InvalidAddress {
            field,
            address: address.to_owned(),
            reason: e.to_string(),
        })
}

/// Checks an address the way [`Mailer::send`] will read it
/// (`a@example.org` or `Name <a@example.org>`), for settings checked
/// before anything is sent.
pub fn check_address(address: &str) -> Result<(), MailError> {
    mailbox("recipient", address).map(|_| ())
}

impl Mailer {
    pub fn new(config: MailerConfig) -> Result<Mailer, MailError> {
        if config.host.trim().is_empty() {
            return Err(MailError::Config("the SMTP host is empty".to_owned()));
        }
        if config.timeout.is_zero() {
            return Err(MailError::Config(
                "the timeout must be more than zero".to_owned(),
            ));
        }
        let from = mailbox("sender", &config.from)?;
        let tls = match config.security {
            Security::None => Tls::None,
            Security::StartTls | Security::Tls => {
                let params = TlsParameters::new(config.host.clone())
                    .map_err(|e| MailError::Config(format!("TLS for `{}`: {e}", config.host)))?;
                if config.security == Security::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        match (config.username, config.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user, password.expose().to_owned()));
            }
            (None, None) => {}
            _ => {
                return Err(MailError::Config(
                    "give both an SMTP user name and a password, or neither".to_owned(),
                ));
            }
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            host: config.host,
            port: config.port,
            timeout: config.timeout,
        })
    }

    /// Sends a plain-text message to one recipient.
    pub async fn send(&self, to: &str, subject: &str, text_body: &str) -> Result<(), MailError> {
        self.send_to_all(&[to], subject, text_body).await
    }

    /// Sends one plain-text message to several recipients (all in `To`),
    /// so a notice to a team is one message, not one per person. Every
    /// address is checked before connecting; a refusal of any recipient
    /// fails the whole message (SMTP answers per recipient, `lettre`
    /// sends to all or none).
    pub async fn send_to_all(
        &self,
        to: &[&str],
        subject: &str,
        text_body: &str,
    ) -> Result<(), MailError> {
        let boxes = to
            .iter()
            .map(|t| mailbox("recipient", t))
            .collect::<Result<Vec<_>, _>>()?;
        if boxes.is_empty() {
            return Err(MailError::Config("no recipient".to_owned()));
        }
        if subject.chars().any(char::is_control) {
            return Err(MailError::InvalidSubject);
        }
        let mut builder = Message::builder().from(self.from.clone());
        for b in &boxes {
            builder = builder.to(b.clone());
        }
        let message = builder
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text_body.to_owned())
            .map_err(|e| MailError::Message(e.to_string()))?;
        let recipients = boxes
            .iter()
            .map(|b| b.email.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let sent = tokio::time::timeout(self.timeout, self.transport.send(message)).await;
        match sent {
            Ok(Ok(response)) => {
                tracing::debug!(to = %recipients, code = %response.code(), "mail sent");
                Ok(())
            }
            Ok(Err(e)) => {
                let e = self.classify(&recipients, &e);
                tracing::warn!(error = %e, "mail not sent");
                Err(e)
            }
            Err(_) => Err(self.timeout_error()),
        }
    }

    fn timeout_error(&self) -> MailError {
        MailError::Timeout {
            host: self.host.clone(),
            port: self.port,
            ms: self.timeout.as_millis(),
        }
    }

    fn classify(&self, to: &str, e: &lettre::transport::smtp::Error) -> MailError {
        if e.is_timeout() {
            return self.timeout_error();
        }
        if let Some(code) = e.status() {
            let text = e.source().map(|s| s.to_string()).unwrap_or_default();
            let reply = format!("{code} {text}").trim_end().to_owned();
            return if about_recipient(&text) {
                MailError::RecipientRefused {
                    to: to.to_owned(),
                    reply,
                }
            } else {
                MailError::Rejected {
                    reply,
                    temporary: e.is_transient(),
                }
            };
        }
        let reason = chain(e);
        if e.is_tls() {
            MailError::Tls {
                host: self.host.clone(),
                port: self.port,
                reason,
            }
        } else {
            MailError::Unreachable {
                host: self.host.clone(),
                port: self.port,
                reason,
            }
        }
    }
}

/// An error and its causes, `: `-separated.
fn chain(e: &dyn std::error::Error) -> String {
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

/// Whether a reply's enhanced status code (RFC 3463) is about the
/// recipient: bad destination mailbox, system or syntax (X.1.1, X.1.2,
/// X.1.3), mailbox moved (X.1.6, X.1.10 null MX), mailbox disabled or full
/// (X.2.1, X.2.2). Sender problems (X.1.7, X.1.8) and the rest are not.
fn about_recipient(reply: &str) -> bool {
    let Some(first) = reply.split_whitespace().next() else {
        return false;
    };
    let mut parts = first.split('.');
    let (Some(class), Some(subject), Some(detail), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if !matches!(class, "4" | "5") {
        return false;
    }
    matches!(
        (subject, detail),
        ("1", "1" | "2" | "3" | "6" | "10") | ("2", "1" | "2")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> MailerConfig {
        MailerConfig {
            host: "127.0.0.1".to_owned(),
            port: 2525,
            security: Security::None,
            username: None,
            password: None,
            from: "Cordon <dlp@example.org>".to_owned(),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn enhanced_codes_about_the_recipient() {
        let cases = [
            (
                "5.1.1 <nobody@example.org>: Recipient address rejected",
                true,
            ),
            ("5.1.2 Bad destination system address", true),
            ("4.2.2 Mailbox full", true),
            ("5.1.10 Recipient address has null MX", true),
            ("5.1.8 Sender address rejected", false),
            ("5.7.1 Relaying denied", false),
            ("Requested action not taken", false),
            ("", false),
            ("5.1 missing detail", false),
        ];
        for (reply, want) in cases {
            assert_eq!(about_recipient(reply), want, "{reply}");
        }
    }

    #[test]
    fn settings_are_checked_up_front() {
        let mut c = config();
        c.from = "not an address".to_owned();
        assert!(matches!(
            Mailer::new(c),
            Err(MailError::InvalidAddress {
                field: "sender",
                ..
            })
        ));
        let mut c = config();
        c.username = Some("u".to_owned());
        assert!(matches!(Mailer::new(c), Err(MailError::Config(_))));
        let mut c = config();
        c.host = " ".to_owned();
        assert!(matches!(Mailer::new(c), Err(MailError::Config(_))));
        for security in [Security::None, Security::StartTls, Security::Tls] {
            let mut c = config();
            c.security = security;
            assert!(Mailer::new(c).is_ok(), "{security:?}");
        }
    }

    #[test]
    fn debug_shows_no_password() {
        let mut c = config();
        c.username = Some("u".to_owned());
        c.password = Some(Secret::from("smtp-pass"));
        assert!(!format!("{c:?}").contains("smtp-pass"));
        let m = Mailer::new(c).unwrap();
        assert!(!format!("{m:?}").contains("smtp-pass"));
    }
}
