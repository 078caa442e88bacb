//! Enrolment tokens: one secret an administrator hands to many computers
//! so that each can join an agent group, and the enrolment it buys.
//!
//! A token is `cordon_enrol_<id>_<secret>`: the 8-hex-digit id is public
//! (listings show `cordon_enrol_<id>…` and nothing more), the secret is
//! made and hashed by the server (`cordon-identity`'s tokens); the store
//! keeps only the hash of the whole text, and is handed it back to check.
//!
//! Enrolling with a token is one transaction: the use is counted by one
//! conditional `UPDATE` (not revoked, not expired, uses below the limit),
//! a client API key is created for the computer and bound to it, and the
//! computer is put in the token's group. A computer name already bound to
//! a live key is refused unless the token allows re-enrolment; then the
//! old key is revoked in the same transaction, so two machines never hold
//! one computer's binding. A refused enrolment counts no use.

use serde::{Deserialize, Serialize};

use crate::{Actor, Computer, Millis, NewApiKey, Result};

/// The prefix of every enrolment token.
pub const TOKEN_PREFIX: &str = "cordon_enrol_";

/// An enrolment token as stored and listed: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentToken {
    /// Public id: the token starts `cordon_enrol_<id>_`.
    pub id: String,
    /// The agent group computers join with it.
    pub group: String,
    pub label: String,
    pub expires_at: Millis,
    /// At most this many enrolments; `None`: any number until it expires.
    pub max_uses: Option<i64>,
    pub uses: i64,
    /// Whether it may take over a computer name bound to another key.
    pub allow_reenrol: bool,
    pub created_at: Millis,
    pub created_by: Actor,
    pub last_used_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
    pub revoked_by: Option<Actor>,
}

/// A token to create. The caller made `id` and the hash of the whole
/// token text; the text itself never reaches the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnrolmentToken {
    pub id: String,
    pub hash: String,
    pub group: String,
    pub label: String,
    pub expires_at: Millis,
    pub max_uses: Option<i64>,
    pub allow_reenrol: bool,
}

/// Why a token bought no enrolment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrolRefusal {
    #[error("the enrolment token is not valid")]
    Unknown,
    #[error("the enrolment token `{id}` was revoked")]
    Revoked { id: String },
    #[error("the enrolment token `{id}` expired")]
    Expired { id: String },
    #[error("the enrolment token `{id}` was used {uses} times, its limit")]
    UsedUp { id: String, uses: i64 },
    #[error(
        "the enrolment token `{id}` is for agent group `{group}`, not `{asked}`: leave the group out, or use a token of `{asked}`"
    )]
    OtherGroup {
        id: String,
        group: String,
        asked: String,
    },
    #[error(
        "computer `{computer}` is already enrolled (bound to key `{key_id}`); the enrolment token `{id}` does not allow re-enrolment: use another name, or have an administrator unbind it (PUT /v1/computers/{{name}}) or issue a token that allows re-enrolment"
    )]
    Bound {
        id: String,
        computer: String,
        key_id: String,
    },
}

/// What an enrolment made: the computer in its group, and its new key
/// (the only time its secret exists).
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub token: EnrolmentToken,
    pub computer: Computer,
    /// The computer before, when the name was already registered.
    pub before: Option<Computer>,
    pub key: NewApiKey,
    /// The key the computer was bound to and that this enrolment revoked.
    pub replaced_key: Option<String>,
}

/// Enrolment tokens and enrolling with them.
#[async_trait::async_trait]
pub trait EnrolmentStore: Send + Sync {
    /// `NotFound` if the group does not exist; `Invalid` for a bad id or
    /// label, or a limit below 1.
    async fn create_enrolment_token(
        &self,
        t: &NewEnrolmentToken,
        actor: &Actor,
        now: Millis,
    ) -> Result<EnrolmentToken>;
    /// The group's tokens, newest first, revoked and expired ones too.
    async fn list_enrolment_tokens(&self, group: &str) -> Result<Vec<EnrolmentToken>>;
    /// `NotFound` unless the group has a token `id` not revoked yet.
    async fn revoke_enrolment_token(
        &self,
        group: &str,
        id: &str,
        actor: &Actor,
        now: Millis,
    ) -> Result<EnrolmentToken>;
    /// Enrols `computer` with the token `id` whose text hashes to `hash`
    /// (see the module's documentation), refused if `group` is given and
    /// is not the token's. The new key is a client key named
    /// `agent:<computer>`, created by the token's creator.
    async fn enrol_with_token(
        &self,
        id: &str,
        hash: &str,
        computer: &str,
        group: Option<&str>,
        now: Millis,
    ) -> Result<std::result::Result<Enrolment, EnrolRefusal>>;
}

/// Two stored forms compared in constant time.
pub(crate) fn same_hash(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Labels: at most 200 characters, no control characters.
pub(crate) fn check_label(label: &str) -> Result<()> {
    if label.chars().count() > 200 || label.chars().any(char::is_control) {
        return Err(crate::StoreError::Invalid(
            "enrolment token label: at most 200 characters, no control characters".to_owned(),
        ));
    }
    Ok(())
}

/// The SQL of [`EnrolmentStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_enrolment_store {
    ($store:ty, $db:ty, $begin:literal, $for_update:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::actor::{decode_column, encode_column};
            use $crate::computers::check_name;
            use $crate::enrolment::{
                check_label, same_hash, EnrolRefusal, Enrolment, EnrolmentStore, EnrolmentToken,
                NewEnrolmentToken,
            };
            use $crate::keys::{self, Role};
            use $crate::sql::text;
            use $crate::{Actor, Millis, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;

            fn token_from_row(r: &Row) -> Result<EnrolmentToken> {
                let created_by: String = r.try_get("created_by")?;
                let revoked_by: Option<String> = r.try_get("revoked_by")?;
                let allow: i64 = r.try_get("allow_reenrol")?;
                Ok(EnrolmentToken {
                    id: r.try_get("id")?,
                    group: r.try_get("group_name")?,
                    label: r.try_get("label")?,
                    expires_at: r.try_get("expires_at")?,
                    max_uses: r.try_get("max_uses")?,
                    uses: r.try_get("uses")?,
                    allow_reenrol: allow != 0,
                    created_at: r.try_get("created_at")?,
                    created_by: decode_column(&created_by)?,
                    last_used_at: r.try_get("last_used_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                    revoked_by: revoked_by.as_deref().map(decode_column).transpose()?,
                })
            }

            /// Why the token `id` cannot be used at `now`, read after the
            /// conditional update counted no use.
            fn refusal(row: Option<&Row>, hash: &str, now: Millis) -> Result<EnrolRefusal> {
                let Some(row) = row else {
                    return Ok(EnrolRefusal::Unknown);
                };
                let stored: String = row.try_get("hash")?;
                if !same_hash(hash, &stored) {
                    return Ok(EnrolRefusal::Unknown);
                }
                let t = token_from_row(row)?;
                Ok(if t.revoked_at.is_some() {
                    EnrolRefusal::Revoked { id: t.id }
                } else if t.expires_at <= now {
                    EnrolRefusal::Expired { id: t.id }
                } else {
                    EnrolRefusal::UsedUp {
                        id: t.id,
                        uses: t.uses,
                    }
                })
            }

            #[async_trait::async_trait]
            impl EnrolmentStore for $store {
                async fn create_enrolment_token(
                    &self,
                    t: &NewEnrolmentToken,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<EnrolmentToken> {
                    check_label(&t.label)?;
                    if t.id.len() != 8 || !t.id.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(StoreError::Invalid(format!(
                            "enrolment token id `{}`",
                            t.id.escape_debug()
                        )));
                    }
                    if t.max_uses.is_some_and(|m| m < 1) {
                        return Err(StoreError::Invalid(
                            "enrolment token max_uses: at least 1".to_owned(),
                        ));
                    }
                    let mut tx = self.pool.begin_with($begin).await?;
                    sqlx::query("SELECT name FROM agent_groups WHERE name = $1")
                        .bind(&t.group)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("agent group `{}`", t.group)))?;
                    sqlx::query(
                        "INSERT INTO enrolment_tokens (id, hash, label, group_name, expires_at, \
                         max_uses, allow_reenrol, created_at, created_by) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(&t.id)
                    .bind(&t.hash)
                    .bind(text(&t.label))
                    .bind(&t.group)
                    .bind(t.expires_at)
                    .bind(t.max_uses)
                    .bind(i64::from(t.allow_reenrol))
                    .bind(now)
                    .bind(encode_column(actor))
                    .execute(&mut *tx)
                    .await?;
                    let row = sqlx::query("SELECT * FROM enrolment_tokens WHERE id = $1")
                        .bind(&t.id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let token = token_from_row(&row)?;
                    tx.commit().await?;
                    Ok(token)
                }

                async fn list_enrolment_tokens(&self, group: &str) -> Result<Vec<EnrolmentToken>> {
                    let rows = sqlx::query(
                        "SELECT * FROM enrolment_tokens WHERE group_name = $1 \
                         ORDER BY created_at DESC, id",
                    )
                    .bind(group)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(token_from_row).collect()
                }

                async fn revoke_enrolment_token(
                    &self,
                    group: &str,
                    id: &str,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<EnrolmentToken> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let r = sqlx::query(
                        "UPDATE enrolment_tokens SET revoked_at = $1, revoked_by = $2 \
                         WHERE id = $3 AND group_name = $4 AND revoked_at IS NULL",
                    )
                    .bind(now)
                    .bind(encode_column(actor))
                    .bind(id)
                    .bind(group)
                    .execute(&mut *tx)
                    .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!(
                            "live enrolment token `{id}` of agent group `{group}`"
                        )));
                    }
                    let row = sqlx::query("SELECT * FROM enrolment_tokens WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let token = token_from_row(&row)?;
                    tx.commit().await?;
                    Ok(token)
                }

                async fn enrol_with_token(
                    &self,
                    id: &str,
                    hash: &str,
                    computer: &str,
                    group: Option<&str>,
                    now: Millis,
                ) -> Result<std::result::Result<Enrolment, EnrolRefusal>> {
                    check_name("computer", computer)?;
                    let mut tx = self.pool.begin_with($begin).await?;
                    // The gate: one conditional statement counts the use.
                    // (PostgreSQL holds the row until commit, so concurrent
                    // uses of one token queue here.)
                    let counted = sqlx::query(
                        "UPDATE enrolment_tokens SET uses = uses + 1, last_used_at = $1 \
                         WHERE id = $2 AND hash = $3 AND revoked_at IS NULL AND expires_at > $1 \
                         AND (max_uses IS NULL OR uses < max_uses)",
                    )
                    .bind(now)
                    .bind(id)
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
                    let row = sqlx::query("SELECT * FROM enrolment_tokens WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if counted.rows_affected() == 0 {
                        return Ok(Err(refusal(row.as_ref(), hash, now)?));
                    }
                    let Some(row) = row else {
                        return Ok(Err(EnrolRefusal::Unknown));
                    };
                    let token = token_from_row(&row)?;
                    if let Some(asked) = group
                        && asked != token.group
                    {
                        return Ok(Err(EnrolRefusal::OtherGroup {
                            id: token.id,
                            group: token.group,
                            asked: asked.to_owned(),
                        }));
                    }
                    let existing = sqlx::query(&format!(
                        "SELECT c.name, k.id AS live_key FROM computers c \
                         LEFT JOIN api_keys k ON k.id = c.key_id AND k.revoked_at IS NULL \
                         WHERE c.name = $1{}",
                        $for_update
                    ))
                    .bind(computer)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let live_key: Option<String> = match &existing {
                        Some(r) => r.try_get("live_key")?,
                        None => None,
                    };
                    if let Some(key_id) = &live_key
                        && !token.allow_reenrol
                    {
                        // Dropping the transaction rolls the use back.
                        return Ok(Err(EnrolRefusal::Bound {
                            id: token.id,
                            computer: computer.to_owned(),
                            key_id: key_id.clone(),
                        }));
                    }
                    let before = match existing {
                        Some(_) => {
                            let r = sqlx::query("SELECT * FROM computers WHERE name = $1")
                                .bind(computer)
                                .fetch_one(&mut *tx)
                                .await?;
                            Some(computer_row(&r)?)
                        }
                        None => None,
                    };
                    let (key_id, full) = keys::generate();
                    let key_name = format!("agent:{computer}");
                    sqlx::query(
                        "INSERT INTO api_keys (id, hash, name, role, created_at, created_by) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&key_id)
                    .bind(keys::hash(&full))
                    .bind(&key_name)
                    .bind(Role::Client.as_str())
                    .bind(now)
                    .bind(encode_column(&token.created_by))
                    .execute(&mut *tx)
                    .await?;
                    let new_actor = Actor::key(&key_id, &key_name);
                    if let Some(old) = &live_key {
                        sqlx::query(
                            "UPDATE api_keys SET revoked_at = $1, revoked_by = $2 \
                             WHERE id = $3 AND revoked_at IS NULL",
                        )
                        .bind(now)
                        .bind(encode_column(&new_actor))
                        .bind(old)
                        .execute(&mut *tx)
                        .await?;
                        // Free the binding before the new one takes it.
                        sqlx::query("UPDATE computers SET key_id = NULL WHERE name = $1")
                            .bind(computer)
                            .execute(&mut *tx)
                            .await?;
                    }
                    if before.is_some() {
                        // The row is held (PostgreSQL `FOR UPDATE` above;
                        // SQLite's write lock), so nobody bound it since.
                        sqlx::query(
                            "UPDATE computers SET group_name = $1, key_id = $2, \
                             updated_at = $3, updated_by = $4 WHERE name = $5",
                        )
                        .bind(&token.group)
                        .bind(&key_id)
                        .bind(now)
                        .bind(encode_column(&new_actor))
                        .bind(computer)
                        .execute(&mut *tx)
                        .await?;
                    } else {
                        // A new name: two machines racing for it must not
                        // both get it. The loser's insert does nothing (it
                        // waits for the winner's commit), and it is refused
                        // like any bound name; its use and key roll back.
                        let inserted = sqlx::query(
                            "INSERT INTO computers \
                             (name, group_name, office, key_id, created_at, updated_at, updated_by) \
                             VALUES ($1, $2, NULL, $3, $4, $4, $5) ON CONFLICT (name) DO NOTHING",
                        )
                        .bind(computer)
                        .bind(&token.group)
                        .bind(&key_id)
                        .bind(now)
                        .bind(encode_column(&new_actor))
                        .execute(&mut *tx)
                        .await?;
                        if inserted.rows_affected() == 0 {
                            let holder: Option<String> =
                                sqlx::query("SELECT key_id FROM computers WHERE name = $1")
                                    .bind(computer)
                                    .fetch_optional(&mut *tx)
                                    .await?
                                    .map(|r| r.try_get("key_id"))
                                    .transpose()?
                                    .flatten();
                            return Ok(Err(EnrolRefusal::Bound {
                                id: token.id,
                                computer: computer.to_owned(),
                                key_id: holder.unwrap_or_default(),
                            }));
                        }
                    }
                    let r = sqlx::query("SELECT * FROM computers WHERE name = $1")
                        .bind(computer)
                        .fetch_one(&mut *tx)
                        .await?;
                    let after = computer_row(&r)?;
                    tx.commit().await?;
                    let key = keys::new_api_key(
                        key_id,
                        full,
                        &key_name,
                        Role::Client,
                        None,
                        &token.created_by,
                        now,
                    );
                    Ok(Ok(Enrolment {
                        token,
                        computer: after,
                        before,
                        key,
                        replaced_key: live_key,
                    }))
                }
            }

            /// A computer row, read through the computer store's own reader
            /// (one decoding of its columns).
            fn computer_row(r: &Row) -> Result<$crate::Computer> {
                <$store>::computer_from_row(r)
            }
        };
    };
}
pub(crate) use impl_enrolment_store;
