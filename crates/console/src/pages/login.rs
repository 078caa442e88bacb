//! Signing in and out: the password, then the second factor (an e-mail
//! code, an authenticator code, or enrolling an authenticator from its QR
//! code), "remember this browser", the one-time password's change, sign
//! out and sign out everywhere. Each step is the API's sign-in step; the
//! session cookies it sets are passed to the browser.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Console;
use crate::api::{Answer, Browser};
use crate::error::Failure;
use crate::page::html;
use crate::text::sentence;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    username: String,
    alert: String,
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    next: String,
    challenge: String,
    /// `email`, `totp` or `totp_enroll`.
    method: String,
    email_hint: String,
    /// For enrolment: the QR code (SVG made by the server) and the secret
    /// to type by hand.
    qr_svg: String,
    secret: String,
    alert: String,
    notice: String,
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    csrf: String,
    user: String,
    alert: String,
    field: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only a path of this site: never `//other.example` or a full address.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

pub async fn form(State(c): State<Console>, b: Browser, Query(q): Query<NextQuery>) -> Response {
    // Already signed in: straight on.
    if b.has_session && c.api.get::<serde_json::Value>(&b, "/v1/me").await.is_ok() {
        return Redirect::to(&safe_next(&q.next)).into_response();
    }
    html(&LoginPage {
        next: q.next,
        username: String::new(),
        alert: String::new(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
struct LoginAnswer {
    signed_in: bool,
    #[serde(default)]
    second_factor: Option<String>,
    #[serde(default)]
    challenge: Option<String>,
    #[serde(default)]
    email_hint: Option<String>,
    #[serde(default)]
    must_change_password: Option<bool>,
}

/// Passes the API's cookies on and goes to `to`.
fn redirect_with(cookies: Vec<HeaderValue>, to: &str) -> Response {
    let mut resp = Redirect::to(to).into_response();
    for c in cookies {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// Where a sign-in step that ended with a session goes.
fn signed_in(a: Answer, answer: &LoginAnswer, next: &str) -> Response {
    let to = if answer.must_change_password == Some(true) {
        "/password".to_owned()
    } else {
        safe_next(next)
    };
    redirect_with(a.cookies, &to)
}

pub async fn submit(State(c): State<Console>, b: Browser, Form(f): Form<LoginForm>) -> Response {
    let body = json!({"username": f.username, "password": f.password});
    let a = match c
        .api
        .call(&b, Method::POST, "/v1/auth/login", Some(&body), None)
        .await
    {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    if !a.status.is_success() {
        let status = a.status;
        return refused_login(status, &Failure::from_answer(&a), f.username, f.next);
    }
    let answer: LoginAnswer = match a.json() {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    if answer.signed_in {
        return signed_in(a, &answer, &f.next);
    }
    let page = SecondFactorPage {
        next: f.next,
        challenge: answer.challenge.unwrap_or_default(),
        method: answer.second_factor.unwrap_or_default(),
        email_hint: answer.email_hint.unwrap_or_default(),
        qr_svg: String::new(),
        secret: String::new(),
        alert: String::new(),
        notice: String::new(),
    };
    second_factor_page(&c, &b, page).await
}

fn refused_login(status: StatusCode, f: &Failure, username: String, next: String) -> Response {
    let alert = match f {
        Failure::SignIn { .. } => "The user name or password is wrong.".to_owned(),
        other => sentence(&other.message()),
    };
    let mut resp = html(&LoginPage {
        next,
        username,
        alert,
    });
    *resp.status_mut() = if status == StatusCode::UNAUTHORIZED {
        StatusCode::OK
    } else {
        status
    };
    resp
}

#[derive(Deserialize)]
struct Enrolment {
    secret: String,
    qr_svg: String,
}

/// The second-factor page; for enrolment, with the authenticator's QR code.
async fn second_factor_page(c: &Console, b: &Browser, mut page: SecondFactorPage) -> Response {
    if page.method == "totp_enroll" {
        let uri = format!(
            "/v1/auth/2fa/enroll?challenge={}",
            crate::api::enc(&page.challenge)
        );
        match c.api.get::<Enrolment>(b, &uri).await {
            Ok(e) => {
                page.qr_svg = e.qr_svg;
                page.secret = e.secret;
            }
            Err(e) => {
                return refused_login(
                    StatusCode::OK,
                    &e,
                    String::new(),
                    std::mem::take(&mut page.next),
                );
            }
        }
    }
    html(&page)
}

#[derive(Deserialize)]
pub struct CodeForm {
    challenge: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    email_hint: String,
    #[serde(default)]
    remember: Option<String>,
    #[serde(default)]
    next: String,
}

pub async fn code(State(c): State<Console>, b: Browser, Form(f): Form<CodeForm>) -> Response {
    let body = json!({
        "challenge": f.challenge,
        "code": f.code.trim(),
        "remember": f.remember.is_some(),
    });
    let a = match c
        .api
        .call(&b, Method::POST, "/v1/auth/2fa", Some(&body), None)
        .await
    {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    if a.status.is_success() {
        return match a.json::<LoginAnswer>() {
            Ok(answer) => signed_in(a, &answer, &f.next),
            Err(e) => e.into_response(),
        };
    }
    let failure = Failure::from_answer(&a);
    // A wrong code may be tried again on the same sign-in; an expired or
    // exhausted sign-in starts over.
    let again = matches!(&failure, Failure::SignIn { .. })
        && serde_json::from_slice::<crate::error::ApiErrorBody>(&a.body)
            .is_ok_and(|e| e.code == "invalid_code");
    if !again {
        let message = match serde_json::from_slice::<crate::error::ApiErrorBody>(&a.body) {
            Ok(e) if !e.message.is_empty() => e.message,
            _ => failure.message(),
        };
        return refused_login(
            StatusCode::OK,
            &Failure::Forbidden(message),
            String::new(),
            f.next,
        );
    }
    let page = SecondFactorPage {
        next: f.next,
        challenge: f.challenge,
        method: f.method,
        email_hint: f.email_hint,
        qr_svg: String::new(),
        secret: String::new(),
        alert: "The code is wrong. Try the current code again.".to_owned(),
        notice: String::new(),
    };
    second_factor_page(&c, &b, page).await
}

pub async fn resend(State(c): State<Console>, b: Browser, Form(f): Form<CodeForm>) -> Response {
    let body = json!({"challenge": f.challenge});
    let a = c
        .api
        .call(&b, Method::POST, "/v1/auth/2fa/resend", Some(&body), None)
        .await;
    let (alert, notice) = match a {
        Ok(a) if a.status.is_success() => (String::new(), "A new code was sent.".to_owned()),
        Ok(a) => (sentence(&Failure::from_answer(&a).message()), String::new()),
        Err(e) => return e.into_response(),
    };
    html(&SecondFactorPage {
        next: f.next,
        challenge: f.challenge,
        method: f.method,
        email_hint: f.email_hint,
        qr_svg: String::new(),
        secret: String::new(),
        alert,
        notice,
    })
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Ends the session (`path`: `/v1/auth/logout`) or every session of the
/// account (`/v1/auth/logout-all`), and passes the deleted cookies on.
async fn sign_out(c: &Console, b: &Browser, path: &str, csrf: &str) -> Response {
    match c.api.change(b, Method::POST, path, &json!({}), csrf).await {
        Ok(a) if a.status.is_success() => redirect_with(a.cookies, "/login"),
        Ok(a) => Failure::from_answer(&a).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn logout(State(c): State<Console>, b: Browser, Form(f): Form<CsrfForm>) -> Response {
    sign_out(&c, &b, "/v1/auth/logout", &f.csrf).await
}

pub async fn logout_all(State(c): State<Console>, b: Browser, Form(f): Form<CsrfForm>) -> Response {
    sign_out(&c, &b, "/v1/auth/logout-all", &f.csrf).await
}

/// The one-time password's change (and a voluntary one).
pub async fn password_form(State(c): State<Console>, b: Browser) -> Response {
    if !b.has_session {
        return Failure::SignIn {
            next: "/password".to_owned(),
        }
        .into_response();
    }
    let me = match c.api.get::<crate::page::Me>(&b, "/v1/me").await {
        Ok(me) => me,
        Err(e) => return e.returning_to("/password").into_response(),
    };
    html(&PasswordPage {
        csrf: b.csrf.clone(),
        user: me.account.username,
        alert: String::new(),
        field: String::new(),
    })
}

#[derive(Deserialize, Serialize)]
pub struct PasswordForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    current: String,
    new: String,
}

pub async fn password(
    State(c): State<Console>,
    b: Browser,
    Form(f): Form<PasswordForm>,
) -> Response {
    match c
        .api
        .change(&b, Method::POST, "/v1/me/password", &f, &f.csrf)
        .await
    {
        Ok(a) if a.status.is_success() => Redirect::to("/?done=password").into_response(),
        Ok(a) => {
            let failure = Failure::from_answer(&a);
            if let Failure::SignIn { .. } = failure {
                return failure.into_response();
            }
            let field = match &failure {
                Failure::Api { body, .. } => body.field.clone().unwrap_or_default(),
                _ => "current".to_owned(),
            };
            let user = c
                .api
                .get::<crate::page::Me>(&b, "/v1/me")
                .await
                .map(|m| m.account.username)
                .unwrap_or_default();
            let mut resp = html(&PasswordPage {
                csrf: b.csrf.clone(),
                user,
                alert: sentence(&failure.message()),
                field,
            });
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            resp
        }
        Err(e) => e.into_response(),
    }
}
