//! Response plug-ins (`/v1/plugins`): packages administrators install,
//! list and uninstall, like the Symantec seed's `flrinst -op=install|list|
//! uninstall`. A package is stored in the database, so every server of a
//! deployment runs the same bytes; each unpacks it on first use.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::alerts::config;
use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// An installed plug-in, as `cordon plugin list` shows it.
#[derive(Serialize, ToSchema)]

pub struct PluginView {
    pub name: String,
    pub version: String,
    pub description: String,
    /// `server` or `agent`.
    pub runs_on: String,
    /// The channels it handles (`*`: all).
    pub events: Vec<String>,
    pub timeout_ms: u64,
    /// Package size in bytes.
    pub size: i64,
    pub sha256: String,
    pub installed_at: i64,
    pub installed_by: super::wire::Actor,
}

impl PluginView {
    fn of(row: cordon_store::PluginRow) -> PluginView {
        let m: Option<cordon_plugin::Manifest> = serde_json::from_value(row.manifest.clone()).ok();
        PluginView {
            description: m
                .as_ref()
                .map(|m| m.description.clone())
                .unwrap_or_default(),
            runs_on: m
                .as_ref()
                .map(|m| {
                    if m.runs_on == cordon_plugin::RunsOn::Agent {
                        "agent"
                    } else {
                        "server"
                    }
                })
                .unwrap_or("server")
                .to_owned(),
            events: m.as_ref().map(|m| m.events.clone()).unwrap_or_default(),
            timeout_ms: m.as_ref().map_or(0, |m| m.timeout_ms),
            name: row.name,
            version: row.version,
            size: row.size,
            sha256: row.sha256,
            installed_at: row.installed_at,
            installed_by: row.installed_by.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PluginList {
    pub plugins: Vec<PluginView>,
}

#[utoipa::path(get, path = "/v1/plugins", tag = "plugins",
    responses((status = 200, description = "installed plug-ins", body = PluginList)),
    security(("session" = []), ("api_key" = [])))]
pub async fn list(State(st): State<AppState>) -> ApiResult<Json<PluginList>> {
    let rows = st.ready()?.store.list_plugins().await?;
    Ok(Json(PluginList {
        plugins: rows.into_iter().map(PluginView::of).collect(),
    }))
}

#[utoipa::path(post, path = "/v1/plugins", tag = "plugins",
    request_body(content = Vec<u8>, content_type = "application/gzip", description = "a package made by `cordon plugin pack`"),
    responses((status = 201, description = "installed (an installed plug-in of the same name is replaced)", body = PluginView),
              (status = 400, description = "`invalid_package`: what is wrong with it", body = crate::error::ErrorBody),
              (status = 413, description = "over the package size limit", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn install(
    State(st): State<AppState>,
    meta: RequestMeta,
    axum::Extension(caller): axum::Extension<Caller>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<PluginView>)> {
    let r = st.ready()?;
    if body.len() > cordon_plugin::MAX_PACKAGE_BYTES {
        return Err(ApiError::too_large(cordon_plugin::MAX_PACKAGE_BYTES));
    }
    let bytes = body.to_vec();
    let (package, bytes) = tokio::task::spawn_blocking(move || {
        cordon_plugin::read_package(&bytes).map(|p| (p, bytes))
    })
    .await
    .map_err(|e| ApiError::internal("reading a plug-in package", &e))?
    .map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_package",
            format!("the plug-in package: {e}"),
        )
    })?;
    let m = &package.manifest;
    if !config::valid_plugin_name(&m.name) {
        return Err(ApiError::bad_request(format!(
            "plug-in name `{}` is not allowed",
            m.name
        )));
    }
    let manifest = serde_json::to_value(m)
        .map_err(|e| ApiError::internal("serializing a plug-in manifest", &e))?;
    let row = r
        .store
        .install_plugin(
            &cordon_store::NewPlugin {
                name: m.name.clone(),
                version: m.version.clone(),
                manifest,
                sha256: package.sha256.clone(),
                package: bytes,
            },
            &caller.actor(),
            cordon_store::now_millis(),
        )
        .await?;
    let view = PluginView::of(row);
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "plugin.install", "plugin", &view.name).after(&view),
    )
    .await?;
    st.alerts
        .reload(r.store.as_ref(), st.login.seal_key()?)
        .await;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(delete, path = "/v1/plugins/{name}", tag = "plugins",
    params(("name" = String, Path, description = "plug-in name, case-sensitive")),
    responses((status = 204, description = "uninstalled"),
              (status = 409, description = "`in_use`: response rules name it (listed)", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn uninstall(
    State(st): State<AppState>,
    meta: RequestMeta,
    Path(name): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<StatusCode> {
    let r = st.ready()?;
    st.alerts
        .snapshot()
        .settings
        .refuse_if_named(&format!("plugin:{name}"), &format!("plug-in `{name}`"))?;
    let row = r.store.uninstall_plugin(&name).await?;
    let view = PluginView::of(row);
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "plugin.uninstall", "plugin", &name).before(&view),
    )
    .await?;
    st.alerts
        .reload(r.store.as_ref(), st.login.seal_key()?)
        .await;
    Ok(StatusCode::NO_CONTENT)
}
