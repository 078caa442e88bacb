//! Accounts: the people who administer Cordon, their credentials, the one
//! super admin, TOTP replay state and login lockout.
//!
//! What the store guarantees, whatever the server asks and however many
//! servers share the database:
//!
//! - secrets never leave through [`Account`]: the password hash and the
//!   sealed TOTP secret come only from [`AccountStore::credentials`] and
//!   [`AccountStore::find_account_by_username`], as [`Credentials`],
//!   whose `Debug` hides them;
//! - user names are unique ignoring case (a `username_key` column holds
//!   the Rust lower-cased name, so both backends agree beyond ASCII);
//! - exactly one super admin once there is one: a partial unique index
//!   refuses a second, a check keeps it an enabled administrator, and
//!   the first is created once however many servers start together;
//! - an enabled administrator is left after every change and deletion;
//! - a TOTP step is accepted once (a compare-and-set on the last step),
//!   a lockout is counted in one statement, and a password or 2FA change
//!   bumps the account's `credential_epoch`, which voids every remembered
//!   browser.
//!
//! Hashing passwords and sealing TOTP secrets is the server's job: the
//! store keeps what it is given.

use std::fmt;

use cordon_access::{Role, Scope};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::{Actor, Millis, Result, StoreError};

/// How an account proves its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// A password hash kept here.
    Local,
    /// The directory (Active Directory / LDAP) checks the password; no
    /// hash is kept here.
    Directory,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::Local => "local",
            AuthKind::Directory => "directory",
        }
    }

    pub fn parse(s: &str) -> Option<AuthKind> {
        match s {
            "local" => Some(AuthKind::Local),
            "directory" => Some(AuthKind::Directory),
            _ => None,
        }
    }
}

/// An account as the console shows it: everything but its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// 16 random hex digits.
    pub id: String,
    /// As the person typed it; unique ignoring case.
    pub username: String,
    pub auth: AuthKind,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The role's id (`administrator`, …).
    pub role_id: String,
    pub scope: Scope,
    /// The one super admin (an enabled administrator).
    pub super_admin: bool,
    pub disabled: bool,
    pub must_change_password: bool,
    /// A TOTP secret is set (the secret itself is in [`Credentials`]).
    pub totp_enrolled: bool,
    /// Consecutive failed logins.
    pub failed_logins: i64,
    /// Logins are refused until then.
    pub locked_until: Option<Millis>,
    /// Bumped by every password or TOTP change: what was granted under an
    /// older epoch (a remembered browser) no longer holds.
    pub credential_epoch: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub created_by: Actor,
    pub updated_by: Actor,
    pub password_changed_at: Option<Millis>,
    pub last_login_at: Option<Millis>,
}

impl Account {
    /// Logins are refused because of failed attempts.
    pub fn is_locked(&self, now: Millis) -> bool {
        self.locked_until.is_some_and(|t| t > now)
    }

    /// The actor this account is when it acts.
    pub fn actor(&self) -> Actor {
        Actor::account(&self.id, &self.username)
    }
}

/// An account's secrets, kept apart from [`Account`] so that listing
/// accounts never carries them. `Debug` prints placeholders.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// An argon2 PHC string; `None` for directory accounts.
    pub password_hash: Option<String>,
    /// The TOTP secret as the server sealed it; `None` = not enrolled.
    pub totp_secret: Option<String>,
    /// The last TOTP time step accepted (see
    /// [`AccountStore::consume_totp_step`]).
    pub totp_last_step: i64,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("password_hash", &self.password_hash.as_ref().map(|_| "***"))
            .field("totp_secret", &self.totp_secret.as_ref().map(|_| "***"))
            .field("totp_last_step", &self.totp_last_step)
            .finish()
    }
}

/// An account to create.
#[derive(Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub username: String,
    pub auth: AuthKind,
    /// Required for [`AuthKind::Local`], refused for
    /// [`AuthKind::Directory`].
    pub password_hash: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub role_id: String,
    pub scope: Scope,
    pub must_change_password: bool,
}

impl fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccount")
            .field("username", &self.username)
            .field("auth", &self.auth)
            .field("password_hash", &self.password_hash.as_ref().map(|_| "***"))
            .field("email", &self.email)
            .field("phone", &self.phone)
            .field("role_id", &self.role_id)
            .field("scope", &self.scope)
            .field("must_change_password", &self.must_change_password)
            .finish()
    }
}

/// Changes to an account; `None` leaves a field as it is. For `email`
/// and `phone`, `Some(None)` clears it. Passwords and TOTP change through
/// their own methods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountUpdate {
    pub username: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub role_id: Option<String>,
    pub scope: Option<Scope>,
    pub disabled: Option<bool>,
    pub must_change_password: Option<bool>,
}

/// How failed logins lock an account: after `threshold` consecutive
/// failures it is locked for `base_ms`, and each further failure doubles
/// the lock up to `max_ms`. The threshold is clamped to 1..=100 (NIST
/// 800-63B: at most 100 consecutive failures without a lock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutPolicy {
    pub threshold: i64,
    pub base_ms: i64,
    pub max_ms: i64,
}

impl Default for LockoutPolicy {
    /// 5 failures, then 30 s, doubling up to 15 minutes.
    fn default() -> LockoutPolicy {
        LockoutPolicy {
            threshold: 5,
            base_ms: 30_000,
            max_ms: 15 * 60_000,
        }
    }
}

impl LockoutPolicy {
    /// The most failures an account can have without a lock.
    pub const MAX_THRESHOLD: i64 = 100;

    /// The policy as applied: threshold in 1..=100, a base of at least
    /// 1 ms and a maximum of at least the base.
    pub fn normalized(&self) -> LockoutPolicy {
        let base_ms = self.base_ms.max(1);
        LockoutPolicy {
            threshold: self.threshold.clamp(1, LockoutPolicy::MAX_THRESHOLD),
            base_ms,
            max_ms: self.max_ms.max(base_ms),
        }
    }

    /// The lock after the `failures`-th consecutive failure, if any.
    pub fn lock_ms(&self, failures: i64) -> Option<i64> {
        let p = self.normalized();
        let n = failures.checked_sub(p.threshold)?;
        if n < 0 {
            return None;
        }
        Some(if n >= p.doublings() {
            p.max_ms
        } else {
            p.base_ms << n
        })
    }

    /// How many doublings take the base to the maximum: below that many,
    /// `base << n` stays under the maximum (so it cannot overflow).
    pub(crate) fn doublings(&self) -> i64 {
        let mut k = 0;
        let mut d = self.base_ms;
        while d < self.max_ms && k < 62 {
            d = d.saturating_mul(2);
            k += 1;
        }
        k
    }
}

/// Where an account stands after a failed login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockout {
    /// Consecutive failures, this one included.
    pub failures: i64,
    /// Logins are refused until then (`None`: not locked).
    pub locked_until: Option<Millis>,
}

/// Accounts and their credentials.
#[async_trait::async_trait]
pub trait AccountStore: Send + Sync {
    async fn count_accounts(&self) -> Result<i64>;
    /// Creates the super admin only if there is no account yet,
    /// atomically: of several servers starting together on an empty
    /// database exactly one gets `Some`. Its creator is [`Actor::System`];
    /// its role must be the administrator role.
    async fn create_first_super_admin(
        &self,
        new: &NewAccount,
        now: Millis,
    ) -> Result<Option<Account>>;
    /// `Conflict` if the user name is taken (ignoring case), `NotFound`
    /// for an unknown role, `Invalid` for a malformed name or a password
    /// hash that does not fit the kind of account.
    async fn create_account(&self, new: &NewAccount, actor: &Actor, now: Millis)
    -> Result<Account>;
    async fn get_account(&self, id: &str) -> Result<Account>;
    /// The account and its secrets, by user name ignoring case: what a
    /// login needs.
    async fn find_account_by_username(
        &self,
        username: &str,
    ) -> Result<Option<(Account, Credentials)>>;
    async fn credentials(&self, id: &str) -> Result<Credentials>;
    /// Every account, by user name.
    async fn list_accounts(&self) -> Result<Vec<Account>>;
    /// Applies `update`. `Invalid` if it would take the super admin off
    /// the administrator role, disable the super admin, or leave no
    /// enabled administrator; `Conflict` for a taken user name;
    /// `NotFound` for an unknown account or role.
    async fn update_account(
        &self,
        id: &str,
        update: &AccountUpdate,
        actor: &Actor,
        now: Millis,
    ) -> Result<Account>;
    /// Sets a local account's password hash, bumps its credential epoch
    /// and forgets its remembered browsers. `Invalid` for a directory
    /// account. Sessions are left to the caller
    /// ([`crate::SessionStore::revoke_sessions`]).
    async fn set_password(
        &self,
        id: &str,
        password_hash: &str,
        must_change: bool,
        actor: &Actor,
        now: Millis,
    ) -> Result<()>;
    /// Replaces `old_hash` by `new_hash` (the same password hashed with
    /// newer parameters) if the stored hash is still `old_hash`: true if
    /// it was replaced.
    async fn rehash_password(&self, id: &str, old_hash: &str, new_hash: &str) -> Result<bool>;
    /// Deletes an account with its sessions, challenges and remembered
    /// browsers, and revokes the API keys it owns, in one transaction.
    /// Returns how many keys were revoked. `Invalid` for the super admin
    /// and for the last enabled administrator.
    async fn delete_account(&self, id: &str, actor: &Actor, now: Millis) -> Result<u64>;
    /// Makes `to` the super admin instead of `from`, in one transaction.
    /// `to` must be an enabled administrator; `from` stays an
    /// administrator.
    async fn transfer_super_admin(
        &self,
        from: &str,
        to: &str,
        actor: &Actor,
        now: Millis,
    ) -> Result<()>;
    /// Enrols (`Some`, a sealed secret) or resets (`None`) TOTP: the last
    /// step goes back to 0, the credential epoch is bumped and remembered
    /// browsers are forgotten.
    async fn set_totp_secret(
        &self,
        id: &str,
        sealed_secret: Option<&str>,
        actor: &Actor,
        now: Millis,
    ) -> Result<()>;
    /// Accepts TOTP time step `step` once: true iff it is later than the
    /// last accepted one, which it then becomes. One conditional UPDATE,
    /// so a code is accepted once across every server.
    async fn consume_totp_step(&self, id: &str, step: i64) -> Result<bool>;
    /// Counts a failed login and locks the account per `policy`, in one
    /// statement. Call it for failures while the account was not locked.
    async fn record_login_failure(
        &self,
        id: &str,
        now: Millis,
        policy: &LockoutPolicy,
    ) -> Result<Lockout>;
    /// A successful login: failures reset, `last_login_at` set.
    async fn record_login_success(&self, id: &str, now: Millis) -> Result<()>;
    /// An administrator lifts a lock: failures reset.
    async fn unlock_account(&self, id: &str, actor: &Actor, now: Millis) -> Result<()>;
}

/// A new account id: 16 random hex digits.
pub(crate) fn new_id() -> String {
    let mut b = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The key user names are unique by.
pub(crate) fn username_key(username: &str) -> String {
    username.to_lowercase()
}

/// The longest user name, in characters.
pub const MAX_USERNAME_CHARS: usize = 128;

pub(crate) fn check_username(username: &str) -> Result<()> {
    let n = username.chars().count();
    if n == 0
        || n > MAX_USERNAME_CHARS
        || username.chars().any(char::is_control)
        || username.trim() != username
    {
        return Err(StoreError::Invalid(format!(
            "user name `{username}`: use 1 to {MAX_USERNAME_CHARS} characters, \
             without control characters or surrounding spaces"
        )));
    }
    Ok(())
}

/// Checks what the schema would refuse less clearly.
pub(crate) fn check_new(new: &NewAccount) -> Result<()> {
    check_username(&new.username)?;
    match (new.auth, &new.password_hash) {
        (AuthKind::Local, None) => Err(StoreError::Invalid(format!(
            "account `{}`: a local account needs a password",
            new.username
        ))),
        (AuthKind::Directory, Some(_)) => Err(StoreError::Invalid(format!(
            "account `{}`: a directory account has no password here",
            new.username
        ))),
        _ => Ok(()),
    }
}

pub(crate) fn scope_json(scope: &Scope) -> Result<String> {
    serde_json::to_string(scope).map_err(|e| StoreError::Invalid(format!("scope: {e}")))
}

pub(crate) fn scope_from_json(s: &str) -> Result<Scope> {
    serde_json::from_str(s).map_err(|e| StoreError::Invalid(format!("stored scope `{s}`: {e}")))
}

/// The columns of [`Account`], from `users u`.
pub(crate) const ACCOUNT_COLS: &str = "u.id, u.username, u.auth, u.email, u.phone, u.role_id, \
    u.scope, u.super_admin, u.disabled, u.must_change_password, \
    CAST(CASE WHEN u.totp_secret IS NULL THEN 0 ELSE 1 END AS BIGINT) AS totp_enrolled, \
    u.failed_logins, u.locked_until, u.credential_epoch, u.created_at, u.updated_at, \
    u.created_by, u.updated_by, u.password_changed_at, u.last_login_at";

/// The administrator role's id, which the schema's checks name too.
pub(crate) const ADMINISTRATOR: &str = Role::ADMINISTRATOR;

/// The SQL of [`AccountStore`], for one backend (see `crate::sqlite`).
/// Also gives the backend `account_from_row`, which the sessions' SQL
/// uses for its join.
macro_rules! impl_account_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::accounts::{
                check_new, check_username, new_id, scope_from_json, scope_json, username_key,
                Account, AccountStore, AccountUpdate, AuthKind, Credentials, Lockout,
                LockoutPolicy, NewAccount, ACCOUNT_COLS, ADMINISTRATOR,
            };
            use $crate::actor::{decode_column, encode_column};
            use $crate::sql::text;
            use $crate::{Actor, Backend as _, Millis, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;
            type Conn = <$db as sqlx::Database>::Connection;

            fn credentials_from_row(r: &Row) -> Result<Credentials> {
                Ok(Credentials {
                    password_hash: r.try_get("password_hash")?,
                    totp_secret: r.try_get("totp_secret")?,
                    totp_last_step: r.try_get("totp_last_step")?,
                })
            }

            /// What the administrator rules look at.
            struct Standing {
                username: String,
                role_id: String,
                super_admin: bool,
                disabled: bool,
            }

            impl Standing {
                fn enabled_admin(&self) -> bool {
                    self.role_id == ADMINISTRATOR && !self.disabled
                }
            }

            async fn standing(conn: &mut Conn, id: &str) -> Result<Standing> {
                let r = sqlx::query(
                    "SELECT username, role_id, super_admin, disabled FROM users WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("account `{id}`")))?;
                Ok(Standing {
                    username: r.try_get("username")?,
                    role_id: r.try_get("role_id")?,
                    super_admin: r.try_get::<i64, _>("super_admin")? != 0,
                    disabled: r.try_get::<i64, _>("disabled")? != 0,
                })
            }

            /// Enabled administrators other than `id`.
            async fn other_enabled_admins(conn: &mut Conn, id: &str) -> Result<i64> {
                let r = sqlx::query(
                    "SELECT COUNT(*) AS n FROM users \
                     WHERE role_id = $1 AND disabled = 0 AND id <> $2",
                )
                .bind(ADMINISTRATOR)
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
                Ok(r.try_get("n")?)
            }

            async fn fetch_account(conn: &mut Conn, id: &str) -> Result<Account> {
                let row = sqlx::query(&format!("SELECT {ACCOUNT_COLS} FROM users u WHERE u.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("account `{id}`")))?;
                <$store>::account_from_row(&row)
            }

            async fn role_exists(conn: &mut Conn, role_id: &str) -> Result<()> {
                sqlx::query("SELECT id FROM roles WHERE id = $1")
                    .bind(role_id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("role `{role_id}`")))?;
                Ok(())
            }

            /// A `Conflict` naming the account that holds `username`'s key.
            async fn name_taken(conn: &mut Conn, username: &str) -> Result<StoreError> {
                let row = sqlx::query("SELECT username FROM users WHERE username_key = $1")
                    .bind(username_key(username))
                    .fetch_optional(&mut *conn)
                    .await?;
                let taken: Option<String> = row.map(|r| r.try_get("username")).transpose()?;
                Ok(StoreError::Conflict(match taken {
                    Some(t) if t != username => format!("user name `{username}` (as `{t}`)"),
                    _ => format!("user name `{username}`"),
                }))
            }

            /// Inserts an account; with `only_if_empty`, only into an
            /// empty table. Returns the rows inserted (0 on a taken name).
            async fn insert_account(
                conn: &mut Conn,
                id: &str,
                new: &NewAccount,
                super_admin: bool,
                actor: &Actor,
                now: Millis,
                only_if_empty: bool,
            ) -> Result<u64> {
                let tail = if only_if_empty {
                    " WHERE NOT EXISTS (SELECT 1 FROM users)"
                } else {
                    " ON CONFLICT (username_key) DO NOTHING"
                };
                let sql = format!(
                    "INSERT INTO users (id, username, username_key, auth, password_hash, email, \
                     phone, role_id, scope, super_admin, must_change_password, created_at, \
                     updated_at, created_by, updated_by, password_changed_at) \
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $13, $14\
                     {tail}"
                );
                let actor = encode_column(actor);
                let r = sqlx::query(&sql)
                    .bind(id)
                    .bind(&new.username)
                    .bind(username_key(&new.username))
                    .bind(new.auth.as_str())
                    .bind(new.password_hash.as_deref())
                    .bind(new.email.as_deref().map(text))
                    .bind(new.phone.as_deref().map(text))
                    .bind(&new.role_id)
                    .bind(scope_json(&new.scope)?)
                    .bind(i64::from(super_admin))
                    .bind(i64::from(new.must_change_password))
                    .bind(now)
                    .bind(actor)
                    .bind(new.password_hash.as_ref().map(|_| now))
                    .execute(&mut *conn)
                    .await?;
                Ok(r.rows_affected())
            }

            impl $store {
                /// An [`Account`] from a row with [`ACCOUNT_COLS`].
                pub(crate) fn account_from_row(r: &Row) -> Result<Account> {
                    let auth: String = r.try_get("auth")?;
                    let scope: String = r.try_get("scope")?;
                    let created_by: String = r.try_get("created_by")?;
                    let updated_by: String = r.try_get("updated_by")?;
                    let flag = |c: &str| -> Result<bool> { Ok(r.try_get::<i64, _>(c)? != 0) };
                    Ok(Account {
                        id: r.try_get("id")?,
                        username: r.try_get("username")?,
                        auth: AuthKind::parse(&auth).ok_or_else(|| {
                            StoreError::Invalid(format!("stored auth kind `{auth}`"))
                        })?,
                        email: r.try_get("email")?,
                        phone: r.try_get("phone")?,
                        role_id: r.try_get("role_id")?,
                        scope: scope_from_json(&scope)?,
                        super_admin: flag("super_admin")?,
                        disabled: flag("disabled")?,
                        must_change_password: flag("must_change_password")?,
                        totp_enrolled: flag("totp_enrolled")?,
                        failed_logins: r.try_get("failed_logins")?,
                        locked_until: r.try_get("locked_until")?,
                        credential_epoch: r.try_get("credential_epoch")?,
                        created_at: r.try_get("created_at")?,
                        updated_at: r.try_get("updated_at")?,
                        created_by: decode_column(&created_by)?,
                        updated_by: decode_column(&updated_by)?,
                        password_changed_at: r.try_get("password_changed_at")?,
                        last_login_at: r.try_get("last_login_at")?,
                    })
                }

                /// Makes concurrent changes to the administrators take
                /// turns. PostgreSQL's row locks would let two
                /// transactions each remove "another" administrator;
                /// SQLite's `BEGIN IMMEDIATE` already serializes writers.
                async fn lock_users(&self, conn: &mut Conn) -> Result<()> {
                    if self.backend() == "postgres" {
                        sqlx::query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                }
            }

            #[async_trait::async_trait]
            impl AccountStore for $store {
                async fn count_accounts(&self) -> Result<i64> {
                    let r = sqlx::query("SELECT COUNT(*) AS n FROM users")
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(r.try_get("n")?)
                }

                async fn create_first_super_admin(
                    &self,
                    new: &NewAccount,
                    now: Millis,
                ) -> Result<Option<Account>> {
                    check_new(new)?;
                    if new.role_id != ADMINISTRATOR {
                        return Err(StoreError::Invalid(format!(
                            "first account `{}`: the super admin holds the `{ADMINISTRATOR}` role, \
                             not `{}`",
                            new.username, new.role_id
                        )));
                    }
                    let id = new_id();
                    // Servers starting together on an empty database take
                    // turns, so exactly one creates the super admin.
                    let mut tx = self.pool.begin_with($begin).await?;
                    self.lock_users(&mut tx).await?;
                    let inserted =
                        insert_account(&mut tx, &id, new, true, &Actor::System, now, true).await?;
                    if inserted == 0 {
                        return Ok(None);
                    }
                    let account = fetch_account(&mut tx, &id).await?;
                    tx.commit().await?;
                    Ok(Some(account))
                }

                async fn create_account(
                    &self,
                    new: &NewAccount,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<Account> {
                    check_new(new)?;
                    let id = new_id();
                    let mut tx = self.pool.begin_with($begin).await?;
                    role_exists(&mut tx, &new.role_id).await?;
                    let inserted =
                        insert_account(&mut tx, &id, new, false, actor, now, false).await?;
                    if inserted == 0 {
                        return Err(name_taken(&mut tx, &new.username).await?);
                    }
                    let account = fetch_account(&mut tx, &id).await?;
                    tx.commit().await?;
                    Ok(account)
                }

                async fn get_account(&self, id: &str) -> Result<Account> {
                    let mut conn = self.pool.acquire().await?;
                    fetch_account(&mut conn, id).await
                }

                async fn find_account_by_username(
                    &self,
                    username: &str,
                ) -> Result<Option<(Account, Credentials)>> {
                    let row = sqlx::query(&format!(
                        "SELECT {ACCOUNT_COLS}, u.password_hash, u.totp_secret, u.totp_last_step \
                         FROM users u WHERE u.username_key = $1"
                    ))
                    .bind(username_key(username))
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| Ok((Self::account_from_row(&r)?, credentials_from_row(&r)?)))
                        .transpose()
                }

                async fn credentials(&self, id: &str) -> Result<Credentials> {
                    let row = sqlx::query(
                        "SELECT password_hash, totp_secret, totp_last_step FROM users WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("account `{id}`")))?;
                    credentials_from_row(&row)
                }

                async fn list_accounts(&self) -> Result<Vec<Account>> {
                    let rows = sqlx::query(&format!("SELECT {ACCOUNT_COLS} FROM users u"))
                        .fetch_all(&self.pool)
                        .await?;
                    let mut all = rows
                        .iter()
                        .map(Self::account_from_row)
                        .collect::<Result<Vec<_>>>()?;
                    // Sorted here: PostgreSQL orders text by its locale.
                    all.sort_by_cached_key(|a| (username_key(&a.username), a.id.clone()));
                    Ok(all)
                }

                async fn update_account(
                    &self,
                    id: &str,
                    u: &AccountUpdate,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<Account> {
                    if let Some(name) = &u.username {
                        check_username(name)?;
                    }
                    let mut tx = self.pool.begin_with($begin).await?;
                    if u.role_id.is_some() || u.disabled.is_some() {
                        self.lock_users(&mut tx).await?;
                    }
                    let cur = fetch_account(&mut tx, id).await?;
                    let role_id = u.role_id.clone().unwrap_or_else(|| cur.role_id.clone());
                    let disabled = u.disabled.unwrap_or(cur.disabled);
                    if cur.super_admin && role_id != ADMINISTRATOR {
                        return Err(StoreError::Invalid(format!(
                            "role change: `{}` is the super admin and keeps the `{ADMINISTRATOR}` \
                             role; transfer the super admin first",
                            cur.username
                        )));
                    }
                    if cur.super_admin && disabled {
                        return Err(StoreError::Invalid(format!(
                            "account change: `{}` is the super admin and cannot be disabled; \
                             transfer the super admin first",
                            cur.username
                        )));
                    }
                    let was_admin = cur.role_id == ADMINISTRATOR && !cur.disabled;
                    let is_admin = role_id == ADMINISTRATOR && !disabled;
                    if was_admin && !is_admin && other_enabled_admins(&mut tx, id).await? == 0 {
                        return Err(StoreError::Invalid(format!(
                            "account change: `{}` is the last enabled administrator",
                            cur.username
                        )));
                    }
                    if role_id != cur.role_id {
                        role_exists(&mut tx, &role_id).await?;
                    }
                    let username = u.username.clone().unwrap_or_else(|| cur.username.clone());
                    if username_key(&username) != username_key(&cur.username) {
                        let taken = sqlx::query("SELECT id FROM users WHERE username_key = $1")
                            .bind(username_key(&username))
                            .fetch_optional(&mut *tx)
                            .await?;
                        if taken.is_some() {
                            return Err(name_taken(&mut tx, &username).await?);
                        }
                    }
                    let email = u.email.clone().unwrap_or_else(|| cur.email.clone());
                    let phone = u.phone.clone().unwrap_or_else(|| cur.phone.clone());
                    let scope = u.scope.as_ref().unwrap_or(&cur.scope);
                    let must_change = u.must_change_password.unwrap_or(cur.must_change_password);
                    sqlx::query(
                        "UPDATE users SET username = $2, username_key = $3, email = $4, \
                         phone = $5, role_id = $6, scope = $7, disabled = $8, \
                         must_change_password = $9, updated_at = $10, updated_by = $11 \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(&username)
                    .bind(username_key(&username))
                    .bind(email.as_deref().map(text))
                    .bind(phone.as_deref().map(text))
                    .bind(&role_id)
                    .bind(scope_json(scope)?)
                    .bind(i64::from(disabled))
                    .bind(i64::from(must_change))
                    .bind(now)
                    .bind(encode_column(actor))
                    .execute(&mut *tx)
                    .await?;
                    let account = fetch_account(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(account)
                }

                async fn set_password(
                    &self,
                    id: &str,
                    password_hash: &str,
                    must_change: bool,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let r = sqlx::query(
                        "UPDATE users SET password_hash = $2, must_change_password = $3, \
                         password_changed_at = $4, credential_epoch = credential_epoch + 1, \
                         updated_at = $4, updated_by = $5 WHERE id = $1 AND auth = 'local'",
                    )
                    .bind(id)
                    .bind(password_hash)
                    .bind(i64::from(must_change))
                    .bind(now)
                    .bind(encode_column(actor))
                    .execute(&mut *tx)
                    .await?;
                    if r.rows_affected() == 0 {
                        let s = standing(&mut tx, id).await?;
                        return Err(StoreError::Invalid(format!(
                            "password change: `{}` signs in through the directory, which keeps \
                             its password",
                            s.username
                        )));
                    }
                    sqlx::query("DELETE FROM remembered_browsers WHERE user_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn rehash_password(
                    &self,
                    id: &str,
                    old_hash: &str,
                    new_hash: &str,
                ) -> Result<bool> {
                    let r = sqlx::query(
                        "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2",
                    )
                    .bind(id)
                    .bind(old_hash)
                    .bind(new_hash)
                    .execute(&self.pool)
                    .await?;
                    Ok(r.rows_affected() == 1)
                }

                async fn delete_account(&self, id: &str, actor: &Actor, now: Millis) -> Result<u64> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    self.lock_users(&mut tx).await?;
                    let s = standing(&mut tx, id).await?;
                    if s.super_admin {
                        return Err(StoreError::Invalid(format!(
                            "account deletion: `{}` is the super admin; transfer the super admin \
                             to another administrator first",
                            s.username
                        )));
                    }
                    if s.enabled_admin() && other_enabled_admins(&mut tx, id).await? == 0 {
                        return Err(StoreError::Invalid(format!(
                            "account deletion: `{}` is the last enabled administrator",
                            s.username
                        )));
                    }
                    // The row first: a key being created for this account
                    // holds the row (see `create_api_key`) until it is in,
                    // and then the revocation below sees it.
                    sqlx::query("DELETE FROM users WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    let revoked = sqlx::query(
                        "UPDATE api_keys SET revoked_at = $2, revoked_by = $3 \
                         WHERE owner = $1 AND revoked_at IS NULL",
                    )
                    .bind(id)
                    .bind(now)
                    .bind(encode_column(actor))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    tx.commit().await?;
                    tracing::info!(account = id, %actor, revoked_keys = revoked, "account deleted");
                    Ok(revoked)
                }

                async fn transfer_super_admin(
                    &self,
                    from: &str,
                    to: &str,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    self.lock_users(&mut tx).await?;
                    let f = standing(&mut tx, from).await?;
                    if !f.super_admin {
                        return Err(StoreError::Invalid(format!(
                            "super admin transfer: `{}` is not the super admin",
                            f.username
                        )));
                    }
                    let t = standing(&mut tx, to).await?;
                    if from == to {
                        return Err(StoreError::Invalid(format!(
                            "super admin transfer: `{}` is already the super admin",
                            t.username
                        )));
                    }
                    if t.role_id != ADMINISTRATOR {
                        return Err(StoreError::Invalid(format!(
                            "super admin transfer: `{}` does not hold the `{ADMINISTRATOR}` role",
                            t.username
                        )));
                    }
                    if t.disabled {
                        return Err(StoreError::Invalid(format!(
                            "super admin transfer: `{}` is disabled",
                            t.username
                        )));
                    }
                    // Off, then on: the unique index never sees two.
                    for (id, flag) in [(from, 0i64), (to, 1)] {
                        sqlx::query(
                            "UPDATE users SET super_admin = $2, updated_at = $3, updated_by = $4 \
                             WHERE id = $1",
                        )
                        .bind(id)
                        .bind(flag)
                        .bind(now)
                        .bind(encode_column(actor))
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn set_totp_secret(
                    &self,
                    id: &str,
                    sealed_secret: Option<&str>,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let r = sqlx::query(
                        "UPDATE users SET totp_secret = $2, totp_last_step = 0, \
                         credential_epoch = credential_epoch + 1, updated_at = $3, \
                         updated_by = $4 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(sealed_secret)
                    .bind(now)
                    .bind(encode_column(actor))
                    .execute(&mut *tx)
                    .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("account `{id}`")));
                    }
                    sqlx::query("DELETE FROM remembered_browsers WHERE user_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn consume_totp_step(&self, id: &str, step: i64) -> Result<bool> {
                    let r = sqlx::query(
                        "UPDATE users SET totp_last_step = $2 \
                         WHERE id = $1 AND totp_last_step < $2",
                    )
                    .bind(id)
                    .bind(step)
                    .execute(&self.pool)
                    .await?;
                    Ok(r.rows_affected() == 1)
                }

                async fn record_login_failure(
                    &self,
                    id: &str,
                    now: Millis,
                    policy: &LockoutPolicy,
                ) -> Result<Lockout> {
                    let p = policy.normalized();
                    // The n-th failure past the threshold locks for
                    // base << n, or the maximum from `doublings` on (so
                    // the shift never overflows). The SET expressions
                    // read the row as it was.
                    let row = sqlx::query(
                        "UPDATE users SET failed_logins = failed_logins + 1, \
                         locked_until = CASE \
                           WHEN failed_logins + 1 < $3 THEN locked_until \
                           WHEN failed_logins + 1 - $3 >= $6 THEN $2 + $5 \
                           ELSE $2 + ($4 << CAST(failed_logins + 1 - $3 AS INTEGER)) END \
                         WHERE id = $1 RETURNING failed_logins, locked_until",
                    )
                    .bind(id)
                    .bind(now)
                    .bind(p.threshold)
                    .bind(p.base_ms)
                    .bind(p.max_ms)
                    .bind(p.doublings())
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("account `{id}`")))?;
                    Ok(Lockout {
                        failures: row.try_get("failed_logins")?,
                        locked_until: row.try_get("locked_until")?,
                    })
                }

                async fn record_login_success(&self, id: &str, now: Millis) -> Result<()> {
                    let r = sqlx::query(
                        "UPDATE users SET failed_logins = 0, locked_until = NULL, \
                         last_login_at = $2 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("account `{id}`")));
                    }
                    Ok(())
                }

                async fn unlock_account(&self, id: &str, actor: &Actor, now: Millis) -> Result<()> {
                    let r = sqlx::query(
                        "UPDATE users SET failed_logins = 0, locked_until = NULL, \
                         updated_at = $2, updated_by = $3 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(now)
                    .bind(encode_column(actor))
                    .execute(&self.pool)
                    .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("account `{id}`")));
                    }
                    Ok(())
                }
            }
        };
    };
}
pub(crate) use impl_account_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_doubles_from_base_to_max() {
        let p = LockoutPolicy {
            threshold: 3,
            base_ms: 1000,
            max_ms: 5000,
        };
        let locks: Vec<_> = (1..=7).map(|n| p.lock_ms(n)).collect();
        assert_eq!(
            locks,
            [
                None,
                None,
                Some(1000),
                Some(2000),
                Some(4000),
                Some(5000),
                Some(5000)
            ]
        );
    }

    #[test]
    fn lockout_policy_is_bounded() {
        let p = LockoutPolicy {
            threshold: 10_000,
            base_ms: 0,
            max_ms: -5,
        }
        .normalized();
        assert_eq!((p.threshold, p.base_ms, p.max_ms), (100, 1, 1));
        assert_eq!(p.lock_ms(99), None);
        assert_eq!(p.lock_ms(100), Some(1));
        let p = LockoutPolicy {
            threshold: 0,
            base_ms: 1,
            max_ms: i64::MAX,
        };
        assert_eq!(p.lock_ms(1), Some(1));
        // Far past the last doubling: the maximum, no overflow.
        assert_eq!(p.lock_ms(1000), Some(i64::MAX));
        assert_eq!(p.lock_ms(62), Some(1 << 61));
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let c = Credentials {
            password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
            totp_secret: Some("sealed:JBSWY3DPEHPK3PXP".into()),
            totp_last_step: 7,
        };
        let d = format!("{c:?}");
        assert!(!d.contains("argon2") && !d.contains("JBSW"), "{d}");
        let n = NewAccount {
            username: "alice".into(),
            auth: AuthKind::Local,
            password_hash: Some("$argon2id$secret".into()),
            email: None,
            phone: None,
            role_id: "guest".into(),
            scope: Scope::All,
            must_change_password: false,
        };
        assert!(!format!("{n:?}").contains("argon2"));
    }

    #[test]
    fn user_names() {
        for ok in ["alice", "Alice Smith", "é", &"x".repeat(128)] {
            assert!(check_username(ok).is_ok(), "{ok}");
        }
        for bad in ["", " alice", "alice ", "a\u{0}b", "a\nb", &"x".repeat(129)] {
            assert!(check_username(bad).is_err(), "{bad:?}");
        }
        assert_eq!(username_key("ÉLODIE"), "élodie");
    }
}
