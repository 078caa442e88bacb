//! Incidents: one row per violation, written in batches by the server's
//! journal loader; review status with its history; filters, cursor paging
//! and the counts the dashboard shows.

use serde::{Deserialize, Serialize};

use crate::activity::NameCount;
use crate::computers::ScopeFilter;
use crate::{Actor, Millis, RawJson, Result};

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
    /// The computer it came from: the host name its agent reports, the
    /// name of a [`crate::Computer`] (scopes find their incidents by it).
    /// Empty when it came from no managed computer. Journals written
    /// before the field load with it empty.
    #[serde(default)]
    pub computer: String,
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
    pub actor: Actor,
    /// `status`, `justification`, `note`, `alert` (a sink's delivery ended:
    /// delivered or given up) or `plugin` (a response plug-in's answer).
    pub kind: String,
    pub detail: serde_json::Value,
}

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
    /// From this computer only.
    pub computer: Option<String>,
    /// From the computers now in this agent group.
    #[serde(default)]
    pub group: Option<String>,
    /// Only incidents whose computer is now in this scope (`None`: no
    /// restriction; an empty scope holds nothing).
    pub scope: Option<ScopeFilter>,
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

/// Violations of one rule in a time range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCount {
    pub rule_id: String,
    pub total: i64,
    pub enforced: i64,
    pub permissive: i64,
    /// Incidents of the rule marked as false positives.
    #[serde(default)]
    pub false_positives: i64,
}

/// Violations in one time bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketCount {
    /// Bucket start, Unix ms.
    pub bucket: Millis,
    pub count: i64,
}

/// Incidents, their review status and history, and counts over them.
#[async_trait::async_trait]
pub trait IncidentStore: Send + Sync {
    /// Inserts a batch in one transaction: all or nothing.
    async fn insert_incidents(&self, batch: &[NewIncident]) -> Result<()>;
    /// Inserts `batch` in a transaction that is rolled back: does the
    /// database accept these rows? (Used to find a row it refuses.)
    async fn try_incidents(&self, batch: &[NewIncident]) -> Result<()>;
    /// Newest first; `filter.before` is the cursor (an incident id).
    async fn list_incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>>;
    async fn get_incident(&self, id: i64) -> Result<Incident>;
    /// The incidents of `ids` that exist, in id order (the delivery
    /// worker reads a batch at once).
    async fn get_incidents(&self, ids: &[i64]) -> Result<Vec<Incident>>;
    /// Up to `limit` incidents with ids above `after`, in id order, which
    /// is commit order (see [`crate::streams`]).
    async fn incidents_after(&self, after: i64, limit: i64) -> Result<Vec<Incident>>;
    /// How many incidents have ids above `after` (a stream's backlog).
    async fn count_after(&self, after: i64) -> Result<i64>;
    /// The highest incident id (0: none), as seen now.
    async fn last_incident_id(&self) -> Result<i64>;
    async fn find_incidents_by_request(&self, request_id: &str) -> Result<Vec<Incident>>;
    async fn incident_history(&self, id: i64) -> Result<Vec<HistoryEntry>>;
    /// Sets the review status and records the change in the history.
    async fn set_incident_status(
        &self,
        id: i64,
        status: Status,
        actor: &Actor,
        comment: &str,
        now: Millis,
    ) -> Result<Incident>;
    async fn add_incident_history(&self, id: i64, entry: &HistoryEntry) -> Result<()>;
    async fn count_incidents(&self) -> Result<i64>;
    /// Violations per rule in `[from, to)`, of the computers in `scope`
    /// if there is one (as [`IncidentFilter::scope`]).
    async fn rule_counts(
        &self,
        from: Millis,
        to: Millis,
        scope: Option<&ScopeFilter>,
    ) -> Result<Vec<RuleCount>>;
    /// Violations per `bucket_ms` bucket in `[from, to)`, of the
    /// computers in `scope` if there is one.
    async fn violations_over_time(
        &self,
        from: Millis,
        to: Millis,
        bucket_ms: i64,
        scope: Option<&ScopeFilter>,
    ) -> Result<Vec<BucketCount>>;
    /// Users with the most violations in `[from, to)`, on the computers
    /// in `scope` if there is one.
    async fn top_users(
        &self,
        from: Millis,
        to: Millis,
        limit: i64,
        scope: Option<&ScopeFilter>,
    ) -> Result<Vec<NameCount>>;
    /// Incidents created in `[from, to)` per review status (as
    /// [`Status::as_str`]), on the computers in `scope` if there is one.
    async fn status_counts(
        &self,
        from: Millis,
        to: Millis,
        scope: Option<&ScopeFilter>,
    ) -> Result<Vec<NameCount>>;
}

/// One hour, the rollup's bucket.
pub(crate) const HOUR_MS: Millis = 3_600_000;

/// One day (UTC), the users' second rollup bucket.
pub(crate) const DAY_MS: Millis = 86_400_000;

/// The hour `t` is in.
pub(crate) fn hour_of(t: Millis) -> Millis {
    t - t.rem_euclid(HOUR_MS)
}

/// The whole hours inside `[from, to)`: `[first, end)`, empty when there
/// is none. The rest of the window (at most an hour at each end) is
/// counted from the incidents themselves.
pub(crate) fn whole_hours(from: Millis, to: Millis) -> Option<(Millis, Millis)> {
    let first = if from.rem_euclid(HOUR_MS) == 0 {
        from
    } else {
        hour_of(from).saturating_add(HOUR_MS)
    };
    let end = hour_of(to);
    (first < end).then_some((first, end))
}

/// What new incidents add to the rollup: (kind, hour, name) → (count,
/// enforced). New incidents are `new`, never false positives yet.
pub(crate) fn rollup_of(
    rows: &[NewIncident],
) -> std::collections::BTreeMap<(&'static str, Millis, String), (i64, i64)> {
    let mut m = std::collections::BTreeMap::new();
    for i in rows {
        let hour = hour_of(i.created_at);
        let enforced = i64::from(i.enforced);
        let mut add = |kind: &'static str, name: &str, enforced: i64| {
            let e = m.entry((kind, hour, name.to_owned())).or_insert((0, 0));
            e.0 += 1;
            e.1 += enforced;
        };
        add("rule", &i.rule_id, enforced);
        if !i.username.is_empty() {
            add("user", &i.username, 0);
        }
        add("status", Status::New.as_str(), 0);
        add("all", "", enforced);
        if !i.username.is_empty() {
            // Users by day too: a month holds thousands of user-hours.
            let day = i.created_at - i.created_at.rem_euclid(DAY_MS);
            let e = m
                .entry(("user_day", day, i.username.clone()))
                .or_insert((0, 0));
            e.0 += 1;
        }
    }
    m
}

/// The whole days (UTC) inside the whole hours `[first, end)`.
pub(crate) fn whole_days((first, end): (Millis, Millis)) -> Option<(Millis, Millis)> {
    let d0 = if first.rem_euclid(DAY_MS) == 0 {
        first
    } else {
        first - first.rem_euclid(DAY_MS) + DAY_MS
    };
    let d1 = end - end.rem_euclid(DAY_MS);
    (d0 < d1).then_some((d0, d1))
}

/// Sums per name from the rollup and from the window's edges, merged.
pub(crate) fn merge_counts(
    parts: impl IntoIterator<Item = Vec<(String, i64, i64, i64)>>,
) -> Vec<(String, i64, i64, i64)> {
    let mut m: std::collections::BTreeMap<String, (i64, i64, i64)> = Default::default();
    for part in parts {
        for (name, n, enforced, fp) in part {
            let e = m.entry(name).or_default();
            e.0 += n;
            e.1 += enforced;
            e.2 += fp;
        }
    }
    m.into_iter().map(|(k, (n, e, f))| (k, n, e, f)).collect()
}

/// `[PII, PCI]` → `,PII,PCI,` so that `LIKE '%,PII,%'` matches exactly.
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

pub(crate) const INCIDENT_COLS: &str = "id, created_at, request_id, rule_id, rule_name, \
    policy_id, policy_version, mode, enforced, decision, action, username, computer, \
    categories, status, details";

/// The SQL of [`IncidentStore`], for one backend (see `crate::sqlite`).
/// Also gives the backend `insert_incident_rows` (and
/// `insert_incident_rows_ids`), which the journal's SQL uses inside its
/// own transaction, and `insert_history`, which the outbox's uses.
///
/// `$positional_ids`: whether the backend gives one statement's rows
/// consecutive ids in the order of its VALUES while the transaction holds
/// the only write lock (SQLite's `BEGIN IMMEDIATE` and `AUTOINCREMENT`);
/// the ids of a batch are then counted, not returned row by row.
///
/// `$order_lock`: the statement that makes a transaction inserting
/// incidents wait for every other one to commit, so that ids are in
/// commit order ([`crate::streams`]); empty where one writer at a time
/// already does (SQLite).
macro_rules! impl_incident_store {
    ($store:ty, $db:ty, $begin:literal, $positional_ids:literal, $order_lock:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::activity::NameCount;
            use $crate::computers::ScopeFilter;
            use $crate::incidents::{
                hour_of, join_categories, merge_counts, rollup_of, split_categories,
                whole_days, whole_hours, BucketCount, HistoryEntry, Incident, IncidentFilter, IncidentStore,
                NewIncident, RuleCount, Status, HOUR_MS, INCIDENT_COLS,
            };
            use $crate::sql::text;
            use $crate::actor::{decode_column, encode_column};
            use $crate::{Actor, Millis, RawJson, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;
            type Conn = <$db as sqlx::Database>::Connection;

            /// Incidents as their rows arrive: each row is dropped once
            /// converted, so a page of large incidents is held once (as
            /// `RawJson` details), not twice (rows, then incidents).
            async fn collect_incidents<'q>(
                mut rows: futures_util::stream::BoxStream<'q, sqlx::Result<Row>>,
                capacity: usize,
            ) -> Result<Vec<Incident>> {
                use futures_util::TryStreamExt as _;
                let mut out = Vec::with_capacity(capacity);
                while let Some(row) = rows.try_next().await? {
                    out.push(incident_from_row(&row)?);
                }
                Ok(out)
            }

            fn incident_from_row(r: &Row) -> Result<Incident> {
                let status: String = r.try_get("status")?;
                let details: String = r.try_get("details")?;
                let cats: String = r.try_get("categories")?;
                let enforced: i64 = r.try_get("enforced")?;
                Ok(Incident {
                    id: r.try_get("id")?,
                    status: Status::parse(&status).ok_or_else(|| {
                        StoreError::Invalid(format!("stored status `{status}`"))
                    })?,
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
                        computer: r.try_get("computer")?,
                        categories: split_categories(&cats),
                        details: RawJson::from_serialized(details),
                    },
                })
            }

            /// The `limit` largest counts, ties by name.
            fn top(sums: Vec<(String, i64, i64, i64)>, limit: usize) -> Vec<NameCount> {
                let mut v: Vec<NameCount> = sums
                    .into_iter()
                    .filter(|(_, n, _, _)| *n > 0)
                    .map(|(name, count, _, _)| NameCount { name, count })
                    .collect();
                v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
                v.truncate(limit);
                v
            }

            /// Rows of `name` and `count`.
            fn name_counts(rows: &[Row]) -> Result<Vec<NameCount>> {
                rows.iter()
                    .map(|r| {
                        Ok(NameCount {
                            name: r.try_get("name")?,
                            count: r.try_get("count")?,
                        })
                    })
                    .collect()
            }

            /// Wanted ids among 1,000 incidents up to which each wanted
            /// row is inserted alone (see `insert_incident_rows_ids`).
            const SPARSE_IDS: usize = 16;

            /// Adds the new values to a rollup row that exists.
            const ROLLUP_ADD: &str = " ON CONFLICT (kind, hour, name) DO UPDATE SET \
                n = incident_rollup.n + excluded.n, \
                enforced = incident_rollup.enforced + excluded.enforced, \
                fp = incident_rollup.fp + excluded.fp";

            /// One multi-row INSERT. Its text depends on the row count, so it is
            /// run unprepared (`persistent(false)`): caching a statement per
            /// batch size would hold hundreds of large statements in memory.
            fn incidents_insert<'a>(rows: &'a [NewIncident]) -> sqlx::QueryBuilder<'a, $db> {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO incidents (created_at, request_id, rule_id, rule_name, \
                     policy_id, policy_version, mode, enforced, decision, action, username, \
                     computer, categories, status, details) ",
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
                        .push_bind(text(&i.computer))
                        .push_bind(join_categories(&i.categories))
                        .push_bind(Status::New.as_str())
                        .push_bind(i.details.as_str());
                });
                qb
            }

            /// ` AND computer IN (…)`: incidents whose computer is, as the
            /// query runs, in one of the scope's groups or offices. An empty
            /// scope holds nothing; every name is a bound parameter.
            fn push_scope(qb: &mut sqlx::QueryBuilder<'_, $db>, scope: &ScopeFilter) {
                if scope.groups.is_empty() && scope.offices.is_empty() {
                    qb.push(" AND 1 = 0");
                    return;
                }
                qb.push(" AND computer IN (SELECT name FROM computers WHERE ");
                for (i, (column, names)) in [("group_name", &scope.groups), ("office", &scope.offices)]
                    .into_iter()
                    .filter(|(_, names)| !names.is_empty())
                    .enumerate()
                {
                    if i > 0 {
                        qb.push(" OR ");
                    }
                    qb.push(column).push(" IN (");
                    let mut list = qb.separated(", ");
                    for n in names {
                        list.push_bind(n.clone());
                    }
                    qb.push(")");
                }
                qb.push(")");
            }

            impl $store {
                /// Waits, inside the caller's transaction, until no other
                /// transaction inserting incidents is open, and holds them
                /// off until this one ends: ids are then handed out in
                /// commit order. Taken before anything else the
                /// transaction locks, so it cannot deadlock with them.
                async fn take_order_lock(conn: &mut Conn) -> Result<()> {
                    if !$order_lock.is_empty() {
                        sqlx::query($order_lock).execute(&mut *conn).await?;
                    }
                    Ok(())
                }

                /// Inserts `rows` on `conn` (inside the caller's transaction),
                /// 1,000 rows a statement: 15 parameters a row stay under both
                /// drivers' limits.
                async fn insert_incident_rows(conn: &mut Conn, rows: &[NewIncident]) -> Result<()> {
                    Self::take_order_lock(conn).await?;
                    for chunk in rows.chunks(1000) {
                        incidents_insert(chunk)
                            .build()
                            .persistent(false)
                            .execute(&mut *conn)
                            .await?;
                    }
                    Self::insert_rollup_rows(conn, rows).await
                }

                /// As [`Self::insert_incident_rows`], and gives the ids of
                /// the rows `wanted` marks (by position; `None` for the
                /// others), in the batch's order like the rest. Per 1,000
                /// rows:
                ///
                /// - none wanted: today's statement, without RETURNING (a
                ///   batch without deliveries costs what it did);
                /// - a few (`SPARSE_IDS` at most): the rows between them
                ///   as today, each wanted row alone with `RETURNING id`;
                /// - more: one statement returning `id, request_id,
                ///   rule_id` of the rows it inserted -- exactly those, in
                ///   no promised order -- each matched to its incident by
                ///   (request_id, rule_id). Only incidents equal in both
                ///   (one rule twice in one request) are told apart by
                ///   position: ids are drawn as the VALUES are inserted, in
                ///   order, so the lower id is the earlier row.
                ///
                /// Why both: returning 1,000 rows costs more than a few
                /// one-row statements on SQLite (sqlx hands rows over one
                /// by one), and many one-row statements more than one
                /// returning statement on PostgreSQL. Batches of 10,000
                /// incidents, release build, two shared cores (noisy):
                /// without deliveries SQLite 51-94 ms, PostgreSQL 195-235;
                /// with 0.5% planned (alone) no measurable difference;
                /// with 1% returning SQLite 110-136, PostgreSQL 203-267;
                /// with 1% alone SQLite 76-86, PostgreSQL 260-314; with
                /// every incident planned SQLite 124-176, PostgreSQL
                /// 300-460.
                async fn insert_incident_rows_ids(
                    conn: &mut Conn,
                    rows: &[NewIncident],
                    wanted: &[bool],
                ) -> Result<Vec<Option<i64>>> {
                    Self::take_order_lock(conn).await?;
                    if $positional_ids {
                        return Self::insert_incident_rows_counted(conn, rows, wanted).await;
                    }
                    let mut ids = vec![None; rows.len()];
                    for (n, chunk) in rows.chunks(1000).enumerate() {
                        let base = n * 1000;
                        let want = |k: usize| wanted.get(base + k).copied().unwrap_or(false);
                        let n_wanted = (0..chunk.len()).filter(|&k| want(k)).count();
                        if n_wanted <= SPARSE_IDS {
                            let mut run = 0;
                            for k in (0..chunk.len()).filter(|&k| want(k)).chain([chunk.len()]) {
                                if let Some(between) = chunk.get(run..k).filter(|r| !r.is_empty()) {
                                    incidents_insert(between)
                                        .build()
                                        .persistent(false)
                                        .execute(&mut *conn)
                                        .await?;
                                }
                                if let Some(one) = chunk.get(k..=k) {
                                    // One row: always the same text, prepared once.
                                    let mut qb = incidents_insert(one);
                                    qb.push(" RETURNING id");
                                    let r = qb.build().fetch_one(&mut *conn).await?;
                                    if let Some(slot) = ids.get_mut(base + k) {
                                        *slot = Some(r.try_get("id")?);
                                    }
                                }
                                run = k + 1;
                            }
                            continue;
                        }
                        let mut qb = incidents_insert(chunk);
                        qb.push(" RETURNING id, request_id, rule_id");
                        let returned = qb.build().persistent(false).fetch_all(&mut *conn).await?;
                        let mut by_key: std::collections::HashMap<(String, String), Vec<i64>> =
                            std::collections::HashMap::with_capacity(returned.len());
                        for r in &returned {
                            by_key
                                .entry((r.try_get("request_id")?, r.try_get("rule_id")?))
                                .or_default()
                                .push(r.try_get("id")?);
                        }
                        // Highest first, so that `pop` gives the lowest.
                        for v in by_key.values_mut() {
                            v.sort_unstable_by(|a, b| b.cmp(a));
                        }
                        for (k, i) in chunk.iter().enumerate() {
                            let key = (text(&i.request_id).into_owned(), text(&i.rule_id).into_owned());
                            let id = by_key.get_mut(&key).and_then(Vec::pop).ok_or_else(|| {
                                StoreError::Invalid(format!(
                                    "incident of request `{}` and rule `{}`: no id came back",
                                    key.0, key.1
                                ))
                            })?;
                            if want(k) && let Some(slot) = ids.get_mut(base + k) {
                                *slot = Some(id);
                            }
                        }
                    }
                    Self::insert_rollup_rows(conn, rows).await?;
                    Ok(ids)
                }

                /// [`Self::insert_incident_rows_ids`] where the backend
                /// numbers one statement's rows consecutively in VALUES
                /// order under the write lock (`$positional_ids`): the
                /// rows are inserted as without ids, and the ids are read
                /// as three numbers — the lowest and highest id above the
                /// highest before, and how many there are. When they are
                /// not one unbroken run of exactly the batch (they always
                /// are, unless the table's numbering was changed by hand)
                /// the ids above the old highest are read in order
                /// instead. Returning every row's id costs SQLite a
                /// message per row between its thread and the loader
                /// (measured with the `journal_batch` example, see
                /// docs/benchmarks.md).
                async fn insert_incident_rows_counted(
                    conn: &mut Conn,
                    rows: &[NewIncident],
                    wanted: &[bool],
                ) -> Result<Vec<Option<i64>>> {
                    let before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM incidents")
                        .fetch_one(&mut *conn)
                        .await?;
                    Self::insert_incident_rows(conn, rows).await?;
                    let run = sqlx::query(
                        "SELECT MIN(id) AS lo, MAX(id) AS hi, COUNT(*) AS n FROM incidents WHERE id > $1",
                    )
                    .bind(before)
                    .fetch_one(&mut *conn)
                    .await?;
                    let lo: Option<i64> = run.try_get("lo")?;
                    let hi: Option<i64> = run.try_get("hi")?;
                    let n: i64 = run.try_get("n")?;
                    let all: Vec<i64> = match (lo, hi) {
                        (Some(lo), Some(hi))
                            if n == rows.len() as i64 && hi.checked_sub(lo) == Some(n - 1) =>
                        {
                            (lo..=hi).collect()
                        }
                        _ => sqlx::query_scalar("SELECT id FROM incidents WHERE id > $1 ORDER BY id")
                            .bind(before)
                            .fetch_all(&mut *conn)
                            .await?,
                    };
                    if all.len() != rows.len() {
                        return Err(StoreError::Invalid(format!(
                            "{} incidents inserted but {} new ids found",
                            rows.len(),
                            all.len()
                        )));
                    }
                    Ok(all
                        .into_iter()
                        .zip(wanted.iter().copied().chain(std::iter::repeat(false)))
                        .map(|(id, w)| w.then_some(id))
                        .collect())
                }

                /// Appends `e` to incident `id`'s history on `conn`.
                async fn insert_history(conn: &mut Conn, id: i64, e: &HistoryEntry) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO incident_history (incident_id, at, actor, kind, detail) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(id)
                    .bind(e.at)
                    .bind(encode_column(&e.actor))
                    .bind(text(&e.kind))
                    .bind(e.detail.to_string())
                    .execute(&mut *conn)
                    .await?;
                    Ok(())
                }

                /// What `rows` add to the rollup, on `conn`.
                async fn insert_rollup_rows(conn: &mut Conn, rows: &[NewIncident]) -> Result<()> {
                    let rollup: Vec<_> = rollup_of(rows).into_iter().collect();
                    for chunk in rollup.chunks(1000) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO incident_rollup (kind, hour, name, n, enforced, fp) ",
                        );
                        qb.push_values(chunk, |mut b, ((kind, hour, name), (n, enforced))| {
                            b.push_bind(*kind)
                                .push_bind(*hour)
                                // As the incident's own columns: no NUL.
                                .push_bind(text(name))
                                .push_bind(*n)
                                .push_bind(*enforced)
                                .push_bind(0_i64);
                        });
                        qb.push(ROLLUP_ADD);
                        qb.build().persistent(false).execute(&mut *conn).await?;
                    }
                    Ok(())
                }

                /// Adds `(n, enforced, fp)` to one rollup row, inside `conn`'s
                /// transaction.
                async fn bump_rollup(
                    conn: &mut Conn,
                    kind: &str,
                    hour: Millis,
                    name: &str,
                    add: (i64, i64, i64),
                ) -> Result<()> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO incident_rollup (kind, hour, name, n, enforced, fp) VALUES (",
                    );
                    qb.push_bind(kind.to_owned())
                        .push(", ")
                        .push_bind(hour)
                        .push(", ")
                        .push_bind(text(name))
                        .push(", ")
                        .push_bind(add.0)
                        .push(", ")
                        .push_bind(add.1)
                        .push(", ")
                        .push_bind(add.2)
                        .push(")")
                        .push(ROLLUP_ADD);
                    qb.build().execute(&mut *conn).await?;
                    Ok(())
                }

                /// Sums of `kind` per name over the whole hours `[first, end)`.
                async fn rolled(
                    &self,
                    kind: &str,
                    (first, end): (Millis, Millis),
                ) -> Result<Vec<(String, i64, i64, i64)>> {
                    let rows = sqlx::query(
                        "SELECT name, CAST(SUM(n) AS BIGINT) AS n, \
                         CAST(SUM(enforced) AS BIGINT) AS enforced, CAST(SUM(fp) AS BIGINT) AS fp \
                         FROM incident_rollup WHERE kind = $1 AND hour >= $2 AND hour < $3 \
                         GROUP BY name",
                    )
                    .bind(kind)
                    .bind(first)
                    .bind(end)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok((
                                r.try_get("name")?,
                                r.try_get("n")?,
                                r.try_get("enforced")?,
                                r.try_get("fp")?,
                            ))
                        })
                        .collect()
                }

                /// Per-name sums over `[from, to)` for an unscoped dashboard:
                /// the rollup for the whole hours, `raw` (the incidents
                /// themselves) for the edges. `None` when the window holds no
                /// whole hour (then the caller counts the incidents).
                async fn window_sums(
                    &self,
                    kind: &str,
                    from: Millis,
                    to: Millis,
                ) -> Result<Option<Vec<(String, i64, i64, i64)>>> {
                    let Some(hours) = whole_hours(from, to) else {
                        return Ok(None);
                    };
                    // Users are also kept by day: whole days from those rows,
                    // the hours around them from the hourly ones.
                    let days = (kind == "user").then(|| whole_days(hours)).flatten();
                    let middle = match days {
                        Some((d0, d1)) => {
                            let mut parts = vec![self.rolled("user_day", (d0, d1)).await?];
                            if hours.0 < d0 {
                                parts.push(self.rolled(kind, (hours.0, d0)).await?);
                            }
                            if d1 < hours.1 {
                                parts.push(self.rolled(kind, (d1, hours.1)).await?);
                            }
                            merge_counts(parts)
                        }
                        None => self.rolled(kind, hours).await?,
                    };
                    let head = if from < hours.0 {
                        self.raw_sums(kind, from, hours.0, None).await?
                    } else {
                        Vec::new()
                    };
                    let tail = if hours.1 < to {
                        self.raw_sums(kind, hours.1, to, None).await?
                    } else {
                        Vec::new()
                    };
                    Ok(Some(merge_counts([head, middle, tail])))
                }

                /// Per-name sums of rollup `kind` (`rule`, `user`, `status`)
                /// over `[from, to)`: from the rollup when unscoped and the
                /// window holds a whole hour, else from the incidents.
                async fn sums(
                    &self,
                    kind: &str,
                    from: Millis,
                    to: Millis,
                    scope: Option<&ScopeFilter>,
                ) -> Result<Vec<(String, i64, i64, i64)>> {
                    if scope.is_none()
                        && let Some(s) = self.window_sums(kind, from, to).await?
                    {
                        return Ok(s);
                    }
                    self.raw_sums(kind, from, to, scope).await
                }

                /// What [`Self::sums`] counts, from the incidents themselves.
                async fn raw_sums(
                    &self,
                    kind: &str,
                    from: Millis,
                    to: Millis,
                    scope: Option<&ScopeFilter>,
                ) -> Result<Vec<(String, i64, i64, i64)>> {
                    match kind {
                        "rule" => self.raw_rule_counts(from, to, scope).await,
                        "user" => self.raw_name_counts("username", from, to, scope).await,
                        _ => self.raw_name_counts("status", from, to, scope).await,
                    }
                }

                async fn raw_rule_counts(
                    &self,
                    from: Millis,
                    to: Millis,
                    scope: Option<&ScopeFilter>,
                ) -> Result<Vec<(String, i64, i64, i64)>> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "SELECT rule_id, COUNT(*) AS total, \
                         CAST(COALESCE(SUM(enforced), 0) AS BIGINT) AS enforced, \
                         CAST(COALESCE(SUM(CASE WHEN status = 'false_positive' THEN 1 ELSE 0 END), 0) \
                         AS BIGINT) AS false_positives \
                         FROM incidents WHERE created_at >= ",
                    );
                    qb.push_bind(from).push(" AND created_at < ").push_bind(to);
                    if let Some(scope) = scope {
                        push_scope(&mut qb, scope);
                    }
                    qb.push(" GROUP BY rule_id");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            Ok((
                                r.try_get("rule_id")?,
                                r.try_get("total")?,
                                r.try_get("enforced")?,
                                r.try_get("false_positives")?,
                            ))
                        })
                        .collect()
                }

                /// Violations per `bucket_ms` bucket, counted from the incidents.
                async fn raw_buckets(
                    &self,
                    from: Millis,
                    to: Millis,
                    bucket_ms: i64,
                    scope: Option<&ScopeFilter>,
                ) -> Result<Vec<BucketCount>> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT (created_at / ");
                    qb.push_bind(bucket_ms)
                        .push(") * ")
                        .push_bind(bucket_ms)
                        .push(" AS bucket, COUNT(*) AS count FROM incidents WHERE created_at >= ")
                        .push_bind(from)
                        .push(" AND created_at < ")
                        .push_bind(to);
                    if let Some(scope) = scope {
                        push_scope(&mut qb, scope);
                    }
                    qb.push(" GROUP BY 1 ORDER BY 1");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(BucketCount {
                                bucket: r.try_get("bucket")?,
                                count: r.try_get("count")?,
                            })
                        })
                        .collect()
                }

                /// `column`'s values with their counts in `[from, to)`.
                async fn raw_name_counts(
                    &self,
                    column: &'static str,
                    from: Millis,
                    to: Millis,
                    scope: Option<&ScopeFilter>,
                ) -> Result<Vec<(String, i64, i64, i64)>> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT ");
                    qb.push(column)
                        .push(" AS name, COUNT(*) AS count FROM incidents WHERE ")
                        .push(column)
                        .push(" <> '' AND created_at >= ")
                        .push_bind(from)
                        .push(" AND created_at < ")
                        .push_bind(to);
                    if let Some(scope) = scope {
                        push_scope(&mut qb, scope);
                    }
                    qb.push(" GROUP BY ").push(column);
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    Ok(name_counts(&rows)?
                        .into_iter()
                        .map(|c| (c.name, c.count, 0, 0))
                        .collect())
                }
            }

            #[async_trait::async_trait]
            impl IncidentStore for $store {
                async fn insert_incidents(&self, batch: &[NewIncident]) -> Result<()> {
                    if batch.is_empty() {
                        return Ok(());
                    }
                    // The incidents and their rollup rows together.
                    let mut tx = self.pool.begin_with($begin).await?;
                    Self::insert_incident_rows(&mut tx, batch).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn try_incidents(&self, batch: &[NewIncident]) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    Self::insert_incident_rows(&mut tx, batch).await?;
                    tx.rollback().await?;
                    Ok(())
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
                    if let Some(v) = &f.computer {
                        qb.push(" AND computer = ").push_bind(v.clone());
                    }
                    if let Some(v) = &f.group {
                        qb.push(" AND computer IN (SELECT name FROM computers WHERE group_name = ")
                            .push_bind(v.clone())
                            .push(")");
                    }
                    if let Some(scope) = &f.scope {
                        push_scope(&mut qb, scope);
                    }
                    if let Some(v) = f.before {
                        qb.push(" AND id < ").push_bind(v);
                    }
                    let limit = f.effective_limit();
                    qb.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
                    let capacity = usize::try_from(limit).unwrap_or(0);
                    collect_incidents(qb.build().fetch(&self.pool), capacity).await
                }

                async fn get_incident(&self, id: i64) -> Result<Incident> {
                    let row = sqlx::query(&format!(
                        "SELECT {INCIDENT_COLS} FROM incidents WHERE id = $1"
                    ))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
                    incident_from_row(&row)
                }

                async fn get_incidents(&self, ids: &[i64]) -> Result<Vec<Incident>> {
                    let mut out = Vec::with_capacity(ids.len());
                    for chunk in ids.chunks(500) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                            "SELECT {INCIDENT_COLS} FROM incidents WHERE id IN ("
                        ));
                        let mut list = qb.separated(", ");
                        for id in chunk {
                            list.push_bind(*id);
                        }
                        qb.push(")");
                        let rows = qb.build().persistent(false).fetch_all(&self.pool).await?;
                        for r in &rows {
                            out.push(incident_from_row(r)?);
                        }
                    }
                    out.sort_by_key(|i| i.id);
                    Ok(out)
                }

                async fn incidents_after(&self, after: i64, limit: i64) -> Result<Vec<Incident>> {
                    let sql = format!(
                        "SELECT {INCIDENT_COLS} FROM incidents WHERE id > $1 ORDER BY id LIMIT $2"
                    );
                    let rows = sqlx::query(&sql).bind(after).bind(limit).fetch(&self.pool);
                    collect_incidents(rows, usize::try_from(limit).unwrap_or(0).min(1_000)).await
                }

                async fn last_incident_id(&self) -> Result<i64> {
                    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM incidents")
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(last.unwrap_or(0))
                }

                async fn count_after(&self, after: i64) -> Result<i64> {
                    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM incidents WHERE id > $1")
                        .bind(after)
                        .fetch_one(&self.pool)
                        .await?)
                }

                async fn find_incidents_by_request(
                    &self,
                    request_id: &str,
                ) -> Result<Vec<Incident>> {
                    let sql =
                        format!("SELECT {INCIDENT_COLS} FROM incidents WHERE request_id = $1 ORDER BY id");
                    let rows = sqlx::query(&sql).bind(request_id).fetch(&self.pool);
                    collect_incidents(rows, 1).await
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
                            let actor: String = r.try_get("actor")?;
                            Ok(HistoryEntry {
                                at: r.try_get("at")?,
                                actor: decode_column(&actor)?,
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
                    actor: &Actor,
                    comment: &str,
                    now: Millis,
                ) -> Result<Incident> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let row = sqlx::query(
                        "SELECT status, created_at, rule_id FROM incidents WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
                    let old: String = row.try_get("status")?;
                    let created_at: Millis = row.try_get("created_at")?;
                    let rule: String = row.try_get("rule_id")?;
                    if old != status.as_str() {
                        let hour = hour_of(created_at);
                        Self::bump_rollup(&mut tx, "status", hour, &old, (-1, 0, 0)).await?;
                        Self::bump_rollup(&mut tx, "status", hour, status.as_str(), (1, 0, 0))
                            .await?;
                        let fp = Status::FalsePositive.as_str();
                        let moved = i64::from(status == Status::FalsePositive) - i64::from(old == fp);
                        if moved != 0 {
                            Self::bump_rollup(&mut tx, "rule", hour, &rule, (0, 0, moved)).await?;
                        }
                    }
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
                    .bind(encode_column(actor))
                    .bind(detail.to_string())
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    self.get_incident(id).await
                }

                async fn add_incident_history(&self, id: i64, e: &HistoryEntry) -> Result<()> {
                    self.get_incident(id).await?;
                    let mut conn = self.pool.acquire().await?;
                    Self::insert_history(&mut conn, id, e).await
                }

                async fn count_incidents(&self) -> Result<i64> {
                    let r = sqlx::query("SELECT COUNT(*) AS n FROM incidents")
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(r.try_get("n")?)
                }

                async fn rule_counts(
                    &self,
                    from: Millis,
                    to: Millis,
                    scope: Option<&ScopeFilter>,
                ) -> Result<Vec<RuleCount>> {
                    let mut out: Vec<RuleCount> = self
                        .sums("rule", from, to, scope)
                        .await?
                        .into_iter()
                        .filter(|(_, n, _, _)| *n > 0)
                        .map(|(rule_id, total, enforced, false_positives)| RuleCount {
                            rule_id,
                            total,
                            enforced,
                            permissive: total - enforced,
                            false_positives,
                        })
                        .collect();
                    out.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.rule_id.cmp(&b.rule_id)));
                    Ok(out)
                }

                async fn violations_over_time(
                    &self,
                    from: Millis,
                    to: Millis,
                    bucket_ms: i64,
                    scope: Option<&ScopeFilter>,
                ) -> Result<Vec<BucketCount>> {
                    let bucket_ms = bucket_ms.max(1000);
                    // Whole-hour buckets of an unscoped view come from the
                    // rollup's `all` rows, hour by hour.
                    if scope.is_none() && bucket_ms % HOUR_MS == 0 {
                        if let Some((first, end)) = whole_hours(from, to) {
                            let rows = sqlx::query(
                                "SELECT hour, n FROM incident_rollup \
                                 WHERE kind = 'all' AND hour >= $1 AND hour < $2",
                            )
                            .bind(first)
                            .bind(end)
                            .fetch_all(&self.pool)
                            .await?;
                            let mut m = std::collections::BTreeMap::<Millis, i64>::new();
                            for r in &rows {
                                let hour: Millis = r.try_get("hour")?;
                                let n: i64 = r.try_get("n")?;
                                *m.entry(hour - hour.rem_euclid(bucket_ms)).or_default() += n;
                            }
                            for (lo, hi) in [(from, first), (end, to)] {
                                if lo < hi {
                                    for b in self.raw_buckets(lo, hi, bucket_ms, None).await? {
                                        *m.entry(b.bucket).or_default() += b.count;
                                    }
                                }
                            }
                            return Ok(m
                                .into_iter()
                                .filter(|(_, n)| *n > 0)
                                .map(|(bucket, count)| BucketCount { bucket, count })
                                .collect());
                        }
                    }
                    self.raw_buckets(from, to, bucket_ms, scope).await
                }

                async fn top_users(
                    &self,
                    from: Millis,
                    to: Millis,
                    limit: i64,
                    scope: Option<&ScopeFilter>,
                ) -> Result<Vec<NameCount>> {
                    let sums = self.sums("user", from, to, scope).await?;
                    Ok(top(sums, usize::try_from(limit.clamp(1, 100)).unwrap_or(10)))
                }

                async fn status_counts(
                    &self,
                    from: Millis,
                    to: Millis,
                    scope: Option<&ScopeFilter>,
                ) -> Result<Vec<NameCount>> {
                    Ok(self
                        .sums("status", from, to, scope)
                        .await?
                        .into_iter()
                        .filter(|(_, n, _, _)| *n > 0)
                        .map(|(name, count, _, _)| NameCount { name, count })
                        .collect())
                }
            }
        };
    };
}
pub(crate) use impl_incident_store;

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
    fn status_names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("closed"), None);
    }
}
