//! The share inventory applications register for the share crawler, and
//! the crawler's runs. A share is what its application last sent (who may
//! see it, its files with their classification); the crawler reads the
//! live ones page by page and records each run with its report. Which
//! shares violate what is the server's business.

use serde::{Deserialize, Serialize};

use crate::{Millis, Result, StoreError};

/// A share as its application sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewShare {
    pub app: String,
    pub share_id: String,
    pub path: String,
    pub public: bool,
    pub users: Vec<String>,
    pub groups: Vec<String>,
    pub owner: String,
    /// Its files (`name`, `path`, `size`, `modified`, `categories`,
    /// `classification`, …) as the application sent them, bounded by the
    /// server.
    pub files: serde_json::Value,
}

/// A stored share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    #[serde(flatten)]
    pub share: NewShare,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// When its application stopped listing it (a removed share is kept,
    /// not crawled).
    pub removed_at: Option<Millis>,
}

/// How a crawl treats what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrawlMode {
    /// Reports only.
    DryRun,
    /// Acts on violations.
    Enforce,
}

impl CrawlMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CrawlMode::DryRun => "dry_run",
            CrawlMode::Enforce => "enforce",
        }
    }

    pub fn parse(s: &str) -> Option<CrawlMode> {
        [CrawlMode::DryRun, CrawlMode::Enforce]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// One run of the crawler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrawlRun {
    pub id: i64,
    pub started_at: Millis,
    /// `None` while it runs (or if its server died during it).
    pub finished_at: Option<Millis>,
    /// The server that ran it.
    pub holder: String,
    pub mode: CrawlMode,
    /// Shares checked.
    pub checked: i64,
    pub violations: i64,
    /// The report, once finished.
    pub report: Option<serde_json::Value>,
    pub error: Option<String>,
}

/// Shares and crawl runs.
#[async_trait::async_trait]
pub trait ShareStore: Send + Sync {
    /// Registers `s`, replacing the share of the same app and id (and
    /// making it live again if it was removed). `Invalid` for an empty
    /// app or share id.
    async fn put_share(&self, s: &NewShare, now: Millis) -> Result<Share>;
    /// Forgets the share (its app says it no longer exists). `NotFound`.
    async fn delete_share(&self, app: &str, share_id: &str, now: Millis) -> Result<()>;
    /// Keeps the share but stops crawling it (its app stopped listing
    /// it); a later [`ShareStore::put_share`] brings it back. The first
    /// removal's time stays. `NotFound`.
    async fn mark_share_removed(&self, app: &str, share_id: &str, now: Millis) -> Result<()>;
    /// A share, live or removed. `NotFound`.
    async fn get_share(&self, app: &str, share_id: &str) -> Result<Share>;
    /// Live shares ordered by (app, share id), bytewise, after the
    /// keyset cursor `after` (the last page's last (app, share id)); at
    /// most `limit` (clamped to 1..=1000).
    async fn list_shares(&self, after: Option<(String, String)>, limit: i64) -> Result<Vec<Share>>;
    /// Live shares.
    async fn count_shares(&self) -> Result<i64>;
    /// Records that `holder` started a crawl; gives its id.
    async fn start_crawl(&self, holder: &str, mode: CrawlMode, now: Millis) -> Result<i64>;
    /// Records how crawl `id` ended. `NotFound`; `Invalid` if it was
    /// finished already.
    async fn finish_crawl(
        &self,
        id: i64,
        checked: i64,
        violations: i64,
        report: &serde_json::Value,
        error: Option<&str>,
        now: Millis,
    ) -> Result<()>;
    /// The last `limit` runs (clamped to 1..=1000), newest first.
    async fn list_crawls(&self, limit: i64) -> Result<Vec<CrawlRun>>;
    async fn get_crawl(&self, id: i64) -> Result<CrawlRun>;
}

pub(crate) const SHARE_COLS: &str = "app, share_id, path, public, users, groups, owner, files, \
    created_at, updated_at, removed_at";

pub(crate) const CRAWL_COLS: &str =
    "id, started_at, finished_at, holder, mode, checked, violations, report, error";

pub(crate) fn check_share(s: &NewShare) -> Result<()> {
    if s.app.is_empty() || s.share_id.is_empty() {
        return Err(StoreError::Invalid(format!(
            "share `{}` of app `{}`: both the app and the share id are needed",
            s.share_id, s.app
        )));
    }
    Ok(())
}

pub(crate) fn json_column<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Invalid(format!("stored {what}: {e}")))
}

pub(crate) fn share_not_found(app: &str, share_id: &str) -> StoreError {
    StoreError::NotFound(format!("share `{share_id}` of app `{app}`"))
}

/// The SQL of [`ShareStore`], for one backend (see `crate::sqlite`).
macro_rules! impl_share_store {
    ($store:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use sqlx::Row as _;
            use $crate::shares::{
                CRAWL_COLS, CrawlMode, CrawlRun, NewShare, SHARE_COLS, Share, ShareStore,
                check_share, json_column, share_not_found,
            };
            use $crate::sql::text;
            use $crate::{Millis, Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;

            fn share_from_row(r: &Row) -> Result<Share> {
                let public: i64 = r.try_get("public")?;
                let users: String = r.try_get("users")?;
                let groups: String = r.try_get("groups")?;
                let files: String = r.try_get("files")?;
                Ok(Share {
                    share: NewShare {
                        app: r.try_get("app")?,
                        share_id: r.try_get("share_id")?,
                        path: r.try_get("path")?,
                        public: public != 0,
                        users: json_column("share users", &users)?,
                        groups: json_column("share groups", &groups)?,
                        owner: r.try_get("owner")?,
                        files: json_column("share files", &files)?,
                    },
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    removed_at: r.try_get("removed_at")?,
                })
            }

            fn crawl_from_row(r: &Row) -> Result<CrawlRun> {
                let mode: String = r.try_get("mode")?;
                let report: Option<String> = r.try_get("report")?;
                Ok(CrawlRun {
                    id: r.try_get("id")?,
                    started_at: r.try_get("started_at")?,
                    finished_at: r.try_get("finished_at")?,
                    holder: r.try_get("holder")?,
                    mode: CrawlMode::parse(&mode).ok_or_else(|| {
                        StoreError::Invalid(format!("stored crawl mode `{mode}`"))
                    })?,
                    checked: r.try_get("checked")?,
                    violations: r.try_get("violations")?,
                    report: report
                        .map(|s| json_column("crawl report", &s))
                        .transpose()?,
                    error: r.try_get("error")?,
                })
            }

            #[async_trait::async_trait]
            impl ShareStore for $store {
                async fn put_share(&self, s: &NewShare, now: Millis) -> Result<Share> {
                    check_share(s)?;
                    let json = |v: &Vec<String>| serde_json::Value::from(v.clone()).to_string();
                    let row = sqlx::query(&format!(
                        "INSERT INTO shares ({SHARE_COLS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, NULL) \
                         ON CONFLICT (app, share_id) DO UPDATE SET path = excluded.path, \
                         public = excluded.public, users = excluded.users, \
                         groups = excluded.groups, owner = excluded.owner, \
                         files = excluded.files, updated_at = excluded.updated_at, \
                         removed_at = NULL RETURNING {SHARE_COLS}"
                    ))
                    .bind(text(&s.app))
                    .bind(text(&s.share_id))
                    .bind(text(&s.path))
                    .bind(i64::from(s.public))
                    .bind(json(&s.users))
                    .bind(json(&s.groups))
                    .bind(text(&s.owner))
                    .bind(s.files.to_string())
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await?;
                    share_from_row(&row)
                }

                async fn delete_share(
                    &self,
                    app: &str,
                    share_id: &str,
                    _now: Millis,
                ) -> Result<()> {
                    let done = sqlx::query("DELETE FROM shares WHERE app = $1 AND share_id = $2")
                        .bind(app)
                        .bind(share_id)
                        .execute(&self.pool)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(share_not_found(app, share_id));
                    }
                    Ok(())
                }

                async fn mark_share_removed(
                    &self,
                    app: &str,
                    share_id: &str,
                    now: Millis,
                ) -> Result<()> {
                    let done = sqlx::query(
                        "UPDATE shares SET removed_at = COALESCE(removed_at, $1), \
                         updated_at = $1 WHERE app = $2 AND share_id = $3",
                    )
                    .bind(now)
                    .bind(app)
                    .bind(share_id)
                    .execute(&self.pool)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(share_not_found(app, share_id));
                    }
                    Ok(())
                }

                async fn get_share(&self, app: &str, share_id: &str) -> Result<Share> {
                    let row = sqlx::query(&format!(
                        "SELECT {SHARE_COLS} FROM shares WHERE app = $1 AND share_id = $2"
                    ))
                    .bind(app)
                    .bind(share_id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| share_not_found(app, share_id))?;
                    share_from_row(&row)
                }

                async fn list_shares(
                    &self,
                    after: Option<(String, String)>,
                    limit: i64,
                ) -> Result<Vec<Share>> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT ");
                    qb.push(SHARE_COLS)
                        .push(" FROM shares WHERE removed_at IS NULL");
                    if let Some((app, id)) = after {
                        // The primary key's order (bytewise on both: the
                        // PostgreSQL columns are COLLATE "C").
                        qb.push(" AND (app > ")
                            .push_bind(app.clone())
                            .push(" OR (app = ")
                            .push_bind(app)
                            .push(" AND share_id > ")
                            .push_bind(id)
                            .push("))");
                    }
                    qb.push(" ORDER BY app, share_id LIMIT ")
                        .push_bind(limit.clamp(1, 1000));
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(share_from_row).collect()
                }

                async fn count_shares(&self) -> Result<i64> {
                    let r =
                        sqlx::query("SELECT COUNT(*) AS n FROM shares WHERE removed_at IS NULL")
                            .fetch_one(&self.pool)
                            .await?;
                    Ok(r.try_get("n")?)
                }

                async fn start_crawl(
                    &self,
                    holder: &str,
                    mode: CrawlMode,
                    now: Millis,
                ) -> Result<i64> {
                    let r = sqlx::query(
                        "INSERT INTO crawl_runs (started_at, holder, mode, checked, violations) \
                         VALUES ($1, $2, $3, 0, 0) RETURNING id",
                    )
                    .bind(now)
                    .bind(text(holder))
                    .bind(mode.as_str())
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(r.try_get("id")?)
                }

                async fn finish_crawl(
                    &self,
                    id: i64,
                    checked: i64,
                    violations: i64,
                    report: &serde_json::Value,
                    error: Option<&str>,
                    now: Millis,
                ) -> Result<()> {
                    let done = sqlx::query(
                        "UPDATE crawl_runs SET finished_at = $1, checked = $2, violations = $3, \
                         report = $4, error = $5 WHERE id = $6 AND finished_at IS NULL",
                    )
                    .bind(now)
                    .bind(checked)
                    .bind(violations)
                    .bind(report.to_string())
                    .bind(error.map(|e| text(e).into_owned()))
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                    if done.rows_affected() == 0 {
                        self.get_crawl(id).await?;
                        return Err(StoreError::Invalid(format!(
                            "end of crawl run {id}: it was finished already"
                        )));
                    }
                    Ok(())
                }

                async fn list_crawls(&self, limit: i64) -> Result<Vec<CrawlRun>> {
                    let rows = sqlx::query(&format!(
                        "SELECT {CRAWL_COLS} FROM crawl_runs ORDER BY id DESC LIMIT $1"
                    ))
                    .bind(limit.clamp(1, 1000))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(crawl_from_row).collect()
                }

                async fn get_crawl(&self, id: i64) -> Result<CrawlRun> {
                    let row = sqlx::query(&format!(
                        "SELECT {CRAWL_COLS} FROM crawl_runs WHERE id = $1"
                    ))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("crawl run {id}")))?;
                    crawl_from_row(&row)
                }
            }
        };
    };
}
pub(crate) use impl_share_store;
