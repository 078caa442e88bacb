//! Enrolment tokens of an agent group: one secret that lets many
//! computers join the group (`cordon agent enroll --token …`), each then
//! getting a client key of its own. Created (the secret shown once),
//! listed (a prefix only) and revoked by whoever may modify the group;
//! every change is audited.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cordon_access::Action;
use cordon_store::enrolment::TOKEN_PREFIX;
use cordon_store::{EnrolmentToken, NewEnrolmentToken};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::agents::group_for;
use super::wire;
use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// A token lives at most this long.
pub const MAX_VALID_HOURS: i64 = 24 * 365;
/// A token lives this long unless asked otherwise: a week.
pub const DEFAULT_VALID_HOURS: i64 = 24 * 7;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// What it is for (`sales laptops, wave 2`): at most 200 characters.
    #[serde(default)]
    pub label: String,
    /// Hours until it expires: 1 to 8760, default 168 (a week).
    #[serde(default)]
    pub valid_hours: Option<i64>,
    /// At most this many computers may enrol with it (at least 1);
    /// none: any number until it expires.
    #[serde(default)]
    pub max_uses: Option<i64>,
    /// Whether a computer may enrol under a name already bound to another
    /// live key (the old key is then revoked). Default `false`: such an
    /// enrolment is refused, so one machine cannot take over another's
    /// name.
    #[serde(default)]
    pub allow_reenrol: bool,
}

/// An enrolment token as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    /// `cordon_enrol_<id>_…`: how the token starts, to recognise it.
    pub prefix: String,
    pub group: String,
    pub label: String,
    pub expires_at: i64,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub allow_reenrol: bool,
    /// `active`, `expired`, `used_up` or `revoked`.
    pub state: String,
    pub created_at: i64,
    pub created_by: wire::Actor,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<wire::Actor>,
}

impl TokenView {
    fn at(t: EnrolmentToken, now: i64) -> TokenView {
        let state = if t.revoked_at.is_some() {
            "revoked"
        } else if t.expires_at <= now {
            "expired"
        } else if t.max_uses.is_some_and(|m| t.uses >= m) {
            "used_up"
        } else {
            "active"
        };
        TokenView {
            prefix: format!("{TOKEN_PREFIX}{}_…", t.id),
            id: t.id,
            group: t.group,
            label: t.label,
            expires_at: t.expires_at,
            max_uses: t.max_uses,
            uses: t.uses,
            allow_reenrol: t.allow_reenrol,
            state: state.to_owned(),
            created_at: t.created_at,
            created_by: t.created_by.into(),
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
            revoked_by: t.revoked_by.map(Into::into),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub tokens: Vec<TokenView>,
}

/// A new token and its secret, shown only this once.
#[derive(Serialize, ToSchema)]
pub struct NewToken {
    pub token: TokenView,
    /// `cordon_enrol_<id>_<secret>`: `cordon agent enroll --token …`.
    pub secret: String,
}

/// The id and whole text of a presented enrolment token, if it has the
/// shape `cordon_enrol_<8 hex>_<43 base64url>`.
pub fn parse(presented: &str) -> Option<(&str, &str)> {
    let rest = presented.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let ok = id.len() == 8
        && id.bytes().all(|b| b.is_ascii_hexdigit())
        && secret.len() == cordon_identity::token::TOKEN_LEN
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some((id, presented))
}

fn new_id() -> ApiResult<String> {
    let mut id = [0u8; 4];
    getrandom::fill(&mut id).map_err(|e| ApiError::internal("random", &e))?;
    Ok(id.iter().map(|b| format!("{b:02x}")).collect())
}

#[utoipa::path(post, path = "/v1/agent-groups/{name}/enrolment-tokens", tag = "agents", request_body = TokenInput,
    params(("name" = String, Path, description = "group name")),
    responses((status = 201, description = "the new token; `secret` is shown only this once", body = NewToken),
              (status = 400, description = "a bad label, lifetime or limit", body = ErrorBody),
              (status = 404, description = "no such group (or not one the caller may see)", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Path(name): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<TokenInput>,
) -> ApiResult<(StatusCode, Json<NewToken>)> {
    let r = st.ready()?;
    let group = group_for(r, &caller, Action::Modify, &name).await?;
    let hours = input.valid_hours.unwrap_or(DEFAULT_VALID_HOURS);
    if !(1..=MAX_VALID_HOURS).contains(&hours) {
        return Err(ApiError::invalid_json(
            Some("valid_hours".into()),
            format!("{hours}: a token is valid for 1 to {MAX_VALID_HOURS} hours"),
        ));
    }
    if let Some(m) = input.max_uses
        && m < 1
    {
        return Err(ApiError::invalid_json(
            Some("max_uses".into()),
            format!("{m}: at least 1, or leave it out for no limit"),
        ));
    }
    let id = new_id()?;
    let secret = cordon_identity::token::new_token();
    let text = format!("{TOKEN_PREFIX}{id}_{}", secret.expose());
    let now = cordon_store::now_millis();
    let actor = caller.actor();
    let token = r
        .store
        .create_enrolment_token(
            &NewEnrolmentToken {
                id,
                hash: cordon_identity::token::hash(&text),
                group: group.name,
                label: input.label,
                expires_at: now.saturating_add(hours.saturating_mul(3_600_000)),
                max_uses: input.max_uses,
                allow_reenrol: input.allow_reenrol,
            },
            &actor,
            now,
        )
        .await?;
    let view = TokenView::at(token, now);
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(
            &actor,
            "enrolment_token.create",
            "enrolment_token",
            &view.id,
        )
        .after(&view),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewToken {
            token: view,
            secret: text,
        }),
    ))
}

#[utoipa::path(get, path = "/v1/agent-groups/{name}/enrolment-tokens", tag = "agents",
    params(("name" = String, Path, description = "group name")),
    responses((status = 200, description = "the group's tokens, newest first (never their secrets)", body = TokenList),
              (status = 404, description = "no such group (or not one the caller may see)", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Path(name): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<TokenList>> {
    let r = st.ready()?;
    let group = group_for(r, &caller, Action::View, &name).await?;
    let now = cordon_store::now_millis();
    let tokens = r.store.list_enrolment_tokens(&group.name).await?;
    Ok(Json(TokenList {
        tokens: tokens.into_iter().map(|t| TokenView::at(t, now)).collect(),
    }))
}

#[utoipa::path(delete, path = "/v1/agent-groups/{name}/enrolment-tokens/{id}", tag = "agents",
    params(("name" = String, Path, description = "group name"), ("id" = String, Path, description = "token id")),
    responses((status = 200, description = "revoked: no computer enrols with it any more (those enrolled keep their keys)", body = TokenView),
              (status = 404, description = "no such live token in the group", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn revoke(
    State(st): State<AppState>,
    Path((name, id)): Path<(String, String)>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
) -> ApiResult<Json<TokenView>> {
    let r = st.ready()?;
    let group = group_for(r, &caller, Action::Modify, &name).await?;
    let now = cordon_store::now_millis();
    let actor = caller.actor();
    let token = r
        .store
        .revoke_enrolment_token(&group.name, &id, &actor, now)
        .await?;
    let view = TokenView::at(token, now);
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(
            &actor,
            "enrolment_token.revoke",
            "enrolment_token",
            &view.id,
        )
        .after(&view),
    )
    .await?;
    Ok(Json(view))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn only_the_token_shape_parses() {
        let t = format!("cordon_enrol_0a1b2c3d_{}", "A".repeat(43));
        assert_eq!(parse(&t), Some(("0a1b2c3d", t.as_str())));
        let secret = cordon_identity::token::new_token();
        let t2 = format!("cordon_enrol_ffff0000_{}", secret.expose());
        assert!(parse(&t2).is_some(), "a real token parses");
        for bad in [
            "cordon_enrol_0a1b2c3d_short".to_owned(),
            format!("cordon_enrol_0a1b2c3_{}", "A".repeat(43)),
            format!("cordon_enrol_0a1b2c3g_{}", "A".repeat(43)),
            format!("cordon_enrol_0a1b2c3d_{}", "A".repeat(44)),
            format!("cordon_enrol_0a1b2c3d_{}!", "A".repeat(42)),
            format!("cordon_0a1b2c3d_{}", "a".repeat(64)),
        ] {
            assert_eq!(parse(&bad), None, "{bad}");
        }
    }
}
