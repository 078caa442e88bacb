//! API keys: format, hashing, and the [`KeyStore`] resource.
//!
//! Format: `cordon_<id>_<secret>` where `id` is 8 random hex digits
//! (public, the database key) and `secret` 64 hex digits (256 random
//! bits). Only SHA-256 of the whole string is stored; a 256-bit random
//! secret needs no slow KDF.

use std::fmt;

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{Actor, Millis, Result};

pub const PREFIX: &str = "cordon_";

/// A new (id, full key) pair.
pub fn generate() -> (String, String) {
    let mut rng = rand::thread_rng();
    let mut id = [0u8; 4];
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut id);
    rng.fill_bytes(&mut secret);
    let id = hex::encode(id);
    let full = format!("{PREFIX}{id}_{}", hex::encode(secret));
    (id, full)
}

/// The id part of a presented key, if it has the right shape.
pub fn parse_id(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 8 && secret.len() == 64).then_some(id)
}

pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Constant-time comparison of a presented key with a stored hash.
pub fn verify(key: &str, stored_hash: &str) -> bool {
    hash(key).as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

/// What a key may do. Roles are coarse on purpose: user accounts, roles
/// and scopes come with the next issue and will map onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Applications and agents: decide, inspect, submit justifications, poll policies.
    Client,
    /// Everything, including policies, incidents, keys and groups.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "client" => Some(Role::Client),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An API key as stored: never the secret itself, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Public id, also the key's prefix: `cordon_<id>_<secret>`.
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_at: Millis,
    /// Who created it (`System` for the first key and `cordon admin`).
    pub created_by: Actor,
    /// The account that owns it, or `None` for a service principal owned
    /// by Cordon. Deleting the account revokes its keys.
    pub owner: Option<String>,
    pub revoked_at: Option<Millis>,
    pub revoked_by: Option<Actor>,
}

/// A secret that must not end up in logs: `Debug` prints a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The secret itself, for printing once to the operator who asked for it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A freshly created key: the only time the plaintext exists.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub key: ApiKey,
    pub secret: Secret,
}

/// API keys, stored hashed.
#[async_trait::async_trait]
pub trait KeyStore: Send + Sync {
    async fn count_api_keys(&self) -> Result<i64>;
    /// Creates a key only if the database has none, atomically: of several
    /// servers starting together on an empty database exactly one gets
    /// `Some` (and prints the key). Its creator is [`Actor::System`].
    async fn create_first_api_key(
        &self,
        name: &str,
        role: Role,
        now: Millis,
    ) -> Result<Option<NewApiKey>>;
    /// Creates a key owned by account `owner`, or by Cordon (`None`).
    /// `NotFound` if the owner does not exist.
    async fn create_api_key(
        &self,
        name: &str,
        role: Role,
        owner: Option<&str>,
        actor: &Actor,
        now: Millis,
    ) -> Result<NewApiKey>;
    /// Returns the key record if the presented key is valid and not revoked.
    async fn authenticate(&self, presented: &str) -> Result<Option<ApiKey>>;
    /// `NotFound` unless the key exists and is not revoked yet.
    async fn revoke_api_key(&self, id: &str, actor: &Actor, now: Millis) -> Result<()>;
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>>;
}

pub(crate) fn new_api_key(
    id: String,
    full: String,
    name: &str,
    role: Role,
    owner: Option<&str>,
    actor: &Actor,
    now: Millis,
) -> NewApiKey {
    NewApiKey {
        key: ApiKey {
            id,
            name: name.to_owned(),
            role,
            created_at: now,
            created_by: actor.clone(),
            owner: owner.map(str::to_owned),
            revoked_at: None,
            revoked_by: None,
        },
        secret: Secret::new(full),
    }
}

/// The SQL of [`KeyStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_key_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::keys::{self, ApiKey, KeyStore, NewApiKey, Role};
            use $crate::actor::{decode_column, encode_column};
            use $crate::{Actor, Backend as _, Millis, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;

            fn key_from_row(r: &Row) -> Result<ApiKey> {
                let role: String = r.try_get("role")?;
                let created_by: String = r.try_get("created_by")?;
                let revoked_by: Option<String> = r.try_get("revoked_by")?;
                Ok(ApiKey {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    role: Role::parse(&role)
                        .ok_or_else(|| StoreError::Invalid(format!("stored role `{role}`")))?,
                    created_at: r.try_get("created_at")?,
                    created_by: decode_column(&created_by)?,
                    owner: r.try_get("owner")?,
                    revoked_at: r.try_get("revoked_at")?,
                    revoked_by: revoked_by.as_deref().map(decode_column).transpose()?,
                })
            }

            #[async_trait::async_trait]
            impl KeyStore for $store {
                async fn count_api_keys(&self) -> Result<i64> {
                    let r = sqlx::query("SELECT COUNT(*) AS n FROM api_keys")
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(r.try_get("n")?)
                }

                async fn create_api_key(
                    &self,
                    name: &str,
                    role: Role,
                    owner: Option<&str>,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<NewApiKey> {
                    let (id, full) = keys::generate();
                    let mut tx = self.pool.begin_with($begin).await?;
                    if let Some(owner) = owner {
                        // The owner's row stays until this key is in: an
                        // account deleted meanwhile waits for it (and then
                        // revokes it) instead of leaving it behind.
                        // (SQLite's `BEGIN IMMEDIATE` already serializes.)
                        let lock = if self.backend() == "postgres" {
                            "SELECT id FROM users WHERE id = $1 FOR SHARE"
                        } else {
                            "SELECT id FROM users WHERE id = $1"
                        };
                        sqlx::query(lock)
                            .bind(owner)
                            .fetch_optional(&mut *tx)
                            .await?
                            .ok_or_else(|| StoreError::NotFound(format!("account `{owner}`")))?;
                    }
                    sqlx::query(
                        "INSERT INTO api_keys (id, hash, name, role, created_at, created_by, owner) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&id)
                    .bind(keys::hash(&full))
                    .bind(name)
                    .bind(role.as_str())
                    .bind(now)
                    .bind(encode_column(actor))
                    .bind(owner)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(keys::new_api_key(id, full, name, role, owner, actor, now))
                }

                async fn create_first_api_key(
                    &self,
                    name: &str,
                    role: Role,
                    now: Millis,
                ) -> Result<Option<NewApiKey>> {
                    let (id, full) = keys::generate();
                    // Servers starting together on an empty database: the lock
                    // makes them take turns, so exactly one creates the key.
                    // (SQLite's `BEGIN IMMEDIATE` already holds the one write lock.)
                    let mut tx = self.pool.begin_with($begin).await?;
                    if self.backend() == "postgres" {
                        sqlx::query("LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE")
                            .execute(&mut *tx)
                            .await?;
                    }
                    let inserted = sqlx::query(
                        "INSERT INTO api_keys (id, hash, name, role, created_at) \
                         SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM api_keys)",
                    )
                    .bind(&id)
                    .bind(keys::hash(&full))
                    .bind(name)
                    .bind(role.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    tx.commit().await?;
                    Ok((inserted == 1)
                        .then(|| keys::new_api_key(id, full, name, role, None, &Actor::System, now)))
                }

                async fn authenticate(&self, presented: &str) -> Result<Option<ApiKey>> {
                    let Some(id) = keys::parse_id(presented) else {
                        return Ok(None);
                    };
                    let row = sqlx::query(
                        "SELECT id, hash, name, role, created_at, created_by, owner, revoked_at, \
                         revoked_by FROM api_keys WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    let Some(row) = row else { return Ok(None) };
                    let hash: String = row.try_get("hash")?;
                    if !keys::verify(presented, &hash) {
                        return Ok(None);
                    }
                    let key = key_from_row(&row)?;
                    Ok(key.revoked_at.is_none().then_some(key))
                }

                async fn revoke_api_key(&self, id: &str, actor: &Actor, now: Millis) -> Result<()> {
                    let r = sqlx::query(
                        "UPDATE api_keys SET revoked_at = $1, revoked_by = $2 \
                         WHERE id = $3 AND revoked_at IS NULL",
                    )
                    .bind(now)
                    .bind(encode_column(actor))
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("active api key `{id}`")));
                    }
                    Ok(())
                }

                async fn list_api_keys(&self) -> Result<Vec<ApiKey>> {
                    let rows = sqlx::query(
                        "SELECT id, name, role, created_at, created_by, owner, revoked_at, \
                         revoked_by FROM api_keys ORDER BY created_at, id",
                    )
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(key_from_row).collect()
                }
            }
        };
    };
}
pub(crate) use impl_key_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_hash_verifies() {
        let (id, full) = generate();
        assert_eq!(parse_id(&full), Some(id.as_str()));
        let h = hash(&full);
        assert!(verify(&full, &h));
        assert!(!verify(&format!("{full}x"), &h));
        assert_eq!(parse_id("cordon_abc_def"), None);
        assert_eq!(parse_id("nope"), None);
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("cordon_deadbeef_topsecret");
        assert!(!format!("{s:?}").contains("topsecret"));
    }
}
