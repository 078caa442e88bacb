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
                path: where_,
                message: format!("migration failed: {e}"),
            })?;
        Ok(PgStore { pool })
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

crate::keys::impl_key_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::policies::impl_policy_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::incidents::impl_incident_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::exceptions::impl_exception_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::groups::impl_group_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::activity::impl_activity_store!(PgStore, sqlx::Postgres, "BEGIN");
crate::journal::impl_journal_store!(PgStore, sqlx::Postgres, "BEGIN");

#[cfg(test)]
mod tests {
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
