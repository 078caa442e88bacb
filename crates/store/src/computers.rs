//! Computers and remote offices: what an administrator's scope is made of.
//!
//! A scope is all computers, a set of unique custom groups (agent groups),
//! or a set of remote offices. A computer is in at most one group and at
//! most one office: each is one nullable column of its row, so that holds
//! by construction. Membership is read when a query runs ([`ScopeFilter`]):
//! moving a computer to another group moves its incidents with it, and
//! nobody's scope changes when computers come and go.

use serde::{Deserialize, Serialize};

use crate::{Actor, Millis, Result, StoreError};

/// A managed computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Computer {
    /// Its host name as its agent reports it; incidents name it the same
    /// way ([`crate::NewIncident::computer`]).
    pub name: String,
    /// Its unique custom group (an agent group), if any. Deleting the
    /// group leaves the computer ungrouped.
    pub group: Option<String>,
    /// Its remote office, if any.
    pub office: Option<String>,
    /// The id of the client API key its agent uses, if bound. A key is
    /// bound to at most one computer.
    pub key_id: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Who last set its group, office or key.
    pub updated_by: Actor,
    /// When its agent was last heard from.
    pub last_seen_at: Option<Millis>,
    /// What its agent last reported in a heartbeat, if it ever did.
    pub agent: Option<AgentReport>,
}

/// What an agent says about itself in its heartbeat: kept per computer
/// (the latest only), so administrators see each agent's version, the
/// policy it enforces and its spool's backlog.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentReport {
    /// When the server received it.
    #[serde(default)]
    pub reported_at: Millis,
    pub version: String,
    #[serde(default)]
    pub fqdn: Option<String>,
    #[serde(default)]
    pub netbios: Option<String>,
    #[serde(default)]
    pub ipv4: Vec<String>,
    #[serde(default)]
    pub ou: Option<String>,
    /// The serial of the bundle it enforces (0: none yet).
    #[serde(default)]
    pub policy_serial: i64,
    #[serde(default)]
    pub policy_version: i64,
    /// Ids of the signing keys it trusts.
    #[serde(default)]
    pub trusted_keys: Vec<String>,
    /// Bytes of incidents waiting in its spool, and incidents it dropped
    /// because the spool was full.
    #[serde(default)]
    pub spool_pending: u64,
    #[serde(default)]
    pub spool_dropped: u64,
}

/// A computer to create or replace: every field is set as given (`None`
/// takes the computer out of its group or office, or unbinds its key).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputerInput {
    pub name: String,
    pub group: Option<String>,
    pub office: Option<String>,
    pub key_id: Option<String>,
}

/// Filters for listing computers, by name, in pages. Every field narrows
/// the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputerFilter {
    /// In this agent group.
    pub group: Option<String>,
    /// In this remote office.
    pub office: Option<String>,
    /// Cursor: only computers named after this one.
    pub after: Option<String>,
    /// At most this many (clamped to 1..=1000, default 100).
    pub limit: Option<i64>,
}

impl ComputerFilter {
    pub fn effective_limit(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, 1000)
    }
}

/// A remote office and how many computers are in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteOffice {
    pub name: String,
    pub description: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub updated_by: Actor,
    /// Computers in it now.
    pub computers: i64,
}

/// The computers of a scope of unique groups or remote offices, for
/// filtering incidents and counts: those now in one of `groups` or one of
/// `offices`. Empty, it holds nothing; a scope of all computers is no
/// filter at all (`None` where one is taken). Incidents from no managed
/// computer are in no such scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeFilter {
    /// Agent group names.
    pub groups: Vec<String>,
    /// Remote office names.
    pub offices: Vec<String>,
}

/// Computers and remote offices.
#[async_trait::async_trait]
pub trait ComputerStore: Send + Sync {
    /// Creates a computer or replaces its group, office and key (its
    /// creation time and last contact stay). `Invalid` for a bad name,
    /// `NotFound` naming the group or office if it does not exist,
    /// `Conflict` if the key is bound to another computer.
    async fn upsert_computer(
        &self,
        c: &ComputerInput,
        actor: &Actor,
        now: Millis,
    ) -> Result<Computer>;
    async fn get_computer(&self, name: &str) -> Result<Computer>;
    /// The computer the key `key_id` is bound to, if any.
    async fn computer_for_key(&self, key_id: &str) -> Result<Option<Computer>>;
    /// By name, `filter.after` being the cursor.
    async fn list_computers(&self, filter: &ComputerFilter) -> Result<Vec<Computer>>;
    /// How many computers (in `scope`, if there is one) were seen at or
    /// after `since`, and how many there are: agents online, and in all.
    async fn computer_counts(
        &self,
        since: Millis,
        scope: Option<&ScopeFilter>,
    ) -> Result<(i64, i64)>;
    /// Deletes a computer; its incidents stay (and drop out of every
    /// group or office scope). The store keeps no row to hold `actor`; it
    /// is logged until the audit log exists.
    async fn delete_computer(&self, name: &str, actor: &Actor) -> Result<()>;
    /// Notes that the computer's agent was heard from at `now` (a later
    /// time already noted stays). `NotFound` if there is no such computer.
    async fn touch_computer(&self, name: &str, now: Millis) -> Result<()>;
    /// Keeps `report` as what the computer's agent last said, received at
    /// `now` (its `reported_at` is set to it), and notes the contact as
    /// [`ComputerStore::touch_computer`] does. A report older than the one
    /// kept is dropped. `NotFound` if there is no such computer.
    async fn record_heartbeat(&self, name: &str, report: &AgentReport, now: Millis) -> Result<()>;
    /// Creates a remote office or replaces its description. `Invalid` for
    /// a bad name.
    async fn upsert_office(
        &self,
        name: &str,
        description: &str,
        actor: &Actor,
        now: Millis,
    ) -> Result<RemoteOffice>;
    async fn get_office(&self, name: &str) -> Result<RemoteOffice>;
    /// Every office by name, with its member counts.
    async fn list_offices(&self) -> Result<Vec<RemoteOffice>>;
    /// Deletes an empty office: `Invalid`, saying how many, while
    /// computers are in it. `actor` is logged as for computers.
    async fn delete_office(&self, name: &str, actor: &Actor) -> Result<()>;
}

/// Names of computers and remote offices: 1–128 letters, digits, `-`,
/// `_`, `.`, the rule the server applies to agent group and policy names
/// (which a host name meets too). Checked here because the store is where
/// these names are born: an agent's report reaches it through the server,
/// and a name with a NUL or a space would never match again.
pub(crate) fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{what} name `{}`: use 1 to 128 letters, digits, `-`, `_` or `.`",
            name.escape_debug()
        )))
    }
}

/// The SQL of [`ComputerStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_computer_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::actor::{decode_column, encode_column};
            use $crate::computers::{
                check_name, AgentReport, Computer, ComputerFilter, ComputerInput, ComputerStore,
                RemoteOffice, ScopeFilter,
            };
            use $crate::sql::text;
            use $crate::{Actor, Millis, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;

            const OFFICE_SELECT: &str = "SELECT o.name, o.description, o.created_at, \
                o.updated_at, o.updated_by, \
                (SELECT COUNT(*) FROM computers c WHERE c.office = o.name) AS computers \
                FROM remote_offices o";

            fn computer_from_row(r: &Row) -> Result<Computer> {
                let updated_by: String = r.try_get("updated_by")?;
                let report: Option<String> = r.try_get("agent_report")?;
                // A report that no longer reads (a bug, a hand edit) is
                // no report: the computer itself still lists.
                let agent = report.and_then(|t| match serde_json::from_str::<AgentReport>(&t) {
                    Ok(a) => Some(a),
                    Err(e) => {
                        tracing::warn!("stored agent report does not read: {e}");
                        None
                    }
                });
                Ok(Computer {
                    name: r.try_get("name")?,
                    group: r.try_get("group_name")?,
                    office: r.try_get("office")?,
                    key_id: r.try_get("key_id")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    updated_by: decode_column(&updated_by)?,
                    last_seen_at: r.try_get("last_seen_at")?,
                    agent,
                })
            }

            impl $store {
                /// For the other resources that read computer rows.
                pub(crate) fn computer_from_row(r: &Row) -> Result<Computer> {
                    computer_from_row(r)
                }
            }

            fn office_from_row(r: &Row) -> Result<RemoteOffice> {
                let updated_by: String = r.try_get("updated_by")?;
                Ok(RemoteOffice {
                    name: r.try_get("name")?,
                    description: r.try_get("description")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    updated_by: decode_column(&updated_by)?,
                    computers: r.try_get("computers")?,
                })
            }

            #[async_trait::async_trait]
            impl ComputerStore for $store {
                async fn upsert_computer(
                    &self,
                    c: &ComputerInput,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<Computer> {
                    check_name("computer", &c.name)?;
                    if c.key_id.as_deref() == Some("") {
                        return Err(StoreError::Invalid(format!(
                            "empty api key id for computer `{}`",
                            c.name
                        )));
                    }
                    // The checks and the write in one transaction, so the
                    // answer names what is missing or taken; the foreign
                    // keys and the unique key index stand behind them.
                    let mut tx = self.pool.begin_with($begin).await?;
                    if let Some(g) = &c.group {
                        sqlx::query("SELECT name FROM agent_groups WHERE name = $1")
                            .bind(g)
                            .fetch_optional(&mut *tx)
                            .await?
                            .ok_or_else(|| StoreError::NotFound(format!("agent group `{g}`")))?;
                    }
                    if let Some(o) = &c.office {
                        sqlx::query("SELECT name FROM remote_offices WHERE name = $1")
                            .bind(o)
                            .fetch_optional(&mut *tx)
                            .await?
                            .ok_or_else(|| {
                                StoreError::NotFound(format!("remote office `{o}`"))
                            })?;
                    }
                    if let Some(k) = &c.key_id {
                        let other = sqlx::query(
                            "SELECT name FROM computers WHERE key_id = $1 AND name <> $2",
                        )
                        .bind(text(k))
                        .bind(&c.name)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if let Some(other) = other {
                            let other: String = other.try_get("name")?;
                            return Err(StoreError::Conflict(format!(
                                "binding of api key `{k}` to computer `{other}`"
                            )));
                        }
                    }
                    sqlx::query(
                        "INSERT INTO computers \
                         (name, group_name, office, key_id, created_at, updated_at, updated_by) \
                         VALUES ($1, $2, $3, $4, $5, $5, $6) ON CONFLICT (name) DO UPDATE SET \
                         group_name = excluded.group_name, office = excluded.office, \
                         key_id = excluded.key_id, updated_at = excluded.updated_at, \
                         updated_by = excluded.updated_by",
                    )
                    .bind(&c.name)
                    .bind(c.group.as_deref())
                    .bind(c.office.as_deref())
                    .bind(c.key_id.as_deref().map(text))
                    .bind(now)
                    .bind(encode_column(actor))
                    .execute(&mut *tx)
                    .await?;
                    let row = sqlx::query("SELECT * FROM computers WHERE name = $1")
                        .bind(&c.name)
                        .fetch_one(&mut *tx)
                        .await?;
                    let computer = computer_from_row(&row)?;
                    tx.commit().await?;
                    Ok(computer)
                }

                async fn get_computer(&self, name: &str) -> Result<Computer> {
                    let row = sqlx::query("SELECT * FROM computers WHERE name = $1")
                        .bind(name)
                        .fetch_optional(&self.pool)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("computer `{name}`")))?;
                    computer_from_row(&row)
                }

                async fn computer_for_key(&self, key_id: &str) -> Result<Option<Computer>> {
                    let row = sqlx::query("SELECT * FROM computers WHERE key_id = $1")
                        .bind(text(key_id))
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(computer_from_row).transpose()
                }

                async fn list_computers(&self, f: &ComputerFilter) -> Result<Vec<Computer>> {
                    let mut qb =
                        sqlx::QueryBuilder::<$db>::new("SELECT * FROM computers WHERE 1 = 1");
                    if let Some(v) = &f.group {
                        qb.push(" AND group_name = ").push_bind(v.clone());
                    }
                    if let Some(v) = &f.office {
                        qb.push(" AND office = ").push_bind(v.clone());
                    }
                    if let Some(v) = &f.after {
                        qb.push(" AND name > ").push_bind(v.clone());
                    }
                    qb.push(" ORDER BY name LIMIT ")
                        .push_bind(f.effective_limit());
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(computer_from_row).collect()
                }

                async fn computer_counts(
                    &self,
                    since: Millis,
                    scope: Option<&ScopeFilter>,
                ) -> Result<(i64, i64)> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "SELECT CAST(COALESCE(SUM(CASE WHEN last_seen_at >= ",
                    );
                    qb.push_bind(since).push(
                        " THEN 1 ELSE 0 END), 0) AS BIGINT) AS online, COUNT(*) AS total \
                         FROM computers WHERE 1 = 1",
                    );
                    if let Some(scope) = scope {
                        if scope.groups.is_empty() && scope.offices.is_empty() {
                            qb.push(" AND 1 = 0");
                        } else {
                            qb.push(" AND (1 = 0");
                            if !scope.groups.is_empty() {
                                qb.push(" OR group_name IN (");
                                let mut list = qb.separated(", ");
                                for g in &scope.groups {
                                    list.push_bind(g.clone());
                                }
                                qb.push(")");
                            }
                            if !scope.offices.is_empty() {
                                qb.push(" OR office IN (");
                                let mut list = qb.separated(", ");
                                for o in &scope.offices {
                                    list.push_bind(o.clone());
                                }
                                qb.push(")");
                            }
                            qb.push(")");
                        }
                    }
                    let row = qb.build().fetch_one(&self.pool).await?;
                    Ok((row.try_get("online")?, row.try_get("total")?))
                }

                async fn delete_computer(&self, name: &str, actor: &Actor) -> Result<()> {
                    let r = sqlx::query("DELETE FROM computers WHERE name = $1")
                        .bind(name)
                        .execute(&self.pool)
                        .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("computer `{name}`")));
                    }
                    tracing::info!(computer = name, %actor, "computer deleted");
                    Ok(())
                }

                async fn touch_computer(&self, name: &str, now: Millis) -> Result<()> {
                    // Several servers may hear from one agent: the latest
                    // time wins, whichever writes last.
                    let r = sqlx::query(
                        "UPDATE computers SET last_seen_at = CASE \
                         WHEN last_seen_at IS NULL OR last_seen_at < $1 THEN $1 \
                         ELSE last_seen_at END WHERE name = $2",
                    )
                    .bind(now)
                    .bind(name)
                    .execute(&self.pool)
                    .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("computer `{name}`")));
                    }
                    Ok(())
                }

                async fn record_heartbeat(
                    &self,
                    name: &str,
                    report: &AgentReport,
                    now: Millis,
                ) -> Result<()> {
                    let mut report = report.clone();
                    report.reported_at = now;
                    let json = serde_json::to_string(&report).map_err(|e| {
                        StoreError::Invalid(format!("agent report of computer `{name}`: {e}"))
                    })?;
                    // Latest wins, as for `touch_computer`: a server that
                    // answers late never puts an older report back.
                    let r = sqlx::query(
                        "UPDATE computers SET \
                         agent_report = CASE WHEN agent_report_at IS NULL OR agent_report_at <= $1 \
                         THEN $2 ELSE agent_report END, \
                         agent_report_at = CASE WHEN agent_report_at IS NULL OR agent_report_at <= $1 \
                         THEN $1 ELSE agent_report_at END, \
                         last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < $1 \
                         THEN $1 ELSE last_seen_at END WHERE name = $3",
                    )
                    .bind(now)
                    .bind(text(&json).into_owned())
                    .bind(name)
                    .execute(&self.pool)
                    .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("computer `{name}`")));
                    }
                    Ok(())
                }

                async fn upsert_office(
                    &self,
                    name: &str,
                    description: &str,
                    actor: &Actor,
                    now: Millis,
                ) -> Result<RemoteOffice> {
                    check_name("remote office", name)?;
                    sqlx::query(
                        "INSERT INTO remote_offices \
                         (name, description, created_at, updated_at, updated_by) \
                         VALUES ($1, $2, $3, $3, $4) ON CONFLICT (name) DO UPDATE SET \
                         description = excluded.description, \
                         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                    )
                    .bind(name)
                    .bind(text(description))
                    .bind(now)
                    .bind(encode_column(actor))
                    .execute(&self.pool)
                    .await?;
                    self.get_office(name).await
                }

                async fn get_office(&self, name: &str) -> Result<RemoteOffice> {
                    let row = sqlx::query(&format!("{OFFICE_SELECT} WHERE o.name = $1"))
                        .bind(name)
                        .fetch_optional(&self.pool)
                        .await?
                        .ok_or_else(|| {
                            StoreError::NotFound(format!("remote office `{name}`"))
                        })?;
                    office_from_row(&row)
                }

                async fn list_offices(&self) -> Result<Vec<RemoteOffice>> {
                    let rows = sqlx::query(&format!("{OFFICE_SELECT} ORDER BY o.name"))
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(office_from_row).collect()
                }

                async fn delete_office(&self, name: &str, actor: &Actor) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let row =
                        sqlx::query("SELECT COUNT(*) AS n FROM computers WHERE office = $1")
                            .bind(name)
                            .fetch_one(&mut *tx)
                            .await?;
                    let members: i64 = row.try_get("n")?;
                    if members > 0 {
                        let computers = if members == 1 { "computer is" } else { "computers are" };
                        return Err(StoreError::Invalid(format!(
                            "deletion of remote office `{name}`: {members} {computers} \
                             still in it; move them out first"
                        )));
                    }
                    let r = sqlx::query("DELETE FROM remote_offices WHERE name = $1")
                        .bind(name)
                        .execute(&mut *tx)
                        .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("remote office `{name}`")));
                    }
                    tx.commit().await?;
                    tracing::info!(office = name, %actor, "remote office deleted");
                    Ok(())
                }
            }
        };
    };
}
pub(crate) use impl_computer_store;

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_follow_the_group_name_rule() {
        for ok in [
            "pc-01",
            "DESKTOP-7QX",
            "host.corp.example",
            "a_b",
            &"x".repeat(128),
        ] {
            assert!(check_name("computer", ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "nul\0", "slash/", "é", &"x".repeat(129)] {
            assert!(check_name("computer", bad).is_err(), "{bad:?}");
        }
    }
}
