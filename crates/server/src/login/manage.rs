//! What a signed-in person does with their own sign-in (sign out, sign
//! out everywhere, change the password, list and revoke sessions and
//! remembered browsers), what an administrator does to someone else's
//! (reset the authenticator, unlock), and the login settings.

use axum::http::StatusCode;
use cordon_identity::Password;
use cordon_store::{Account, AuditOutcome, AuthKind, RememberedBrowser, Session};
use serde_json::json;

use super::flow::{self, Attempt};
use super::session::public_id;
use super::settings::{self, LoginSettings, TwoFactor};
use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

fn needs_session() -> ApiError {
    ApiError::bad_request("this is for a signed-in session, not an API key")
}

/// The signed-in account behind `caller` (a session, or a key an account
/// owns); `400` for a key that acts for no account.
pub async fn own_account(st: &AppState, caller: &Caller) -> Result<Account, ApiError> {
    let id = match caller.session() {
        Some(s) => s.user_id.clone(),
        None => caller.subject()?.id.clone(),
    };
    if id.starts_with("key:") {
        return Err(ApiError::bad_request(
            "this API key acts for no account (it is a service key)",
        ));
    }
    Ok(st.ready()?.store.get_account(&id).await?)
}

/// Signs the caller's session out.
pub async fn logout(st: &AppState, meta: &RequestMeta, caller: &Caller) -> Result<(), ApiError> {
    let session = caller.session().ok_or_else(needs_session)?;
    let store = &st.ready()?.store;
    store
        .revoke_session(&session.id, st.login.clock.now())
        .await?;
    st.login.sessions.forget(&session.id);
    audit::record(
        store.as_ref(),
        meta,
        Entry::change(
            &caller.actor(),
            "auth.logout",
            "session",
            &public_id(&session.id),
        ),
    )
    .await
}

/// "Sign out everywhere": every session and remembered browser of the
/// caller's account. Returns (sessions, browsers) ended.
pub async fn logout_all(
    st: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
) -> Result<(u64, u64), ApiError> {
    let account = own_account(st, caller).await?;
    let store = &st.ready()?.store;
    let now = st.login.clock.now();
    let sessions = store.revoke_sessions(&account.id, now, None).await?;
    let browsers = store.forget_browsers(&account.id, None).await?;
    st.login.sessions.forget_account(&account.id);
    audit::record(
        store.as_ref(),
        meta,
        Entry::change(&caller.actor(), "auth.logout_all", "account", &account.id)
            .after(&json!({ "sessions": sessions, "browsers": browsers })),
    )
    .await?;
    Ok((sessions, browsers))
}

/// Changes the caller's own password: the current one, then the policy;
/// every other session and every remembered browser end.
pub async fn change_password(
    st: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    current: &Password,
    new: &Password,
) -> Result<(), ApiError> {
    let session = caller.session().ok_or_else(needs_session)?;
    let store = &st.ready()?.store;
    let account = store.get_account(&session.user_id).await?;
    if account.auth == AuthKind::Directory {
        return Err(ApiError::bad_request(format!(
            "`{}` signs in through the directory; change the password there",
            account.username
        )));
    }
    let now = st.login.clock.now();
    if let Some(until) = account.locked_until.filter(|&t| t > now) {
        return Err(flow::locked(until, now));
    }
    let credentials = store.credentials(&account.id).await?;
    let attempt = Attempt {
        st,
        meta,
        account: Some(&account),
        typed: "",
    };
    if !flow::check_password(st, &account, &credentials, current).await? {
        let policy = st.login_settings().await?.lockout_policy();
        store
            .record_login_failure(&account.id, now, &policy)
            .await?;
        attempt
            .record(
                "account.password_change",
                AuditOutcome::Failure,
                "wrong password",
                json!({}),
            )
            .await?;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_credentials",
            "the current password is wrong",
        ));
    }
    if new == current {
        return Err(ApiError::invalid_json(
            Some("new".into()),
            "the new password must differ from the current one",
        ));
    }
    let mut context = vec![account.username.as_str()];
    if let Some(e) = account.email.as_deref() {
        context.push(e);
    }
    let hash = st
        .passwords
        .new_hash(new, &context)
        .await
        .map_err(|mut e| {
            e.body.field = Some("new".into());
            e
        })?;
    store
        .set_password(&account.id, &hash, false, &account.actor(), now)
        .await?;
    let others = store
        .revoke_sessions(&account.id, now, Some(&session.id))
        .await?;
    st.login.sessions.forget_account(&account.id);
    attempt
        .record(
            "account.password_change",
            AuditOutcome::Success,
            "",
            json!({ "other_sessions_ended": others }),
        )
        .await
}

/// The caller's active sessions.
pub async fn sessions(st: &AppState, caller: &Caller) -> Result<Vec<Session>, ApiError> {
    let account = own_account(st, caller).await?;
    let now = st.login.clock.now();
    let all = st.ready()?.store.list_sessions(&account.id).await?;
    Ok(all.into_iter().filter(|s| s.is_active(now)).collect())
}

/// Ends one of the caller's sessions, by its public id.
pub async fn revoke_session(
    st: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    id: &str,
) -> Result<(), ApiError> {
    let found = sessions(st, caller)
        .await?
        .into_iter()
        .find(|s| public_id(&s.id) == id)
        .ok_or_else(|| ApiError::not_found(format!("session `{id}`")))?;
    let store = &st.ready()?.store;
    store
        .revoke_session(&found.id, st.login.clock.now())
        .await?;
    st.login.sessions.forget(&found.id);
    audit::record(
        store.as_ref(),
        meta,
        Entry::change(&caller.actor(), "session.revoke", "session", id),
    )
    .await
}

/// The caller's remembered browsers that still skip the second factor.
pub async fn browsers(st: &AppState, caller: &Caller) -> Result<Vec<RememberedBrowser>, ApiError> {
    let account = own_account(st, caller).await?;
    let now = st.login.clock.now();
    let all = st.ready()?.store.list_remembered(&account.id).await?;
    Ok(all
        .into_iter()
        .filter(|b| b.expires_at > now && b.credential_epoch == account.credential_epoch)
        .collect())
}

/// Forgets one of the caller's remembered browsers, by its public id.
pub async fn forget_browser(
    st: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    id: &str,
) -> Result<(), ApiError> {
    let account = own_account(st, caller).await?;
    let store = &st.ready()?.store;
    let found = store
        .list_remembered(&account.id)
        .await?
        .into_iter()
        .find(|b| public_id(&b.id) == id)
        .ok_or_else(|| ApiError::not_found(format!("remembered browser `{id}`")))?;
    store.forget_browsers(&account.id, Some(&found.id)).await?;
    audit::record(
        store.as_ref(),
        meta,
        Entry::change(&caller.actor(), "browser.forget", "browser", id),
    )
    .await
}

/// "Re-send the QR code": the account's authenticator is forgotten, so
/// its next sign-in enrols a new one; its remembered browsers go too.
/// Nothing is mailed: a secret in the mailbox would be no second factor.
pub async fn reset_two_factor(
    st: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    id: &str,
) -> Result<Account, ApiError> {
    caller.require_elevated()?;
    let store = &st.ready()?.store;
    let before = store.get_account(id).await?;
    let now = st.login.clock.now();
    store
        .set_totp_secret(id, None, &caller.actor(), now)
        .await?;
    let after = store.get_account(id).await?;
    audit::record(
        store.as_ref(),
        meta,
        Entry::change(&caller.actor(), "account.totp_reset", "account", id)
            .before(&json!({ "username": before.username, "totp_enrolled": before.totp_enrolled }))
            .after(&json!({ "username": after.username, "totp_enrolled": after.totp_enrolled })),
    )
    .await?;
    Ok(after)
}

/// Lifts a lockout.
pub async fn unlock(
    st: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    id: &str,
) -> Result<Account, ApiError> {
    let store = &st.ready()?.store;
    let before = store.get_account(id).await?;
    store
        .unlock_account(id, &caller.actor(), st.login.clock.now())
        .await?;
    let after = store.get_account(id).await?;
    let view = |a: &Account| {
        json!({
            "username": a.username, "failed_logins": a.failed_logins,
            "locked_until": a.locked_until,
        })
    };
    audit::record(
        store.as_ref(),
        meta,
        Entry::change(&caller.actor(), "account.unlock", "account", id)
            .before(&view(&before))
            .after(&view(&after)),
    )
    .await?;
    Ok(after)
}

/// Changes the login settings: the fields of `patch` replace the current
/// ones. E-mail codes need `[smtp]` and an e-mail address for every
/// enabled account (seed 001); the refusal names who lacks one.
pub async fn put_settings(
    st: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    patch: &serde_json::Value,
) -> Result<LoginSettings, ApiError> {
    caller.require_elevated()?;
    let before = st.login_settings().await?;
    let after = before
        .patched(patch)
        .map_err(|e| ApiError::invalid_json(None, format!("invalid login settings: {e}")))?;
    after
        .check()
        .map_err(|(field, message)| ApiError::invalid_json(Some(field.to_owned()), message))?;
    let store = &st.ready()?.store;
    if after.two_factor == TwoFactor::Email {
        if st.login.mailer().is_none() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "smtp_not_configured",
                "e-mail codes need a mail server: configure `[smtp]` first (docs/server.md)",
            ));
        }
        let mut missing: Vec<String> = store
            .list_accounts()
            .await?
            .into_iter()
            .filter(|a| !a.disabled && a.email.as_deref().is_none_or(|e| e.trim().is_empty()))
            .map(|a| format!("`{}`", a.username))
            .collect();
        if !missing.is_empty() {
            missing.sort();
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "email_missing",
                format!(
                    "e-mail codes need an e-mail address for every enabled user; {} {} none: {}",
                    missing.len(),
                    if missing.len() == 1 { "has" } else { "have" },
                    missing.join(", ")
                ),
            ));
        }
    }
    let value = serde_json::to_value(&after)
        .map_err(|e| ApiError::internal("login settings as JSON", &e))?;
    store
        .put_setting(settings::KEY, &value, &caller.actor(), st.login.clock.now())
        .await?;
    st.cache_login_settings(&after);
    audit::record(
        store.as_ref(),
        meta,
        Entry::change(
            &caller.actor(),
            "settings.update",
            "settings",
            settings::KEY,
        )
        .before(&before)
        .after(&after),
    )
    .await?;
    Ok(after)
}
