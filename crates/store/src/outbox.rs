//! The outbox: deliveries of incidents to alert sinks and response
//! plug-ins, and of audit entries to the sinks subscribed to the audit
//! trail (written with the entry: [`crate::AuditStore::append_audit`]). A delivery is planned when its incident is recorded and
//! written in the same transaction ([`crate::JournalStore::
//! insert_journaled_incidents`] with its [`Outgoing`]), so an incident is
//! never recorded without the deliveries it asked for, nor a delivery
//! without its incident.
//!
//! Servers sharing the database deliver them: a server *claims* the due
//! rows of a target for a lease ([`OutboxStore::claim_deliveries`]),
//! delivers them and *finishes* each ([`OutboxStore::finish_delivery`]).
//! A claimed row belongs to its holder until the lease ends; a holder
//! that dies leaves rows whose lease ends, and another server claims them
//! again. A target may therefore see a delivery twice (at least once, not
//! exactly once): [`delivery_key`] is the idempotency key it can use to
//! tell, the same on every attempt and every server.

use serde::{Deserialize, Serialize};

use crate::{Millis, Result, StoreError};

/// The longest error text kept with a delivery, in characters.
pub const MAX_ERROR_CHARS: usize = 1_000;

/// The idempotency key of delivery `id`: `dlv_<id>`, stable across retries
/// and servers.
pub fn delivery_key(id: i64) -> String {
    format!("dlv_{id}")
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// To be delivered (or being delivered, while claimed).
    Pending,
    Delivered,
    /// Given up; [`OutboxStore::retry_delivery`] makes it pending again.
    Failed,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 3] = [
        DeliveryState::Pending,
        DeliveryState::Delivered,
        DeliveryState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A delivery to plan with a batch of incidents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    /// The incident's index in the batch.
    pub incident: usize,
    /// `sink:<id>` or `plugin:<name>`.
    pub target: String,
    /// The response rule that asked for it, or empty.
    pub rule: String,
}

/// A stored delivery: of an incident or of an audit entry, never both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub incident_id: Option<i64>,
    /// The audit entry, for a sink subscribed to the audit trail
    /// ([`crate::AuditStore::append_audit`]).
    pub audit_id: Option<i64>,
    pub target: String,
    pub rule: String,
    pub state: DeliveryState,
    /// Attempts since it was planned (or last retried by hand).
    pub attempts: i64,
    /// Not to be tried before.
    pub next_at: Millis,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<Millis>,
    /// The last failed attempt's error (at most [`MAX_ERROR_CHARS`]).
    pub last_error: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub delivered_at: Option<Millis>,
}

/// Due deliveries of one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueTarget {
    pub target: String,
    /// When its oldest pending delivery (the head) was planned.
    pub oldest_created_at: Millis,
}

/// How a claimed delivery ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Finish {
    Delivered,
    /// Failed this time: pending again, due at `next_at`.
    Retry {
        next_at: Millis,
        error: String,
    },
    /// Failed for good.
    Failed {
        error: String,
    },
}

/// Filters for listing deliveries. Every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFilter {
    pub state: Option<DeliveryState>,
    pub target: Option<String>,
    pub incident_id: Option<i64>,
    pub audit_id: Option<i64>,
    /// Cursor: only deliveries with an id below this one (newest first).
    pub before_id: Option<i64>,
    /// At most this many (clamped to 1..=1000, default 100).
    pub limit: Option<i64>,
}

impl DeliveryFilter {
    pub fn effective_limit(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, 1000)
    }
}

/// The deliveries of incidents to sinks and plug-ins.
#[async_trait::async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claims for `holder`, until `now + lease_ms`, at most `limit` of the
    /// oldest pending deliveries of `target` that are due (`next_at <=
    /// now`) and not claimed (or whose claim ended), counting an attempt
    /// each; in id order. Two servers never claim the same row while its
    /// claim lasts.
    async fn claim_deliveries(
        &self,
        target: &str,
        holder: &str,
        now: Millis,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>>;
    /// Targets whose oldest pending delivery is due and unclaimed (head
    /// of line: nothing newer goes first), with their due rows.
    async fn due_targets(&self, now: Millis) -> Result<Vec<DueTarget>>;
    /// Ends `holder`'s claim on delivery `id` with `outcome`, and appends
    /// `history` (if any) to its incident's history in the same
    /// transaction. `Ok(false)`, and nothing written, when `holder` no
    /// longer holds it (another server claimed it after the lease ended,
    /// or it was finished already). An error is kept truncated to
    /// [`MAX_ERROR_CHARS`].
    async fn finish_delivery(
        &self,
        id: i64,
        holder: &str,
        now: Millis,
        outcome: &Finish,
        history: Option<&crate::HistoryEntry>,
    ) -> Result<bool>;
    /// [`OutboxStore::finish_delivery`] for a batch, in one transaction:
    /// one answer per entry, in order.
    async fn finish_deliveries(
        &self,
        holder: &str,
        now: Millis,
        done: &[(i64, Finish, Option<crate::HistoryEntry>)],
    ) -> Result<Vec<bool>>;
    /// Makes a failed (or pending) delivery pending again, due now, with
    /// its attempts counted from 0 (its last error stays until the next
    /// attempt; a claim in progress is left to its holder). `NotFound`;
    /// `Invalid` for a delivered one.
    async fn retry_delivery(&self, id: i64, now: Millis) -> Result<Delivery>;
    /// Newest first; `filter.before_id` is the cursor.
    async fn list_deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<Delivery>>;
    async fn get_delivery(&self, id: i64) -> Result<Delivery>;
    /// Deliveries per target and state, by target then state; a
    /// stream's incidents ([`crate::streams`]) count as its sink's.
    async fn delivery_counts(&self) -> Result<Vec<(String, DeliveryState, i64)>>;
}

pub(crate) const DELIVERY_COLS: &str = "id, incident_id, audit_id, target, rule, state, attempts, \
    next_at, claimed_by, claimed_until, last_error, created_at, updated_at, delivered_at";

/// Refuses a plan that names an incident outside the batch, before the
/// database is asked.
pub(crate) fn check_outgoing(batch: usize, outgoing: &[Outgoing]) -> Result<()> {
    match outgoing.iter().find(|o| o.incident >= batch) {
        Some(o) => Err(StoreError::Invalid(format!(
            "delivery to `{}`: incident {} of a batch of {batch}",
            o.target, o.incident
        ))),
        None => Ok(()),
    }
}

/// Deliveries of one target to incidents with consecutive ids from which
/// they are written as one `INSERT … SELECT` over the range.
pub(crate) const RANGE_ROWS: usize = 16;

/// An error as kept: at most [`MAX_ERROR_CHARS`], without NUL.
pub(crate) fn error_text(e: &str) -> String {
    let cut: String = e.chars().take(MAX_ERROR_CHARS).collect();
    crate::sql::text(&cut).into_owned()
}

pub(crate) fn parse_state(s: &str) -> Result<DeliveryState> {
    DeliveryState::parse(s)
        .ok_or_else(|| StoreError::Invalid(format!("stored delivery state `{s}`")))
}

/// The SQL of [`OutboxStore`], for one backend (see `crate::sqlite`).
/// `$lock` follows the claim's row selection: PostgreSQL's `FOR UPDATE
/// SKIP LOCKED`, so that servers claiming together skip each other's rows
/// instead of waiting for them; nothing on SQLite, where one writer at a
/// time runs the whole statement. Also gives the backend
/// `insert_delivery_rows`, which the journal's SQL uses inside its own
/// transaction.
macro_rules! impl_outbox_store {
    ($store:ty, $db:ty, $begin:literal, $lock:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::incidents::HistoryEntry;
            use $crate::outbox::{
                DELIVERY_COLS, Delivery, DeliveryFilter, DeliveryState, DueTarget, Finish,
                OutboxStore, Outgoing, RANGE_ROWS, error_text, parse_state,
            };
            use $crate::sql::text;
            use $crate::{Millis, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;
            type Conn = <$db as sqlx::Database>::Connection;

            fn delivery_from_row(r: &Row) -> Result<Delivery> {
                let state: String = r.try_get("state")?;
                Ok(Delivery {
                    id: r.try_get("id")?,
                    incident_id: r.try_get("incident_id")?,
                    audit_id: r.try_get("audit_id")?,
                    target: r.try_get("target")?,
                    rule: r.try_get("rule")?,
                    state: parse_state(&state)?,
                    attempts: r.try_get("attempts")?,
                    next_at: r.try_get("next_at")?,
                    claimed_by: r.try_get("claimed_by")?,
                    claimed_until: r.try_get("claimed_until")?,
                    last_error: r.try_get("last_error")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    delivered_at: r.try_get("delivered_at")?,
                })
            }

            impl $store {
                /// Ends `holder`'s claim on delivery `id` inside the
                /// caller's transaction, with the history entry.
                async fn finish_one(
                    conn: &mut Conn,
                    id: i64,
                    holder: &str,
                    now: Millis,
                    outcome: &Finish,
                    history: Option<&HistoryEntry>,
                ) -> Result<bool> {
                    let (state, next_at, error, delivered_at) = match outcome {
                        Finish::Delivered => (DeliveryState::Delivered, None, None, Some(now)),
                        Finish::Retry { next_at, error } => (
                            DeliveryState::Pending,
                            Some(*next_at),
                            Some(error_text(error)),
                            None,
                        ),
                        Finish::Failed { error } => {
                            (DeliveryState::Failed, None, Some(error_text(error)), None)
                        }
                    };
                    let row = sqlx::query(
                        "UPDATE deliveries SET state = $1, next_at = COALESCE($2, next_at), \
                         last_error = $3, delivered_at = $4, claimed_by = NULL, \
                         claimed_until = NULL, updated_at = $5 \
                         WHERE id = $6 AND claimed_by = $7 AND state = 'pending' \
                         RETURNING incident_id",
                    )
                    .bind(state.as_str())
                    .bind(next_at)
                    .bind(error)
                    .bind(delivered_at)
                    .bind(now)
                    .bind(id)
                    .bind(text(holder))
                    .fetch_optional(&mut *conn)
                    .await?;
                    let Some(row) = row else {
                        return Ok(false);
                    };
                    // An audit entry's delivery has no incident history.
                    let incident: Option<i64> = row.try_get("incident_id")?;
                    if let (Some(entry), Some(incident)) = (history, incident) {
                        Self::insert_history(&mut *conn, incident, entry).await?;
                    }
                    Ok(true)
                }

                /// Inserts the deliveries `outgoing` plans, pending and due
                /// `now`, on `conn` (inside the caller's transaction);
                /// `ids[i]` is the id of the batch's incident `i`.
                ///
                /// Target by target, in incident order, so each target's
                /// deliveries are numbered in the order of its incidents.
                /// A run of incidents with consecutive ids that all go to
                /// one target (a sink subscribed to every incident) is one
                /// `INSERT … SELECT` over the id range; the rest are
                /// VALUES rows, 1,000 a statement.
                async fn insert_delivery_rows(
                    conn: &mut Conn,
                    ids: &[Option<i64>],
                    outgoing: &[Outgoing],
                    now: Millis,
                ) -> Result<()> {
                    let mut rows = outgoing
                        .iter()
                        .map(|o| match ids.get(o.incident).copied().flatten() {
                            Some(id) => Ok((id, o)),
                            None => Err(StoreError::Invalid(format!(
                                "delivery to `{}`: no id for incident {} of the batch",
                                o.target, o.incident
                            ))),
                        })
                        .collect::<Result<Vec<_>>>()?;
                    rows.sort_by(|a, b| {
                        (&a.1.target, &a.1.rule, a.0).cmp(&(&b.1.target, &b.1.rule, b.0))
                    });
                    let mut loose: Vec<(i64, &Outgoing)> = Vec::new();
                    let mut at = 0;
                    while let Some(&(first, o)) = rows.get(at) {
                        let mut end = at + 1;
                        while let Some(&(id, next)) = rows.get(end) {
                            let prev = rows.get(end - 1).map_or(first, |r| r.0);
                            if id != prev + 1 || next.target != o.target || next.rule != o.rule {
                                break;
                            }
                            end += 1;
                        }
                        if end - at >= RANGE_ROWS {
                            Self::insert_delivery_values(conn, &loose, now).await?;
                            loose.clear();
                            let last = rows.get(end - 1).map_or(first, |r| r.0);
                            sqlx::query(
                                "INSERT INTO deliveries (incident_id, target, rule, state, \
                                 attempts, next_at, created_at, updated_at) \
                                 SELECT id, $1, $2, 'pending', 0, $3, $3, $3 FROM incidents \
                                 WHERE id BETWEEN $4 AND $5 ORDER BY id",
                            )
                            .bind(text(&o.target))
                            .bind(text(&o.rule))
                            .bind(now)
                            .bind(first)
                            .bind(last)
                            .execute(&mut *conn)
                            .await?;
                        } else {
                            loose.extend(rows.get(at..end).unwrap_or_default().iter().copied());
                        }
                        at = end;
                    }
                    Self::insert_delivery_values(conn, &loose, now).await
                }

                /// Inserts `rows` (incident id, delivery) as VALUES, in order.
                async fn insert_delivery_values(
                    conn: &mut Conn,
                    rows: &[(i64, &Outgoing)],
                    now: Millis,
                ) -> Result<()> {
                    // 7 parameters a row: 1,000 rows stay under both
                    // drivers' limits.
                    for chunk in rows.chunks(1000) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO deliveries (incident_id, target, rule, state, \
                             attempts, next_at, created_at, updated_at) ",
                        );
                        qb.push_values(chunk, |mut b, (id, o)| {
                            b.push_bind(*id)
                                .push_bind(text(&o.target))
                                .push_bind(text(&o.rule))
                                .push_bind(DeliveryState::Pending.as_str())
                                .push("0")
                                .push_bind(now)
                                .push_bind(now)
                                .push_bind(now);
                        });
                        qb.build().persistent(false).execute(&mut *conn).await?;
                    }
                    Ok(())
                }
            }

            impl $store {
                /// Inserts a delivery of audit entry `audit_id` to each of
                /// `targets`, pending and due `now`, on `conn` (inside the
                /// transaction that appends the entry).
                async fn insert_audit_delivery_rows(
                    conn: &mut Conn,
                    audit_id: i64,
                    targets: &[String],
                    now: Millis,
                ) -> Result<()> {
                    for target in targets {
                        sqlx::query(
                            "INSERT INTO deliveries (audit_id, target, rule, state, attempts, \
                             next_at, created_at, updated_at) \
                             VALUES ($1, $2, '', 'pending', 0, $3, $3, $3)",
                        )
                        .bind(audit_id)
                        .bind(text(target))
                        .bind(now)
                        .execute(&mut *conn)
                        .await?;
                    }
                    Ok(())
                }
            }

            #[async_trait::async_trait]
            impl OutboxStore for $store {
                async fn claim_deliveries(
                    &self,
                    target: &str,
                    holder: &str,
                    now: Millis,
                    lease_ms: i64,
                    limit: i64,
                ) -> Result<Vec<Delivery>> {
                    if limit < 1 {
                        return Ok(Vec::new());
                    }
                    let mut tx = self.pool.begin_with($begin).await?;
                    let rows = sqlx::query(concat!(
                        "UPDATE deliveries SET claimed_by = $1, claimed_until = $2, \
                         attempts = attempts + 1, updated_at = $3 \
                         WHERE id IN (SELECT id FROM deliveries \
                         WHERE state = 'pending' AND target = $4 AND next_at <= $3 \
                         AND (claimed_until IS NULL OR claimed_until <= $3) \
                         ORDER BY id LIMIT $5",
                        $lock,
                        ") RETURNING id, incident_id, audit_id, target, rule, state, attempts, \
                         next_at, claimed_by, claimed_until, last_error, created_at, \
                         updated_at, delivered_at"
                    ))
                    .bind(text(holder))
                    .bind(now.saturating_add(lease_ms.max(0)))
                    .bind(now)
                    .bind(target)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    // RETURNING gives no order: id order here.
                    let mut out = rows
                        .iter()
                        .map(delivery_from_row)
                        .collect::<Result<Vec<_>>>()?;
                    out.sort_by_key(|d| d.id);
                    Ok(out)
                }

                async fn due_targets(&self, now: Millis) -> Result<Vec<DueTarget>> {
                    // The targets with pending deliveries, one index seek
                    // each (a loose scan of `deliveries_queue`): delivered
                    // rows and a long backlog cost nothing here.
                    let targets: Vec<String> = sqlx::query_scalar(
                        "WITH RECURSIVE t(target) AS ( \
                           SELECT MIN(target) FROM deliveries WHERE state = 'pending' \
                           UNION ALL \
                           SELECT (SELECT MIN(d.target) FROM deliveries d \
                                   WHERE d.state = 'pending' AND d.target > t.target) \
                           FROM t WHERE t.target IS NOT NULL) \
                         SELECT target FROM t WHERE target IS NOT NULL",
                    )
                    .fetch_all(&self.pool)
                    .await?;
                    let mut out = Vec::new();
                    for target in targets {
                        // Head of line: a target is due only when its
                        // oldest pending delivery is due and unclaimed, so
                        // a receiver that asked to retry gets its backlog
                        // in order, never the newer ones first.
                        let head = sqlx::query(
                            "SELECT next_at, claimed_until, created_at FROM deliveries \
                             WHERE state = 'pending' AND target = $1 ORDER BY id LIMIT 1",
                        )
                        .bind(&target)
                        .fetch_optional(&self.pool)
                        .await?;
                        let Some(head) = head else { continue };
                        let next_at: Millis = head.try_get("next_at")?;
                        let claimed: Option<Millis> = head.try_get("claimed_until")?;
                        if next_at <= now && claimed.is_none_or(|c| c <= now) {
                            out.push(DueTarget {
                                oldest_created_at: head.try_get("created_at")?,
                                target,
                            });
                        }
                    }
                    // Sorted here: PostgreSQL orders text by its locale.
                    out.sort_by(|a, b| a.target.cmp(&b.target));
                    Ok(out)
                }

                async fn finish_delivery(
                    &self,
                    id: i64,
                    holder: &str,
                    now: Millis,
                    outcome: &Finish,
                    history: Option<&HistoryEntry>,
                ) -> Result<bool> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let done = Self::finish_one(&mut tx, id, holder, now, outcome, history).await?;
                    tx.commit().await?;
                    Ok(done)
                }

                async fn finish_deliveries(
                    &self,
                    holder: &str,
                    now: Millis,
                    done: &[(i64, Finish, Option<HistoryEntry>)],
                ) -> Result<Vec<bool>> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let mut out = vec![false; done.len()];
                    // The common case — delivered, nothing for the history
                    // (a SIEM's copy of every incident) — one statement per
                    // chunk rather than one per row: on SQLite each
                    // statement is a round trip to the database thread.
                    let plain: Vec<(usize, i64)> = done
                        .iter()
                        .enumerate()
                        .filter(|(_, (_, f, h))| *f == Finish::Delivered && h.is_none())
                        .map(|(at, (id, _, _))| (at, *id))
                        .collect();
                    for chunk in plain.chunks(500) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "UPDATE deliveries SET state = 'delivered', last_error = NULL, \
                             claimed_by = NULL, claimed_until = NULL, delivered_at = ",
                        );
                        qb.push_bind(now)
                            .push(", updated_at = ")
                            .push_bind(now)
                            .push(" WHERE state = 'pending' AND claimed_by = ")
                            .push_bind(text(holder))
                            .push(" AND id IN (");
                        let mut list = qb.separated(", ");
                        for (_, id) in chunk {
                            list.push_bind(*id);
                        }
                        qb.push(") RETURNING id");
                        let mut held: Vec<i64> = qb
                            .build_query_scalar()
                            .persistent(false)
                            .fetch_all(&mut *tx)
                            .await?;
                        held.sort_unstable();
                        for (at, id) in chunk {
                            if held.binary_search(id).is_ok()
                                && let Some(o) = out.get_mut(*at)
                            {
                                *o = true;
                            }
                        }
                    }
                    for (at, (id, outcome, history)) in done.iter().enumerate() {
                        if *outcome == Finish::Delivered && history.is_none() {
                            continue;
                        }
                        let held =
                            Self::finish_one(&mut tx, *id, holder, now, outcome, history.as_ref())
                                .await?;
                        if let Some(o) = out.get_mut(at) {
                            *o = held;
                        }
                    }
                    tx.commit().await?;
                    Ok(out)
                }

                async fn retry_delivery(&self, id: i64, now: Millis) -> Result<Delivery> {
                    let row = sqlx::query(&format!(
                        "UPDATE deliveries SET state = 'pending', next_at = $1, attempts = 0, \
                         updated_at = $1 WHERE id = $2 AND state <> 'delivered' \
                         RETURNING {DELIVERY_COLS}"
                    ))
                    .bind(now)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    match row {
                        Some(r) => delivery_from_row(&r),
                        None => {
                            // Absent, or delivered: say which.
                            self.get_delivery(id).await?;
                            Err(StoreError::Invalid(format!(
                                "retry of delivery {id}: it was delivered"
                            )))
                        }
                    }
                }

                async fn list_deliveries(&self, f: &DeliveryFilter) -> Result<Vec<Delivery>> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT ");
                    qb.push(DELIVERY_COLS).push(" FROM deliveries WHERE 1 = 1");
                    if let Some(v) = f.state {
                        qb.push(" AND state = ").push_bind(v.as_str());
                    }
                    if let Some(v) = &f.target {
                        qb.push(" AND target = ").push_bind(v.clone());
                    }
                    if let Some(v) = f.incident_id {
                        qb.push(" AND incident_id = ").push_bind(v);
                    }
                    if let Some(v) = f.audit_id {
                        qb.push(" AND audit_id = ").push_bind(v);
                    }
                    if let Some(v) = f.before_id {
                        qb.push(" AND id < ").push_bind(v);
                    }
                    qb.push(" ORDER BY id DESC LIMIT ")
                        .push_bind(f.effective_limit());
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(delivery_from_row).collect()
                }

                async fn get_delivery(&self, id: i64) -> Result<Delivery> {
                    let row = sqlx::query(&format!(
                        "SELECT {DELIVERY_COLS} FROM deliveries WHERE id = $1"
                    ))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("delivery {id}")))?;
                    delivery_from_row(&row)
                }

                async fn delivery_counts(&self) -> Result<Vec<(String, DeliveryState, i64)>> {
                    let rows = sqlx::query(
                        "SELECT target, state, COUNT(*) AS n FROM deliveries \
                         GROUP BY target, state",
                    )
                    .fetch_all(&self.pool)
                    .await?;
                    let mut out = rows
                        .iter()
                        .map(|r| {
                            let state: String = r.try_get("state")?;
                            Ok((r.try_get("target")?, parse_state(&state)?, r.try_get("n")?))
                        })
                        .collect::<Result<Vec<(String, DeliveryState, i64)>>>()?;
                    // A stream's incidents: delivered as counted, pending
                    // as many as lie after its position.
                    for s in $crate::StreamStore::streams(self).await? {
                        let target = format!("sink:{}", s.sink);
                        let pending = $crate::IncidentStore::count_after(self, s.pos).await?;
                        for (state, n) in [
                            (DeliveryState::Delivered, s.delivered),
                            (DeliveryState::Pending, pending),
                        ] {
                            if n == 0 {
                                continue;
                            }
                            match out.iter_mut().find(|(t, st, _)| *t == target && *st == state) {
                                Some(c) => c.2 += n,
                                None => out.push((target.clone(), state, n)),
                            }
                        }
                    }
                    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.as_str().cmp(b.1.as_str())));
                    Ok(out)
                }
            }
        };
    };
}
pub(crate) use impl_outbox_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_names_round_trip() {
        for s in DeliveryState::ALL {
            assert_eq!(DeliveryState::parse(s.as_str()), Some(s));
        }
        assert_eq!(DeliveryState::parse("sent"), None);
    }

    #[test]
    fn errors_are_cut_by_characters_without_nul() {
        let long = "é".repeat(MAX_ERROR_CHARS + 5);
        assert_eq!(error_text(&long).chars().count(), MAX_ERROR_CHARS);
        assert_eq!(error_text("a\0b"), "a\u{FFFD}b");
    }

    #[test]
    fn a_plan_outside_the_batch_is_refused() {
        let o = |incident| Outgoing {
            incident,
            target: "sink:x".into(),
            rule: String::new(),
        };
        assert!(check_outgoing(2, &[o(0), o(1)]).is_ok());
        assert!(check_outgoing(2, &[o(2)]).is_err());
        assert_eq!(delivery_key(42), "dlv_42");
    }
}
