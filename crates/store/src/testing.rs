//! Test support (feature `testing`): a throw-away PostgreSQL schema or
//! database on the local test server, dropped again afterwards.
//!
//! The server is found at `$CORDON_TEST_PG` (default
//! `postgres://127.0.0.1:5432/test`, tried as user `postgres`, then `root`).

use std::path::Path;
use std::str::FromStr as _;
use std::sync::Arc;

use rand::RngCore as _;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _, Executor as _};

use crate::{OpenOptions, Store};

/// The base URLs tried, in order.
fn base_urls() -> Vec<String> {
    if let Ok(u) = std::env::var("CORDON_TEST_PG") {
        return vec![u];
    }
    vec![
        "postgres://postgres@127.0.0.1:5432/test".to_owned(),
        "postgres://root@127.0.0.1:5432/test".to_owned(),
    ]
}

async fn admin_conn() -> crate::Result<(sqlx::PgConnection, String)> {
    let mut last = None;
    for url in base_urls() {
        match PgConnectOptions::from_str(&url)?.connect().await {
            Ok(c) => return Ok((c, url)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.map_or_else(
        || crate::StoreError::Invalid("test database url".into()),
        crate::StoreError::from,
    ))
}

fn random_name(prefix: &str) -> String {
    let mut b = [0u8; 6];
    rand::thread_rng().fill_bytes(&mut b);
    format!("{prefix}_{}", hex::encode(b))
}

/// A fresh schema in the test database; [`PgSchema::drop`] removes it.
pub struct PgSchema {
    pub name: String,
    base: String,
}

impl PgSchema {
    pub async fn create() -> crate::Result<PgSchema> {
        let (mut c, base) = admin_conn().await?;
        let name = random_name("cordon_t");
        c.execute(format!("CREATE SCHEMA {name}").as_str()).await?;
        c.close().await?;
        Ok(PgSchema { name, base })
    }

    /// A URL whose sessions all use this schema.
    pub fn url(&self) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}options[search_path]={}", self.base, self.name)
    }

    /// A store on this schema, opened like the server opens one.
    pub async fn store(&self) -> crate::Result<Arc<dyn Store>> {
        crate::open(
            &self.url(),
            &OpenOptions {
                max_connections: Some(8),
                ..OpenOptions::default()
            },
        )
        .await
    }

    pub async fn drop(self) -> crate::Result<()> {
        let (mut c, _) = admin_conn().await?;
        c.execute(format!("DROP SCHEMA {} CASCADE", self.name).as_str())
            .await?;
        c.close().await?;
        Ok(())
    }
}

/// A fresh database (for tests that start whole `cordon serve` processes
/// and pass them a URL); [`PgDatabase::drop`] removes it.
pub struct PgDatabase {
    pub name: String,
    /// URL of the new database.
    pub url: String,
}

impl PgDatabase {
    pub async fn create() -> crate::Result<PgDatabase> {
        let (mut c, base) = admin_conn().await?;
        let name = random_name("cordon_e2e");
        c.execute(format!("CREATE DATABASE {name}").as_str())
            .await?;
        c.close().await?;
        let url = match base.rfind('/') {
            Some(i) => format!("{}/{name}", base.get(..i).unwrap_or("")),
            None => base,
        };
        Ok(PgDatabase { name, url })
    }

    pub async fn drop(self) -> crate::Result<()> {
        let (mut c, _) = admin_conn().await?;
        c.execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
            .await?;
        c.close().await?;
        Ok(())
    }
}

/// Runs raw SQL on the SQLite database file at `path` (on a connection of
/// its own), for tests that need the database itself to behave in a way
/// the product never makes it (a trigger that refuses a row, say).
pub async fn sqlite_execute(path: &Path, sql: &str) -> crate::Result<()> {
    let mut c = SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await?;
    c.execute(sql).await?;
    c.close().await?;
    Ok(())
}
