//! Policies: versioned documents, validation, activation, rollback, diff.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use cordon_store::NewPolicyVersion;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::wire;
use serde_json::json;

use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::engine::{Diag, DocInfo};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::lifecycle;
use crate::scope;
use crate::state::AppState;
use cordon_access::{Action, Module, Targets};

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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateInput {
    /// The version to activate; `null` deactivates the policy.
    pub version: Option<i64>,
}

/// Every policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyList {
    pub policies: Vec<wire::Policy>,
}

/// A new version and the checker's warnings.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredVersion {
    pub version: wire::PolicyVersion,
    pub warnings: Vec<Diag>,
}

/// A policy, the version shown (the active one, else the latest) and its
/// activation history.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyDetail {
    pub policy: wire::Policy,
    pub version: wire::PolicyVersion,
    pub activations: Vec<wire::Activation>,
    /// What the caller may do with it and, when editing, which targets
    /// they see and may pick.
    pub yours: PolicyAccess,
}

/// The caller's view of a policy's targets (seed 001: "when user D
/// modifies this configuration, the target of this configuration will
/// list only the scope that is being shared by user A and user D").
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyAccess {
    /// The caller may change it (new versions, activation, groups).
    pub modify: bool,
    /// The caller may copy it as a new policy without targets.
    pub clone: bool,
    /// Its agent groups inside the caller's scope.
    pub shown_groups: Vec<String>,
    /// What the caller may assign it to: the scope they share with its
    /// creator (`{"kind": "all"}`, groups or offices).
    #[schema(value_type = Object)]
    pub offered: cordon_access::Scope,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionList {
    pub versions: Vec<wire::PolicyVersion>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OneVersion {
    pub version: wire::PolicyVersion,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OnePolicy {
    pub policy: wire::Policy,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyDiff {
    pub policy: String,
    pub from: i64,
    pub to: i64,
    pub added_lines: usize,
    pub removed_lines: usize,
    /// A unified diff with three lines of context.
    pub unified: String,
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

/// Ids of policies and groups: 1–128 letters, digits, `-`, `_`, `.`.
pub(crate) fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn valid_id(id: &str) -> ApiResult<()> {
    if valid_name(id) {
        Ok(())
    } else {
        Err(ApiError::invalid_json(
            Some("id".into()),
            format!("policy id `{id}` must be 1-128 characters of letters, digits, `-`, `_`, `.`"),
        ))
    }
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

#[utoipa::path(get, path = "/v1/policies", tag = "policies",
    responses((status = 200, description = "all policies", body = PolicyList)), security(("api_key" = [])))]
pub async fn list(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<PolicyList>> {
    let r = st.ready()?;
    let visible = r
        .store
        .list_policies()
        .await?
        .into_iter()
        .filter(|p| may(&caller, Action::View, p).is_ok())
        .collect();
    Ok(Json(PolicyList {
        policies: wire::all(visible),
    }))
}

/// Whether the caller may do `action` on policy `p` (its creator and the
/// groups and server it applies to).
fn may(caller: &Caller, action: Action, p: &cordon_store::Policy) -> ApiResult<()> {
    caller.may_on(
        action,
        Module::Policies,
        &scope::config_owner(&p.created_by),
        &scope::policy_targets(p),
    )
}

/// Activating or rolling back applies a policy server-wide: the caller
/// must be able to change it with the server among its targets.
fn may_deploy(caller: &Caller, p: &cordon_store::Policy) -> ApiResult<()> {
    let mut targets = scope::policy_targets(p);
    targets.server = true;
    caller.may_on(
        Action::Modify,
        Module::Policies,
        &scope::config_owner(&p.created_by),
        &targets,
    )
}

/// The policy, when the caller may do `action` on it. A policy the caller
/// may not even see is answered as not found.
async fn policy_for(
    r: &crate::state::Ready,
    caller: &Caller,
    action: Action,
    id: &str,
) -> ApiResult<cordon_store::Policy> {
    let p = r.store.get_policy(id).await?;
    if action != Action::View && may(caller, Action::View, &p).is_err() {
        return Err(ApiError::not_found(format!("policy `{id}`")));
    }
    match may(caller, action, &p) {
        Ok(()) => Ok(p),
        Err(_) if action == Action::View => Err(ApiError::not_found(format!("policy `{id}`"))),
        Err(e) => Err(e),
    }
}

#[utoipa::path(post, path = "/v1/policies", tag = "policies", request_body = PolicyInput,
    responses((status = 201, description = "version 1 of a new policy", body = StoredVersion),
              (status = 409, description = "the id exists", body = ErrorBody),
              (status = 422, description = "the policy does not check", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<PolicyInput>,
) -> ApiResult<(StatusCode, Json<StoredVersion>)> {
    let r = st.ready()?;
    let format = format_of(input.format.as_deref(), &input.body)?;
    let info = lifecycle::check_valid(&st, &format, &input.body).await?;
    let id = input.id.clone().or(info.id.clone()).ok_or_else(|| {
        ApiError::invalid_json(
            Some("id".into()),
            "`id` is required when the document has none",
        )
    })?;
    valid_id(&id)?;
    let activate = input.activate;
    if activate {
        // Activation applies it server-wide: only a scope of all computers.
        caller.may_on(
            Action::Create,
            Module::Policies,
            &scope::config_owner(&caller.actor()),
            &Targets::server(),
        )?;
    }
    let new = new_version(input, &info, &id, id.clone(), format, &caller);
    let v = r
        .store
        .create_policy(&new, cordon_store::now_millis())
        .await?;
    if activate {
        lifecycle::activate(&st, r, &id, Some(v.version), &caller.actor()).await?;
    }
    let summary = json!({"version": v.version, "comment": v.comment, "activated": activate});
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "policy.create", "policy", &id).after(&summary),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(StoredVersion {
            version: v.into(),
            warnings: info.warnings,
        }),
    ))
}

#[utoipa::path(post, path = "/v1/policies/validate", tag = "policies", request_body = ValidateInput,
    responses((status = 200, description = "whether the policy checks, with diagnostics", body = ValidateOutput)),
    security(("api_key" = [])))]
pub async fn validate(
    State(st): State<AppState>,
    ApiJson(input): ApiJson<ValidateInput>,
) -> ApiResult<Json<ValidateOutput>> {
    let format = format_of(input.format.as_deref(), &input.body)?;
    Ok(Json(
        match lifecycle::check(&st, &format, &input.body).await? {
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
        },
    ))
}

/// A policy's observation baseline (seed 003): the rules observed so far,
/// to review before enforcing.
#[derive(Debug, Serialize, ToSchema)]
pub struct Baseline {
    pub policy: String,
    /// Whether the policy is active in observation mode on this server.
    pub observing: bool,
    /// The baseline document (`mode: enforce`, the policy's own rules plus
    /// one per observed flow, and an Allow default per category seen,
    /// marked for review), as JSON.
    #[schema(value_type = Option<Object>)]
    pub document: Option<serde_json::Value>,
    /// Categories whose default rule still allows: the seed's warning.
    pub defaults_allowing: Vec<String>,
}

#[utoipa::path(get, path = "/v1/policies/{id}/baseline", tag = "policies",
    params(("id" = String, Path, description = "policy id")),
    responses((status = 200, description = "the observation baseline, when the policy is observing", body = Baseline),
              (status = 404, description = "no such policy", body = ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn baseline(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<Baseline>> {
    let r = st.ready()?;
    policy_for(r, &caller, Action::View, &id).await?;
    let doc = r.policy.load().engine.baseline(&id);
    let defaults_allowing = doc
        .as_ref()
        .map(|d| {
            d.flow_defaults
                .iter()
                .filter(|(_, spec)| spec.permission == cordon_policy::document::Permission::Allow)
                .map(|(c, _)| c.clone())
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(Baseline {
        policy: id,
        observing: doc.is_some(),
        document: doc.and_then(|d| serde_json::to_value(d).ok()),
        defaults_allowing,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyTryInput {
    /// `yaml` or `json`; guessed from the body when absent.
    #[serde(default)]
    pub format: Option<String>,
    pub body: String,
    /// An event to decide with this document alone.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub event: Option<cordon_policy::model::Event>,
    #[serde(default)]
    pub justification: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyTryOutput {
    pub valid: bool,
    pub diagnostics: Vec<Diag>,
    /// The test cases run and the event decided, when the document checks.
    pub trial: Option<crate::engine::Trial>,
}

#[utoipa::path(post, path = "/v1/policies/try", tag = "policies", request_body = PolicyTryInput,
    responses((status = 200, description = "the draft's diagnostics, its test cases run and the event decided", body = PolicyTryOutput)),
    security(("session" = []), ("api_key" = [])))]
pub async fn try_draft(
    State(st): State<AppState>,
    ApiJson(input): ApiJson<PolicyTryInput>,
) -> ApiResult<Json<PolicyTryOutput>> {
    let format = format_of(input.format.as_deref(), &input.body)?;
    let out = lifecycle::trial(&st, &format, &input.body, input.event, input.justification).await?;
    Ok(Json(match out {
        Ok(trial) => PolicyTryOutput {
            valid: true,
            diagnostics: Vec::new(),
            trial: Some(trial),
        },
        Err(diagnostics) => PolicyTryOutput {
            valid: false,
            diagnostics,
            trial: None,
        },
    }))
}

#[utoipa::path(get, path = "/v1/policies/{id}", tag = "policies",
    params(("id" = String, Path, description = "policy id")),
    responses((status = 200, description = "the policy, its active version's document", body = PolicyDetail),
              (status = 404, description = "no such policy", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<PolicyDetail>> {
    let r = st.ready()?;
    let p = policy_for(r, &caller, Action::View, &id).await?;
    let shown = p.active_version.unwrap_or(p.latest_version);
    let v = r.store.get_policy_version(&id, shown).await?;
    let activations = r.store.list_activations(&id).await?;
    // The creator's scope, when a person (still) holds the account.
    let creator = match &p.created_by {
        cordon_store::Actor::Account { id, .. } => match r.store.get_account(id).await {
            Ok(a) => Some(a.scope),
            Err(cordon_store::StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        },
        _ => None,
    };
    let mine = caller.scope();
    let choices =
        cordon_access::target_choices(&mine, creator.as_ref(), &scope::policy_targets(&p));
    let yours = PolicyAccess {
        modify: may(&caller, Action::Modify, &p).is_ok(),
        clone: may(&caller, Action::Clone, &p).is_ok(),
        shown_groups: choices.shown.groups.into_iter().collect(),
        offered: choices.offered,
    };
    Ok(Json(PolicyDetail {
        policy: p.into(),
        version: v.into(),
        activations: wire::all(activations),
        yours,
    }))
}

#[utoipa::path(put, path = "/v1/policies/{id}", tag = "policies", request_body = PolicyInput,
    params(("id" = String, Path, description = "policy id")),
    responses((status = 200, description = "the new version", body = StoredVersion),
              (status = 422, description = "the policy does not check", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<PolicyInput>,
) -> ApiResult<Json<StoredVersion>> {
    let r = st.ready()?;
    let format = format_of(input.format.as_deref(), &input.body)?;
    let info = lifecycle::check_valid(&st, &format, &input.body).await?;
    if let Some(other) = input.id.as_ref().or(info.id.as_ref()).filter(|d| **d != id) {
        return Err(ApiError::invalid_json(
            Some("id".into()),
            format!("the document's id `{other}` differs from the policy id `{id}` in the path"),
        ));
    }
    let current = policy_for(r, &caller, Action::Modify, &id).await?;
    let activate = input.activate;
    if activate {
        may_deploy(&caller, &current)?;
    }
    let new = new_version(input, &info, &id, current.name, format, &caller);
    let v = r
        .store
        .add_policy_version(&new, cordon_store::now_millis())
        .await?;
    if activate {
        lifecycle::activate(&st, r, &id, Some(v.version), &caller.actor()).await?;
    }
    let summary = json!({"version": v.version, "comment": v.comment, "activated": activate});
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "policy.update", "policy", &id)
            .before(&json!({"latest_version": current.latest_version, "active_version": current.active_version}))
            .after(&summary),
    )
    .await?;
    Ok(Json(StoredVersion {
        version: v.into(),
        warnings: info.warnings,
    }))
}

#[utoipa::path(get, path = "/v1/policies/{id}/versions", tag = "policies",
    params(("id" = String, Path, description = "policy id")),
    responses((status = 200, description = "every version, oldest first", body = VersionList)),
    security(("api_key" = [])))]
pub async fn list_versions(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<VersionList>> {
    let r = st.ready()?;
    policy_for(r, &caller, Action::View, &id).await?;
    Ok(Json(VersionList {
        versions: wire::all(r.store.list_policy_versions(&id).await?),
    }))
}

#[utoipa::path(get, path = "/v1/policies/{id}/versions/{version}", tag = "policies",
    params(("id" = String, Path, description = "policy id"), ("version" = i64, Path, description = "version number")),
    responses((status = 200, description = "one version", body = OneVersion)),
    security(("api_key" = [])))]
pub async fn get_version(
    State(st): State<AppState>,
    Path((id, version)): Path<(String, i64)>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<OneVersion>> {
    let r = st.ready()?;
    policy_for(r, &caller, Action::View, &id).await?;
    Ok(Json(OneVersion {
        version: r.store.get_policy_version(&id, version).await?.into(),
    }))
}

#[utoipa::path(post, path = "/v1/policies/{id}/activate", tag = "policies", request_body = ActivateInput,
    params(("id" = String, Path, description = "policy id")),
    responses((status = 200, description = "the policy with its new active version", body = OnePolicy),
              (status = 422, description = "the active set would not compile", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn activate(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<ActivateInput>,
) -> ApiResult<Json<OnePolicy>> {
    let r = st.ready()?;
    let before = policy_for(r, &caller, Action::Modify, &id).await?;
    may_deploy(&caller, &before)?;
    let p = lifecycle::activate(&st, r, &id, input.version, &caller.actor()).await?;
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "policy.activate", "policy", &id)
            .before(&json!({"active_version": before.active_version}))
            .after(&json!({"active_version": p.active_version})),
    )
    .await?;
    Ok(Json(OnePolicy { policy: p.into() }))
}

#[utoipa::path(post, path = "/v1/policies/{id}/rollback", tag = "policies",
    params(("id" = String, Path, description = "policy id")),
    responses((status = 200, description = "the policy back on the previously active version", body = OnePolicy),
              (status = 400, description = "nothing to roll back to", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn rollback(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
) -> ApiResult<Json<OnePolicy>> {
    let r = st.ready()?;
    let before = policy_for(r, &caller, Action::Modify, &id).await?;
    may_deploy(&caller, &before)?;
    let p = lifecycle::rollback(&st, r, &id, &caller.actor()).await?;
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "policy.rollback", "policy", &id)
            .before(&json!({"active_version": before.active_version}))
            .after(&json!({"active_version": p.active_version})),
    )
    .await?;
    Ok(Json(OnePolicy { policy: p.into() }))
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
    responses((status = 200, description = "a unified diff between two versions", body = PolicyDiff),
              (status = 400, description = "a version number below 1", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn diff(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    Query(q): Query<DiffQuery>,
) -> ApiResult<Json<PolicyDiff>> {
    let r = st.ready()?;
    for (field, v) in [("from", q.from), ("to", q.to)] {
        if v.is_some_and(|v| v < 1) {
            return Err(ApiError::invalid_json(
                Some(field.into()),
                format!("`{field}` must be a version number, 1 or more"),
            ));
        }
    }
    let p = policy_for(r, &caller, Action::View, &id).await?;
    let to = q.to.unwrap_or(p.latest_version);
    let from = q.from.unwrap_or(to.saturating_sub(1)).max(1);
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
    Ok(Json(PolicyDiff {
        policy: id,
        from,
        to,
        added_lines: added,
        removed_lines: removed,
        unified,
    }))
}
