//! Journal progress: how far each server's incident journal has been
//! loaded into the database, moved only in the transaction that holds the
//! incidents it covers, so that after a crash the journal replays exactly
//! what is missing. The deliveries an incident asks for (see
//! [`crate::OutboxStore`]) are written in that transaction too.

use crate::incidents::NewIncident;
use crate::outbox::Outgoing;
use crate::{Millis, Result};

/// Incident journal positions.
#[async_trait::async_trait]
pub trait JournalStore: Send + Sync {
    /// Inserts a batch loaded from a server's incident journal and records,
    /// in the same transaction, that journal `journal` is loaded up to byte
    /// position `lsn`: after a crash the journal replays from exactly there.
    /// The deliveries `outgoing` plans for the batch's incidents go in
    /// with them, pending and due `now`: all of it or none. `Invalid`,
    /// before anything is written, for a delivery naming an incident
    /// outside the batch.
    async fn insert_journaled_incidents(
        &self,
        batch: &[NewIncident],
        outgoing: &[Outgoing],
        journal: &str,
        lsn: i64,
        now: Millis,
    ) -> Result<()>;
    /// How far `journal` was loaded (`None`: never).
    async fn journal_position(&self, journal: &str) -> Result<Option<i64>>;
}

/// The SQL of [`JournalStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_journal_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::incidents::NewIncident;
            use $crate::journal::JournalStore;
            use $crate::outbox::{check_outgoing, Outgoing};
            use $crate::{Millis, Result};

            #[async_trait::async_trait]
            impl JournalStore for $store {
                async fn insert_journaled_incidents(
                    &self,
                    batch: &[NewIncident],
                    outgoing: &[Outgoing],
                    journal: &str,
                    lsn: i64,
                    now: Millis,
                ) -> Result<()> {
                    check_outgoing(batch.len(), outgoing)?;
                    let mut tx = self.pool.begin_with($begin).await?;
                    if outgoing.is_empty() {
                        Self::insert_incident_rows(&mut tx, batch).await?;
                    } else {
                        let mut wanted = vec![false; batch.len()];
                        for o in outgoing {
                            if let Some(w) = wanted.get_mut(o.incident) {
                                *w = true;
                            }
                        }
                        let ids = Self::insert_incident_rows_ids(&mut tx, batch, &wanted).await?;
                        Self::insert_delivery_rows(&mut tx, &ids, outgoing, now).await?;
                    }
                    sqlx::query(
                        "INSERT INTO journal_progress (journal_id, lsn, updated_at) \
                         VALUES ($1, $2, $3) ON CONFLICT (journal_id) \
                         DO UPDATE SET lsn = excluded.lsn, updated_at = excluded.updated_at",
                    )
                    .bind(journal)
                    .bind(lsn)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn journal_position(&self, journal: &str) -> Result<Option<i64>> {
                    let row =
                        sqlx::query("SELECT lsn FROM journal_progress WHERE journal_id = $1")
                            .bind(journal)
                            .fetch_optional(&self.pool)
                            .await?;
                    Ok(match row {
                        Some(r) => Some(r.try_get("lsn")?),
                        None => None,
                    })
                }
            }
        };
    };
}
pub(crate) use impl_journal_store;
