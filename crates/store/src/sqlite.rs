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
        store
            .seed_predefined_roles(crate::now_millis())
            .await
            .map_err(|e| open_err(format!("cannot write the predefined roles: {e}")))?;
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
crate::accounts::impl_account_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::roles::impl_role_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::sessions::impl_session_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::audit::impl_audit_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::settings::impl_settings_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::keys::impl_key_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::policies::impl_policy_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::incidents::impl_incident_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE", true, "");
crate::exceptions::impl_exception_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::groups::impl_group_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::computers::impl_computer_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::enrolment::impl_enrolment_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE", "");
crate::activity::impl_activity_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::journal::impl_journal_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::outbox::impl_outbox_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE", "");
crate::plugins::impl_plugin_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::shares::impl_share_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::leases::impl_lease_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
crate::streams::impl_stream_store!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");

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

    #[test]
    fn result_codes_classify_by_primary_code() {
        for (code, kind) in [
            ("13", crate::ErrorKind::Full),
            ("5", crate::ErrorKind::Unavailable),
            ("517", crate::ErrorKind::Unavailable), // SQLITE_BUSY_SNAPSHOT
            ("10", crate::ErrorKind::Unavailable),
            ("778", crate::ErrorKind::Unavailable), // SQLITE_IOERR_WRITE
            ("3338", crate::ErrorKind::Unavailable), // an extended SQLITE_IOERR
            ("8", crate::ErrorKind::Unavailable),
            ("11", crate::ErrorKind::Corrupt),
            ("26", crate::ErrorKind::Corrupt),
            ("19", crate::ErrorKind::Constraint),
            ("1811", crate::ErrorKind::Constraint), // SQLITE_CONSTRAINT_TRIGGER
            ("2067", crate::ErrorKind::Constraint), // SQLITE_CONSTRAINT_UNIQUE
            ("18", crate::ErrorKind::Invalid),
            ("1", crate::ErrorKind::Internal),
            ("x", crate::ErrorKind::Internal),
        ] {
            assert_eq!(super::error_kind(code), kind, "{code}");
        }
    }

    /// A database that may not grow gives SQLite's real `SQLITE_FULL`,
    /// which the store reports as full.
    #[tokio::test]
    async fn a_database_that_cannot_grow_is_full() {
        use crate::prelude::*;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        SqliteStore::open(&path, &crate::OpenOptions::default())
            .await
            .unwrap()
            .close()
            .await;
        let options = crate::OpenOptions {
            sqlite_pragmas: vec![("max_page_count".into(), "1".into())],
            ..Default::default()
        };
        let store = SqliteStore::open(&path, &options).await.unwrap();
        let err = store
            .create_policy(
                &crate::NewPolicyVersion {
                    policy_id: "p".into(),
                    name: "p".into(),
                    format: "yaml".into(),
                    body: "x".repeat(100_000),
                    comment: String::new(),
                    actor: crate::Actor::System,
                },
                0,
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Full, "{err}");
    }
}
