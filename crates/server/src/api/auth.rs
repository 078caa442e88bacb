//! Sign-in: password, second factor (e-mail code, authenticator, its
//! enrolment), sign-out, re-authentication. Thin handlers over
//! [`crate::login::flow`] and [`crate::login::manage`]; cookies are set
//! here. The sign-in routes are public but throttled per address (after
//! `login_failures_per_minute` failures), and a browser's `Origin`, when
//! sent, must be this server.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::AppendHeaders;
use cordon_identity::Password;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::RequestMeta;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::login::flow::{self, Pending, Reauth, Signed, Started};
use crate::login::{manage, session};
use crate::state::AppState;

type Cookies = AppendHeaders<Vec<(HeaderName, HeaderValue)>>;

fn set_cookies(values: Vec<HeaderValue>) -> Cookies {
    AppendHeaders(
        values
            .into_iter()
            .map(|v| (header::SET_COOKIE, v))
            .collect(),
    )
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
    /// A remembered browser's token, for clients without the
    /// `cordon_remember` cookie: skips the second factor only.
    #[serde(default)]
    pub remember_token: Option<String>,
}

/// Who signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedInAccount {
    pub id: String,
    pub username: String,
}

/// The session just issued (its token is in the `cordon_session`
/// cookie only).
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// Public id (`/v1/me/sessions`).
    pub id: String,
    pub expires_at: i64,
    pub idle_expires_at: i64,
}

/// The answer of a sign-in step: either a session (`signed_in`) or the
/// second factor awaited (`second_factor`, `challenge`).
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginAnswer {
    pub signed_in: bool,
    /// `email`, `totp` or `totp_enroll` (then `GET /v1/auth/2fa/enroll`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second_factor: Option<String>,
    /// The login challenge to send back with the code; expires at
    /// `expires_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Where the e-mail code went: `a***@example.org`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<SignedInAccount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionInfo>,
    /// Send it as `X-CSRF-Token` with every change (also in the
    /// `cordon_csrf` cookie).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    /// Only `/v1/me*` and `/v1/auth/*` until the password is changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub must_change_password: Option<bool>,
    /// How the second factor was met: `none`, `email`, `totp`,
    /// `totp_enroll`, `remembered`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second_factor_used: Option<String>,
    /// The remembered browser's token (also in the `cordon_remember`
    /// cookie), when asked for; valid `remember_days`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remember_token: Option<String>,
}

impl LoginAnswer {
    fn pending(p: Pending) -> LoginAnswer {
        LoginAnswer {
            signed_in: false,
            second_factor: Some(p.method.as_str().to_owned()),
            challenge: Some(p.challenge.expose().to_owned()),
            expires_at: Some(p.expires_at),
            email_hint: p.email_hint,
            account: None,
            session: None,
            csrf_token: None,
            must_change_password: None,
            second_factor_used: None,
            remember_token: None,
        }
    }
}

fn signed_in(st: &AppState, s: Signed) -> (StatusCode, Cookies, Json<LoginAnswer>) {
    let mut cookies = session::session_cookies(st, &s.issued);
    if let Some((t, days)) = &s.remember {
        cookies.push(session::remember_cookie(st, t, *days));
    }
    let answer = LoginAnswer {
        signed_in: true,
        second_factor: None,
        challenge: None,
        expires_at: None,
        email_hint: None,
        account: Some(SignedInAccount {
            id: s.account.id.clone(),
            username: s.account.username.clone(),
        }),
        session: Some(SessionInfo {
            id: session::public_id(&s.issued.session.id),
            expires_at: s.issued.session.expires_at,
            idle_expires_at: s.issued.session.idle_expires_at,
        }),
        csrf_token: Some(s.issued.csrf.expose().to_owned()),
        must_change_password: Some(s.account.must_change_password),
        second_factor_used: Some(s.method.to_owned()),
        remember_token: s.remember.as_ref().map(|(t, _)| t.expose().to_owned()),
    };
    (StatusCode::OK, set_cookies(cookies), Json(answer))
}

#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginInput,
    responses(
        (status = 200, description = "signed in (session cookies set), or the second factor awaited", body = LoginAnswer),
        (status = 401, description = "`invalid_credentials`: unknown user, wrong password or disabled account, alike", body = crate::error::ErrorBody),
        (status = 423, description = "`account_locked`: locked after failed sign-ins, until the time given", body = crate::error::ErrorBody),
        (status = 429, description = "`login_throttled`: too many failures from this address", body = crate::error::ErrorBody)))]
pub async fn login(
    State(st): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    ApiJson(input): ApiJson<LoginInput>,
) -> ApiResult<(StatusCode, Cookies, Json<LoginAnswer>)> {
    session::check_origin(&headers)?;
    let password = Password::new(input.password);
    let cookie = session::cookie_value(&headers, session::REMEMBER_COOKIE);
    let remember = input.remember_token.as_deref().or(cookie);
    match flow::password_step(&st, &meta, &input.username, &password, remember).await? {
        Started::Signed(s) => Ok(signed_in(&st, *s)),
        Started::Pending(p) => Ok((
            StatusCode::OK,
            set_cookies(Vec::new()),
            Json(LoginAnswer::pending(p)),
        )),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorInput {
    pub challenge: String,
    /// Six digits (spaces ignored).
    pub code: String,
    /// Remember this browser for `remember_days` (the second factor is
    /// then skipped there).
    #[serde(default)]
    pub remember: bool,
}

#[utoipa::path(post, path = "/v1/auth/2fa", tag = "auth", request_body = SecondFactorInput,
    responses(
        (status = 200, description = "signed in", body = LoginAnswer),
        (status = 401, description = "`invalid_code`, `code_expired`, `too_many_attempts`, `challenge_expired`", body = crate::error::ErrorBody),
        (status = 423, description = "`account_locked`", body = crate::error::ErrorBody)))]
pub async fn second_factor(
    State(st): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SecondFactorInput>,
) -> ApiResult<(StatusCode, Cookies, Json<LoginAnswer>)> {
    session::check_origin(&headers)?;
    let s =
        flow::second_factor_step(&st, &meta, &input.challenge, &input.code, input.remember).await?;
    Ok(signed_in(&st, s))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResendInput {
    pub challenge: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Resent {
    /// The new code works until then.
    pub expires_at: i64,
    pub resends_left: i64,
}

#[utoipa::path(post, path = "/v1/auth/2fa/resend", tag = "auth", request_body = ResendInput,
    responses(
        (status = 200, description = "a new e-mail code was sent (the old one no longer works)", body = Resent),
        (status = 429, description = "`resend_too_soon` (once a minute) or `resend_limit` (five per sign-in)", body = crate::error::ErrorBody)))]
pub async fn resend(
    State(st): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ResendInput>,
) -> ApiResult<Json<Resent>> {
    session::check_origin(&headers)?;
    let r = flow::resend(&st, &meta, &input.challenge).await?;
    Ok(Json(Resent {
        expires_at: r.expires_at,
        resends_left: r.resends_left,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct EnrolQuery {
    /// The `totp_enroll` challenge.
    pub challenge: String,
}

/// A new authenticator to enrol: scan the QR code or type the secret,
/// then send its first code to `POST /v1/auth/2fa`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enrolment {
    pub otpauth_uri: String,
    /// The secret in base32, for typing in.
    pub secret: String,
    /// The QR code of `otpauth_uri`, as an SVG document.
    pub qr_svg: String,
}

#[utoipa::path(get, path = "/v1/auth/2fa/enroll", tag = "auth", params(EnrolQuery),
    responses((status = 200, description = "the authenticator to enrol", body = Enrolment)))]
pub async fn enroll(
    State(st): State<AppState>,
    meta: RequestMeta,
    Query(q): Query<EnrolQuery>,
) -> ApiResult<Json<Enrolment>> {
    let e = flow::enrolment(&st, &meta, &q.challenge).await?;
    Ok(Json(Enrolment {
        otpauth_uri: e.otpauth_uri,
        secret: e.secret,
        qr_svg: e.qr_svg,
    }))
}

#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "this session is signed out; its cookies are deleted")),
    security(("session" = [])))]
pub async fn logout(
    State(st): State<AppState>,
    meta: RequestMeta,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<(StatusCode, Cookies)> {
    manage::logout(&st, &meta, &caller).await?;
    Ok((
        StatusCode::NO_CONTENT,
        set_cookies(session::clear_cookies(&st, false)),
    ))
}

/// What "sign out everywhere" ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedOut {
    pub sessions: u64,
    pub browsers: u64,
}

#[utoipa::path(post, path = "/v1/auth/logout-all", tag = "auth",
    responses((status = 200, description = "every session and remembered browser of the account ended", body = SignedOut)),
    security(("session" = []), ("api_key" = [])))]
pub async fn logout_all(
    State(st): State<AppState>,
    meta: RequestMeta,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<(StatusCode, Cookies, Json<SignedOut>)> {
    let (sessions, browsers) = manage::logout_all(&st, &meta, &caller).await?;
    Ok((
        StatusCode::OK,
        set_cookies(session::clear_cookies(&st, true)),
        Json(SignedOut { sessions, browsers }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReauthInput {
    pub password: String,
    /// The authenticator's code, or the e-mail code (with `challenge`).
    #[serde(default)]
    pub code: Option<String>,
    /// With e-mail codes: the challenge of the first call's answer.
    #[serde(default)]
    pub challenge: Option<String>,
}

/// Re-authenticated: dangerous changes allowed until `elevated_until`;
/// or, with e-mail codes, a code sent for `challenge`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reauthenticated {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elevated_until: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second_factor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_hint: Option<String>,
}

#[utoipa::path(post, path = "/v1/auth/reauth", tag = "auth", request_body = ReauthInput,
    responses(
        (status = 200, description = "elevated", body = Reauthenticated),
        (status = 202, description = "an e-mail code was sent: call again with it and `challenge`", body = Reauthenticated),
        (status = 403, description = "`invalid_credentials`, `second_factor_required`", body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn reauth(
    State(st): State<AppState>,
    meta: RequestMeta,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(input): ApiJson<ReauthInput>,
) -> ApiResult<(StatusCode, Json<Reauthenticated>)> {
    let password = Password::new(input.password);
    let r = flow::reauth(
        &st,
        &meta,
        &caller,
        &password,
        input.code.as_deref(),
        input.challenge.as_deref(),
    )
    .await?;
    Ok(match r {
        Reauth::Elevated { until } => (
            StatusCode::OK,
            Json(Reauthenticated {
                elevated_until: Some(until),
                second_factor: None,
                challenge: None,
                expires_at: None,
                email_hint: None,
            }),
        ),
        Reauth::CodeSent(p) => (
            StatusCode::ACCEPTED,
            Json(Reauthenticated {
                elevated_until: None,
                second_factor: Some(p.method.as_str().to_owned()),
                challenge: Some(p.challenge.expose().to_owned()),
                expires_at: Some(p.expires_at),
                email_hint: p.email_hint,
            }),
        ),
    })
}
