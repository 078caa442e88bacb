//! Middleware that every response passes through: request timeout and
//! metrics, security headers, JSON answers for unknown routes and methods,
//! and the panic catcher.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::metrics::{RouteLabels, RouteOnly};
use crate::state::AppState;

/// Request timeout, metrics and request ids.
pub(crate) async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let limit = if route == "/v1/inspect" {
        state.settings.inspect_timeout_ms
    } else if crate::api::shadows::ROUTES.contains(&route.as_str()) {
        state.settings.shadow_timeout_ms
    } else {
        state.settings.request_timeout_ms
    };
    let resp = match tokio::time::timeout(Duration::from_millis(limit), next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::unavailable(
            "timeout",
            format!("the request took longer than {limit} ms"),
        )
        .into_response(),
    };
    let m = &state.metrics;
    m.requests
        .get_or_create(&RouteLabels {
            method: method.to_string(),
            route: route.clone(),
            status: resp.status().as_u16(),
        })
        .inc();
    m.latency
        .get_or_create(&RouteOnly { route })
        .observe(started.elapsed().as_secs_f64());
    resp
}

/// The policy for every response: nothing is sniffed, framed or cached
/// (responses carry keys, incidents and masked findings), and the content
/// security policy allows nothing a JSON API does not need. The console
/// will widen `default-src` to `'self'` for its own pages only.
pub(crate) const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub(crate) async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    // A handler that chose its caching (the agent's policy poll with its
    // ETag) keeps it; everything else is never stored.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

pub(crate) async fn not_found(req: Request) -> ApiError {
    ApiError::not_found(format!("route `{} {}`", req.method(), req.uri().path()))
}

pub(crate) async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "`{}` is not allowed on `{}`",
            req.method(),
            req.uri().path()
        ),
    )
}

pub(crate) fn on_panic(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("handler panicked", &"panic").into_response()
}
