//! The signed-in person's own account: who they are (role, levels,
//! scope, second factor, session), their sessions and remembered
//! browsers, and their password.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cordon_identity::Password;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::RequestMeta;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::login::session::public_id;
use crate::login::{manage, settings::TwoFactor};
use crate::state::AppState;

/// The account, without its secrets.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyAccount {
    pub id: String,
    pub username: String,
    /// `local` or `directory`.
    pub auth: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub super_admin: bool,
    pub must_change_password: bool,
    pub created_at: i64,
    pub password_changed_at: Option<i64>,
    pub last_login_at: Option<i64>,
}

/// The role and its level per module.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyRole {
    pub id: String,
    pub name: String,
    /// The Admin tab (users, roles, keys, settings).
    pub admin: bool,
    /// Module → `no_access`, `read`, `write`, `full_control`.
    #[schema(value_type = Object)]
    pub levels: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyTwoFactor {
    /// The server's mode: `off`, `email`, `totp`.
    pub mode: String,
    /// An authenticator is enrolled.
    pub totp_enrolled: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MySession {
    pub id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub idle_expires_at: i64,
    /// Dangerous changes are allowed until then (`POST /v1/auth/reauth`).
    pub elevated_until: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub account: MyAccount,
    pub role: MyRole,
    /// `{"kind": "all"}`, `{"kind": "groups", "names": [...]}` or
    /// `{"kind": "offices", "names": [...]}`.
    #[schema(value_type = Object)]
    pub scope: serde_json::Value,
    pub two_factor: MyTwoFactor,
    /// The session of this request (none for an API key).
    pub session: Option<MySession>,
}

#[utoipa::path(get, path = "/v1/me", tag = "me",
    responses((status = 200, description = "the signed-in account", body = Me)),
    security(("session" = []), ("api_key" = [])))]
pub async fn me(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<Me>> {
    let account = manage::own_account(&st, &caller).await?;
    let role = st.ready()?.store.get_role(&account.role_id).await?.role;
    let settings = st.login_settings().await?;
    let mode = match settings.two_factor {
        TwoFactor::Off => "off",
        TwoFactor::Email => "email",
        TwoFactor::Totp => "totp",
    };
    Ok(Json(Me {
        role: MyRole {
            id: role.id,
            name: role.name,
            admin: role.admin,
            levels: serde_json::to_value(&role.levels).unwrap_or_default(),
        },
        scope: serde_json::to_value(&account.scope).unwrap_or_default(),
        two_factor: MyTwoFactor {
            mode: mode.to_owned(),
            totp_enrolled: account.totp_enrolled,
        },
        session: caller.session().map(|s| MySession {
            id: public_id(&s.id),
            created_at: s.created_at,
            expires_at: s.expires_at,
            idle_expires_at: s.idle_expires_at,
            elevated_until: s.elevated_until,
        }),
        account: MyAccount {
            id: account.id,
            username: account.username,
            auth: account.auth.as_str().to_owned(),
            email: account.email,
            phone: account.phone,
            super_admin: account.super_admin,
            must_change_password: account.must_change_password,
            created_at: account.created_at,
            password_changed_at: account.password_changed_at,
            last_login_at: account.last_login_at,
        },
    }))
}

/// One of the account's sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionRow {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub idle_expires_at: i64,
    pub ip: String,
    pub user_agent: String,
    /// The session of this request.
    pub current: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<SessionRow>,
}

#[utoipa::path(get, path = "/v1/me/sessions", tag = "me",
    responses((status = 200, description = "the account's active sessions, latest activity first", body = SessionList)),
    security(("session" = []), ("api_key" = [])))]
pub async fn sessions(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<SessionList>> {
    let current = caller.session().map(|s| s.id.clone()).unwrap_or_default();
    let sessions = manage::sessions(&st, &caller)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            id: public_id(&s.id),
            current: s.id == current,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            idle_expires_at: s.idle_expires_at,
            ip: s.ip,
            user_agent: s.user_agent,
        })
        .collect();
    Ok(Json(SessionList { sessions }))
}

#[utoipa::path(delete, path = "/v1/me/sessions/{id}", tag = "me",
    params(("id" = String, Path, description = "the session's id from `GET /v1/me/sessions`")),
    responses((status = 204, description = "signed out")),
    security(("session" = []), ("api_key" = [])))]
pub async fn revoke_session(
    State(st): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<StatusCode> {
    manage::revoke_session(&st, &meta, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A browser that skips the second factor.
#[derive(Debug, Serialize, ToSchema)]
pub struct BrowserRow {
    pub id: String,
    /// Its user agent when remembered.
    pub label: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BrowserList {
    pub browsers: Vec<BrowserRow>,
}

#[utoipa::path(get, path = "/v1/me/browsers", tag = "me",
    responses((status = 200, description = "remembered browsers that still skip the second factor", body = BrowserList)),
    security(("session" = []), ("api_key" = [])))]
pub async fn browsers(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<BrowserList>> {
    let browsers = manage::browsers(&st, &caller)
        .await?
        .into_iter()
        .map(|b| BrowserRow {
            id: public_id(&b.id),
            label: b.label,
            created_at: b.created_at,
            expires_at: b.expires_at,
            last_used_at: b.last_used_at,
        })
        .collect();
    Ok(Json(BrowserList { browsers }))
}

#[utoipa::path(delete, path = "/v1/me/browsers/{id}", tag = "me",
    params(("id" = String, Path, description = "the browser's id from `GET /v1/me/browsers`")),
    responses((status = 204, description = "forgotten: it asks for the second factor again")),
    security(("session" = []), ("api_key" = [])))]
pub async fn forget_browser(
    State(st): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<StatusCode> {
    manage::forget_browser(&st, &meta, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordInput {
    pub current: String,
    pub new: String,
}

#[utoipa::path(post, path = "/v1/me/password", tag = "me", request_body = PasswordInput,
    responses(
        (status = 204, description = "changed; every other session and every remembered browser ended"),
        (status = 400, description = "the new password does not meet the policy (`field` = `new`)", body = crate::error::ErrorBody),
        (status = 403, description = "`invalid_credentials`: the current password is wrong", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn change_password(
    State(st): State<AppState>,
    meta: RequestMeta,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(input): ApiJson<PasswordInput>,
) -> ApiResult<StatusCode> {
    let current = Password::new(input.current);
    let new = Password::new(input.new);
    manage::change_password(&st, &meta, &caller, &current, &new).await?;
    Ok(StatusCode::NO_CONTENT)
}
