//! The share inventory (`/v1/shares`): applications that hold shares
//! (file servers, sync-and-share products) register each share with its
//! files' classification; and the daily share crawler
//! (`/v1/share-crawler`) that checks them all against the policies.
//! An application is the API key it registers with: it sees and changes
//! only its own shares.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use cordon_policy::model::MetaValue;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry, RequestMeta};
use crate::auth::Caller;
use crate::crawler::{self, AppCallback, CrawlerSettings, Holdings};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// The largest share registration.
pub const MAX_SHARE_BYTES: usize = 1 << 20;
/// Most files of one share.
const MAX_FILES: usize = 1_000;
/// Most allowed users or groups of one share.
const MAX_PRINCIPALS: usize = 1_000;

/// A share as its application registers it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareInput {
    pub path: String,
    #[serde(default)]
    pub public: bool,
    /// E-mail addresses of the users it is shared with.
    #[serde(default)]
    pub users: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    /// The user who shared it.
    pub owner: String,
    /// Its files: path, size, sha256, classification (as `/v1/inspect`
    /// returns it) and metadata attributes. Share rules see them as
    /// `_metadata` (categories as `Cordon.category`).
    #[serde(default)]
    pub files: Vec<crate::crawler::ShareFile>,
    /// Attributes of the share as a whole (`_metadata`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: BTreeMap<String, MetaValue>,
}

/// A registered share.
#[derive(Serialize, ToSchema)]

pub struct ShareView {
    /// The application: the id of the key that registered it.
    pub app: String,
    pub id: String,
    pub path: String,
    pub public: bool,
    pub users: Vec<String>,
    pub groups: Vec<String>,
    pub owner: String,
    #[schema(value_type = Object)]
    pub files: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<cordon_store::Share> for ShareView {
    fn from(s: cordon_store::Share) -> ShareView {
        let n = s.share;
        ShareView {
            app: n.app,
            id: n.share_id,
            path: n.path,
            public: n.public,
            users: n.users,
            groups: n.groups,
            owner: n.owner,
            files: n.files,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

fn valid_share_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 256 && !id.chars().any(char::is_control)
}

#[utoipa::path(put, path = "/v1/shares/{id}", tag = "shares", request_body = ShareInput,
    params(("id" = String, Path, description = "the application's id for the share")),
    responses((status = 200, description = "registered (or replaced)", body = ShareView),
              (status = 400, description = "what is wrong", body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn put(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(input): ApiJson<ShareInput>,
) -> ApiResult<Json<ShareView>> {
    let app = app_of(&caller)?;
    if !valid_share_id(&id) {
        return Err(ApiError::bad_request(
            "a share id is 1 to 256 characters without control characters",
        ));
    }
    if input.files.len() > MAX_FILES
        || input.users.len() > MAX_PRINCIPALS
        || input.groups.len() > MAX_PRINCIPALS
    {
        return Err(ApiError::bad_request(format!(
            "a share lists at most {MAX_FILES} files and {MAX_PRINCIPALS} users and groups"
        )));
    }
    let holdings = Holdings {
        files: input.files,
        metadata: input.metadata,
    };
    let files =
        serde_json::to_value(&holdings).map_err(|e| ApiError::internal("a share's files", &e))?;
    let share = st
        .ready()?
        .store
        .put_share(
            &cordon_store::NewShare {
                app,
                share_id: id,
                path: input.path,
                public: input.public,
                users: input.users,
                groups: input.groups,
                owner: input.owner,
                files,
            },
            cordon_store::now_millis(),
        )
        .await?;
    Ok(Json(share.into()))
}

#[utoipa::path(delete, path = "/v1/shares/{id}", tag = "shares",
    params(("id" = String, Path, description = "the application's id for the share")),
    responses((status = 204, description = "the share no longer exists")),
    security(("api_key" = [])))]
pub async fn remove(
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<StatusCode> {
    let app = app_of(&caller)?;
    st.ready()?
        .store
        .delete_share(&app, &id, cordon_store::now_millis())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The application a caller registers shares for: its key.
fn app_of(caller: &Caller) -> ApiResult<String> {
    let key = caller.key_id();
    if key.is_empty() {
        return Err(ApiError::forbidden(
            "shares are registered by applications with an API key",
        ));
    }
    Ok(key.to_owned())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ShareQuery {
    /// `app/id` of the last share of the previous page.
    pub after: Option<String>,
    /// 1 to 500 (default 100).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ShareList {
    pub shares: Vec<ShareView>,
    pub total: i64,
    /// Pass as `after` for the next page; `null` on the last.
    pub next_after: Option<String>,
}

#[utoipa::path(get, path = "/v1/shares", tag = "shares", params(ShareQuery),
    responses((status = 200, description = "registered shares, by application and id", body = ShareList)),
    security(("session" = []), ("api_key" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Query(q): Query<ShareQuery>,
) -> ApiResult<Json<ShareList>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("`limit` is 1 to 500"));
    }
    let after = match q.after.as_deref() {
        None | Some("") => None,
        Some(a) => {
            let (app, id) = a
                .split_once('/')
                .ok_or_else(|| ApiError::bad_request("`after` is `app/id`"))?;
            Some((app.to_owned(), id.to_owned()))
        }
    };
    let store = &st.ready()?.store;
    let rows = store.list_shares(after, limit).await?;
    let total = store.count_shares().await?;
    let next_after = (rows.len() as i64 == limit)
        .then(|| {
            rows.last()
                .map(|s| format!("{}/{}", s.share.app, s.share.share_id))
        })
        .flatten();
    Ok(Json(ShareList {
        shares: rows.into_iter().map(Into::into).collect(),
        total,
        next_after,
    }))
}

#[utoipa::path(get, path = "/v1/share-crawler", tag = "shares",
    responses((status = 200, description = "the crawler's settings, secrets as `***`", body = CrawlerSettings)),
    security(("session" = []), ("api_key" = [])))]
pub async fn get_crawler(State(st): State<AppState>) -> ApiResult<Json<CrawlerSettings>> {
    Ok(Json(crawler::load(&st).await?.redacted()))
}

#[utoipa::path(put, path = "/v1/share-crawler", tag = "shares", request_body = CrawlerSettings,
    responses((status = 200, description = "stored", body = CrawlerSettings),
              (status = 400, description = "what is wrong", body = crate::error::ErrorBody),
              (status = 403, description = "`reauthentication_required` to switch to `enforce`", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn put_crawler(
    State(st): State<AppState>,
    meta: RequestMeta,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiJson(mut input): ApiJson<CrawlerSettings>,
) -> ApiResult<Json<CrawlerSettings>> {
    let old = crawler::load(&st).await?;
    if input.mode == crawler::CrawlerMode::Enforce && old.mode != crawler::CrawlerMode::Enforce {
        // Removal cannot be undone: a person confirms their password first.
        caller.require_elevated()?;
    }
    keep_callback_secrets(&mut input.callbacks, &old.callbacks)?;
    input.check()?;
    let r = st.ready()?;
    r.store
        .put_setting(
            crawler::KEY,
            &crawler::sealed(&st, &input)?,
            &caller.actor(),
            cordon_store::now_millis(),
        )
        .await?;
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(
            &caller.actor(),
            "share_crawler.put",
            "settings",
            crawler::KEY,
        )
        .before(&old.redacted())
        .after(&input.redacted()),
    )
    .await?;
    Ok(Json(input.redacted()))
}

fn keep_callback_secrets(new: &mut [AppCallback], old: &[AppCallback]) -> ApiResult<()> {
    for c in new {
        if c.secret.expose() == crate::alerts::config::REDACTED {
            let Some(o) = old.iter().find(|o| o.app == c.app) else {
                return Err(ApiError::bad_request(format!(
                    "callback of `{}`: the secret reads `***` but none is stored",
                    c.app
                )));
            };
            c.secret = o.secret.clone();
        }
    }
    Ok(())
}

/// A crawl.
#[derive(Serialize, ToSchema)]

pub struct CrawlRunView {
    pub id: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// The server that ran it.
    pub holder: String,
    /// `dry_run` or `enforce`.
    pub mode: String,
    pub checked: i64,
    pub violations: i64,
    /// `entries`: each violating share with its rules and what was done
    /// (`would remove`, `removed`, `removal failed: …`).
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
    pub error: Option<String>,
}

impl From<cordon_store::CrawlRun> for CrawlRunView {
    fn from(c: cordon_store::CrawlRun) -> CrawlRunView {
        CrawlRunView {
            id: c.id,
            started_at: c.started_at,
            finished_at: c.finished_at,
            holder: c.holder,
            mode: match c.mode {
                cordon_store::CrawlMode::DryRun => "dry_run",
                cordon_store::CrawlMode::Enforce => "enforce",
            }
            .to_owned(),
            checked: c.checked,
            violations: c.violations,
            report: c.report.unwrap_or(serde_json::Value::Null),
            error: c.error,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CrawlRunList {
    pub runs: Vec<CrawlRunView>,
}

#[utoipa::path(post, path = "/v1/share-crawler/run", tag = "shares",
    responses((status = 200, description = "crawled now, with the settings' mode", body = CrawlRunView),
              (status = 409, description = "`crawl_running`: another crawl holds the lease", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn run_crawler(
    State(st): State<AppState>,
    meta: RequestMeta,
    axum::Extension(caller): axum::Extension<Caller>,
) -> ApiResult<Json<CrawlRunView>> {
    let settings = crawler::load(&st).await?;
    let holder = format!("manual:{}", meta.request_id);
    let Some(id) = crawler::crawl(&st, &holder, &settings).await? else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "crawl_running",
            "a crawl is running on another server; try again when it ends",
        ));
    };
    let r = st.ready()?;
    let run: CrawlRunView = r.store.get_crawl(id).await?.into();
    audit::record(
        r.store.as_ref(),
        &meta,
        Entry::change(&caller.actor(), "share_crawler.run", "crawl", &id.to_string()).after(
            &serde_json::json!({"mode": run.mode, "checked": run.checked, "violations": run.violations}),
        ),
    )
    .await?;
    Ok(Json(run))
}

#[utoipa::path(get, path = "/v1/share-crawler/runs", tag = "shares",
    responses((status = 200, description = "the latest crawls, newest first", body = CrawlRunList)),
    security(("session" = []), ("api_key" = [])))]
pub async fn list_runs(State(st): State<AppState>) -> ApiResult<Json<CrawlRunList>> {
    let runs = st.ready()?.store.list_crawls(50).await?;
    Ok(Json(CrawlRunList {
        runs: runs.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(get, path = "/v1/share-crawler/runs/{id}", tag = "shares",
    params(("id" = i64, Path, description = "crawl id")),
    responses((status = 200, description = "one crawl with its report", body = CrawlRunView)),
    security(("session" = []), ("api_key" = [])))]
pub async fn get_run(
    State(st): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<CrawlRunView>> {
    Ok(Json(st.ready()?.store.get_crawl(id).await?.into()))
}
