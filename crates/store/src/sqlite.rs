//! The embedded SQLite backend: one database file in the data directory,
//! WAL journal, migrations from `migrations/sqlite` applied on open.
//!
//! Durability: `synchronous = NORMAL` in WAL mode. A committed transaction
//! survives a crash or SIGKILL of the server process (the WAL is in the OS
//! page cache); only a power loss or kernel crash can lose the last commits.
//! Set `synchronous = FULL` through [`SqliteStore::open_with`] when that
//! matters more than throughput.
//!
//! Checkpoints: SQLite's automatic checkpoint runs inside the commit that
//! crosses the threshold, i.e. on the incident writer's critical path
//! (perf showed it at a third of the writer's time, fsync included). Here
//! connections do not auto-checkpoint; a background task runs a PASSIVE
//! checkpoint every second, which copies WAL frames into the database
//! without blocking the writer.

use std::path::{Path, PathBuf};
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
    path: PathBuf,
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
    pub async fn open(path: &Path) -> crate::Result<SqliteStore> {
        SqliteStore::open_with(path, &[]).await
    }

    /// Like [`SqliteStore::open`] with extra pragmas for every connection,
    /// e.g. `("synchronous", "FULL")`, or `("max_page_count", "…")` to cap
    /// the file size.
    pub async fn open_with(path: &Path, pragmas: &[(&str, &str)]) -> crate::Result<SqliteStore> {
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
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            .pragma("wal_autocheckpoint", "0")
            .pragma("journal_size_limit", "67108864")
            // Room for a whole incident batch (10,000 rows) with its index
            // pages: a smaller cache spills dirty pages to the WAL in the
            // middle of the transaction, writing them twice.
            .pragma("cache_size", "-65536");
        for (k, v) in pragmas {
            opts = opts.pragma(k.to_string(), v.to_string());
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            // SQLite may roll a transaction back by itself when a statement
            // fails with SQLITE_FULL or SQLITE_IOERR; sqlx's ROLLBACK then
            // fails and its transaction depth stays non-zero, and every
            // later `begin` on that connection is refused ("non-zero
            // transaction depth") long after the disk has room again. A
            // connection left in any transaction is closed, not reused.
            .after_release(|conn, _| {
                Box::pin(async move {
                    use sqlx::Connection as _;
                    // Runs the rollback a dropped transaction queued.
                    conn.ping().await?;
                    Ok(!conn.is_in_transaction())
                })
            })
            .connect_with(opts)
            .await
            .map_err(|e| open_err(e.to_string()))?;
        let checkpointer = tokio::spawn(checkpoint_loop(pool.clone()));
        let store = SqliteStore {
            pool,
            path: path.to_path_buf(),
            _checkpointer: std::sync::Arc::new(AbortOnDrop(Some(checkpointer))),
        };
        store
            .check_integrity()
            .await
            .map_err(|e| open_err(e.to_string()))?;
        MIGRATOR
            .run(&store.pool)
            .await
            .map_err(|e| open_err(format!("migration failed: {e}")))?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    #[cfg(feature = "testing")]
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Checkpoints the WAL and closes the pool.
    pub async fn close(&self) {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
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

impl_store!(SqliteStore, sqlx::Sqlite, "sqlite", "BEGIN IMMEDIATE");

/// The kind of an SQLite error from its (extended) result code: the low
/// byte is the primary code (<https://www.sqlite.org/rescode.html>).
pub(crate) fn error_kind(code: &str) -> crate::ErrorKind {
    use crate::ErrorKind as K;
    let Ok(code) = code.parse::<i32>() else {
        return K::Internal;
    };
    match code & 0xff {
        13 => K::Full, // SQLITE_FULL
        // SQLITE_ABORT, BUSY, LOCKED, NOMEM, READONLY, INTERRUPT, IOERR,
        // CANTOPEN, PROTOCOL: the database cannot work right now.
        4 | 5 | 6 | 7 | 8 | 9 | 10 | 14 | 15 => K::Unavailable,
        11 | 26 => K::Corrupt,      // SQLITE_CORRUPT, SQLITE_NOTADB
        19 => K::Constraint,        // SQLITE_CONSTRAINT (incl. a trigger's RAISE)
        18 | 20 | 25 => K::Invalid, // SQLITE_TOOBIG, MISMATCH, RANGE
        _ => K::Internal,
    }
}

#[cfg(test)]
mod tests {
    use crate::ErrorKind as K;

    #[test]
    fn result_codes_classify_by_primary_code() {
        for (code, kind) in [
            ("13", K::Full),
            ("5", K::Unavailable),
            ("517", K::Unavailable), // SQLITE_BUSY_SNAPSHOT
            ("10", K::Unavailable),
            ("778", K::Unavailable),  // SQLITE_IOERR_WRITE
            ("3338", K::Unavailable), // an extended SQLITE_IOERR
            ("8", K::Unavailable),
            ("11", K::Corrupt),
            ("26", K::Corrupt),
            ("19", K::Constraint),
            ("1811", K::Constraint), // SQLITE_CONSTRAINT_TRIGGER
            ("2067", K::Constraint), // SQLITE_CONSTRAINT_UNIQUE
            ("18", K::Invalid),
            ("1", K::Internal),
            ("x", K::Internal),
        ] {
            assert_eq!(super::error_kind(code), kind, "{code}");
        }
    }

    /// A database that may not grow gives SQLite's real `SQLITE_FULL`,
    /// which the store reports as full.
    #[tokio::test]
    async fn a_database_that_cannot_grow_is_full() {
        use crate::Store as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        super::SqliteStore::open(&path).await.unwrap().close().await;
        let store = super::SqliteStore::open_with(&path, &[("max_page_count", "1")])
            .await
            .unwrap();
        let err = store
            .create_policy(
                &crate::NewPolicyVersion {
                    policy_id: "p".into(),
                    name: "p".into(),
                    format: "yaml".into(),
                    body: "x".repeat(100_000),
                    comment: String::new(),
                    actor: "t".into(),
                },
                0,
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), K::Full, "{err}");
    }
}
