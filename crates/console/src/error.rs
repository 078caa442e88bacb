//! What can go wrong behind a page, and what the browser is shown then.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::api::{Answer, enc};

/// The API's error body (`ErrorBody` in `cordon-server`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApiErrorBody {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub diagnostics: Option<Vec<Diag>>,
}

/// One diagnostic of the policy checker.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Diag {
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub line: Option<u64>,
    #[serde(default)]
    pub column: Option<u64>,
    /// The source line with a caret under the column.
    #[serde(default)]
    pub rendered: String,
}

/// Why a page could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// No session, or it ended: sign in, then come back to `next`.
    #[error("sign in first")]
    SignIn { next: String },
    /// The one-time password must be changed before anything else.
    #[error("change your password first")]
    ChangePassword,
    /// The API refused: not permitted for this role or scope.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Any other refusal of the API, with its body (shown on the page
    /// that made the request, when it can).
    #[error("{}", .body.message)]
    Api {
        status: StatusCode,
        body: ApiErrorBody,
    },
    /// The console itself failed: a bug, logged.
    #[error("{0}")]
    Internal(String),
}

impl Failure {
    pub(crate) fn from_answer(a: &Answer) -> Failure {
        let body: ApiErrorBody = serde_json::from_slice(&a.body).unwrap_or_else(|_| ApiErrorBody {
            code: "unknown".to_owned(),
            message: String::from_utf8_lossy(&a.body).chars().take(500).collect(),
            ..ApiErrorBody::default()
        });
        match (a.status, body.code.as_str()) {
            (StatusCode::UNAUTHORIZED, _) => Failure::SignIn {
                next: String::new(),
            },
            (StatusCode::FORBIDDEN, "password_change_required") => Failure::ChangePassword,
            (StatusCode::FORBIDDEN, "csrf") => Failure::Api {
                status: a.status,
                body,
            },
            (StatusCode::FORBIDDEN, _) => Failure::Forbidden(body.message),
            (StatusCode::NOT_FOUND, _) => Failure::NotFound(body.message),
            (status, _) => Failure::Api { status, body },
        }
    }

    /// The same failure, signing in back to `here`.
    pub fn returning_to(self, here: &str) -> Failure {
        match self {
            Failure::SignIn { .. } => Failure::SignIn {
                next: here.to_owned(),
            },
            other => other,
        }
    }

    /// The message for a person, for a failure shown inline on a form.
    pub fn message(&self) -> String {
        match self {
            Failure::Api { body, .. } => body.message.clone(),
            other => other.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "problem.html")]
struct Problem<'a> {
    title: &'a str,
    message: &'a str,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, title) = match &self {
            Failure::SignIn { next } => {
                let to = if next.is_empty() || !next.starts_with('/') || next.starts_with("//") {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", enc(next))
                };
                return Redirect::to(&to).into_response();
            }
            Failure::ChangePassword => return Redirect::to("/password").into_response(),
            Failure::Forbidden(_) => (StatusCode::FORBIDDEN, "Not permitted"),
            Failure::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
            Failure::Api { status, .. } => (*status, "The server refused"),
            Failure::Internal(m) => {
                tracing::error!("console: {m}");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong")
            }
        };
        let message = match &self {
            Failure::Internal(_) => {
                "The console could not build this page; the server log says why.".to_owned()
            }
            other => other.message(),
        };
        let html = Problem {
            title,
            message: &message,
        }
        .render()
        .unwrap_or_else(|_| "<!doctype html><title>Error</title><p>Error".to_owned());
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            Html(html),
        )
            .into_response()
    }
}
