//! JSON Lines: one `{"key":…,"alert":…}` line per delivery appended to a
//! file, for a log shipper (Filebeat, Vector, Fluent Bit) to pick up.
//!
//! The file is opened for each batch with `O_APPEND` (created `0600` if
//! missing: alerts name users and files), the batch's lines are written in
//! one `write`, and the file is synced once. Every failure is retried: a
//! full disk or a missing directory is something an administrator fixes,
//! and the outbox keeps the alerts meanwhile.

use std::io::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use crate::{Alert, AuditEvent, Delivery, Event, Outcome};

/// `{"key":…,"alert":…}` or, for an audit entry, `{"key":…,"audit":…}`.
#[derive(Serialize)]
struct Line<'a> {
    key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    alert: Option<&'a Alert>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audit: Option<&'a AuditEvent>,
}

pub(crate) struct JsonlSink {
    path: PathBuf,
}

impl JsonlSink {
    pub(crate) fn new(path: PathBuf) -> JsonlSink {
        JsonlSink { path }
    }

    pub(crate) fn describe(&self) -> String {
        format!("jsonl {}", self.path.display())
    }

    pub(crate) async fn deliver(&self, batch: &[Delivery<'_>]) -> Vec<Outcome> {
        if batch.is_empty() {
            return Vec::new();
        }
        let mut bytes = Vec::new();
        for d in batch {
            let (alert, audit) = match d.event {
                Event::Incident(a) => (Some(a), None),
                Event::Audit(e) => (None, Some(e)),
            };
            let line = Line {
                key: d.key,
                alert,
                audit,
            };
            if let Err(e) = serde_json::to_writer(&mut bytes, &line) {
                return vec![Outcome::Failed(format!("cannot write JSON: {e}")); batch.len()];
            }
            bytes.push(b'\n');
        }
        let path = self.path.clone();
        let written = tokio::task::spawn_blocking(move || append(&path, &bytes)).await;
        let result = match written {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e.to_string())),
        };
        match result {
            Ok(()) => vec![Outcome::Delivered; batch.len()],
            Err(e) => {
                let why = format!("{}: {e}", self.describe());
                tracing::warn!(error = %why, "alerts not written");
                vec![Outcome::Retry(why); batch.len()]
            }
        }
    }
}

fn append(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_data()
}
