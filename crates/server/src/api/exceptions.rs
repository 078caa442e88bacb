//! Exceptions: a user's business justification opens the exception window
//! of an `exception` decision.
//!
//! Only the caller that received the decision may justify it (its key is
//! recorded with the incidents), or an admin key acting for the user.
//! Request ids are 128 random bits, and a decision that exists but belongs
//! to another caller is answered exactly like one that does not exist, so
//! neither ids nor other users' incidents can be discovered through this
//! route.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cordon_store::NewJustification;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::incidents::READ_YOUR_WRITES;
use super::wire;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::lifecycle;
use crate::state::AppState;

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

/// The stored justifications and when their window closes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Justified {
    pub justifications: Vec<wire::Justification>,
    pub expires_at: i64,
    pub keys: Vec<wire::FlowKey>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JustificationList {
    pub justifications: Vec<wire::Justification>,
}

fn no_such_decision() -> ApiError {
    ApiError::not_found("an `exception` decision with that id for this caller")
}

#[utoipa::path(post, path = "/v1/exceptions", tag = "exceptions", request_body = ExceptionInput,
    responses((status = 201, description = "the stored justifications and when their window closes", body = Justified),
              (status = 400, description = "nothing to justify", body = ErrorBody),
              (status = 404, description = "no exception decision with that id was given to this caller", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn submit(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(input): ApiJson<ExceptionInput>,
) -> ApiResult<(StatusCode, Json<Justified>)> {
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
        (None, Some(id)) => match r.store.get_incident(id).await {
            Ok(i) => {
                r.store
                    .find_incidents_by_request(&i.incident.request_id)
                    .await?
            }
            Err(cordon_store::StoreError::NotFound(_)) => return Err(no_such_decision()),
            Err(e) => return Err(e.into()),
        },
        _ => {
            return Err(ApiError::bad_request(
                "give exactly one of `request_id` and `incident_id` of an `exception` decision",
            ));
        }
    };
    // Another caller's decision is answered as if it did not exist.
    let mine: Vec<_> = incidents
        .into_iter()
        .map(|i| {
            let d = wire::Incident::details_of(&i);
            (i, d)
        })
        .filter(|(_, d)| caller.is_admin() || d.caller_key == caller.key_id())
        .collect();
    if mine.is_empty() {
        return Err(no_such_decision());
    }
    let Some((first, details)) = mine
        .iter()
        .find(|(i, _)| i.incident.decision == "exception")
    else {
        return Err(ApiError::bad_request(
            "that request's decision is not `exception`: only exception decisions can be justified",
        ));
    };
    let keys = details
        .exception
        .as_ref()
        .map(|e| e.keys.as_slice())
        .unwrap_or_default();
    if keys.is_empty() {
        return Err(ApiError::bad_request(
            "the exception decision names no flow to open",
        ));
    }
    let now = cordon_store::now_millis();
    let window = r.policy.load().engine.exception_window();
    let expires_at = now.saturating_add(i64::try_from(window.as_millis()).unwrap_or(300_000));
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
            category: k.category.clone(),
            justification: text.to_owned(),
            submitted_by: caller.actor(),
        };
        stored.push(r.store.insert_justification(&j).await?);
    }
    // Open the window here now; other servers pick it up on their next poll.
    lifecycle::apply_justifications(r, false).await;
    let keys = keys
        .iter()
        .map(|k| wire::FlowKey {
            sender: k.sender.clone(),
            recipient: k.recipient.clone(),
            category: k.category.clone(),
        })
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(Justified {
            justifications: wire::all(stored),
            expires_at,
            keys,
        }),
    ))
}

#[utoipa::path(get, path = "/v1/exceptions", tag = "exceptions",
    responses((status = 200, description = "the latest justifications", body = JustificationList)),
    security(("api_key" = [])))]
pub async fn list(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<JustificationList>> {
    let r = st.ready()?;
    let all = r.store.list_justifications(500).await?;
    let scope = caller.scope();
    if scope == cordon_access::Scope::All {
        return Ok(Json(JustificationList {
            justifications: wire::all(all),
        }));
    }
    // A scoped administrator sees the justifications of incidents from
    // the computers in scope, as those incidents' own scope says.
    let mut targets_of: std::collections::HashMap<String, cordon_access::Targets> =
        std::collections::HashMap::new();
    let mut visible = Vec::new();
    for j in all {
        let Some(id) = j.justification.incident_id else {
            continue;
        };
        let computer = match r.store.get_incident(id).await {
            Ok(i) => i.incident.computer,
            Err(cordon_store::StoreError::NotFound(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        let targets = match targets_of.get(&computer) {
            Some(t) => t.clone(),
            None => {
                let t = crate::scope::incident_targets(r.store.as_ref(), &computer).await?;
                targets_of.insert(computer, t.clone());
                t
            }
        };
        if targets.meets(&scope) {
            visible.push(j);
        }
    }
    Ok(Json(JustificationList {
        justifications: wire::all(visible),
    }))
}
