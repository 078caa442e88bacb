//! Roles on the Admin tab: the four predefined ones and those
//! administrators define, with a level per module. Nobody defines a role
//! that gives more than they hold; a role someone holds is never deleted.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cordon_access::{Levels, Role, can_grant_role};
use cordon_store::StoredRole;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::wire;
use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// A role and how many accounts hold it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleDef {
    pub id: String,
    pub name: String,
    pub description: String,
    /// One of the four shipped roles: cannot be changed or deleted.
    pub predefined: bool,
    /// Opens the Admin tab (only the predefined administrator role).
    pub admin: bool,
    /// Module → `no_access` | `read` | `write` | `full_control`; a module
    /// not listed is `no_access`. Modules: `classification`, `policies`,
    /// `false_positives`, `incidents`, `justifications`, `systems`,
    /// `reports`, `audit`.
    #[schema(value_type = Object)]
    pub levels: Levels,
    pub holders: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: wire::Actor,
}

impl From<StoredRole> for RoleDef {
    fn from(s: StoredRole) -> RoleDef {
        RoleDef {
            id: s.role.id,
            name: s.role.name,
            description: s.role.description,
            predefined: s.role.predefined,
            admin: s.role.admin,
            levels: s.role.levels,
            holders: s.holders,
            created_at: s.created_at,
            updated_at: s.updated_at,
            updated_by: s.updated_by.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleList {
    pub roles: Vec<RoleDef>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OneRole {
    pub role: RoleDef,
}

/// A user-defined role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    /// Only when creating (`POST`): 1–64 of `a-z0-9-_`, starting with a
    /// letter.
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[schema(value_type = Object)]
    pub levels: Levels,
}

fn role_of(id: String, input: RoleInput) -> Role {
    Role {
        id,
        name: input.name.trim().to_owned(),
        description: input.description.unwrap_or_default(),
        predefined: false,
        admin: false,
        levels: input.levels,
    }
}

fn may_define(caller: &Caller, role: &Role) -> ApiResult<()> {
    role.validate_custom()
        .map_err(|e| ApiError::invalid_json(None, e.to_string()))?;
    let d = can_grant_role(caller.subject()?, role);
    if d.allowed {
        Ok(())
    } else {
        Err(ApiError::forbidden(d.reason.to_string()))
    }
}

#[utoipa::path(get, path = "/v1/roles", tag = "accounts",
    responses((status = 200, description = "every role, predefined first", body = RoleList)),
    security(("api_key" = [])))]
pub async fn list(State(st): State<AppState>) -> ApiResult<Json<RoleList>> {
    let r = st.ready()?;
    Ok(Json(RoleList {
        roles: wire::all(r.store.list_roles().await?),
    }))
}

#[utoipa::path(get, path = "/v1/roles/{id}", tag = "accounts",
    params(("id" = String, Path, description = "role id")),
    responses((status = 200, description = "the role", body = OneRole),
              (status = 404, description = "no such role", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<OneRole>> {
    let r = st.ready()?;
    Ok(Json(OneRole {
        role: r.store.get_role(&id).await?.into(),
    }))
}

#[utoipa::path(post, path = "/v1/roles", tag = "accounts", request_body = RoleInput,
    responses((status = 201, description = "the new role", body = OneRole),
              (status = 403, description = "it gives more than the caller holds", body = ErrorBody),
              (status = 409, description = "the id or name is taken", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<RoleInput>,
) -> ApiResult<(StatusCode, Json<OneRole>)> {
    let r = st.ready()?;
    caller.require_elevated()?;
    let Some(id) = input.id.clone() else {
        return Err(ApiError::invalid_json(
            Some("id".into()),
            "a new role needs an `id`",
        ));
    };
    let role = role_of(id, input);
    may_define(&caller, &role)?;
    let stored = r
        .store
        .create_role(&role, &caller.actor(), cordon_store::now_millis())
        .await?;
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "role.create", "role", &role.id).after(&role),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(OneRole {
            role: stored.into(),
        }),
    ))
}

#[utoipa::path(put, path = "/v1/roles/{id}", tag = "accounts", request_body = RoleInput,
    params(("id" = String, Path, description = "role id")),
    responses((status = 200, description = "the changed role; its holders have the new levels at once", body = OneRole),
              (status = 400, description = "a predefined role", body = ErrorBody),
              (status = 403, description = "it would give more than the caller holds", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<RoleInput>,
) -> ApiResult<Json<OneRole>> {
    let r = st.ready()?;
    caller.require_elevated()?;
    if input.id.as_ref().is_some_and(|i| *i != id) {
        return Err(ApiError::invalid_json(
            Some("id".into()),
            "a role's id cannot change",
        ));
    }
    let before = r.store.get_role(&id).await?;
    if before.role.predefined {
        return Err(ApiError::bad_request(format!(
            "role `{id}` is predefined and cannot be changed"
        )));
    }
    // Taking powers away is granting less; the caller must hold what the
    // role gave before too, or they could edit a role beyond them.
    may_define(&caller, &before.role)?;
    let role = role_of(id.clone(), input);
    may_define(&caller, &role)?;
    let stored = r
        .store
        .update_role(&role, &caller.actor(), cordon_store::now_millis())
        .await?;
    st.forget_keys();
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "role.update", "role", &id)
            .before(&before.role)
            .after(&role),
    )
    .await?;
    Ok(Json(OneRole {
        role: stored.into(),
    }))
}

#[utoipa::path(delete, path = "/v1/roles/{id}", tag = "accounts",
    params(("id" = String, Path, description = "role id")),
    responses((status = 204, description = "deleted"),
              (status = 400, description = "predefined, or held by someone (the message names them)", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
) -> ApiResult<StatusCode> {
    let r = st.ready()?;
    caller.require_elevated()?;
    let before = r.store.get_role(&id).await?;
    if before.role.predefined {
        return Err(ApiError::bad_request(format!(
            "role `{id}` is predefined and cannot be deleted"
        )));
    }
    may_define(&caller, &before.role)?;
    r.store.delete_role(&id, &caller.actor()).await?;
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "role.delete", "role", &id).before(&before.role),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
