//! The audit log: who did what to which object, from where, and how it
//! went — logins (success, failure, lockout, the second factor used) and
//! every administrative change, with the object before and after.
//!
//! Append-only. [`AuditStore`] has no method that changes or deletes an
//! entry, and the database itself refuses it: triggers in both backends
//! fail every UPDATE and DELETE of `audit_log` (and TRUNCATE on
//! PostgreSQL), so neither a bug in the server nor someone with the
//! server's database login rewrites history without first dropping the
//! triggers.
//!
//! Entries are bounded: a text field keeps at most [`MAX_TEXT_BYTES`]
//! (a hostile user agent or user name cannot bloat the log) and a
//! before/after document at most [`MAX_JSON_BYTES`] of JSON, beyond which
//! it is replaced by a note of its size. Secrets never belong in an entry:
//! the server records key ids, never keys, and accounts without their
//! credentials.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::{Actor, Millis, Result};

/// The most bytes a text field of an entry keeps.
pub const MAX_TEXT_BYTES: usize = 1024;
/// The most bytes of JSON a before/after document keeps.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// How an audited action went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Success,
    /// It was tried and failed (a wrong password, an invalid change).
    Failure,
    /// The actor was not allowed to.
    Denied,
}

impl AuditOutcome {
    pub const ALL: [AuditOutcome; 3] = [
        AuditOutcome::Success,
        AuditOutcome::Failure,
        AuditOutcome::Denied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "success",
            AuditOutcome::Failure => "failure",
            AuditOutcome::Denied => "denied",
        }
    }

    pub fn parse(s: &str) -> Option<AuditOutcome> {
        AuditOutcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// One audited action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Millis,
    pub actor: Actor,
    pub ip: String,
    pub user_agent: String,
    /// The HTTP request's id, to find its other traces.
    pub request_id: String,
    /// Dotted, most general first: `login.success`, `account.create`,
    /// `role.delete`, …
    pub action: String,
    /// What kind of object it was done to: `account`, `role`, `key`, …
    pub target_kind: String,
    pub target_id: String,
    pub outcome: AuditOutcome,
    /// Why it failed or was denied.
    pub reason: String,
    /// The object before the change (never a secret).
    pub before: Option<serde_json::Value>,
    /// The object after the change (never a secret).
    pub after: Option<serde_json::Value>,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Increasing: later entries have larger ids.
    pub id: i64,
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// Filters for listing the audit log. Every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// At or after (Unix ms).
    pub from: Option<Millis>,
    /// Before (Unix ms).
    pub to: Option<Millis>,
    /// Who: an encoded actor (`key:<id> (<name>)`), an actor without
    /// its name (`account:<id>`, `key:<id>`, `system`) or a bare account
    /// id. Matches what that actor did under any name.
    pub actor: Option<String>,
    /// An action (`login.failure`), or every action under a prefix when
    /// it ends with `.` (`login.`).
    pub action: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub outcome: Option<AuditOutcome>,
    /// Cursor: only entries with an id below this one.
    pub before: Option<i64>,
    /// At most this many (clamped to 1..=1000, default 100).
    pub limit: Option<i64>,
}

impl AuditFilter {
    pub fn effective_limit(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, 1000)
    }
}

/// The audit log: append and read, nothing else.
#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry (bounded, see the module) and, in the same
    /// transaction, a pending delivery of it to each of `deliver_to`
    /// (`sink:<id>`, the sinks subscribed to the audit trail): its id.
    async fn append_audit(&self, entry: &AuditEntry, deliver_to: &[String]) -> Result<i64>;
    /// The entries of `ids` that exist, in id order.
    async fn get_audit_records(&self, ids: &[i64]) -> Result<Vec<AuditRecord>>;
    /// Newest first; `filter.before` is the cursor (an entry id).
    async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>>;
}

/// Text as an entry keeps it: NUL replaced (see `crate::sql::text`), at
/// most [`MAX_TEXT_BYTES`], cut at a character boundary and marked `…`.
pub(crate) fn bound(s: &str) -> Cow<'_, str> {
    let s = crate::sql::text(s);
    if s.len() <= MAX_TEXT_BYTES {
        return s;
    }
    let keep = MAX_TEXT_BYTES - '…'.len_utf8();
    let mut cut = 0;
    for (i, c) in s.char_indices() {
        if i + c.len_utf8() > keep {
            break;
        }
        cut = i + c.len_utf8();
    }
    let mut out = s.get(..cut).unwrap_or_default().to_owned();
    out.push('…');
    Cow::Owned(out)
}

/// A before/after document as JSON text, or a note of its size when it
/// is larger than [`MAX_JSON_BYTES`].
pub(crate) fn bound_json(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.len() <= MAX_JSON_BYTES {
        return s;
    }
    serde_json::json!({"truncated": true, "bytes": s.len()}).to_string()
}

/// The `actor_id` column a filter's actor names (see
/// [`AuditFilter::actor`]).
pub(crate) fn actor_filter(s: &str) -> String {
    if let Some(a) = Actor::decode(s) {
        return a.identity();
    }
    if s.starts_with("key:") || s.starts_with("account:") {
        return s.to_owned();
    }
    format!("account:{s}")
}

/// The SQL of [`AuditStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_audit_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::actor::{decode_column, encode_column};
            use $crate::audit::{
                actor_filter, bound, bound_json, AuditEntry, AuditFilter, AuditOutcome,
                AuditRecord, AuditStore,
            };
            use $crate::{Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;

            fn json_column(r: &Row, col: &str) -> Result<Option<serde_json::Value>> {
                let s: Option<String> = r.try_get(col)?;
                s.map(|s| {
                    serde_json::from_str(&s)
                        .map_err(|e| StoreError::Invalid(format!("stored audit {col}: {e}")))
                })
                .transpose()
            }

            fn record_from_row(r: &Row) -> Result<AuditRecord> {
                let actor: String = r.try_get("actor")?;
                let outcome: String = r.try_get("outcome")?;
                Ok(AuditRecord {
                    id: r.try_get("id")?,
                    entry: AuditEntry {
                        at: r.try_get("at")?,
                        actor: decode_column(&actor)?,
                        ip: r.try_get("ip")?,
                        user_agent: r.try_get("user_agent")?,
                        request_id: r.try_get("request_id")?,
                        action: r.try_get("action")?,
                        target_kind: r.try_get("target_kind")?,
                        target_id: r.try_get("target_id")?,
                        outcome: AuditOutcome::parse(&outcome).ok_or_else(|| {
                            StoreError::Invalid(format!("stored audit outcome `{outcome}`"))
                        })?,
                        reason: r.try_get("reason")?,
                        before: json_column(r, "before")?,
                        after: json_column(r, "after")?,
                    },
                })
            }

            #[async_trait::async_trait]
            impl AuditStore for $store {
                async fn append_audit(
                    &self,
                    e: &AuditEntry,
                    deliver_to: &[String],
                ) -> Result<i64> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let row = sqlx::query(
                        "INSERT INTO audit_log (at, actor, actor_id, ip, user_agent, request_id, \
                         action, target_kind, target_id, outcome, reason, before, after) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                         RETURNING id",
                    )
                    .bind(e.at)
                    .bind(encode_column(&e.actor))
                    .bind(bound(&e.actor.identity()))
                    .bind(bound(&e.ip))
                    .bind(bound(&e.user_agent))
                    .bind(bound(&e.request_id))
                    .bind(bound(&e.action))
                    .bind(bound(&e.target_kind))
                    .bind(bound(&e.target_id))
                    .bind(e.outcome.as_str())
                    .bind(bound(&e.reason))
                    .bind(e.before.as_ref().map(bound_json))
                    .bind(e.after.as_ref().map(bound_json))
                    .fetch_one(&mut *tx)
                    .await?;
                    let id: i64 = row.try_get("id")?;
                    Self::insert_audit_delivery_rows(&mut tx, id, deliver_to, e.at).await?;
                    tx.commit().await?;
                    Ok(id)
                }

                async fn get_audit_records(&self, ids: &[i64]) -> Result<Vec<AuditRecord>> {
                    let mut out = Vec::with_capacity(ids.len());
                    for chunk in ids.chunks(500) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "SELECT id, at, actor, ip, user_agent, request_id, action, \
                             target_kind, target_id, outcome, reason, before, after \
                             FROM audit_log WHERE id IN (",
                        );
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(")");
                        let rows = qb.build().fetch_all(&self.pool).await?;
                        for r in &rows {
                            out.push(record_from_row(r)?);
                        }
                    }
                    out.sort_by_key(|r| r.id);
                    Ok(out)
                }

                async fn list_audit(&self, f: &AuditFilter) -> Result<Vec<AuditRecord>> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "SELECT id, at, actor, ip, user_agent, request_id, action, target_kind, \
                         target_id, outcome, reason, before, after FROM audit_log WHERE 1 = 1",
                    );
                    if let Some(v) = f.from {
                        qb.push(" AND at >= ").push_bind(v);
                    }
                    if let Some(v) = f.to {
                        qb.push(" AND at < ").push_bind(v);
                    }
                    if let Some(v) = &f.actor {
                        qb.push(" AND actor_id = ").push_bind(actor_filter(v));
                    }
                    if let Some(v) = &f.action {
                        if v.ends_with('.') {
                            // A prefix, compared as text: LIKE folds ASCII
                            // case in SQLite and not in PostgreSQL.
                            let n = i32::try_from(v.chars().count()).unwrap_or(i32::MAX);
                            qb.push(" AND substr(action, 1, ")
                                .push_bind(n)
                                .push(") = ")
                                .push_bind(v.clone());
                        } else {
                            qb.push(" AND action = ").push_bind(v.clone());
                        }
                    }
                    if let Some(v) = &f.target_kind {
                        qb.push(" AND target_kind = ").push_bind(v.clone());
                    }
                    if let Some(v) = &f.target_id {
                        qb.push(" AND target_id = ").push_bind(v.clone());
                    }
                    if let Some(v) = f.outcome {
                        qb.push(" AND outcome = ").push_bind(v.as_str());
                    }
                    if let Some(v) = f.before {
                        qb.push(" AND id < ").push_bind(v);
                    }
                    qb.push(" ORDER BY id DESC LIMIT ")
                        .push_bind(f.effective_limit());
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(record_from_row).collect()
                }
            }
        };
    };
}
pub(crate) use impl_audit_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_bounded_at_a_character_boundary() {
        assert_eq!(bound("short"), "short");
        let long = "é".repeat(MAX_TEXT_BYTES);
        let b = bound(&long);
        assert!(b.len() <= MAX_TEXT_BYTES, "{}", b.len());
        assert!(b.ends_with('…'));
        assert!(b.len() > MAX_TEXT_BYTES - 8);
        let exact = "x".repeat(MAX_TEXT_BYTES);
        assert_eq!(bound(&exact), exact);
        assert_eq!(bound("a\0b"), "a\u{FFFD}b");
    }

    #[test]
    fn large_documents_become_a_note() {
        let small = serde_json::json!({"name": "alice"});
        assert_eq!(bound_json(&small), small.to_string());
        let big = serde_json::json!({"blob": "x".repeat(MAX_JSON_BYTES)});
        let note: serde_json::Value = serde_json::from_str(&bound_json(&big)).unwrap();
        assert_eq!(note["truncated"], true);
        assert!(note["bytes"].as_u64().unwrap() > MAX_JSON_BYTES as u64);
    }

    #[test]
    fn actor_filters_name_an_actor_without_its_name() {
        for (filter, column) in [
            ("0123456789abcdef", "account:0123456789abcdef"),
            ("account:0123456789abcdef", "account:0123456789abcdef"),
            (
                "account:0123456789abcdef (alice)",
                "account:0123456789abcdef",
            ),
            ("key:0a1b2c3d (ci)", "key:0a1b2c3d"),
            ("key:0a1b2c3d", "key:0a1b2c3d"),
            ("system", "system"),
        ] {
            assert_eq!(actor_filter(filter), column, "{filter}");
        }
    }
}
