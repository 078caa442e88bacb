//! Leases of scheduled jobs that exactly one server runs at a time (the
//! share crawl, digests, clean-ups), as Grafana's `server_lock`: one row
//! per job names its holder until a time, and taking it is one
//! conditional upsert, so of any number of servers racing for it exactly
//! one wins -- on SQLite and on PostgreSQL alike, without advisory locks.
//! Each taking bumps the row's `version`; the holder renews and releases
//! with the version it took, so a server whose lease ended and was taken
//! by another cannot renew or release the other's.

use serde::{Deserialize, Serialize};

use crate::{Millis, Result};

/// A lease held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub job: String,
    pub holder: String,
    /// Which taking of the job this is.
    pub version: i64,
    /// The lease ends (unless renewed).
    pub until: Millis,
}

/// A job's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobState {
    pub job: String,
    /// The last server to take it.
    pub holder: String,
    pub until: Millis,
    pub version: i64,
    pub last_started: Millis,
    pub last_finished: Option<Millis>,
    /// What the last release said.
    pub outcome: Option<String>,
}

/// Job leases.
#[async_trait::async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes `job` for `holder` until `now + ttl_ms` if nobody holds it:
    /// no row yet, the lease ended (`until <= now`), or it is `holder`'s
    /// own (then taken anew, with a new version). `None`: another holds
    /// it. One statement: of servers racing, exactly one gets a lease.
    async fn try_lease(
        &self,
        job: &str,
        holder: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> Result<Option<Lease>>;
    /// Extends the lease to `now + ttl_ms` if it is still this taking
    /// (same holder and version: nobody took it meanwhile, even if it
    /// ended). `false`: it was taken by another; stop the job.
    async fn renew_lease(&self, lease: &Lease, now: Millis, ttl_ms: i64) -> Result<bool>;
    /// Ends the lease now and records the job's end (`last_finished`,
    /// `outcome`). A lease taken meanwhile by another is left alone.
    async fn release_lease(&self, lease: &Lease, now: Millis, outcome: &str) -> Result<()>;
    /// The job's row, if it was ever taken.
    async fn job_state(&self, job: &str) -> Result<Option<JobState>>;
}

/// The SQL of [`LeaseStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_lease_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::leases::{JobState, Lease, LeaseStore};
            use $crate::sql::text;
            use $crate::{Millis, Result};

            #[async_trait::async_trait]
            impl LeaseStore for $store {
                async fn try_lease(
                    &self,
                    job: &str,
                    holder: &str,
                    now: Millis,
                    ttl_ms: i64,
                ) -> Result<Option<Lease>> {
                    let until = now.saturating_add(ttl_ms.max(0));
                    // The upsert's WHERE is evaluated on the row as it is
                    // once this statement holds it (PostgreSQL locks the
                    // conflicting row and re-reads it; SQLite has one
                    // writer): a racer that lost sees the winner's row, not
                    // the one it started from, and changes nothing.
                    let row = sqlx::query(
                        "INSERT INTO job_leases (job, holder, until, version, last_started) \
                         VALUES ($1, $2, $3, 1, $4) ON CONFLICT (job) DO UPDATE SET \
                         holder = excluded.holder, until = excluded.until, \
                         version = job_leases.version + 1, last_started = excluded.last_started \
                         WHERE job_leases.until <= $4 OR job_leases.holder = $2 \
                         RETURNING version",
                    )
                    .bind(text(job))
                    .bind(text(holder))
                    .bind(until)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                    match row {
                        Some(r) => Ok(Some(Lease {
                            job: text(job).into_owned(),
                            holder: text(holder).into_owned(),
                            version: r.try_get("version")?,
                            until,
                        })),
                        None => Ok(None),
                    }
                }

                async fn renew_lease(&self, l: &Lease, now: Millis, ttl_ms: i64) -> Result<bool> {
                    let done = sqlx::query(
                        "UPDATE job_leases SET until = $1 \
                         WHERE job = $2 AND holder = $3 AND version = $4",
                    )
                    .bind(now.saturating_add(ttl_ms.max(0)))
                    .bind(&l.job)
                    .bind(&l.holder)
                    .bind(l.version)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn release_lease(&self, l: &Lease, now: Millis, outcome: &str) -> Result<()> {
                    sqlx::query(
                        "UPDATE job_leases SET until = $1, last_finished = $1, outcome = $2 \
                         WHERE job = $3 AND holder = $4 AND version = $5",
                    )
                    .bind(now)
                    .bind(text(outcome))
                    .bind(&l.job)
                    .bind(&l.holder)
                    .bind(l.version)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn job_state(&self, job: &str) -> Result<Option<JobState>> {
                    let row = sqlx::query(
                        "SELECT job, holder, until, version, last_started, last_finished, \
                         outcome FROM job_leases WHERE job = $1",
                    )
                    .bind(job)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| {
                        Ok(JobState {
                            job: r.try_get("job")?,
                            holder: r.try_get("holder")?,
                            until: r.try_get("until")?,
                            version: r.try_get("version")?,
                            last_started: r.try_get("last_started")?,
                            last_finished: r.try_get("last_finished")?,
                            outcome: r.try_get("outcome")?,
                        })
                    })
                    .transpose()
                }
            }
        };
    };
}
pub(crate) use impl_lease_store;
