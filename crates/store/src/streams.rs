//! Streams: the deliveries of a sink subscribed to *every* incident (a
//! SIEM, an archive, a digest of everything) kept as one position in the
//! incidents' commit order instead of a delivery row per incident.
//!
//! A row per incident costs three writes of it (planned in the loader's
//! transaction, claimed, finished), each in three indexes, on the
//! database's single writer, for a sink that takes every incident in
//! order anyway. A stream is one row per sink: where it stands, how many
//! incidents it delivered, and how its head fares (attempts, the next
//! try, the last error). A server *claims* the stream for a lease (as a
//! job lease: one conditional update, a new `version` each taking),
//! reads the incidents after its position ([`crate::IncidentStore::
//! incidents_after`]), delivers them in order and *advances* the position
//! with the version it took, so a server whose lease ended and was taken
//! by another cannot move the other's stream. A server that dies
//! mid-batch leaves the position where it was: the next holder delivers
//! that batch again, with the same idempotency keys ([`stream_key`]), so
//! a stream is at least once, in order, never skipping an incident.
//!
//! An incident the receiver refuses, or that it could not take for longer
//! than the retry window, becomes a failed delivery row of its own (the
//! outbox's [`crate::Delivery`], visible and retried by hand like any
//! other), written in the transaction that moves the position past it.
//!
//! **Commit order.** A position must never pass an incident that is not
//! yet visible, so ids must be handed out in commit order. SQLite has one
//! writer at a time and `AUTOINCREMENT`: they are. PostgreSQL draws ids
//! from a sequence before commit, so two servers' transactions could
//! commit out of id order; there every transaction that inserts incidents
//! first takes a transaction-scoped advisory lock
//! ([`INCIDENT_ORDER_LOCK`]), held until it ends, so the next one draws
//! its ids only after the previous one committed. (A horizon from
//! `pg_snapshot_xmin` would avoid the lock but stall every stream behind
//! any long transaction anywhere in the cluster, a `pg_dump` included.)
//! Incident writers of several servers take turns per batch of up to
//! thousands of incidents; one server's loader writes one batch at a time
//! anyway.

use serde::{Deserialize, Serialize};

use crate::{HistoryEntry, Millis, Result};

/// The key of PostgreSQL's advisory lock that incident writers take in
/// turn (`pg_advisory_xact_lock`), so that ids are in commit order.
pub const INCIDENT_ORDER_LOCK: i64 = 7_165_916_604_156_290_116;

/// The idempotency key of incident `incident` on the stream of sink
/// `sink`: `str_<sink>_<incident>`, the same on every attempt and every
/// server.
pub fn stream_key(sink: &str, incident: i64) -> String {
    format!("str_{sink}_{incident}")
}

/// A sink's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkStream {
    pub sink: String,
    /// Every incident up to this id was delivered (or failed as a row of
    /// its own).
    pub pos: i64,
    /// Incidents delivered through it since it was opened.
    pub delivered: i64,
    /// Failed attempts at the incidents after `pos`.
    pub attempts: i64,
    /// Not to be tried before.
    pub next_at: Millis,
    /// The server holding it, until `until`.
    pub holder: Option<String>,
    pub until: Option<Millis>,
    /// Which taking this is; advancing needs the one taken.
    pub version: i64,
    pub last_error: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// An incident a stream gives up: it becomes a failed delivery row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamFailure {
    pub incident_id: i64,
    pub attempts: i64,
    pub error: String,
    /// Appended to the incident's history in the same transaction.
    pub history: Option<HistoryEntry>,
}

/// Where a claimed stream's batch ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StreamEnd {
    /// Every incident up to id `to` is done: `delivered` of them
    /// delivered, `failed` given up (rows written).
    Advance {
        to: i64,
        delivered: i64,
        failed: Vec<StreamFailure>,
    },
    /// Nothing moved; try again at `next_at`. With an error, an attempt
    /// is counted and kept; without one (a digest not yet due), the
    /// stream is only let go.
    Stall {
        next_at: Millis,
        error: Option<String>,
    },
}

/// The streams of sinks subscribed to every incident.
#[async_trait::async_trait]
pub trait StreamStore: Send + Sync {
    /// The stream of `sink`, opened at the end of the incidents recorded
    /// so far if it has none (a new sink gets what is recorded from now
    /// on, as its rows used to be planned from now on).
    async fn open_stream(&self, sink: &str, now: Millis) -> Result<SinkStream>;
    /// Removes the stream of `sink` (deleted, disabled, or no longer
    /// subscribed to everything). `false`: it had none.
    async fn drop_stream(&self, sink: &str) -> Result<bool>;
    /// Every stream, by sink.
    async fn streams(&self) -> Result<Vec<SinkStream>>;
    /// Takes the stream of `sink` for `holder` until `now + lease_ms` if
    /// it is due (`next_at <= now`) and nobody else holds it (no holder,
    /// the lease ended, or it is `holder`'s own). `None`: not due, held
    /// by another, or no such stream. One statement: of servers racing,
    /// exactly one gets it.
    async fn claim_stream(
        &self,
        sink: &str,
        holder: &str,
        now: Millis,
        lease_ms: i64,
    ) -> Result<Option<SinkStream>>;
    /// Ends the claim `claimed` (as [`StreamStore::claim_stream`] returned
    /// it) with `end`, in one transaction with its failed rows and their
    /// history. `false`, and nothing written, when the stream was taken
    /// by another since (or dropped).
    async fn end_stream(&self, claimed: &SinkStream, now: Millis, end: &StreamEnd) -> Result<bool>;
}

pub(crate) const STREAM_COLS: &str = "sink, pos, delivered, attempts, next_at, holder, \
    until, version, last_error, created_at, updated_at";

/// The SQL of [`StreamStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_stream_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::outbox::error_text;
            use $crate::sql::text;
            use $crate::streams::{STREAM_COLS, SinkStream, StreamEnd, StreamStore};
            use $crate::{Millis, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;

            fn stream_from_row(r: &Row) -> Result<SinkStream> {
                Ok(SinkStream {
                    sink: r.try_get("sink")?,
                    pos: r.try_get("pos")?,
                    delivered: r.try_get("delivered")?,
                    attempts: r.try_get("attempts")?,
                    next_at: r.try_get("next_at")?,
                    holder: r.try_get("holder")?,
                    until: r.try_get("until")?,
                    version: r.try_get("version")?,
                    last_error: r.try_get("last_error")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            #[async_trait::async_trait]
            impl StreamStore for $store {
                async fn open_stream(&self, sink: &str, now: Millis) -> Result<SinkStream> {
                    // `WHERE true`: SQLite's parser would read the ON of
                    // ON CONFLICT as a join's.
                    sqlx::query(
                        "INSERT INTO sink_streams (sink, pos, delivered, attempts, next_at, \
                         version, created_at, updated_at) \
                         SELECT $1, COALESCE(MAX(id), 0), 0, 0, $2, 0, $2, $2 FROM incidents \
                         WHERE true ON CONFLICT (sink) DO NOTHING",
                    )
                    .bind(text(sink))
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    let row = sqlx::query(&format!(
                        "SELECT {STREAM_COLS} FROM sink_streams WHERE sink = $1"
                    ))
                    .bind(text(sink))
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("stream of sink `{sink}`")))?;
                    stream_from_row(&row)
                }

                async fn drop_stream(&self, sink: &str) -> Result<bool> {
                    let done = sqlx::query("DELETE FROM sink_streams WHERE sink = $1")
                        .bind(text(sink))
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn streams(&self) -> Result<Vec<SinkStream>> {
                    let rows = sqlx::query(&format!(
                        "SELECT {STREAM_COLS} FROM sink_streams"
                    ))
                    .fetch_all(&self.pool)
                    .await?;
                    let mut out = rows.iter().map(stream_from_row).collect::<Result<Vec<_>>>()?;
                    // Sorted here: PostgreSQL orders text by its locale.
                    out.sort_by(|a, b| a.sink.cmp(&b.sink));
                    Ok(out)
                }

                async fn claim_stream(
                    &self,
                    sink: &str,
                    holder: &str,
                    now: Millis,
                    lease_ms: i64,
                ) -> Result<Option<SinkStream>> {
                    // As a job lease: the WHERE is evaluated on the row as
                    // this statement holds it, so of servers racing one
                    // wins and the others change nothing.
                    let row = sqlx::query(&format!(
                        "UPDATE sink_streams SET holder = $1, until = $2, version = version + 1, \
                         updated_at = $3 WHERE sink = $4 AND next_at <= $3 \
                         AND (holder IS NULL OR until <= $3 OR holder = $1) \
                         RETURNING {STREAM_COLS}"
                    ))
                    .bind(text(holder))
                    .bind(now.saturating_add(lease_ms.max(0)))
                    .bind(now)
                    .bind(text(sink))
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(stream_from_row).transpose()
                }

                async fn end_stream(
                    &self,
                    claimed: &SinkStream,
                    now: Millis,
                    end: &StreamEnd,
                ) -> Result<bool> {
                    let Some(holder) = claimed.holder.as_deref() else {
                        return Err(StoreError::Invalid(format!(
                            "end of the stream of sink `{}`: not a claimed stream",
                            claimed.sink
                        )));
                    };
                    let mut tx = self.pool.begin_with($begin).await?;
                    let held = match end {
                        StreamEnd::Advance { to, delivered, failed } => {
                            let done = sqlx::query(
                                "UPDATE sink_streams SET pos = $1, \
                                 delivered = delivered + $2, attempts = 0, last_error = NULL, \
                                 next_at = $3, holder = NULL, until = NULL, updated_at = $3 \
                                 WHERE sink = $4 AND holder = $5 AND version = $6",
                            )
                            .bind(*to)
                            .bind(*delivered)
                            .bind(now)
                            .bind(&claimed.sink)
                            .bind(holder)
                            .bind(claimed.version)
                            .execute(&mut *tx)
                            .await?;
                            let held = done.rows_affected() == 1;
                            if held {
                                let target = format!("sink:{}", claimed.sink);
                                for f in failed {
                                    sqlx::query(
                                        "INSERT INTO deliveries (incident_id, target, rule, \
                                         state, attempts, next_at, last_error, created_at, \
                                         updated_at) VALUES ($1, $2, '', 'failed', $3, $4, $5, \
                                         $4, $4)",
                                    )
                                    .bind(f.incident_id)
                                    .bind(text(&target))
                                    .bind(f.attempts)
                                    .bind(now)
                                    .bind(error_text(&f.error))
                                    .execute(&mut *tx)
                                    .await?;
                                    if let Some(h) = &f.history {
                                        Self::insert_history(&mut tx, f.incident_id, h).await?;
                                    }
                                }
                            }
                            held
                        }
                        StreamEnd::Stall { next_at, error } => {
                            let counted = i64::from(error.is_some());
                            let done = sqlx::query(
                                "UPDATE sink_streams SET attempts = attempts + $1, \
                                 last_error = COALESCE($2, last_error), next_at = $3, \
                                 holder = NULL, until = NULL, updated_at = $4 \
                                 WHERE sink = $5 AND holder = $6 AND version = $7",
                            )
                            .bind(counted)
                            .bind(error.as_deref().map(error_text))
                            .bind(*next_at)
                            .bind(now)
                            .bind(&claimed.sink)
                            .bind(holder)
                            .bind(claimed.version)
                            .execute(&mut *tx)
                            .await?;
                            done.rows_affected() == 1
                        }
                    };
                    tx.commit().await?;
                    Ok(held)
                }
            }
        };
    };
}
pub(crate) use impl_stream_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_sink_and_the_incident() {
        assert_eq!(stream_key("siem", 42), "str_siem_42");
    }
}
