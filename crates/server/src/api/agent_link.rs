//! The endpoint agent's link to the server: enrolment (which binds the
//! agent's key to its computer and group and hands over the public key
//! the agent pins), the signed policy bundle, the heartbeat, and the
//! upload of the incidents an agent spooled. Every route takes a machine
//! key; what an agent may touch is its own computer, found through its
//! key, never named by the request.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cordon_bundle::{KeyInfo, Payload};
use cordon_store::{AuditOutcome, ComputerInput, EnrolRefusal, NewIncident};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry, RequestMeta};
use crate::auth::{Caller, EnrolmentBearer};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Most incidents in one upload.
pub const MAX_UPLOAD: usize = 1000;

/// An agent joining a group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollInput {
    /// The computer's host name: the name incidents and scopes use.
    pub name: String,
    /// The agent group to join. Required with an API key; with an
    /// enrolment token the token names it (if given, it must be the
    /// token's).
    #[serde(default)]
    pub group: Option<String>,
}

/// What an enrolled agent needs: who it is and the key to pin.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enrolled {
    pub computer: String,
    pub group: String,
    /// The id of the agent's key, now bound to the computer.
    pub key_id: String,
    /// With an enrolment token: the computer's own client API key, shown
    /// only this once. The agent keeps it (not the enrolment token) for
    /// everything it does next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The key every bundle is signed with (pinned on first use unless
    /// the operator passed it out of band).
    #[schema(value_type = Object)]
    pub signing_key: KeyInfo,
}

#[utoipa::path(post, path = "/v1/agent/enroll", tag = "agents", request_body = EnrollInput,
    description = "Present either a client API key made for this computer (which enrolment binds to it) or an enrolment token of an agent group (`cordon_enrol_…`), which registers the computer in the token's group and answers a new client key bound to it, once.",
    responses((status = 200, description = "the computer is registered in the group, bound to the calling key or to the new key in `api_key`", body = Enrolled),
              (status = 400, description = "no group with an API key, or a bad computer name", body = ErrorBody),
              (status = 401, description = "the enrolment token is not valid, expired, revoked or used up", body = ErrorBody),
              (status = 404, description = "no such group", body = ErrorBody),
              (status = 409, description = "the computer is bound to another key (and the token does not allow re-enrolment), or this key to another computer", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn enroll(
    State(st): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    bearer: Option<axum::Extension<EnrolmentBearer>>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<EnrollInput>,
) -> ApiResult<Json<Enrolled>> {
    if let Some(axum::Extension(bearer)) = bearer {
        return enroll_with_token(&st, &bearer, &meta, input).await;
    }
    let Some(axum::Extension(caller)) = caller else {
        return Err(ApiError::unauthorized(
            "enrolment needs an enrolment token or an API key made for this computer",
        ));
    };
    let r = st.ready()?;
    let key_id = caller.key_id().to_owned();
    if key_id.is_empty() {
        return Err(ApiError::bad_request(
            "enrolment needs an API key (a client key made for this computer) or an enrolment token",
        ));
    }
    let Some(group) = input.group.as_deref() else {
        return Err(ApiError::invalid_json(
            Some("group".into()),
            "the agent group to join is required with an API key (an enrolment token names its own)",
        ));
    };
    let group = r.store.get_agent_group(group).await?;
    let existing = match r.store.get_computer(&input.name).await {
        Ok(c) => Some(c),
        Err(cordon_store::StoreError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    if let Some(c) = &existing
        && c.key_id.as_deref().is_some_and(|k| k != key_id)
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "computer `{}` is bound to another key: unbind it first (PUT /v1/computers/{{name}})",
                input.name
            ),
        ));
    }
    let after = r
        .store
        .upsert_computer(
            &ComputerInput {
                name: input.name.clone(),
                group: Some(group.name.clone()),
                office: existing.as_ref().and_then(|c| c.office.clone()),
                key_id: Some(key_id.clone()),
            },
            &caller.actor(),
            cordon_store::now_millis(),
        )
        .await?;
    let actor = caller.actor();
    let mut entry = Entry::change(&actor, "computer.enroll", "computer", &after.name).after(&after);
    if let Some(before) = &existing {
        entry = entry.before(before);
    }
    audit::record(r.store.as_ref(), &meta, entry).await?;
    // The key's cached computer is now stale.
    st.forget_keys();
    let keys = st.agent_keys()?;
    tracing::info!(computer = %after.name, group = %group.name, "agent enrolled");
    Ok(Json(Enrolled {
        computer: after.name,
        group: group.name,
        key_id,
        api_key: None,
        signing_key: keys.public(),
    }))
}

/// Enrolment with an agent group's enrolment token: the store counts the
/// use, makes the computer's own key and binds it, all or nothing.
async fn enroll_with_token(
    st: &AppState,
    bearer: &EnrolmentBearer,
    meta: &RequestMeta,
    input: EnrollInput,
) -> ApiResult<Json<Enrolled>> {
    let r = st.ready()?;
    let peer = meta.ip.parse().ok();
    let Some((id, text)) = crate::api::enrolment::parse(bearer.0.expose()) else {
        st.auth_failed(peer, "malformed enrolment token");
        return Err(ApiError::unauthorized("the enrolment token is not valid"));
    };
    let hash = cordon_identity::token::hash(text);
    let now = cordon_store::now_millis();
    let outcome = r
        .store
        .enrol_with_token(id, &hash, &input.name, input.group.as_deref(), now)
        .await?;
    let e = match outcome {
        Ok(e) => e,
        Err(refusal) => {
            let (status, code) = match &refusal {
                EnrolRefusal::Unknown => {
                    st.auth_failed(peer, "unknown enrolment token");
                    (StatusCode::UNAUTHORIZED, "enrolment_refused")
                }
                EnrolRefusal::Revoked { .. }
                | EnrolRefusal::Expired { .. }
                | EnrolRefusal::UsedUp { .. } => (StatusCode::UNAUTHORIZED, "enrolment_refused"),
                EnrolRefusal::OtherGroup { .. } => (StatusCode::FORBIDDEN, "forbidden"),
                EnrolRefusal::Bound { .. } => (StatusCode::CONFLICT, "conflict"),
            };
            let message = refusal.to_string();
            // A refusal of a real token is the group's business: audited
            // (an unknown one is only a failed authentication).
            if !matches!(refusal, EnrolRefusal::Unknown) {
                let actor = cordon_store::Actor::System;
                audit::record(
                    r.store.as_ref(),
                    meta,
                    Entry::change(&actor, "computer.enroll", "computer", &input.name)
                        .outcome(AuditOutcome::Denied, &message),
                )
                .await?;
            }
            tracing::warn!(computer = %input.name, token = id, "enrolment refused: {message}");
            return Err(ApiError::new(status, code, message));
        }
    };
    let actor = e.key.key.created_by.clone();
    let after = serde_json::json!({
        "computer": &e.computer,
        "enrolment_token": &e.token.id,
        "key_id": &e.key.key.id,
        "revoked_key": &e.replaced_key,
    });
    let mut entry =
        Entry::change(&actor, "computer.enroll", "computer", &e.computer.name).after(&after);
    if let Some(before) = &e.before {
        entry = entry.before(before);
    }
    audit::record(r.store.as_ref(), meta, entry).await?;
    if e.replaced_key.is_some() {
        // The revoked key may be cached as valid.
        st.forget_keys();
    }
    let keys = st.agent_keys()?;
    tracing::info!(computer = %e.computer.name, group = %e.token.group, token = %e.token.id,
        key = %e.key.key.id, replaced = ?e.replaced_key, "agent enrolled with an enrolment token");
    Ok(Json(Enrolled {
        computer: e.computer.name,
        group: e.token.group,
        key_id: e.key.key.id,
        api_key: Some(e.key.secret.expose().to_owned()),
        signing_key: keys.public(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BundleQuery {
    /// The agent's group.
    pub group: String,
}

#[utoipa::path(get, path = "/v1/agent/bundle", tag = "agents", params(BundleQuery),
    responses((status = 200, description = "the group's policy as a signed bundle (`cordon-bundle/1` envelope), with an ETag"),
              (status = 304, description = "unchanged since the ETag in If-None-Match"),
              (status = 403, description = "the key's computer is in another group", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn bundle(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    q: Result<Query<BundleQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let r = st.ready()?;
    let Query(q) = q.map_err(|e| ApiError::invalid_json(Some("group".into()), e.body_text()))?;
    let computer = caller.computer();
    if !computer.is_empty() {
        let c = r.store.get_computer(computer).await?;
        if c.group.as_deref() != Some(q.group.as_str()) {
            return Err(ApiError::forbidden(format!(
                "computer `{computer}` is not in group `{}`",
                q.group
            )));
        }
    }
    let g = r.store.get_agent_group(&q.group).await?;
    let keys = st.agent_keys()?;
    let etag = format!(
        "\"b{}-{}@{}-{}\"",
        g.updated_at,
        g.policy_id,
        g.policy_version,
        keys.tag()
    );
    let etag_value = HeaderValue::from_str(&etag).map_err(|e| ApiError::internal("etag", &e))?;
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response());
    }
    let v = r
        .store
        .get_policy_version(&g.policy_id, g.policy_version)
        .await?;
    let sealed = keys.seal(Payload {
        group: g.name,
        policy_id: v.policy_id,
        policy_version: v.version,
        serial: g.updated_at,
        issued_at: cordon_store::now_millis(),
        format: v.format,
        body: v.body,
        next_key: None,
    })?;
    Ok((
        [
            (header::ETAG, etag_value),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        sealed,
    )
        .into_response())
}

/// What an agent reports about itself.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct Heartbeat {
    pub version: String,
    #[serde(default)]
    pub fqdn: Option<String>,
    #[serde(default)]
    pub netbios: Option<String>,
    #[serde(default)]
    pub ipv4: Vec<String>,
    #[serde(default)]
    pub ou: Option<String>,
    /// The serial of the bundle it enforces (0: none yet).
    #[serde(default)]
    pub policy_serial: i64,
    #[serde(default)]
    pub policy_version: i64,
    /// Ids of the signing keys it trusts (rotation is done when every
    /// agent lists the new one).
    #[serde(default)]
    pub trusted_keys: Vec<String>,
    /// Incidents waiting in its spool, and dropped because it was full.
    #[serde(default)]
    pub spool_pending: u64,
    #[serde(default)]
    pub spool_dropped: u64,
}

/// Most addresses and trusted keys one heartbeat may list.
pub const MAX_LISTED: usize = 64;
/// Longest string in a heartbeat (an FQDN is at most 253).
pub const MAX_FIELD: usize = 256;

impl Heartbeat {
    /// What the store keeps, after checking that nothing is absurdly
    /// large (a heartbeat is kept per computer, so it is bounded).
    fn into_report(self) -> ApiResult<cordon_store::AgentReport> {
        let strings = [
            ("version", Some(&self.version)),
            ("fqdn", self.fqdn.as_ref()),
            ("netbios", self.netbios.as_ref()),
            ("ou", self.ou.as_ref()),
        ];
        for (field, v) in strings {
            if v.is_some_and(|v| v.len() > MAX_FIELD) {
                return Err(ApiError::invalid_json(
                    Some(field.into()),
                    format!("longer than {MAX_FIELD} bytes"),
                ));
            }
        }
        for (field, list) in [("ipv4", &self.ipv4), ("trusted_keys", &self.trusted_keys)] {
            if list.len() > MAX_LISTED || list.iter().any(|v| v.len() > MAX_FIELD) {
                return Err(ApiError::invalid_json(
                    Some(field.into()),
                    format!("at most {MAX_LISTED} entries of at most {MAX_FIELD} bytes"),
                ));
            }
        }
        Ok(cordon_store::AgentReport {
            reported_at: 0,
            version: self.version,
            fqdn: self.fqdn,
            netbios: self.netbios,
            ipv4: self.ipv4,
            ou: self.ou,
            policy_serial: self.policy_serial,
            policy_version: self.policy_version,
            trusted_keys: self.trusted_keys,
            spool_pending: self.spool_pending,
            spool_dropped: self.spool_dropped,
        })
    }
}

impl From<cordon_store::AgentReport> for Heartbeat {
    fn from(a: cordon_store::AgentReport) -> Heartbeat {
        let cordon_store::AgentReport {
            reported_at: _,
            version,
            fqdn,
            netbios,
            ipv4,
            ou,
            policy_serial,
            policy_version,
            trusted_keys,
            spool_pending,
            spool_dropped,
        } = a;
        Heartbeat {
            version,
            fqdn,
            netbios,
            ipv4,
            ou,
            policy_serial,
            policy_version,
            trusted_keys,
            spool_pending,
            spool_dropped,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeartbeatAck {
    pub computer: String,
    pub group: Option<String>,
    /// The server's clock, Unix milliseconds (agents log a large skew).
    pub server_time: i64,
}

/// The computer the calling key is bound to, or `409 not_enrolled`.
pub(crate) fn own_computer(caller: &Caller) -> ApiResult<String> {
    let c = caller.computer();
    if c.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_enrolled",
            "this key is bound to no computer: run `cordon agent enroll` first",
        ));
    }
    Ok(c.to_owned())
}

#[utoipa::path(post, path = "/v1/agent/heartbeat", tag = "agents", request_body = Heartbeat,
    responses((status = 200, description = "kept as the computer's latest report (`agent` in GET /v1/computers); its last contact is now", body = HeartbeatAck),
              (status = 400, description = "a field too long, or too many addresses or keys", body = ErrorBody),
              (status = 409, description = "the key is bound to no computer", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn heartbeat(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(hb): ApiJson<Heartbeat>,
) -> ApiResult<Json<HeartbeatAck>> {
    let r = st.ready()?;
    let name = own_computer(&caller)?;
    let now = cordon_store::now_millis();
    if hb.spool_dropped > 0 {
        tracing::warn!(computer = %name, dropped = hb.spool_dropped, "an agent's spool was full: it dropped incidents");
    }
    tracing::debug!(computer = %name, version = %hb.version, serial = hb.policy_serial,
        ipv4 = ?hb.ipv4, fqdn = ?hb.fqdn, trusted_keys = ?hb.trusted_keys, pending = hb.spool_pending, "agent heartbeat");
    r.store
        .record_heartbeat(&name, &hb.into_report()?, now)
        .await?;
    let c = r.store.get_computer(&name).await?;
    Ok(Json(HeartbeatAck {
        computer: name,
        group: c.group,
        server_time: now,
    }))
}

/// A batch of spooled incidents.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    #[schema(value_type = Vec<Object>)]
    pub incidents: Vec<cordon_record::Incident>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadAck {
    /// Incidents journaled: the agent may drop them from its spool.
    pub accepted: usize,
}

#[utoipa::path(post, path = "/v1/agent/incidents", tag = "agents", request_body = Upload,
    responses((status = 200, description = "journaled (answered only once they are in the journal)", body = UploadAck),
              (status = 400, description = "more than 1000 incidents", body = ErrorBody),
              (status = 409, description = "the key is bound to no computer", body = ErrorBody),
              (status = 503, description = "not recorded: keep them and retry", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn incidents(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(up): ApiJson<Upload>,
) -> ApiResult<Json<UploadAck>> {
    let r = st.ready()?;
    let computer = own_computer(&caller)?;
    if up.incidents.len() > MAX_UPLOAD {
        return Err(ApiError::bad_request(format!(
            "{} incidents in one upload; at most {MAX_UPLOAD}",
            up.incidents.len()
        )));
    }
    let key = caller.key_id().to_owned();
    let batch: Vec<NewIncident> = up
        .incidents
        .into_iter()
        .map(|mut i| {
            // The server, not the agent, says which key delivered it.
            i.details.caller_key = key.clone();
            NewIncident {
                created_at: i.created_at,
                request_id: bounded(i.request_id),
                rule_id: bounded(i.rule_id),
                rule_name: bounded(i.rule_name),
                policy_id: bounded(i.policy_id),
                policy_version: i.policy_version,
                mode: i.mode.as_str().to_owned(),
                enforced: i.enforced,
                decision: i.decision.as_str().to_owned(),
                action: i.action.as_str().to_owned(),
                username: bounded(i.username),
                computer: computer.clone(),
                categories: i.categories.iter().map(|c| c.as_str().to_owned()).collect(),
                details: cordon_store::RawJson::serialize_from(&i.details)
                    .unwrap_or_else(|_| cordon_store::RawJson::null()),
            }
        })
        .collect();
    let n = if batch.is_empty() {
        0
    } else {
        crate::decision::record(&st, r, &key, batch).await?
    };
    r.store
        .touch_computer(&computer, cordon_store::now_millis())
        .await?;
    Ok(Json(UploadAck { accepted: n }))
}

fn bounded(mut s: String) -> String {
    if s.len() > 256 {
        let mut end = 256;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}
