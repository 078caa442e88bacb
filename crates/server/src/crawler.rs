//! FileCloud's share crawler: once a day (at a configured time, UTC),
//! exactly one server of a deployment evaluates every registered share
//! against the active policies as a `share` event. A share that violates
//! an enforced rule becomes an incident (through the normal decision path:
//! journal, alerts, response rules) and — only when an administrator set
//! the crawler to `enforce` — its application is told to remove it, by a
//! signed callback. The default is a dry run whose report lists what would
//! be removed: the seed warns that removal cannot be undone.
//!
//! Exactly one server runs a crawl: each takes the `share-crawler` lease
//! row (`cordon_store::LeaseStore`) first, renews it while crawling, and a
//! crawl is due when the last one started before today's time.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{NaiveTime, TimeZone, Utc};
use cordon_policy::model::{Action, Event, MetaValue, Share as EventShare, User};
use cordon_store::{Millis, Share, Store};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// The settings key.
pub const KEY: &str = "share_crawler";
/// The lease's job name.
pub const JOB: &str = "share-crawler";
/// A crawl holds the lease this long and renews it every page.
const LEASE_MS: Millis = 10 * 60_000;
/// Shares read per page.
const PAGE: i64 = 500;
/// Most entries a crawl's report lists (it counts them all).
pub const MAX_REPORT: usize = 10_000;

/// Dry run (report only) or enforce (ask the applications to remove).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CrawlerMode {
    #[default]
    DryRun,
    Enforce,
}

impl CrawlerMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CrawlerMode::DryRun => "dry_run",
            CrawlerMode::Enforce => "enforce",
        }
    }
}

/// Where an application takes removal requests.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppCallback {
    /// The application: the id of the API key it registers shares with.
    pub app: String,
    /// `https://…` (or `http://` on loopback) that takes the signed
    /// `share.remove` request.
    pub url: String,
    /// A Standard Webhooks secret (`whsec_…`); `***` in answers, and sent
    /// back as `***` it keeps the stored one.
    #[schema(value_type = String)]
    #[serde(with = "secret_text")]
    pub secret: cordon_alert::Secret,
}

/// A secret as its text in JSON (sealed before it is stored).
mod secret_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &cordon_alert::Secret, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.expose())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<cordon_alert::Secret, D::Error> {
        String::deserialize(d).map(cordon_alert::Secret::new)
    }
}

/// The crawler's settings.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CrawlerSettings {
    pub enabled: bool,
    /// `HH:MM`, UTC.
    pub at: String,
    pub mode: CrawlerMode,
    pub callbacks: Vec<AppCallback>,
}

impl Default for CrawlerSettings {
    fn default() -> CrawlerSettings {
        CrawlerSettings {
            enabled: false,
            at: "02:00".to_owned(),
            mode: CrawlerMode::DryRun,
            callbacks: Vec::new(),
        }
    }
}

impl CrawlerSettings {
    pub fn time(&self) -> Result<NaiveTime, ApiError> {
        NaiveTime::parse_from_str(&self.at, "%H:%M")
            .map_err(|_| ApiError::bad_request(format!("`at` is `HH:MM` (UTC), got `{}`", self.at)))
    }

    pub fn check(&self) -> Result<(), ApiError> {
        self.time()?;
        for c in &self.callbacks {
            if !(c.url.starts_with("https://") || c.url.starts_with("http://")) {
                return Err(ApiError::bad_request(format!(
                    "callback of `{}`: the url must start with `https://` or `http://`",
                    c.app
                )));
            }
            if !c.secret.expose().starts_with("whsec_") {
                return Err(ApiError::bad_request(format!(
                    "callback of `{}`: the secret is a `whsec_…` Standard Webhooks secret",
                    c.app
                )));
            }
        }
        Ok(())
    }

    /// The copy answers show.
    pub fn redacted(&self) -> CrawlerSettings {
        let mut s = self.clone();
        for c in &mut s.callbacks {
            c.secret = cordon_alert::Secret::new(crate::alerts::config::REDACTED.to_owned());
        }
        s
    }
}

fn seal_context(app: &str) -> String {
    format!("cordon share crawler callback {app}")
}

/// The stored settings with their secrets opened.
pub async fn load(st: &AppState) -> Result<CrawlerSettings, ApiError> {
    let r = st.ready()?;
    let Some(v) = r.store.get_setting(KEY).await? else {
        return Ok(CrawlerSettings::default());
    };
    let mut s: CrawlerSettings = serde_json::from_value(v)
        .map_err(|e| ApiError::internal("the stored crawler settings do not read back", &e))?;
    let key = st.login.seal_key()?;
    for c in &mut s.callbacks {
        let plain = key
            .open(c.secret.expose(), &seal_context(&c.app))
            .map_err(|e| ApiError::internal("a crawler callback secret", &e))?;
        c.secret = cordon_alert::Secret::new(String::from_utf8_lossy(&plain).into_owned());
    }
    Ok(s)
}

/// The settings sealed for storing.
pub fn sealed(st: &AppState, s: &CrawlerSettings) -> Result<serde_json::Value, ApiError> {
    let key = st.login.seal_key()?;
    let mut s = s.clone();
    for c in &mut s.callbacks {
        let sealed = key
            .seal(c.secret.expose().as_bytes(), &seal_context(&c.app))
            .map_err(|e| ApiError::internal("sealing a callback secret", &e))?;
        c.secret = cordon_alert::Secret::new(sealed);
    }
    serde_json::to_value(&s).map_err(|e| ApiError::internal("the crawler settings", &e))
}

/// The metadata attribute a file's categories are given as: share rules
/// see `_user`, `_metadata` and `_share` (FileCloud), so a share rule
/// tests classification with `_metadata.existsWithValue('Cordon.category',
/// 'PCI')`.
pub const CATEGORY_ATTRIBUTE: &str = "Cordon.category";

/// One file of a share, as its application registers it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ShareFile {
    pub path: Option<String>,
    pub size: Option<u64>,
    pub sha256: Option<String>,
    /// As `/v1/inspect` returns it.
    #[schema(value_type = Option<Object>)]
    pub classification: Option<cordon_policy::model::Classification>,
    /// The file's metadata attributes.
    #[schema(value_type = Object)]
    pub metadata: BTreeMap<String, MetaValue>,
}

/// What a share holds, as stored in its `files` column.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Holdings {
    pub files: Vec<ShareFile>,
    /// Attributes of the share as a whole.
    pub metadata: BTreeMap<String, MetaValue>,
}

/// The share event of a share: its owner, its `_share`, and as
/// `_metadata` every attribute of the share and of its files — one
/// attribute with several files' values is a list, which a test holds for
/// if it holds for any file (the seed's folder semantics) — with each
/// file's categories as [`CATEGORY_ATTRIBUTE`].
pub fn event(share: &Share) -> Event {
    let n = &share.share;
    let holdings: Holdings = serde_json::from_value(n.files.clone()).unwrap_or_default();
    let mut values: BTreeMap<String, Vec<MetaValue>> = BTreeMap::new();
    let mut add = |k: &str, v: &MetaValue| {
        let slot = values.entry(k.to_owned()).or_default();
        match v {
            MetaValue::List(items) => slot.extend(items.iter().cloned()),
            one => slot.push(one.clone()),
        }
    };
    for (k, v) in &holdings.metadata {
        add(k, v);
    }
    for f in &holdings.files {
        for (k, v) in &f.metadata {
            add(k, v);
        }
        if let Some(c) = &f.classification {
            for cat in &c.categories {
                add(
                    CATEGORY_ATTRIBUTE,
                    &MetaValue::String(cat.as_str().to_owned()),
                );
            }
        }
    }
    let metadata: BTreeMap<String, MetaValue> = values
        .into_iter()
        .map(|(k, all)| {
            let mut vs: Vec<MetaValue> = Vec::with_capacity(all.len());
            for v in all {
                if !vs.contains(&v) {
                    vs.push(v);
                }
            }
            let v = if vs.len() == 1 {
                vs.pop().unwrap_or(MetaValue::Bool(false))
            } else {
                MetaValue::List(vs)
            };
            (k, v)
        })
        .collect();
    let mut e = Event::new(Action::Share);
    e.user = Some(User {
        username: Some(n.owner.clone()),
        ..User::default()
    });
    e.share = Some(EventShare {
        path: Some(n.path.clone()),
        public: n.public,
        allowed_users: n.users.clone(),
        allowed_groups: n.groups.clone(),
    });
    e.metadata = (!metadata.is_empty()).then_some(metadata);
    e.id = Some(format!("share:{}:{}", n.app, n.share_id));
    e
}

/// The time today's crawl is due, in Unix ms.
fn due_today(at: NaiveTime, now: Millis) -> Option<Millis> {
    let day = Utc.timestamp_millis_opt(now).single()?.date_naive();
    Some(day.and_time(at).and_utc().timestamp_millis())
}

/// The scheduler: every minute, on every server; the lease decides who
/// crawls.
pub async fn run(weak: crate::state::WeakState) {
    let holder = format!(
        "crawler:{}:{:08x}",
        std::process::id(),
        uuid::Uuid::new_v4().as_u64_pair().0 as u32
    );
    loop {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let Some(st) = weak.upgrade() else {
            return;
        };
        if let Err(e) = tick(&st, &holder).await {
            tracing::warn!(error = %e.message(), "share crawler: not run");
        }
    }
}

async fn tick(st: &AppState, holder: &str) -> Result<(), ApiError> {
    let settings = load(st).await?;
    if !settings.enabled {
        return Ok(());
    }
    let now = cordon_store::now_millis();
    let Some(due) = due_today(settings.time()?, now) else {
        return Ok(());
    };
    if now < due {
        return Ok(());
    }
    let store = st.ready()?.store.clone();
    let last = store.job_state(JOB).await?.map_or(0, |j| j.last_started);
    if last >= due {
        return Ok(());
    }
    crawl(st, holder, &settings).await.map(|_| ())
}

/// Runs one crawl now, under the lease; `None` if another server holds it.
pub async fn crawl(
    st: &AppState,
    holder: &str,
    settings: &CrawlerSettings,
) -> Result<Option<i64>, ApiError> {
    let store = st.ready()?.store.clone();
    let now = cordon_store::now_millis();
    let Some(lease) = store.try_lease(JOB, holder, now, LEASE_MS).await? else {
        return Ok(None);
    };
    let mode = match settings.mode {
        CrawlerMode::DryRun => cordon_store::CrawlMode::DryRun,
        CrawlerMode::Enforce => cordon_store::CrawlMode::Enforce,
    };
    let id = store.start_crawl(holder, mode, now).await?;
    tracing::info!(
        crawl = id,
        mode = settings.mode.as_str(),
        "share crawler: started"
    );
    let result = crawl_all(st, store.as_ref(), &lease, settings, id).await;
    let now = cordon_store::now_millis();
    let outcome = match &result {
        Ok((checked, violations, _)) => {
            format!("crawl {id}: {checked} shares, {violations} violating")
        }
        Err(e) => format!("crawl {id} failed: {e}"),
    };
    let (checked, violations, report, error) = match result {
        Ok((c, v, r)) => (c, v, r, None),
        Err(e) => (0, 0, json!({"entries": []}), Some(e)),
    };
    store
        .finish_crawl(id, checked, violations, &report, error.as_deref(), now)
        .await?;
    store.release_lease(&lease, now, &outcome).await?;
    tracing::info!(crawl = id, "share crawler: {outcome}");
    Ok(Some(id))
}

/// Every share, page by page. Returns (checked, violating, report).
async fn crawl_all(
    st: &AppState,
    store: &dyn Store,
    lease: &cordon_store::Lease,
    settings: &CrawlerSettings,
    crawl_id: i64,
) -> Result<(i64, i64, serde_json::Value), String> {
    let mut after: Option<(String, String)> = None;
    let (mut checked, mut violating) = (0_i64, 0_i64);
    let mut entries = Vec::new();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    loop {
        let page = store
            .list_shares(after.clone(), PAGE)
            .await
            .map_err(|e| e.to_string())?;
        if page.is_empty() {
            break;
        }
        if !store
            .renew_lease(lease, cordon_store::now_millis(), LEASE_MS)
            .await
            .map_err(|e| e.to_string())?
        {
            return Err("the crawl lost its lease to another server".to_owned());
        }
        after = page
            .last()
            .map(|s| (s.share.app.clone(), s.share.share_id.clone()));
        for share in page {
            checked += 1;
            let outcome = crate::decision::decide(
                st,
                crate::decision::Request {
                    event: event(&share),
                    content: None,
                    caller_key: String::new(),
                    computer: String::new(),
                },
            )
            .await
            .map_err(|e| e.message().to_owned())?;
            let incidents = outcome.incidents;
            let rules: Vec<String> = outcome
                .decision
                .violations
                .iter()
                .filter(|v| v.enforced)
                .map(|v| v.rule.clone())
                .collect();
            if rules.is_empty() {
                continue;
            }
            violating += 1;
            let action = match settings.mode {
                CrawlerMode::DryRun => "would remove".to_owned(),
                CrawlerMode::Enforce => {
                    match remove(store, &client, settings, &share, &rules, crawl_id).await {
                        Ok(()) => "removed".to_owned(),
                        Err(e) => format!("removal failed: {e}"),
                    }
                }
            };
            if entries.len() < MAX_REPORT {
                entries.push(json!({
                    "app": share.share.app,
                    "share": share.share.share_id,
                    "path": share.share.path,
                    "owner": share.share.owner,
                    "public": share.share.public,
                    "rules": rules,
                    "incidents": incidents,
                    "action": action,
                }));
            }
        }
    }
    let report = json!({
        "entries": entries,
        "truncated": (violating as usize) > entries.len(),
    });
    Ok((checked, violating, report))
}

/// Asks the share's application to remove it: a `share.remove` request
/// signed per Standard Webhooks; a 2xx answer marks the share removed.
async fn remove(
    store: &dyn Store,
    client: &reqwest::Client,
    settings: &CrawlerSettings,
    share: &Share,
    rules: &[String],
    crawl_id: i64,
) -> Result<(), String> {
    let Some(cb) = settings.callbacks.iter().find(|c| c.app == share.share.app) else {
        return Err(format!(
            "no callback is configured for application `{}`",
            share.share.app
        ));
    };
    let body = serde_json::to_vec(&json!({
        "type": "share.remove",
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "data": {
            "app": share.share.app,
            "share": share.share.share_id,
            "path": share.share.path,
            "rules": rules,
            "crawl": crawl_id,
        },
    }))
    .map_err(|e| e.to_string())?;
    let id = format!("crawl_{crawl_id}_{}", share.share.share_id);
    let ts = chrono::Utc::now().timestamp();
    let key = cordon_alert::webhook::secret_key(&cb.secret)?;
    let signature = cordon_alert::webhook::sign(&key, &id, ts, &body);
    let answer = client
        .post(&cb.url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("the callback did not answer: {e}"))?;
    if !answer.status().is_success() {
        return Err(format!("the callback answered {}", answer.status()));
    }
    store
        .mark_share_removed(
            &share.share.app,
            &share.share.share_id,
            cordon_store::now_millis(),
        )
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_time_is_today_at_the_hour_utc() {
        let at = NaiveTime::from_hms_opt(2, 0, 0).unwrap();
        // 2026-12-02T13:00:00Z
        let now = 1_796_216_400_000;
        assert_eq!(due_today(at, now), Some(1_796_176_800_000));
    }

    #[test]
    fn files_metadata_and_categories_become_the_share_events_metadata() {
        let share = Share {
            share: cordon_store::NewShare {
                app: "k1".into(),
                share_id: "s1".into(),
                path: "/finance/q3".into(),
                public: true,
                users: vec!["a@example.org".into()],
                groups: vec![],
                owner: "alice".into(),
                files: json!({
                    "files": [
                        {"path": "a.xlsx", "classification": {"categories": ["PCI"]}, "metadata": {"Security.internal": true}},
                        {"path": "b.docx", "classification": {"categories": ["PII", "PCI"]}, "metadata": {"Security.internal": false}},
                    ],
                    "metadata": {"Project": "q3"},
                }),
            },
            created_at: 0,
            updated_at: 0,
            removed_at: None,
        };
        let e = event(&share);
        assert!(e.share.as_ref().is_some_and(|s| s.public));
        let m = serde_json::to_value(e.metadata.unwrap()).unwrap();
        assert_eq!(m["Project"], "q3");
        assert_eq!(m["Security.internal"], json!([true, false]));
        let mut cats: Vec<&str> = m[CATEGORY_ATTRIBUTE]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        cats.sort_unstable();
        assert_eq!(cats, ["PCI", "PII"]);
    }
}
