//! Incidents: the filtered list, one incident with its History tab, the
//! status workflow, and violations per rule.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::DateTime;
use cordon_policy::model::Category;
use cordon_store::{IncidentFilter, Millis, Status};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::wire;
use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::scope;
use crate::state::AppState;
use cordon_access::{Action, Module, Owner};

/// How long incident reads wait for this server's journaled incidents to
/// reach the database (read-your-writes); they never wait while the
/// database is failing.
pub(crate) const READ_YOUR_WRITES: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IncidentQuery {
    /// From this time on: RFC 3339 or Unix milliseconds.
    pub from: Option<String>,
    /// Before this time: RFC 3339 or Unix milliseconds.
    pub to: Option<String>,
    pub rule: Option<String>,
    pub user: Option<String>,
    /// The event's action: `download`, `share`, …
    pub action: Option<String>,
    /// `PII`, `PHI`, `PCI`, `CREDENTIALS`, `CONFIDENTIAL`.
    pub category: Option<String>,
    /// `new`, `in_progress`, `resolved`, `false_positive`.
    pub status: Option<String>,
    /// `allow`, `deny`, `exception`.
    pub decision: Option<String>,
    pub request_id: Option<String>,
    /// From the computers now in this agent group.
    pub group: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<i64>,
}

/// A page of incidents, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentPage {
    pub incidents: Vec<wire::Incident>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// An incident and its History tab.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentDetail {
    pub incident: wire::Incident,
    pub history: Vec<wire::HistoryEntry>,
    /// The sealed shadow copy the endpoint kept of the file, if any
    /// (`GET /v1/incidents/{id}/shadow` downloads it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shadow: Option<super::shadows::ShadowView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleCounts {
    pub from: Millis,
    pub to: Millis,
    pub rules: Vec<wire::RuleCount>,
}

pub(crate) fn parse_time(field: &str, s: &str) -> ApiResult<Millis> {
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            ApiError::invalid_json(
                Some(field.into()),
                format!("`{field}` must be RFC 3339 or Unix milliseconds, got `{s}`"),
            )
        })
}

fn filter_of(q: IncidentQuery) -> ApiResult<IncidentFilter> {
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            ApiError::invalid_json(
                Some("status".into()),
                format!(
                    "unknown status `{s}`: expected new, in_progress, resolved or false_positive"
                ),
            )
        })?),
    };
    let category = match q.category.as_deref() {
        None => None,
        Some(c) => Some(
            Category::parse(c)
                .ok_or_else(|| {
                    ApiError::invalid_json(
                        Some("category".into()),
                        format!("unknown category `{c}`"),
                    )
                })?
                .as_str()
                .to_owned(),
        ),
    };
    if let Some(d) = q.decision.as_deref()
        && !matches!(d, "allow" | "deny" | "exception")
    {
        return Err(ApiError::invalid_json(
            Some("decision".into()),
            format!("unknown decision `{d}`: expected allow, deny or exception"),
        ));
    }
    let before = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            ApiError::invalid_json(Some("cursor".into()), format!("invalid cursor `{c}`"))
        })?),
    };
    Ok(IncidentFilter {
        from: q
            .from
            .as_deref()
            .map(|s| parse_time("from", s))
            .transpose()?,
        to: q.to.as_deref().map(|s| parse_time("to", s)).transpose()?,
        rule: q.rule,
        user: q.user,
        action: q.action,
        category,
        status,
        decision: q.decision,
        request_id: q.request_id,
        computer: None,
        group: q.group,
        scope: None,
        before,
        limit: q.limit,
    })
}

#[utoipa::path(get, path = "/v1/incidents", tag = "incidents", params(IncidentQuery),
    responses((status = 200, description = "a page of incidents, newest first, and the cursor of the next page", body = IncidentPage)),
    security(("api_key" = [])))]
pub async fn list(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    q: Result<Query<IncidentQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<IncidentPage>> {
    let r = st.ready()?;
    r.incidents.sync(READ_YOUR_WRITES).await;
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let mut filter = filter_of(q)?;
    // Only incidents of computers in the caller's scope, in the database,
    // so the pages and the cursor stay right.
    filter.scope = scope::filter(&caller.scope());
    let page = r.store.list_incidents(&filter).await?;
    let next = (page.len() as i64 == filter.effective_limit())
        .then(|| page.last().map(|i| i.id.to_string()))
        .flatten();
    Ok(Json(IncidentPage {
        incidents: wire::all(page),
        next_cursor: next,
    }))
}

/// The incident, when the caller may do each of `needs` on it (scoped by
/// the computer it came from). One the caller may not see is answered as
/// not found.
pub(crate) async fn incident_for(
    r: &crate::state::Ready,
    caller: &Caller,
    needs: &[(Action, Module)],
    id: i64,
) -> ApiResult<cordon_store::Incident> {
    let i = r.store.get_incident(id).await?;
    let targets = scope::incident_targets(r.store.as_ref(), &i.incident.computer).await?;
    let owner = Owner::System;
    if !caller.can(
        Action::View,
        cordon_access::Object::Item {
            module: Module::Incidents,
            owner: &owner,
            targets: &targets,
        },
    ) {
        return Err(ApiError::not_found(format!("incident {id}")));
    }
    for &(action, module) in needs {
        caller.may_on(action, module, &owner, &targets)?;
    }
    Ok(i)
}

/// Creation and the action taken, then the stored history.
fn full_history(
    i: &cordon_store::Incident,
    stored: Vec<cordon_store::HistoryEntry>,
) -> Vec<wire::HistoryEntry> {
    let details = wire::Incident::details_of(i);
    let mut h = vec![
        wire::HistoryEntry {
            at: i.incident.created_at,
            actor: wire::Actor::System,
            kind: "created".into(),
            detail: json!({"rule": i.incident.rule_id, "decision": i.incident.decision, "request_id": i.incident.request_id}),
        },
        wire::HistoryEntry {
            at: i.incident.created_at,
            actor: wire::Actor::System,
            kind: "action".into(),
            detail: json!({"taken": details.action_taken, "actions": details.actions}),
        },
    ];
    // What the endpoint did with the file (encrypted, released, …).
    h.extend(details.endpoint.iter().map(|s| wire::HistoryEntry {
        at: s.at,
        actor: wire::Actor::System,
        kind: s.kind.clone(),
        detail: json!({"by": "agent", "text": s.text}),
    }));
    h.extend(stored.into_iter().map(wire::HistoryEntry::from));
    h
}

#[utoipa::path(get, path = "/v1/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, description = "the incident and its history", body = IncidentDetail),
              (status = 404, description = "no such incident", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<IncidentDetail>> {
    let r = st.ready()?;
    r.incidents.sync(READ_YOUR_WRITES).await;
    let i = incident_for(r, &caller, &[(Action::View, Module::Incidents)], id).await?;
    let history = full_history(&i, r.store.incident_history(id).await?);
    let shadow = super::shadows::view(&st.settings.shadow_root(), &i).await;
    Ok(Json(IncidentDetail {
        incident: i.into(),
        history,
        shadow,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// `new`, `in_progress`, `resolved`, `false_positive`.
    #[schema(value_type = String)]
    pub status: Status,
    #[serde(default)]
    pub comment: Option<String>,
}

#[utoipa::path(post, path = "/v1/incidents/{id}/status", tag = "incidents", request_body = StatusInput,
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, description = "the incident with its new status and history", body = IncidentDetail),
              (status = 409, description = "the incident already has that status", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn set_status(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<StatusInput>,
) -> ApiResult<Json<IncidentDetail>> {
    let r = st.ready()?;
    r.incidents.sync(READ_YOUR_WRITES).await;
    // Marking a false positive is the fine-tuning of false-positive
    // events: that module's write too.
    let mut needs = vec![(Action::Modify, Module::Incidents)];
    if input.status == Status::FalsePositive {
        needs.push((Action::Modify, Module::FalsePositives));
    }
    let cur = incident_for(r, &caller, &needs, id).await?;
    if cur.status == input.status {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "status_unchanged",
            format!("incident {id} is already `{}`", input.status.as_str()),
        ));
    }
    let i = r
        .store
        .set_incident_status(
            id,
            input.status,
            &caller.actor(),
            input.comment.as_deref().unwrap_or(""),
            cordon_store::now_millis(),
        )
        .await?;
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(
            &caller.actor(),
            "incident.status",
            "incident",
            &id.to_string(),
        )
        .before(&json!({"status": cur.status.as_str()}))
        .after(&json!({"status": i.status.as_str(), "comment": input.comment})),
    )
    .await?;
    let history = full_history(&i, r.store.incident_history(id).await?);
    let shadow = super::shadows::view(&st.settings.shadow_root(), &i).await;
    Ok(Json(IncidentDetail {
        incident: i.into(),
        history,
        shadow,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RangeQuery {
    /// RFC 3339 or Unix ms; default: `to` minus `window`.
    pub from: Option<String>,
    /// RFC 3339 or Unix ms; default: now.
    pub to: Option<String>,
    /// `15m`, `1h`, `24h`, `7d`, `30d` (default `24h`).
    pub window: Option<String>,
}

fn parse_window(s: &str) -> ApiResult<Millis> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = n.parse().map_err(|_| {
        ApiError::invalid_json(
            Some("window".into()),
            format!("invalid window `{s}`: try `1h`, `24h`, `7d`"),
        )
    })?;
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => {
            return Err(ApiError::invalid_json(
                Some("window".into()),
                format!("invalid window `{s}`: the unit must be s, m, h or d"),
            ));
        }
    };
    Ok(n.saturating_mul(unit_ms).max(1_000))
}

/// The time range of a dashboard or count query.
pub(crate) fn range(q: &RangeQuery) -> ApiResult<(Millis, Millis)> {
    let to = match &q.to {
        Some(t) => parse_time("to", t)?,
        None => cordon_store::now_millis().saturating_add(1),
    };
    let from = match &q.from {
        Some(f) => parse_time("from", f)?,
        None => to.saturating_sub(parse_window(q.window.as_deref().unwrap_or("24h"))?),
    };
    if from >= to {
        return Err(ApiError::invalid_json(
            Some("from".into()),
            "`from` must be before `to`",
        ));
    }
    Ok((from, to))
}

#[utoipa::path(get, path = "/v1/incidents/rule-counts", tag = "incidents", params(RangeQuery),
    responses((status = 200, description = "violations per rule, enforced and permissive", body = RuleCounts)),
    security(("api_key" = [])))]
pub async fn rule_counts(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Json<RuleCounts>> {
    let r = st.ready()?;
    r.incidents.sync(READ_YOUR_WRITES).await;
    let (from, to) = range(&q)?;
    let scope = scope::filter(&caller.scope());
    Ok(Json(RuleCounts {
        from,
        to,
        rules: wire::all(r.store.rule_counts(from, to, scope.as_ref()).await?),
    }))
}
