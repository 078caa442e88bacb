//! Sign-in for people: passwords (local argon2id or the directory), the
//! second factor (e-mail code or authenticator app, with "remember this
//! browser"), sessions with CSRF protection, re-authentication for
//! dangerous changes, lockout, the first super admin and the break-glass
//! commands of `cordon admin`.
//!
//! The state that must hold across servers sharing a database lives in
//! the store, each decision in one statement there: failed sign-ins and
//! locks, the last TOTP step accepted, a challenge finished once, a code
//! sent only as often as allowed, sessions and remembered browsers (by
//! the SHA-256 of their tokens). What lives here in memory is only a
//! cache or a courtesy: verified sessions and the login settings for
//! `key_cache_ms`, and failed sign-ins per address for a minute.
//!
//! - [`settings`]: the run-time login settings (`/v1/settings/login`).
//! - [`flow`]: the steps of a sign-in, re-authentication, password change.
//! - `session`: issuing sessions, their cookies, and recognising them on
//!   every request (with the CSRF check) for [`crate::auth`].
//! - [`breakglass`]: what `cordon admin` does directly on the database.

mod bootstrap;
pub mod breakglass;
pub mod flow;
pub mod manage;
pub mod session;
pub mod settings;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use cordon_identity::ldap::LdapConfig;
use cordon_identity::mail::Mailer;
use cordon_identity::seal::SealKey;
use cordon_store::Millis;
use cordon_store::prelude::*;

use crate::config::Settings;
use crate::error::ApiError;
use crate::state::AppState;
use settings::LoginSettings;

pub use session::{CSRF_COOKIE, CSRF_HEADER, REMEMBER_COOKIE, SESSION_COOKIE};

/// The time sign-in decisions use: the wall clock, unless a test or a
/// drill froze or moved it (code and session expiry, TOTP steps).
#[derive(Debug)]
pub struct Clock {
    /// The frozen time, or `i64::MIN` when the clock runs.
    frozen: AtomicI64,
    offset: AtomicI64,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock {
            frozen: AtomicI64::new(i64::MIN),
            offset: AtomicI64::new(0),
        }
    }
}

impl Clock {
    pub fn now(&self) -> Millis {
        match self.frozen.load(Ordering::Relaxed) {
            i64::MIN => {
                cordon_store::now_millis().saturating_add(self.offset.load(Ordering::Relaxed))
            }
            t => t,
        }
    }

    /// Stops the clock at `at` (Unix ms).
    pub fn freeze(&self, at: Millis) {
        self.frozen.store(at, Ordering::Relaxed);
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        if self.frozen.load(Ordering::Relaxed) == i64::MIN {
            self.offset.fetch_add(ms, Ordering::Relaxed);
        } else {
            self.frozen.fetch_add(ms, Ordering::Relaxed);
        }
    }
}

/// What sign-in needs beside the store.
pub struct Login {
    pub clock: Clock,
    /// Failed sign-ins per address.
    pub(crate) throttle: crate::auth::FailureThrottle,
    settings: Mutex<Option<(LoginSettings, Instant)>>,
    pub(crate) sessions: session::SessionCache,
    seal: OnceLock<SealKey>,
    mailer: Option<Mailer>,
    ldap: Option<LdapConfig>,
    first_password: Mutex<Option<String>>,
}

impl Login {
    pub(crate) fn new(s: &Settings) -> Login {
        // Both were checked when the settings were loaded.
        let mailer = s
            .smtp
            .as_ref()
            .and_then(|m| match Mailer::new(m.mailer_config()) {
                Ok(m) => Some(m),
                Err(e) => {
                    tracing::error!("`[smtp]`: {e}");
                    None
                }
            });
        Login {
            clock: Clock::default(),
            throttle: crate::auth::FailureThrottle::default(),
            settings: Mutex::new(None),
            sessions: session::SessionCache::default(),
            seal: OnceLock::new(),
            mailer,
            ldap: s
                .ldap
                .as_ref()
                .map(crate::config::LdapSettings::ldap_config),
            first_password: Mutex::new(None),
        }
    }

    /// Loads (or creates) the seal key: from `seal_key`, else the file.
    pub(crate) fn load_seal_key(&self, s: &Settings) -> anyhow::Result<()> {
        if self.seal.get().is_some() {
            return Ok(());
        }
        let key = match &s.seal_key {
            Some(text) => SealKey::from_base64(text.expose())?,
            None => {
                let path = s.seal_key_path();
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                SealKey::load_or_create(&path)?
            }
        };
        let _ = self.seal.set(key);
        Ok(())
    }

    pub(crate) fn seal_key(&self) -> Result<&SealKey, ApiError> {
        self.seal
            .get()
            .ok_or_else(|| ApiError::unavailable("not_ready", "the seal key is not loaded yet"))
    }

    pub(crate) fn mailer(&self) -> Option<&Mailer> {
        self.mailer.as_ref()
    }

    pub(crate) fn ldap(&self) -> Option<&LdapConfig> {
        self.ldap.as_ref()
    }

    /// The one-time password of the super admin this server created on
    /// first start, once (then `None`): `cordon serve` prints it.
    pub fn take_first_admin_password(&self) -> Option<String> {
        self.first_password.lock().ok()?.take()
    }

    pub(crate) fn set_first_admin_password(&self, p: String) {
        if let Ok(mut slot) = self.first_password.lock() {
            *slot = Some(p);
        }
    }
}

/// How often expired sessions, challenges and remembered browsers are
/// deleted.
const PURGE_EVERY: Duration = Duration::from_secs(600);

/// Deletes expired sessions, challenges and remembered browsers now and
/// then. Every server runs it; the deletions are idempotent.
pub(crate) async fn purger(state: AppState) {
    loop {
        tokio::time::sleep(PURGE_EVERY).await;
        if let Ok(r) = state.ready() {
            match r.store.purge_expired(state.login.clock.now()).await {
                Ok(0) => {}
                Ok(rows) => tracing::debug!(rows, "expired sign-in rows deleted"),
                Err(e) => tracing::warn!("deleting expired sign-in rows failed: {e}"),
            }
        }
    }
}

impl AppState {
    /// The login settings in force: stored by an administrator, else the
    /// configuration's `[login]`. Cached for `key_cache_ms`, so a change
    /// made on another server applies here within that time.
    pub async fn login_settings(&self) -> Result<LoginSettings, ApiError> {
        let ttl = Duration::from_millis(self.settings.key_cache_ms);
        if let Ok(cached) = self.login.settings.lock()
            && let Some((s, at)) = cached.as_ref()
            && at.elapsed() < ttl
        {
            return Ok(s.clone());
        }
        let stored = self.ready()?.store.get_setting(settings::KEY).await?;
        let s = match stored {
            Some(v) => serde_json::from_value::<LoginSettings>(v).map_err(|e| {
                ApiError::internal("the stored login settings do not read back", &e)
            })?,
            None => self.settings.login.clone(),
        };
        self.cache_login_settings(&s);
        Ok(s)
    }

    pub(crate) fn cache_login_settings(&self, s: &LoginSettings) {
        if let Ok(mut cached) = self.login.settings.lock() {
            *cached = Some((s.clone(), Instant::now()));
        }
    }

    /// The first super admin, on an empty database (see [`bootstrap`]).
    pub(crate) async fn bootstrap_accounts(&self, store: &dyn Store) -> anyhow::Result<()> {
        self.login.load_seal_key(&self.settings)?;
        bootstrap::first_super_admin(self, store).await
    }
}
