//! Console sessions, login challenges (the step between the password and
//! the second factor) and remembered browsers.
//!
//! Every token lives only with the browser: the database keys each row
//! by the token's SHA-256 ([`token_hash`]), so a copy of the database
//! opens no session. The store decides what must be decided once across
//! every server sharing the database, each in one statement: a challenge
//! is finished once, a code is sent only as often as allowed, attempts
//! are counted without loss, and a remembered browser holds only while
//! its account's credential epoch is the one it was made under. Whether
//! a session has expired, was revoked or belongs to a disabled account
//! is the server's to judge from what [`SessionStore::session`] returns.

use std::fmt;

use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::keys::Secret;
use crate::{Account, Millis, Result};

/// A new random token (256 bits, hex) and its hash, the row's id.
pub fn new_token() -> (Secret, String) {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    let token = hex::encode(b);
    let hash = token_hash(&token);
    (Secret::new(token), hash)
}

/// The hex SHA-256 of a token: how sessions, challenges and remembered
/// browsers are keyed.
pub fn token_hash(token: &str) -> String {
    crate::keys::hash(token)
}

/// A session to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// [`token_hash`] of the session cookie.
    pub id: String,
    pub user_id: String,
    /// [`token_hash`] of the session's CSRF token.
    pub csrf_hash: String,
    pub created_at: Millis,
    pub idle_expires_at: Millis,
    pub expires_at: Millis,
    pub ip: String,
    pub user_agent: String,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub csrf_hash: String,
    pub created_at: Millis,
    pub last_seen_at: Millis,
    pub idle_expires_at: Millis,
    /// Absolute: no activity extends it.
    pub expires_at: Millis,
    /// Re-authenticated for dangerous actions until then.
    pub elevated_until: Option<Millis>,
    pub ip: String,
    pub user_agent: String,
    pub revoked_at: Option<Millis>,
}

impl Session {
    /// Not revoked and neither lifetime over.
    pub fn is_active(&self, now: Millis) -> bool {
        self.revoked_at.is_none() && now < self.idle_expires_at && now < self.expires_at
    }

    /// Active and re-authenticated recently enough.
    pub fn is_elevated(&self, now: Millis) -> bool {
        self.is_active(now) && self.elevated_until.is_some_and(|t| now < t)
    }
}

/// The second step a login challenge waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeMethod {
    /// A code sent by e-mail.
    Email,
    /// A code from the authenticator app.
    Totp,
    /// Enrolling an authenticator: the secret waits in the challenge
    /// until a first code proves it.
    TotpEnroll,
}

impl ChallengeMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeMethod::Email => "email",
            ChallengeMethod::Totp => "totp",
            ChallengeMethod::TotpEnroll => "totp_enroll",
        }
    }

    pub fn parse(s: &str) -> Option<ChallengeMethod> {
        match s {
            "email" => Some(ChallengeMethod::Email),
            "totp" => Some(ChallengeMethod::Totp),
            "totp_enroll" => Some(ChallengeMethod::TotpEnroll),
            _ => None,
        }
    }
}

/// A login challenge to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChallenge {
    /// [`token_hash`] of the challenge token.
    pub id: String,
    pub user_id: String,
    pub method: ChallengeMethod,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub ip: String,
    pub user_agent: String,
}

/// A stored login challenge. `Debug` hides the code hash and the pending
/// secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Challenge {
    pub id: String,
    pub user_id: String,
    pub method: ChallengeMethod,
    pub created_at: Millis,
    pub expires_at: Millis,
    /// The hash of the code last sent (the server chooses the hash).
    pub code_hash: Option<String>,
    pub code_expires_at: Option<Millis>,
    /// Wrong codes since the last code was sent (or since the start).
    pub attempts: i64,
    /// Codes sent.
    pub sends: i64,
    pub last_sent_at: Option<Millis>,
    /// The sealed TOTP secret being enrolled.
    pub pending_secret: Option<String>,
    pub ip: String,
    pub user_agent: String,
    /// When it was used: a challenge is used once.
    pub done_at: Option<Millis>,
}

impl Challenge {
    /// Not used yet and not expired.
    pub fn is_open(&self, now: Millis) -> bool {
        self.done_at.is_none() && now < self.expires_at
    }
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Challenge")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("method", &self.method)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("code_hash", &self.code_hash.as_ref().map(|_| "***"))
            .field("code_expires_at", &self.code_expires_at)
            .field("attempts", &self.attempts)
            .field("sends", &self.sends)
            .field("last_sent_at", &self.last_sent_at)
            .field(
                "pending_secret",
                &self.pending_secret.as_ref().map(|_| "***"),
            )
            .field("ip", &self.ip)
            .field("user_agent", &self.user_agent)
            .field("done_at", &self.done_at)
            .finish()
    }
}

/// Whether a code may be sent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SendOutcome {
    /// The new code is stored: send it.
    Sent,
    /// The last code went out less than the minimum interval ago.
    TooSoon { retry_after_ms: i64 },
    /// This challenge has sent all the codes it may.
    TooMany,
}

/// A browser to remember for an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRememberedBrowser {
    /// [`token_hash`] of the remember cookie.
    pub id: String,
    pub user_id: String,
    /// The account's credential epoch when its owner proved the second
    /// factor ([`Account::credential_epoch`]): a later password or TOTP
    /// change voids the browser.
    pub credential_epoch: i64,
    pub created_at: Millis,
    pub expires_at: Millis,
    /// Shown to the owner, e.g. the browser's user agent.
    pub label: String,
}

/// A remembered browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedBrowser {
    pub id: String,
    pub user_id: String,
    pub credential_epoch: i64,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub last_used_at: Option<Millis>,
    pub label: String,
}

/// Sessions, login challenges and remembered browsers.
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
    /// `NotFound` if the account does not exist.
    async fn create_session(&self, new: &NewSession) -> Result<Session>;
    /// The session and its account, in one query, whatever its state:
    /// the caller checks revocation, expiry and a disabled account, and
    /// can say which.
    async fn session(&self, id: &str) -> Result<Option<(Session, Account)>>;
    /// Records activity. `NotFound` unless the session exists and is not
    /// revoked.
    async fn touch_session(&self, id: &str, now: Millis, idle_expires_at: Millis) -> Result<()>;
    /// Re-authenticated until `until`. `NotFound` unless the session
    /// exists and is not revoked.
    async fn elevate_session(&self, id: &str, until: Millis) -> Result<()>;
    /// Signs one session out: true if it was not revoked yet.
    async fn revoke_session(&self, id: &str, now: Millis) -> Result<bool>;
    /// Signs an account out everywhere, but for `except` (the session
    /// asking): how many sessions were revoked.
    async fn revoke_sessions(
        &self,
        user_id: &str,
        now: Millis,
        except: Option<&str>,
    ) -> Result<u64>;
    /// An account's sessions that are not revoked, latest activity first.
    async fn list_sessions(&self, user_id: &str) -> Result<Vec<Session>>;
    /// Deletes sessions past either lifetime, and challenges and
    /// remembered browsers past their expiry: how many rows went.
    async fn purge_expired(&self, now: Millis) -> Result<u64>;

    /// `NotFound` if the account does not exist.
    async fn create_challenge(&self, new: &NewChallenge) -> Result<Challenge>;
    async fn challenge(&self, id: &str) -> Result<Option<Challenge>>;
    /// Counts one wrong code: the new count, counted atomically.
    /// `NotFound` for an unknown challenge.
    async fn challenge_attempt(&self, id: &str) -> Result<i64>;
    /// Stores a new code for an open challenge if one may be sent now:
    /// at most `max_sends` codes, at least `min_interval_ms` apart.
    /// Decided in one statement, so two servers cannot both send; a new
    /// code starts its attempts at 0. `NotFound` unless the challenge is
    /// open (exists, unused, not expired).
    async fn set_challenge_code(
        &self,
        id: &str,
        code_hash: &str,
        code_expires_at: Millis,
        now: Millis,
        min_interval_ms: i64,
        max_sends: i64,
    ) -> Result<SendOutcome>;
    /// Keeps the sealed TOTP secret being enrolled. `NotFound` unless the
    /// challenge exists and is unused.
    async fn set_challenge_secret(&self, id: &str, sealed_secret: &str) -> Result<()>;
    /// Uses the challenge up: true only the first time, and only while
    /// it has not expired.
    async fn finish_challenge(&self, id: &str, now: Millis) -> Result<bool>;

    /// `NotFound` if the account does not exist.
    async fn remember_browser(&self, new: &NewRememberedBrowser) -> Result<RememberedBrowser>;
    /// Whether the browser may skip the second factor for `user_id`: the
    /// row exists for that account, has not expired, and was made under
    /// the account's current credential epoch. Records the use.
    async fn use_remembered(&self, id: &str, user_id: &str, now: Millis) -> Result<bool>;
    /// An account's remembered browsers, newest first.
    async fn list_remembered(&self, user_id: &str) -> Result<Vec<RememberedBrowser>>;
    /// Forgets one of an account's browsers (`Some(id)`) or all of them:
    /// how many were forgotten.
    async fn forget_browsers(&self, user_id: &str, id: Option<&str>) -> Result<u64>;
}

/// The columns of [`Session`], from `sessions s`, prefixed so that a
/// join with the account's columns keeps them apart.
pub(crate) const SESSION_COLS: &str = "s.id AS s_id, s.user_id AS s_user_id, \
    s.csrf_hash AS s_csrf_hash, s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at, \
    s.idle_expires_at AS s_idle_expires_at, s.expires_at AS s_expires_at, \
    s.elevated_until AS s_elevated_until, s.ip AS s_ip, s.user_agent AS s_user_agent, \
    s.revoked_at AS s_revoked_at";

pub(crate) const CHALLENGE_COLS: &str = "id, user_id, method, created_at, expires_at, \
    code_hash, code_expires_at, attempts, sends, last_sent_at, pending_secret, ip, user_agent, \
    done_at";

pub(crate) const REMEMBERED_COLS: &str =
    "id, user_id, credential_epoch, created_at, expires_at, last_used_at, label";

/// The SQL of [`SessionStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_session_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::accounts::ACCOUNT_COLS;
            use $crate::audit::bound;
            use $crate::sessions::{
                Challenge, ChallengeMethod, NewChallenge, NewRememberedBrowser, NewSession,
                RememberedBrowser, SendOutcome, Session, SessionStore, CHALLENGE_COLS,
                REMEMBERED_COLS, SESSION_COLS,
            };
            use $crate::{Account, Millis, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;

            fn session_from_row(r: &Row) -> Result<Session> {
                Ok(Session {
                    id: r.try_get("s_id")?,
                    user_id: r.try_get("s_user_id")?,
                    csrf_hash: r.try_get("s_csrf_hash")?,
                    created_at: r.try_get("s_created_at")?,
                    last_seen_at: r.try_get("s_last_seen_at")?,
                    idle_expires_at: r.try_get("s_idle_expires_at")?,
                    expires_at: r.try_get("s_expires_at")?,
                    elevated_until: r.try_get("s_elevated_until")?,
                    ip: r.try_get("s_ip")?,
                    user_agent: r.try_get("s_user_agent")?,
                    revoked_at: r.try_get("s_revoked_at")?,
                })
            }

            fn challenge_from_row(r: &Row) -> Result<Challenge> {
                let method: String = r.try_get("method")?;
                Ok(Challenge {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    method: ChallengeMethod::parse(&method).ok_or_else(|| {
                        StoreError::Invalid(format!("stored challenge method `{method}`"))
                    })?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    code_hash: r.try_get("code_hash")?,
                    code_expires_at: r.try_get("code_expires_at")?,
                    attempts: r.try_get("attempts")?,
                    sends: r.try_get("sends")?,
                    last_sent_at: r.try_get("last_sent_at")?,
                    pending_secret: r.try_get("pending_secret")?,
                    ip: r.try_get("ip")?,
                    user_agent: r.try_get("user_agent")?,
                    done_at: r.try_get("done_at")?,
                })
            }

            fn remembered_from_row(r: &Row) -> Result<RememberedBrowser> {
                Ok(RememberedBrowser {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    credential_epoch: r.try_get("credential_epoch")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    label: r.try_get("label")?,
                })
            }

            fn no_account(user_id: &str) -> StoreError {
                StoreError::NotFound(format!("account `{user_id}`"))
            }

            #[async_trait::async_trait]
            impl SessionStore for $store {
                async fn create_session(&self, n: &NewSession) -> Result<Session> {
                    // From the account's row, so that an unknown account
                    // is `NotFound` rather than a foreign-key error.
                    let r = sqlx::query(
                        "INSERT INTO sessions (id, user_id, csrf_hash, created_at, last_seen_at, \
                         idle_expires_at, expires_at, ip, user_agent) \
                         SELECT $1, id, $3, $4, $4, $5, $6, $7, $8 FROM users WHERE id = $2",
                    )
                    .bind(&n.id)
                    .bind(&n.user_id)
                    .bind(&n.csrf_hash)
                    .bind(n.created_at)
                    .bind(n.idle_expires_at)
                    .bind(n.expires_at)
                    .bind(bound(&n.ip))
                    .bind(bound(&n.user_agent))
                    .execute(&self.pool)
                    .await?;
                    if r.rows_affected() == 0 {
                        return Err(no_account(&n.user_id));
                    }
                    Ok(Session {
                        id: n.id.clone(),
                        user_id: n.user_id.clone(),
                        csrf_hash: n.csrf_hash.clone(),
                        created_at: n.created_at,
                        last_seen_at: n.created_at,
                        idle_expires_at: n.idle_expires_at,
                        expires_at: n.expires_at,
                        elevated_until: None,
                        ip: bound(&n.ip).into_owned(),
                        user_agent: bound(&n.user_agent).into_owned(),
                        revoked_at: None,
                    })
                }

                async fn session(&self, id: &str) -> Result<Option<(Session, Account)>> {
                    let row = sqlx::query(&format!(
                        "SELECT {SESSION_COLS}, {ACCOUNT_COLS} \
                         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1"
                    ))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| Ok((session_from_row(&r)?, Self::account_from_row(&r)?)))
                        .transpose()
                }

                async fn touch_session(
                    &self,
                    id: &str,
                    now: Millis,
                    idle_expires_at: Millis,
                ) -> Result<()> {
                    let r = sqlx::query(
                        "UPDATE sessions SET last_seen_at = $2, idle_expires_at = $3 \
                         WHERE id = $1 AND revoked_at IS NULL",
                    )
                    .bind(id)
                    .bind(now)
                    .bind(idle_expires_at)
                    .execute(&self.pool)
                    .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound("active session".into()));
                    }
                    Ok(())
                }

                async fn elevate_session(&self, id: &str, until: Millis) -> Result<()> {
                    let r = sqlx::query(
                        "UPDATE sessions SET elevated_until = $2 \
                         WHERE id = $1 AND revoked_at IS NULL",
                    )
                    .bind(id)
                    .bind(until)
                    .execute(&self.pool)
                    .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound("active session".into()));
                    }
                    Ok(())
                }

                async fn revoke_session(&self, id: &str, now: Millis) -> Result<bool> {
                    let r = sqlx::query(
                        "UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                    )
                    .bind(id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(r.rows_affected() == 1)
                }

                async fn revoke_sessions(
                    &self,
                    user_id: &str,
                    now: Millis,
                    except: Option<&str>,
                ) -> Result<u64> {
                    let all = "UPDATE sessions SET revoked_at = $2 \
                               WHERE user_id = $1 AND revoked_at IS NULL";
                    let r = match except {
                        None => sqlx::query(all).bind(user_id).bind(now),
                        Some(keep) => sqlx::query(
                            "UPDATE sessions SET revoked_at = $2 \
                             WHERE user_id = $1 AND revoked_at IS NULL AND id <> $3",
                        )
                        .bind(user_id)
                        .bind(now)
                        .bind(keep),
                    }
                    .execute(&self.pool)
                    .await?;
                    Ok(r.rows_affected())
                }

                async fn list_sessions(&self, user_id: &str) -> Result<Vec<Session>> {
                    let rows = sqlx::query(&format!(
                        "SELECT {SESSION_COLS} FROM sessions s \
                         WHERE s.user_id = $1 AND s.revoked_at IS NULL \
                         ORDER BY s.last_seen_at DESC, s.id"
                    ))
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(session_from_row).collect()
                }

                async fn purge_expired(&self, now: Millis) -> Result<u64> {
                    let mut n = 0;
                    for sql in [
                        "DELETE FROM sessions WHERE expires_at <= $1 OR idle_expires_at <= $1",
                        "DELETE FROM login_challenges WHERE expires_at <= $1",
                        "DELETE FROM remembered_browsers WHERE expires_at <= $1",
                    ] {
                        n += sqlx::query(sql)
                            .bind(now)
                            .execute(&self.pool)
                            .await?
                            .rows_affected();
                    }
                    Ok(n)
                }

                async fn create_challenge(&self, n: &NewChallenge) -> Result<Challenge> {
                    let r = sqlx::query(
                        "INSERT INTO login_challenges (id, user_id, method, created_at, \
                         expires_at, ip, user_agent) \
                         SELECT $1, id, $3, $4, $5, $6, $7 FROM users WHERE id = $2",
                    )
                    .bind(&n.id)
                    .bind(&n.user_id)
                    .bind(n.method.as_str())
                    .bind(n.created_at)
                    .bind(n.expires_at)
                    .bind(bound(&n.ip))
                    .bind(bound(&n.user_agent))
                    .execute(&self.pool)
                    .await?;
                    if r.rows_affected() == 0 {
                        return Err(no_account(&n.user_id));
                    }
                    self.challenge(&n.id)
                        .await?
                        .ok_or_else(|| StoreError::NotFound("login challenge".into()))
                }

                async fn challenge(&self, id: &str) -> Result<Option<Challenge>> {
                    let row = sqlx::query(&format!(
                        "SELECT {CHALLENGE_COLS} FROM login_challenges WHERE id = $1"
                    ))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(challenge_from_row).transpose()
                }

                async fn challenge_attempt(&self, id: &str) -> Result<i64> {
                    let row = sqlx::query(
                        "UPDATE login_challenges SET attempts = attempts + 1 \
                         WHERE id = $1 RETURNING attempts",
                    )
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| StoreError::NotFound("login challenge".into()))?;
                    Ok(row.try_get("attempts")?)
                }

                async fn set_challenge_code(
                    &self,
                    id: &str,
                    code_hash: &str,
                    code_expires_at: Millis,
                    now: Millis,
                    min_interval_ms: i64,
                    max_sends: i64,
                ) -> Result<SendOutcome> {
                    // The decision and the write are one statement: of two
                    // servers asked at once, one sees the other's send.
                    let r = sqlx::query(
                        "UPDATE login_challenges SET code_hash = $2, code_expires_at = $3, \
                         sends = sends + 1, last_sent_at = $4, attempts = 0 \
                         WHERE id = $1 AND done_at IS NULL AND expires_at > $4 \
                         AND sends < $6 AND (last_sent_at IS NULL OR last_sent_at <= $4 - $5)",
                    )
                    .bind(id)
                    .bind(code_hash)
                    .bind(code_expires_at)
                    .bind(now)
                    .bind(min_interval_ms)
                    .bind(max_sends)
                    .execute(&self.pool)
                    .await?;
                    if r.rows_affected() == 1 {
                        return Ok(SendOutcome::Sent);
                    }
                    // Not sent: say why.
                    let c = self
                        .challenge(id)
                        .await?
                        .filter(|c| c.is_open(now))
                        .ok_or_else(|| StoreError::NotFound("open login challenge".into()))?;
                    if c.sends >= max_sends {
                        return Ok(SendOutcome::TooMany);
                    }
                    let next = c.last_sent_at.unwrap_or(now).saturating_add(min_interval_ms);
                    Ok(SendOutcome::TooSoon {
                        retry_after_ms: next.saturating_sub(now).max(0),
                    })
                }

                async fn set_challenge_secret(&self, id: &str, sealed_secret: &str) -> Result<()> {
                    let r = sqlx::query(
                        "UPDATE login_challenges SET pending_secret = $2 \
                         WHERE id = $1 AND done_at IS NULL",
                    )
                    .bind(id)
                    .bind(sealed_secret)
                    .execute(&self.pool)
                    .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound("open login challenge".into()));
                    }
                    Ok(())
                }

                async fn finish_challenge(&self, id: &str, now: Millis) -> Result<bool> {
                    let r = sqlx::query(
                        "UPDATE login_challenges SET done_at = $2 \
                         WHERE id = $1 AND done_at IS NULL AND expires_at > $2",
                    )
                    .bind(id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(r.rows_affected() == 1)
                }

                async fn remember_browser(
                    &self,
                    n: &NewRememberedBrowser,
                ) -> Result<RememberedBrowser> {
                    let r = sqlx::query(
                        "INSERT INTO remembered_browsers (id, user_id, credential_epoch, \
                         created_at, expires_at, label) \
                         SELECT $1, id, $3, $4, $5, $6 FROM users WHERE id = $2",
                    )
                    .bind(&n.id)
                    .bind(&n.user_id)
                    .bind(n.credential_epoch)
                    .bind(n.created_at)
                    .bind(n.expires_at)
                    .bind(bound(&n.label))
                    .execute(&self.pool)
                    .await?;
                    if r.rows_affected() == 0 {
                        return Err(no_account(&n.user_id));
                    }
                    Ok(RememberedBrowser {
                        id: n.id.clone(),
                        user_id: n.user_id.clone(),
                        credential_epoch: n.credential_epoch,
                        created_at: n.created_at,
                        expires_at: n.expires_at,
                        last_used_at: None,
                        label: bound(&n.label).into_owned(),
                    })
                }

                async fn use_remembered(&self, id: &str, user_id: &str, now: Millis) -> Result<bool> {
                    let r = sqlx::query(
                        "UPDATE remembered_browsers SET last_used_at = $3 \
                         WHERE id = $1 AND user_id = $2 AND expires_at > $3 \
                         AND credential_epoch = \
                             (SELECT credential_epoch FROM users WHERE users.id = $2)",
                    )
                    .bind(id)
                    .bind(user_id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(r.rows_affected() == 1)
                }

                async fn list_remembered(&self, user_id: &str) -> Result<Vec<RememberedBrowser>> {
                    let rows = sqlx::query(&format!(
                        "SELECT {REMEMBERED_COLS} FROM remembered_browsers \
                         WHERE user_id = $1 ORDER BY created_at DESC, id"
                    ))
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(remembered_from_row).collect()
                }

                async fn forget_browsers(&self, user_id: &str, id: Option<&str>) -> Result<u64> {
                    let r = match id {
                        None => sqlx::query("DELETE FROM remembered_browsers WHERE user_id = $1")
                            .bind(user_id),
                        Some(id) => sqlx::query(
                            "DELETE FROM remembered_browsers WHERE user_id = $1 AND id = $2",
                        )
                        .bind(user_id)
                        .bind(id),
                    }
                    .execute(&self.pool)
                    .await?;
                    Ok(r.rows_affected())
                }
            }
        };
    };
}
pub(crate) use impl_session_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_keyed_by_their_hash() {
        let (a, ha) = new_token();
        let (b, hb) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 64);
        assert_eq!(token_hash(a.expose()), ha);
        assert_ne!(ha, hb);
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn challenge_debug_hides_its_secrets() {
        let c = Challenge {
            id: "h".into(),
            user_id: "u".into(),
            method: ChallengeMethod::TotpEnroll,
            created_at: 0,
            expires_at: 1,
            code_hash: Some("c0dehash".into()),
            code_expires_at: None,
            attempts: 0,
            sends: 0,
            last_sent_at: None,
            pending_secret: Some("sealed-secret".into()),
            ip: String::new(),
            user_agent: String::new(),
            done_at: None,
        };
        let d = format!("{c:?}");
        assert!(
            !d.contains("c0dehash") && !d.contains("sealed-secret"),
            "{d}"
        );
    }

    #[test]
    fn methods_round_trip() {
        for m in [
            ChallengeMethod::Email,
            ChallengeMethod::Totp,
            ChallengeMethod::TotpEnroll,
        ] {
            assert_eq!(ChallengeMethod::parse(m.as_str()), Some(m));
        }
        assert_eq!(ChallengeMethod::parse("sms"), None);
    }
}
