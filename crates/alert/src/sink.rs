//! [`Sink`]: a checked configuration, ready to deliver.

use std::fmt;

use crate::config::{ConfigError, SinkConfig};
use crate::email::EmailSink;
use crate::jsonl::JsonlSink;
use crate::syslog::SyslogSink;
use crate::webhook::WebhookSink;
use crate::{Delivery, Outcome};

/// Where alerts go, built from a [`SinkConfig`]. `Send + Sync`: the server
/// keeps one per configured sink and shares it.
pub struct Sink {
    inner: Inner,
}

enum Inner {
    Email(EmailSink),
    Webhook(WebhookSink),
    Syslog(SyslogSink),
    Jsonl(JsonlSink),
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sink")
            .field("to", &self.describe())
            .finish_non_exhaustive()
    }
}

impl Sink {
    /// Checks the configuration and builds the sink (templates parsed, the
    /// TLS trust anchors loaded); nothing is connected yet.
    pub fn new(config: SinkConfig) -> Result<Sink, ConfigError> {
        config.validate()?;
        let inner = match &config {
            SinkConfig::Email(c) => Inner::Email(EmailSink::new(c)?),
            SinkConfig::Webhook(c) => Inner::Webhook(WebhookSink::new(c)?),
            SinkConfig::Syslog(c) => Inner::Syslog(SyslogSink::new(c)?),
            SinkConfig::Jsonl(c) => Inner::Jsonl(JsonlSink::new(c.path.clone())),
        };
        Ok(Sink { inner })
    }

    /// Delivers a batch: one outcome per delivery, in the same order.
    /// Never panics; a slow or dead receiver is bounded by the sink's
    /// timeout.
    pub async fn deliver(&self, batch: &[Delivery<'_>]) -> Vec<Outcome> {
        if batch.is_empty() {
            return Vec::new();
        }
        let mut outcomes = match &self.inner {
            Inner::Email(s) => s.deliver(batch).await,
            Inner::Webhook(s) => s.deliver(batch).await,
            Inner::Syslog(s) => s.deliver(batch).await,
            Inner::Jsonl(s) => s.deliver(batch).await,
        };
        // Each sink answers once per delivery; should one ever not, the
        // server still gets one outcome each, and nothing unanswered
        // counts as delivered.
        if outcomes.len() != batch.len() {
            tracing::error!(
                sink = %self.describe(),
                got = outcomes.len(),
                want = batch.len(),
                "a sink answered the wrong number of outcomes"
            );
            outcomes.resize(
                batch.len(),
                Outcome::Retry("no outcome from the sink".to_owned()),
            );
        }
        outcomes
    }

    /// The most deliveries one [`deliver`](Sink::deliver) should be given:
    /// an e-mail digest lists up to 100 incidents, a webhook batch is sent
    /// one request at a time (20), a syslog batch is one write (500), a
    /// JSON Lines batch one append (1000).
    pub fn max_batch(&self) -> usize {
        match &self.inner {
            Inner::Email(_) => 100,
            Inner::Webhook(_) => 100,
            Inner::Syslog(_) => 500,
            Inner::Jsonl(_) => 1000,
        }
    }

    /// What the sink sends to, without secrets: for logs.
    pub fn describe(&self) -> String {
        match &self.inner {
            Inner::Email(s) => s.describe(),
            Inner::Webhook(s) => s.describe(),
            Inner::Syslog(s) => s.describe(),
            Inner::Jsonl(s) => s.describe(),
        }
    }
}
