//! Operations: liveness, readiness, metrics and the API description.

use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// The process is alive.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

/// Ready to serve: the database is open and incidents are being loaded.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    /// Always `ready`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// Bumped by every activation on any server.
    pub policy_generation: i64,
    /// The incident journal's workers and backlog.
    #[schema(value_type = Object)]
    pub journal: crate::journal::HealthSnapshot,
    pub active_policies: Vec<ActivePolicy>,
}

/// A policy and the version of it in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivePolicy {
    pub id: String,
    pub version: i64,
}

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "the process is alive", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "ready to serve", body = Ready),
              (status = 503, description = "not ready, and why", body = ErrorBody)))]
pub async fn readyz(State(st): State<AppState>) -> ApiResult<Json<Ready>> {
    if st.shutting_down.load(Ordering::SeqCst) {
        return Err(ApiError::unavailable(
            "shutting_down",
            "the server is shutting down",
        ));
    }
    let ready = st.ready()?;
    // State the journal's workers keep, never a database round trip: a
    // probe costs the same on any database, and unauthenticated probes
    // cannot take the pool's connections.
    let health = ready.incidents.health();
    if let Err((code, message)) = health.readiness() {
        return Err(ApiError::unavailable(code, message));
    }
    let p = ready.policy.load();
    Ok(Json(Ready {
        status: "ready",
        backend: ready.store.backend(),
        policy_generation: p.generation,
        journal: health,
        active_policies: p
            .versions
            .iter()
            .map(|(id, version)| ActivePolicy {
                id: id.clone(),
                version: *version,
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")),
    security(("api_key" = [])))]
pub async fn metrics(State(st): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        st.metrics.encode(),
    )
        .into_response()
}

#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "this API's OpenAPI document")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::openapi::document())
}
