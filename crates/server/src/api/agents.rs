//! Agent groups, and the agents' policy poll.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cordon_store::AgentGroup;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::policies::valid_name;
use super::wire;
use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::scope;
use crate::state::AppState;
use cordon_access::{Action, Module};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    pub policy_id: String,
    pub policy_version: i64,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupList {
    pub groups: Vec<wire::AgentGroup>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OneGroup {
    pub group: wire::AgentGroup,
}

/// The policy document an agent group enforces.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentPolicy {
    pub group: String,
    pub policy_id: String,
    pub version: i64,
    /// `yaml` or `json`.
    pub format: String,
    pub body: String,
}

#[utoipa::path(get, path = "/v1/agent-groups", tag = "agents",
    responses((status = 200, description = "all groups", body = GroupList)), security(("api_key" = [])))]
pub async fn list_groups(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<GroupList>> {
    let r = st.ready()?;
    let visible = r
        .store
        .list_agent_groups()
        .await?
        .into_iter()
        .filter(|g| may(&caller, Action::View, g).is_ok())
        .collect();
    Ok(Json(GroupList {
        groups: wire::all(visible),
    }))
}

/// Whether the caller may do `action` on group `g` (its creator; it
/// applies to itself).
fn may(caller: &Caller, action: Action, g: &AgentGroup) -> ApiResult<()> {
    caller.may_on(
        action,
        Module::Systems,
        &scope::config_owner(&g.created_by),
        &scope::group_targets(g),
    )
}

/// The group, when the caller may do `action` on it; one the caller may
/// not see is answered as not found.
pub(crate) async fn group_for(
    r: &crate::state::Ready,
    caller: &Caller,
    action: Action,
    name: &str,
) -> ApiResult<AgentGroup> {
    let g = r.store.get_agent_group(name).await?;
    if may(caller, Action::View, &g).is_err() {
        return Err(ApiError::not_found(format!("agent group `{name}`")));
    }
    may(caller, action, &g)?;
    Ok(g)
}

#[utoipa::path(get, path = "/v1/agent-groups/{name}", tag = "agents",
    params(("name" = String, Path, description = "group name")),
    responses((status = 200, description = "the group", body = OneGroup),
              (status = 404, description = "no such group", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn get_group(
    State(st): State<AppState>,
    Path(name): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<OneGroup>> {
    let r = st.ready()?;
    Ok(Json(OneGroup {
        group: group_for(r, &caller, Action::View, &name).await?.into(),
    }))
}

#[utoipa::path(put, path = "/v1/agent-groups/{name}", tag = "agents", request_body = GroupInput,
    params(("name" = String, Path, description = "group name")),
    responses((status = 200, description = "the group, created or updated", body = OneGroup),
              (status = 404, description = "no such policy version", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn put_group(
    State(st): State<AppState>,
    Path(name): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<GroupInput>,
) -> ApiResult<Json<OneGroup>> {
    let r = st.ready()?;
    if !valid_name(&name) {
        return Err(ApiError::bad_request(format!(
            "group name `{name}` must be 1-128 characters of letters, digits, `-`, `_`, `.`"
        )));
    }
    // Changing a group needs it in scope (and, with write, one's own);
    // creating one needs its name in scope: a group is its own target.
    let existing = match r.store.get_agent_group(&name).await {
        Ok(_) => Some(group_for(r, &caller, Action::Modify, &name).await?),
        Err(cordon_store::StoreError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let owner = existing
        .as_ref()
        .map_or_else(|| caller.actor(), |g| g.created_by.clone());
    let targets = cordon_access::Targets::groups([name.clone()]);
    if existing.is_none() {
        caller.may_on(
            Action::Create,
            Module::Systems,
            &scope::config_owner(&owner),
            &targets,
        )?;
    }
    // Assigning a policy deploys it to the group: the caller must see the
    // policy and may deploy policies to this group.
    let policy = r.store.get_policy(&input.policy_id).await?;
    caller
        .may_on(
            Action::View,
            Module::Policies,
            &scope::config_owner(&policy.created_by),
            &scope::policy_targets(&policy),
        )
        .map_err(|_| ApiError::not_found(format!("policy `{}`", input.policy_id)))?;
    caller.may_on(
        Action::Create,
        Module::Policies,
        &scope::config_owner(&caller.actor()),
        &targets,
    )?;
    let g = AgentGroup {
        name,
        description: input.description.unwrap_or_default(),
        policy_id: input.policy_id,
        policy_version: input.policy_version,
        updated_at: cordon_store::now_millis(),
        updated_by: caller.actor(),
        created_by: owner,
    };
    let after = r.store.upsert_agent_group(&g).await?;
    let actor = caller.actor();
    let mut entry = Entry::change(&actor, "group.put", "group", &after.name).after(&after);
    if let Some(before) = &existing {
        entry = entry.before(before);
    }
    audit::record(r.store.as_ref(), &meta, entry).await?;
    Ok(Json(OneGroup {
        group: after.into(),
    }))
}

#[utoipa::path(delete, path = "/v1/agent-groups/{name}", tag = "agents",
    params(("name" = String, Path, description = "group name")),
    responses((status = 204, description = "deleted")), security(("api_key" = [])))]
pub async fn delete_group(
    State(st): State<AppState>,
    Path(name): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
) -> ApiResult<StatusCode> {
    let r = st.ready()?;
    let before = group_for(r, &caller, Action::Delete, &name).await?;
    r.store.delete_agent_group(&name, &caller.actor()).await?;
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "group.delete", "group", &name).before(&before),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AgentQuery {
    /// The agent's group.
    pub group: String,
}

#[utoipa::path(get, path = "/v1/agent/policy", tag = "agents", params(AgentQuery),
    responses((status = 200, description = "the group's policy document, with an ETag", body = AgentPolicy),
              (status = 304, description = "unchanged since the ETag in If-None-Match")),
    security(("api_key" = [])))]
pub async fn policy(
    State(st): State<AppState>,
    q: Result<Query<AgentQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let r = st.ready()?;
    let Query(q) = q.map_err(|e| ApiError::invalid_json(Some("group".into()), e.body_text()))?;
    let g = r.store.get_agent_group(&q.group).await?;
    let etag = format!("\"{}@{}\"", g.policy_id, g.policy_version);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let etag_value = HeaderValue::from_str(&etag).map_err(|e| ApiError::internal("etag", &e))?;
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response());
    }
    let v = r
        .store
        .get_policy_version(&g.policy_id, g.policy_version)
        .await?;
    Ok((
        [
            (header::ETAG, etag_value),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        Json(AgentPolicy {
            group: g.name,
            policy_id: v.policy_id,
            version: v.version,
            format: v.format,
            body: v.body,
        }),
    )
        .into_response())
}
