//! Roles: a level per module ([`cordon_access::Role`]), stored with who
//! changed them and how many accounts hold them.
//!
//! The four predefined roles are written when the store opens, after the
//! migrations, from [`Role::predefined`]: inserted if missing, refreshed
//! if the code defines them differently, untouched otherwise. The code
//! is their one source of truth, and servers opening together write the
//! same rows (an upsert each, safe to race). They cannot be changed or
//! deleted through the store; user-defined roles can, but a role is not
//! deleted while any account holds it.

use cordon_access::{Levels, Role};
use serde::{Deserialize, Serialize};

use crate::{Actor, Millis, Result, StoreError};

/// A role as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRole {
    pub role: Role,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub updated_by: Actor,
    /// Accounts holding it.
    pub holders: i64,
}

/// Roles.
#[async_trait::async_trait]
pub trait RoleStore: Send + Sync {
    /// The predefined roles first, then the others by name.
    async fn list_roles(&self) -> Result<Vec<StoredRole>>;
    async fn get_role(&self, id: &str) -> Result<StoredRole>;
    /// Creates a user-defined role. `Invalid` if its definition is
    /// refused ([`Role::validate_custom`]); `Conflict` if its id or its
    /// name (ignoring case) is taken.
    async fn create_role(&self, role: &Role, actor: &Actor, now: Millis) -> Result<StoredRole>;
    /// Replaces a user-defined role's name, description and levels.
    /// `Invalid` for a predefined role.
    async fn update_role(&self, role: &Role, actor: &Actor, now: Millis) -> Result<StoredRole>;
    /// `Invalid` for a predefined role and for a role any account holds
    /// (the message says how many and names up to five).
    async fn delete_role(&self, id: &str, actor: &Actor) -> Result<()>;
}

/// The key role names are unique by.
pub(crate) fn name_key(name: &str) -> String {
    name.to_lowercase()
}

pub(crate) fn levels_json(levels: &Levels) -> Result<String> {
    serde_json::to_string(levels).map_err(|e| StoreError::Invalid(format!("role levels: {e}")))
}

pub(crate) fn levels_from_json(s: &str) -> Result<Levels> {
    serde_json::from_str(s)
        .map_err(|e| StoreError::Invalid(format!("stored role levels `{s}`: {e}")))
}

/// A user-defined role's definition, checked.
pub(crate) fn check_custom(role: &Role) -> Result<()> {
    role.validate_custom()
        .map_err(|e| StoreError::Invalid(format!("role: {e}")))
}

/// "`Auditors` is held by 7 accounts (a, b, c, d, e and 2 more)".
pub(crate) fn held_by(role: &str, count: i64, names: &[String]) -> String {
    let mut list = names.join(", ");
    let more = count - i64::try_from(names.len()).unwrap_or(count);
    if more > 0 {
        list.push_str(&format!(" and {more} more"));
    }
    let accounts = if count == 1 { "account" } else { "accounts" };
    format!(
        "role deletion: `{role}` is held by {count} {accounts} ({list}); \
         give them another role first"
    )
}

const ROLE_COLS: &str = "r.id, r.name, r.description, r.predefined, r.admin, r.levels, \
    r.created_at, r.updated_at, r.updated_by, \
    (SELECT COUNT(*) FROM users u WHERE u.role_id = r.id) AS holders";

pub(crate) fn select_roles(tail: &str) -> String {
    format!("SELECT {ROLE_COLS} FROM roles r {tail}")
}

/// The SQL of [`RoleStore`], for one backend (see `crate::sqlite`). Also
/// gives the backend `seed_predefined_roles`, which its opener calls.
macro_rules! impl_role_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use cordon_access::Role;
            use $crate::actor::{decode_column, encode_column};
            use $crate::roles::{
                check_custom, held_by, levels_from_json, levels_json, name_key, select_roles,
                RoleStore, StoredRole,
            };
            use $crate::{Actor, Millis, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;
            type Conn = <$db as sqlx::Database>::Connection;

            fn role_from_row(r: &Row) -> Result<StoredRole> {
                let levels: String = r.try_get("levels")?;
                let updated_by: String = r.try_get("updated_by")?;
                Ok(StoredRole {
                    role: Role {
                        id: r.try_get("id")?,
                        name: r.try_get("name")?,
                        description: r.try_get("description")?,
                        predefined: r.try_get::<i64, _>("predefined")? != 0,
                        admin: r.try_get::<i64, _>("admin")? != 0,
                        levels: levels_from_json(&levels)?,
                    },
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    updated_by: decode_column(&updated_by)?,
                    holders: r.try_get("holders")?,
                })
            }

            async fn fetch_role(conn: &mut Conn, id: &str) -> Result<StoredRole> {
                let row = sqlx::query(&select_roles("WHERE r.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("role `{id}`")))?;
                role_from_row(&row)
            }

            /// `Conflict` if another role than `id` has `name` (ignoring case).
            async fn name_free(conn: &mut Conn, id: &str, name: &str) -> Result<()> {
                let row = sqlx::query("SELECT name FROM roles WHERE name_key = $1 AND id <> $2")
                    .bind(name_key(name))
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
                match row {
                    Some(r) => {
                        let taken: String = r.try_get("name")?;
                        Err(StoreError::Conflict(if taken == name {
                            format!("role name `{name}`")
                        } else {
                            format!("role name `{name}` (as `{taken}`)")
                        }))
                    }
                    None => Ok(()),
                }
            }

            impl $store {
                /// Writes the predefined roles as the code defines them:
                /// inserted when missing, refreshed when they differ
                /// (then `updated_at` moves), untouched otherwise.
                pub(crate) async fn seed_predefined_roles(&self, now: Millis) -> Result<()> {
                    for role in Role::predefined() {
                        sqlx::query(
                            "INSERT INTO roles (id, name, name_key, description, predefined, \
                             admin, levels, created_at, updated_at, updated_by) \
                             VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $7, 'system') \
                             ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                             name_key = excluded.name_key, description = excluded.description, \
                             predefined = 1, admin = excluded.admin, levels = excluded.levels, \
                             updated_at = excluded.updated_at, updated_by = excluded.updated_by \
                             WHERE roles.name <> excluded.name \
                             OR roles.name_key <> excluded.name_key \
                             OR roles.description <> excluded.description \
                             OR roles.predefined <> 1 OR roles.admin <> excluded.admin \
                             OR roles.levels <> excluded.levels",
                        )
                        .bind(&role.id)
                        .bind(&role.name)
                        .bind(name_key(&role.name))
                        .bind(&role.description)
                        .bind(i64::from(role.admin))
                        .bind(levels_json(&role.levels)?)
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                    }
                    Ok(())
                }
            }

            #[async_trait::async_trait]
            impl RoleStore for $store {
                async fn list_roles(&self) -> Result<Vec<StoredRole>> {
                    let rows = sqlx::query(&select_roles(""))
                        .fetch_all(&self.pool)
                        .await?;
                    let mut all = rows.iter().map(role_from_row).collect::<Result<Vec<_>>>()?;
                    // Sorted here: PostgreSQL orders text by its locale.
                    all.sort_by_cached_key(|r| {
                        (!r.role.predefined, name_key(&r.role.name), r.role.id.clone())
                    });
                    Ok(all)
                }

                async fn get_role(&self, id: &str) -> Result<StoredRole> {
                    let mut conn = self.pool.acquire().await?;
                    fetch_role(&mut conn, id).await
                }

                async fn create_role(
                    &self,
                    role: &Role,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<StoredRole> {
                    check_custom(role)?;
                    let mut tx = self.pool.begin_with($begin).await?;
                    if sqlx::query("SELECT id FROM roles WHERE id = $1")
                        .bind(&role.id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .is_some()
                    {
                        return Err(StoreError::Conflict(format!("role `{}`", role.id)));
                    }
                    name_free(&mut tx, &role.id, &role.name).await?;
                    let inserted = sqlx::query(
                        "INSERT INTO roles (id, name, name_key, description, predefined, admin, \
                         levels, created_at, updated_at, updated_by) \
                         VALUES ($1, $2, $3, $4, 0, 0, $5, $6, $6, $7) ON CONFLICT DO NOTHING",
                    )
                    .bind(&role.id)
                    .bind(&role.name)
                    .bind(name_key(&role.name))
                    .bind(&role.description)
                    .bind(levels_json(&role.levels)?)
                    .bind(now)
                    .bind(encode_column(actor))
                    .execute(&mut *tx)
                    .await?;
                    if inserted.rows_affected() == 0 {
                        // Created meanwhile by another server.
                        name_free(&mut tx, &role.id, &role.name).await?;
                        return Err(StoreError::Conflict(format!("role `{}`", role.id)));
                    }
                    let stored = fetch_role(&mut tx, &role.id).await?;
                    tx.commit().await?;
                    Ok(stored)
                }

                async fn update_role(
                    &self,
                    role: &Role,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<StoredRole> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let cur = fetch_role(&mut tx, &role.id).await?;
                    if cur.role.predefined {
                        return Err(StoreError::Invalid(format!(
                            "role change: `{}` is predefined and cannot be changed",
                            cur.role.name
                        )));
                    }
                    check_custom(role)?;
                    name_free(&mut tx, &role.id, &role.name).await?;
                    sqlx::query(
                        "UPDATE roles SET name = $2, name_key = $3, description = $4, \
                         levels = $5, updated_at = $6, updated_by = $7 WHERE id = $1",
                    )
                    .bind(&role.id)
                    .bind(&role.name)
                    .bind(name_key(&role.name))
                    .bind(&role.description)
                    .bind(levels_json(&role.levels)?)
                    .bind(now)
                    .bind(encode_column(actor))
                    .execute(&mut *tx)
                    .await?;
                    let stored = fetch_role(&mut tx, &role.id).await?;
                    tx.commit().await?;
                    Ok(stored)
                }

                async fn delete_role(&self, id: &str, actor: &Actor) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let cur = fetch_role(&mut tx, id).await?;
                    if cur.role.predefined {
                        return Err(StoreError::Invalid(format!(
                            "role deletion: `{}` is predefined and cannot be deleted",
                            cur.role.name
                        )));
                    }
                    if cur.holders > 0 {
                        let rows = sqlx::query(
                            "SELECT username FROM users WHERE role_id = $1 \
                             ORDER BY username_key LIMIT 5",
                        )
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                        let names = rows
                            .iter()
                            .map(|r| r.try_get::<String, _>("username"))
                            .collect::<Result<Vec<_>, _>>()?;
                        return Err(StoreError::Invalid(held_by(
                            &cur.role.name,
                            cur.holders,
                            &names,
                        )));
                    }
                    // An account given this role meanwhile makes the
                    // foreign key refuse the deletion.
                    sqlx::query("DELETE FROM roles WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    tracing::info!(role = id, %actor, "role deleted");
                    Ok(())
                }
            }
        };
    };
}
pub(crate) use impl_role_store;

#[cfg(test)]
mod tests {
    use super::held_by;

    #[test]
    fn deletion_names_up_to_five_holders() {
        let names = |n: usize| (0..n).map(|i| format!("u{i}")).collect::<Vec<_>>();
        assert_eq!(
            held_by("Auditors", 1, &names(1)),
            "role deletion: `Auditors` is held by 1 account (u0); give them another role first"
        );
        assert_eq!(
            held_by("Auditors", 7, &names(5)),
            "role deletion: `Auditors` is held by 7 accounts (u0, u1, u2, u3, u4 and 2 more); \
             give them another role first"
        );
    }
}
