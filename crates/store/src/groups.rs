//! Agent groups: a named set of endpoint agents and the policy version
//! assigned to it.

use serde::{Deserialize, Serialize};

use crate::{Actor, Millis, Result};

/// A named group of agents and the policy version assigned to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentGroup {
    pub name: String,
    pub description: String,
    pub policy_id: String,
    pub policy_version: i64,
    pub updated_at: Millis,
    /// Who made the group what it is.
    pub updated_by: Actor,
    /// Who created the group: its owner when permissions are checked.
    /// Stored when the group is created; an update keeps it (the value
    /// given to an update is not used).
    pub created_by: Actor,
}

/// Agent groups.
#[async_trait::async_trait]
pub trait GroupStore: Send + Sync {
    /// Creates or replaces a group (replacing keeps `created_by`).
    /// `NotFound` if its policy version doesn't exist.
    async fn upsert_agent_group(&self, group: &AgentGroup) -> Result<AgentGroup>;
    async fn get_agent_group(&self, name: &str) -> Result<AgentGroup>;
    async fn list_agent_groups(&self) -> Result<Vec<AgentGroup>>;
    /// Deletes a group; its computers stay, in no group. The store keeps
    /// no row to hold `actor`; it is logged until the audit log exists.
    async fn delete_agent_group(&self, name: &str, actor: &Actor) -> Result<()>;
}

/// The SQL of [`GroupStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_group_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::groups::{AgentGroup, GroupStore};
            use $crate::actor::{decode_column, encode_column};
            use $crate::{Actor, PolicyStore as _, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;

            fn group_from_row(r: &Row) -> Result<AgentGroup> {
                let updated_by: String = r.try_get("updated_by")?;
                let created_by: String = r.try_get("created_by")?;
                Ok(AgentGroup {
                    name: r.try_get("name")?,
                    description: r.try_get("description")?,
                    policy_id: r.try_get("policy_id")?,
                    policy_version: r.try_get("policy_version")?,
                    updated_at: r.try_get("updated_at")?,
                    updated_by: decode_column(&updated_by)?,
                    created_by: decode_column(&created_by)?,
                })
            }

            #[async_trait::async_trait]
            impl GroupStore for $store {
                async fn upsert_agent_group(&self, g: &AgentGroup) -> Result<AgentGroup> {
                    self.get_policy_version(&g.policy_id, g.policy_version)
                        .await?;
                    sqlx::query(
                        "INSERT INTO agent_groups \
                         (name, description, policy_id, policy_version, updated_at, updated_by, \
                         created_by) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO UPDATE SET \
                         description = excluded.description, policy_id = excluded.policy_id, \
                         policy_version = excluded.policy_version, \
                         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                    )
                    .bind(&g.name)
                    .bind(&g.description)
                    .bind(&g.policy_id)
                    .bind(g.policy_version)
                    .bind(g.updated_at)
                    .bind(encode_column(&g.updated_by))
                    .bind(encode_column(&g.created_by))
                    .execute(&self.pool)
                    .await?;
                    self.get_agent_group(&g.name).await
                }

                async fn get_agent_group(&self, name: &str) -> Result<AgentGroup> {
                    let row = sqlx::query("SELECT * FROM agent_groups WHERE name = $1")
                        .bind(name)
                        .fetch_optional(&self.pool)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("agent group `{name}`")))?;
                    group_from_row(&row)
                }

                async fn list_agent_groups(&self) -> Result<Vec<AgentGroup>> {
                    let rows = sqlx::query("SELECT * FROM agent_groups ORDER BY name")
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(group_from_row).collect()
                }

                async fn delete_agent_group(&self, name: &str, actor: &Actor) -> Result<()> {
                    let r = sqlx::query("DELETE FROM agent_groups WHERE name = $1")
                        .bind(name)
                        .execute(&self.pool)
                        .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("agent group `{name}`")));
                    }
                    tracing::info!(group = name, %actor, "agent group deleted");
                    Ok(())
                }
            }
        };
    };
}
pub(crate) use impl_group_store;
