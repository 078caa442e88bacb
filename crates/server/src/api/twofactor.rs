//! The Admin tab's side of sign-in: the login settings (second factor,
//! remember-browser days, session lifetimes, elevation, lockout), and
//! what an administrator does to someone's sign-in: "re-send the QR
//! code" (forget the authenticator, so the next sign-in enrols a new
//! one) and unlock.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit::RequestMeta;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::login::manage;
use crate::login::settings::LoginSettings;
use crate::state::AppState;

#[utoipa::path(get, path = "/v1/settings/login", tag = "settings",
    responses((status = 200, description = "the login settings in force", body = LoginSettings)),
    security(("session" = []), ("api_key" = [])))]
pub async fn get_settings(State(st): State<AppState>) -> ApiResult<Json<LoginSettings>> {
    Ok(Json(st.login_settings().await?))
}

#[utoipa::path(put, path = "/v1/settings/login", tag = "settings", request_body = LoginSettings,
    responses(
        (status = 200, description = "stored; fields left out keep their value", body = LoginSettings),
        (status = 400, description = "`invalid_json` (a value out of range, `field` names it), `smtp_not_configured`, `email_missing` (names the users without an e-mail address)", body = crate::error::ErrorBody),
        (status = 403, description = "`reauthentication_required`", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn put_settings(
    State(st): State<AppState>,
    meta: RequestMeta,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Json<LoginSettings>> {
    Ok(Json(
        manage::put_settings(&st, &meta, &caller, &patch).await?,
    ))
}

/// An account's sign-in state after an administrator's action.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInState {
    pub id: String,
    pub username: String,
    pub totp_enrolled: bool,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
}

impl From<cordon_store::Account> for SignInState {
    fn from(a: cordon_store::Account) -> SignInState {
        SignInState {
            id: a.id,
            username: a.username,
            totp_enrolled: a.totp_enrolled,
            failed_logins: a.failed_logins,
            locked_until: a.locked_until,
        }
    }
}

#[utoipa::path(post, path = "/v1/users/{id}/reset-2fa", tag = "users",
    params(("id" = String, Path, description = "account id")),
    responses(
        (status = 200, description = "the authenticator is forgotten: the next sign-in shows a new QR code; remembered browsers are forgotten too", body = SignInState),
        (status = 403, description = "`reauthentication_required`", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn reset_two_factor(
    State(st): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<SignInState>> {
    // Only an account the caller could have created (never beyond them).
    super::users::managed(st.ready()?, &caller, &id).await?;
    Ok(Json(
        manage::reset_two_factor(&st, &meta, &caller, &id)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/v1/users/{id}/unlock", tag = "users",
    params(("id" = String, Path, description = "account id")),
    responses((status = 200, description = "unlocked: failed sign-ins reset", body = SignInState)),
    security(("session" = []), ("api_key" = [])))]
pub async fn unlock(
    State(st): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<SignInState>> {
    super::users::managed(st.ready()?, &caller, &id).await?;
    Ok(Json(manage::unlock(&st, &meta, &caller, &id).await?.into()))
}
