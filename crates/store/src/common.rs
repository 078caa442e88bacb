//! What both backends share: query types, row conversions, and the
//! `impl_store!` macro that writes the SQL once for both dialects.
//!
//! Why a macro and not generic code over `sqlx::Database`: the bounds that
//! generic sqlx code needs (`for<'c> &'c mut Connection: Executor<'c>`, an
//! `Encode + Type` bound per bound type, `ColumnIndex` for rows …) would
//! dwarf the queries; the macro keeps each query readable and lets each
//! backend type-check it against its own driver.

use serde::{Deserialize, Serialize};

use crate::{Millis, Status};

/// Filters for listing incidents. Every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentFilter {
    /// Created at or after (Unix ms).
    pub from: Option<Millis>,
    /// Created before (Unix ms).
    pub to: Option<Millis>,
    pub rule: Option<String>,
    pub user: Option<String>,
    pub action: Option<String>,
    /// Upper-case category name; matches incidents carrying it.
    pub category: Option<String>,
    pub status: Option<Status>,
    pub decision: Option<String>,
    pub request_id: Option<String>,
    /// Cursor: only incidents with an id below this one.
    pub before: Option<i64>,
    /// At most this many (clamped to 1..=1000, default 100).
    pub limit: Option<i64>,
}

impl IncidentFilter {
    pub fn effective_limit(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, 1000)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCount {
    pub rule_id: String,
    pub total: i64,
    pub enforced: i64,
    pub permissive: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameCount {
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketCount {
    /// Bucket start, Unix ms.
    pub bucket: Millis,
    pub count: i64,
}

/// `[PII, PCI]` → `,PII,PCI,` so that `LIKE '%,PII,%'` matches exactly.
/// Text as a database column can hold it: PostgreSQL refuses NUL in
/// `TEXT`, and a value it refuses must not stop every incident behind it in
/// the journal. A NUL becomes U+FFFD (in JSON columns it is escaped anyway).
pub(crate) fn text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\0') {
        std::borrow::Cow::Owned(s.replace('\0', "\u{FFFD}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

pub(crate) fn join_categories(cats: &[String]) -> String {
    let mut s = String::from(",");
    for c in cats {
        s.push_str(c);
        s.push(',');
    }
    s
}

pub(crate) fn split_categories(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Replays the activation log (oldest first) as a stack: `activate` pushes,
/// `rollback` pops. Returns the version a rollback would go back to.
pub(crate) fn rollback_target(log: &[(Option<i64>, String)]) -> Option<Option<i64>> {
    let mut stack: Vec<Option<i64>> = Vec::new();
    for (version, kind) in log {
        if kind == "rollback" {
            stack.pop();
        } else {
            stack.push(*version);
        }
    }
    // The current state is the top; we go back to the one below it.
    if stack.len() < 2 {
        return None;
    }
    stack.get(stack.len() - 2).copied()
}

/// `$begin` is the statement that opens a write transaction. SQLite needs
/// `BEGIN IMMEDIATE`: a deferred transaction that reads first and writes
/// later cannot upgrade its read snapshot once another connection (the
/// incident writer) has committed meanwhile, and SQLite then fails at once
/// with SQLITE_BUSY instead of waiting out `busy_timeout`. Taking the write
/// lock up front makes the transaction wait its turn instead.
macro_rules! impl_store {
    ($store:ty, $db:ty, $backend:literal, $begin:literal) => {
        use sqlx::Row as _;
        use $crate::common::{
            join_categories, rollback_target, split_categories, text, BucketCount, IncidentFilter,
            NameCount, RuleCount,
        };
        use $crate::{
            keys, Activation, ActivityBatch, AgentGroup, ApiKey, HistoryEntry, Incident,
            Justification, Millis, NewApiKey, NewIncident, NewJustification, NewPolicyVersion,
            Policy, PolicyVersion, RawJson, Result, Role, Secret, Status, StoreError,
        };

        type Row = <$db as sqlx::Database>::Row;

        fn key_from_row(r: &Row) -> Result<ApiKey> {
            let role: String = r.try_get("role")?;
            Ok(ApiKey {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                role: Role::parse(&role)
                    .ok_or_else(|| StoreError::Invalid(format!("stored role `{role}`")))?,
                created_at: r.try_get("created_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        }

        fn policy_from_row(r: &Row) -> Result<Policy> {
            Ok(Policy {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                latest_version: r.try_get("latest_version")?,
                active_version: r.try_get("active_version")?,
            })
        }

        fn version_from_row(r: &Row) -> Result<PolicyVersion> {
            Ok(PolicyVersion {
                policy_id: r.try_get("policy_id")?,
                version: r.try_get("version")?,
                format: r.try_get("format")?,
                body: r.try_get("body")?,
                comment: r.try_get("comment")?,
                created_at: r.try_get("created_at")?,
                created_by: r.try_get("created_by")?,
            })
        }

        fn incident_from_row(r: &Row) -> Result<Incident> {
            let status: String = r.try_get("status")?;
            let details: String = r.try_get("details")?;
            let cats: String = r.try_get("categories")?;
            let enforced: i64 = r.try_get("enforced")?;
            Ok(Incident {
                id: r.try_get("id")?,
                status: Status::parse(&status)
                    .ok_or_else(|| StoreError::Invalid(format!("stored status `{status}`")))?,
                incident: NewIncident {
                    created_at: r.try_get("created_at")?,
                    request_id: r.try_get("request_id")?,
                    rule_id: r.try_get("rule_id")?,
                    rule_name: r.try_get("rule_name")?,
                    policy_id: r.try_get("policy_id")?,
                    policy_version: r.try_get("policy_version")?,
                    mode: r.try_get("mode")?,
                    enforced: enforced != 0,
                    decision: r.try_get("decision")?,
                    action: r.try_get("action")?,
                    username: r.try_get("username")?,
                    categories: split_categories(&cats),
                    details: RawJson::from_serialized(details),
                },
            })
        }

        fn justification_from_row(r: &Row) -> Result<Justification> {
            Ok(Justification {
                id: r.try_get("id")?,
                justification: NewJustification {
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    incident_id: r.try_get("incident_id")?,
                    request_id: r.try_get("request_id")?,
                    username: r.try_get("username")?,
                    sender: r.try_get("sender")?,
                    recipient: r.try_get("recipient")?,
                    category: r.try_get("category")?,
                    justification: r.try_get("justification")?,
                    submitted_by: r.try_get("submitted_by")?,
                },
            })
        }

        fn group_from_row(r: &Row) -> Result<AgentGroup> {
            Ok(AgentGroup {
                name: r.try_get("name")?,
                description: r.try_get("description")?,
                policy_id: r.try_get("policy_id")?,
                policy_version: r.try_get("policy_version")?,
                updated_at: r.try_get("updated_at")?,
            })
        }

        const INCIDENT_COLS: &str = "id, created_at, request_id, rule_id, rule_name, policy_id, \
            policy_version, mode, enforced, decision, action, username, categories, status, details";

        /// One multi-row INSERT. Its text depends on the row count, so it is
        /// run unprepared (`persistent(false)`): caching a statement per
        /// batch size would hold hundreds of large statements in memory.
        fn incidents_insert<'a>(rows: &'a [NewIncident]) -> sqlx::QueryBuilder<'a, $db> {
            let mut qb = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO incidents (created_at, request_id, rule_id, rule_name, \
                 policy_id, policy_version, mode, enforced, decision, action, username, \
                 categories, status, details) ",
            );
            qb.push_values(rows, |mut b, i| {
                b.push_bind(i.created_at)
                    .push_bind(text(&i.request_id))
                    .push_bind(text(&i.rule_id))
                    .push_bind(text(&i.rule_name))
                    .push_bind(text(&i.policy_id))
                    .push_bind(i.policy_version)
                    .push_bind(text(&i.mode))
                    .push_bind(i64::from(i.enforced))
                    .push_bind(text(&i.decision))
                    .push_bind(text(&i.action))
                    .push_bind(text(&i.username))
                    .push_bind(join_categories(&i.categories))
                    .push_bind(Status::New.as_str())
                    .push_bind(i.details.as_str());
            });
            qb
        }

        fn new_api_key(id: String, full: String, name: &str, role: Role, now: Millis) -> NewApiKey {
            NewApiKey {
                key: ApiKey {
                    id,
                    name: name.to_owned(),
                    role,
                    created_at: now,
                    revoked_at: None,
                },
                secret: Secret::new(full),
            }
        }

        impl $store {
            async fn activate_in(
                &self,
                id: &str,
                version: Option<i64>,
                kind: &str,
                actor: &str,
                now: Millis,
            ) -> Result<Policy> {
                let mut tx = self.pool.begin_with($begin).await?;
                let row = sqlx::query("SELECT latest_version FROM policies WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("policy `{id}`")))?;
                let latest: i64 = row.try_get("latest_version")?;
                if let Some(v) = version {
                    if v < 1 || v > latest {
                        return Err(StoreError::NotFound(format!(
                            "version {v} of policy `{id}`"
                        )));
                    }
                }
                sqlx::query("UPDATE policies SET active_version = $1, updated_at = $2 WHERE id = $3")
                    .bind(version)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO policy_activations (policy_id, version, kind, at, actor) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(version)
                .bind(kind)
                .bind(now)
                .bind(actor)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE state SET value = value + 1 WHERE key = 'policy_generation'")
                    .execute(&mut *tx)
                    .await?;
                let row = sqlx::query("SELECT * FROM policies WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                let p = policy_from_row(&row)?;
                tx.commit().await?;
                Ok(p)
            }

            async fn insert_version(
                &self,
                new: &NewPolicyVersion,
                now: Millis,
                create: bool,
            ) -> Result<PolicyVersion> {
                let mut tx = self.pool.begin_with($begin).await?;
                let existing = sqlx::query("SELECT latest_version FROM policies WHERE id = $1")
                    .bind(&new.policy_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let version = match (existing, create) {
                    (Some(_), true) => {
                        return Err(StoreError::Conflict(format!("policy `{}`", new.policy_id)));
                    }
                    (None, false) => {
                        return Err(StoreError::NotFound(format!("policy `{}`", new.policy_id)));
                    }
                    (None, true) => {
                        let r = sqlx::query(
                            "INSERT INTO policies (id, name, created_at, updated_at, latest_version) \
                             VALUES ($1, $2, $3, $3, 1) ON CONFLICT (id) DO NOTHING",
                        )
                        .bind(&new.policy_id)
                        .bind(&new.name)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        if r.rows_affected() == 0 {
                            return Err(StoreError::Conflict(format!(
                                "policy `{}`",
                                new.policy_id
                            )));
                        }
                        1
                    }
                    (Some(row), false) => {
                        let latest: i64 = row.try_get("latest_version")?;
                        let next = latest + 1;
                        // Guarded by the old value so two concurrent updates
                        // cannot both claim the same version number.
                        let r = sqlx::query(
                            "UPDATE policies SET latest_version = $1, name = $2, updated_at = $3 \
                             WHERE id = $4 AND latest_version = $5",
                        )
                        .bind(next)
                        .bind(&new.name)
                        .bind(now)
                        .bind(&new.policy_id)
                        .bind(latest)
                        .execute(&mut *tx)
                        .await?;
                        if r.rows_affected() == 0 {
                            return Err(StoreError::Conflict(format!(
                                "version {next} of policy `{}`",
                                new.policy_id
                            )));
                        }
                        next
                    }
                };
                sqlx::query(
                    "INSERT INTO policy_versions \
                     (policy_id, version, format, body, comment, created_at, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&new.policy_id)
                .bind(version)
                .bind(&new.format)
                .bind(&new.body)
                .bind(&new.comment)
                .bind(now)
                .bind(&new.actor)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(PolicyVersion {
                    policy_id: new.policy_id.clone(),
                    version,
                    format: new.format.clone(),
                    body: new.body.clone(),
                    comment: new.comment.clone(),
                    created_at: now,
                    created_by: new.actor.clone(),
                })
            }
        }

        #[async_trait::async_trait]
        impl $crate::Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT value FROM state WHERE key = 'policy_generation'")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(())
            }

            async fn check(&self) -> Result<()> {
                self.check_integrity().await?;
                // A real write: a full disk or a read-only file fails here.
                sqlx::query(
                    "INSERT INTO state (key, value) VALUES ('last_check', $1) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind($crate::now_millis())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn count_api_keys(&self) -> Result<i64> {
                let r = sqlx::query("SELECT COUNT(*) AS n FROM api_keys")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(r.try_get("n")?)
            }

            async fn create_api_key(&self, name: &str, role: Role, now: Millis) -> Result<NewApiKey> {
                let (id, full) = keys::generate();
                sqlx::query(
                    "INSERT INTO api_keys (id, hash, name, role, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&id)
                .bind(keys::hash(&full))
                .bind(name)
                .bind(role.as_str())
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(new_api_key(id, full, name, role, now))
            }

            async fn create_first_api_key(
                &self,
                name: &str,
                role: Role,
                now: Millis,
            ) -> Result<Option<NewApiKey>> {
                let (id, full) = keys::generate();
                // Servers starting together on an empty database: the lock
                // makes them take turns, so exactly one creates the key.
                // (SQLite's `BEGIN IMMEDIATE` already holds the one write lock.)
                let mut tx = self.pool.begin_with($begin).await?;
                if self.backend() == "postgres" {
                    sqlx::query("LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE")
                        .execute(&mut *tx)
                        .await?;
                }
                let inserted = sqlx::query(
                    "INSERT INTO api_keys (id, hash, name, role, created_at) \
                     SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM api_keys)",
                )
                .bind(&id)
                .bind(keys::hash(&full))
                .bind(name)
                .bind(role.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok((inserted == 1).then(|| new_api_key(id, full, name, role, now)))
            }

            async fn authenticate(&self, presented: &str) -> Result<Option<ApiKey>> {
                let Some(id) = keys::parse_id(presented) else {
                    return Ok(None);
                };
                let row = sqlx::query(
                    "SELECT id, hash, name, role, created_at, revoked_at FROM api_keys WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let hash: String = row.try_get("hash")?;
                if !keys::verify(presented, &hash) {
                    return Ok(None);
                }
                let key = key_from_row(&row)?;
                Ok(key.revoked_at.is_none().then_some(key))
            }

            async fn revoke_api_key(&self, id: &str, now: Millis) -> Result<()> {
                let r = sqlx::query(
                    "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("active api key `{id}`")));
                }
                Ok(())
            }

            async fn list_api_keys(&self) -> Result<Vec<ApiKey>> {
                let rows = sqlx::query(
                    "SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY created_at, id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(key_from_row).collect()
            }

            async fn create_policy(&self, new: &NewPolicyVersion, now: Millis) -> Result<PolicyVersion> {
                self.insert_version(new, now, true).await
            }

            async fn add_policy_version(
                &self,
                new: &NewPolicyVersion,
                now: Millis,
            ) -> Result<PolicyVersion> {
                self.insert_version(new, now, false).await
            }

            async fn list_policies(&self) -> Result<Vec<Policy>> {
                let rows = sqlx::query("SELECT * FROM policies ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(policy_from_row).collect()
            }

            async fn get_policy(&self, id: &str) -> Result<Policy> {
                let row = sqlx::query("SELECT * FROM policies WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("policy `{id}`")))?;
                policy_from_row(&row)
            }

            async fn list_policy_versions(&self, id: &str) -> Result<Vec<PolicyVersion>> {
                self.get_policy(id).await?;
                let rows = sqlx::query(
                    "SELECT * FROM policy_versions WHERE policy_id = $1 ORDER BY version",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(version_from_row).collect()
            }

            async fn get_policy_version(&self, id: &str, version: i64) -> Result<PolicyVersion> {
                let row = sqlx::query(
                    "SELECT * FROM policy_versions WHERE policy_id = $1 AND version = $2",
                )
                .bind(id)
                .bind(version)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("version {version} of policy `{id}`")))?;
                version_from_row(&row)
            }

            async fn activate_policy(
                &self,
                id: &str,
                version: Option<i64>,
                actor: &str,
                now: Millis,
            ) -> Result<Policy> {
                self.activate_in(id, version, "activate", actor, now).await
            }

            async fn rollback_policy(&self, id: &str, actor: &str, now: Millis) -> Result<Policy> {
                let rows = sqlx::query(
                    "SELECT version, kind FROM policy_activations WHERE policy_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                if rows.is_empty() {
                    self.get_policy(id).await?;
                }
                let mut log = Vec::with_capacity(rows.len());
                for r in &rows {
                    log.push((r.try_get::<Option<i64>, _>("version")?, r.try_get::<String, _>("kind")?));
                }
                let target = rollback_target(&log).ok_or_else(|| {
                    StoreError::Invalid(format!("rollback: policy `{id}` has no earlier activation"))
                })?;
                self.activate_in(id, target, "rollback", actor, now).await
            }

            async fn list_activations(&self, id: &str) -> Result<Vec<Activation>> {
                let rows = sqlx::query(
                    "SELECT policy_id, version, at, actor FROM policy_activations \
                     WHERE policy_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Activation {
                            policy_id: r.try_get("policy_id")?,
                            version: r.try_get("version")?,
                            at: r.try_get("at")?,
                            actor: r.try_get("actor")?,
                        })
                    })
                    .collect()
            }

            async fn active_policy_versions(&self) -> Result<Vec<PolicyVersion>> {
                let rows = sqlx::query(
                    "SELECT v.* FROM policy_versions v JOIN policies p \
                     ON p.id = v.policy_id AND p.active_version = v.version ORDER BY v.policy_id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(version_from_row).collect()
            }

            async fn policy_generation(&self) -> Result<i64> {
                let r = sqlx::query("SELECT value FROM state WHERE key = 'policy_generation'")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(r.try_get("value")?)
            }

            async fn insert_incidents(&self, batch: &[NewIncident]) -> Result<()> {
                if batch.is_empty() {
                    return Ok(());
                }
                // 14 parameters a row: 1,000 rows stay under both drivers'
                // limits. One statement is atomic on its own, so a batch
                // that fits one statement needs no BEGIN/COMMIT round trips
                // (this is the hot path of every violating request).
                if batch.len() <= 1000 {
                    incidents_insert(batch).build().persistent(false).execute(&self.pool).await?;
                    return Ok(());
                }
                let mut tx = self.pool.begin_with($begin).await?;
                for chunk in batch.chunks(1000) {
                    incidents_insert(chunk).build().persistent(false).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn insert_journaled_incidents(
                &self,
                batch: &[NewIncident],
                journal: &str,
                lsn: i64,
                now: Millis,
            ) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                for chunk in batch.chunks(1000) {
                    incidents_insert(chunk).build().persistent(false).execute(&mut *tx).await?;
                }
                sqlx::query(
                    "INSERT INTO journal_progress (journal_id, lsn, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (journal_id) DO UPDATE SET lsn = excluded.lsn, updated_at = excluded.updated_at",
                )
                .bind(journal)
                .bind(lsn)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn try_incidents(&self, batch: &[NewIncident]) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                for chunk in batch.chunks(1000) {
                    incidents_insert(chunk).build().persistent(false).execute(&mut *tx).await?;
                }
                tx.rollback().await?;
                Ok(())
            }

            async fn journal_position(&self, journal: &str) -> Result<Option<i64>> {
                let row = sqlx::query("SELECT lsn FROM journal_progress WHERE journal_id = $1")
                    .bind(journal)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some(r) => Some(r.try_get("lsn")?),
                    None => None,
                })
            }

            async fn list_incidents(&self, f: &IncidentFilter) -> Result<Vec<Incident>> {
                let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT ");
                qb.push(INCIDENT_COLS);
                qb.push(" FROM incidents WHERE 1 = 1");
                if let Some(v) = f.from {
                    qb.push(" AND created_at >= ").push_bind(v);
                }
                if let Some(v) = f.to {
                    qb.push(" AND created_at < ").push_bind(v);
                }
                if let Some(v) = &f.rule {
                    qb.push(" AND rule_id = ").push_bind(v.clone());
                }
                if let Some(v) = &f.user {
                    qb.push(" AND username = ").push_bind(v.clone());
                }
                if let Some(v) = &f.action {
                    qb.push(" AND action = ").push_bind(v.clone());
                }
                if let Some(v) = &f.category {
                    qb.push(" AND categories LIKE ").push_bind(format!("%,{v},%"));
                }
                if let Some(v) = f.status {
                    qb.push(" AND status = ").push_bind(v.as_str());
                }
                if let Some(v) = &f.decision {
                    qb.push(" AND decision = ").push_bind(v.clone());
                }
                if let Some(v) = &f.request_id {
                    qb.push(" AND request_id = ").push_bind(v.clone());
                }
                if let Some(v) = f.before {
                    qb.push(" AND id < ").push_bind(v);
                }
                qb.push(" ORDER BY id DESC LIMIT ").push_bind(f.effective_limit());
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter().map(incident_from_row).collect()
            }

            async fn get_incident(&self, id: i64) -> Result<Incident> {
                let row = sqlx::query(&format!("SELECT {INCIDENT_COLS} FROM incidents WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
                incident_from_row(&row)
            }

            async fn incident_history(&self, id: i64) -> Result<Vec<HistoryEntry>> {
                let rows = sqlx::query(
                    "SELECT at, actor, kind, detail FROM incident_history \
                     WHERE incident_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let detail: String = r.try_get("detail")?;
                        Ok(HistoryEntry {
                            at: r.try_get("at")?,
                            actor: r.try_get("actor")?,
                            kind: r.try_get("kind")?,
                            detail: serde_json::from_str(&detail).map_err(|e| {
                                StoreError::Invalid(format!("stored history detail: {e}"))
                            })?,
                        })
                    })
                    .collect()
            }

            async fn set_incident_status(
                &self,
                id: i64,
                status: Status,
                actor: &str,
                comment: &str,
                now: Millis,
            ) -> Result<Incident> {
                let mut tx = self.pool.begin_with($begin).await?;
                let row = sqlx::query("SELECT status FROM incidents WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
                let old: String = row.try_get("status")?;
                sqlx::query("UPDATE incidents SET status = $1 WHERE id = $2")
                    .bind(status.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let detail = serde_json::json!({
                    "from": old,
                    "to": status.as_str(),
                    "comment": comment,
                });
                sqlx::query(
                    "INSERT INTO incident_history (incident_id, at, actor, kind, detail) \
                     VALUES ($1, $2, $3, 'status', $4)",
                )
                .bind(id)
                .bind(now)
                .bind(actor)
                .bind(detail.to_string())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                self.get_incident(id).await
            }

            async fn add_incident_history(&self, id: i64, e: &HistoryEntry) -> Result<()> {
                self.get_incident(id).await?;
                sqlx::query(
                    "INSERT INTO incident_history (incident_id, at, actor, kind, detail) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(e.at)
                .bind(&e.actor)
                .bind(&e.kind)
                .bind(e.detail.to_string())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn find_incidents_by_request(&self, request_id: &str) -> Result<Vec<Incident>> {
                let rows = sqlx::query(&format!(
                    "SELECT {INCIDENT_COLS} FROM incidents WHERE request_id = $1 ORDER BY id"
                ))
                .bind(request_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(incident_from_row).collect()
            }

            async fn count_incidents(&self) -> Result<i64> {
                let r = sqlx::query("SELECT COUNT(*) AS n FROM incidents")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(r.try_get("n")?)
            }

            async fn rule_counts(&self, from: Millis, to: Millis) -> Result<Vec<RuleCount>> {
                let rows = sqlx::query(
                    "SELECT rule_id, COUNT(*) AS total, \
                     CAST(COALESCE(SUM(enforced), 0) AS BIGINT) AS enforced \
                     FROM incidents WHERE created_at >= $1 AND created_at < $2 \
                     GROUP BY rule_id ORDER BY total DESC, rule_id",
                )
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let total: i64 = r.try_get("total")?;
                        let enforced: i64 = r.try_get("enforced")?;
                        Ok(RuleCount {
                            rule_id: r.try_get("rule_id")?,
                            total,
                            enforced,
                            permissive: total - enforced,
                        })
                    })
                    .collect()
            }

            async fn insert_justification(&self, j: &NewJustification) -> Result<Justification> {
                let mut tx = self.pool.begin_with($begin).await?;
                if let Some(iid) = j.incident_id {
                    let exists = sqlx::query("SELECT id FROM incidents WHERE id = $1")
                        .bind(iid)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if exists.is_none() {
                        return Err(StoreError::NotFound(format!("incident {iid}")));
                    }
                }
                let row = sqlx::query(
                    "INSERT INTO justifications (created_at, expires_at, incident_id, request_id, \
                     username, sender, recipient, category, justification, submitted_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(j.created_at)
                .bind(j.expires_at)
                .bind(j.incident_id)
                .bind(&j.request_id)
                .bind(&j.username)
                .bind(&j.sender)
                .bind(&j.recipient)
                .bind(&j.category)
                .bind(&j.justification)
                .bind(&j.submitted_by)
                .fetch_one(&mut *tx)
                .await?;
                let id: i64 = row.try_get("id")?;
                if let Some(iid) = j.incident_id {
                    let detail = serde_json::json!({
                        "justification_id": id,
                        "justification": j.justification,
                        "expires_at": j.expires_at,
                    });
                    sqlx::query(
                        "INSERT INTO incident_history (incident_id, at, actor, kind, detail) \
                         VALUES ($1, $2, $3, 'justification', $4)",
                    )
                    .bind(iid)
                    .bind(j.created_at)
                    .bind(&j.submitted_by)
                    .bind(detail.to_string())
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(Justification { id, justification: j.clone() })
            }

            async fn open_justifications(&self, now: Millis) -> Result<Vec<Justification>> {
                let rows = sqlx::query(
                    "SELECT * FROM justifications WHERE expires_at > $1 ORDER BY id",
                )
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(justification_from_row).collect()
            }

            async fn list_justifications(&self, limit: i64) -> Result<Vec<Justification>> {
                let rows = sqlx::query("SELECT * FROM justifications ORDER BY id DESC LIMIT $1")
                    .bind(limit.clamp(1, 1000))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(justification_from_row).collect()
            }

            async fn upsert_agent_group(&self, g: &AgentGroup) -> Result<AgentGroup> {
                self.get_policy_version(&g.policy_id, g.policy_version).await?;
                sqlx::query(
                    "INSERT INTO agent_groups (name, description, policy_id, policy_version, updated_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET \
                     description = excluded.description, policy_id = excluded.policy_id, \
                     policy_version = excluded.policy_version, updated_at = excluded.updated_at",
                )
                .bind(&g.name)
                .bind(&g.description)
                .bind(&g.policy_id)
                .bind(g.policy_version)
                .bind(g.updated_at)
                .execute(&self.pool)
                .await?;
                self.get_agent_group(&g.name).await
            }

            async fn get_agent_group(&self, name: &str) -> Result<AgentGroup> {
                let row = sqlx::query("SELECT * FROM agent_groups WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("agent group `{name}`")))?;
                group_from_row(&row)
            }

            async fn list_agent_groups(&self) -> Result<Vec<AgentGroup>> {
                let rows = sqlx::query("SELECT * FROM agent_groups ORDER BY name")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(group_from_row).collect()
            }

            async fn delete_agent_group(&self, name: &str) -> Result<()> {
                let r = sqlx::query("DELETE FROM agent_groups WHERE name = $1")
                    .bind(name)
                    .execute(&self.pool)
                    .await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("agent group `{name}`")));
                }
                Ok(())
            }

            async fn record_activity(&self, batches: &[ActivityBatch]) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                for b in batches {
                    if !b.actions.is_empty() {
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO activity (bucket, action, count) ",
                        );
                        qb.push_values(&b.actions, |mut row, (action, n)| {
                            row.push_bind(b.bucket).push_bind(action.clone()).push_bind(*n);
                        });
                        qb.push(
                            " ON CONFLICT (bucket, action) DO UPDATE SET count = activity.count + excluded.count",
                        );
                        qb.build().execute(&mut *tx).await?;
                    }
                    for users in b.users.chunks(1000) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO activity_users (bucket, username) ",
                        );
                        qb.push_values(users, |mut row, u| {
                            row.push_bind(b.bucket).push_bind(u.clone());
                        });
                        qb.push(" ON CONFLICT (bucket, username) DO NOTHING");
                        qb.build().execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn activity_totals(&self, from: Millis, to: Millis) -> Result<Vec<NameCount>> {
                let rows = sqlx::query(
                    "SELECT action AS name, CAST(SUM(count) AS BIGINT) AS count FROM activity \
                     WHERE bucket >= $1 AND bucket < $2 GROUP BY action ORDER BY action",
                )
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| Ok(NameCount { name: r.try_get("name")?, count: r.try_get("count")? }))
                    .collect()
            }

            async fn active_users(&self, from: Millis, to: Millis) -> Result<i64> {
                let r = sqlx::query(
                    "SELECT COUNT(DISTINCT username) AS n FROM activity_users \
                     WHERE bucket >= $1 AND bucket < $2",
                )
                .bind(from)
                .bind(to)
                .fetch_one(&self.pool)
                .await?;
                Ok(r.try_get("n")?)
            }

            async fn violations_over_time(
                &self,
                from: Millis,
                to: Millis,
                bucket_ms: i64,
            ) -> Result<Vec<BucketCount>> {
                let bucket_ms = bucket_ms.max(1000);
                let rows = sqlx::query(
                    "SELECT (created_at / $1) * $1 AS bucket, COUNT(*) AS count FROM incidents \
                     WHERE created_at >= $2 AND created_at < $3 GROUP BY 1 ORDER BY 1",
                )
                .bind(bucket_ms)
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| Ok(BucketCount { bucket: r.try_get("bucket")?, count: r.try_get("count")? }))
                    .collect()
            }

            async fn top_users(&self, from: Millis, to: Millis, limit: i64) -> Result<Vec<NameCount>> {
                let rows = sqlx::query(
                    "SELECT username AS name, COUNT(*) AS count FROM incidents \
                     WHERE created_at >= $1 AND created_at < $2 AND username <> '' \
                     GROUP BY username ORDER BY count DESC, username LIMIT $3",
                )
                .bind(from)
                .bind(to)
                .bind(limit.clamp(1, 100))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| Ok(NameCount { name: r.try_get("name")?, count: r.try_get("count")? }))
                    .collect()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_round_trip() {
        let c = vec!["PII".to_owned(), "PCI".to_owned()];
        assert_eq!(join_categories(&c), ",PII,PCI,");
        assert_eq!(split_categories(&join_categories(&c)), c);
        assert!(split_categories(",").is_empty());
    }

    #[test]
    fn rollback_replays_activations_as_a_stack() {
        let a = |v: i64| (Some(v), "activate".to_owned());
        let rb = |v: Option<i64>| (v, "rollback".to_owned());
        assert_eq!(rollback_target(&[a(1)]), None);
        assert_eq!(rollback_target(&[a(1), a(2)]), Some(Some(1)));
        // After rolling back to 1, another rollback has nothing left.
        assert_eq!(rollback_target(&[a(1), a(2), rb(Some(1))]), None);
        assert_eq!(
            rollback_target(&[a(1), a(2), a(3), rb(Some(2))]),
            Some(Some(1))
        );
        assert_eq!(
            rollback_target(&[a(1), (None, "activate".to_owned())]),
            Some(Some(1))
        );
    }
}
