//! Running one scenario against both backends: each scenario is an
//! `async fn(&Env)`, and [`on_both_backends!`] makes a test of it for
//! SQLite (a temporary file) and one for PostgreSQL (a throw-away schema).

use std::path::PathBuf;
use std::sync::Arc;

use cordon_access as access;
use cordon_store::testing::PgSchema;
use cordon_store::*;
use sqlx::{ConnectOptions as _, Connection as _};

pub const T0: Millis = 1_790_000_000_000;

enum Db {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres(PgSchema),
}

/// A fresh database and a store on it.
pub struct Env {
    pub store: Arc<dyn Store>,
    db: Db,
}

impl Env {
    pub async fn sqlite() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cordon.db");
        let store = open(&path.display().to_string(), &OpenOptions::default())
            .await
            .unwrap();
        Env {
            store,
            db: Db::Sqlite { _dir: dir, path },
        }
    }

    pub async fn postgres() -> Env {
        let schema = PgSchema::create().await.unwrap();
        let store = schema.store().await.unwrap();
        Env {
            store,
            db: Db::Postgres(schema),
        }
    }

    pub fn s(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Another store on the same database: another server.
    pub async fn another(&self) -> Arc<dyn Store> {
        match &self.db {
            Db::Sqlite { path, .. } => open(&path.display().to_string(), &OpenOptions::default())
                .await
                .unwrap(),
            Db::Postgres(schema) => schema.store().await.unwrap(),
        }
    }

    /// Runs one statement on a connection of its own, as someone with
    /// the database's login but not the store would: the rows it
    /// changed, or the database's error.
    pub async fn raw(&self, sql: &str) -> Result<u64, String> {
        let run = async {
            match &self.db {
                Db::Sqlite { path, .. } => {
                    let mut c = sqlx::sqlite::SqliteConnectOptions::new()
                        .filename(path)
                        .foreign_keys(true)
                        .busy_timeout(std::time::Duration::from_secs(5))
                        .connect()
                        .await?;
                    let r = sqlx::query(sql).execute(&mut c).await;
                    c.close().await?;
                    r.map(|r| r.rows_affected())
                }
                Db::Postgres(schema) => {
                    let mut c = sqlx::PgConnection::connect(&schema.url()).await?;
                    let r = sqlx::query(sql).execute(&mut c).await;
                    c.close().await?;
                    r.map(|r| r.rows_affected())
                }
            }
        };
        run.await.map_err(|e: sqlx::Error| e.to_string())
    }

    /// The PostgreSQL connection URL (its schema on the search path).
    pub fn pg_url(&self) -> Option<String> {
        match &self.db {
            Db::Postgres(schema) => Some(schema.url()),
            Db::Sqlite { .. } => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.db, Db::Postgres(_))
    }

    pub async fn done(self) {
        self.store.close().await;
        if let Db::Postgres(schema) = self.db {
            schema.drop().await.unwrap();
        }
    }
}

/// For each scenario `name(&Env)`, a test `sqlite::name` and a test
/// `postgres::name`.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let env = crate::both::Env::sqlite().await;
                    super::$name(&env).await;
                    env.done().await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let env = crate::both::Env::postgres().await;
                    super::$name(&env).await;
                    env.done().await;
                }
            )+
        }
    };
}
pub(crate) use on_both_backends;

pub fn admin_actor() -> Actor {
    Actor::key("0a1b2c3d", "ops (laptop)")
}

/// A PHC string that looks like argon2's; the store keeps it as given.
pub fn phc(tag: &str) -> String {
    format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdC17dGFnfQ${tag}")
}

/// A local account with role `role` and scope all.
pub fn local(username: &str, role: &str) -> NewAccount {
    NewAccount {
        username: username.into(),
        auth: AuthKind::Local,
        password_hash: Some(phc(username)),
        email: Some(format!("{}@corp.example", username.to_lowercase())),
        phone: None,
        role_id: role.into(),
        scope: access::Scope::All,
        must_change_password: false,
    }
}

pub async fn account(s: &dyn Store, username: &str, role: &str) -> Account {
    s.create_account(&local(username, role), &admin_actor(), T0)
        .await
        .unwrap()
}

/// The super admin `root`, first account of the database.
pub async fn super_admin(s: &dyn Store) -> Account {
    s.create_first_super_admin(&local("root", access::Role::ADMINISTRATOR), T0)
        .await
        .unwrap()
        .unwrap()
}

/// The message of an `Invalid`, or a panic naming what came instead.
pub fn invalid<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(e @ StoreError::Invalid(_)) => e.to_string(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

pub fn conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(e @ StoreError::Conflict(_)) => e.to_string(),
        other => panic!("expected Conflict, got {other:?}"),
    }
}

pub fn not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(e @ StoreError::NotFound(_)) => e.to_string(),
        other => panic!("expected NotFound, got {other:?}"),
    }
}
