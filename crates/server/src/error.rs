//! API errors: a JSON body with a stable `code` and a message that names
//! the problem. Internal errors are logged with an id; the caller gets the
//! id and nothing else.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The error body of every failed request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid_json`.
    pub code: &'static str,
    /// What was wrong, for people.
    pub message: String,
    /// The offending field (`user.username`), for `invalid_json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `internal`: quote it when reporting; the server log has details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
    /// For `policy_invalid`: the checker's diagnostics.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<crate::engine::Diag>>)]
    pub diagnostics: Option<Box<Vec<crate::engine::Diag>>>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    /// Seconds for a `Retry-After` header (`429`, some `503`s).
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
                field: None,
                error_id: None,
                diagnostics: None,
            },
            retry_after: None,
        }
    }

    /// What was wrong, for people.
    pub fn message(&self) -> &str {
        &self.body.message
    }

    /// With a `Retry-After` header of `secs` seconds.
    pub fn retry_after(mut self, secs: u32) -> ApiError {
        self.retry_after = Some(secs);
        self
    }

    /// `429`: this caller must slow down, for `retry` seconds.
    pub fn too_many(code: &'static str, message: impl Into<String>, retry: u32) -> ApiError {
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, message).retry_after(retry)
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn invalid_json(field: Option<String>, message: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", message);
        e.body.field = field;
        e
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{} not found", what.into()),
        )
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn unavailable(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }

    pub fn too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body is larger than the limit of {limit} bytes"),
        )
    }

    pub fn policy_invalid(message: impl Into<String>, diags: Vec<crate::engine::Diag>) -> ApiError {
        let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "policy_invalid", message);
        e.body.diagnostics = Some(Box::new(diags));
        e
    }

    /// Logs `err` with a fresh id and returns an opaque 500 carrying the id.
    pub fn internal(context: &str, err: &dyn std::fmt::Display) -> ApiError {
        let id = uuid::Uuid::new_v4().simple().to_string();
        tracing::error!(error_id = %id, "{context}: {err}");
        let mut e = ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the server log has details under this error id",
        );
        e.body.error_id = Some(id);
        e
    }
}

impl From<cordon_store::StoreError> for ApiError {
    fn from(e: cordon_store::StoreError) -> ApiError {
        use cordon_store::StoreError as E;
        match e {
            E::NotFound(what) => ApiError::not_found(what),
            E::Conflict(what) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("{what} already exists"),
            ),
            E::Invalid(what) => ApiError::bad_request(format!("invalid {what}")),
            other => match other.kind() {
                // By the driver's error code, never by message text; the
                // database's own words stay in the log.
                cordon_store::ErrorKind::Full => {
                    tracing::error!("database is full: {other}");
                    ApiError::unavailable(
                        "storage_full",
                        "the database is full; nothing can be recorded until space is freed",
                    )
                }
                cordon_store::ErrorKind::Unavailable => {
                    tracing::error!("database unavailable: {other}");
                    ApiError::unavailable(
                        "storage_unavailable",
                        "the database is unavailable; try again later",
                    )
                }
                cordon_store::ErrorKind::Invalid => {
                    tracing::warn!("the database refuses a value: {other}");
                    ApiError::bad_request(
                        "the database refuses a value of this request (text with a NUL character, or a value out of range)",
                    )
                }
                _ => ApiError::internal("storage", &other),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body)).into_response();
        if let Some(secs) = self.retry_after {
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        r
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
