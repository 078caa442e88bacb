//! The share crawler (Admin tab, under Alerts): its daily schedule and
//! mode, the applications' removal callbacks, "run now", the runs with
//! their reports, and the shares the applications registered.
//!
//! Enforce mode asks applications to remove violating shares, which
//! cannot be undone; the API wants a recent password confirmation for
//! switching to it, and the page offers that confirmation when the API
//! asks for it.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::alerts::{SUBPAGES, frame, ms, refusal, respond, value_text};
use crate::Console;
use crate::api::{Browser, enc};
use crate::error::Failure;
use crate::page::{Chrome, html};
use crate::text::When;

/// The crawler's modes, as the form offers them.
pub const MODES: &[(&str, &str)] = &[
    ("dry_run", "Dry run: report only"),
    (
        "enforce",
        "Enforce: ask applications to remove violating shares",
    ),
];

/// `GET /v1/share-crawler`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct Settings {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    at: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    callbacks: Value,
}

/// The settings form, as shown and as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CrawlerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub enabled: String,
    #[serde(default)]
    pub at: String,
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub callbacks: String,
}

impl CrawlerForm {
    fn of(s: &Settings) -> CrawlerForm {
        let callbacks = if s.callbacks.is_null() {
            json!([])
        } else {
            s.callbacks.clone()
        };
        CrawlerForm {
            csrf: String::new(),
            enabled: if s.enabled { "1" } else { "" }.to_owned(),
            at: s.at.clone(),
            mode: s.mode.clone(),
            callbacks: serde_json::to_string_pretty(&callbacks).unwrap_or_default(),
        }
    }

    /// The body of `PUT /v1/share-crawler`, or what is wrong with the form.
    pub fn body(&self) -> Result<Value, String> {
        let at = self.at.trim();
        if !is_hh_mm(at) {
            return Err(format!(
                "The time `{at}` is not HH:MM (00:00 to 23:59, UTC)."
            ));
        }
        let mode = if MODES.iter().any(|(m, _)| *m == self.mode) {
            self.mode.as_str()
        } else {
            "dry_run"
        };
        let text = self.callbacks.trim();
        let callbacks: Value = if text.is_empty() {
            json!([])
        } else {
            serde_json::from_str(text).map_err(|e| format!("The callbacks are not JSON: {e}."))?
        };
        if !callbacks.is_array() {
            return Err(
                "The callbacks must be a JSON list of {\"app\", \"url\", \"secret\"}.".to_owned(),
            );
        }
        Ok(json!({"enabled": self.enabled == "1", "at": at, "mode": mode, "callbacks": callbacks}))
    }
}

/// `HH:MM`, 00:00 to 23:59.
pub fn is_hh_mm(s: &str) -> bool {
    let Some((h, m)) = s.split_once(':') else {
        return false;
    };
    let two_digits = |x: &str| x.len() == 2 && x.bytes().all(|b| b.is_ascii_digit());
    two_digits(h)
        && two_digits(m)
        && h.parse::<u8>().is_ok_and(|h| h < 24)
        && m.parse::<u8>().is_ok_and(|m| m < 60)
}

#[derive(Debug, Default, Deserialize)]
struct Run {
    #[serde(default)]
    id: Value,
    #[serde(default)]
    started_at: Value,
    #[serde(default)]
    finished_at: Value,
    #[serde(default)]
    holder: Value,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    checked: Value,
    #[serde(default)]
    violations: Value,
    #[serde(default)]
    report: Report,
    #[serde(default)]
    error: Value,
}

#[derive(Debug, Default, Deserialize)]
struct Report {
    #[serde(default)]
    entries: Vec<Entry>,
    #[serde(default)]
    truncated: Value,
}

#[derive(Debug, Default, Deserialize)]
struct Entry {
    #[serde(default)]
    app: Value,
    #[serde(default)]
    share: Value,
    #[serde(default)]
    path: Value,
    #[serde(default)]
    owner: Value,
    #[serde(default)]
    public: Value,
    #[serde(default)]
    rules: Value,
    #[serde(default)]
    incidents: Value,
    #[serde(default)]
    action: String,
}

#[derive(Deserialize)]
struct Runs {
    #[serde(default)]
    runs: Vec<Run>,
}

/// One run as the API answers it: the run itself or `{"run": …}`.
fn one_run(v: Value) -> Result<Run, Failure> {
    let v = match v {
        Value::Object(mut o) if o.contains_key("run") => o.remove("run").unwrap_or_default(),
        other => other,
    };
    serde_json::from_value(v).map_err(|e| {
        Failure::Internal(format!(
            "the API's crawl run does not have the shape the console expects: {e}"
        ))
    })
}

pub struct RunRow {
    pub id: String,
    pub started: When,
    pub finished: When,
    pub mode: String,
    pub holder: String,
    pub checked: String,
    pub violations: String,
    pub error: String,
}

fn run_row(r: &Run) -> RunRow {
    RunRow {
        id: value_text(&r.id),
        started: ms(&r.started_at),
        finished: ms(&r.finished_at),
        mode: mode_text(&r.mode),
        holder: value_text(&r.holder),
        checked: value_text(&r.checked),
        violations: value_text(&r.violations),
        error: value_text(&r.error),
    }
}

fn mode_text(mode: &str) -> String {
    match mode {
        "dry_run" => "dry run".to_owned(),
        other => other.replace('_', " "),
    }
}

/// A report entry's incidents: a list of ids (each linked) or a count.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Incidents {
    pub ids: Vec<String>,
    pub count: String,
}

pub fn incidents_of(v: &Value) -> Incidents {
    match v {
        Value::Array(a) => Incidents {
            ids: a
                .iter()
                .map(value_text)
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .collect(),
            count: String::new(),
        },
        Value::Null => Incidents::default(),
        other => Incidents {
            ids: Vec::new(),
            count: value_text(other),
        },
    }
}

pub struct EntryRow {
    pub app: String,
    pub share: String,
    pub path: String,
    pub owner: String,
    pub public: bool,
    pub rules: String,
    pub incidents: Incidents,
    pub action: String,
    pub failed: bool,
}

#[derive(Deserialize)]
struct Shares {
    #[serde(default)]
    shares: Vec<Share>,
    #[serde(default)]
    total: Value,
    #[serde(default)]
    next_after: Value,
}

#[derive(Deserialize)]
struct Share {
    #[serde(default)]
    app: Value,
    #[serde(default)]
    id: Value,
    #[serde(default)]
    path: Value,
    #[serde(default)]
    public: Value,
    #[serde(default)]
    users: Value,
    #[serde(default)]
    groups: Value,
    #[serde(default)]
    owner: Value,
    #[serde(default)]
    files: Value,
    #[serde(default)]
    updated_at: Value,
}

pub struct ShareRow {
    pub app: String,
    pub id: String,
    pub path: String,
    pub public: bool,
    pub users: String,
    pub groups: String,
    pub owner: String,
    pub files: String,
    pub updated: When,
}

/// A share's files: their number (the API may send the list or a count).
fn files_text(v: &Value) -> String {
    match v {
        Value::Array(a) => a.len().to_string(),
        other => value_text(other),
    }
}

#[derive(Template)]
#[template(path = "alerts_crawler.html")]
struct CrawlerPage {
    chrome: Chrome,
    sub: &'static str,
    subpages: &'static [(&'static str, &'static str, &'static str)],
    form: CrawlerForm,
    modes: &'static [(&'static str, &'static str)],
    needs_reauth: bool,
    runs: Vec<RunRow>,
    shares_total: String,
}

#[derive(Deserialize)]
pub struct Q {
    #[serde(default)]
    done: Option<String>,
}

async fn crawler_page(
    c: &Console,
    b: &Browser,
    chrome: Chrome,
    form: Option<CrawlerForm>,
    needs_reauth: bool,
) -> Result<Response, Failure> {
    let form = match form {
        Some(f) => f,
        None => CrawlerForm::of(&c.api.get::<Settings>(b, "/v1/share-crawler").await?),
    };
    let runs: Runs = c.api.get(b, "/v1/share-crawler/runs").await?;
    let shares: Shares = c.api.get(b, "/v1/shares?limit=1").await?;
    Ok(html(&CrawlerPage {
        chrome,
        sub: "crawler",
        subpages: SUBPAGES,
        form,
        modes: MODES,
        needs_reauth,
        runs: runs.runs.iter().map(run_row).collect(),
        shares_total: value_text(&shares.total),
    }))
}

pub async fn page(State(c): State<Console>, b: Browser, Query(q): Query<Q>) -> Response {
    let r = async {
        let chrome = frame(&c, &b, "Share crawler", q.done.as_deref()).await?;
        crawler_page(&c, &b, chrome, None, false).await
    }
    .await;
    respond(&b, r)
}

/// Saves the settings; a refusal is shown with the form as it was typed
/// (and, when the API wants the password again, the form to confirm it).
pub async fn save(
    State(c): State<Console>,
    b: Browser,
    axum::Form(f): axum::Form<CrawlerForm>,
) -> Response {
    let (problem, needs_reauth) = match f.body() {
        Err(e) => (e, false),
        Ok(input) => {
            let a = c
                .api
                .change(&b, Method::PUT, "/v1/share-crawler", &input, &f.csrf)
                .await;
            match refusal(a) {
                Ok(None) => return Redirect::to("/alerts/crawler?done=settings").into_response(),
                Ok(Some((code, message))) => (message, code == "reauthentication_required"),
                Err(resp) => return *resp,
            }
        }
    };
    let r = async {
        let chrome = frame(&c, &b, "Share crawler", None)
            .await?
            .with_alert(problem);
        crawler_page(&c, &b, chrome, Some(f), needs_reauth).await
    }
    .await;
    respond(&b, r)
}

/// Confirms the password, then back to the crawler's page.
pub async fn reauth(State(c): State<Console>, b: Browser, body: Bytes) -> Response {
    super::admin::confirm_password(&c, &b, &body, "/alerts/crawler").await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Crawls now, then shows the run.
pub async fn run(
    State(c): State<Console>,
    b: Browser,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Response {
    let a = c
        .api
        .change(
            &b,
            Method::POST,
            "/v1/share-crawler/run",
            &json!({}),
            &f.csrf,
        )
        .await;
    match a {
        Ok(a) if a.status.is_success() => {
            let id = a
                .json::<Value>()
                .ok()
                .and_then(|v| one_run(v).ok())
                .map(|r| value_text(&r.id))
                .unwrap_or_default();
            if id.is_empty() {
                Redirect::to("/alerts/crawler?done=crawled").into_response()
            } else {
                Redirect::to(&format!("/alerts/crawler/runs/{}?done=crawled", enc(&id)))
                    .into_response()
            }
        }
        other => crate::flash::after_change(other, "/alerts/crawler", "crawled"),
    }
}

#[derive(Template)]
#[template(path = "alerts_run.html")]
struct RunPage {
    chrome: Chrome,
    sub: &'static str,
    subpages: &'static [(&'static str, &'static str, &'static str)],
    run: RunRow,
    entries: Vec<EntryRow>,
    truncated: bool,
}

pub async fn run_page(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> Response {
    let r = async {
        let chrome = frame(&c, &b, &format!("Crawl {id}"), q.done.as_deref()).await?;
        let v: Value = c
            .api
            .get(&b, &format!("/v1/share-crawler/runs/{}", enc(&id)))
            .await?;
        let run = one_run(v)?;
        let entries = run
            .report
            .entries
            .iter()
            .map(|e| EntryRow {
                app: value_text(&e.app),
                share: value_text(&e.share),
                path: value_text(&e.path),
                owner: value_text(&e.owner),
                public: e.public.as_bool().unwrap_or(false),
                rules: value_text(&e.rules),
                incidents: incidents_of(&e.incidents),
                failed: e.action.starts_with("removal failed"),
                action: e.action.clone(),
            })
            .collect();
        let truncated = match &run.report.truncated {
            Value::Bool(t) => *t,
            Value::Number(n) => n.as_u64().is_some_and(|n| n > 0),
            _ => false,
        };
        Ok(html(&RunPage {
            chrome,
            sub: "crawler",
            subpages: SUBPAGES,
            run: run_row(&run),
            entries,
            truncated,
        }))
    }
    .await;
    respond(&b, r)
}

#[derive(Deserialize)]
pub struct SharesQ {
    #[serde(default)]
    after: String,
}

#[derive(Template)]
#[template(path = "alerts_shares.html")]
struct SharesPage {
    chrome: Chrome,
    sub: &'static str,
    subpages: &'static [(&'static str, &'static str, &'static str)],
    shares: Vec<ShareRow>,
    total: String,
    next: String,
    first: bool,
}

pub async fn shares(State(c): State<Console>, b: Browser, Query(q): Query<SharesQ>) -> Response {
    let r = async {
        let chrome = frame(&c, &b, "Registered shares", None).await?;
        let mut uri = "/v1/shares?limit=50".to_owned();
        if !q.after.trim().is_empty() {
            uri.push_str(&format!("&after={}", enc(q.after.trim())));
        }
        let list: Shares = c.api.get(&b, &uri).await?;
        let next = match value_text(&list.next_after) {
            n if n.is_empty() => String::new(),
            n => format!("/alerts/shares?after={}", enc(&n)),
        };
        let shares = list
            .shares
            .iter()
            .map(|s| ShareRow {
                app: value_text(&s.app),
                id: value_text(&s.id),
                path: value_text(&s.path),
                public: s.public.as_bool().unwrap_or(false),
                users: value_text(&s.users),
                groups: value_text(&s.groups),
                owner: value_text(&s.owner),
                files: files_text(&s.files),
                updated: ms(&s.updated_at),
            })
            .collect();
        Ok(html(&SharesPage {
            chrome,
            sub: "crawler",
            subpages: SUBPAGES,
            shares,
            total: value_text(&list.total),
            next,
            first: q.after.trim().is_empty(),
        }))
    }
    .await;
    respond(&b, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day() {
        for ok in ["00:00", "02:30", "23:59"] {
            assert!(is_hh_mm(ok), "{ok}");
        }
        for bad in [
            "24:00", "2:30", "02:60", "0230", "", "aa:bb", "02:30:00", "+1:30",
        ] {
            assert!(!is_hh_mm(bad), "{bad}");
        }
    }

    #[test]
    fn the_settings_form_becomes_the_api_body() {
        let f = CrawlerForm {
            enabled: "1".to_owned(),
            at: " 02:30 ".to_owned(),
            mode: "enforce".to_owned(),
            callbacks: r#"[{"app": "k1", "url": "https://files.example/cb", "secret": "***"}]"#
                .to_owned(),
            ..CrawlerForm::default()
        };
        assert_eq!(
            f.body().unwrap(),
            json!({"enabled": true, "at": "02:30", "mode": "enforce",
                   "callbacks": [{"app": "k1", "url": "https://files.example/cb", "secret": "***"}]})
        );
        let empty = CrawlerForm {
            at: "03:00".to_owned(),
            mode: "delete everything".to_owned(),
            ..CrawlerForm::default()
        };
        assert_eq!(
            empty.body().unwrap(),
            json!({"enabled": false, "at": "03:00", "mode": "dry_run", "callbacks": []})
        );
        let bad_time = CrawlerForm {
            at: "25:00".to_owned(),
            ..CrawlerForm::default()
        };
        assert!(bad_time.body().unwrap_err().contains("`25:00`"));
        let not_a_list = CrawlerForm {
            at: "03:00".to_owned(),
            callbacks: "{}".to_owned(),
            ..CrawlerForm::default()
        };
        assert!(not_a_list.body().unwrap_err().contains("list"));
        let not_json = CrawlerForm {
            at: "03:00".to_owned(),
            callbacks: "[{".to_owned(),
            ..CrawlerForm::default()
        };
        assert!(
            not_json
                .body()
                .unwrap_err()
                .starts_with("The callbacks are not JSON")
        );
    }

    #[test]
    fn the_form_shows_the_settings() {
        let s: Settings = serde_json::from_value(
            json!({"enabled": true, "at": "02:00", "mode": "dry_run", "callbacks": null}),
        )
        .unwrap();
        let f = CrawlerForm::of(&s);
        assert_eq!((f.enabled.as_str(), f.at.as_str()), ("1", "02:00"));
        assert_eq!(f.callbacks, "[]");
        assert!(f.body().is_ok());
    }

    #[test]
    fn a_run_alone_or_wrapped() {
        let bare = one_run(
            json!({"id": 7, "started_at": 1, "mode": "dry_run", "checked": 3,
            "violations": 1, "report": {"entries": [], "truncated": false}, "error": null}),
        )
        .unwrap();
        assert_eq!(value_text(&bare.id), "7");
        assert_eq!(value_text(&bare.checked), "3");
        let wrapped = one_run(json!({"run": {"id": "r8", "started_at": 5}})).unwrap();
        assert_eq!(value_text(&wrapped.id), "r8");
        assert_eq!(wrapped.started_at, json!(5));
        assert_eq!(mode_text("dry_run"), "dry run");
    }

    #[test]
    fn report_incidents_as_links_or_a_count() {
        assert_eq!(
            incidents_of(&json!([12, "13", "<b>"])),
            Incidents {
                ids: vec!["12".to_owned(), "13".to_owned()],
                count: String::new()
            }
        );
        assert_eq!(incidents_of(&json!(4)).count, "4");
        assert_eq!(incidents_of(&Value::Null), Incidents::default());
        assert_eq!(files_text(&json!([{}, {}])), "2");
        assert_eq!(files_text(&json!(5)), "5");
    }
}
