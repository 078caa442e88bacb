//! Storage for `cordon serve`: one trait per resource, two backends.
//!
//! The server's data splits into resources, each a module with its types,
//! a trait, and the SQL that implements the trait:
//!
//! | module | trait | what |
//! |---|---|---|
//! | [`keys`] | [`KeyStore`] | API keys, stored as SHA-256 |
//! | `policies` | [`PolicyStore`] | policy versions, activation and rollback, the generation counter |
//! | `incidents` | [`IncidentStore`] | incidents, review status and history, filters, counts |
//! | `exceptions` | [`ExceptionStore`] | justifications and their windows |
//! | `groups` | [`GroupStore`] | agent groups |
//! | `computers` | [`ComputerStore`] | computers, remote offices, the scope filter |
//! | `activity` | [`ActivityStore`] | dashboard counters |
//! | `journal` | [`JournalStore`] | each server's incident-journal position |
//! | `accounts` | [`AccountStore`] | accounts, the one super admin, credentials, TOTP replay, lockout |
//! | `roles` | [`RoleStore`] | roles (the predefined four written on open), held-role protection |
//! | [`sessions`] | [`SessionStore`] | console sessions, login challenges, remembered browsers |
//! | `audit` | [`AuditStore`] | the append-only audit log |
//! | `settings` | [`SettingsStore`] | server-wide settings changed at run time |
//! | `outbox` | [`OutboxStore`] | deliveries of incidents to sinks and plug-ins, claimed with a lease |
//! | `plugins` | [`PluginStore`] | installed response plug-in packages |
//! | `shares` | [`ShareStore`] | the share inventory applications register, crawl runs |
//! | `leases` | [`LeaseStore`] | leases of jobs exactly one server runs |
//!
//! [`Store`] is all of them at once (a blanket impl), plus [`Backend`]
//! (which database, is it alive, is it sound): the server holds an
//! `Arc<dyn Store>` and brings the traits into scope with
//! `use cordon_store::prelude::*`. A further resource comes the same
//! way: a module, a trait, a macro, and a line in [`Store`].
//!
//! Two backends implement every trait, with the same behaviour:
//!
//! - SQLite (`sqlite.rs`): the default, an embedded database file in a
//!   data directory, WAL mode, migrations applied on open.
//! - PostgreSQL (`postgres.rs`): for several servers sharing one database,
//!   same schema and behaviour.
//!
//! [`open`] opens either from a URL with the server's [`OpenOptions`]
//! (durability settings, pool size); `cordon serve`, `cordon admin` and
//! the tests all open stores through it.
//!
//! Each backend owns its migrations (`migrations/sqlite`, `migrations/postgres`).
//! The SQL is written once, in the resource's module, as a macro
//! (`impl_key_store!`, …) that each backend expands with its own driver
//! types: the two dialects agree on almost everything we need (`$n`
//! parameters, `RETURNING`, `ON CONFLICT`), and each backend type-checks
//! the same query text against its own driver. Why a macro and not
//! generic code over `sqlx::Database`: the bounds that generic sqlx code
//! needs (`for<'c> &'c mut Connection: Executor<'c>`, an `Encode + Type`
//! bound per bound type, `ColumnIndex` for rows …) would dwarf the queries.
//! The storage story test in `tests/it` runs against both backends.
//!
//! Times are Unix milliseconds everywhere. Incident details are JSON that the
//! server has already masked: this crate never sees a full sensitive value.
//! Nor a secret in clear: API keys, session, CSRF, challenge and
//! remember-browser tokens are kept as SHA-256, passwords as the argon2
//! hashes the server made, TOTP secrets as the server sealed them; types
//! that carry a hash or a sealed secret hide it from `Debug`. The audit
//! log is append-only, down to triggers in the database.

#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::allow_attributes_without_reason
    )
)]

use std::fmt;

mod accounts;
mod activity;
mod actor;
mod audit;
mod computers;
pub mod enrolment;
mod exceptions;
mod groups;
mod incidents;
mod journal;
pub mod keys;
mod leases;
mod open;
mod outbox;
mod plugins;
mod policies;
mod postgres;
mod raw;
mod roles;
pub mod sessions;
mod settings;
mod shares;
mod sql;
mod sqlite;
mod streams;
#[cfg(feature = "testing")]
pub mod testing;

pub use accounts::{
    Account, AccountStore, AccountUpdate, AuthKind, Credentials, Lockout, LockoutPolicy,
    MAX_USERNAME_CHARS, NewAccount,
};
pub use activity::{ActivityBatch, ActivityStore, NameCount};
pub use actor::Actor;
pub use audit::{
    AuditEntry, AuditFilter, AuditOutcome, AuditRecord, AuditStore, MAX_JSON_BYTES, MAX_TEXT_BYTES,
};
pub use computers::{
    AgentReport, Computer, ComputerFilter, ComputerInput, ComputerStore, RemoteOffice, ScopeFilter,
};
pub use enrolment::{EnrolRefusal, Enrolment, EnrolmentStore, EnrolmentToken, NewEnrolmentToken};
pub use exceptions::{ExceptionStore, Justification, NewJustification};
pub use groups::{AgentGroup, GroupStore};
pub use incidents::{
    BucketCount, HistoryEntry, Incident, IncidentFilter, IncidentStore, NewIncident, RuleCount,
    Status,
};
pub use journal::JournalStore;
pub use keys::{ApiKey, KeyStore, NewApiKey, Role, Secret};
pub use leases::{JobState, Lease, LeaseStore};
pub use open::{OpenOptions, SqliteSynchronous, open};
pub use outbox::{
    Delivery, DeliveryFilter, DeliveryState, DueTarget, Finish, MAX_ERROR_CHARS, OutboxStore,
    Outgoing, delivery_key,
};
pub use plugins::{NewPlugin, PluginRow, PluginStore};
pub use policies::{Activation, NewPolicyVersion, Policy, PolicyStore, PolicyVersion};
pub use postgres::redact;
pub use raw::RawJson;
pub use roles::{RoleStore, StoredRole};
pub use sessions::{
    Challenge, ChallengeMethod, NewChallenge, NewRememberedBrowser, NewSession, RememberedBrowser,
    SendOutcome, Session, SessionStore,
};
pub use settings::{Setting, SettingsStore};
pub use shares::{CrawlMode, CrawlRun, NewShare, Share, ShareStore};
pub use streams::{
    INCIDENT_ORDER_LOCK, SinkStream, StreamEnd, StreamFailure, StreamStore, stream_key,
};

/// The traits, for `use cordon_store::prelude::*` where a store's methods
/// are called.
pub mod prelude {
    pub use crate::{
        AccountStore, ActivityStore, AuditStore, Backend, ComputerStore, EnrolmentStore,
        ExceptionStore, GroupStore, IncidentStore, JournalStore, KeyStore, LeaseStore, OutboxStore,
        PluginStore, PolicyStore, RoleStore, SessionStore, SettingsStore, ShareStore, Store,
        StreamStore,
    };
}

/// Unix time in milliseconds.
pub type Millis = i64;

/// Errors from the storage layer. Messages name the object involved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} already exists")]
    Conflict(String),
    #[error("invalid {0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot open database at `{path}`: {message}")]
    Open { path: String, message: String },
}

impl StoreError {
    /// What kind of failure this is, from the driver's error code (SQLite
    /// extended result codes, PostgreSQL SQLSTATE), never from message
    /// text: callers decide by it whether to retry, refuse the input, or
    /// report the storage as full or unavailable.
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::NotFound(_) => ErrorKind::NotFound,
            StoreError::Conflict(_) => ErrorKind::Conflict,
            StoreError::Invalid(_) => ErrorKind::Invalid,
            StoreError::Database(e) => sqlx_kind(e),
            StoreError::Migrate(sqlx::migrate::MigrateError::Execute(e)) => sqlx_kind(e),
            StoreError::Migrate(_) => ErrorKind::Internal,
            StoreError::Open { .. } => ErrorKind::Unavailable,
        }
    }
}

/// The kind of a [`StoreError`]: what the caller can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The object named does not exist.
    NotFound,
    /// The object named already exists.
    Conflict,
    /// The database refuses a value as such (a NUL in text, a value out of
    /// range, a row too large) or the request is invalid: retrying the
    /// same input fails the same way.
    Invalid,
    /// The database refuses a row by a constraint (unique, check, not
    /// null, foreign key, a trigger's `RAISE`): retrying it fails too.
    Constraint,
    /// The disk (or the database's quota) is full: retry once space is
    /// freed. SQLite `SQLITE_FULL`, PostgreSQL `53100 disk_full`.
    Full,
    /// The database cannot be reached or cannot work right now: a lost
    /// connection, a timed-out pool, an I/O error, a lock, out of memory,
    /// a shutdown, a read-only file. Retry later.
    Unavailable,
    /// The database file or an index is damaged.
    Corrupt,
    /// Anything else: a bug (SQL, schema, decoding) rather than a state of
    /// the database.
    Internal,
}

impl ErrorKind {
    /// A stable code for APIs and readiness (never the database's text).
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Invalid => "invalid_input",
            ErrorKind::Constraint => "constraint",
            ErrorKind::Full => "storage_full",
            ErrorKind::Unavailable => "storage_unavailable",
            ErrorKind::Corrupt => "storage_corrupt",
            ErrorKind::Internal => "storage_error",
        }
    }

    /// The failure is a state of the database that passes (space freed,
    /// connection back): the same operation may succeed later.
    pub fn is_transient(self) -> bool {
        matches!(self, ErrorKind::Full | ErrorKind::Unavailable)
    }

    /// The database refuses the rows themselves: other rows may go in,
    /// these never will as they are.
    pub fn refuses_rows(self) -> bool {
        matches!(self, ErrorKind::Invalid | ErrorKind::Constraint)
    }
}

/// Classifies an sqlx error by the driver's code.
fn sqlx_kind(e: &sqlx::Error) -> ErrorKind {
    use sqlx::Error as E;
    match e {
        E::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or("");
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                sqlite::error_kind(code)
            } else if db
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some()
            {
                postgres::error_kind(code)
            } else {
                ErrorKind::Internal
            }
        }
        E::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => ErrorKind::Full,
        E::Io(_)
        | E::Tls(_)
        | E::Protocol(_)
        | E::PoolTimedOut
        | E::WorkerCrashed
        | E::BeginFailed
        | E::InvalidSavePointStatement => ErrorKind::Unavailable,
        E::RowNotFound => ErrorKind::NotFound,
        // Also `PoolClosed`: this process closed the store (it is
        // stopping), which no retry undoes.
        _ => ErrorKind::Internal,
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database behind a store: which one, whether it answers, whether
/// it is sound.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + fmt::Debug {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// A cheap round trip, for liveness and readiness: reads one row of
    /// the state table (so the schema is there), and gives up after
    /// [`PING_TIMEOUT`] (a `PoolTimedOut` database error) when the pool is
    /// exhausted or the database hangs. Constant time whatever the size
    /// of the database.
    async fn ping(&self) -> Result<()>;
    /// The deep check, for `cordon admin check` and for telling a refused
    /// row from a broken database: consistent (SQLite's `quick_check`,
    /// which reads the whole file: seconds on a large database) and
    /// writable (a write to the state table). Not for a probe.
    async fn check(&self) -> Result<()>;
    /// Closes the pool (SQLite: after checkpointing the WAL).
    async fn close(&self);
}

/// How long [`Backend::ping`] waits for the database.
pub const PING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The storage interface of the server: every resource. Both backends
/// implement all of it with the same behaviour; `tests/it` checks that.
pub trait Store:
    Backend
    + KeyStore
    + PolicyStore
    + IncidentStore
    + ExceptionStore
    + GroupStore
    + ComputerStore
    + EnrolmentStore
    + ActivityStore
    + JournalStore
    + AccountStore
    + RoleStore
    + SessionStore
    + AuditStore
    + SettingsStore
    + OutboxStore
    + PluginStore
    + ShareStore
    + LeaseStore
    + StreamStore
{
}

impl<T> Store for T where
    T: Backend
        + KeyStore
        + PolicyStore
        + IncidentStore
        + ExceptionStore
        + GroupStore
        + ComputerStore
        + EnrolmentStore
        + EnrolmentStore
        + ActivityStore
        + JournalStore
        + AccountStore
        + RoleStore
        + SessionStore
        + AuditStore
        + SettingsStore
        + OutboxStore
        + PluginStore
        + ShareStore
        + LeaseStore
        + StreamStore
        + ?Sized
{
}

/// Current wall-clock time in Unix milliseconds.
pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
