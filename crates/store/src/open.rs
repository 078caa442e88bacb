//! The one way to open a store, used by `cordon serve`, `cordon admin`
//! and the tests.

use std::sync::Arc;

use crate::{Result, Store};

/// SQLite's `synchronous` setting in WAL mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SqliteSynchronous {
    /// A committed transaction survives a crash or SIGKILL of the process
    /// (the WAL is in the OS page cache); a power loss or kernel crash can
    /// lose the last commits.
    #[default]
    Normal,
    /// Every commit waits for the WAL to reach the disk.
    Full,
}

impl SqliteSynchronous {
    /// `normal` or `full`, as the configuration spells them.
    pub fn parse(s: &str) -> Option<SqliteSynchronous> {
        match s {
            "normal" => Some(SqliteSynchronous::Normal),
            "full" => Some(SqliteSynchronous::Full),
            _ => None,
        }
    }
}

/// How to open a store. The defaults are `cordon serve`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOptions {
    /// SQLite `synchronous` (default `Normal`).
    pub sqlite_synchronous: SqliteSynchronous,
    /// PostgreSQL `synchronous_commit` for every session (default `true`,
    /// `on`). `off` makes a commit return once PostgreSQL has it in its
    /// WAL buffers (flushed within `wal_writer_delay`): it survives a crash
    /// of the Cordon server, like SQLite's `Normal`, but not a crash of
    /// the database host.
    pub postgres_synchronous_commit: bool,
    /// Connections in the pool (default 8 for SQLite, 16 for PostgreSQL).
    pub max_connections: Option<u32>,
    /// Extra SQLite pragmas for every connection, e.g. `max_page_count`
    /// to cap the file's size (tests of a full disk use it).
    pub sqlite_pragmas: Vec<(String, String)>,
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions {
            sqlite_synchronous: SqliteSynchronous::Normal,
            postgres_synchronous_commit: true,
            max_connections: None,
            sqlite_pragmas: Vec::new(),
        }
    }
}

/// What a URL names.
#[derive(Debug, PartialEq, Eq)]
enum Target<'a> {
    Postgres(&'a str),
    Sqlite(&'a str),
}

fn target(url: &str) -> Target<'_> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Target::Postgres(url)
    } else {
        Target::Sqlite(
            url.strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url),
        )
    }
}

/// Opens the store a URL names, applying pending migrations:
/// `postgres://…` / `postgresql://…` for PostgreSQL; `sqlite://PATH`,
/// `sqlite:PATH` or a plain file path for SQLite (the file and its
/// directory are created if missing).
pub async fn open(url: &str, opts: &OpenOptions) -> Result<Arc<dyn Store>> {
    Ok(match target(url) {
        Target::Postgres(url) => Arc::new(crate::postgres::PgStore::connect(url, opts).await?),
        Target::Sqlite(path) => {
            Arc::new(crate::sqlite::SqliteStore::open(std::path::Path::new(path), opts).await?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_their_backend() {
        let cases = [
            ("postgres://u@h/db", Target::Postgres("postgres://u@h/db")),
            ("postgresql://h/db", Target::Postgres("postgresql://h/db")),
            ("sqlite:///var/lib/c.db", Target::Sqlite("/var/lib/c.db")),
            ("sqlite:c.db", Target::Sqlite("c.db")),
            ("/data/cordon.db", Target::Sqlite("/data/cordon.db")),
            ("cordon.db", Target::Sqlite("cordon.db")),
        ];
        for (url, want) in cases {
            assert_eq!(target(url), want, "{url}");
        }
    }

    #[test]
    fn synchronous_names_parse() {
        assert_eq!(
            SqliteSynchronous::parse("full"),
            Some(SqliteSynchronous::Full)
        );
        assert_eq!(
            SqliteSynchronous::parse("normal"),
            Some(SqliteSynchronous::Normal)
        );
        assert_eq!(SqliteSynchronous::parse("FULL"), None);
    }
}
