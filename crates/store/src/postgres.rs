//! The PostgreSQL backend, for several servers sharing one database.
//! Migrations from `migrations/postgres` are applied on connect (sqlx takes
//! an advisory lock, so servers starting together don't race).

use std::str::FromStr as _;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The PostgreSQL implementation of [`crate::Store`].
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and migrates.
    pub(crate) async fn connect(url: &str, options: &crate::OpenOptions) -> crate::Result<PgStore> {
        let opts = PgConnectOptions::from_str(url).map_err(|e| crate::StoreError::Open {
            path: redact(url),
            message: e.to_string(),
        })?;
        let value = if options.postgres_synchronous_commit {
            "on"
        } else {
            "off"
        };
        PgStore::connect_with(
            opts.options([("synchronous_commit", value)]),
            options.max_connections.unwrap_or(16),
        )
        .await
    }

    async fn connect_with(opts: PgConnectOptions, max: u32) -> crate::Result<PgStore> {
        let where_ = format!(
            "postgres://{}:{}/{}",
            opts.get_host(),
            opts.get_port(),
            opts.get_database().unwrap_or("")
        );
        let pool = PgPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await
            .map_err(|e| crate::StoreError::Open {
                path: where_.clone(),
                message: e.to_string(),
            })?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| crate::StoreError::Open {
                path: where_.clone(),
                message: format!("migration failed: {e}"),
            })?;
        let store = PgStore { pool };
        store
            .seed_predefined_roles(crate::now_millis())
            .await
            .map_err(|e| crate::StoreError::Open {
                path: where_,
                message: format!("cannot write the predefined roles: {e}"),
            })?;
        Ok(store)
    }

    async fn check_integrity(&self) -> crate::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for
/// error messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = url.get(s + 3..at).unwrap_or("");
            match creds.split_once(':') {
                Some((user, _)) => format!(
                    "{}{user}:***{}",
                    url.get(..s + 3).unwrap_or(""),
                    url.get(at..).unwrap_or("")
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[async_trait::async_trait]
impl crate::Backend for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> crate::Result<()> {
        crate::sql::ping!(&self.pool)
    }

    async fn check(&self) -> crate::Result<()> {
        self.check_integrity().await?;
        crate::sql::check_write!(&self.pool);
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

crate::accounts::impl_account_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::roles::impl_role_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::sessions::impl_session_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::audit::impl_audit_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::settings::impl_settings_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::keys::impl_key_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::policies::impl_policy_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::incidents::impl_incident_store!(
    PgStore,
    sqlx::Postgres,
    "BEGIN",
    false,
    // crate::streams::INCIDENT_ORDER_LOCK
    "SELECT pg_advisory_xact_lock(7165916604156290116)"
);
crate::exceptions::impl_exception_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::groups::impl_group_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::computers::impl_computer_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::enrolment::impl_enrolment_store!(PgStore, sqlx::Postgres, "BEGIN", " FOR UPDATE OF c");
crate::activity::impl_activity_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::journal::impl_journal_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::outbox::impl_outbox_store!(PgStore, sqlx::Postgres, "BEGIN", " FOR UPDATE SKIP LOCKED");
crate::plugins::impl_plugin_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::shares::impl_share_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::leases::impl_lease_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::streams::impl_stream_store!(PgStore, sqlx::Postgres, "BEGIN");

/// The kind of a PostgreSQL error from its SQLSTATE
/// (<https://www.postgresql.org/docs/current/errcodes-appendix.html>).
pub(crate) fn error_kind(sqlstate: &str) -> crate::ErrorKind {
    use crate::ErrorKind as K;
    match sqlstate {
        "53100" => K::Full, // disk_full
        // 53200 out_of_memory, 53300 too_many_connections, …
        s if s.starts_with("53") => K::Unavailable,
        // connection exceptions, operator intervention (shutdown, cannot
        // connect now, query canceled), system errors (I/O), lock not
        // available, serialization failure and deadlock (retry), a
        // read-only transaction (a standby).
        s if s.starts_with("08") || s.starts_with("57") || s.starts_with("58") => K::Unavailable,
        "55P03" | "40001" | "40P01" | "25006" => K::Unavailable,
        // data exceptions: 22021 a NUL or invalid byte in text, 22P05
        // untranslatable character, 22001 too long, 22003 out of range;
        // 54xxx a row or value over a program limit.
        s if s.starts_with("22") || s.starts_with("54") => K::Invalid,
        // integrity constraints, and a trigger's `RAISE EXCEPTION`
        // (P0001) refusing the row.
        s if s.starts_with("23") => K::Constraint,
        "P0001" => K::Constraint,
        "XX001" | "XX002" => K::Corrupt,
        _ => K::Internal,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlstates_classify_by_code() {
        use crate::ErrorKind as K;
        for (code, kind) in [
            ("53100", K::Full),
            ("53200", K::Unavailable),
            ("53300", K::Unavailable),
            ("08006", K::Unavailable),
            ("08001", K::Unavailable),
            ("57P01", K::Unavailable),
            ("57P03", K::Unavailable),
            ("58030", K::Unavailable),
            ("40001", K::Unavailable),
            ("22021", K::Invalid),
            ("22P05", K::Invalid),
            ("22001", K::Invalid),
            ("54000", K::Invalid),
            ("23505", K::Constraint),
            ("23514", K::Constraint),
            ("P0001", K::Constraint),
            ("42P01", K::Internal),
            ("XX001", K::Corrupt),
            ("", K::Internal),
        ] {
            assert_eq!(super::error_kind(code), kind, "{code}");
        }
    }

    #[test]
    fn redact_hides_password_only() {
        assert_eq!(
            super::redact("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("postgres://h/db"), "postgres://h/db");
    }
}
