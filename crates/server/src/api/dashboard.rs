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
}

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
    let activity: BTreeMap<String, i64> =
        totals.iter().map(|t| (t.name.clone(), t.count)).collect();
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
    }))
}
