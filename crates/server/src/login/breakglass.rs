//! Break-glass: what `cordon admin` does on the database directly, for
//! when nobody can sign in to do it (the super admin lost their
//! authenticator, everyone is locked out). Each writes an audit entry
//! with the actor `system` and the user agent `cordon admin`.

use cordon_identity::Password;
use cordon_identity::password::PasswordHasher;
use cordon_store::prelude::*;
use cordon_store::{Account, Actor, AuditEntry, AuditOutcome, StoreError};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum BreakGlassError {
    #[error("no account is named `{0}`")]
    NoSuchUser(String),
    #[error("there is no super admin to take the role from")]
    NoSuperAdmin,
    #[error("`{0}` is already the super admin")]
    AlreadySuperAdmin(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("cannot hash the new password: {0}")]
    Hash(String),
}

type Result<T> = std::result::Result<T, BreakGlassError>;

async fn account(store: &dyn Store, username: &str) -> Result<Account> {
    store
        .find_account_by_username(username)
        .await?
        .map(|(a, _)| a)
        .ok_or_else(|| BreakGlassError::NoSuchUser(username.to_owned()))
}

async fn audit(
    store: &dyn Store,
    action: &str,
    account: &Account,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<()> {
    let targets = crate::audit::deliver_to(store).await?;
    store
        .append_audit(
            &AuditEntry {
                at: cordon_store::now_millis(),
                actor: Actor::System,
                ip: String::new(),
                user_agent: "cordon admin".to_owned(),
                request_id: uuid::Uuid::new_v4().simple().to_string(),
                action: action.to_owned(),
                target_kind: "account".to_owned(),
                target_id: account.id.clone(),
                outcome: AuditOutcome::Success,
                reason: "break-glass".to_owned(),
                before: Some(before),
                after: Some(after),
            },
            &targets,
        )
        .await?;
    Ok(())
}

/// A new one-time password for `username`, which must change it at its
/// next sign-in; its sessions and remembered browsers end. Returns the
/// password, to show once.
pub async fn reset_password(store: &dyn Store, username: &str) -> Result<String> {
    let a = account(store, username).await?;
    let password = super::bootstrap::one_time_password();
    let hash = PasswordHasher::default()
        .hash(&Password::new(password.as_str()))
        .map_err(|e| BreakGlassError::Hash(e.to_string()))?;
    let now = cordon_store::now_millis();
    store
        .set_password(&a.id, &hash, true, &Actor::System, now)
        .await?;
    let ended = store.revoke_sessions(&a.id, now, None).await?;
    audit(
        store,
        "account.password_reset",
        &a,
        json!({ "username": a.username }),
        json!({ "username": a.username, "must_change_password": true, "sessions_ended": ended }),
    )
    .await?;
    Ok(password)
}

/// Forgets `username`'s authenticator (it enrols anew at its next
/// sign-in) and its remembered browsers.
pub async fn reset_two_factor(store: &dyn Store, username: &str) -> Result<Account> {
    let a = account(store, username).await?;
    store
        .set_totp_secret(&a.id, None, &Actor::System, cordon_store::now_millis())
        .await?;
    audit(
        store,
        "account.totp_reset",
        &a,
        json!({ "username": a.username, "totp_enrolled": a.totp_enrolled }),
        json!({ "username": a.username, "totp_enrolled": false }),
    )
    .await?;
    Ok(store.get_account(&a.id).await?)
}

/// Makes `username` the super admin, taking the role from whoever has
/// it. Returns the previous super admin's name.
pub async fn set_super_admin(store: &dyn Store, username: &str) -> Result<String> {
    let to = account(store, username).await?;
    if to.super_admin {
        return Err(BreakGlassError::AlreadySuperAdmin(to.username));
    }
    let from = store
        .list_accounts()
        .await?
        .into_iter()
        .find(|a| a.super_admin)
        .ok_or(BreakGlassError::NoSuperAdmin)?;
    store
        .transfer_super_admin(&from.id, &to.id, &Actor::System, cordon_store::now_millis())
        .await?;
    audit(
        store,
        "account.super_admin_transfer",
        &to,
        json!({ "super_admin": from.username }),
        json!({ "super_admin": to.username }),
    )
    .await?;
    Ok(from.username)
}

/// Lifts `username`'s lockout.
pub async fn unlock(store: &dyn Store, username: &str) -> Result<Account> {
    let a = account(store, username).await?;
    store
        .unlock_account(&a.id, &Actor::System, cordon_store::now_millis())
        .await?;
    audit(
        store,
        "account.unlock",
        &a,
        json!({ "username": a.username, "failed_logins": a.failed_logins, "locked_until": a.locked_until }),
        json!({ "username": a.username, "failed_logins": 0, "locked_until": null }),
    )
    .await?;
    Ok(store.get_account(&a.id).await?)
}
