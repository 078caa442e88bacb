//! The audit trail: every login and every administrative change, with
//! who, when, from which address and request, and the object before and
//! after. Entries are appended through [`record`]; nothing edits or
//! deletes them (the store has no such method and the database refuses).
//!
//! An entry is written after the change it describes committed. If that
//! write fails the request fails (`503`), so a change is never reported
//! done without its entry; the change itself stays, and the failure is
//! logged with everything the entry would have held but the secrets it
//! never holds.
//!
//! An entry is also queued for every alert sink subscribed to the audit
//! trail (`"audit": true`, docs/alerts.md): its deliveries are written in
//! the transaction that writes it, like an incident's, and the alert
//! worker sends them ([`crate::alerts::worker`]).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use cordon_store::{Actor, AuditEntry, AuditOutcome, Store};
use serde::Serialize;

use crate::auth::Peer;
use crate::error::ApiError;

/// Where a request came from, for the audit trail: the peer address,
/// its user agent (bounded) and a request id (the caller's
/// `X-Request-Id` when it is a sane token, else a new one).
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: String,
    pub request_id: String,
}

const MAX_USER_AGENT: usize = 256;

impl RequestMeta {
    pub fn from_parts(parts: &Parts) -> RequestMeta {
        let ip = parts
            .extensions
            .get::<Peer>()
            .map(|p| p.0.to_string())
            .unwrap_or_default();
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(MAX_USER_AGENT).collect())
            .unwrap_or_default();
        let request_id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|s| {
                !s.is_empty()
                    && s.len() <= 64
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_owned);
        RequestMeta {
            ip,
            user_agent,
            request_id,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestMeta::from_parts(parts))
    }
}

/// One entry about to be written.
pub struct Entry<'a> {
    pub actor: &'a Actor,
    /// Dotted, most general first: `account.create`, `login.failure`.
    pub action: &'a str,
    /// `account`, `role`, `key`, `office`, `settings`, …
    pub target_kind: &'a str,
    pub target_id: &'a str,
    pub outcome: AuditOutcome,
    pub reason: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Entry<'a> {
    /// A successful change of `target_kind` `target_id`.
    pub fn change(
        actor: &'a Actor,
        action: &'a str,
        target_kind: &'a str,
        target_id: &'a str,
    ) -> Entry<'a> {
        Entry {
            actor,
            action,
            target_kind,
            target_id,
            outcome: AuditOutcome::Success,
            reason: "",
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, v: &impl Serialize) -> Entry<'a> {
        self.before = serde_json::to_value(v).ok();
        self
    }

    pub fn after(mut self, v: &impl Serialize) -> Entry<'a> {
        self.after = serde_json::to_value(v).ok();
        self
    }

    pub fn outcome(mut self, outcome: AuditOutcome, reason: &'a str) -> Entry<'a> {
        self.outcome = outcome;
        self.reason = reason;
        self
    }
}

/// Appends `e` to the audit trail. A failure is `503` (see the module).
pub async fn record(store: &dyn Store, meta: &RequestMeta, e: Entry<'_>) -> Result<(), ApiError> {
    let entry = AuditEntry {
        at: cordon_store::now_millis(),
        actor: e.actor.clone(),
        ip: meta.ip.clone(),
        user_agent: meta.user_agent.clone(),
        request_id: meta.request_id.clone(),
        action: e.action.to_owned(),
        target_kind: e.target_kind.to_owned(),
        target_id: e.target_id.to_owned(),
        outcome: e.outcome,
        reason: e.reason.to_owned(),
        before: e.before,
        after: e.after,
    };
    let written = match deliver_to(store).await {
        Ok(targets) => store
            .append_audit(&entry, &targets)
            .await
            .map(|_| !targets.is_empty()),
        Err(e) => Err(e),
    };
    match written {
        Ok(delivered) => {
            if delivered {
                // Sent now, not at the worker's next poll.
                crate::alerts::audit_written();
            }
            Ok(())
        }
        Err(err) => {
            tracing::error!(
                action = %entry.action,
                target = %format!("{}:{}", entry.target_kind, entry.target_id),
                actor = %entry.actor,
                request_id = %entry.request_id,
                error = %err,
                "the audit trail could not be written"
            );
            Err(ApiError::unavailable(
                "audit_unavailable",
                "the change was made but its audit entry could not be written; see the server log",
            ))
        }
    }
}

/// The sinks an entry written now is delivered to (`sink:<id>`), from
/// the stored alert configuration: every server, and `cordon admin`,
/// sees a subscription as soon as it is stored.
pub async fn deliver_to(store: &dyn Store) -> Result<Vec<String>, cordon_store::StoreError> {
    let stored = store.get_setting(crate::alerts::config::KEY).await?;
    Ok(crate::alerts::config::audit_targets(stored.as_ref()))
}
