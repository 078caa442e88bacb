//! Administrators' accounts on the Admin tab: create, change role and
//! scope, reset a password, delete, hand the super admin over. Every
//! change is checked by `cordon-access` (nobody grants more than they
//! hold, nobody changes their own role or scope), needs a recently
//! re-authenticated session when it touches powers, and is audited with
//! the account before and after (never a secret).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cordon_access::{Action, Object, Role as AccessRole, Scope, can_assign};
use cordon_identity::Password;
use cordon_store::{Account as StoredAccount, AccountUpdate, AuthKind, NewAccount};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::wire;
use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::{AppState, Ready};

/// An administrator's account, without any secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: String,
    pub username: String,
    /// `local` (password here) or `directory` (LDAP / Active Directory).
    pub auth: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The role's id.
    pub role: String,
    /// `{"kind": "all"}`, `{"kind": "groups", "names": [...]}` or
    /// `{"kind": "offices", "names": [...]}`.
    #[schema(value_type = Object)]
    pub scope: Scope,
    pub super_admin: bool,
    pub disabled: bool,
    pub must_change_password: bool,
    /// An authenticator app is enrolled.
    pub totp_enrolled: bool,
    /// Locked after failed logins until then (Unix ms).
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub created_by: wire::Actor,
    pub updated_by: wire::Actor,
    pub last_login_at: Option<i64>,
}

impl From<StoredAccount> for Account {
    fn from(a: StoredAccount) -> Account {
        Account {
            id: a.id,
            username: a.username,
            auth: match a.auth {
                AuthKind::Directory => "directory",
                _ => "local",
            }
            .to_owned(),
            email: a.email,
            phone: a.phone,
            role: a.role_id,
            scope: a.scope,
            super_admin: a.super_admin,
            disabled: a.disabled,
            must_change_password: a.must_change_password,
            totp_enrolled: a.totp_enrolled,
            locked_until: a.locked_until,
            created_at: a.created_at,
            updated_at: a.updated_at,
            created_by: a.created_by.into(),
            updated_by: a.updated_by.into(),
            last_login_at: a.last_login_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    pub accounts: Vec<Account>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OneAccount {
    pub account: Account,
}

/// A new account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    pub username: String,
    /// `local` (default) or `directory`.
    #[serde(default)]
    pub auth: Option<String>,
    /// Required for a local account; never for a directory one. The
    /// person must change it at first login unless `must_change_password`
    /// is false.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub must_change_password: Option<bool>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub role: String,
    #[schema(value_type = Object)]
    pub scope: Scope,
}

/// A change: each field present is the new value (`null` clears e-mail
/// or phone).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub scope: Option<Scope>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// `"field": null` is `Some(None)`; an absent field is `None`.
fn some<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub password: String,
    /// The person must change it at next login (default true).
    #[serde(default)]
    pub must_change_password: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuperAdminInput {
    /// The account id of the administrator who becomes the super admin.
    pub account: String,
}

const MAX_EMAIL: usize = 254;
const MAX_PHONE: usize = 32;

fn check_contact(email: Option<&str>, phone: Option<&str>) -> ApiResult<()> {
    if let Some(e) = email {
        let ok = e.len() <= MAX_EMAIL
            && e.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
            })
            && !e.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            return Err(ApiError::invalid_json(
                Some("email".into()),
                format!("`{e}` is not an e-mail address"),
            ));
        }
    }
    if let Some(p) = phone {
        let ok = p.len() <= MAX_PHONE
            && p.chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !ok {
            return Err(ApiError::invalid_json(
                Some("phone".into()),
                "a phone number is up to 32 digits, spaces and `+-().`",
            ));
        }
    }
    Ok(())
}

async fn role_of(r: &Ready, id: &str) -> ApiResult<AccessRole> {
    match r.store.get_role(id).await {
        Ok(s) => Ok(s.role),
        Err(cordon_store::StoreError::NotFound(_)) => Err(ApiError::invalid_json(
            Some("role".into()),
            format!("there is no role `{id}`"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// 403 with the reason, unless `caller` may give `account` this role and
/// scope.
fn may_assign(
    caller: &Caller,
    account: &str,
    super_admin: bool,
    role: &AccessRole,
    scope: &Scope,
) -> ApiResult<()> {
    let d = can_assign(caller.subject()?, account, super_admin, role, scope);
    if d.allowed {
        Ok(())
    } else {
        Err(ApiError::forbidden(d.reason.to_string()))
    }
}

/// The account, when the caller may manage it: an account whose role or
/// scope the caller could not grant is beyond them (an administrator
/// scoped to some groups does not manage one with all computers).
pub(crate) async fn managed(r: &Ready, caller: &Caller, id: &str) -> ApiResult<StoredAccount> {
    let a = r.store.get_account(id).await?;
    if a.id == caller.subject()?.id {
        return Ok(a);
    }
    let role = role_of(r, &a.role_id).await?;
    may_assign(caller, &a.id, a.super_admin, &role, &a.scope)?;
    Ok(a)
}

#[utoipa::path(get, path = "/v1/users", tag = "accounts",
    responses((status = 200, description = "every account", body = AccountList)),
    security(("api_key" = [])))]
pub async fn list(State(st): State<AppState>) -> ApiResult<Json<AccountList>> {
    let r = st.ready()?;
    Ok(Json(AccountList {
        accounts: wire::all(r.store.list_accounts().await?),
    }))
}

#[utoipa::path(get, path = "/v1/users/{id}", tag = "accounts",
    params(("id" = String, Path, description = "account id")),
    responses((status = 200, description = "the account", body = OneAccount),
              (status = 404, description = "no such account", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<OneAccount>> {
    let r = st.ready()?;
    Ok(Json(OneAccount {
        account: r.store.get_account(&id).await?.into(),
    }))
}

#[utoipa::path(post, path = "/v1/users", tag = "accounts", request_body = AccountInput,
    responses((status = 201, description = "the new account", body = OneAccount),
              (status = 400, description = "a field is wrong (the password too weak, say)", body = ErrorBody),
              (status = 403, description = "the role or scope exceeds the caller's, or re-authentication is needed", body = ErrorBody),
              (status = 409, description = "the user name is taken", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<AccountInput>,
) -> ApiResult<(StatusCode, Json<OneAccount>)> {
    let r = st.ready()?;
    caller.require_elevated()?;
    let role = role_of(r, &input.role).await?;
    may_assign(&caller, "", false, &role, &input.scope)?;
    check_contact(input.email.as_deref(), input.phone.as_deref())?;
    let auth = match input.auth.as_deref() {
        None | Some("local") => AuthKind::Local,
        Some("directory") => AuthKind::Directory,
        Some(other) => {
            return Err(ApiError::invalid_json(
                Some("auth".into()),
                format!("`auth` is `local` or `directory`, not `{other}`"),
            ));
        }
    };
    let password_hash = match (auth, &input.password) {
        (AuthKind::Directory, Some(_)) => {
            return Err(ApiError::invalid_json(
                Some("password".into()),
                "a directory account's password is the directory's: give none",
            ));
        }
        (AuthKind::Directory, None) => None,
        (_, None) => {
            return Err(ApiError::invalid_json(
                Some("password".into()),
                "a local account needs a password",
            ));
        }
        (_, Some(pw)) => {
            let mut context = vec![input.username.as_str()];
            context.extend(input.email.as_deref());
            Some(
                st.passwords
                    .new_hash(&Password::new(pw.as_str()), &context)
                    .await?,
            )
        }
    };
    let new = NewAccount {
        username: input.username.trim().to_owned(),
        auth,
        password_hash,
        email: input.email.clone(),
        phone: input.phone.clone(),
        role_id: role.id.clone(),
        scope: input.scope.clone(),
        must_change_password: auth == AuthKind::Local && input.must_change_password.unwrap_or(true),
    };
    let a = r
        .store
        .create_account(&new, &caller.actor(), cordon_store::now_millis())
        .await?;
    let view = Account::from(a);
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "account.create", "account", &view.id).after(&view),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(OneAccount { account: view })))
}

#[utoipa::path(patch, path = "/v1/users/{id}", tag = "accounts", request_body = AccountPatch,
    params(("id" = String, Path, description = "account id")),
    responses((status = 200, description = "the changed account", body = OneAccount),
              (status = 400, description = "refused (the super admin off the administrator role, the last administrator disabled)", body = ErrorBody),
              (status = 403, description = "beyond the caller, their own role or scope, or re-authentication needed", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<AccountPatch>,
) -> ApiResult<Json<OneAccount>> {
    let r = st.ready()?;
    let before = managed(r, &caller, &id).await?;
    let powers = input.role.is_some() || input.scope.is_some() || input.disabled.is_some();
    if powers {
        caller.require_elevated()?;
        if before.id == caller.subject()?.id {
            return Err(ApiError::forbidden(
                cordon_access::Reason::OwnAccess.to_string(),
            ));
        }
        let role = match &input.role {
            Some(id) => role_of(r, id).await?,
            None => role_of(r, &before.role_id).await?,
        };
        let scope = input.scope.as_ref().unwrap_or(&before.scope);
        may_assign(&caller, &before.id, before.super_admin, &role, scope)?;
    }
    check_contact(
        input.email.as_ref().and_then(Option::as_deref),
        input.phone.as_ref().and_then(Option::as_deref),
    )?;
    let change = AccountUpdate {
        email: input.email,
        phone: input.phone,
        role_id: input.role,
        scope: input.scope,
        disabled: input.disabled,
        ..AccountUpdate::default()
    };
    let now = cordon_store::now_millis();
    let after = r
        .store
        .update_account(&id, &change, &caller.actor(), now)
        .await?;
    if after.disabled && !before.disabled {
        r.store.revoke_sessions(&id, now, None).await?;
    }
    // Keys an account owns act with its role and scope: cached ones too.
    st.forget_keys();
    let (before, after) = (Account::from(before), Account::from(after));
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "account.update", "account", &id)
            .before(&before)
            .after(&after),
    )
    .await?;
    Ok(Json(OneAccount { account: after }))
}

#[utoipa::path(delete, path = "/v1/users/{id}", tag = "accounts",
    params(("id" = String, Path, description = "account id")),
    responses((status = 204, description = "deleted, and the keys it owned revoked"),
              (status = 400, description = "the super admin or the last administrator", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
) -> ApiResult<StatusCode> {
    let r = st.ready()?;
    caller.require_elevated()?;
    let before = managed(r, &caller, &id).await?;
    if before.id == caller.subject()?.id {
        return Err(ApiError::bad_request("you cannot delete your own account"));
    }
    let revoked = r
        .store
        .delete_account(&id, &caller.actor(), cordon_store::now_millis())
        .await?;
    st.forget_keys();
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "account.delete", "account", &id)
            .before(&Account::from(before))
            .after(&serde_json::json!({"keys_revoked": revoked})),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/users/{id}/password", tag = "accounts", request_body = PasswordReset,
    params(("id" = String, Path, description = "account id")),
    responses((status = 204, description = "reset; the account's sessions and remembered browsers end"),
              (status = 400, description = "the password is refused, or a directory account", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn reset_password(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<PasswordReset>,
) -> ApiResult<StatusCode> {
    let r = st.ready()?;
    caller.require_elevated()?;
    let a = managed(r, &caller, &id).await?;
    if a.auth == AuthKind::Directory {
        return Err(ApiError::bad_request(format!(
            "`{}` signs in with the directory: reset the password there",
            a.username
        )));
    }
    let mut context = vec![a.username.as_str()];
    context.extend(a.email.as_deref());
    let hash = st
        .passwords
        .new_hash(&Password::new(input.password.as_str()), &context)
        .await?;
    let now = cordon_store::now_millis();
    r.store
        .set_password(
            &id,
            &hash,
            input.must_change_password.unwrap_or(true),
            &caller.actor(),
            now,
        )
        .await?;
    r.store.revoke_sessions(&id, now, None).await?;
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "account.password_reset", "account", &id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/super-admin", tag = "accounts", request_body = SuperAdminInput,
    responses((status = 204, description = "the super admin is now that administrator"),
              (status = 400, description = "not an enabled administrator", body = ErrorBody),
              (status = 403, description = "only the super admin hands it over", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn transfer_super_admin(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    meta: RequestMeta,
    ApiJson(input): ApiJson<SuperAdminInput>,
) -> ApiResult<StatusCode> {
    let r = st.ready()?;
    caller.may(Action::TransferSuperAdmin, Object::Admin)?;
    caller.require_elevated()?;
    let from = caller.subject()?.id.clone();
    r.store
        .transfer_super_admin(
            &from,
            &input.account,
            &caller.actor(),
            cordon_store::now_millis(),
        )
        .await?;
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(
            &caller.actor(),
            "account.super_admin",
            "account",
            &input.account,
        )
        .before(&serde_json::json!({"super_admin": from}))
        .after(&serde_json::json!({"super_admin": input.account})),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
