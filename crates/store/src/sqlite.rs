//! The embedded SQLite backend: one database file in the data directory,
//! WAL journal, migrations from `migrations/sqlite` applied on open.
//!
//! Durability: `synchronous = NORMAL` in WAL mode. A committed transaction
//! survives a crash or SIGKILL of the server process (the WAL is in the OS
//! page cache); only a power loss or kernel crash can lose the last commits.
//! Set `synchronous = FULL` ([`crate::OpenOptions`]) when that matters
//! more than throughput.
//!
//! Checkpoints: SQLite's automatic checkpoint runs inside the commit that
//! crosses the threshold, i.e. on the incident writer's critical path
//! (perf showed it at a third of the writer's time, fsync included). Here
//! connections do not auto-checkpoint; a background task runs a PASSIVE
//! checkpoint every second, which copies WAL frames into the database
//! without blocking the writer. Under sustained writes a PASSIVE
//! checkpoint never catches up (the writer appends while it copies), so
//! the WAL never starts over and grows without bound -- 900 MB while a
//! 350 MB database was written -- and a restart after a crash reads all
//! of it. Past [`WAL_RESTART_FRAMES`] the task also runs a RESTART
//! checkpoint: it waits for the writer's current transaction, copies the
//! last second of frames, and makes the next writer start the WAL over
//! (`journal_size_limit` then truncates the file).

use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The SQLite implementation of [`crate::Store`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    _checkpointer: std::sync::Arc<AbortOnDrop>,
}

/// Stops the checkpoint task when the last clone of the store goes.
#[derive(Debug)]
struct AbortOnDrop(Option<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(h) = self.0.take() {
            h.abort();
        }
    }
}

/// WAL frames (pages) past which a checkpoint restarts the WAL: 64 MiB
/// of 4 KiB pages.
const WAL_RESTART_FRAMES: i64 = 16_384;

/// One checkpoint: PASSIVE, then RESTART when the WAL holds more than
/// `max_frames`. Returns the frames the WAL held.
async fn checkpoint(pool: &SqlitePool, max_frames: i64) -> crate::Result<i64> {
    use sqlx::Row as _;
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await?;
    let frames: i64 = row.try_get(1)?;
    if frames > max_frames {
        sqlx::query("PRAGMA wal_checkpoint(RESTART)")
            .execute(pool)
            .await?;
    }
    Ok(frames)
}

async fn checkpoint_loop(pool: SqlitePool) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = checkpoint(&pool, WAL_RESTART_FRAMES).await {
            tracing::warn!("sqlite checkpoint failed: {e}");
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`, creating its
    /// directory too, and applies pending migrations.
    pub(crate) async fn open(
        path: &Path,
        options: &crate::OpenOptions,
    ) -> crate::Result<SqliteStore> {
        let open_err = |message: String| crate::StoreError::Open {
            path: path.display().to_string(),
            message,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| open_err(format!("cannot create directory: {e}")))?;
        }
        let mut opts = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|e| open_err(e.to_string()))?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match options.sqlite_synchronous {
                crate::SqliteSynchronous::Normal => SqliteSynchronous::Normal,
                crate::SqliteSynchronous::Full => SqliteSynchronous::Full,
            })
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            .pragma("wal_autocheckpoint", "0")
            .pragma("journal_size_limit", "67108864")
            // Room for a whole incident batch (10,000 rows) with its index
            // pages: a smaller cache spills dirty pages to the WAL in the
            // middle of the transaction, writing them twice.
            .pragma("cache_size", "-65536");
        for (k, v) in &options.sqlite_pragmas {
            opts = opts.pragma(k.clone(), v.clone());
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections.unwrap_or(8))
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await
            .map_err(|e| open_err(e.to_string()))?;
        let checkpointer = tokio::spawn(checkpoint_loop(pool.clone()));
        let store = SqliteStore {
            pool,
            _checkpointer: std::sync::Arc::new(AbortOnDrop(Some(checkpointer))),
        };
        // No integrity check here: `quick_check` reads every page, seconds
        // on a large database before a restarting server could be ready.
        // A file that is not a database fails the migrator's first read
        // below; damage inside is reported by the queries that meet it,
        // and `check()` (`cordon admin check`) looks for it on request.
        MIGRATOR
            .run(&store.pool)
            .await
            .map_err(|e| open_err(format!("migration failed: {e}")))?;
        Ok(store)
    }

    async fn check_integrity(&self) -> crate::Result<()> {
        use sqlx::Row as _;
        let row = sqlx::query("PRAGMA quick_check")
            .fetch_one(&self.pool)
            .await?;
        let verdict: String = row.try_get(0)?;
        if verdict != "ok" {
            return Err(crate::StoreError::Invalid(format!(
                "database file (integrity check: {verdict})"
            )));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl crate::Backend for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> crate::Result<()> {
        crate::sql::ping!(&self.pool)
    }

    async fn check(&self) -> crate::Result<()> {
        self.check_integrity().await?;
        crate::sql::check_write!(&self.pool);
        Ok(())
    }

    /// Checkpoints the WAL and closes the pool.
    async fn close(&self) {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }
}

// `BEGIN IMMEDIATE` opens every write transaction: a deferred transaction
// that reads first and writes later cannot upgrade its read snapshot once
// another connection (the incident writer) has committed meanwhile, and
// SQLite then fails at once with SQLITE_BUSY instead of waiting out
// `busy_timeout`. Taking the write lock up front makes the transaction
// wait its turn instead.
crate::keys::impl_key_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::policies::impl_policy_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::incidents::impl_incident_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::exceptions::impl_exception_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::groups::impl_group_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::activity::impl_activity_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::journal::impl_journal_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");

#[cfg(test)]
mod tests {
    use sqlx::{ConnectOptions as _, Connection as _, Executor as _, Row as _};

    use super::*;

    /// Frames in the WAL.
    async fn frames(pool: &SqlitePool) -> i64 {
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(pool)
            .await
            .unwrap();
        row.try_get(1).unwrap()
    }

    const FILL: &str = "INSERT INTO t SELECT hex(randomblob(2000)) FROM \
        (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 200) \
        SELECT n FROM c)";

    /// A writer that is always busy kept PASSIVE checkpoints from ever
    /// letting the WAL start over: here a transaction begins before the
    /// checkpoint and commits after it, and the next write appended to
    /// the WAL instead of starting it over. Past the limit the checkpoint
    /// waits for that writer and restarts the WAL.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_busy_writer_cannot_make_the_wal_grow_forever() {
        let dir = tempfile::tempdir().unwrap();
        let opts = SqliteConnectOptions::new()
            .filename(dir.path().join("c.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .pragma("wal_autocheckpoint", "0");
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(opts.clone())
            .await
            .unwrap();
        pool.execute("CREATE TABLE t (x TEXT)").await.unwrap();
        pool.execute(FILL).await.unwrap();
        // Another writer is in the middle of a transaction...
        let mut other = opts.connect().await.unwrap();
        other.execute("BEGIN IMMEDIATE").await.unwrap();
        other.execute(FILL).await.unwrap();
        // ... and commits a moment after the checkpoint started.
        let committer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            other.execute("COMMIT").await.unwrap();
            other.close().await.unwrap();
        });
        let before = checkpoint(&pool, 1).await.unwrap();
        committer.await.unwrap();
        pool.execute("INSERT INTO t VALUES ('one more')")
            .await
            .unwrap();
        let after = frames(&pool).await;
        assert!(
            after < before,
            "the WAL went on growing: {before} then {after} frames"
        );
        pool.close().await;
    }
}
