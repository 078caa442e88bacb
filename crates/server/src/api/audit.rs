//! The audit trail, read with filters. Nothing in the API edits or
//! deletes it.

use axum::Json;
use axum::extract::{Query, State};
use cordon_store::{AuditFilter, AuditOutcome, AuditRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::incidents::parse_time;
use super::wire;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// From this time on: RFC 3339 or Unix milliseconds.
    pub from: Option<String>,
    /// Before this time: RFC 3339 or Unix milliseconds.
    pub to: Option<String>,
    /// Who: an account id, `account:<id>`, `key:<id>` or `system`.
    pub actor: Option<String>,
    /// An action (`login.failure`), or all under a prefix ending in `.`
    /// (`login.`, `account.`).
    pub action: Option<String>,
    /// `account`, `role`, `key`, `policy`, `group`, `incident`, …
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<i64>,
}

/// One entry of the audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: wire::Actor,
    pub ip: String,
    pub user_agent: String,
    pub request_id: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    pub reason: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

impl From<AuditRecord> for AuditEntry {
    fn from(r: AuditRecord) -> AuditEntry {
        let e = r.entry;
        AuditEntry {
            id: r.id,
            at: e.at,
            actor: e.actor.into(),
            ip: e.ip,
            user_agent: e.user_agent,
            request_id: e.request_id,
            action: e.action,
            target_kind: e.target_kind,
            target_id: e.target_id,
            outcome: e.outcome.as_str().to_owned(),
            reason: e.reason,
            before: e.before,
            after: e.after,
        }
    }
}

/// A page of the audit trail, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "a page of the audit trail, newest first", body = AuditPage)),
    security(("api_key" = [])))]
pub async fn list(
    State(st): State<AppState>,
    q: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<AuditPage>> {
    let r = st.ready()?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let outcome = q
        .outcome
        .as_deref()
        .map(|o| {
            AuditOutcome::parse(o).ok_or_else(|| {
                ApiError::invalid_json(
                    Some("outcome".into()),
                    format!("`outcome` is `success`, `failure` or `denied`, not `{o}`"),
                )
            })
        })
        .transpose()?;
    let before = q
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                ApiError::invalid_json(Some("cursor".into()), "`cursor` is a `next_cursor`")
            })
        })
        .transpose()?;
    let filter = AuditFilter {
        from: q
            .from
            .as_deref()
            .map(|t| parse_time("from", t))
            .transpose()?,
        to: q.to.as_deref().map(|t| parse_time("to", t)).transpose()?,
        actor: q.actor,
        action: q.action,
        target_kind: q.target_kind,
        target_id: q.target_id,
        outcome,
        before,
        limit: q.limit,
    };
    let page = r.store.list_audit(&filter).await?;
    let next_cursor = (page.len() as i64 == filter.effective_limit())
        .then(|| page.last().map(|e| e.id.to_string()))
        .flatten();
    Ok(Json(AuditPage {
        entries: wire::all(page),
        next_cursor,
    }))
}
