//! Storage for `cordon serve`: one [`Store`] trait, two backends.
//!
//! - [`sqlite::SqliteStore`]: the default, an embedded database file in a
//!   data directory, WAL mode, migrations applied on open.
//! - [`postgres::PgStore`]: PostgreSQL for several servers sharing one
//!   database, same schema and behaviour.
//!
//! Each backend owns its migrations (`migrations/sqlite`, `migrations/postgres`)
//! and runs the same SQL text where the two dialects agree (they agree on
//! almost everything we need: `$n` parameters, `RETURNING`, `ON CONFLICT`),
//! generated once by the `impl_store!` macro in [`common`]. The storage story
//! test in `tests/it` runs against both.
//!
//! Times are Unix milliseconds everywhere. Incident details are JSON that the
//! server has already masked: this crate never sees a full sensitive value.

use std::fmt;

use serde::{Deserialize, Serialize};

#[macro_use]
mod common;
pub mod postgres;
pub mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;

pub use common::{BucketCount, IncidentFilter, NameCount, RuleCount};

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

/// What a key may do. Roles are coarse on purpose: user accounts, roles
/// and scopes come with the next issue and will map onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Applications and agents: decide, inspect, submit justifications, poll policies.
    Client,
    /// Everything, including policies, incidents, keys and groups.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "client" => Some(Role::Client),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An API key as stored: never the secret itself, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Public id, also the key's prefix: `cordon_<id>_<secret>`.
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_at: Millis,
    pub revoked_at: Option<Millis>,
}

/// A secret that must not end up in logs: `Debug` prints a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The secret itself, for printing once to the operator who asked for it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A freshly created key: the only time the plaintext exists.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub key: ApiKey,
    pub secret: Secret,
}

pub mod keys {
    //! Key format and hashing: `cordon_<id>_<secret>` where `id` is 8 random
    //! hex digits (public, the database key) and `secret` 64 hex digits (256
    //! random bits). Only SHA-256 of the whole string is stored; a 256-bit
    //! random secret needs no slow KDF.
    use rand::RngCore;
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;

    pub const PREFIX: &str = "cordon_";

    /// A new (id, full key) pair.
    pub fn generate() -> (String, String) {
        let mut rng = rand::thread_rng();
        let mut id = [0u8; 4];
        let mut secret = [0u8; 32];
        rng.fill_bytes(&mut id);
        rng.fill_bytes(&mut secret);
        let id = hex::encode(id);
        let full = format!("{PREFIX}{id}_{}", hex::encode(secret));
        (id, full)
    }

    /// The id part of a presented key, if it has the right shape.
    pub fn parse_id(key: &str) -> Option<&str> {
        let rest = key.strip_prefix(PREFIX)?;
        let (id, secret) = rest.split_once('_')?;
        (id.len() == 8 && secret.len() == 64).then_some(id)
    }

    pub fn hash(key: &str) -> String {
        hex::encode(Sha256::digest(key.as_bytes()))
    }

    /// Constant-time comparison of a presented key with a stored hash.
    pub fn verify(key: &str, stored_hash: &str) -> bool {
        hash(key).as_bytes().ct_eq(stored_hash.as_bytes()).into()
    }
}

/// A policy and where its versions stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub latest_version: i64,
    pub active_version: Option<i64>,
}

/// One immutable version of a policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub policy_id: String,
    pub version: i64,
    /// `yaml` or `json`.
    pub format: String,
    pub body: String,
    pub comment: String,
    pub created_at: Millis,
    pub created_by: String,
}

/// A policy version to store.
#[derive(Debug, Clone)]
pub struct NewPolicyVersion {
    pub policy_id: String,
    pub name: String,
    pub format: String,
    pub body: String,
    pub comment: String,
    pub actor: String,
}

/// An activation step, for audit and rollback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    pub policy_id: String,
    /// `None` when the policy was deactivated.
    pub version: Option<i64>,
    pub at: Millis,
    pub actor: String,
}

/// Incident review status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    InProgress,
    Resolved,
    FalsePositive,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::New,
        Status::InProgress,
        Status::Resolved,
        Status::FalsePositive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
            Status::FalsePositive => "false_positive",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// JSON text kept as is: built once by the server (no intermediate
/// `serde_json::Value` tree on the hot path), stored as TEXT, and sent back
/// verbatim inside API responses. Always valid JSON: it is checked when
/// made from text and never re-checked when serialized.
#[derive(Debug, Clone)]
pub struct RawJson(Box<serde_json::value::RawValue>);

impl PartialEq for RawJson {
    fn eq(&self, other: &RawJson) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RawJson {}

impl RawJson {
    /// JSON text; text that is not JSON becomes `null` (the store never
    /// writes such text).
    pub fn from_serialized(text: String) -> RawJson {
        match serde_json::value::RawValue::from_string(text) {
            Ok(raw) => RawJson(raw),
            Err(_) => RawJson::null(),
        }
    }

    /// Serializes `v` straight to JSON text.
    pub fn serialize_from<T: Serialize + ?Sized>(v: &T) -> serde_json::Result<RawJson> {
        serde_json::value::to_raw_value(v).map(RawJson)
    }

    pub fn from_value(v: &serde_json::Value) -> RawJson {
        RawJson::serialize_from(v).unwrap_or_else(|_| RawJson::null())
    }

    pub fn null() -> RawJson {
        RawJson(serde_json::value::RawValue::NULL.to_owned())
    }

    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// Parses it into a `Value` tree.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(self.as_str()).unwrap_or(serde_json::Value::Null)
    }
}

impl Serialize for RawJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Box::<serde_json::value::RawValue>::deserialize(d).map(RawJson)
    }
}

/// An incident to record: one per violation (matched DENY rule, enforced
/// or permissive, or an `exception` outcome).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewIncident {
    pub created_at: Millis,
    /// The id of the HTTP request that caused it.
    pub request_id: String,
    pub rule_id: String,
    pub rule_name: String,
    pub policy_id: String,
    pub policy_version: i64,
    /// `enforce` or `permissive`.
    pub mode: String,
    pub enforced: bool,
    /// The overall decision of the request: `allow`, `deny`, `exception`.
    pub decision: String,
    /// The event's action: `download`, `share`, …
    pub action: String,
    pub username: String,
    /// Upper-case category names (`PII`, `PCI`, …).
    pub categories: Vec<String>,
    /// Masked event summary, findings, actions taken, explanation (JSON).
    pub details: RawJson,
}

/// A stored incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: i64,
    pub status: Status,
    #[serde(flatten)]
    pub incident: NewIncident,
}

/// One step of an incident's history after its creation. Creation and the
/// action taken are part of the incident row itself (they are written in the
/// same batch insert) and the server shows them as the first entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: Millis,
    pub actor: String,
    /// `status`, `justification` or `note`.
    pub kind: String,
    pub detail: serde_json::Value,
}

/// A business justification for an `exception` decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewJustification {
    pub created_at: Millis,
    pub expires_at: Millis,
    pub incident_id: Option<i64>,
    pub request_id: String,
    pub username: String,
    pub sender: String,
    pub recipient: String,
    pub category: String,
    pub justification: String,
    pub submitted_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Justification {
    pub id: i64,
    #[serde(flatten)]
    pub justification: NewJustification,
}

/// A named group of agents and the policy version assigned to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentGroup {
    pub name: String,
    pub description: String,
    pub policy_id: String,
    pub policy_version: i64,
    pub updated_at: Millis,
}

/// Activity counted in memory for one bucket, flushed in one call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityBatch {
    pub bucket: Millis,
    /// (action, count), each action at most once.
    pub actions: Vec<(String, i64)>,
    /// Distinct users seen in the bucket.
    pub users: Vec<String>,
}

/// The storage interface of the server. Both backends implement all of it
/// with the same behaviour; `tests/it` checks that.
#[async_trait::async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// A cheap round trip that also proves the schema is readable.
    async fn ping(&self) -> Result<()>;
    /// Checks that the database is consistent and writable (for `/readyz`
    /// and start-up): SQLite's quick_check, a write to the state table.
    async fn check(&self) -> Result<()>;

    // --- API keys ---
    async fn count_api_keys(&self) -> Result<i64>;
    /// Creates a key only if the database has none, atomically: of several
    /// servers starting together on an empty database exactly one gets
    /// `Some` (and prints the key).
    async fn create_first_api_key(
        &self,
        name: &str,
        role: Role,
        now: Millis,
    ) -> Result<Option<NewApiKey>>;
    async fn create_api_key(&self, name: &str, role: Role, now: Millis) -> Result<NewApiKey>;
    /// Returns the key record if the presented key is valid and not revoked.
    async fn authenticate(&self, presented: &str) -> Result<Option<ApiKey>>;
    async fn revoke_api_key(&self, id: &str, now: Millis) -> Result<()>;
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>>;

    // --- policies ---
    /// Creates policy `id` with version 1. `Conflict` if it exists.
    async fn create_policy(&self, new: &NewPolicyVersion, now: Millis) -> Result<PolicyVersion>;
    /// Adds the next version of an existing policy. `NotFound` if it doesn't exist.
    async fn add_policy_version(
        &self,
        new: &NewPolicyVersion,
        now: Millis,
    ) -> Result<PolicyVersion>;
    async fn list_policies(&self) -> Result<Vec<Policy>>;
    async fn get_policy(&self, id: &str) -> Result<Policy>;
    async fn list_policy_versions(&self, id: &str) -> Result<Vec<PolicyVersion>>;
    async fn get_policy_version(&self, id: &str, version: i64) -> Result<PolicyVersion>;
    /// Makes `version` the active one (or deactivates with `None`) and
    /// bumps the policy generation.
    async fn activate_policy(
        &self,
        id: &str,
        version: Option<i64>,
        actor: &str,
        now: Millis,
    ) -> Result<Policy>;
    /// Goes back to the version that was active before the current
    /// activation. `Invalid` if there is nothing to go back to.
    async fn rollback_policy(&self, id: &str, actor: &str, now: Millis) -> Result<Policy>;
    async fn list_activations(&self, id: &str) -> Result<Vec<Activation>>;
    /// The active version of every active policy.
    async fn active_policy_versions(&self) -> Result<Vec<PolicyVersion>>;
    /// A counter bumped by every activation: servers poll it.
    async fn policy_generation(&self) -> Result<i64>;

    // --- incidents ---
    /// Inserts a batch in one transaction: all or nothing.
    async fn insert_incidents(&self, batch: &[NewIncident]) -> Result<()>;
    /// Inserts a batch loaded from a server's incident journal and records,
    /// in the same transaction, that journal `journal` is loaded up to byte
    /// position `lsn`: after a crash the journal replays from exactly there.
    async fn insert_journaled_incidents(
        &self,
        batch: &[NewIncident],
        journal: &str,
        lsn: i64,
        now: Millis,
    ) -> Result<()>;
    /// How far `journal` was loaded (`None`: never).
    async fn journal_position(&self, journal: &str) -> Result<Option<i64>>;
    /// Inserts `batch` in a transaction that is rolled back: does the
    /// database accept these rows? (Used to find a row it refuses.)
    async fn try_incidents(&self, batch: &[NewIncident]) -> Result<()>;
    /// Newest first; `filter.before` is the cursor (an incident id).
    async fn list_incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>>;
    async fn get_incident(&self, id: i64) -> Result<Incident>;
    async fn incident_history(&self, id: i64) -> Result<Vec<HistoryEntry>>;
    async fn set_incident_status(
        &self,
        id: i64,
        status: Status,
        actor: &str,
        comment: &str,
        now: Millis,
    ) -> Result<Incident>;
    async fn add_incident_history(&self, id: i64, entry: &HistoryEntry) -> Result<()>;
    async fn find_incidents_by_request(&self, request_id: &str) -> Result<Vec<Incident>>;
    async fn count_incidents(&self) -> Result<i64>;
    /// Violations per rule in `[from, to)`.
    async fn rule_counts(&self, from: Millis, to: Millis) -> Result<Vec<RuleCount>>;

    // --- exceptions ---
    /// Stores a justification, and an entry in its incident's history.
    async fn insert_justification(&self, j: &NewJustification) -> Result<Justification>;
    /// Justifications whose window is still open at `now`.
    async fn open_justifications(&self, now: Millis) -> Result<Vec<Justification>>;
    async fn list_justifications(&self, limit: i64) -> Result<Vec<Justification>>;

    // --- agent groups ---
    async fn upsert_agent_group(&self, group: &AgentGroup) -> Result<AgentGroup>;
    async fn get_agent_group(&self, name: &str) -> Result<AgentGroup>;
    async fn list_agent_groups(&self) -> Result<Vec<AgentGroup>>;
    async fn delete_agent_group(&self, name: &str) -> Result<()>;

    // --- dashboard ---
    async fn record_activity(&self, batches: &[ActivityBatch]) -> Result<()>;
    /// Events per action in `[from, to)`.
    async fn activity_totals(&self, from: Millis, to: Millis) -> Result<Vec<NameCount>>;
    /// Distinct users in `[from, to)`.
    async fn active_users(&self, from: Millis, to: Millis) -> Result<i64>;
    /// Violations per `bucket_ms` bucket in `[from, to)`.
    async fn violations_over_time(
        &self,
        from: Millis,
        to: Millis,
        bucket_ms: i64,
    ) -> Result<Vec<BucketCount>>;
    async fn top_users(&self, from: Millis, to: Millis, limit: i64) -> Result<Vec<NameCount>>;
}

/// Opens the store a URL names: `postgres://…` / `postgresql://…`, or
/// `sqlite://PATH` / a plain file path for SQLite.
pub async fn open(url: &str) -> Result<std::sync::Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(postgres::PgStore::connect(url).await?))
    } else {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        Ok(std::sync::Arc::new(
            sqlite::SqliteStore::open(std::path::Path::new(path)).await?,
        ))
    }
}

/// Current wall-clock time in Unix milliseconds.
pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_hash_verifies() {
        let (id, full) = keys::generate();
        assert_eq!(keys::parse_id(&full), Some(id.as_str()));
        let h = keys::hash(&full);
        assert!(keys::verify(&full, &h));
        assert!(!keys::verify(&format!("{full}x"), &h));
        assert_eq!(keys::parse_id("cordon_abc_def"), None);
        assert_eq!(keys::parse_id("nope"), None);
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("cordon_deadbeef_topsecret");
        assert!(!format!("{s:?}").contains("topsecret"));
    }

    #[test]
    fn status_names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("closed"), None);
    }
}
