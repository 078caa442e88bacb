//! Exceptions: business justifications for `exception` decisions, each
//! opening a window for one flow (sender, recipient, category) until it
//! expires, and noted in its incident's history.

use serde::{Deserialize, Serialize};

use crate::{Actor, Millis, Result};

/// A business justification for an `exception` decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewJustification {
    pub created_at: Millis,
    pub expires_at: Millis,
    pub incident_id: Option<i64>,
    pub request_id: String,
    pub username: String,
    pub sender: String,
    pub recipient: String,
    pub category: String,
    pub justification: String,
    pub submitted_by: Actor,
}

/// A stored justification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Justification {
    pub id: i64,
    #[serde(flatten)]
    pub justification: NewJustification,
}

/// Justifications and their windows.
#[async_trait::async_trait]
pub trait ExceptionStore: Send + Sync {
    /// Stores a justification, and an entry in its incident's history.
    async fn insert_justification(&self, j: &NewJustification) -> Result<Justification>;
    /// Justifications whose window is still open at `now`.
    async fn open_justifications(&self, now: Millis) -> Result<Vec<Justification>>;
    /// The latest `limit` (1..=1000), newest first.
    async fn list_justifications(&self, limit: i64) -> Result<Vec<Justification>>;
}

/// The SQL of [`ExceptionStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_exception_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::actor::{decode_column, encode_column};
            use $crate::exceptions::{ExceptionStore, Justification, NewJustification};
            use $crate::{Millis, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;

            fn justification_from_row(r: &Row) -> Result<Justification> {
                let submitted_by: String = r.try_get("submitted_by")?;
                Ok(Justification {
                    id: r.try_get("id")?,
                    justification: NewJustification {
                        created_at: r.try_get("created_at")?,
                        expires_at: r.try_get("expires_at")?,
                        incident_id: r.try_get("incident_id")?,
                        request_id: r.try_get("request_id")?,
                        username: r.try_get("username")?,
                        sender: r.try_get("sender")?,
                        recipient: r.try_get("recipient")?,
                        category: r.try_get("category")?,
                        justification: r.try_get("justification")?,
                        submitted_by: decode_column(&submitted_by)?,
                    },
                })
            }

            #[async_trait::async_trait]
            impl ExceptionStore for $store {
                async fn insert_justification(
                    &self,
                    j: &NewJustification,
                ) -> Result<Justification> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    if let Some(iid) = j.incident_id {
                        let exists = sqlx::query("SELECT id FROM incidents WHERE id = $1")
                            .bind(iid)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if exists.is_none() {
                            return Err(StoreError::NotFound(format!("incident {iid}")));
                        }
                    }
                    let row = sqlx::query(
                        "INSERT INTO justifications (created_at, expires_at, incident_id, \
                         request_id, username, sender, recipient, category, justification, \
                         submitted_by) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                    )
                    .bind(j.created_at)
                    .bind(j.expires_at)
                    .bind(j.incident_id)
                    .bind(&j.request_id)
                    .bind(&j.username)
                    .bind(&j.sender)
                    .bind(&j.recipient)
                    .bind(&j.category)
                    .bind(&j.justification)
                    .bind(encode_column(&j.submitted_by))
                    .fetch_one(&mut *tx)
                    .await?;
                    let id: i64 = row.try_get("id")?;
                    if let Some(iid) = j.incident_id {
                        let detail = serde_json::json!({
                            "justification_id": id,
                            "justification": j.justification,
                            "expires_at": j.expires_at,
                        });
                        sqlx::query(
                            "INSERT INTO incident_history (incident_id, at, actor, kind, detail) \
                             VALUES ($1, $2, $3, 'justification', $4)",
                        )
                        .bind(iid)
                        .bind(j.created_at)
                        .bind(encode_column(&j.submitted_by))
                        .bind(detail.to_string())
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(Justification {
                        id,
                        justification: j.clone(),
                    })
                }

                async fn open_justifications(&self, now: Millis) -> Result<Vec<Justification>> {
                    let rows = sqlx::query(
                        "SELECT * FROM justifications WHERE expires_at > $1 ORDER BY id",
                    )
                    .bind(now)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(justification_from_row).collect()
                }

                async fn list_justifications(&self, limit: i64) -> Result<Vec<Justification>> {
                    let rows =
                        sqlx::query("SELECT * FROM justifications ORDER BY id DESC LIMIT $1")
                            .bind(limit.clamp(1, 1000))
                            .fetch_all(&self.pool)
                            .await?;
                    rows.iter().map(justification_from_row).collect()
                }
            }
        };
    };
}
pub(crate) use impl_exception_store;
