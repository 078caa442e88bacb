//! The dashboard: the FileCloud widgets over a chosen window, violations
//! over time, top rules and users, incidents by status, top detectors and
//! agents online and offline (`GET /v1/dashboard`).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::Console;
use crate::api::{Browser, enc};
use crate::page::{Chrome, html};
use crate::svg;
use crate::text::When;

#[derive(Deserialize)]
struct Series {
    bucket_ms: i64,
    points: Vec<Point>,
}

#[derive(Deserialize)]
struct Point {
    bucket: i64,
    count: i64,
}

#[derive(Deserialize)]
struct RuleCount {
    rule_id: String,
    total: i64,
    #[serde(default)]
    false_positives: i64,
}

#[derive(Deserialize)]
struct NameCount {
    name: String,
    count: i64,
}

#[derive(Deserialize)]
struct Dashboard {
    from: i64,
    to: i64,
    downloads: i64,
    uploads: i64,
    shares: i64,
    active_users: i64,
    violations_over_time: Series,
    top_rules: Vec<RuleCount>,
    top_users: Vec<NameCount>,
    #[serde(default)]
    top_detectors: Vec<NameCount>,
    #[serde(default)]
    by_status: BTreeMap<String, i64>,
    #[serde(default)]
    agents: Option<Agents>,
}

#[derive(Deserialize)]
struct Agents {
    online: i64,
    offline: i64,
}

pub struct Row {
    pub label: String,
    pub count: i64,
    /// False positives among them (rules only), as text: `2 (10%)`.
    pub false_positives: String,
    /// The incidents behind the number.
    pub href: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Page {
    chrome: Chrome,
    windows: Vec<(&'static str, &'static str, bool)>,
    from: When,
    to: When,
    widgets: Vec<(&'static str, i64)>,
    violations: i64,
    over_time: String,
    rules_chart: String,
    rules: Vec<Row>,
    users: Vec<Row>,
    detectors: Vec<Row>,
    statuses: Vec<Row>,
    agents_online: i64,
    agents_offline: i64,
    has_agents: bool,
}

#[derive(Deserialize)]
pub struct Q {
    #[serde(default)]
    window: String,
    #[serde(default)]
    done: Option<String>,
}

const WINDOWS: &[(&str, &str)] = &[
    ("1h", "Last hour"),
    ("24h", "Last 24 hours"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
];

pub async fn page(State(c): State<Console>, b: Browser, Query(q): Query<Q>) -> Response {
    let window = if WINDOWS.iter().any(|w| w.0 == q.window) {
        q.window
    } else {
        "24h".to_owned()
    };
    let chrome = match Chrome::load(&c.api, &b, "/dashboard", "Dashboard").await {
        Ok(ch) => ch.with_notice(q.done.as_deref()),
        Err(e) => return e.into_response(),
    };
    let d: Dashboard = match c
        .api
        .get(&b, &format!("/v1/dashboard?window={}", enc(&window)))
        .await
    {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let since = format!("from={}", d.from);
    let fmt_bucket = |ms: i64| {
        let w = When::of(ms);
        if d.violations_over_time.bucket_ms >= 86_400_000 {
            w.text.get(..10).unwrap_or_default().to_owned()
        } else {
            w.text.get(5..16).unwrap_or_default().to_owned()
        }
    };
    // Every bucket of the window, empty ones too (the API lists only
    // buckets with violations).
    let step = d.violations_over_time.bucket_ms.max(60_000);
    let start = d.from - d.from.rem_euclid(step);
    let buckets = usize::try_from((d.to - start) / step + 1)
        .unwrap_or(0)
        .min(400);
    let points: Vec<(String, i64)> = (0..buckets)
        .map(|i| start + step * i as i64)
        .map(|b| {
            let n = d
                .violations_over_time
                .points
                .iter()
                .filter(|p| p.bucket >= b && p.bucket < b + step)
                .map(|p| p.count)
                .sum();
            (fmt_bucket(b), n)
        })
        .collect();
    let violations = points.iter().map(|p| p.1).sum();
    let rules: Vec<Row> = d
        .top_rules
        .iter()
        .map(|r| Row {
            label: r.rule_id.clone(),
            count: r.total,
            false_positives: if r.false_positives == 0 {
                "0".to_owned()
            } else {
                format!(
                    "{} ({}%)",
                    r.false_positives,
                    r.false_positives * 100 / r.total.max(1)
                )
            },
            href: format!("/incidents?rule={}&{since}", enc(&r.rule_id)),
        })
        .collect();
    let rules_chart = svg::bars(
        "Violations by rule",
        &rules
            .iter()
            .map(|r| (r.label.clone(), r.count))
            .collect::<Vec<_>>(),
    );
    // `key`: the incident filter the row links to; none for detectors
    // (incidents are not filtered by detector).
    let named = |v: &[NameCount], key: Option<&str>| -> Vec<Row> {
        v.iter()
            .map(|n| Row {
                label: n.name.clone(),
                count: n.count,
                false_positives: String::new(),
                href: key.map_or_else(String::new, |k| {
                    format!("/incidents?{k}={}&{since}", enc(&n.name))
                }),
            })
            .collect()
    };
    let statuses = d
        .by_status
        .iter()
        .map(|(s, n)| Row {
            label: s.replace('_', " "),
            count: *n,
            false_positives: String::new(),
            href: format!("/incidents?status={}&{since}", enc(s)),
        })
        .collect();
    html(&Page {
        chrome,
        windows: WINDOWS
            .iter()
            .map(|(v, l)| (*v, *l, *v == window))
            .collect(),
        from: When::of(d.from),
        to: When::of(d.to),
        widgets: vec![
            ("Downloads", d.downloads),
            ("Uploads", d.uploads),
            ("Shares", d.shares),
            ("Active users", d.active_users),
        ],
        violations,
        over_time: svg::columns("Violations over time", &points),
        rules_chart,
        rules,
        users: named(&d.top_users, Some("user")),
        detectors: named(&d.top_detectors, None),
        statuses,
        agents_online: d.agents.as_ref().map_or(0, |a| a.online),
        agents_offline: d.agents.as_ref().map_or(0, |a| a.offline),
        has_agents: d.agents.is_some(),
    })
}
