//! The audit trail: who did what, from where, with what outcome; filters
//! in the URL and cursor pages (`GET /v1/audit`).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Console;
use crate::api::{Browser, enc};
use crate::error::Failure;
use crate::page::{Chrome, html};
use crate::text::{When, sentence, time_filter};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Filters {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target_kind: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    cursor: String,
}

#[derive(Deserialize)]
struct Entry {
    at: i64,
    actor: Value,
    ip: String,
    action: String,
    target_kind: String,
    target_id: String,
    outcome: String,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
struct AuditPage {
    entries: Vec<Entry>,
    #[serde(default)]
    next_cursor: Option<String>,
}

pub struct Row {
    pub when: When,
    pub who: String,
    pub ip: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct Page {
    chrome: Chrome,
    f: Filters,
    rows: Vec<Row>,
    next: String,
}

pub async fn page(State(c): State<Console>, b: Browser, Query(f): Query<Filters>) -> Response {
    let chrome = match Chrome::load(&c.api, &b, "/audit", "Audit trail").await {
        Ok(ch) => ch,
        Err(e) => return e.into_response(),
    };
    let mut q = vec!["limit=50".to_owned()];
    for (k, v) in [
        ("actor", &f.actor),
        ("action", &f.action),
        ("target_kind", &f.target_kind),
        ("outcome", &f.outcome),
        ("cursor", &f.cursor),
    ] {
        if !v.trim().is_empty() {
            q.push(format!("{k}={}", enc(v.trim())));
        }
    }
    for (k, v) in [("from", &f.from), ("to", &f.to)] {
        if let Some(t) = time_filter(v) {
            q.push(format!("{k}={}", enc(&t)));
        }
    }
    let (rows, next, chrome) = match c
        .api
        .get::<AuditPage>(&b, &format!("/v1/audit?{}", q.join("&")))
        .await
    {
        Ok(p) => {
            let mut nf = f.clone();
            let next = p.next_cursor.map_or_else(String::new, |cur| {
                nf.cursor = cur;
                format!(
                    "/audit?{}",
                    serde_urlencoded::to_string(&nf).unwrap_or_default()
                )
            });
            let rows = p
                .entries
                .into_iter()
                .map(|e| Row {
                    when: When::of(e.at),
                    who: e
                        .actor
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("Cordon")
                        .to_owned(),
                    ip: e.ip,
                    action: e.action,
                    target: format!("{} {}", e.target_kind, e.target_id),
                    outcome: e.outcome,
                    reason: e.reason,
                })
                .collect();
            (rows, next, chrome)
        }
        Err(Failure::Api { body, .. }) => (
            Vec::new(),
            String::new(),
            chrome.with_alert(sentence(&body.message)),
        ),
        Err(e) => return e.into_response(),
    };
    html(&Page {
        chrome,
        f,
        rows,
        next,
    })
}
