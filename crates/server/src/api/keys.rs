//! API keys: create (the secret is shown once), list, revoke.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cordon_store::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::wire;
use crate::auth::Caller;
use crate::error::ApiResult;
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
    ApiJson(input): ApiJson<KeyInput>,
) -> ApiResult<(StatusCode, Json<NewKey>)> {
    let r = st.ready()?;
    let k = r
        .store
        .create_api_key(
            &input.name,
            input.role.unwrap_or(Role::Client),
            None,
            &caller.actor(),
            cordon_store::now_millis(),
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
) -> ApiResult<StatusCode> {
    let r = st.ready()?;
    r.store
        .revoke_api_key(&id, &caller.actor(), cordon_store::now_millis())
        .await?;
    st.forget_keys();
    Ok(StatusCode::NO_CONTENT)
}
