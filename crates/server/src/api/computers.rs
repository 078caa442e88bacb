//! Managed computers (their unique group, remote office and agent key) and
//! the remote offices themselves: what administrators' scopes are made
//! of.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use cordon_access::{Action, Module, Owner, Targets};
use cordon_store::{Computer as StoredComputer, ComputerFilter, ComputerInput as StoreInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::policies::valid_name;
use super::wire;
use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// A managed computer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ManagedComputer {
    /// The host name, as its agent reports it.
    pub name: String,
    /// Its unique custom group (agent group), if any.
    pub group: Option<String>,
    /// Its remote office, if any.
    pub office: Option<String>,
    /// The id of the client key its agent uses: incidents from that key
    /// carry this computer.
    pub key_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: wire::Actor,
    pub last_seen_at: Option<i64>,
    /// What its agent last reported in a heartbeat; none before the
    /// first.
    pub agent: Option<AgentStatus>,
}

/// An agent's latest heartbeat, as the server received it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentStatus {
    /// When the server received it (Unix ms).
    pub reported_at: i64,
    /// What the agent said: version, host identity, the bundle serial and
    /// policy version it enforces, trusted keys, spool backlog and drops.
    #[serde(flatten)]
    pub report: super::agent_link::Heartbeat,
}

impl From<cordon_store::AgentReport> for AgentStatus {
    fn from(a: cordon_store::AgentReport) -> AgentStatus {
        AgentStatus {
            reported_at: a.reported_at,
            report: a.into(),
        }
    }
}

impl From<StoredComputer> for ManagedComputer {
    fn from(c: StoredComputer) -> ManagedComputer {
        ManagedComputer {
            name: c.name,
            group: c.group,
            office: c.office,
            key_id: c.key_id,
            created_at: c.created_at,
            updated_at: c.updated_at,
            updated_by: c.updated_by.into(),
            last_seen_at: c.last_seen_at,
            agent: c.agent.map(Into::into),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComputerList {
    pub computers: Vec<ManagedComputer>,
    /// Pass as `after` for the next page; `null` on the last.
    pub next_after: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OneComputer {
    pub computer: ManagedComputer,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ComputerQuery {
    pub group: Option<String>,
    pub office: Option<String>,
    /// The last name of the previous page.
    pub after: Option<String>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<i64>,
}

/// A computer's group, office and key. Every field is the new value: an
/// absent one leaves the computer without it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComputerInput {
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub office: Option<String>,
    #[serde(default)]
    pub key_id: Option<String>,
}

/// A computer is Cordon's record of a machine, not anybody's
/// configuration: write on managed systems is enough to change one, in
/// scope.
fn targets(c: &StoredComputer) -> Targets {
    Targets::computer(c.group.as_deref(), c.office.as_deref())
}

#[utoipa::path(get, path = "/v1/computers", tag = "systems", params(ComputerQuery),
    responses((status = 200, description = "a page of the computers in the caller's scope, by name", body = ComputerList)),
    security(("api_key" = [])))]
pub async fn list(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    q: Result<Query<ComputerQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ComputerList>> {
    let r = st.ready()?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let filter = ComputerFilter {
        group: q.group,
        office: q.office,
        after: q.after,
        limit: q.limit,
    };
    let page = r.store.list_computers(&filter).await?;
    let next_after = (page.len() as i64 == filter.effective_limit())
        .then(|| page.last().map(|c| c.name.clone()))
        .flatten();
    let scope = caller.scope();
    let computers = page
        .into_iter()
        .filter(|c| targets(c).meets(&scope))
        .map(ManagedComputer::from)
        .collect();
    Ok(Json(ComputerList {
        computers,
        next_after,
    }))
}

/// The computer, when the caller may do `action` on it; one outside the
/// caller's scope is answered as not found.
async fn computer_for(
    r: &crate::state::Ready,
    caller: &Caller,
    action: Action,
    name: &str,
) -> ApiResult<StoredComputer> {
    let c = r.store.get_computer(name).await?;
    let t = targets(&c);
    if !t.meets(&caller.scope()) {
        return Err(ApiError::not_found(format!("computer `{name}`")));
    }
    caller.may_on(action, Module::Systems, &Owner::System, &t)?;
    Ok(c)
}

#[utoipa::path(get, path = "/v1/computers/{name}", tag = "systems",
    params(("name" = String, Path, description = "host name")),
    responses((status = 200, description = "the computer", body = OneComputer),
              (status = 404, description = "no such computer in the caller's scope", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    State(st): State<AppState>,
    Path(name): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<OneComputer>> {
    let r = st.ready()?;
    Ok(Json(OneComputer {
        computer: computer_for(r, &caller, Action::View, &name).await?.into(),
    }))
}

#[utoipa::path(put, path = "/v1/computers/{name}", tag = "systems", request_body = ComputerInput,
    params(("name" = String, Path, description = "host name")),
    responses((status = 200, description = "the computer, registered or changed", body = OneComputer),
              (status = 403, description = "the computer or its new group or office is outside the caller's scope", body = ErrorBody),
              (status = 404, description = "no such group or office", body = ErrorBody),
              (status = 409, description = "the key is bound to another computer", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn put(
    State(st): State<AppState>,
    Path(name): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<ComputerInput>,
) -> ApiResult<Json<OneComputer>> {
    let r = st.ready()?;
    if !valid_name(&name) {
        return Err(ApiError::bad_request(format!(
            "computer name `{name}` must be 1-128 characters of letters, digits, `-`, `_`, `.`"
        )));
    }
    // Both where it is and where it goes must be the caller's to change.
    let before = match r.store.get_computer(&name).await {
        Ok(_) => Some(computer_for(r, &caller, Action::Modify, &name).await?),
        Err(cordon_store::StoreError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let to = Targets::computer(input.group.as_deref(), input.office.as_deref());
    caller.may_on(Action::Modify, Module::Systems, &Owner::System, &to)?;
    let c = r
        .store
        .upsert_computer(
            &StoreInput {
                name,
                group: input.group,
                office: input.office,
                key_id: input.key_id,
            },
            &caller.actor(),
            cordon_store::now_millis(),
        )
        .await?;
    // The key's computer is cached with the key.
    st.forget_keys();
    let actor = caller.actor();
    let mut entry = Entry::change(&actor, "computer.put", "computer", &c.name).after(&c);
    if let Some(b) = &before {
        entry = entry.before(b);
    }
    audit::record(r.store.as_ref(), &meta, entry).await?;
    Ok(Json(OneComputer { computer: c.into() }))
}

#[utoipa::path(delete, path = "/v1/computers/{name}", tag = "systems",
    params(("name" = String, Path, description = "host name")),
    responses((status = 204, description = "deleted")), security(("api_key" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Path(name): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
) -> ApiResult<StatusCode> {
    let r = st.ready()?;
    let before = computer_for(r, &caller, Action::Delete, &name).await?;
    r.store.delete_computer(&name, &caller.actor()).await?;
    st.forget_keys();
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "computer.delete", "computer", &name).before(&before),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A remote office.
#[derive(Debug, Serialize, ToSchema)]
pub struct Office {
    pub name: String,
    pub description: String,
    /// How many computers are in it.
    pub computers: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: wire::Actor,
}

impl From<cordon_store::RemoteOffice> for Office {
    fn from(o: cordon_store::RemoteOffice) -> Office {
        Office {
            name: o.name,
            description: o.description,
            computers: o.computers,
            created_at: o.created_at,
            updated_at: o.updated_at,
            updated_by: o.updated_by.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeList {
    pub offices: Vec<Office>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OneOffice {
    pub office: Office,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficeInput {
    #[serde(default)]
    pub description: Option<String>,
}

#[utoipa::path(get, path = "/v1/offices", tag = "systems",
    responses((status = 200, description = "every remote office", body = OfficeList)),
    security(("api_key" = [])))]
pub async fn list_offices(State(st): State<AppState>) -> ApiResult<Json<OfficeList>> {
    let r = st.ready()?;
    Ok(Json(OfficeList {
        offices: wire::all(r.store.list_offices().await?),
    }))
}

#[utoipa::path(put, path = "/v1/offices/{name}", tag = "systems", request_body = OfficeInput,
    params(("name" = String, Path, description = "office name")),
    responses((status = 200, description = "the office, created or changed", body = OneOffice)),
    security(("api_key" = [])))]
pub async fn put_office(
    State(st): State<AppState>,
    Path(name): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<OfficeInput>,
) -> ApiResult<Json<OneOffice>> {
    let r = st.ready()?;
    if !valid_name(&name) {
        return Err(ApiError::bad_request(format!(
            "office name `{name}` must be 1-128 characters of letters, digits, `-`, `_`, `.`"
        )));
    }
    let o = r
        .store
        .upsert_office(
            &name,
            input.description.as_deref().unwrap_or(""),
            &caller.actor(),
            cordon_store::now_millis(),
        )
        .await?;
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "office.put", "office", &o.name).after(&o),
    )
    .await?;
    Ok(Json(OneOffice { office: o.into() }))
}

#[utoipa::path(delete, path = "/v1/offices/{name}", tag = "systems",
    params(("name" = String, Path, description = "office name")),
    responses((status = 204, description = "deleted"),
              (status = 400, description = "computers are still in it", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn delete_office(
    State(st): State<AppState>,
    Path(name): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
) -> ApiResult<StatusCode> {
    let r = st.ready()?;
    r.store.delete_office(&name, &caller.actor()).await?;
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "office.delete", "office", &name),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
