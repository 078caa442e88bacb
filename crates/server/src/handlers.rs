//! The handlers of the route table in [`crate::app::routes`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeZone as _, Utc};
use cordon_policy::model::{Category, Decision, Event, FlowKey};
use cordon_store::{
    AgentGroup, HistoryEntry, Incident, IncidentFilter, Millis, NewIncident, NewJustification,
    NewPolicyVersion, Role, Status, Store,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::app::{AppState, Caller, Ready};
use crate::engine::{Diag, DocInfo, PolicyDoc};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiBytes, ApiJson};
use crate::journal::WriteError;

// ---------------------------------------------------------------------------
// health, readiness, metrics, API description
// ---------------------------------------------------------------------------

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "the process is alive")))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "ready to serve"),
              (status = 503, description = "not ready, and why", body = crate::error::ErrorBody)))]
pub async fn readyz(State(st): State<AppState>) -> ApiResult<Json<Value>> {
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
    Ok(Json(json!({
        "status": "ready",
        "backend": ready.store.backend(),
        "policy_generation": p.generation,
        "journal": health,
        "active_policies": p.versions.iter().map(|(id, v)| json!({"id": id, "version": v})).collect::<Vec<_>>(),
    })))
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

// ---------------------------------------------------------------------------
// decide
// ---------------------------------------------------------------------------

/// Content sent along with an event, inspected by the server; its
/// classification replaces the event's `file.classification`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InlineContent {
    /// File name, used to pick the extractor (`report.docx`).
    #[serde(default)]
    pub name: Option<String>,
    /// UTF-8 content.
    #[serde(default)]
    pub text: Option<String>,
    /// Binary content, standard base64.
    #[serde(default)]
    pub base64: Option<String>,
}

/// `POST /v1/decide` with inline content: the event and the content.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideWithContent {
    event: Event,
    content: InlineContent,
}

/// Finds out whether the body has a top-level `event` key, without
/// building anything.
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    event: Option<serde::de::IgnoredAny>,
}

/// The answer of `/v1/decide`: the engine's decision plus the request id
/// under which its incidents are recorded.
#[derive(Serialize)]
pub struct DecideResponse {
    pub request_id: String,
    /// Incidents recorded for this decision (one per violation).
    pub incidents: usize,
    #[serde(flatten)]
    pub decision: Decision,
}

static REQUEST_SEQ: AtomicU64 = AtomicU64::new(0);
static BOOT: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// A request id unique across servers: a random per-process prefix and a
/// counter (cheaper than a random id per request).
/// How long incident reads wait for this server's journaled incidents to
/// reach the database (read-your-writes); they never wait while the
/// database is failing.
const READ_YOUR_WRITES: std::time::Duration = std::time::Duration::from_secs(5);

fn request_id() -> String {
    let boot = BOOT.get_or_init(|| uuid::Uuid::new_v4().simple().to_string()[..12].to_owned());
    format!("{boot}-{:x}", REQUEST_SEQ.fetch_add(1, Ordering::Relaxed))
}

#[utoipa::path(post, path = "/v1/decide", tag = "decide",
    request_body(content = Object, description = "An event (see docs/policy.md), or `{\"event\": …, \"content\": {\"name\", \"text\" | \"base64\"}}` to have the server inspect the content first"),
    responses((status = 200, description = "the decision, its request id and the number of incidents recorded", body = Object),
              (status = 400, description = "malformed event", body = crate::error::ErrorBody),
              (status = 503, description = "incidents could not be recorded; treat as deny", body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn decide(State(st): State<AppState>, ApiBytes(body): ApiBytes) -> ApiResult<Response> {
    let ready = st.ready()?;
    // Only a body that mentions `"event"` (or could spell it with a `\u`
    // escape) can be the wrapped form: plain events, the common case, are
    // parsed once.
    let maybe_wrapped = memchr::memmem::find(&body, b"\"event\"").is_some()
        || memchr::memmem::find(&body, b"\\u").is_some();
    let wrapped = maybe_wrapped && crate::extract::parse_json::<Probe>(&body)?.event.is_some();
    let (mut event, content) = if wrapped {
        let d: DecideWithContent = crate::extract::parse_json(&body)?;
        (d.event, Some(d.content))
    } else {
        (crate::extract::parse_json::<Event>(&body)?, None)
    };
    let mut findings = Vec::new();
    if let Some(c) = content {
        let (name, bytes) = content_bytes(c)?;
        let inspector = st.inspector.clone();
        let report = tokio::task::spawn_blocking(move || inspector.inspect(&name, &bytes))
            .await
            .map_err(|e| ApiError::internal("inspection task", &e))?;
        if let Some(p) = report.errors.first() {
            // Deciding on content that could not be read would fail open.
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "inspection_failed",
                format!(
                    "the content could not be inspected: {}: {}",
                    p.location, p.message
                ),
            ));
        }
        let file = event.file.get_or_insert_with(Default::default);
        file.classification = Some(report.classification.clone());
        if file.file_type.is_none() {
            file.file_type = Some(report.file_type.clone());
        }
        if file.size.is_none() {
            file.size = report.size;
        }
        findings = report
            .findings
            .into_iter()
            .take(100)
            .map(|f| cordon_record::MaskedFinding {
                detector: f.detector,
                category: f.category,
                confidence: f.confidence,
                location: f.location,
                masked: f.masked,
            })
            .collect();
    }
    let now = Utc::now();
    let now_ms = now.timestamp_millis();
    let loaded = ready.policy.load();
    let decision = loaded.engine.decide(&event);
    st.metrics
        .decisions
        .get_or_create(&crate::metrics::DecisionLabels {
            decision: decision.decision.as_str(),
        })
        .inc();
    let user = username(&event);
    ready
        .activity
        .record(now_ms, event.action.as_str(), user.as_deref());
    let rid = request_id();
    let incidents = if decision.violations.is_empty() {
        0
    } else {
        let batch = incidents_for(&event, &decision, &findings, &loaded, &rid, now_ms);
        let n = batch.len();
        ready.incidents.record(batch).await.map_err(|e| match e {
            WriteError::Full => ApiError::unavailable(
                "storage_full",
                "the database is full: the violation could not be recorded",
            ),
            e @ WriteError::Backlog(_) => ApiError::unavailable(
                "incident_backlog",
                format!("the violation could not be recorded: {e}"),
            ),
            other => ApiError::unavailable(
                "incident_not_recorded",
                format!("the violation could not be recorded: {other}"),
            ),
        })?;
        n
    };
    Ok(Json(DecideResponse {
        request_id: rid,
        incidents,
        decision,
    })
    .into_response())
}

fn content_bytes(c: InlineContent) -> ApiResult<(String, Vec<u8>)> {
    use base64::Engine as _;
    let name = c.name.unwrap_or_else(|| "content".to_owned());
    match (c.text, c.base64) {
        (Some(t), None) => Ok((name, t.into_bytes())),
        (None, Some(b)) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .map_err(|e| {
                    ApiError::invalid_json(
                        Some("content.base64".into()),
                        format!("`content.base64` is not valid base64: {e}"),
                    )
                })?;
            Ok((name, bytes))
        }
        _ => Err(ApiError::invalid_json(
            Some("content".into()),
            "`content` needs exactly one of `text` and `base64`",
        )),
    }
}

fn username(e: &Event) -> Option<String> {
    let u = e.user.as_ref()?;
    u.username.clone().or_else(|| u.email.clone())
}

/// One incident per violation (built by `cordon-record`), as store rows.
/// Details hold the masked findings and the event; inline content itself
/// is never stored.
fn incidents_for(
    event: &Event,
    d: &Decision,
    findings: &[cordon_record::MaskedFinding],
    loaded: &crate::app::Loaded,
    rid: &str,
    now_ms: Millis,
) -> Vec<NewIncident> {
    cordon_record::IncidentBuilder::new(event, d, rid, now_ms)
        .findings(findings)
        .policies(&loaded.versions, loaded.generation)
        .build()
        .into_iter()
        .map(|v| NewIncident {
            created_at: v.created_at,
            request_id: v.request_id.to_owned(),
            rule_id: v.rule_id.to_owned(),
            rule_name: v.rule_name.to_owned(),
            policy_id: v.policy_id.to_owned(),
            policy_version: v.policy_version,
            mode: match v.mode {
                cordon_policy::model::Mode::Enforce => "enforce",
                cordon_policy::model::Mode::Permissive => "permissive",
            }
            .to_owned(),
            enforced: v.enforced,
            decision: v.decision.as_str().to_owned(),
            action: v.action.as_str().to_owned(),
            username: v.username.to_owned(),
            categories: v.categories.iter().map(|c| c.as_str().to_owned()).collect(),
            // Serialized straight to text: no `Value` tree per incident.
            details: cordon_store::RawJson::serialize_from(&v.details)
                .unwrap_or_else(|_| cordon_store::RawJson::null()),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// inspect
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct InspectQuery {
    /// File name for the report and to pick the extractor.
    pub name: Option<String>,
}

#[utoipa::path(post, path = "/v1/inspect", tag = "inspect",
    params(InspectQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the raw content, streamed"),
    responses((status = 200, description = "the same object as one line of `cordon scan --format json`", body = Object),
              (status = 413, description = "the body is over `max_inspect_bytes`", body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn inspect(
    State(st): State<AppState>,
    Query(q): Query<InspectQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    use http_body_util::BodyExt as _;
    st.ready()?;
    let limit = st.settings.max_inspect_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::too_large(limit));
    }
    let name = q
        .name
        .or_else(|| {
            headers
                .get("x-file-name")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "-".to_owned());
    // The body is streamed into the inspector on a blocking thread; only
    // a few chunks are ever buffered.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, ()>>(8);
    let inspector = st.inspector.clone();
    let task = tokio::task::spawn_blocking(move || {
        let mut reader = ChannelReader {
            rx,
            cur: bytes::Bytes::new(),
        };
        inspector.inspect_reader(&name, &mut reader)
    });
    let mut total = 0usize;
    let mut failure: Option<ApiError> = None;
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                failure = Some(ApiError::bad_request(format!("cannot read the body: {e}")));
                break;
            }
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total += data.len();
        if total > limit {
            failure = Some(ApiError::too_large(limit));
            break;
        }
        if tx.send(Ok(data)).await.is_err() {
            break;
        }
    }
    if failure.is_some() {
        let _ = tx.send(Err(())).await;
    }
    drop(tx);
    let mut report = task
        .await
        .map_err(|e| ApiError::internal("inspection task", &e))?;
    if let Some(e) = failure {
        return Err(e);
    }
    st.metrics.inspected_bytes.inc_by(total as u64);
    for f in &mut report.findings {
        f.value = None;
    }
    Ok(Json(report).into_response())
}

/// A blocking reader over body chunks sent from the async side.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Result<bytes::Bytes, ()>>,
    cur: bytes::Bytes,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.cur.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.cur = b,
                Some(Err(())) => return Err(std::io::Error::other("the request body was cut off")),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), self.cur.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.cur = self.cur.slice(n..);
        Ok(n)
    }
}

// ---------------------------------------------------------------------------
// policies
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    /// Policy id; defaults to the document's own `id`.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// `yaml` or `json`; guessed from the body when absent.
    #[serde(default)]
    pub format: Option<String>,
    /// The policy document.
    pub body: String,
    #[serde(default)]
    pub comment: Option<String>,
    /// Activate the new version at once.
    #[serde(default)]
    pub activate: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateInput {
    #[serde(default)]
    pub format: Option<String>,
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValidateOutput {
    pub valid: bool,
    pub info: Option<DocInfo>,
    pub diagnostics: Vec<Diag>,
}

fn format_of(given: Option<&str>, body: &str) -> ApiResult<String> {
    match given {
        Some("yaml" | "yml") => Ok("yaml".into()),
        Some("json") => Ok("json".into()),
        Some(other) => Err(ApiError::invalid_json(
            Some("format".into()),
            format!("`format` must be `yaml` or `json`, got `{other}`"),
        )),
        None if body.trim_start().starts_with('{') => Ok("json".into()),
        None => Ok("yaml".into()),
    }
}

fn check_doc(st: &AppState, format: &str, body: &str) -> ApiResult<DocInfo> {
    st.compiler
        .check(format, body)
        .map_err(|d| ApiError::policy_invalid("the policy does not check", d))
}

fn valid_id(id: &str) -> ApiResult<()> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_json(
            Some("id".into()),
            format!("policy id `{id}` must be 1-128 characters of letters, digits, `-`, `_`, `.`"),
        ))
    }
}

#[utoipa::path(get, path = "/v1/policies", tag = "policies",
    responses((status = 200, description = "all policies", body = Object)), security(("api_key" = [])))]
pub async fn list_policies(State(st): State<AppState>) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    Ok(Json(json!({ "policies": r.store.list_policies().await? })))
}

#[utoipa::path(post, path = "/v1/policies", tag = "policies", request_body = PolicyInput,
    responses((status = 201, description = "version 1 of a new policy", body = Object),
              (status = 409, description = "the id exists", body = crate::error::ErrorBody),
              (status = 422, description = "the policy does not check", body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn create_policy(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(input): ApiJson<PolicyInput>,
) -> ApiResult<Response> {
    let r = st.ready()?;
    let format = format_of(input.format.as_deref(), &input.body)?;
    let info = check_doc(&st, &format, &input.body)?;
    let id = input.id.clone().or(info.id.clone()).ok_or_else(|| {
        ApiError::invalid_json(
            Some("id".into()),
            "`id` is required when the document has none",
        )
    })?;
    valid_id(&id)?;
    let activate = input.activate;
    let new = new_version(input, &info, &id, id.clone(), format, &caller);
    let v = r
        .store
        .create_policy(&new, cordon_store::now_millis())
        .await?;
    if activate {
        activate_checked(&st, r, &id, Some(v.version), &caller.actor()).await?;
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({"version": v, "warnings": info.warnings})),
    )
        .into_response())
}

/// The version a create or update stores: the name comes from the request,
/// else the document, else `fallback_name`.
fn new_version(
    input: PolicyInput,
    info: &DocInfo,
    id: &str,
    fallback_name: String,
    format: String,
    caller: &Caller,
) -> NewPolicyVersion {
    NewPolicyVersion {
        name: input.name.or(info.name.clone()).unwrap_or(fallback_name),
        policy_id: id.to_string(),
        format,
        body: input.body,
        comment: input.comment.unwrap_or_default(),
        actor: caller.actor(),
    }
}

#[utoipa::path(post, path = "/v1/policies/validate", tag = "policies", request_body = ValidateInput,
    responses((status = 200, description = "whether the policy checks, with diagnostics", body = ValidateOutput)),
    security(("api_key" = [])))]
pub async fn validate_policy(
    State(st): State<AppState>,
    ApiJson(input): ApiJson<ValidateInput>,
) -> ApiResult<Json<ValidateOutput>> {
    let format = format_of(input.format.as_deref(), &input.body)?;
    Ok(Json(match st.compiler.check(&format, &input.body) {
        Ok(info) => ValidateOutput {
            valid: true,
            diagnostics: info.warnings.clone(),
            info: Some(info),
        },
        Err(d) => ValidateOutput {
            valid: false,
            info: None,
            diagnostics: d,
        },
    }))
}

#[utoipa::path(get, path = "/v1/policies/{id}", tag = "policies",
    params(("id" = String, Path, description = "policy id")),
    responses((status = 200, description = "the policy, its active version's document", body = Object),
              (status = 404, description = "no such policy", body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get_policy(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    let p = r.store.get_policy(&id).await?;
    let shown = p.active_version.unwrap_or(p.latest_version);
    let v = r.store.get_policy_version(&id, shown).await?;
    let activations = r.store.list_activations(&id).await?;
    Ok(Json(
        json!({"policy": p, "version": v, "activations": activations}),
    ))
}

#[utoipa::path(put, path = "/v1/policies/{id}", tag = "policies", request_body = PolicyInput,
    params(("id" = String, Path, description = "policy id")),
    responses((status = 200, description = "the new version", body = Object),
              (status = 422, description = "the policy does not check", body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn update_policy(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(input): ApiJson<PolicyInput>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    let format = format_of(input.format.as_deref(), &input.body)?;
    let info = check_doc(&st, &format, &input.body)?;
    if let Some(other) = input.id.as_ref().or(info.id.as_ref()).filter(|d| **d != id) {
        return Err(ApiError::invalid_json(
            Some("id".into()),
            format!("the document's id `{other}` differs from the policy id `{id}` in the path"),
        ));
    }
    let current = r.store.get_policy(&id).await?;
    let activate = input.activate;
    let new = new_version(input, &info, &id, current.name, format, &caller);
    let v = r
        .store
        .add_policy_version(&new, cordon_store::now_millis())
        .await?;
    if activate {
        activate_checked(&st, r, &id, Some(v.version), &caller.actor()).await?;
    }
    Ok(Json(json!({"version": v, "warnings": info.warnings})))
}

#[utoipa::path(get, path = "/v1/policies/{id}/versions", tag = "policies",
    params(("id" = String, Path, description = "policy id")),
    responses((status = 200, description = "every version, oldest first", body = Object)),
    security(("api_key" = [])))]
pub async fn list_versions(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    Ok(Json(
        json!({"versions": r.store.list_policy_versions(&id).await?}),
    ))
}

#[utoipa::path(get, path = "/v1/policies/{id}/versions/{version}", tag = "policies",
    params(("id" = String, Path, description = "policy id"), ("version" = i64, Path, description = "version number")),
    responses((status = 200, description = "one version", body = Object)),
    security(("api_key" = [])))]
pub async fn get_version(
    State(st): State<AppState>,
    Path((id, version)): Path<(String, i64)>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    Ok(Json(
        json!({"version": r.store.get_policy_version(&id, version).await?}),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateInput {
    /// The version to activate; `null` deactivates the policy.
    pub version: Option<i64>,
}

/// Activates after checking that the resulting set of active policies
/// compiles, then rebuilds this server's engine at once (the others follow
/// within their poll interval).
async fn activate_checked(
    st: &AppState,
    r: &Ready,
    id: &str,
    version: Option<i64>,
    actor: &str,
) -> ApiResult<cordon_store::Policy> {
    let mut active = r.store.active_policy_versions().await?;
    active.retain(|v| v.policy_id != id);
    if let Some(v) = version {
        active.push(r.store.get_policy_version(id, v).await?);
    }
    let docs: Vec<PolicyDoc<'_>> = active
        .iter()
        .map(|v| PolicyDoc {
            id: &v.policy_id,
            version: v.version,
            format: &v.format,
            body: &v.body,
        })
        .collect();
    if let Err(d) = st.compiler.compile(&docs) {
        return Err(ApiError::policy_invalid(
            "the set of active policies would not compile",
            d,
        ));
    }
    let p = r
        .store
        .activate_policy(id, version, actor, cordon_store::now_millis())
        .await?;
    crate::app::reload(st, r).await;
    Ok(p)
}

#[utoipa::path(post, path = "/v1/policies/{id}/activate", tag = "policies", request_body = ActivateInput,
    params(("id" = String, Path, description = "policy id")),
    responses((status = 200, description = "the policy with its new active version", body = Object),
              (status = 422, description = "the active set would not compile", body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn activate_policy(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(input): ApiJson<ActivateInput>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    let p = activate_checked(&st, r, &id, input.version, &caller.actor()).await?;
    Ok(Json(json!({"policy": p})))
}

#[utoipa::path(post, path = "/v1/policies/{id}/rollback", tag = "policies",
    params(("id" = String, Path, description = "policy id")),
    responses((status = 200, description = "the policy back on the previously active version", body = Object),
              (status = 400, description = "nothing to roll back to", body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn rollback_policy(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    let p = r
        .store
        .rollback_policy(&id, &caller.actor(), cordon_store::now_millis())
        .await?;
    crate::app::reload(&st, r).await;
    Ok(Json(json!({"policy": p})))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DiffQuery {
    /// Older version (default: `to - 1`).
    pub from: Option<i64>,
    /// Newer version (default: the latest).
    pub to: Option<i64>,
}

#[utoipa::path(get, path = "/v1/policies/{id}/diff", tag = "policies",
    params(("id" = String, Path, description = "policy id"), DiffQuery),
    responses((status = 200, description = "a unified diff between two versions", body = Object)),
    security(("api_key" = [])))]
pub async fn diff_policy(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<DiffQuery>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    let p = r.store.get_policy(&id).await?;
    let to = q.to.unwrap_or(p.latest_version);
    let from = q.from.unwrap_or(to - 1).max(1);
    let a = r.store.get_policy_version(&id, from).await?;
    let b = r.store.get_policy_version(&id, to).await?;
    let diff = similar::TextDiff::from_lines(&a.body, &b.body);
    let unified = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("{id}@{from}"), &format!("{id}@{to}"))
        .to_string();
    let (mut added, mut removed) = (0, 0);
    for c in diff.iter_all_changes() {
        match c.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    Ok(Json(json!({
        "policy": id, "from": from, "to": to,
        "added_lines": added, "removed_lines": removed, "unified": unified,
    })))
}

/// Creates and activates the policy in `path` (first start with `--policy`).
pub async fn bootstrap_policy(
    st: &AppState,
    store: &dyn Store,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let body = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read policy `{}`: {e}", path.display()))?;
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => "json",
        _ => "yaml",
    };
    let info = st.compiler.check(format, &body).map_err(|d| {
        let msgs: Vec<String> = d.iter().map(|d| d.rendered.clone()).collect();
        anyhow::anyhow!(
            "policy `{}` does not check:\n{}",
            path.display(),
            msgs.join("\n")
        )
    })?;
    let id = info
        .id
        .clone()
        .or_else(|| path.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
        .unwrap_or_else(|| "default".to_owned());
    let now = cordon_store::now_millis();
    let v = store
        .create_policy(
            &NewPolicyVersion {
                name: info.name.clone().unwrap_or_else(|| id.clone()),
                policy_id: id.clone(),
                format: format.to_owned(),
                body,
                comment: format!("bootstrapped from {}", path.display()),
                actor: "cordon serve --policy".to_owned(),
            },
            now,
        )
        .await?;
    store
        .activate_policy(&id, Some(v.version), "cordon serve --policy", now)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// incidents
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IncidentQuery {
    /// From this time on: RFC 3339 or Unix milliseconds.
    pub from: Option<String>,
    /// Before this time: RFC 3339 or Unix milliseconds.
    pub to: Option<String>,
    pub rule: Option<String>,
    pub user: Option<String>,
    /// The event's action: `download`, `share`, …
    pub action: Option<String>,
    /// `PII`, `PHI`, `PCI`, `CREDENTIALS`, `CONFIDENTIAL`.
    pub category: Option<String>,
    /// `new`, `in_progress`, `resolved`, `false_positive`.
    pub status: Option<String>,
    /// `allow`, `deny`, `exception`.
    pub decision: Option<String>,
    pub request_id: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<i64>,
}

pub(crate) fn parse_time(field: &str, s: &str) -> ApiResult<Millis> {
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            ApiError::invalid_json(
                Some(field.into()),
                format!("`{field}` must be RFC 3339 or Unix milliseconds, got `{s}`"),
            )
        })
}

#[utoipa::path(get, path = "/v1/incidents", tag = "incidents", params(IncidentQuery),
    responses((status = 200, description = "a page of incidents, newest first, and the cursor of the next page", body = Object)),
    security(("api_key" = [])))]
pub async fn list_incidents(
    State(st): State<AppState>,
    q: Result<Query<IncidentQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    r.incidents.sync(READ_YOUR_WRITES).await;
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            ApiError::invalid_json(
                Some("status".into()),
                format!(
                    "unknown status `{s}`: expected new, in_progress, resolved or false_positive"
                ),
            )
        })?),
    };
    let category = match q.category.as_deref() {
        None => None,
        Some(c) => Some(
            Category::parse(c)
                .ok_or_else(|| {
                    ApiError::invalid_json(
                        Some("category".into()),
                        format!("unknown category `{c}`"),
                    )
                })?
                .as_str()
                .to_owned(),
        ),
    };
    if let Some(d) = q.decision.as_deref() {
        if !matches!(d, "allow" | "deny" | "exception") {
            return Err(ApiError::invalid_json(
                Some("decision".into()),
                format!("unknown decision `{d}`: expected allow, deny or exception"),
            ));
        }
    }
    let before = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            ApiError::invalid_json(Some("cursor".into()), format!("invalid cursor `{c}`"))
        })?),
    };
    let filter = IncidentFilter {
        from: q
            .from
            .as_deref()
            .map(|s| parse_time("from", s))
            .transpose()?,
        to: q.to.as_deref().map(|s| parse_time("to", s)).transpose()?,
        rule: q.rule,
        user: q.user,
        action: q.action,
        category,
        status,
        decision: q.decision,
        request_id: q.request_id,
        before,
        limit: q.limit,
    };
    let page = r.store.list_incidents(&filter).await?;
    let next = (page.len() as i64 == filter.effective_limit())
        .then(|| page.last().map(|i| i.id.to_string()))
        .flatten();
    Ok(Json(json!({"incidents": page, "next_cursor": next})))
}

/// Creation and the action taken, then the stored history.
fn full_history(i: &Incident, stored: Vec<HistoryEntry>) -> Vec<HistoryEntry> {
    let mut h = vec![HistoryEntry {
        at: i.incident.created_at,
        actor: "cordon".into(),
        kind: "created".into(),
        detail: json!({"rule": i.incident.rule_id, "decision": i.incident.decision, "request_id": i.incident.request_id}),
    }];
    let details = i.incident.details.to_value();
    let taken = details.get("action_taken").cloned().unwrap_or(Value::Null);
    let actions = details.get("actions").cloned().unwrap_or(json!([]));
    h.push(HistoryEntry {
        at: i.incident.created_at,
        actor: "cordon".into(),
        kind: "action".into(),
        detail: json!({"taken": taken, "actions": actions}),
    });
    h.extend(stored);
    h
}

#[utoipa::path(get, path = "/v1/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, description = "the incident and its history", body = Object),
              (status = 404, description = "no such incident", body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get_incident(
    State(st): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    r.incidents.sync(READ_YOUR_WRITES).await;
    let i = r.store.get_incident(id).await?;
    let h = full_history(&i, r.store.incident_history(id).await?);
    Ok(Json(json!({"incident": i, "history": h})))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// `new`, `in_progress`, `resolved`, `false_positive`.
    #[schema(value_type = String)]
    pub status: Status,
    #[serde(default)]
    pub comment: Option<String>,
}

#[utoipa::path(post, path = "/v1/incidents/{id}/status", tag = "incidents", request_body = StatusInput,
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, description = "the incident with its new status and history", body = Object),
              (status = 409, description = "the incident already has that status", body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn set_status(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(input): ApiJson<StatusInput>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    r.incidents.sync(READ_YOUR_WRITES).await;
    let cur = r.store.get_incident(id).await?;
    if cur.status == input.status {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "status_unchanged",
            format!("incident {id} is already `{}`", input.status.as_str()),
        ));
    }
    let i = r
        .store
        .set_incident_status(
            id,
            input.status,
            &caller.actor(),
            input.comment.as_deref().unwrap_or(""),
            cordon_store::now_millis(),
        )
        .await?;
    let h = full_history(&i, r.store.incident_history(id).await?);
    Ok(Json(json!({"incident": i, "history": h})))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RangeQuery {
    /// RFC 3339 or Unix ms; default: `to` minus `window`.
    pub from: Option<String>,
    /// RFC 3339 or Unix ms; default: now.
    pub to: Option<String>,
    /// `15m`, `1h`, `24h`, `7d`, `30d` (default `24h`).
    pub window: Option<String>,
}

fn parse_window(s: &str) -> ApiResult<Millis> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = n.parse().map_err(|_| {
        ApiError::invalid_json(
            Some("window".into()),
            format!("invalid window `{s}`: try `1h`, `24h`, `7d`"),
        )
    })?;
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => {
            return Err(ApiError::invalid_json(
                Some("window".into()),
                format!("invalid window `{s}`: the unit must be s, m, h or d"),
            ));
        }
    };
    Ok(n.saturating_mul(unit_ms).max(1_000))
}

fn range(q: &RangeQuery) -> ApiResult<(Millis, Millis)> {
    let to = match &q.to {
        Some(t) => parse_time("to", t)?,
        None => cordon_store::now_millis() + 1,
    };
    let from = match &q.from {
        Some(f) => parse_time("from", f)?,
        None => to - parse_window(q.window.as_deref().unwrap_or("24h"))?,
    };
    if from >= to {
        return Err(ApiError::invalid_json(
            Some("from".into()),
            "`from` must be before `to`",
        ));
    }
    Ok((from, to))
}

#[utoipa::path(get, path = "/v1/incidents/rule-counts", tag = "incidents", params(RangeQuery),
    responses((status = 200, description = "violations per rule, enforced and permissive", body = Object)),
    security(("api_key" = [])))]
pub async fn rule_counts(
    State(st): State<AppState>,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    r.incidents.sync(READ_YOUR_WRITES).await;
    let (from, to) = range(&q)?;
    Ok(Json(
        json!({"from": from, "to": to, "rules": r.store.rule_counts(from, to).await?}),
    ))
}

// ---------------------------------------------------------------------------
// exceptions
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionInput {
    /// The `request_id` of the `exception` decision being justified.
    #[serde(default)]
    pub request_id: Option<String>,
    /// Or one of its incidents.
    #[serde(default)]
    pub incident_id: Option<i64>,
    /// The business justification (required, kept with the incident).
    pub justification: String,
}

/// The exception window a stored justification opens.
pub(crate) fn window_of(j: &NewJustification) -> Option<crate::engine::OpenWindow> {
    let at = Utc.timestamp_millis_opt(j.created_at).single()?;
    let category = Category::parse(&j.category)?;
    Some(crate::engine::OpenWindow {
        at,
        keys: vec![FlowKey {
            sender: j.sender.clone(),
            recipient: j.recipient.clone(),
            category,
        }],
        rules: Vec::new(),
        text: j.justification.clone(),
        user: (!j.username.is_empty()).then(|| j.username.clone()),
    })
}

#[utoipa::path(post, path = "/v1/exceptions", tag = "exceptions", request_body = ExceptionInput,
    responses((status = 201, description = "the stored justifications and when their window closes", body = Object),
              (status = 400, description = "nothing to justify", body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn submit_exception(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(input): ApiJson<ExceptionInput>,
) -> ApiResult<Response> {
    let r = st.ready()?;
    r.incidents.sync(READ_YOUR_WRITES).await;
    let text = input.justification.trim();
    if text.is_empty() {
        return Err(ApiError::invalid_json(
            Some("justification".into()),
            "`justification` must not be empty",
        ));
    }
    let incidents = match (&input.request_id, input.incident_id) {
        (Some(rid), None) => r.store.find_incidents_by_request(rid).await?,
        (None, Some(id)) => {
            let i = r.store.get_incident(id).await?;
            r.store
                .find_incidents_by_request(&i.incident.request_id)
                .await?
        }
        _ => {
            return Err(ApiError::bad_request(
                "give exactly one of `request_id` and `incident_id` of an `exception` decision",
            ));
        }
    };
    let Some(first) = incidents
        .iter()
        .find(|i| i.incident.decision == "exception")
    else {
        return Err(ApiError::bad_request(
            "no `exception` decision found for that request: only exception decisions can be justified",
        ));
    };
    let keys: Vec<FlowKey> = first
        .incident
        .details
        .to_value()
        .get("exception")
        .and_then(|e| e.get("keys"))
        .and_then(|k| serde_json::from_value(k.clone()).ok())
        .unwrap_or_default();
    if keys.is_empty() {
        return Err(ApiError::bad_request(
            "the exception decision names no flow to open",
        ));
    }
    let now = cordon_store::now_millis();
    let window = r.policy.load().engine.exception_window();
    let expires_at = now + i64::try_from(window.as_millis()).unwrap_or(300_000);
    let mut stored = Vec::new();
    for (n, k) in keys.iter().enumerate() {
        let j = NewJustification {
            created_at: now,
            expires_at,
            // The history entry goes to the first incident once; every key
            // of the request is stored.
            incident_id: (n == 0).then_some(first.id),
            request_id: first.incident.request_id.clone(),
            username: first.incident.username.clone(),
            sender: k.sender.clone(),
            recipient: k.recipient.clone(),
            category: k.category.as_str().to_owned(),
            justification: text.to_owned(),
            submitted_by: caller.actor(),
        };
        stored.push(r.store.insert_justification(&j).await?);
    }
    // Open the window here now; other servers pick it up on their next poll.
    crate::app::apply_justifications(r, false).await;
    Ok((
        StatusCode::CREATED,
        Json(json!({"justifications": stored, "expires_at": expires_at, "keys": keys})),
    )
        .into_response())
}

#[utoipa::path(get, path = "/v1/exceptions", tag = "exceptions",
    responses((status = 200, description = "the latest justifications", body = Object)),
    security(("api_key" = [])))]
pub async fn list_exceptions(State(st): State<AppState>) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    Ok(Json(
        json!({"justifications": r.store.list_justifications(500).await?}),
    ))
}

// ---------------------------------------------------------------------------
// dashboard
// ---------------------------------------------------------------------------

#[utoipa::path(get, path = "/v1/dashboard", tag = "dashboard", params(RangeQuery),
    responses((status = 200, description = "activity, violations over time, top rules and users", body = Object)),
    security(("api_key" = [])))]
pub async fn dashboard(
    State(st): State<AppState>,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    r.incidents.sync(READ_YOUR_WRITES).await;
    // Counters of this server not yet flushed count too.
    r.activity.flush(r.store.as_ref()).await;
    let (from, to) = range(&q)?;
    let span = to - from;
    // About 24–60 points whatever the window.
    let bucket = [60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000]
        .into_iter()
        .find(|b| span / b <= 60)
        .unwrap_or(86_400_000);
    let totals = r.store.activity_totals(from, to).await?;
    let get = |a: &str| totals.iter().find(|t| t.name == a).map_or(0, |t| t.count);
    let activity: BTreeMap<String, i64> =
        totals.iter().map(|t| (t.name.clone(), t.count)).collect();
    let mut rules = r.store.rule_counts(from, to).await?;
    rules.truncate(10);
    Ok(Json(json!({
        "from": from,
        "to": to,
        "downloads": get("download"),
        "uploads": get("upload"),
        "shares": get("share"),
        "active_users": r.store.active_users(from, to).await?,
        "activity": activity,
        "violations_over_time": {
            "bucket_ms": bucket,
            "points": r.store.violations_over_time(from, to, bucket).await?,
        },
        "top_rules": rules,
        "top_users": r.store.top_users(from, to, 10).await?,
    })))
}

// ---------------------------------------------------------------------------
// agent groups and the agent poll
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    pub policy_id: String,
    pub policy_version: i64,
    #[serde(default)]
    pub description: Option<String>,
}

#[utoipa::path(get, path = "/v1/agent-groups", tag = "agents",
    responses((status = 200, description = "all groups", body = Object)), security(("api_key" = [])))]
pub async fn list_groups(State(st): State<AppState>) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    Ok(Json(json!({"groups": r.store.list_agent_groups().await?})))
}

#[utoipa::path(get, path = "/v1/agent-groups/{name}", tag = "agents",
    params(("name" = String, Path, description = "group name")),
    responses((status = 200, description = "the group", body = Object)), security(("api_key" = [])))]
pub async fn get_group(
    State(st): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    Ok(Json(
        json!({"group": r.store.get_agent_group(&name).await?}),
    ))
}

#[utoipa::path(put, path = "/v1/agent-groups/{name}", tag = "agents", request_body = GroupInput,
    params(("name" = String, Path, description = "group name")),
    responses((status = 200, description = "the group, created or updated", body = Object),
              (status = 404, description = "no such policy version", body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn put_group(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ApiJson(input): ApiJson<GroupInput>,
) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    valid_id(&name).map_err(|_| {
        ApiError::bad_request(format!(
            "group name `{name}` must be 1-128 characters of letters, digits, `-`, `_`, `.`"
        ))
    })?;
    let g = AgentGroup {
        name,
        description: input.description.unwrap_or_default(),
        policy_id: input.policy_id,
        policy_version: input.policy_version,
        updated_at: cordon_store::now_millis(),
    };
    Ok(Json(
        json!({"group": r.store.upsert_agent_group(&g).await?}),
    ))
}

#[utoipa::path(delete, path = "/v1/agent-groups/{name}", tag = "agents",
    params(("name" = String, Path, description = "group name")),
    responses((status = 204, description = "deleted")), security(("api_key" = [])))]
pub async fn delete_group(
    State(st): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let r = st.ready()?;
    r.store.delete_agent_group(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AgentQuery {
    /// The agent's group.
    pub group: String,
}

#[utoipa::path(get, path = "/v1/agent/policy", tag = "agents", params(AgentQuery),
    responses((status = 200, description = "the group's policy document, with an ETag", body = Object),
              (status = 304, description = "unchanged since the ETag in If-None-Match")),
    security(("api_key" = [])))]
pub async fn agent_policy(
    State(st): State<AppState>,
    q: Result<Query<AgentQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let r = st.ready()?;
    let Query(q) = q.map_err(|e| ApiError::invalid_json(Some("group".into()), e.body_text()))?;
    let g = r.store.get_agent_group(&q.group).await?;
    let etag = format!("\"{}@{}\"", g.policy_id, g.policy_version);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let etag_value = HeaderValue::from_str(&etag).map_err(|e| ApiError::internal("etag", &e))?;
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response());
    }
    let v = r
        .store
        .get_policy_version(&g.policy_id, g.policy_version)
        .await?;
    Ok((
        [
            (header::ETAG, etag_value),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        Json(json!({
            "group": g.name,
            "policy_id": v.policy_id,
            "version": v.version,
            "format": v.format,
            "body": v.body,
        })),
    )
        .into_response())
}

// ---------------------------------------------------------------------------
// keys
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyInput {
    pub name: String,
    /// `client` (default) or `admin`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
}

#[utoipa::path(get, path = "/v1/keys", tag = "keys",
    responses((status = 200, description = "all keys (never their secrets)", body = Object)), security(("api_key" = [])))]
pub async fn list_keys(State(st): State<AppState>) -> ApiResult<Json<Value>> {
    let r = st.ready()?;
    Ok(Json(json!({"keys": r.store.list_api_keys().await?})))
}

#[utoipa::path(post, path = "/v1/keys", tag = "keys", request_body = KeyInput,
    responses((status = 201, description = "the new key; `secret` is shown only this once", body = Object)),
    security(("api_key" = [])))]
pub async fn create_key(
    State(st): State<AppState>,
    ApiJson(input): ApiJson<KeyInput>,
) -> ApiResult<Response> {
    let r = st.ready()?;
    let k = r
        .store
        .create_api_key(
            &input.name,
            input.role.unwrap_or(Role::Client),
            cordon_store::now_millis(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"key": k.key, "secret": k.secret.expose()})),
    )
        .into_response())
}

#[utoipa::path(delete, path = "/v1/keys/{id}", tag = "keys",
    params(("id" = String, Path, description = "key id")),
    responses((status = 204, description = "revoked")), security(("api_key" = [])))]
pub async fn revoke_key(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let r = st.ready()?;
    r.store
        .revoke_api_key(&id, cordon_store::now_millis())
        .await?;
    st.forget_keys();
    Ok(StatusCode::NO_CONTENT)
}
