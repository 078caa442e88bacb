//! The steps of a sign-in, and re-authentication.
//!
//! 1. [`password_step`]: the user name and password (local argon2id or
//!    the directory). Unknown users, wrong passwords and disabled
//!    accounts get the same answer after the same work; a locked account
//!    is told so, with the time the lock ends. With no second factor, or
//!    a remembered browser, this issues the session; else it opens a
//!    login challenge (a token for the client, its hash in the store,
//!    bound to the account) and sends the e-mail code or asks for the
//!    authenticator's, or, for someone not enrolled yet, offers a new
//!    TOTP secret ([`enrolment`]).
//! 2. [`second_factor_step`]: the code. An e-mail code is valid 15
//!    minutes and three wrong tries; [`resend`] sends a new one at most
//!    once a minute and five times per challenge. An authenticator code
//!    is accepted within one step either side, once (the store's
//!    compare-and-set on the last step, across servers). The challenge is
//!    finished once, then the session is issued and, if asked, the browser
//!    remembered.
//!
//! Every outcome is in the audit trail with its reason; the answer never
//! says more than the person is entitled to know. Wrong passwords and
//! wrong codes count towards the account's lockout and the address's
//! throttle alike.

use std::net::IpAddr;

use axum::http::StatusCode;
use cordon_identity::Password;
use cordon_identity::ldap::{self, LdapError};
use cordon_identity::otp;
use cordon_identity::token::{self, Token};
use cordon_identity::totp::{self, TotpSecret};
use cordon_store::{
    Account, AuditOutcome, AuthKind, Challenge, ChallengeMethod, Credentials, Millis, NewChallenge,
    NewRememberedBrowser, SendOutcome,
};
use serde_json::json;

use super::session::{self, Issued};
use super::settings::{LoginSettings, TwoFactor};
use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

const MINUTE_MS: i64 = 60_000;
/// An authenticator challenge (and an enrolment) lasts this long.
const TOTP_CHALLENGE_MS: i64 = 5 * MINUTE_MS;
/// An e-mail challenge outlives its first code, so a resent code gets
/// its own 15 minutes too.
const EMAIL_CHALLENGE_MS: i64 = 30 * MINUTE_MS;
/// An e-mail code is valid this long (seed 001).
pub const CODE_VALID_MS: i64 = 15 * MINUTE_MS;
/// Codes are sent at most this often per challenge…
pub const RESEND_INTERVAL_MS: i64 = MINUTE_MS;
/// …and at most this many times: the first and five more.
pub const MAX_SENDS: i64 = 6;
/// Wrong tries of one e-mail code.
pub const EMAIL_TRIES: i64 = 3;
/// Wrong authenticator codes per challenge.
pub const TOTP_TRIES: i64 = 5;
/// The issuer an authenticator app shows.
pub const ISSUER: &str = "Cordon";

/// A session issued.
pub struct Signed {
    pub issued: Issued,
    pub account: Account,
    /// A new remember-browser token and its days, when asked for.
    pub remember: Option<(Token, u32)>,
    /// How the second factor was satisfied: `none`, `email`, `totp`,
    /// `totp_enroll`, `remembered`.
    pub method: &'static str,
}

/// A second factor awaited.
pub struct Pending {
    pub method: ChallengeMethod,
    pub challenge: Token,
    pub expires_at: Millis,
    /// `a***@example.org`, for an e-mail code.
    pub email_hint: Option<String>,
}

pub enum Started {
    Signed(Box<Signed>),
    Pending(Pending),
}

/// The same answer for an unknown user, a wrong password and a disabled
/// account.
pub fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "the user name or password is wrong",
    )
}

/// RFC 3339, seconds, UTC.
pub(crate) fn when(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| ms.to_string())
}

fn seconds_until(t: Millis, now: Millis) -> u32 {
    u32::try_from(((t - now) + 999) / 1000)
        .unwrap_or(u32::MAX)
        .max(1)
}

/// `423`: locked, until when (the issue wants people told).
pub fn locked(until: Millis, now: Millis) -> ApiError {
    let secs = seconds_until(until, now);
    ApiError::new(
        StatusCode::LOCKED,
        "account_locked",
        format!(
            "this account is locked after too many failed sign-ins, until {} (in {secs} s); \
             an administrator can unlock it sooner",
            when(until)
        ),
    )
    .retry_after(secs)
}

fn expired_challenge() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "challenge_expired",
        "this sign-in has expired or was already used; sign in again",
    )
}

fn peer(meta: &RequestMeta) -> Option<IpAddr> {
    meta.ip.parse().ok()
}

/// `429` while this address has failed too often this minute.
pub(crate) fn check_throttle(st: &AppState, meta: &RequestMeta) -> Result<(), ApiError> {
    let limit = st.settings.login_failures_per_minute;
    if let Some(p) = peer(meta)
        && let Some(retry) = st.login.throttle.blocked(p, limit)
    {
        return Err(ApiError::too_many(
            "login_throttled",
            format!("too many failed sign-ins from this address; retry in {retry} s"),
            retry,
        ));
    }
    Ok(())
}

fn count_failure(st: &AppState, meta: &RequestMeta) {
    if let Some(p) = peer(meta) {
        st.login.throttle.failed(p);
    }
}

/// An audit entry about a sign-in of `account` (or of the name typed,
/// for an unknown user).
pub(crate) struct Attempt<'a> {
    pub st: &'a AppState,
    pub meta: &'a RequestMeta,
    pub account: Option<&'a Account>,
    pub typed: &'a str,
}

impl Attempt<'_> {
    pub(crate) async fn record(
        &self,
        action: &str,
        outcome: AuditOutcome,
        reason: &str,
        detail: serde_json::Value,
    ) -> Result<(), ApiError> {
        let actor = self
            .account
            .map_or(cordon_store::Actor::System, Account::actor);
        let id = self.account.map_or("", |a| a.id.as_str());
        let username = self.account.map_or(self.typed, |a| a.username.as_str());
        let mut after = json!({ "username": username });
        if let (Some(o), serde_json::Value::Object(d)) = (after.as_object_mut(), detail) {
            o.extend(d);
        }
        let store = self.st.ready()?.store.as_ref();
        audit::record(
            store,
            self.meta,
            Entry::change(&actor, action, "account", id)
                .outcome(outcome, reason)
                .after(&after),
        )
        .await
    }

    /// A refused sign-in: audited, counted for the address, answered `err`.
    async fn refuse(&self, reason: &str, err: ApiError) -> ApiError {
        count_failure(self.st, self.meta);
        match self
            .record("login.failure", AuditOutcome::Failure, reason, json!({}))
            .await
        {
            Ok(()) => err,
            Err(audit_failed) => audit_failed,
        }
    }

    /// A wrong password or code: counted towards the lockout as well.
    async fn wrong(&self, reason: &str, err: ApiError, now: Millis) -> ApiError {
        let (Some(account), Ok(settings)) = (self.account, self.st.login_settings().await) else {
            return self.refuse(reason, err).await;
        };
        let lock = match self.st.ready() {
            Ok(r) => {
                r.store
                    .record_login_failure(&account.id, now, &settings.lockout_policy())
                    .await
            }
            Err(e) => return e,
        };
        match lock {
            Ok(l) => match l.locked_until.filter(|&t| t > now) {
                Some(until) => {
                    let why = format!("{reason}; locked until {}", when(until));
                    self.refuse(&why, locked(until, now)).await
                }
                None => self.refuse(reason, err).await,
            },
            Err(e) => e.into(),
        }
    }
}

/// Whether `password` is the account's: its argon2id hash (re-hashed
/// with the current parameters when they were raised), or the directory
/// for a directory account.
pub(crate) async fn check_password(
    st: &AppState,
    account: &Account,
    credentials: &Credentials,
    password: &Password,
) -> Result<bool, ApiError> {
    match account.auth {
        AuthKind::Local => {
            let stored = credentials.password_hash.as_deref();
            let v = st.passwords.verify(password, stored).await?;
            if v.ok
                && v.needs_rehash
                && let Some(old) = stored
            {
                let new = st.passwords.hash_unchecked(password).await?;
                let store = &st.ready()?.store;
                if store.rehash_password(&account.id, old, &new).await? {
                    tracing::info!(
                        account = %account.id,
                        params = %st.passwords.params(),
                        "password re-hashed with the current parameters"
                    );
                }
            }
            Ok(v.ok)
        }
        AuthKind::Directory => {
            let Some(config) = st.login.ldap() else {
                return Err(ApiError::unavailable(
                    "directory_unavailable",
                    "directory accounts cannot sign in: the server has no `[ldap]` directory",
                ));
            };
            match ldap::authenticate(config, &account.username, password).await {
                Ok(user) => Ok(user.username.to_lowercase() == account.username.to_lowercase()),
                Err(LdapError::InvalidCredentials | LdapError::Ambiguous { .. }) => Ok(false),
                Err(e @ (LdapError::Unavailable { .. } | LdapError::Config(_))) => {
                    tracing::warn!(error = %e, "directory sign-in failed");
                    Err(ApiError::unavailable(
                        "directory_unavailable",
                        "the directory cannot be reached; try again later",
                    ))
                }
            }
        }
    }
}

/// `alice@example.org` → `a***@example.org`.
fn email_hint(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

fn totp_context(account_id: &str) -> String {
    format!("totp:{account_id}")
}

fn open_secret(st: &AppState, account_id: &str, sealed: &str) -> Result<TotpSecret, ApiError> {
    let bytes = st
        .login
        .seal_key()?
        .open(sealed, &totp_context(account_id))
        .map_err(|e| ApiError::internal("a stored TOTP secret", &e))?;
    TotpSecret::from_bytes(&bytes).map_err(|e| ApiError::internal("a stored TOTP secret", &e))
}

fn unix_secs(now: Millis) -> u64 {
    u64::try_from(now / 1000).unwrap_or(0)
}

/// Sends a new e-mail code for challenge `ch` to the account, if the
/// store allows one now.
async fn send_code(
    st: &AppState,
    account: &Account,
    ch: &Challenge,
    now: Millis,
) -> Result<SendOutcome, ApiError> {
    let Some(mailer) = st.login.mailer() else {
        return Err(ApiError::unavailable(
            "mail_unavailable",
            "sign-in codes cannot be sent: the server has no `[smtp]` mail server",
        ));
    };
    let Some(to) = account.email.as_deref() else {
        return Err(no_email());
    };
    let code = otp::new_code();
    let outcome = st
        .ready()?
        .store
        .set_challenge_code(
            &ch.id,
            &otp::hash(&ch.id, &code),
            now.saturating_add(CODE_VALID_MS).min(ch.expires_at),
            now,
            RESEND_INTERVAL_MS,
            MAX_SENDS,
        )
        .await?;
    if outcome != SendOutcome::Sent {
        return Ok(outcome);
    }
    let body = format!(
        "Your Cordon sign-in code is {}.\n\n\
         It works once, within 15 minutes.\n\n\
         If you did not just sign in to Cordon as `{}`, someone knows your password: \
         change it and tell your administrator.\n",
        code.expose(),
        account.username
    );
    mailer
        .send(to, "Your Cordon sign-in code", &body)
        .await
        .map_err(|e| {
            tracing::warn!(account = %account.id, error = %e, "sign-in code not sent");
            ApiError::unavailable(
                "mail_unavailable",
                "the sign-in code could not be sent; ask for another in a minute \
                 (POST /v1/auth/2fa/resend) or ask an administrator",
            )
        })?;
    Ok(SendOutcome::Sent)
}

fn no_email() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "second_factor_unavailable",
        "your account has no e-mail address for sign-in codes; ask an administrator",
    )
}

/// Opens a challenge for `method`.
async fn open_challenge(
    st: &AppState,
    meta: &RequestMeta,
    account: &Account,
    method: ChallengeMethod,
    now: Millis,
) -> Result<(Token, Challenge), ApiError> {
    let token = token::new_token();
    let life = match method {
        ChallengeMethod::Email => EMAIL_CHALLENGE_MS,
        ChallengeMethod::Totp | ChallengeMethod::TotpEnroll => TOTP_CHALLENGE_MS,
    };
    let ch = st
        .ready()?
        .store
        .create_challenge(&NewChallenge {
            id: token.hash(),
            user_id: account.id.clone(),
            method,
            created_at: now,
            expires_at: now.saturating_add(life),
            ip: meta.ip.clone(),
            user_agent: meta.user_agent.clone(),
        })
        .await?;
    Ok((token, ch))
}

/// The second factor for `account` under `mode`: an e-mail code sent, an
/// authenticator code asked for, or a secret to enrol.
async fn second_factor(
    st: &AppState,
    meta: &RequestMeta,
    account: &Account,
    mode: TwoFactor,
    now: Millis,
) -> Result<Pending, ApiError> {
    let method = match mode {
        TwoFactor::Email => ChallengeMethod::Email,
        TwoFactor::Totp if account.totp_enrolled => ChallengeMethod::Totp,
        TwoFactor::Totp | TwoFactor::Off => ChallengeMethod::TotpEnroll,
    };
    if method == ChallengeMethod::Email && account.email.is_none() {
        return Err(no_email());
    }
    let (token, ch) = open_challenge(st, meta, account, method, now).await?;
    match method {
        ChallengeMethod::Email => {
            send_code(st, account, &ch, now).await?;
        }
        ChallengeMethod::TotpEnroll => {
            let secret = TotpSecret::generate();
            let sealed = st
                .login
                .seal_key()?
                .seal(secret.expose(), &totp_context(&account.id))
                .map_err(|e| ApiError::internal("sealing a TOTP secret", &e))?;
            st.ready()?
                .store
                .set_challenge_secret(&ch.id, &sealed)
                .await?;
        }
        ChallengeMethod::Totp => {}
    }
    Ok(Pending {
        method,
        challenge: token,
        expires_at: ch.expires_at,
        email_hint: (method == ChallengeMethod::Email)
            .then(|| account.email.as_deref().map(email_hint))
            .flatten(),
    })
}

/// Issues the session of a completed sign-in.
async fn sign_in(
    st: &AppState,
    meta: &RequestMeta,
    account: Account,
    settings: &LoginSettings,
    method: &'static str,
    remember: bool,
    now: Millis,
) -> Result<Signed, ApiError> {
    let store = &st.ready()?.store;
    store.record_login_success(&account.id, now).await?;
    let issued = session::create(st, meta, &account, settings, now).await?;
    let offer = matches!(method, "email" | "totp" | "totp_enroll");
    let remember = if remember && offer && settings.remember_days > 0 {
        let t = token::new_token();
        store
            .remember_browser(&NewRememberedBrowser {
                id: t.hash(),
                user_id: account.id.clone(),
                credential_epoch: account.credential_epoch,
                created_at: now,
                expires_at: now.saturating_add(settings.remember_ms()),
                label: meta.user_agent.clone(),
            })
            .await?;
        Some((t, settings.remember_days))
    } else {
        None
    };
    Attempt {
        st,
        meta,
        account: Some(&account),
        typed: "",
    }
    .record(
        "login.success",
        AuditOutcome::Success,
        "",
        json!({ "second_factor": method, "remembered_browser": remember.is_some() }),
    )
    .await?;
    Ok(Signed {
        issued,
        account,
        remember,
        method,
    })
}

/// Step 1: user name and password (see the module docs).
pub async fn password_step(
    st: &AppState,
    meta: &RequestMeta,
    username: &str,
    password: &Password,
    remember_token: Option<&str>,
) -> Result<Started, ApiError> {
    check_throttle(st, meta)?;
    let settings = st.login_settings().await?;
    let store = &st.ready()?.store;
    let username = username.trim();
    let found =
        if username.is_empty() || username.chars().count() > cordon_store::MAX_USERNAME_CHARS {
            None
        } else {
            store.find_account_by_username(username).await?
        };
    let Some((account, credentials)) = found else {
        st.passwords.verify(password, None).await?;
        let attempt = Attempt {
            st,
            meta,
            account: None,
            typed: username,
        };
        return Err(attempt.refuse("unknown user", invalid_credentials()).await);
    };
    let attempt = Attempt {
        st,
        meta,
        account: Some(&account),
        typed: username,
    };
    let now = st.login.clock.now();
    if account.disabled {
        // The same work and the same answer as a wrong password.
        let hash = credentials.password_hash.as_deref();
        st.passwords.verify(password, hash).await?;
        return Err(attempt.refuse("disabled", invalid_credentials()).await);
    }
    if let Some(until) = account.locked_until.filter(|&t| t > now) {
        return Err(attempt.refuse("locked", locked(until, now)).await);
    }
    if !check_password(st, &account, &credentials, password).await? {
        return Err(attempt
            .wrong("wrong password", invalid_credentials(), now)
            .await);
    }
    if settings.two_factor == TwoFactor::Off {
        let signed = sign_in(st, meta, account, &settings, "none", false, now).await?;
        return Ok(Started::Signed(Box::new(signed)));
    }
    if settings.remember_days > 0
        && let Some(t) = remember_token.filter(|t| !t.is_empty() && t.len() <= 4 * token::TOKEN_LEN)
        && store
            .use_remembered(&token::hash(t), &account.id, now)
            .await?
    {
        let signed = sign_in(st, meta, account, &settings, "remembered", false, now).await?;
        return Ok(Started::Signed(Box::new(signed)));
    }
    let pending = second_factor(st, meta, &account, settings.two_factor, now).await?;
    attempt
        .record(
            "login.password",
            AuditOutcome::Success,
            "",
            json!({ "second_factor": pending.method.as_str() }),
        )
        .await?;
    Ok(Started::Pending(pending))
}

/// The open challenge behind a presented token, with its account.
async fn challenge_of(
    st: &AppState,
    meta: &RequestMeta,
    presented: &str,
    now: Millis,
) -> Result<(Challenge, Account), ApiError> {
    let store = &st.ready()?.store;
    let found = if presented.is_empty() || presented.len() > 4 * token::TOKEN_LEN {
        None
    } else {
        store.challenge(&token::hash(presented)).await?
    };
    let account = match &found {
        Some(ch) => match store.get_account(&ch.user_id).await {
            Ok(a) => Some(a),
            Err(cordon_store::StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    match (found, account) {
        (Some(ch), Some(a)) if ch.is_open(now) => Ok((ch, a)),
        (_, a) => {
            let attempt = Attempt {
                st,
                meta,
                account: a.as_ref(),
                typed: "",
            };
            Err(attempt
                .refuse("expired challenge", expired_challenge())
                .await)
        }
    }
}

fn too_many_tries(method: ChallengeMethod) -> ApiError {
    let message = match method {
        ChallengeMethod::Email => {
            "three wrong codes: this code no longer works; ask for a new one \
             (POST /v1/auth/2fa/resend) or sign in again"
        }
        ChallengeMethod::Totp | ChallengeMethod::TotpEnroll => {
            "too many wrong codes for this sign-in; sign in again"
        }
    };
    ApiError::new(StatusCode::UNAUTHORIZED, "too_many_attempts", message)
}

fn invalid_code() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_code",
        "the code is wrong",
    )
}

/// Checks `code` against the challenge: `Ok(Some(step))` for an
/// authenticator code (its TOTP step), `Ok(None)` for an e-mail code,
/// `Err` (already audited and counted) otherwise. An authenticator code
/// is consumed here, once across every server; an enrolment's only once
/// enrolled.
async fn check_code(
    st: &AppState,
    attempt: &Attempt<'_>,
    ch: &Challenge,
    account: &Account,
    code: &str,
    now: Millis,
) -> Result<Option<u64>, ApiError> {
    let store = &st.ready()?.store;
    match ch.method {
        ChallengeMethod::Email => {
            if ch.attempts >= EMAIL_TRIES {
                return Err(attempt
                    .refuse("too many wrong codes", too_many_tries(ch.method))
                    .await);
            }
            let (Some(hash), Some(expires)) = (&ch.code_hash, ch.code_expires_at) else {
                return Err(attempt.refuse("no code sent", expired_challenge()).await);
            };
            if expires <= now {
                let err = ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "code_expired",
                    "the code has expired; ask for a new one (POST /v1/auth/2fa/resend)",
                );
                return Err(attempt.refuse("expired code", err).await);
            }
            if !otp::verify(&ch.id, code, hash) {
                store.challenge_attempt(&ch.id).await?;
                return Err(attempt.wrong("bad code", invalid_code(), now).await);
            }
            Ok(None)
        }
        ChallengeMethod::Totp | ChallengeMethod::TotpEnroll => {
            if ch.attempts >= TOTP_TRIES {
                return Err(attempt
                    .refuse("too many wrong codes", too_many_tries(ch.method))
                    .await);
            }
            let sealed = if ch.method == ChallengeMethod::Totp {
                store.credentials(&account.id).await?.totp_secret
            } else {
                ch.pending_secret.clone()
            };
            let Some(sealed) = sealed else {
                // The authenticator was reset since the challenge began.
                return Err(attempt
                    .refuse("authenticator reset", expired_challenge())
                    .await);
            };
            let secret = open_secret(st, &account.id, &sealed)?;
            let Some(step) = totp::verify(&secret, code, unix_secs(now)) else {
                store.challenge_attempt(&ch.id).await?;
                return Err(attempt.wrong("bad code", invalid_code(), now).await);
            };
            if ch.method == ChallengeMethod::Totp {
                let step_i = i64::try_from(step).unwrap_or(i64::MAX);
                if !store.consume_totp_step(&account.id, step_i).await? {
                    store.challenge_attempt(&ch.id).await?;
                    return Err(attempt.wrong("replayed code", invalid_code(), now).await);
                }
            }
            Ok(Some(step))
        }
    }
}

/// Step 2: the code (see the module docs). `remember` asks for the
/// browser to be remembered (when `remember_days` allows it).
pub async fn second_factor_step(
    st: &AppState,
    meta: &RequestMeta,
    challenge: &str,
    code: &str,
    remember: bool,
) -> Result<Signed, ApiError> {
    check_throttle(st, meta)?;
    let now = st.login.clock.now();
    let (ch, account) = challenge_of(st, meta, challenge, now).await?;
    let attempt = Attempt {
        st,
        meta,
        account: Some(&account),
        typed: "",
    };
    if account.disabled {
        return Err(attempt.refuse("disabled", invalid_credentials()).await);
    }
    if let Some(until) = account.locked_until.filter(|&t| t > now) {
        return Err(attempt.refuse("locked", locked(until, now)).await);
    }
    let step = check_code(st, &attempt, &ch, &account, code, now).await?;
    let store = &st.ready()?.store;
    if !store.finish_challenge(&ch.id, now).await? {
        return Err(attempt
            .refuse("expired challenge", expired_challenge())
            .await);
    }
    let settings = st.login_settings().await?;
    let (account, method) = match (ch.method, &ch.pending_secret, step) {
        (ChallengeMethod::TotpEnroll, Some(sealed), Some(step)) => {
            store
                .set_totp_secret(&account.id, Some(sealed), &account.actor(), now)
                .await?;
            let step_i = i64::try_from(step).unwrap_or(i64::MAX);
            store.consume_totp_step(&account.id, step_i).await?;
            attempt
                .record("account.totp_enrol", AuditOutcome::Success, "", json!({}))
                .await?;
            // The enrolment bumped the credential epoch.
            (store.get_account(&account.id).await?, "totp_enroll")
        }
        (ChallengeMethod::Email, _, _) => (account, "email"),
        _ => (account, "totp"),
    };
    sign_in(st, meta, account, &settings, method, remember, now).await
}

/// What `POST /v1/auth/2fa/resend` did.
pub struct Resent {
    pub expires_at: Millis,
    pub resends_left: i64,
}

/// Sends a new e-mail code for an open e-mail challenge.
pub async fn resend(
    st: &AppState,
    meta: &RequestMeta,
    challenge: &str,
) -> Result<Resent, ApiError> {
    check_throttle(st, meta)?;
    let now = st.login.clock.now();
    let (ch, account) = challenge_of(st, meta, challenge, now).await?;
    if ch.method != ChallengeMethod::Email {
        return Err(ApiError::bad_request(
            "this sign-in asks for an authenticator code, not an e-mail code",
        ));
    }
    match send_code(st, &account, &ch, now).await? {
        SendOutcome::Sent => {
            Attempt {
                st,
                meta,
                account: Some(&account),
                typed: "",
            }
            .record("login.code_sent", AuditOutcome::Success, "", json!({}))
            .await?;
            Ok(Resent {
                expires_at: now.saturating_add(CODE_VALID_MS).min(ch.expires_at),
                resends_left: (MAX_SENDS - ch.sends - 1).max(0),
            })
        }
        SendOutcome::TooSoon { retry_after_ms } => {
            let secs = u32::try_from((retry_after_ms + 999) / 1000)
                .unwrap_or(60)
                .max(1);
            Err(ApiError::too_many(
                "resend_too_soon",
                format!("a code was sent less than a minute ago; ask again in {secs} s"),
                secs,
            ))
        }
        SendOutcome::TooMany => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "resend_limit",
            "no more codes for this sign-in; sign in again",
        )),
    }
}

/// What an authenticator app needs to enrol.
pub struct Enrolment {
    pub otpauth_uri: String,
    pub secret: String,
    pub qr_svg: String,
}

/// The secret of an open enrolment challenge, as URI, text and QR code.
pub async fn enrolment(
    st: &AppState,
    meta: &RequestMeta,
    challenge: &str,
) -> Result<Enrolment, ApiError> {
    check_throttle(st, meta)?;
    let now = st.login.clock.now();
    let (ch, account) = challenge_of(st, meta, challenge, now).await?;
    let (ChallengeMethod::TotpEnroll, Some(sealed)) = (ch.method, &ch.pending_secret) else {
        return Err(ApiError::bad_request(
            "this sign-in does not enrol an authenticator",
        ));
    };
    let secret = open_secret(st, &account.id, sealed)?;
    let uri = totp::provisioning_uri(ISSUER, &account.username, &secret);
    let qr_svg = totp::qr_svg(&uri).map_err(|e| ApiError::internal("the enrolment QR code", &e))?;
    Ok(Enrolment {
        otpauth_uri: uri,
        secret: secret.to_base32(),
        qr_svg,
    })
}

/// What `POST /v1/auth/reauth` did.
pub enum Reauth {
    Elevated {
        until: Millis,
    },
    /// E-mail second factor: a code was sent for this challenge; call
    /// again with it.
    CodeSent(Pending),
}

/// Re-authentication: the password again (and, with a second factor, a
/// code), then dangerous changes are allowed for `elevation_minutes`.
pub async fn reauth(
    st: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    password: &Password,
    code: Option<&str>,
    challenge: Option<&str>,
) -> Result<Reauth, ApiError> {
    let Some(session) = caller.session() else {
        return Err(ApiError::bad_request(
            "re-authentication is for a signed-in session; API keys need none",
        ));
    };
    check_throttle(st, meta)?;
    let store = &st.ready()?.store;
    let now = st.login.clock.now();
    let settings = st.login_settings().await?;
    let account = store.get_account(&session.user_id).await?;
    let credentials = store.credentials(&account.id).await?;
    let attempt = Attempt {
        st,
        meta,
        account: Some(&account),
        typed: "",
    };
    if let Some(until) = account.locked_until.filter(|&t| t > now) {
        return Err(locked(until, now));
    }
    if !check_password(st, &account, &credentials, password).await? {
        let wrong = ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_credentials",
            "the password is wrong",
        );
        let err = attempt.wrong("wrong password", wrong, now).await;
        audit_reauth(&attempt, AuditOutcome::Failure, "wrong password").await?;
        return Err(err);
    }
    let need_code = |what: &str| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "second_factor_required",
            format!("also give `code`: {what}"),
        )
    };
    match settings.two_factor {
        TwoFactor::Off => {}
        TwoFactor::Totp => {
            if !account.totp_enrolled {
                return Err(need_code(
                    "your authenticator was reset; sign out and in again to enrol a new one",
                ));
            }
            let Some(code) = code else {
                return Err(need_code("the code of your authenticator app"));
            };
            let (_token, ch) =
                open_challenge(st, meta, &account, ChallengeMethod::Totp, now).await?;
            check_code(st, &attempt, &ch, &account, code, now).await?;
            store.finish_challenge(&ch.id, now).await?;
        }
        TwoFactor::Email => match (challenge, code) {
            (Some(challenge), Some(code)) => {
                let (ch, owner) = challenge_of(st, meta, challenge, now).await?;
                if owner.id != account.id || ch.method != ChallengeMethod::Email {
                    return Err(expired_challenge());
                }
                check_code(st, &attempt, &ch, &account, code, now).await?;
                if !store.finish_challenge(&ch.id, now).await? {
                    return Err(expired_challenge());
                }
            }
            _ => {
                let pending = second_factor(st, meta, &account, TwoFactor::Email, now).await?;
                return Ok(Reauth::CodeSent(pending));
            }
        },
    }
    let until = now.saturating_add(settings.elevation_ms());
    store.elevate_session(&session.id, until).await?;
    st.login.sessions.forget(&session.id);
    audit_reauth(&attempt, AuditOutcome::Success, "").await?;
    Ok(Reauth::Elevated { until })
}

async fn audit_reauth(
    attempt: &Attempt<'_>,
    outcome: AuditOutcome,
    reason: &str,
) -> Result<(), ApiError> {
    attempt
        .record("auth.reauth", outcome, reason, json!({}))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_hints_show_one_letter() {
        assert_eq!(email_hint("alice@example.org"), "a***@example.org");
        assert_eq!(email_hint("élodie@example.org"), "é***@example.org");
        assert_eq!(email_hint("nonsense"), "***");
    }

    #[test]
    fn lock_messages_say_until_when() {
        let e = locked(1_700_000_030_000, 1_700_000_000_000);
        assert_eq!(e.status, StatusCode::LOCKED);
        assert_eq!(e.retry_after, Some(30));
        assert!(
            e.body.message.contains("2023-11-14T22:13:50Z"),
            "{}",
            e.body.message
        );
    }
}
