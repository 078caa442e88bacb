//! Request extractors whose failures are API errors: JSON that names the
//! offending field, bodies over the limit as `413 payload_too_large`.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Parses JSON; an error names the field by its path (`user.groups[2]`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if has_nul_escape(bytes) {
        // PostgreSQL cannot store NUL in text; no field has a use for it.
        return Err(ApiError::invalid_json(
            None,
            "strings must not contain the NUL character (`\\u0000`)",
        ));
    }
    // The plain parse is the hot path; the path-tracking parse, slower,
    // runs only to explain a body that was refused.
    let first_error = match serde_json::from_slice::<T>(bytes) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        // Only what follows the value can have failed (trailing characters).
        Ok(_) => Err(ApiError::invalid_json(
            None,
            format!("the body is not valid JSON: {first_error}"),
        )),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let field = (path != "." && !path.is_empty()).then_some(path);
            let message = match (&field, inner.classify()) {
                (_, serde_json::error::Category::Eof) => {
                    format!("the JSON body ends too early: {inner}")
                }
                (_, serde_json::error::Category::Syntax) => {
                    format!("the body is not valid JSON: {inner}")
                }
                (Some(f), _) => format!("invalid value at `{f}`: {inner}"),
                (None, _) => format!("invalid request body: {inner}"),
            };
            Err(ApiError::invalid_json(field, message))
        }
    }
}

/// Whether a JSON text holds a `\u0000` escape (a backslash that is not
/// itself escaped, then `u0000`). Raw NUL bytes are not valid JSON at all.
fn has_nul_escape(bytes: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, b"u0000").any(|at| {
        let before = bytes.get(..at).unwrap_or_default();
        let slashes = before.iter().rev().take_while(|&&b| b == b'\\').count();
        slashes % 2 == 1
    })
}

/// The raw body, within the configured limit.
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Bytes::from_request(req, state).await {
            Ok(b) => Ok(ApiBytes(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "request body is larger than the configured `max_body_bytes`",
            )),
            Err(e) => Err(ApiError::bad_request(format!(
                "cannot read the body: {}",
                e.body_text()
            ))),
        }
    }
}

/// A JSON body (any content type: `curl -d` sends a form type).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ApiBytes(b) = ApiBytes::from_request(req, state).await?;
        parse_json(&b).map(ApiJson)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct T {
        user: U,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct U {
        name: String,
        groups: Vec<String>,
    }

    #[test]
    fn nul_escapes_are_refused_and_escaped_backslashes_are_not() {
        for (json, nul) in [
            (r#"{"a": "x\u0000y"}"#, true),
            (r#"{"a": "\u0000"}"#, true),
            (r#"{"a": "\\u0000"}"#, false),
            (r#"{"a": "\\\u0000"}"#, true),
            (r#"{"a": "u0000"}"#, false),
            (r#"{"a": "\u00001"}"#, true),
        ] {
            assert_eq!(has_nul_escape(json.as_bytes()), nul, "{json}");
        }
        let e = parse_json::<serde_json::Value>(br#"{"a": "x\u0000"}"#).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.body.message.contains("NUL"), "{}", e.body.message);
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse_json::<T>(br#"{"user": {"name": "a", "groups": ["x", 5]}}"#).unwrap_err();
        assert_eq!(e.body.field.as_deref(), Some("user.groups[1]"));
        assert_eq!(e.body.code, "invalid_json");
        let e = parse_json::<T>(br#"{"user": {"groups": []}}"#).unwrap_err();
        assert!(e.body.message.contains("name"), "{}", e.body.message);
        let e = parse_json::<T>(b"{\"user\": ").unwrap_err();
        assert!(
            e.body.message.contains("ends too early"),
            "{}",
            e.body.message
        );
    }
}
