//! The Admin tab's alerting: sinks (`/v1/alerts/sinks`), response rules
//! (`/v1/alerts/responses`), and the outbox of deliveries
//! (`/v1/deliveries`) with their state and a retry by hand.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use cordon_store::{DeliveryFilter, DeliveryState};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::alerts::config::{
    self, AlertSettings, ResponseRule, SinkEntry, SinkView, Subscription, keep_secrets,
};
use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// The stored configuration with its secrets opened.
async fn load(st: &AppState) -> ApiResult<AlertSettings> {
    let r = st.ready()?;
    let Some(v) = r.store.get_setting(config::KEY).await? else {
        return Ok(AlertSettings::default());
    };
    let mut s: AlertSettings = serde_json::from_value(v)
        .map_err(|e| ApiError::internal("the stored alert settings do not read back", &e))?;
    config::open(&mut s, st.login.seal_key()?)
        .map_err(|e| ApiError::internal("the stored alert settings", &e))?;
    Ok(s)
}

/// Checks, seals, stores and applies `s`; audits the change.
async fn save(
    st: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    s: AlertSettings,
    what: (&str, &str, &str),
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> ApiResult<()> {
    s.check()?;
    let r = st.ready()?;
    let mut sealed = s;
    config::seal(&mut sealed, st.login.seal_key()?)?;
    let value = serde_json::to_value(&sealed)
        .map_err(|e| ApiError::internal("serializing the alert settings", &e))?;
    r.store
        .put_setting(
            config::KEY,
            &value,
            &caller.actor(),
            cordon_store::now_millis(),
        )
        .await?;
    let (action, kind, id) = what;
    let actor = caller.actor();
    let mut entry = Entry::change(&actor, action, kind, id);
    entry.before = before;
    entry.after = after;
    audit::record(r.store.as_ref(), meta, entry).await?;
    st.alerts
        .reload(r.store.as_ref(), st.login.seal_key()?)
        .await;
    Ok(())
}

/// A sink and whether it can be used.
#[derive(Serialize, ToSchema)]

pub struct SinkStatus {
    #[serde(flatten)]
    pub sink: SinkView,
    /// Why an enabled sink cannot be used (a bad CA file, …).
    pub problem: Option<String>,
    /// Where a sink subscribed to every incident stands (`null` for
    /// others: their deliveries are rows, `/v1/deliveries`).
    pub stream: Option<StreamStatus>,
}

/// A sink's stream: every incident up to `position` was delivered (or
/// failed as a delivery of its own, listed in `/v1/deliveries`).
#[derive(Serialize, ToSchema)]
pub struct StreamStatus {
    /// The last incident id done.
    pub position: i64,
    /// Incidents recorded after it, still to deliver.
    pub backlog: i64,
    /// Incidents delivered since the stream was opened.
    pub delivered: i64,
    /// Failed attempts at the backlog's head, and the last one's error.
    pub attempts: i64,
    pub last_error: Option<String>,
    /// Not tried again before (Unix ms).
    pub next_at: i64,
}

/// The stream of `sink`, with its backlog counted.
async fn stream_status(st: &AppState, sink: &str) -> ApiResult<Option<StreamStatus>> {
    let r = st.ready()?;
    let Some(s) = r
        .store
        .streams()
        .await?
        .into_iter()
        .find(|s| s.sink == sink)
    else {
        return Ok(None);
    };
    Ok(Some(StreamStatus {
        position: s.pos,
        backlog: r.store.count_after(s.pos).await?,
        delivered: s.delivered,
        attempts: s.attempts,
        last_error: s.last_error,
        next_at: s.next_at,
    }))
}

/// Opens the stream of a sink that takes every incident (from the
/// incidents recorded from now on), and drops it otherwise: a sink
/// disabled, or subscribed to less, gets nothing of what is recorded
/// meanwhile, as when its deliveries were planned per incident.
async fn sync_stream(st: &AppState, entry: Option<&SinkEntry>, id: &str) -> ApiResult<()> {
    let r = st.ready()?;
    match entry {
        Some(e) if e.streamed() => {
            r.store.open_stream(id, cordon_store::now_millis()).await?;
        }
        _ => {
            r.store.drop_stream(id).await?;
        }
    }
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct SinkList {
    pub sinks: Vec<SinkStatus>,
}

#[utoipa::path(get, path = "/v1/alerts/sinks", tag = "alerts",
    responses((status = 200, description = "the sinks, secrets shown as `***`", body = SinkList)),
    security(("session" = []), ("api_key" = [])))]
pub async fn list_sinks(State(st): State<AppState>) -> ApiResult<Json<SinkList>> {
    let s = load(&st).await?;
    let snapshot = st.alerts.snapshot();
    let mut sinks = Vec::with_capacity(s.sinks.len());
    for e in &s.sinks {
        sinks.push(SinkStatus {
            sink: e.into(),
            problem: snapshot.sink_errors.get(&e.id).cloned(),
            stream: stream_status(&st, &e.id).await?,
        });
    }
    Ok(Json(SinkList { sinks }))
}

/// A sink as written: `id` comes from the path.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SinkInput {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub on: Subscription,
    /// Also receive every audit entry (not for e-mail sinks).
    #[serde(default)]
    pub audit: bool,
    #[schema(value_type = Object)]
    pub config: cordon_alert::SinkConfig,
}

fn yes() -> bool {
    true
}

#[utoipa::path(put, path = "/v1/alerts/sinks/{id}", tag = "alerts", request_body = SinkInput,
    params(("id" = String, Path, description = "sink id")),
    responses((status = 200, description = "stored and in force on every server within seconds; a secret sent as `***` keeps the stored one", body = SinkStatus),
              (status = 400, description = "what is wrong, and where", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn put_sink(
    State(st): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(input): ApiJson<SinkInput>,
) -> ApiResult<Json<SinkStatus>> {
    let mut s = load(&st).await?;
    let mut entry = SinkEntry {
        id: id.clone(),
        enabled: input.enabled,
        on: input.on,
        audit: input.audit,
        config: input.config,
    };
    let old = s.sinks.iter().position(|e| e.id == id);
    keep_secrets(&mut entry, old.and_then(|i| s.sinks.get(i)))?;
    let before = old
        .and_then(|i| s.sinks.get(i))
        .and_then(|e| serde_json::to_value(SinkView::from(e)).ok());
    let after = serde_json::to_value(SinkView::from(&entry)).ok();
    match old.and_then(|i| s.sinks.get_mut(i)) {
        Some(slot) => *slot = entry,
        None => s.sinks.push(entry),
    }
    save(
        &st,
        &meta,
        &caller,
        s,
        ("alerts.sink.put", "sink", &id),
        before,
        after,
    )
    .await?;
    let s = load(&st).await?;
    let e = s
        .sinks
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| ApiError::not_found(format!("sink `{id}`")))?;
    sync_stream(&st, Some(e), &id).await?;
    Ok(Json(SinkStatus {
        sink: e.into(),
        problem: st.alerts.snapshot().sink_errors.get(&id).cloned(),
        stream: stream_status(&st, &id).await?,
    }))
}

#[utoipa::path(delete, path = "/v1/alerts/sinks/{id}", tag = "alerts",
    params(("id" = String, Path, description = "sink id")),
    responses((status = 204, description = "deleted; its pending deliveries fail when their turn comes"),
              (status = 409, description = "`in_use`: response rules name it (listed)", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn delete_sink(
    State(st): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<StatusCode> {
    let mut s = load(&st).await?;
    let Some(i) = s.sinks.iter().position(|e| e.id == id) else {
        return Err(ApiError::not_found(format!("sink `{id}`")));
    };
    s.refuse_if_named(&format!("sink:{id}"), &format!("sink `{id}`"))?;
    let removed = s.sinks.remove(i);
    let before = serde_json::to_value(SinkView::from(&removed)).ok();
    save(
        &st,
        &meta,
        &caller,
        s,
        ("alerts.sink.delete", "sink", &id),
        before,
        None,
    )
    .await?;
    sync_stream(&st, None, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a test delivery did.
#[derive(Serialize, ToSchema)]
pub struct TestOutcome {
    /// `delivered`, `retry` or `failed`.
    pub outcome: &'static str,
    pub message: Option<String>,
}

#[utoipa::path(post, path = "/v1/alerts/sinks/{id}/test", tag = "alerts",
    params(("id" = String, Path, description = "sink id")),
    responses((status = 200, description = "a made-up alert (incident 0, rule `cordon:test`) sent now, and what the receiver said", body = TestOutcome)),
    security(("session" = []), ("api_key" = [])))]
pub async fn test_sink(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<TestOutcome>> {
    let s = load(&st).await?;
    let Some(e) = s.sinks.iter().find(|e| e.id == id) else {
        return Err(ApiError::not_found(format!("sink `{id}`")));
    };
    let sink = cordon_alert::Sink::new(e.config.clone())
        .map_err(|e| ApiError::bad_request(format!("sink `{id}`: {e}")))?;
    let alert = cordon_alert::Alert {
        incident_id: 0,
        created_at: cordon_store::now_millis(),
        rule_id: "cordon:test".to_owned(),
        rule_name: "Test alert".to_owned(),
        policy_id: "cordon".to_owned(),
        policy_version: 0,
        mode: "permissive".to_owned(),
        enforced: false,
        decision: "allow".to_owned(),
        channel: "test".to_owned(),
        username: String::new(),
        computer: String::new(),
        remote_ip: None,
        recipients: Vec::new(),
        categories: Vec::new(),
        findings: Vec::new(),
        match_count: 0,
        file: None,
        message: Some("A test alert sent from the Cordon console.".to_owned()),
        url: st.settings.public_url.clone(),
        severity: 0,
    };
    let key = format!("test_{:016x}", uuid::Uuid::new_v4().as_u64_pair().0);
    let out = sink
        .deliver(&[cordon_alert::Delivery::alert(&key, &alert)])
        .await;
    let (outcome, message) = match out.into_iter().next() {
        Some(cordon_alert::Outcome::Delivered) => ("delivered", None),
        Some(cordon_alert::Outcome::Retry(m)) => ("retry", Some(m)),
        Some(cordon_alert::Outcome::Failed(m)) => ("failed", Some(m)),
        None => ("failed", Some("the sink gave no answer".to_owned())),
    };
    Ok(Json(TestOutcome { outcome, message }))
}

#[derive(Serialize, ToSchema)]
pub struct ResponseList {
    pub responses: Vec<ResponseRule>,
}

#[utoipa::path(get, path = "/v1/alerts/responses", tag = "alerts",
    responses((status = 200, description = "the response rules", body = ResponseList)),
    security(("session" = []), ("api_key" = [])))]
pub async fn list_responses(State(st): State<AppState>) -> ApiResult<Json<ResponseList>> {
    Ok(Json(ResponseList {
        responses: load(&st).await?.responses,
    }))
}

#[utoipa::path(put, path = "/v1/alerts/responses/{id}", tag = "alerts", request_body = ResponseRule,
    params(("id" = String, Path, description = "response rule id")),
    responses((status = 200, description = "stored", body = ResponseRule),
              (status = 400, description = "what is wrong, and where", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn put_response(
    State(st): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(mut rule): ApiJson<ResponseRule>,
) -> ApiResult<Json<ResponseRule>> {
    if rule.id.is_empty() {
        rule.id.clone_from(&id);
    }
    if rule.id != id {
        return Err(ApiError::bad_request(format!(
            "the body's id `{}` is not the path's `{id}`",
            rule.id
        )));
    }
    let mut s = load(&st).await?;
    let old = s.responses.iter().position(|r| r.id == id);
    let before = old
        .and_then(|i| s.responses.get(i))
        .and_then(|r| serde_json::to_value(r).ok());
    let after = serde_json::to_value(&rule).ok();
    match old.and_then(|i| s.responses.get_mut(i)) {
        Some(slot) => *slot = rule.clone(),
        None => s.responses.push(rule.clone()),
    }
    save(
        &st,
        &meta,
        &caller,
        s,
        ("alerts.response.put", "response", &id),
        before,
        after,
    )
    .await?;
    Ok(Json(rule))
}

#[utoipa::path(delete, path = "/v1/alerts/responses/{id}", tag = "alerts",
    params(("id" = String, Path, description = "response rule id")),
    responses((status = 204, description = "deleted")),
    security(("session" = []), ("api_key" = [])))]
pub async fn delete_response(
    State(st): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<StatusCode> {
    let mut s = load(&st).await?;
    let Some(i) = s.responses.iter().position(|r| r.id == id) else {
        return Err(ApiError::not_found(format!("response rule `{id}`")));
    };
    let removed = s.responses.remove(i);
    let before = serde_json::to_value(&removed).ok();
    save(
        &st,
        &meta,
        &caller,
        s,
        ("alerts.response.delete", "response", &id),
        before,
        None,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One delivery of the outbox.
#[derive(Serialize, ToSchema)]

pub struct DeliveryView {
    pub id: i64,
    /// The idempotency key receivers see (`webhook-id`, …).
    pub key: String,
    /// The incident delivered; absent for an audit entry's delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<i64>,
    /// The audit entry delivered (a sink subscribed to the audit trail);
    /// absent for an incident's delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_id: Option<i64>,
    /// `sink:<id>` or `plugin:<name>`.
    pub target: String,
    /// The response rule that asked for it (empty: the sink's subscription).
    pub rule: String,
    /// `pending`, `delivered`, `failed`.
    pub state: String,
    pub attempts: i64,
    pub next_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub delivered_at: Option<i64>,
}

impl From<cordon_store::Delivery> for DeliveryView {
    fn from(d: cordon_store::Delivery) -> DeliveryView {
        DeliveryView {
            key: cordon_store::delivery_key(d.id),
            id: d.id,
            incident_id: d.incident_id,
            audit_id: d.audit_id,
            target: d.target,
            rule: d.rule,
            state: d.state.as_str().to_owned(),
            attempts: d.attempts,
            next_at: d.next_at,
            last_error: d.last_error,
            created_at: d.created_at,
            updated_at: d.updated_at,
            delivered_at: d.delivered_at,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// `pending`, `delivered` or `failed`.
    pub state: Option<String>,
    pub target: Option<String>,
    pub incident: Option<i64>,
    /// Only the deliveries of this audit entry.
    pub audit: Option<i64>,
    /// Deliveries older than this id (the `next` of the previous page).
    pub before: Option<i64>,
    /// 1 to 500 (default 100).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    pub deliveries: Vec<DeliveryView>,
    /// Pass as `before` for the next page; `null` on the last.
    pub next: Option<i64>,
}

#[utoipa::path(get, path = "/v1/deliveries", tag = "alerts", params(DeliveryQuery),
    responses((status = 200, description = "deliveries, newest first", body = DeliveryList)),
    security(("session" = []), ("api_key" = [])))]
pub async fn list_deliveries(
    State(st): State<AppState>,
    Query(q): Query<DeliveryQuery>,
) -> ApiResult<Json<DeliveryList>> {
    let state = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(DeliveryState::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "state `{s}`: use `pending`, `delivered` or `failed`"
            ))
        })?),
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("`limit` is 1 to 500"));
    }
    let rows = st
        .ready()?
        .store
        .list_deliveries(&DeliveryFilter {
            state,
            target: q.target.filter(|t| !t.is_empty()),
            incident_id: q.incident,
            audit_id: q.audit,
            before_id: q.before,
            limit: Some(limit),
        })
        .await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|d| d.id))
        .flatten();
    Ok(Json(DeliveryList {
        deliveries: rows.into_iter().map(Into::into).collect(),
        next,
    }))
}

/// Deliveries by target and state.
#[derive(Serialize, ToSchema)]
pub struct DeliveryCount {
    pub target: String,
    pub state: String,
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DeliverySummary {
    pub counts: Vec<DeliveryCount>,
}

#[utoipa::path(get, path = "/v1/deliveries/summary", tag = "alerts",
    responses((status = 200, description = "how many deliveries each target has in each state", body = DeliverySummary)),
    security(("session" = []), ("api_key" = [])))]
pub async fn summary(State(st): State<AppState>) -> ApiResult<Json<DeliverySummary>> {
    let counts = st.ready()?.store.delivery_counts().await?;
    Ok(Json(DeliverySummary {
        counts: counts
            .into_iter()
            .map(|(target, state, count)| DeliveryCount {
                target,
                state: state.as_str().to_owned(),
                count,
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/v1/deliveries/{id}/retry", tag = "alerts",
    params(("id" = i64, Path, description = "delivery id")),
    responses((status = 200, description = "pending again, due now", body = DeliveryView),
              (status = 409, description = "already delivered", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn retry(
    State(st): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<i64>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<DeliveryView>> {
    let r = st.ready()?;
    if r.store.get_delivery(id).await?.state == DeliveryState::Delivered {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "delivered",
            format!("delivery {id} was delivered; there is nothing to retry"),
        ));
    }
    let d = r
        .store
        .retry_delivery(id, cordon_store::now_millis())
        .await?;
    let view = DeliveryView::from(d);
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(
            &caller.actor(),
            "delivery.retry",
            "delivery",
            &id.to_string(),
        )
        .after(&view),
    )
    .await?;
    st.alerts.wake.notify_one();
    Ok(Json(view))
}
