//! Dashboard activity: events per action and distinct users, counted in
//! memory by the server and flushed per minute bucket.

use serde::{Deserialize, Serialize};

use crate::{Millis, Result};

/// Activity counted in memory for one bucket, flushed in one call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityBatch {
    pub bucket: Millis,
    /// (action, count), each action at most once.
    pub actions: Vec<(String, i64)>,
    /// Distinct users seen in the bucket.
    pub users: Vec<String>,
}

/// A count per name (action, user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameCount {
    pub name: String,
    pub count: i64,
}

/// Dashboard counters.
#[async_trait::async_trait]
pub trait ActivityStore: Send + Sync {
    /// Adds the batches' counts to what is stored, in one transaction.
    async fn record_activity(&self, batches: &[ActivityBatch]) -> Result<()>;
    /// Events per action in `[from, to)`.
    async fn activity_totals(&self, from: Millis, to: Millis) -> Result<Vec<NameCount>>;
    /// Distinct users in `[from, to)`.
    async fn active_users(&self, from: Millis, to: Millis) -> Result<i64>;
}

/// The SQL of [`ActivityStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_activity_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::activity::{ActivityBatch, ActivityStore, NameCount};
            use $crate::{Millis, Result};

            #[async_trait::async_trait]
            impl ActivityStore for $store {
                async fn record_activity(&self, batches: &[ActivityBatch]) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    for b in batches {
                        if !b.actions.is_empty() {
                            let mut qb = sqlx::QueryBuilder::<$db>::new(
                                "INSERT INTO activity (bucket, action, count) ",
                            );
                            qb.push_values(&b.actions, |mut row, (action, n)| {
                                row.push_bind(b.bucket)
                                    .push_bind(action.clone())
                                    .push_bind(*n);
                            });
                            qb.push(
                                " ON CONFLICT (bucket, action) \
                                 DO UPDATE SET count = activity.count + excluded.count",
                            );
                            qb.build().execute(&mut *tx).await?;
                        }
                        for users in b.users.chunks(1000) {
                            let mut qb = sqlx::QueryBuilder::<$db>::new(
                                "INSERT INTO activity_users (bucket, username) ",
                            );
                            qb.push_values(users, |mut row, u| {
                                row.push_bind(b.bucket).push_bind(u.clone());
                            });
                            qb.push(" ON CONFLICT (bucket, username) DO NOTHING");
                            qb.build().execute(&mut *tx).await?;
                        }
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn activity_totals(
                    &self,
                    from: Millis,
                    to: Millis,
                ) -> Result<Vec<NameCount>> {
                    let rows = sqlx::query(
                        "SELECT action AS name, CAST(SUM(count) AS BIGINT) AS count \
                         FROM activity WHERE bucket >= $1 AND bucket < $2 \
                         GROUP BY action ORDER BY action",
                    )
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(NameCount {
                                name: r.try_get("name")?,
                                count: r.try_get("count")?,
                            })
                        })
                        .collect()
                }

                async fn active_users(&self, from: Millis, to: Millis) -> Result<i64> {
                    let r = sqlx::query(
                        "SELECT COUNT(DISTINCT username) AS n FROM activity_users \
                         WHERE bucket >= $1 AND bucket < $2",
                    )
                    .bind(from)
                    .bind(to)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(r.try_get("n")?)
                }
            }
        };
    };
}
pub(crate) use impl_activity_store;
