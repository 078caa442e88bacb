//! Incidents: the filtered list (filters in the URL, cursor pages), bulk
//! status changes with a note, false positives with a reason, CSV export
//! of exactly the filtered view, and one incident with its findings,
//! decision trace and History tab.

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use cordon_access::{Action, Module};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Console;
use crate::api::{Browser, enc};
use crate::error::Failure;
use crate::page::{Chrome, html};
use crate::text::{When, sentence, time_filter};

/// The list's filters, as in the URL. Every one is passed to the API.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Filters {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// The browser's offset from UTC in minutes (`getTimezoneOffset`),
    /// for `from` and `to` typed without one.
    #[serde(default)]
    pub tz: String,
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub cursor: String,
    #[serde(default)]
    pub done: String,
}

impl Filters {
    /// A time filter typed in the browser's time zone, as RFC 3339.
    fn time(&self, s: &str) -> Option<String> {
        let t = time_filter(s)?;
        // Typed without an offset: the form's `tz` says the browser's.
        let typed_plain = !s.contains('Z') && !s[s.len().min(10)..].contains(['+', '-']);
        match self.tz.trim().parse::<i64>() {
            Ok(minutes) if typed_plain && minutes.abs() <= 14 * 60 => {
                let parsed = chrono::DateTime::parse_from_rfc3339(&t).ok()?;
                let utc = parsed + chrono::Duration::minutes(minutes);
                Some(utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            }
            _ => Some(t),
        }
    }

    /// The API query (without cursor and limit).
    fn api_query(&self) -> String {
        let mut q = Vec::new();
        for (k, v) in [
            ("rule", &self.rule),
            ("user", &self.user),
            ("action", &self.action),
            ("category", &self.category),
            ("status", &self.status),
            ("decision", &self.decision),
            ("group", &self.group),
        ] {
            if !v.trim().is_empty() {
                q.push(format!("{k}={}", enc(v.trim())));
            }
        }
        for (k, v) in [("from", &self.from), ("to", &self.to)] {
            if let Some(t) = self.time(v) {
                q.push(format!("{k}={}", enc(&t)));
            }
        }
        q.join("&")
    }

    /// This view's URL query (for links: next page, export, back).
    fn url_query(&self) -> String {
        let mut f = self.clone();
        f.cursor.clear();
        f.done.clear();
        let pairs: Vec<(String, String)> = serde_json::to_value(&f)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| {
                let v = v.as_str()?.to_owned();
                (!v.is_empty()).then_some((k, v))
            })
            .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Finding {
    pub detector: String,
    pub category: String,
    pub confidence: String,
    pub location: String,
    pub masked: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Details {
    #[serde(default)]
    pub event: Value,
    #[serde(default)]
    pub action_taken: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub trace: Vec<Value>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub incomplete: Vec<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Incident {
    pub id: i64,
    pub status: String,
    pub created_at: i64,
    pub request_id: String,
    pub rule_id: String,
    pub rule_name: String,
    pub policy_id: String,
    pub policy_version: i64,
    pub mode: String,
    pub decision: String,
    pub action: String,
    pub username: String,
    pub computer: String,
    pub categories: Vec<String>,
    pub details: Details,
}

#[derive(Deserialize)]
struct IncidentPage {
    incidents: Vec<Incident>,
    next_cursor: Option<String>,
}

/// A row of the list.
pub struct Row {
    pub id: i64,
    pub when: When,
    pub rule: String,
    pub user: String,
    pub action: String,
    pub decision: String,
    pub status: String,
    pub categories: String,
    pub computer: String,
}

impl Row {
    fn of(i: &Incident) -> Row {
        Row {
            id: i.id,
            when: When::of(i.created_at),
            rule: if i.rule_name.is_empty() {
                i.rule_id.clone()
            } else {
                i.rule_name.clone()
            },
            user: i.username.clone(),
            action: i.action.clone(),
            decision: i.decision.clone(),
            status: i.status.replace('_', " "),
            categories: i.categories.join(", "),
            computer: i.computer.clone(),
        }
    }
}

/// The statuses, for selects.
pub const STATUSES: &[(&str, &str)] = &[
    ("new", "New"),
    ("in_progress", "In progress"),
    ("resolved", "Resolved"),
    ("false_positive", "False positive"),
];

/// Why an incident is a false positive (reported per rule).
pub const FP_REASONS: &[&str] = &[
    "Expected activity",
    "Known application",
    "Authorised user",
    "Rule too sensitive",
    "Test data",
    "Other",
];

#[derive(Template)]
#[template(path = "incidents.html")]
struct ListPage {
    chrome: Chrome,
    f: Filters,
    rows: Vec<Row>,
    next: String,
    export: String,
    here: String,
    can_modify: bool,
    can_false_positive: bool,
    statuses: &'static [(&'static str, &'static str)],
    reasons: &'static [&'static str],
    categories: &'static [&'static str],
}

pub async fn list(State(c): State<Console>, b: Browser, Query(f): Query<Filters>) -> Response {
    let chrome = match Chrome::load(&c.api, &b, "/incidents", "Incidents").await {
        Ok(ch) => ch.with_notice(Some(&f.done)),
        Err(e) => return e.into_response(),
    };
    let mut uri = format!("/v1/incidents?limit=50&{}", f.api_query());
    if !f.cursor.is_empty() {
        uri.push_str(&format!("&cursor={}", enc(&f.cursor)));
    }
    let (rows, next, chrome) = match c.api.get::<IncidentPage>(&b, &uri).await {
        Ok(p) => {
            let rows = p.incidents.iter().map(Row::of).collect();
            let next = p.next_cursor.map_or_else(String::new, |cur| {
                format!("/incidents?{}&cursor={}", f.url_query(), enc(&cur))
            });
            (rows, next, chrome)
        }
        // A filter the API refuses (an unknown status, a bad time) is
        // shown on the form, not as an error page.
        Err(Failure::Api { body, .. }) => (
            Vec::new(),
            String::new(),
            chrome.with_alert(sentence(&body.message)),
        ),
        Err(e) => return e.into_response(),
    };
    let q = f.url_query();
    html(&ListPage {
        can_modify: chrome.me.can(Module::Incidents, Action::Modify),
        can_false_positive: chrome.me.can(Module::FalsePositives, Action::Modify),
        chrome,
        export: format!("/incidents/export.csv?{q}"),
        here: format!("/incidents?{q}"),
        f,
        rows,
        next,
        statuses: STATUSES,
        reasons: FP_REASONS,
        categories: &["PII", "PHI", "PCI", "CREDENTIALS", "CONFIDENTIAL"],
    })
}

/// A CSV cell that a spreadsheet will not run: a leading `=`, `+`, `-`,
/// `@`, tab or carriage return is neutralised with a quote (OWASP's CSV
/// injection advice), and the cell is quoted when it must be.
pub fn csv_cell(s: &str) -> String {
    let mut v = String::with_capacity(s.len() + 3);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.push('\'');
    }
    v.push_str(s);
    if v.contains([',', '"', '\n', '\r']) || v != v.trim() {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

const CSV_HEADER: &str = "id,created_at,rule_id,rule_name,policy,version,mode,decision,action,user,computer,categories,status,findings\r\n";

fn csv_row(i: &Incident) -> String {
    let findings: Vec<String> = i
        .details
        .findings
        .iter()
        .map(|f| format!("{} {}", f.detector, f.masked))
        .collect();
    let cells = [
        i.id.to_string(),
        When::of(i.created_at).iso,
        i.rule_id.clone(),
        i.rule_name.clone(),
        i.policy_id.clone(),
        i.policy_version.to_string(),
        i.mode.clone(),
        i.decision.clone(),
        i.action.clone(),
        i.username.clone(),
        i.computer.clone(),
        i.categories.join(" "),
        i.status.clone(),
        findings.join("; "),
    ];
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// The filtered view as CSV, streamed a page of 1,000 at a time: the
/// export holds one page in memory whatever its length.
pub async fn export(State(c): State<Console>, b: Browser, Query(f): Query<Filters>) -> Response {
    // The first page is fetched before answering, so a refusal is a page,
    // not a broken download.
    let base = format!("/v1/incidents?limit=1000&{}", f.api_query());
    let first = match c.api.get::<IncidentPage>(&b, &base).await {
        Ok(p) => p,
        Err(e) => return e.returning_to(&b.here).into_response(),
    };
    enum Next {
        Page(IncidentPage),
        Cursor(String),
        Done,
    }
    let stream = futures_util::stream::unfold((Next::Page(first), true), move |(next, header)| {
        let (c, b, base) = (c.clone(), b.clone(), base.clone());
        async move {
            let page = match next {
                Next::Done => return None,
                Next::Page(p) => p,
                Next::Cursor(cur) => {
                    let uri = format!("{base}&cursor={}", enc(&cur));
                    match c.api.get::<IncidentPage>(&b, &uri).await {
                        Ok(p) => p,
                        Err(e) => {
                            // Mid-stream: the file ends with the reason
                            // rather than silently short.
                            let line = format!("# export stopped: {}\r\n", e.message());
                            return Some((
                                Ok::<_, std::io::Error>(Bytes::from(line)),
                                (Next::Done, false),
                            ));
                        }
                    }
                }
            };
            let mut chunk = if header {
                CSV_HEADER.to_owned()
            } else {
                String::new()
            };
            for i in &page.incidents {
                chunk.push_str(&csv_row(i));
            }
            let next = page.next_cursor.map_or(Next::Done, Next::Cursor);
            Some((Ok(Bytes::from(chunk)), (next, false)))
        }
    });
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"cordon-incidents.csv\"",
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

/// Pairs of a urlencoded form, repeated keys kept (`id=1&id=2`).
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// The note of a status change; a false positive's reason leads it.
fn note(status: &str, reason: &str, note: &str) -> String {
    let note = note.trim();
    if status == "false_positive" && !reason.is_empty() {
        if note.is_empty() {
            format!("false positive: {reason}")
        } else {
            format!("false positive: {reason}. {note}")
        }
    } else {
        note.to_owned()
    }
}

/// At most this many incidents change in one bulk action.
const MAX_BULK: usize = 500;

/// Bulk status change: every selected incident, one API call each (each
/// checked against the caller's role and scope), with one note.
pub async fn bulk(State(c): State<Console>, b: Browser, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    let csrf = first(&pairs, "csrf");
    let status = first(&pairs, "status");
    let back = first(&pairs, "back");
    let back = if back.starts_with("/incidents") {
        back
    } else {
        "/incidents"
    };
    let comment = note(status, first(&pairs, "reason"), first(&pairs, "note"));
    let ids: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, v)| v.parse().ok())
        .take(MAX_BULK)
        .collect();
    let mut problems = Vec::new();
    for id in &ids {
        let r = c
            .api
            .change(
                &b,
                Method::POST,
                &format!("/v1/incidents/{id}/status"),
                &json!({"status": status, "comment": comment}),
                csrf,
            )
            .await;
        match r {
            Ok(a) if a.status.is_success() || a.status == axum::http::StatusCode::CONFLICT => {}
            Ok(a) => match Failure::from_answer(&a) {
                f @ Failure::SignIn { .. } => return f.into_response(),
                f => problems.push(format!("incident {id}: {}", f.message())),
            },
            Err(e) => return e.into_response(),
        }
    }
    if ids.is_empty() {
        problems.push("select at least one incident".to_owned());
    }
    if problems.is_empty() {
        let sep = if back.contains('?') { '&' } else { '?' };
        return Redirect::to(&format!("{back}{sep}done=bulk")).into_response();
    }
    Failure::Api {
        status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        body: crate::error::ApiErrorBody {
            code: "bulk".to_owned(),
            message: format!(
                "{} of {} incidents were not changed: {}",
                problems.len().min(ids.len().max(1)),
                ids.len().max(1),
                problems.join("; ")
            ),
            ..Default::default()
        },
    }
    .into_response()
}

#[derive(Deserialize)]
struct Detail {
    incident: Incident,
    history: Vec<HistoryRaw>,
    #[serde(default)]
    shadow: Option<Shadow>,
}

/// The sealed shadow copy an incident names.
#[derive(Deserialize)]
struct Shadow {
    bytes: u64,
    received: bool,
}

#[derive(Deserialize)]
struct HistoryRaw {
    at: i64,
    actor: Value,
    kind: String,
    #[serde(default)]
    detail: Value,
}

pub struct HistoryRow {
    pub when: When,
    pub who: String,
    pub what: String,
    pub detail: String,
}

fn actor_name(a: &Value) -> String {
    match a.get("type").and_then(Value::as_str) {
        Some("account") | Some("key") => a
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned(),
        _ => "Cordon".to_owned(),
    }
}

/// "after 12 attempts", or nothing for the first.
fn attempts_text(v: Option<&Value>) -> String {
    match v.and_then(Value::as_u64) {
        Some(n) if n > 1 => format!(" after {n} attempts"),
        _ => String::new(),
    }
}

/// An `alert` entry: "Alert sent to sink soc-mail", "Alert to soc-mail
/// failed after 12 attempts: connection refused".
pub fn alert_sentence(d: &Value) -> String {
    let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or_default().trim();
    let sink = s("sink");
    let attempts = attempts_text(d.get("attempts"));
    match s("outcome") {
        "delivered" => format!("Alert sent to sink {sink}{attempts}"),
        outcome => {
            let failed = if outcome == "failed" || outcome.is_empty() {
                "failed".to_owned()
            } else {
                format!("ended with {outcome}")
            };
            let error = match s("error") {
                "" => String::new(),
                e => format!(": {e}"),
            };
            let attempts = match d.get("attempts").and_then(Value::as_u64) {
                Some(1) => " after 1 attempt".to_owned(),
                _ => attempts,
            };
            format!("Alert to {sink} {failed}{attempts}{error}")
        }
    }
}

/// An `action` entry of a response plug-in: "Plug-in Encrypt: File is
/// encrypted", with what else it reported as the detail line.
pub fn plugin_sentence(d: &Value) -> (String, String) {
    let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or_default().trim();
    let plugin = s("plugin");
    let message = s("message");
    let what = match (s("status"), message) {
        ("ok", "") => format!("Plug-in {plugin} ran"),
        ("ok", m) => format!("Plug-in {plugin}: {m}"),
        ("skipped", "") => format!("Plug-in {plugin} skipped the incident"),
        ("skipped", m) => format!("Plug-in {plugin} skipped the incident: {m}"),
        ("error", "") => format!("Plug-in {plugin} could not run"),
        ("error", m) => format!("Plug-in {plugin} could not run: {m}"),
        (_, "") => format!("Plug-in {plugin} failed"),
        (_, m) => format!("Plug-in {plugin} failed: {m}"),
    };
    let detail = match d.get("details") {
        None | Some(Value::Null) => String::new(),
        Some(Value::Object(o)) if o.is_empty() => String::new(),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| match v {
                Value::String(t) => format!("{k}: {t}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
    };
    (what, detail)
}

fn history_row(h: &HistoryRaw) -> HistoryRow {
    let get = |k: &str| {
        h.detail
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (what, detail) = match h.kind.as_str() {
        "created" => ("Created".to_owned(), get("action_taken")),
        "status" => (
            format!(
                "Status: {} → {}",
                get("from").replace('_', " "),
                get("to").replace('_', " ")
            ),
            get("comment"),
        ),
        // A response plug-in's run (its detail names the plug-in).
        "plugin" => plugin_sentence(&h.detail),
        "action" => (
            format!("Action: {}", get("outcome"))
                .trim_end_matches(": ")
                .to_owned(),
            get("message"),
        ),
        "alert" => (alert_sentence(&h.detail), String::new()),
        "justification" => ("Justified".to_owned(), get("justification")),
        other => (other.replace('_', " "), String::new()),
    };
    let explained = h.kind == "created" || h.kind == "alert" || h.kind == "plugin";
    let detail = if detail.is_empty() && !h.detail.is_null() && !explained {
        h.detail.to_string()
    } else {
        detail
    };
    HistoryRow {
        when: When::of(h.at),
        who: actor_name(&h.actor),
        what,
        detail,
    }
}

#[derive(Template)]
#[template(path = "incident.html")]
struct DetailPage {
    chrome: Chrome,
    i: Incident,
    when: When,
    event: String,
    trace: String,
    incomplete: Vec<String>,
    history: Vec<HistoryRow>,
    shadow: Option<Shadow>,
    can_modify: bool,
    can_false_positive: bool,
    statuses: &'static [(&'static str, &'static str)],
    reasons: &'static [&'static str],
}

#[derive(Deserialize)]
pub struct DoneQ {
    #[serde(default)]
    done: Option<String>,
}

pub async fn detail(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<i64>,
    Query(q): Query<DoneQ>,
) -> Response {
    let chrome = match Chrome::load(&c.api, &b, "/incidents", format!("Incident {id}")).await {
        Ok(ch) => ch.with_notice(q.done.as_deref()),
        Err(e) => return e.into_response(),
    };
    let d: Detail = match c.api.get(&b, &format!("/v1/incidents/{id}")).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    html(&DetailPage {
        can_modify: chrome.me.can(Module::Incidents, Action::Modify),
        can_false_positive: chrome.me.can(Module::FalsePositives, Action::Modify),
        chrome,
        when: When::of(d.incident.created_at),
        event: pretty(&d.incident.details.event),
        trace: pretty(&Value::Array(d.incident.details.trace.clone())),
        incomplete: d
            .incident
            .details
            .incomplete
            .iter()
            .map(|v| v.to_string())
            .collect(),
        history: d.history.iter().map(history_row).collect(),
        shadow: d.shadow,
        i: d.incident,
        statuses: STATUSES,
        reasons: FP_REASONS,
    })
}

/// The incident's sealed shadow copy, streamed from the API as it comes
/// (a copy may be far larger than any page).
pub async fn shadow(State(c): State<Console>, b: Browser, Path(id): Path<i64>) -> Response {
    match c
        .api
        .stream(&b, &format!("/v1/incidents/{id}/shadow"))
        .await
    {
        Ok(resp) => resp,
        Err(e) => e.returning_to(&format!("/incidents/{id}")).into_response(),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

pub async fn status(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<StatusForm>,
) -> Response {
    let comment = note(&f.status, &f.reason, &f.note);
    match c
        .api
        .change(
            &b,
            Method::POST,
            &format!("/v1/incidents/{id}/status"),
            &json!({"status": f.status, "comment": comment}),
            &f.csrf,
        )
        .await
    {
        Ok(a) if a.status.is_success() => {
            Redirect::to(&format!("/incidents/{id}?done=status")).into_response()
        }
        Ok(a) => Failure::from_answer(&a).into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_cannot_run_formulas() {
        assert_eq!(csv_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@cmd"), "'@cmd");
        assert_eq!(csv_cell("\t=1"), "'\t=1");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("=1,\"2\""), "\"'=1,\"\"2\"\"\"");
    }

    #[test]
    fn times_typed_in_the_browser_zone_become_utc() {
        let f = Filters {
            tz: "-60".to_owned(), // UTC+1
            ..Filters::default()
        };
        assert_eq!(
            f.time("2026-12-02T10:30").as_deref(),
            Some("2026-12-02T09:30:00Z")
        );
        assert_eq!(
            f.time("2026-12-02T10:30:00Z").as_deref(),
            Some("2026-12-02T10:30:00Z")
        );
        let q = Filters {
            status: "new".to_owned(),
            rule: "a&b".to_owned(),
            ..Filters::default()
        };
        assert_eq!(q.api_query(), "rule=a%26b&status=new");
        assert_eq!(q.url_query(), "rule=a%26b&status=new");
    }

    #[test]
    fn alerts_and_plug_ins_in_the_history_read_as_sentences() {
        let cases = [
            (
                json!({"sink": "soc-mail", "delivery": 7, "outcome": "delivered", "attempts": 1}),
                "Alert sent to sink soc-mail",
            ),
            (
                json!({"sink": "siem", "delivery": 8, "outcome": "delivered", "attempts": 3}),
                "Alert sent to sink siem after 3 attempts",
            ),
            (
                json!({"sink": "soc-mail", "delivery": 9, "outcome": "failed", "attempts": 12,
                       "error": "550 mailbox unavailable"}),
                "Alert to soc-mail failed after 12 attempts: 550 mailbox unavailable",
            ),
            (
                json!({"sink": "hook", "outcome": "failed", "attempts": 1}),
                "Alert to hook failed after 1 attempt",
            ),
        ];
        for (detail, want) in cases {
            assert_eq!(alert_sentence(&detail), want);
        }
        let plugin = |d: Value| plugin_sentence(&d);
        assert_eq!(
            plugin(json!({"plugin": "Encrypt", "delivery": 3, "status": "ok",
                          "message": "File is encrypted", "details": {"cipher": "aes-256"}})),
            (
                "Plug-in Encrypt: File is encrypted".to_owned(),
                "cipher: aes-256".to_owned()
            )
        );
        assert_eq!(
            plugin(json!({"plugin": "Ticket", "status": "failed", "message": "HTTP 500"})).0,
            "Plug-in Ticket failed: HTTP 500"
        );
        assert_eq!(
            plugin(json!({"plugin": "Quarantine", "status": "skipped", "message": ""})).0,
            "Plug-in Quarantine skipped the incident"
        );
        assert_eq!(
            plugin(json!({"plugin": "Encrypt", "status": "error", "message": "timed out"})).0,
            "Plug-in Encrypt could not run: timed out"
        );
    }

    #[test]
    fn history_rows_of_every_kind() {
        let row = |kind: &str, detail: Value| {
            history_row(&HistoryRaw {
                at: 1_767_225_600_000,
                actor: json!({"type": "system"}),
                kind: kind.to_owned(),
                detail,
            })
        };
        let a = row(
            "alert",
            json!({"sink": "soc", "delivery": 1, "outcome": "delivered", "attempts": 1}),
        );
        assert_eq!(
            (a.what.as_str(), a.detail.as_str(), a.who.as_str()),
            ("Alert sent to sink soc", "", "Cordon")
        );
        let p = row(
            "plugin",
            json!({"plugin": "Encrypt", "delivery": 2, "status": "ok", "message": "File is encrypted"}),
        );
        assert_eq!(
            (p.what.as_str(), p.detail.as_str()),
            ("Plug-in Encrypt: File is encrypted", "")
        );
        // A rule's own action, as before.
        let r = row("action", json!({"outcome": "blocked", "message": "no"}));
        assert_eq!(
            (r.what.as_str(), r.detail.as_str()),
            ("Action: blocked", "no")
        );
    }

    #[test]
    fn false_positive_notes_lead_with_the_reason() {
        assert_eq!(
            note("false_positive", "Test data", ""),
            "false positive: Test data"
        );
        assert_eq!(
            note("false_positive", "Other", " see ticket 4 "),
            "false positive: Other. see ticket 4"
        );
        assert_eq!(note("resolved", "Other", "done"), "done");
    }
}
