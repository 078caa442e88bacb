//! Shadow copies (seed 004 `audit.shadow` = content): an agent uploads the
//! sealed copy an incident's history names (`PUT /v1/agent/shadows/{id}`);
//! an investigator downloads it from the incident
//! (`GET /v1/incidents/{id}/shadow`) and opens it with the organisation's
//! recovery key (`cordon unseal`, `age -d`).
//!
//! The server keeps only what the agent sealed: it cannot read a copy, and
//! never needs to. Copies live under `shadow_dir/<computer>/<id>.age`
//! (default `<data_dir>/shadows`; `<computer>` is a hash of the computer's
//! name, so no name reaches a path). A copy is stored only whole and only if its SHA-256 matches what
//! the agent sent; a retried upload of the same copy is accepted again
//! without a second file; another body under an id already stored is a
//! conflict, never an overwrite. A computer can upload only under its own
//! name, and a download finds the copy only under the incident's computer.

use std::path::{Path as FsPath, PathBuf};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cordon_access::{Action, Module};
use cordon_record::ShadowRef;
use http_body_util::BodyExt as _;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt as _;
use utoipa::ToSchema;

use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// The routes whose request timeout is `shadow_timeout_ms`.
pub const ROUTES: [&str; 2] = ["/v1/agent/shadows/{id}", "/v1/incidents/{id}/shadow"];

/// What an incident says of its shadow copy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShadowView {
    pub id: String,
    /// Size of the sealed copy.
    pub bytes: u64,
    pub sha256: String,
    /// Whether the agent's upload has reached the server.
    pub received: bool,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a computer's copies are kept.
fn computer_dir(root: &FsPath, computer: &str) -> PathBuf {
    let h = Sha256::digest(computer.as_bytes());
    root.join(hex(&h[..16]))
}

fn copy_path(root: &FsPath, computer: &str, id: &str) -> PathBuf {
    computer_dir(root, computer).join(format!("{id}.age"))
}

fn io_error(context: &str, e: &std::io::Error) -> ApiError {
    ApiError::internal(context, e)
}

/// SHA-256 of a stored copy.
async fn hash_of(path: &FsPath) -> std::io::Result<String> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Read as _;
        let mut f = std::fs::File::open(path)?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                return Ok(hex(&h.finalize()));
            }
            h.update(&buf[..n]);
        }
    })
    .await
    .map_err(std::io::Error::other)?
}

#[utoipa::path(put, path = "/v1/agent/shadows/{id}", tag = "agents",
    params(("id" = String, Path, description = "the copy's id: 32 lower-case hex digits, as the incident's `shadowed` step names it"),
           ("x-cordon-sha256" = String, Header, description = "SHA-256 of the body, lower-case hex")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the sealed copy (age format)"),
    responses((status = 201, description = "stored"),
              (status = 200, description = "already stored with the same content (a retried upload)"),
              (status = 400, description = "a bad id or hash, or a body whose hash is not the one given", body = ErrorBody),
              (status = 409, description = "another copy is stored under this id, or the key is bound to no computer", body = ErrorBody),
              (status = 413, description = "the copy is over `max_shadow_bytes`", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn upload(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<StatusCode> {
    st.ready()?;
    let computer = super::agent_link::own_computer(&caller)?;
    if !ShadowRef::valid_id(&id) {
        return Err(ApiError::bad_request(format!(
            "shadow copy id `{}`: expected 32 lower-case hex digits",
            id.chars().take(64).collect::<String>()
        )));
    }
    let want = headers
        .get("x-cordon-sha256")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .ok_or_else(|| {
            ApiError::bad_request("header `x-cordon-sha256`: expected 64 lower-case hex digits")
        })?
        .to_owned();
    let s = &st.settings;
    let limit = s.max_shadow_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let dir = computer_dir(&s.shadow_root(), &computer);
    let done = dir.join(format!("{id}.age"));
    if let Some(status) = already_stored(&done, &want).await? {
        return Ok(status);
    }
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| io_error("shadow directory", &e))?;
    // A part file of its own: concurrent uploads never share one.
    let part = dir.join(format!(".{id}.{}.part", uuid::Uuid::new_v4().simple()));
    let result = receive(body, &part, limit, Duration::from_millis(s.inspect_idle_ms)).await;
    let got = match result {
        Ok(h) => h,
        Err(e) => {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e);
        }
    };
    if got != want {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(ApiError::bad_request(format!(
            "the body's SHA-256 is {got}, not the {want} given: the copy was not stored"
        )));
    }
    // Another upload of the same id may have finished meanwhile.
    if let Some(status) = already_stored(&done, &want).await? {
        let _ = tokio::fs::remove_file(&part).await;
        return Ok(status);
    }
    tokio::fs::rename(&part, &done)
        .await
        .map_err(|e| io_error("shadow copy rename", &e))?;
    if let Ok(d) = tokio::fs::File::open(&dir).await {
        let _ = d.sync_all().await;
    }
    tracing::info!(%computer, %id, "shadow copy stored");
    Ok(StatusCode::CREATED)
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the shadow copy is larger than `max_shadow_bytes` ({limit} bytes)"),
    )
}

/// `200` when `done` holds the copy with hash `want`, `409` when it holds
/// another, nothing when there is none.
async fn already_stored(done: &FsPath, want: &str) -> ApiResult<Option<StatusCode>> {
    match hash_of(done).await {
        Ok(h) if h == want => Ok(Some(StatusCode::OK)),
        Ok(_) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "another shadow copy is stored under this id",
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("stored shadow copy", &e)),
    }
}

/// Streams the body into `part` (synced), at most `limit` bytes, each
/// chunk within `idle`; its SHA-256.
async fn receive(body: Body, part: &FsPath, limit: u64, idle: Duration) -> ApiResult<String> {
    let mut out = tokio::fs::File::create(part)
        .await
        .map_err(|e| io_error("shadow part file", &e))?;
    let mut body = body;
    let mut h = Sha256::new();
    let mut total: u64 = 0;
    loop {
        let frame = match tokio::time::timeout(idle, body.frame()).await {
            Err(_) => {
                return Err(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "body_timeout",
                    format!("no part of the body arrived for {} ms", idle.as_millis()),
                ));
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                return Err(ApiError::bad_request(format!("cannot read the body: {e}")));
            }
            Ok(Some(Ok(f))) => f,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total += data.len() as u64;
        if total > limit {
            return Err(too_large(limit));
        }
        h.update(&data);
        out.write_all(&data)
            .await
            .map_err(|e| io_error("shadow part file", &e))?;
    }
    out.flush()
        .await
        .map_err(|e| io_error("shadow part file", &e))?;
    out.sync_all()
        .await
        .map_err(|e| io_error("shadow part file", &e))?;
    Ok(hex(&h.finalize()))
}

/// The shadow copy an incident's history names, if any.
pub fn reference(i: &cordon_store::Incident) -> Option<ShadowRef> {
    super::wire::Incident::details_of(i)
        .endpoint
        .into_iter()
        .find_map(|s| s.shadow)
        .filter(|r| ShadowRef::valid_id(&r.id))
}

/// The incident's shadow copy as its detail shows it.
pub async fn view(root: &FsPath, i: &cordon_store::Incident) -> Option<ShadowView> {
    let r = reference(i)?;
    let received = tokio::fs::metadata(copy_path(root, &i.incident.computer, &r.id))
        .await
        .is_ok_and(|m| m.is_file());
    Some(ShadowView {
        id: r.id,
        bytes: r.bytes,
        sha256: r.sha256,
        received,
    })
}

/// A file name for the download: the written file's own name, in ASCII
/// letters, digits, `.`, `-` and `_`, plus `.age`.
fn download_name(i: &cordon_store::Incident, id: &str) -> String {
    let details = super::wire::Incident::details_of(i);
    let path = details.event["file"]["path"].as_str().unwrap_or("");
    let base = path.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    let clean = clean.trim_start_matches('.');
    if clean.is_empty() {
        format!("shadow-{id}.age")
    } else {
        format!("{clean}.age")
    }
}

#[utoipa::path(get, path = "/v1/incidents/{id}/shadow", tag = "incidents",
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, description = "the sealed copy (age format); `x-cordon-sha256` is its SHA-256", content_type = "application/octet-stream", body = Vec<u8>),
              (status = 404, description = "no such incident in your scope, no shadow copy, or not uploaded yet", body = ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn download(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
) -> ApiResult<Response> {
    let r = st.ready()?;
    let i = super::incidents::incident_for(r, &caller, &[(Action::Modify, Module::Incidents)], id)
        .await?;
    let Some(shadow) = reference(&i) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("incident {id} has no shadow copy"),
        ));
    };
    let path = copy_path(&st.settings.shadow_root(), &i.incident.computer, &shadow.id);
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!(
                    "the shadow copy of incident {id} has not reached the server yet (the agent on `{}` uploads it when it is online; servers sharing a database must share `shadow_dir`)",
                    i.incident.computer
                ),
            ));
        }
        Err(e) => return Err(io_error("shadow copy", &e)),
    };
    let len = file
        .metadata()
        .await
        .map_err(|e| io_error("shadow copy", &e))?
        .len();
    let target = id.to_string();
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "incident.shadow_download", "incident", &target).after(
            &serde_json::json!({"shadow": shadow.id, "bytes": len, "computer": i.incident.computer}),
        ),
    )
    .await?;
    let name = download_name(&i, &shadow.id);
    let mut resp = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&shadow.sha256) {
        h.insert("x-cordon-sha256", v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_computer_name_never_reaches_a_path() {
        let d = FsPath::new("/data/shadows");
        let p = copy_path(d, "../../etc", "0123456789abcdef0123456789abcdef");
        let rel = p.strip_prefix("/data/shadows").unwrap();
        assert_eq!(rel.components().count(), 2, "{}", p.display());
        assert!(!p.to_string_lossy().contains(".."));
        assert_ne!(computer_dir(d, "pc1"), computer_dir(d, "pc2"));
    }
}
