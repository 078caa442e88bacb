//! API keys: create (the secret is shown once), list, revoke.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cordon_store::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use cordon_access::{Scope, can_assign, can_grant_scope};

use super::wire;
use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyInput {
    pub name: String,
    /// `client` (default) or `admin`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    /// For an `admin` key: the account it acts for, with that account's
    /// role and scope (never more). Without one, an `admin` key is a
    /// service principal with the administrator role over all computers,
    /// which only an administrator of all computers may create.
    #[serde(default)]
    pub owner: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    pub keys: Vec<wire::ApiKey>,
}

/// A new key and its secret, shown only this once.
#[derive(Serialize, ToSchema)]
pub struct NewKey {
    pub key: wire::ApiKey,
    /// `cordon_<id>_<secret>`: present it as `Authorization: Bearer …`.
    pub secret: String,
}

#[utoipa::path(get, path = "/v1/keys", tag = "keys",
    responses((status = 200, description = "all keys (never their secrets)", body = KeyList)), security(("api_key" = [])))]
pub async fn list(State(st): State<AppState>) -> ApiResult<Json<KeyList>> {
    let r = st.ready()?;
    Ok(Json(KeyList {
        keys: wire::all(r.store.list_api_keys().await?),
    }))
}

#[utoipa::path(post, path = "/v1/keys", tag = "keys", request_body = KeyInput,
    responses((status = 201, description = "the new key; `secret` is shown only this once", body = NewKey)),
    security(("api_key" = [])))]
pub async fn create(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<KeyInput>,
) -> ApiResult<(StatusCode, Json<NewKey>)> {
    let r = st.ready()?;
    caller.require_elevated()?;
    let role = input.role.unwrap_or(Role::Client);
    match (&input.owner, role) {
        (Some(_), Role::Client) => {
            return Err(ApiError::invalid_json(
                Some("owner".into()),
                "a client key is a machine's: only an `admin` key has an owner",
            ));
        }
        (Some(owner), _) => {
            let a = r.store.get_account(owner).await?;
            if a.id != caller.subject()?.id {
                let role = r.store.get_role(&a.role_id).await?.role;
                let d = can_assign(caller.subject()?, &a.id, a.super_admin, &role, &a.scope);
                if !d.allowed {
                    return Err(ApiError::forbidden(d.reason.to_string()));
                }
            }
        }
        (None, Role::Admin) => {
            let d = can_grant_scope(caller.subject()?, &Scope::All);
            if !d.allowed {
                return Err(ApiError::forbidden(format!(
                    "a key without an owner administers all computers: {}",
                    d.reason
                )));
            }
        }
        (None, _) => {}
    }
    let k = r
        .store
        .create_api_key(
            &input.name,
            role,
            input.owner.as_deref(),
            &caller.actor(),
            cordon_store::now_millis(),
        )
        .await?;
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "key.create", "key", &k.key.id).after(&k.key),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewKey {
            key: k.key.into(),
            secret: k.secret.expose().to_owned(),
        }),
    ))
}

#[utoipa::path(delete, path = "/v1/keys/{id}", tag = "keys",
    params(("id" = String, Path, description = "key id")),
    responses((status = 204, description = "revoked")), security(("api_key" = [])))]
pub async fn revoke(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
) -> ApiResult<StatusCode> {
    let r = st.ready()?;
    r.store
        .revoke_api_key(&id, &caller.actor(), cordon_store::now_millis())
        .await?;
    st.forget_keys();
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "key.revoke", "key", &id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
