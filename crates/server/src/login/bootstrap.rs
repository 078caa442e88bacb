//! The first super admin: on the first start of an empty database the
//! server creates `admin` (administrator, all computers), whose password
//! must be changed at first sign-in. Of several servers starting together
//! on one database exactly one creates it (the store decides), and only
//! that one has a one-time password to print.

use cordon_access::{Role, Scope};
use cordon_identity::Password;
use cordon_store::prelude::*;
use cordon_store::{Actor, AuthKind, NewAccount};

use crate::audit::{self, Entry, RequestMeta};
use crate::state::AppState;

/// The first super admin's user name.
pub const FIRST_ADMIN: &str = "admin";

/// Characters of a generated one-time password (base64url: 120 bits).
const ONE_TIME_CHARS: usize = 20;

/// A one-time password: random, never checked against the policy (its
/// owner replaces it at first sign-in).
pub(crate) fn one_time_password() -> String {
    let t = cordon_identity::token::new_token();
    t.expose().chars().take(ONE_TIME_CHARS).collect()
}

pub(crate) async fn first_super_admin(st: &AppState, store: &dyn Store) -> anyhow::Result<()> {
    if store.count_accounts().await? > 0 {
        return Ok(());
    }
    let (password, generated) = match &st.settings.admin_password {
        Some(p) => (p.expose().to_owned(), false),
        None => (one_time_password(), true),
    };
    let hash = st
        .passwords
        .hash_unchecked(&Password::new(password.as_str()))
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.body.message))?;
    let new = NewAccount {
        username: FIRST_ADMIN.to_owned(),
        auth: AuthKind::Local,
        password_hash: Some(hash),
        email: None,
        phone: None,
        role_id: Role::ADMINISTRATOR.to_owned(),
        scope: Scope::All,
        must_change_password: true,
    };
    let now = st.login.clock.now();
    let Some(account) = store.create_first_super_admin(&new, now).await? else {
        return Ok(());
    };
    let meta = RequestMeta {
        user_agent: "cordon serve".to_owned(),
        request_id: uuid::Uuid::new_v4().simple().to_string(),
        ..RequestMeta::default()
    };
    audit::record(
        store,
        &meta,
        Entry::change(&Actor::System, "account.create", "account", &account.id).after(
            &serde_json::json!({
                "username": account.username, "role": account.role_id, "scope": account.scope,
                "super_admin": true, "must_change_password": true, "first_start": true,
            }),
        ),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}", e.body.message))?;
    tracing::info!(account = %account.id, "created the super admin `{FIRST_ADMIN}`");
    if generated {
        st.login.set_first_admin_password(password);
    }
    Ok(())
}
