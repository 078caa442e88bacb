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
//! without blocking the writer.

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

async fn checkpoint_loop(pool: SqlitePool) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
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
