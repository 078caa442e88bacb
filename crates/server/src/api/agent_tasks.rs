//! Response plug-ins that run on endpoints (`runs_on = "agent"`).
//!
//! A response rule's agent plug-in is planned like the server's own, as a
//! delivery in the outbox (target `agent:<computer>/<plugin>`), for
//! incidents an agent reported. The server's worker leaves those alone;
//! the computer's agent claims them here:
//!
//! - `GET /v1/agent/tasks` claims the computer's due calls (a lease of
//!   the call's timeout plus [`ANSWER_GRACE_MS`]) and answers them
//!   **signed** with the key that signs the agent's bundles
//!   ([`cordon_bundle::TASKS_FORMAT`]): the agent runs plug-ins as root and
//!   runs nothing a network attacker could have written;
//! - `GET /v1/agent/plugins/{name}` gives an agent plug-in's package (the
//!   signed call names its SHA-256, which the agent checks);
//! - `POST /v1/agent/tasks/{id}` takes the answer: the delivery ends
//!   (delivered, or failed with the message) and the answer is appended
//!   to the incident's history, as for a plug-in the server ran.
//!
//! Guarantees are the outbox's: a call is planned with its incident, and
//! an agent that is offline finds its calls when it returns. A call whose
//! lease ends unanswered (the agent died mid-call) is handed out again,
//! so a plug-in may run twice, as on the server; a late answer from the
//! first holder is refused with 409.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cordon_plugin::{AgentTask, AgentTasks, MAX_TASKS, TaskResult};
use cordon_store::{Actor, Finish, HistoryEntry};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::agent_link::own_computer;
use crate::alerts::plan::agent_target;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// What a call's lease adds to its timeout: fetching the package,
/// starting, reporting.
pub const ANSWER_GRACE_MS: i64 = 60_000;

/// The claim holder of an agent: one per computer.
fn holder(computer: &str) -> String {
    format!("agent:{computer}")
}

#[utoipa::path(get, path = "/v1/agent/tasks", tag = "agents",
    responses((status = 200, description = "the computer's due plug-in calls (at most 16), claimed for it: a `cordon-tasks/1` envelope signed like a bundle, whose payload is `{computer, issued_at, tasks: [{delivery, plugin, sha256, params, incident, timeout_ms, answer_by}]}`"),
              (status = 409, description = "the key is bound to no computer", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn tasks(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Response> {
    let r = st.ready()?;
    let computer = own_computer(&caller)?;
    let snapshot = st.alerts.snapshot();
    let mut names: Vec<&String> = snapshot
        .plugins
        .keys()
        .filter(|n| snapshot.agent_plugin(n).is_some())
        .collect();
    names.sort();
    let now = cordon_store::now_millis();
    let holder = holder(&computer);
    let base_url = st.settings.public_url.as_deref();
    let mut tasks = Vec::new();
    for name in names {
        let (Some(info), Some(target)) =
            (snapshot.agent_plugin(name), agent_target(&computer, name))
        else {
            continue;
        };
        let room = MAX_TASKS.saturating_sub(tasks.len());
        if room == 0 {
            break;
        }
        let timeout_ms = info.manifest.timeout_ms.min(st.settings.plugin_timeout_ms);
        let lease = i64::try_from(timeout_ms).unwrap_or(i64::MAX / 2) + ANSWER_GRACE_MS;
        let rows = r
            .store
            .claim_deliveries(&target, &holder, now, lease, room as i64)
            .await?;
        for row in rows {
            let incident = match row.incident_id {
                Some(id) => match r.store.get_incident(id).await {
                    Ok(i) => Ok(i),
                    Err(e @ cordon_store::StoreError::NotFound(_)) => Err(e.to_string()),
                    // The database, not the call: the claim lapses and
                    // the call is handed out again.
                    Err(e) => return Err(e.into()),
                },
                None => Err("plug-ins run for incidents only".to_owned()),
            };
            let incident = match incident {
                Ok(i) => i,
                Err(why) => {
                    // Nothing an agent could run: ended here, visibly.
                    let result = TaskResult::error(why);
                    end(&st, &row, &holder, name, &computer, &result).await?;
                    continue;
                }
            };
            tasks.push(AgentTask {
                delivery: row.id,
                plugin: name.clone(),
                sha256: info.sha256.clone(),
                params: snapshot.settings.plugin_params(&row.rule, name),
                incident: crate::alerts::alert::plugin_incident(&incident, base_url),
                timeout_ms,
                answer_by: now.saturating_add(lease),
            });
        }
    }
    if !tasks.is_empty() {
        tracing::info!(%computer, calls = tasks.len(), "agent plug-in calls handed out");
    }
    let doc = AgentTasks {
        computer,
        issued_at: now,
        tasks,
    };
    let bytes = serde_json::to_vec(&doc).map_err(|e| ApiError::internal("agent tasks", &e))?;
    let sealed = st
        .agent_keys()?
        .current
        .sign_document(cordon_bundle::TASKS_FORMAT, &bytes)
        .map_err(|e| ApiError::internal("signing agent tasks", &e))?;
    Ok((
        [
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        sealed,
    )
        .into_response())
}

#[utoipa::path(get, path = "/v1/agent/plugins/{name}", tag = "agents",
    params(("name" = String, Path, description = "the plug-in's exact name")),
    responses((status = 200, description = "the package (`application/gzip`); its SHA-256 in `x-cordon-sha256`"),
              (status = 404, description = "no plug-in of that name runs on agents", body = ErrorBody),
              (status = 409, description = "the key is bound to no computer", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn package(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let r = st.ready()?;
    own_computer(&caller)?;
    let not_found = || ApiError::not_found(format!("agent plug-in `{name}`"));
    // Only agent plug-ins: a server plug-in's package (its scripts, its
    // defaults) is none of an endpoint's business.
    let (row, bytes) = match r.store.plugin_package(&name).await {
        Ok(p) => p,
        Err(cordon_store::StoreError::NotFound(_)) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    let runs_on_agent = serde_json::from_value::<cordon_plugin::Manifest>(row.manifest.clone())
        .is_ok_and(|m| m.runs_on == cordon_plugin::RunsOn::Agent);
    if !runs_on_agent {
        return Err(not_found());
    }
    let sha = HeaderValue::from_str(&row.sha256).map_err(|e| ApiError::internal("sha256", &e))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/gzip"),
            ),
            (header::HeaderName::from_static("x-cordon-sha256"), sha),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// The answer to a reported call.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskAck {
    pub delivery: i64,
    /// `delivered` or `failed`.
    pub state: String,
}

#[utoipa::path(post, path = "/v1/agent/tasks/{id}", tag = "agents",
    params(("id" = i64, Path, description = "the call's delivery id")),
    request_body(content = Object, description = "`{status: ok|failed|skipped|error, message, details?}`"),
    responses((status = 200, description = "the delivery ended and the answer is in the incident's history", body = TaskAck),
              (status = 400, description = "an unknown status or a message over 4096 bytes", body = ErrorBody),
              (status = 409, description = "this computer does not hold the call (its lease ended, or it was answered)", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn report(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    Path(id): Path<i64>,
    ApiJson(result): ApiJson<TaskResult>,
) -> ApiResult<Json<TaskAck>> {
    let r = st.ready()?;
    let computer = own_computer(&caller)?;
    if !result.valid_status() {
        return Err(ApiError::bad_request(format!(
            "status `{}`: use ok, failed, skipped or error",
            result.status.chars().take(32).collect::<String>()
        )));
    }
    if result.message.len() > cordon_plugin::MAX_MESSAGE_BYTES {
        return Err(ApiError::bad_request(format!(
            "message of {} bytes; at most {}",
            result.message.len(),
            cordon_plugin::MAX_MESSAGE_BYTES
        )));
    }
    let holder = holder(&computer);
    let row = match r.store.get_delivery(id).await {
        Ok(row) if row.claimed_by.as_deref() == Some(holder.as_str()) => row,
        Ok(_) | Err(cordon_store::StoreError::NotFound(_)) => return Err(not_held(id)),
        Err(e) => return Err(e.into()),
    };
    let name = row
        .target
        .strip_prefix(crate::alerts::plan::AGENT_PREFIX)
        .map(crate::alerts::worker::agent_plugin_name)
        .unwrap_or_default()
        .to_owned();
    let state = end(&st, &row, &holder, &name, &computer, &result).await?;
    Ok(Json(TaskAck {
        delivery: id,
        state: state.to_owned(),
    }))
}

fn not_held(id: i64) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "not_held",
        format!("call {id} is not held by this computer: its lease ended or it was answered"),
    )
}

/// Ends a call with `result`: delivered unless the plug-in failed or could
/// not run, the answer in the incident's history either way.
async fn end(
    st: &AppState,
    row: &cordon_store::Delivery,
    holder: &str,
    plugin: &str,
    computer: &str,
    result: &TaskResult,
) -> ApiResult<&'static str> {
    let r = st.ready()?;
    let mut detail = json!({
        "plugin": plugin,
        "delivery": row.id,
        "status": result.status,
        "message": result.message,
        "computer": computer,
    });
    if !result.details.is_null() {
        detail["details"] = result.details.clone();
    }
    let history = HistoryEntry {
        at: cordon_store::now_millis(),
        actor: Actor::System,
        kind: "plugin".to_owned(),
        detail,
    };
    let (finish, state) = match result.status.as_str() {
        "failed" | "error" => (
            Finish::Failed {
                error: format!("plug-in `{plugin}` on {computer}: {}", result.message),
            },
            "failed",
        ),
        _ => (Finish::Delivered, "delivered"),
    };
    let held = r
        .store
        .finish_delivery(
            row.id,
            holder,
            cordon_store::now_millis(),
            &finish,
            Some(&history),
        )
        .await?;
    if !held {
        return Err(not_held(row.id));
    }
    st.metrics
        .observe_delivery(&format!("agent:{plugin}"), state);
    Ok(state)
}
