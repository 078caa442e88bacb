//! Policies: immutable versions, activation with its history (rollback
//! goes back one activation), and the generation counter every activation
//! bumps so that servers sharing a database notice changes by polling one
//! row.

use serde::{Deserialize, Serialize};

use crate::{Actor, Millis, Result};

/// A policy and where its versions stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub latest_version: i64,
    pub active_version: Option<i64>,
    /// Who created it (its first version): its owner when permissions are
    /// checked.
    pub created_by: Actor,
    /// The agent groups assigned one of its versions now, by name: what it
    /// targets when permissions are checked.
    pub groups: Vec<String>,
}

/// One immutable version of a policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub policy_id: String,
    pub version: i64,
    /// `yaml` or `json`.
    pub format: String,
    pub body: String,
    pub comment: String,
    pub created_at: Millis,
    pub created_by: Actor,
}

/// A policy version to store.
#[derive(Debug, Clone)]
pub struct NewPolicyVersion {
    pub policy_id: String,
    pub name: String,
    pub format: String,
    pub body: String,
    pub comment: String,
    pub actor: Actor,
}

/// An activation step, for audit and rollback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    pub policy_id: String,
    /// `None` when the policy was deactivated.
    pub version: Option<i64>,
    pub at: Millis,
    pub actor: Actor,
}

/// Policies, their versions and activations.
#[async_trait::async_trait]
pub trait PolicyStore: Send + Sync {
    /// Creates policy `id` with version 1. `Conflict` if it exists.
    async fn create_policy(&self, new: &NewPolicyVersion, now: Millis) -> Result<PolicyVersion>;
    /// Adds the next version of an existing policy. `NotFound` if it doesn't exist.
    async fn add_policy_version(
        &self,
        new: &NewPolicyVersion,
        now: Millis,
    ) -> Result<PolicyVersion>;
    async fn list_policies(&self) -> Result<Vec<Policy>>;
    async fn get_policy(&self, id: &str) -> Result<Policy>;
    async fn list_policy_versions(&self, id: &str) -> Result<Vec<PolicyVersion>>;
    async fn get_policy_version(&self, id: &str, version: i64) -> Result<PolicyVersion>;
    /// Makes `version` the active one (or deactivates with `None`) and
    /// bumps the policy generation.
    async fn activate_policy(
        &self,
        id: &str,
        version: Option<i64>,
        actor: &Actor,
        now: Millis,
    ) -> Result<Policy>;
    /// Goes back to the version that was active before the current
    /// activation. `Invalid` if there is nothing to go back to.
    async fn rollback_policy(&self, id: &str, actor: &Actor, now: Millis) -> Result<Policy>;
    async fn list_activations(&self, id: &str) -> Result<Vec<Activation>>;
    /// The active version of every active policy.
    async fn active_policy_versions(&self) -> Result<Vec<PolicyVersion>>;
    /// A counter bumped by every activation: servers poll it.
    async fn policy_generation(&self) -> Result<i64>;
}

/// Replays the activation log (oldest first) as a stack: `activate` pushes,
/// `rollback` pops. Returns the version a rollback would go back to.
pub(crate) fn rollback_target(log: &[(Option<i64>, String)]) -> Option<Option<i64>> {
    let mut stack: Vec<Option<i64>> = Vec::new();
    for (version, kind) in log {
        if kind == "rollback" {
            stack.pop();
        } else {
            stack.push(*version);
        }
    }
    // The current state is the top; we go back to the one below it.
    let below = stack.len().checked_sub(2)?;
    stack.get(below).copied()
}

/// The SQL of [`PolicyStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_policy_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::policies::{
                rollback_target, Activation, NewPolicyVersion, Policy, PolicyStore, PolicyVersion,
            };
            use $crate::actor::{decode_column, encode_column};
            use $crate::{Actor, Millis, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;
            type Pool = sqlx::Pool<$db>;
            type Conn = <$db as sqlx::Database>::Connection;

            /// A policy's creator is the author of its first version (which
            /// is written with the policy, so there always is one).
            const POLICY_SELECT: &str = "SELECT p.id, p.name, p.created_at, p.updated_at, \
                p.latest_version, p.active_version, \
                (SELECT v.created_by FROM policy_versions v \
                 WHERE v.policy_id = p.id AND v.version = 1) AS created_by \
                FROM policies p";

            fn policy_from_row(r: &Row, groups: Vec<String>) -> Result<Policy> {
                let created_by: Option<String> = r.try_get("created_by")?;
                Ok(Policy {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    latest_version: r.try_get("latest_version")?,
                    active_version: r.try_get("active_version")?,
                    created_by: created_by
                        .as_deref()
                        .map_or(Ok(Actor::System), decode_column)?,
                    groups,
                })
            }

            /// Policy `id`, or every policy by id, with the groups assigned
            /// to each: two queries on `conn` (inside the caller's
            /// transaction, if it has one).
            async fn load_policies(conn: &mut Conn, id: Option<&str>) -> Result<Vec<Policy>> {
                let (rows, assigned) = match id {
                    Some(id) => (
                        sqlx::query(&format!("{POLICY_SELECT} WHERE p.id = $1"))
                            .bind(id)
                            .fetch_all(&mut *conn)
                            .await?,
                        sqlx::query(
                            "SELECT policy_id, name FROM agent_groups \
                             WHERE policy_id = $1 ORDER BY name",
                        )
                        .bind(id)
                        .fetch_all(&mut *conn)
                        .await?,
                    ),
                    None => (
                        sqlx::query(&format!("{POLICY_SELECT} ORDER BY p.id"))
                            .fetch_all(&mut *conn)
                            .await?,
                        sqlx::query("SELECT policy_id, name FROM agent_groups ORDER BY name")
                            .fetch_all(&mut *conn)
                            .await?,
                    ),
                };
                let mut groups: std::collections::HashMap<String, Vec<String>> =
                    std::collections::HashMap::new();
                for r in &assigned {
                    groups
                        .entry(r.try_get("policy_id")?)
                        .or_default()
                        .push(r.try_get("name")?);
                }
                rows.iter()
                    .map(|r| {
                        let id: String = r.try_get("id")?;
                        policy_from_row(r, groups.remove(&id).unwrap_or_default())
                    })
                    .collect()
            }

            async fn load_policy(conn: &mut Conn, id: &str) -> Result<Policy> {
                load_policies(conn, Some(id))
                    .await?
                    .pop()
                    .ok_or_else(|| StoreError::NotFound(format!("policy `{id}`")))
            }

            fn version_from_row(r: &Row) -> Result<PolicyVersion> {
                let created_by: String = r.try_get("created_by")?;
                Ok(PolicyVersion {
                    policy_id: r.try_get("policy_id")?,
                    version: r.try_get("version")?,
                    format: r.try_get("format")?,
                    body: r.try_get("body")?,
                    comment: r.try_get("comment")?,
                    created_at: r.try_get("created_at")?,
                    created_by: decode_column(&created_by)?,
                })
            }

            async fn activate_in(
                pool: &Pool,
                id: &str,
                version: Option<i64>,
                kind: &str,
                actor: &Actor,
                now: Millis,
            ) -> Result<Policy> {
                let mut tx = pool.begin_with($begin).await?;
                let row = sqlx::query("SELECT latest_version FROM policies WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("policy `{id}`")))?;
                let latest: i64 = row.try_get("latest_version")?;
                if let Some(v) = version
                    && (v < 1 || v > latest)
                {
                    return Err(StoreError::NotFound(format!("version {v} of policy `{id}`")));
                }
                sqlx::query(
                    "UPDATE policies SET active_version = $1, updated_at = $2 WHERE id = $3",
                )
                .bind(version)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO policy_activations (policy_id, version, kind, at, actor) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(version)
                .bind(kind)
                .bind(now)
                .bind(encode_column(actor))
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE state SET value = value + 1 WHERE key = 'policy_generation'")
                    .execute(&mut *tx)
                    .await?;
                let p = load_policy(&mut tx, id).await?;
                tx.commit().await?;
                Ok(p)
            }

            async fn insert_version(
                pool: &Pool,
                new: &NewPolicyVersion,
                now: Millis,
                create: bool,
            ) -> Result<PolicyVersion> {
                let mut tx = pool.begin_with($begin).await?;
                let existing = sqlx::query("SELECT latest_version FROM policies WHERE id = $1")
                    .bind(&new.policy_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let version = match (existing, create) {
                    (Some(_), true) => {
                        return Err(StoreError::Conflict(format!("policy `{}`", new.policy_id)));
                    }
                    (None, false) => {
                        return Err(StoreError::NotFound(format!("policy `{}`", new.policy_id)));
                    }
                    (None, true) => {
                        let r = sqlx::query(
                            "INSERT INTO policies (id, name, created_at, updated_at, latest_version) \
                             VALUES ($1, $2, $3, $3, 1) ON CONFLICT (id) DO NOTHING",
                        )
                        .bind(&new.policy_id)
                        .bind(&new.name)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        if r.rows_affected() == 0 {
                            return Err(StoreError::Conflict(format!(
                                "policy `{}`",
                                new.policy_id
                            )));
                        }
                        1
                    }
                    (Some(row), false) => {
                        let latest: i64 = row.try_get("latest_version")?;
                        let next = latest + 1;
                        // Guarded by the old value so two concurrent updates
                        // cannot both claim the same version number.
                        let r = sqlx::query(
                            "UPDATE policies SET latest_version = $1, name = $2, updated_at = $3 \
                             WHERE id = $4 AND latest_version = $5",
                        )
                        .bind(next)
                        .bind(&new.name)
                        .bind(now)
                        .bind(&new.policy_id)
                        .bind(latest)
                        .execute(&mut *tx)
                        .await?;
                        if r.rows_affected() == 0 {
                            return Err(StoreError::Conflict(format!(
                                "version {next} of policy `{}`",
                                new.policy_id
                            )));
                        }
                        next
                    }
                };
                sqlx::query(
                    "INSERT INTO policy_versions \
                     (policy_id, version, format, body, comment, created_at, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&new.policy_id)
                .bind(version)
                .bind(&new.format)
                .bind(&new.body)
                .bind(&new.comment)
                .bind(now)
                .bind(encode_column(&new.actor))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(PolicyVersion {
                    policy_id: new.policy_id.clone(),
                    version,
                    format: new.format.clone(),
                    body: new.body.clone(),
                    comment: new.comment.clone(),
                    created_at: now,
                    created_by: new.actor.clone(),
                })
            }

            #[async_trait::async_trait]
            impl PolicyStore for $store {
                async fn create_policy(
                    &self,
                    new: &NewPolicyVersion,
                    now: Millis,
                ) -> Result<PolicyVersion> {
                    insert_version(&self.pool, new, now, true).await
                }

                async fn add_policy_version(
                    &self,
                    new: &NewPolicyVersion,
                    now: Millis,
                ) -> Result<PolicyVersion> {
                    insert_version(&self.pool, new, now, false).await
                }

                async fn list_policies(&self) -> Result<Vec<Policy>> {
                    let mut conn = self.pool.acquire().await?;
                    load_policies(&mut conn, None).await
                }

                async fn get_policy(&self, id: &str) -> Result<Policy> {
                    let mut conn = self.pool.acquire().await?;
                    load_policy(&mut conn, id).await
                }

                async fn list_policy_versions(&self, id: &str) -> Result<Vec<PolicyVersion>> {
                    self.get_policy(id).await?;
                    let rows = sqlx::query(
                        "SELECT * FROM policy_versions WHERE policy_id = $1 ORDER BY version",
                    )
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(version_from_row).collect()
                }

                async fn get_policy_version(
                    &self,
                    id: &str,
                    version: i64,
                ) -> Result<PolicyVersion> {
                    let row = sqlx::query(
                        "SELECT * FROM policy_versions WHERE policy_id = $1 AND version = $2",
                    )
                    .bind(id)
                    .bind(version)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| {
                        StoreError::NotFound(format!("version {version} of policy `{id}`"))
                    })?;
                    version_from_row(&row)
                }

                async fn activate_policy(
                    &self,
                    id: &str,
                    version: Option<i64>,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<Policy> {
                    activate_in(&self.pool, id, version, "activate", actor, now).await
                }

                async fn rollback_policy(
                    &self,
                    id: &str,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<Policy> {
                    let rows = sqlx::query(
                        "SELECT version, kind FROM policy_activations \
                         WHERE policy_id = $1 ORDER BY id",
                    )
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?;
                    if rows.is_empty() {
                        self.get_policy(id).await?;
                    }
                    let mut log = Vec::with_capacity(rows.len());
                    for r in &rows {
                        log.push((
                            r.try_get::<Option<i64>, _>("version")?,
                            r.try_get::<String, _>("kind")?,
                        ));
                    }
                    let target = rollback_target(&log).ok_or_else(|| {
                        StoreError::Invalid(format!(
                            "rollback: policy `{id}` has no earlier activation"
                        ))
                    })?;
                    activate_in(&self.pool, id, target, "rollback", actor, now).await
                }

                async fn list_activations(&self, id: &str) -> Result<Vec<Activation>> {
                    let rows = sqlx::query(
                        "SELECT policy_id, version, at, actor FROM policy_activations \
                         WHERE policy_id = $1 ORDER BY id",
                    )
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            let actor: String = r.try_get("actor")?;
                            Ok(Activation {
                                policy_id: r.try_get("policy_id")?,
                                version: r.try_get("version")?,
                                at: r.try_get("at")?,
                                actor: decode_column(&actor)?,
                            })
                        })
                        .collect()
                }

                async fn active_policy_versions(&self) -> Result<Vec<PolicyVersion>> {
                    let rows = sqlx::query(
                        "SELECT v.* FROM policy_versions v JOIN policies p \
                         ON p.id = v.policy_id AND p.active_version = v.version \
                         ORDER BY v.policy_id",
                    )
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(version_from_row).collect()
                }

                async fn policy_generation(&self) -> Result<i64> {
                    let r = sqlx::query("SELECT value FROM state WHERE key = 'policy_generation'")
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(r.try_get("value")?)
                }
            }
        };
    };
}
pub(crate) use impl_policy_store;

#[cfg(test)]
mod tests {
    use super::rollback_target;

    #[test]
    fn rollback_replays_activations_as_a_stack() {
        let a = |v: i64| (Some(v), "activate".to_owned());
        let rb = |v: Option<i64>| (v, "rollback".to_owned());
        assert_eq!(rollback_target(&[a(1)]), None);
        assert_eq!(rollback_target(&[a(1), a(2)]), Some(Some(1)));
        // After rolling back to 1, another rollback has nothing left.
        assert_eq!(rollback_target(&[a(1), a(2), rb(Some(1))]), None);
        assert_eq!(
            rollback_target(&[a(1), a(2), a(3), rb(Some(2))]),
            Some(Some(1))
        );
        assert_eq!(
            rollback_target(&[a(1), (None, "activate".to_owned())]),
            Some(Some(1))
        );
    }
}
