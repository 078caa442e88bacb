//! The dashboard: the FileCloud widgets over a window.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Query, State};
use cordon_store::Millis;
use serde::Serialize;
use utoipa::ToSchema;

use super::incidents::{READ_YOUR_WRITES, RangeQuery, range};
use super::wire;
use crate::error::ApiResult;
use crate::state::AppState;

/// Violations per time bucket.
#[derive(Debug, Serialize, ToSchema)]
pub struct Series {
    pub bucket_ms: Millis,
    pub points: Vec<wire::BucketCount>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub from: Millis,
    pub to: Millis,
    pub downloads: i64,
    pub uploads: i64,
    pub shares: i64,
    pub active_users: i64,
    /// Events per action.
    pub activity: BTreeMap<String, i64>,
    pub violations_over_time: Series,
    pub top_rules: Vec<wire::RuleCount>,
    pub top_users: Vec<wire::NameCount>,
    /// Violating events per detector that found something in them (all
    /// computers: an aggregate, like the activity counters).
    pub top_detectors: Vec<wire::NameCount>,
    /// Incidents of the window per review status.
    pub by_status: BTreeMap<String, i64>,
    /// Managed computers heard from in the last five minutes, and the rest.
    pub agents: AgentCounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentCounts {
    pub online: i64,
    pub offline: i64,
}

/// An agent heard from within this long is online (heartbeats come every
/// minute by default).
const ONLINE_MS: Millis = 5 * 60 * 1000;

#[utoipa::path(get, path = "/v1/dashboard", tag = "dashboard", params(RangeQuery),
    responses((status = 200, description = "activity, violations over time, top rules and users", body = Dashboard)),
    security(("api_key" = [])))]
pub async fn dashboard(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<crate::auth::Caller>,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Json<Dashboard>> {
    let r = st.ready()?;
    // Incident numbers count the caller's computers only; the activity
    // counters are server-wide aggregates (no computer, no names).
    let scope = crate::scope::filter(&caller.scope());
    let scope = scope.as_ref();
    r.incidents.sync(READ_YOUR_WRITES).await;
    // Counters of this server not yet flushed count too.
    r.activity.flush(r.store.as_ref()).await;
    let (from, to) = range(&q)?;
    let span = to - from;
    // About 24–60 points whatever the window.
    let bucket = [60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000]
        .into_iter()
        .find(|b| span / b <= 60)
        .unwrap_or(86_400_000);
    let totals = r.store.activity_totals(from, to).await?;
    let get = |a: &str| totals.iter().find(|t| t.name == a).map_or(0, |t| t.count);
    let prefix = crate::activity::DETECTOR_PREFIX;
    let activity: BTreeMap<String, i64> = totals
        .iter()
        .filter(|t| !t.name.starts_with(prefix))
        .map(|t| (t.name.clone(), t.count))
        .collect();
    let mut top_detectors: Vec<wire::NameCount> = totals
        .iter()
        .filter_map(|t| {
            Some(wire::NameCount {
                name: t.name.strip_prefix(prefix)?.to_owned(),
                count: t.count,
            })
        })
        .collect();
    top_detectors.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    top_detectors.truncate(10);
    let by_status = r
        .store
        .status_counts(from, to, scope)
        .await?
        .into_iter()
        .map(|n| (n.name, n.count))
        .collect();
    let (online, total) = r
        .store
        .computer_counts(cordon_store::now_millis() - ONLINE_MS, scope)
        .await?;
    let mut rules = r.store.rule_counts(from, to, scope).await?;
    rules.truncate(10);
    Ok(Json(Dashboard {
        from,
        to,
        downloads: get("download"),
        uploads: get("upload"),
        shares: get("share"),
        active_users: r.store.active_users(from, to).await?,
        activity,
        violations_over_time: Series {
            bucket_ms: bucket,
            points: wire::all(
                r.store
                    .violations_over_time(from, to, bucket, scope)
                    .await?,
            ),
        },
        top_rules: wire::all(rules),
        top_users: wire::all(r.store.top_users(from, to, 10, scope).await?),
        top_detectors,
        by_status,
        agents: AgentCounts {
            online,
            offline: total - online,
        },
    }))
}
