//! Alerts (Admin tab): what happens after a violation. The alert sinks
//! (e-mail, webhook, syslog, JSON Lines) with a test alert each, the
//! response rules that send incidents to sinks and plug-ins, the
//! deliveries of the outbox with a retry for failed ones, and the
//! installed response plug-ins. The share crawler is in `crawler`.
//!
//! Sinks and response rules are edited as JSON in a textarea: their
//! configuration is the API's JSON (docs/alerts.md), and a form field per
//! setting would be a second schema to keep in step. A refused save shows
//! the API's message above the form with what was typed still in it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Console;
use crate::api::{Answer, Browser, enc};
use crate::error::{ApiErrorBody, Failure};
use crate::page::{Chrome, html};
use crate::text::{When, sentence};

/// The pages under Alerts, for the sub-navigation: (key, label, href).
pub const SUBPAGES: &[(&str, &str, &str)] = &[
    ("sinks", "Sinks", "/alerts/sinks"),
    ("responses", "Response rules", "/alerts/responses"),
    ("deliveries", "Deliveries", "/alerts/deliveries"),
    ("plugins", "Plug-ins", "/alerts/plugins"),
    ("crawler", "Share crawler", "/alerts/crawler"),
];

/// The example configuration of each kind of sink, offered when a new
/// sink is started. Field names follow docs/alerts.md; when the sink
/// crate changes one, this table is the one place to follow it.
pub const SINK_EXAMPLES: &[(&str, &str)] = &[
    (
        "email",
        r#"{
  "kind": "email",
  "to": ["soc@example.org"],
  "subject": "DLP {{severity}}: {{rule_name}} by {{user}}",
  "digest_minutes": 0,
  "max_per_hour": 60,
  "smtp": {
    "host": "smtp.example.org",
    "port": 587,
    "security": "starttls",
    "username": "dlp",
    "password": "…",
    "from": "dlp@example.org"
  }
}"#,
    ),
    (
        "webhook",
        r#"{
  "kind": "webhook",
  "url": "https://hooks.example.org/dlp",
  "format": "generic",
  "secret": "whsec_…"
}"#,
    ),
    (
        "syslog",
        r#"{
  "kind": "syslog",
  "host": "siem.example.org",
  "port": 6514,
  "transport": "tls",
  "payload": "cef"
}"#,
    ),
    (
        "jsonl",
        r#"{
  "kind": "jsonl",
  "path": "/var/log/cordon/incidents.jsonl"
}"#,
    ),
];

/// What a new response rule starts from.
pub const RESPONSE_EXAMPLE: &str = r#"{
  "when": {
    "rules": [],
    "policies": [],
    "categories": ["PCI"],
    "channels": [],
    "decisions": ["deny"],
    "modes": ["enforce"],
    "min_severity": 7
  },
  "actions": [
    {"sink": "soc-mail"}
  ]
}"#;

/// A sink's subscription (`on`), as the editor offers it.
pub const SUBSCRIPTIONS: &[(&str, &str)] = &[
    ("alerts", "Incidents whose rule asks for an alert"),
    ("responses", "Only response rules naming it"),
    ("all", "Every incident"),
];

fn subscription_text(on: &str) -> String {
    SUBSCRIPTIONS
        .iter()
        .find(|(k, _)| *k == on)
        .map_or_else(|| on.to_owned(), |(_, l)| (*l).to_owned())
}

/// The example configuration of `kind` (email when unknown).
pub fn sink_example(kind: &str) -> &'static str {
    SINK_EXAMPLES
        .iter()
        .find(|(k, _)| *k == kind)
        .or(SINK_EXAMPLES.first())
        .map_or("{}", |(_, e)| e)
}

/// A JSON value as text for a cell: strings as they are, numbers and
/// booleans written out, lists comma-separated, nothing for null.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(value_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Who did something, from an actor as the API writes it elsewhere
/// (`{"type": "account", "name": …}`), or the text it is.
pub fn actor_text(v: &Value) -> String {
    match v {
        Value::Object(o) => o
            .get("name")
            .or_else(|| o.get("id"))
            .map_or_else(|| "Cordon".to_owned(), value_text),
        other => value_text(other),
    }
}

/// Where a sink sends, from its configuration: the addresses, the URL,
/// `host:port` with the transport, or the file.
pub fn sink_target(config: &Value) -> String {
    let s = |k: &str| config.get(k).map(value_text).unwrap_or_default();
    match config
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
    {
        "email" => {
            let to = s("to");
            let host = config
                .get("smtp")
                .and_then(|m| m.get("host"))
                .map(value_text)
                .unwrap_or_default();
            if host.is_empty() {
                to
            } else {
                format!("{to} via {host}")
            }
        }
        "webhook" => {
            let format = s("format");
            if format.is_empty() || format == "generic" {
                s("url")
            } else {
                format!("{} ({format})", s("url"))
            }
        }
        "syslog" => {
            let mut t = s("host");
            let port = s("port");
            if !port.is_empty() {
                t = format!("{t}:{port}");
            }
            let how: Vec<String> = ["transport", "payload"]
                .iter()
                .map(|k| s(k))
                .filter(|x| !x.is_empty())
                .collect();
            if how.is_empty() {
                t
            } else {
                format!("{t} ({})", how.join(", "))
            }
        }
        "jsonl" => s("path"),
        _ => String::new(),
    }
}

/// A response rule's conditions (`when`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Conditions {
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub policies: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub decisions: Vec<String>,
    #[serde(default)]
    pub modes: Vec<String>,
    #[serde(default)]
    pub min_severity: u32,
}

/// The conditions in a line: `categories PCI; decisions deny; severity
/// at least 7`, or `every incident` when nothing narrows it.
pub fn conditions_summary(w: &Conditions) -> String {
    let mut parts: Vec<String> = [
        ("rules", &w.rules),
        ("policies", &w.policies),
        ("categories", &w.categories),
        ("channels", &w.channels),
        ("decisions", &w.decisions),
        ("modes", &w.modes),
    ]
    .iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k} {}", v.join(", ")))
    .collect();
    if w.min_severity > 0 {
        parts.push(format!("severity at least {}", w.min_severity));
    }
    if parts.is_empty() {
        "every incident".to_owned()
    } else {
        parts.join("; ")
    }
}

/// A response rule's actions in a line: `sink soc-mail; plug-in Encrypt
/// (mode: aes)`.
pub fn actions_summary(actions: &[Value]) -> String {
    if actions.is_empty() {
        return "nothing".to_owned();
    }
    actions
        .iter()
        .map(|a| {
            if let Some(sink) = a.get("sink") {
                format!("sink {}", value_text(sink))
            } else if let Some(p) = a.get("plugin") {
                let params = match a.get("params") {
                    Some(Value::Object(o)) if !o.is_empty() => format!(
                        " ({})",
                        o.iter()
                            .map(|(k, v)| format!("{k}: {}", value_text(v)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    _ => String::new(),
                };
                format!("plug-in {}{params}", value_text(p))
            } else {
                a.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A byte count for people: `512 bytes`, `1.5 KiB`, `2.0 MiB`.
pub fn size_text(bytes: u64) -> String {
    const UNITS: &[&str] = &["KiB", "MiB", "GiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS.get(unit).copied().unwrap_or("GiB"))
}

/// Milliseconds as the API writes them, possibly null.
pub(crate) fn ms(v: &Value) -> When {
    When::opt(v.as_i64())
}

/// The frame of an Alerts page; the Admin tab's pages are for
/// administrators, as the API decides too.
pub(crate) async fn frame(
    c: &Console,
    b: &Browser,
    title: &str,
    done: Option<&str>,
) -> Result<Chrome, Failure> {
    let chrome = Chrome::load(&c.api, b, "/alerts", title)
        .await?
        .with_notice(done)
        .with_alert(sentence(&b.problem));
    if !chrome.me.admin() {
        return Err(Failure::Forbidden(
            "the Alerts pages are for administrators".to_owned(),
        ));
    }
    Ok(chrome)
}

/// A page, or what went wrong making it (signing in back to here).
pub(crate) fn respond(b: &Browser, r: Result<Response, Failure>) -> Response {
    match r {
        Ok(r) => crate::flash::shown(r),
        Err(e) => e.returning_to(&b.here).into_response(),
    }
}

/// What a refused save says on the form, or the response that replaces
/// the page (a lost session, a password to change).
pub(crate) fn refusal(
    a: Result<Answer, Failure>,
) -> Result<Option<(String, String)>, Box<Response>> {
    match a {
        Ok(a) if a.status.is_success() => Ok(None),
        Ok(a) => {
            let code = serde_json::from_slice::<ApiErrorBody>(&a.body)
                .map(|e| e.code)
                .unwrap_or_default();
            match Failure::from_answer(&a) {
                f @ (Failure::SignIn { .. } | Failure::ChangePassword) => {
                    Err(Box::new(f.into_response()))
                }
                f => Ok(Some((code, sentence(&f.message())))),
            }
        }
        Err(e) => Err(Box::new(e.into_response())),
    }
}

#[derive(Deserialize)]
pub struct Q {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    edit: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

pub async fn home() -> Redirect {
    Redirect::to("/alerts/sinks")
}

// ---- Sinks ----

#[derive(Deserialize)]
struct Sinks {
    #[serde(default)]
    sinks: Vec<Sink>,
}

#[derive(Deserialize)]
struct Sink {
    id: String,
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    on: String,
    #[serde(default)]
    audit: bool,
    #[serde(default)]
    config: Value,
    #[serde(default)]
    problem: Option<String>,
    #[serde(default)]
    stream: Option<Stream>,
}

/// A streamed sink's position (`/v1/alerts/sinks`).
#[derive(Deserialize)]
struct Stream {
    #[serde(default)]
    backlog: i64,
    #[serde(default)]
    delivered: i64,
    #[serde(default)]
    attempts: i64,
    #[serde(default)]
    last_error: Option<String>,
}

/// What a streamed sink has done and has left, and why it is retrying.
fn stream_text(s: Option<&Stream>) -> (String, String) {
    let Some(s) = s else {
        return (String::new(), String::new());
    };
    let done = format!("{} delivered, {} to send", s.delivered, s.backlog);
    let trouble = match (&s.last_error, s.attempts) {
        (Some(e), n) if n > 0 => format!("retrying after {n} failed attempts: {e}"),
        _ => String::new(),
    };
    (done, trouble)
}

pub struct SinkRow {
    pub id: String,
    pub kind: String,
    pub target: String,
    pub on: String,
    /// Subscribed to the audit trail.
    pub audit: bool,
    pub enabled: bool,
    pub problem: String,
    /// A streamed sink's counts (empty for others).
    pub stream: String,
}

/// The sink editor's fields, as shown and as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub enabled: String,
    #[serde(default)]
    pub on: String,
    /// `1`: also send the audit trail.
    #[serde(default)]
    pub audit: String,
    #[serde(default)]
    pub config: String,
    /// Whether the id names an existing sink (the field is then fixed).
    #[serde(default)]
    pub existing: String,
}

#[derive(Template)]
#[template(path = "alerts_sinks.html")]
struct SinksPage {
    chrome: Chrome,
    sub: &'static str,
    subpages: &'static [(&'static str, &'static str, &'static str)],
    sinks: Vec<SinkRow>,
    form: SinkForm,
    kinds: Vec<&'static str>,
    subscriptions: &'static [(&'static str, &'static str)],
}

async fn sinks_page(
    c: &Console,
    b: &Browser,
    chrome: Chrome,
    form: Option<SinkForm>,
    q: &Q,
) -> Result<Response, Failure> {
    let list: Sinks = c.api.get(b, "/v1/alerts/sinks").await?;
    let form = match form {
        Some(f) => f,
        None => {
            let editing = q
                .edit
                .as_deref()
                .and_then(|id| list.sinks.iter().find(|s| s.id == id));
            match editing {
                Some(s) => SinkForm {
                    id: s.id.clone(),
                    enabled: if s.enabled { "1" } else { "" }.to_owned(),
                    on: s.on.clone(),
                    audit: if s.audit { "1" } else { "" }.to_owned(),
                    config: serde_json::to_string_pretty(&s.config).unwrap_or_default(),
                    existing: "1".to_owned(),
                    ..SinkForm::default()
                },
                None => SinkForm {
                    enabled: "1".to_owned(),
                    on: "alerts".to_owned(),
                    config: sink_example(q.kind.as_deref().unwrap_or("email")).to_owned(),
                    ..SinkForm::default()
                },
            }
        }
    };
    let sinks = list
        .sinks
        .into_iter()
        .map(|s| {
            let (stream, trouble) = stream_text(s.stream.as_ref());
            let problem = [s.problem.unwrap_or_default(), trouble]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            SinkRow {
                kind: s.config.get("kind").map(value_text).unwrap_or_default(),
                target: sink_target(&s.config),
                on: subscription_text(&s.on),
                audit: s.audit,
                enabled: s.enabled,
                problem,
                stream,
                id: s.id,
            }
        })
        .collect();
    Ok(html(&SinksPage {
        chrome,
        sub: "sinks",
        subpages: SUBPAGES,
        sinks,
        form,
        kinds: SINK_EXAMPLES.iter().map(|(k, _)| *k).collect(),
        subscriptions: SUBSCRIPTIONS,
    }))
}

pub async fn sinks(State(c): State<Console>, b: Browser, Query(q): Query<Q>) -> Response {
    let r = async {
        let chrome = frame(&c, &b, "Alert sinks", q.done.as_deref()).await?;
        sinks_page(&c, &b, chrome, None, &q).await
    }
    .await;
    respond(&b, r)
}

/// Saves a sink (`PUT /v1/alerts/sinks/{id}`); a refusal is shown above
/// the form, which keeps what was typed.
pub async fn save_sink(
    State(c): State<Console>,
    b: Browser,
    axum::Form(f): axum::Form<SinkForm>,
) -> Response {
    let id = f.id.trim().to_owned();
    let problem = if id.is_empty() {
        Some("Give the sink an id.".to_owned())
    } else {
        match serde_json::from_str::<Value>(&f.config) {
            Err(e) => Some(format!("The configuration is not JSON: {e}.")),
            Ok(config) => {
                let on = if SUBSCRIPTIONS.iter().any(|(k, _)| *k == f.on) {
                    f.on.as_str()
                } else {
                    "alerts"
                };
                let input = json!({"enabled": f.enabled == "1", "on": on, "audit": f.audit == "1",
                                   "config": config});
                let a = c
                    .api
                    .change(
                        &b,
                        Method::PUT,
                        &format!("/v1/alerts/sinks/{}", enc(&id)),
                        &input,
                        &f.csrf,
                    )
                    .await;
                match refusal(a) {
                    Ok(None) => return Redirect::to("/alerts/sinks?done=saved").into_response(),
                    Ok(Some((_, message))) => Some(message),
                    Err(resp) => return *resp,
                }
            }
        }
    };
    let r = async {
        let chrome = frame(&c, &b, "Alert sinks", None)
            .await?
            .with_alert(problem.unwrap_or_default());
        let q = Q {
            done: None,
            edit: None,
            kind: None,
        };
        sinks_page(&c, &b, chrome, Some(f), &q).await
    }
    .await;
    respond(&b, r)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
    /// The page to come back to (deliveries keep their filters).
    #[serde(default)]
    back: String,
}

#[derive(Deserialize)]
struct TestOutcome {
    outcome: String,
    #[serde(default)]
    message: Option<String>,
}

/// What a test alert's outcome says, when it was not delivered.
pub fn test_problem(id: &str, outcome: &str, message: &str) -> String {
    let why = if message.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", message.trim())
    };
    match outcome {
        "retry" => format!(
            "the test alert to `{id}` was not delivered; the server would try again later{why}"
        ),
        "failed" => format!("the test alert to `{id}` failed{why}"),
        other => format!("the test alert to `{id}` ended with `{other}`{why}"),
    }
}

/// Sends a made-up alert through one sink now, and says how it went.
pub async fn test_sink(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Response {
    let a = c
        .api
        .change(
            &b,
            Method::POST,
            &format!("/v1/alerts/sinks/{}/test", enc(&id)),
            &json!({}),
            &f.csrf,
        )
        .await;
    match a {
        Ok(a) if a.status.is_success() => match a.json::<TestOutcome>() {
            Ok(t) if t.outcome == "delivered" => {
                Redirect::to("/alerts/sinks?done=test_delivered").into_response()
            }
            Ok(t) => crate::flash::redirect(
                "/alerts/sinks",
                &test_problem(&id, &t.outcome, t.message.as_deref().unwrap_or_default()),
            ),
            Err(e) => e.into_response(),
        },
        other => crate::flash::after_change(other, "/alerts/sinks", "test_delivered"),
    }
}

async fn delete(c: &Console, b: &Browser, uri: &str, csrf: &str, page: &str) -> Response {
    let a = c
        .api
        .call(b, Method::DELETE, uri, None::<&()>, Some(csrf))
        .await;
    crate::flash::after_change(a, page, "deleted")
}

pub async fn delete_sink(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Response {
    let uri = format!("/v1/alerts/sinks/{}", enc(&id));
    delete(&c, &b, &uri, &f.csrf, "/alerts/sinks").await
}

// ---- Response rules ----

#[derive(Deserialize)]
struct Responses {
    #[serde(default)]
    responses: Vec<ResponseRule>,
}

#[derive(Deserialize)]
struct ResponseRule {
    id: String,
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    description: String,
    #[serde(default)]
    when: Conditions,
    #[serde(default)]
    actions: Vec<Value>,
}

pub struct ResponseRow {
    pub id: String,
    pub enabled: bool,
    pub description: String,
    pub when: String,
    pub actions: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResponseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub enabled: String,
    #[serde(default)]
    pub description: String,
    /// `{"when": {…}, "actions": […]}`.
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub existing: String,
}

#[derive(Template)]
#[template(path = "alerts_responses.html")]
struct ResponsesPage {
    chrome: Chrome,
    sub: &'static str,
    subpages: &'static [(&'static str, &'static str, &'static str)],
    rules: Vec<ResponseRow>,
    form: ResponseForm,
}

async fn responses_page(
    c: &Console,
    b: &Browser,
    chrome: Chrome,
    form: Option<ResponseForm>,
    edit: Option<&str>,
) -> Result<Response, Failure> {
    let list: Responses = c.api.get(b, "/v1/alerts/responses").await?;
    let form = match form {
        Some(f) => f,
        None => match edit.and_then(|id| list.responses.iter().find(|r| r.id == id)) {
            Some(r) => ResponseForm {
                id: r.id.clone(),
                enabled: if r.enabled { "1" } else { "" }.to_owned(),
                description: r.description.clone(),
                rule: serde_json::to_string_pretty(&json!({"when": r.when, "actions": r.actions}))
                    .unwrap_or_default(),
                existing: "1".to_owned(),
                ..ResponseForm::default()
            },
            None => ResponseForm {
                enabled: "1".to_owned(),
                rule: RESPONSE_EXAMPLE.to_owned(),
                ..ResponseForm::default()
            },
        },
    };
    let rules = list
        .responses
        .into_iter()
        .map(|r| ResponseRow {
            when: conditions_summary(&r.when),
            actions: actions_summary(&r.actions),
            enabled: r.enabled,
            description: r.description,
            id: r.id,
        })
        .collect();
    Ok(html(&ResponsesPage {
        chrome,
        sub: "responses",
        subpages: SUBPAGES,
        rules,
        form,
    }))
}

pub async fn responses(State(c): State<Console>, b: Browser, Query(q): Query<Q>) -> Response {
    let r = async {
        let chrome = frame(&c, &b, "Response rules", q.done.as_deref()).await?;
        responses_page(&c, &b, chrome, None, q.edit.as_deref()).await
    }
    .await;
    respond(&b, r)
}

/// The body of `PUT /v1/alerts/responses/{id}` from the editor: the
/// textarea's object with the id, enabled and description of the form.
pub fn response_body(
    id: &str,
    enabled: bool,
    description: &str,
    rule: &str,
) -> Result<Value, String> {
    let mut v: Value =
        serde_json::from_str(rule).map_err(|e| format!("The rule is not JSON: {e}."))?;
    let Some(o) = v.as_object_mut() else {
        return Err("The rule must be a JSON object with `when` and `actions`.".to_owned());
    };
    o.insert("id".to_owned(), json!(id));
    o.insert("enabled".to_owned(), json!(enabled));
    o.insert("description".to_owned(), json!(description));
    Ok(v)
}

pub async fn save_response(
    State(c): State<Console>,
    b: Browser,
    axum::Form(f): axum::Form<ResponseForm>,
) -> Response {
    let id = f.id.trim().to_owned();
    let problem = if id.is_empty() {
        "Give the rule an id.".to_owned()
    } else {
        match response_body(&id, f.enabled == "1", f.description.trim(), &f.rule) {
            Err(e) => e,
            Ok(input) => {
                let a = c
                    .api
                    .change(
                        &b,
                        Method::PUT,
                        &format!("/v1/alerts/responses/{}", enc(&id)),
                        &input,
                        &f.csrf,
                    )
                    .await;
                match refusal(a) {
                    Ok(None) => {
                        return Redirect::to("/alerts/responses?done=saved").into_response();
                    }
                    Ok(Some((_, message))) => message,
                    Err(resp) => return *resp,
                }
            }
        }
    };
    let r = async {
        let chrome = frame(&c, &b, "Response rules", None)
            .await?
            .with_alert(problem);
        responses_page(&c, &b, chrome, Some(f), None).await
    }
    .await;
    respond(&b, r)
}

pub async fn delete_response(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Response {
    let uri = format!("/v1/alerts/responses/{}", enc(&id));
    delete(&c, &b, &uri, &f.csrf, "/alerts/responses").await
}

// ---- Deliveries ----

/// The deliveries list's filters, as in the URL.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct DeliveryFilters {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub state: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub incident: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub before: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub done: String,
}

impl DeliveryFilters {
    /// The query for the API (the console's `done` left out).
    pub fn api_query(&self) -> String {
        let mut q = vec!["limit=50".to_owned()];
        for (k, v) in [
            ("state", &self.state),
            ("target", &self.target),
            ("incident", &self.incident),
            ("before", &self.before),
        ] {
            if !v.trim().is_empty() {
                q.push(format!("{k}={}", enc(v.trim())));
            }
        }
        q.join("&")
    }

    /// This page's URL with `before` set to `cursor` (or cleared).
    pub fn url_with_before(&self, cursor: &str) -> String {
        let f = DeliveryFilters {
            before: cursor.to_owned(),
            done: String::new(),
            ..self.clone()
        };
        let q = serde_urlencoded::to_string(&f).unwrap_or_default();
        if q.is_empty() {
            "/alerts/deliveries".to_owned()
        } else {
            format!("/alerts/deliveries?{q}")
        }
    }
}

/// Where to go back to after a retry: the deliveries list a form says
/// it came from, never anywhere else.
pub fn deliveries_back(back: &str, done: Option<&str>) -> String {
    let safe = back == "/alerts/deliveries"
        || (back.starts_with("/alerts/deliveries?")
            && !back.contains(['\\', '#', '\r', '\n'])
            && !back.contains("//"));
    let base = if safe { back } else { "/alerts/deliveries" };
    // The earlier `done` is replaced.
    let (path, query) = base.split_once('?').unwrap_or((base, ""));
    let mut kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("done="))
        .collect();
    let done_pair = done.map(|d| format!("done={d}"));
    kept.extend(done_pair.as_deref());
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

#[derive(Deserialize)]
struct Deliveries {
    #[serde(default)]
    deliveries: Vec<Delivery>,
    #[serde(default)]
    next: Value,
}

#[derive(Deserialize)]
struct Delivery {
    id: Value,
    #[serde(default)]
    incident_id: Value,
    /// Set instead of `incident_id` for an audit entry's delivery.
    #[serde(default)]
    audit_id: Value,
    #[serde(default)]
    target: String,
    #[serde(default)]
    rule: Value,
    #[serde(default)]
    state: String,
    #[serde(default)]
    attempts: Value,
    #[serde(default)]
    next_at: Value,
    #[serde(default)]
    last_error: Value,
    #[serde(default)]
    created_at: Value,
    #[serde(default)]
    delivered_at: Value,
}

pub struct DeliveryRow {
    pub id: String,
    pub incident: String,
    /// The audit entry delivered, when it is not an incident.
    pub audit: String,
    pub target: String,
    pub rule: String,
    pub state: String,
    pub attempts: String,
    pub next_at: When,
    pub last_error: String,
    pub created: When,
    pub delivered: When,
}

#[derive(Deserialize)]
struct Summary {
    #[serde(default)]
    counts: Vec<Count>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Count {
    pub target: String,
    pub state: String,
    #[serde(default)]
    pub count: u64,
}

/// One target's counts, in the summary table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub target: String,
    pub pending: u64,
    pub delivered: u64,
    pub failed: u64,
}

/// The counts by target and state, one row per target in name order.
pub fn summary_rows(counts: &[Count]) -> Vec<SummaryRow> {
    let mut rows: Vec<SummaryRow> = Vec::new();
    for c in counts {
        let i = match rows.iter().position(|r| r.target == c.target) {
            Some(i) => i,
            None => {
                rows.push(SummaryRow {
                    target: c.target.clone(),
                    pending: 0,
                    delivered: 0,
                    failed: 0,
                });
                rows.len() - 1
            }
        };
        if let Some(r) = rows.get_mut(i) {
            match c.state.as_str() {
                "pending" => r.pending += c.count,
                "delivered" => r.delivered += c.count,
                "failed" => r.failed += c.count,
                _ => {}
            }
        }
    }
    rows.sort_by(|a, b| a.target.cmp(&b.target));
    rows
}

#[derive(Template)]
#[template(path = "alerts_deliveries.html")]
struct DeliveriesPage {
    chrome: Chrome,
    sub: &'static str,
    subpages: &'static [(&'static str, &'static str, &'static str)],
    f: DeliveryFilters,
    summary: Vec<SummaryRow>,
    targets: Vec<String>,
    rows: Vec<DeliveryRow>,
    here: String,
    next: String,
}

pub async fn deliveries(
    State(c): State<Console>,
    b: Browser,
    Query(f): Query<DeliveryFilters>,
) -> Response {
    let r = async {
        let chrome = frame(&c, &b, "Deliveries", Some(f.done.as_str())).await?;
        let summary: Summary = c.api.get(&b, "/v1/deliveries/summary").await?;
        let list: Deliveries = c
            .api
            .get(&b, &format!("/v1/deliveries?{}", f.api_query()))
            .await?;
        let summary = summary_rows(&summary.counts);
        let mut targets: Vec<String> = summary.iter().map(|r| r.target.clone()).collect();
        if !f.target.is_empty() && !targets.contains(&f.target) {
            targets.push(f.target.clone());
        }
        let next = match value_text(&list.next) {
            n if n.is_empty() => String::new(),
            n => f.url_with_before(&n),
        };
        let rows = list
            .deliveries
            .into_iter()
            .map(|d| DeliveryRow {
                id: value_text(&d.id),
                incident: value_text(&d.incident_id),
                audit: value_text(&d.audit_id),
                target: d.target,
                rule: value_text(&d.rule),
                attempts: value_text(&d.attempts),
                next_at: if d.state == "pending" {
                    ms(&d.next_at)
                } else {
                    When::default()
                },
                last_error: value_text(&d.last_error),
                created: ms(&d.created_at),
                delivered: ms(&d.delivered_at),
                state: d.state,
            })
            .collect();
        Ok(html(&DeliveriesPage {
            chrome,
            sub: "deliveries",
            subpages: SUBPAGES,
            here: f.url_with_before(&f.before),
            f,
            summary,
            targets,
            rows,
            next,
        }))
    }
    .await;
    respond(&b, r)
}

/// A failed delivery pending again, due now.
pub async fn retry_delivery(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Response {
    let a = c
        .api
        .change(
            &b,
            Method::POST,
            &format!("/v1/deliveries/{}/retry", enc(&id)),
            &json!({}),
            &f.csrf,
        )
        .await;
    match a {
        Ok(a) if a.status.is_success() => {
            Redirect::to(&deliveries_back(&f.back, Some("retried"))).into_response()
        }
        Ok(a) => match Failure::from_answer(&a) {
            e @ (Failure::SignIn { .. } | Failure::ChangePassword) => e.into_response(),
            e => crate::flash::redirect(&deliveries_back(&f.back, None), &e.message()),
        },
        Err(e) => e.into_response(),
    }
}

// ---- Plug-ins ----

#[derive(Deserialize)]
struct Plugins {
    #[serde(default)]
    plugins: Vec<Plugin>,
}

#[derive(Deserialize)]
struct Plugin {
    name: String,
    #[serde(default)]
    version: Value,
    #[serde(default)]
    description: String,
    #[serde(default)]
    runs_on: Value,
    #[serde(default)]
    events: Value,
    #[serde(default)]
    timeout_ms: Value,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    installed_at: Value,
    #[serde(default)]
    installed_by: Value,
}

pub struct PluginRow {
    pub name: String,
    pub version: String,
    pub description: String,
    pub runs_on: String,
    pub events: String,
    pub timeout: String,
    pub size: String,
    pub sha256: String,
    pub installed: When,
    pub installed_by: String,
}

#[derive(Template)]
#[template(path = "alerts_plugins.html")]
struct PluginsPage {
    chrome: Chrome,
    sub: &'static str,
    subpages: &'static [(&'static str, &'static str, &'static str)],
    plugins: Vec<PluginRow>,
}

pub async fn plugins(State(c): State<Console>, b: Browser, Query(q): Query<Q>) -> Response {
    let r = async {
        let chrome = frame(&c, &b, "Response plug-ins", q.done.as_deref()).await?;
        let list: Plugins = c.api.get(&b, "/v1/plugins").await?;
        let plugins = list
            .plugins
            .into_iter()
            .map(|p| PluginRow {
                version: value_text(&p.version),
                description: p.description,
                runs_on: value_text(&p.runs_on),
                events: value_text(&p.events),
                timeout: match p.timeout_ms.as_u64() {
                    Some(t) => format!("{t} ms"),
                    None => value_text(&p.timeout_ms),
                },
                size: p.size.map(size_text).unwrap_or_default(),
                sha256: p.sha256,
                installed: ms(&p.installed_at),
                installed_by: actor_text(&p.installed_by),
                name: p.name,
            })
            .collect();
        Ok(html(&PluginsPage {
            chrome,
            sub: "plugins",
            subpages: SUBPAGES,
            plugins,
        }))
    }
    .await;
    respond(&b, r)
}

pub async fn uninstall_plugin(
    State(c): State<Console>,
    b: Browser,
    Path(name): Path<String>,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Response {
    let uri = format!("/v1/plugins/{}", enc(&name));
    let a = c
        .api
        .call(&b, Method::DELETE, &uri, None::<&()>, Some(&f.csrf))
        .await;
    crate::flash::after_change(a, "/alerts/plugins", "uninstalled")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_each_kind_of_sink_goes() {
        let cases = [
            (
                json!({"kind": "email", "to": ["soc@example.org", "dpo@example.org"], "smtp": {"host": "smtp.example.org"}}),
                "soc@example.org, dpo@example.org via smtp.example.org",
            ),
            (
                json!({"kind": "email", "to": "soc@example.org"}),
                "soc@example.org",
            ),
            (
                json!({"kind": "webhook", "url": "https://hooks.example.org/dlp", "format": "generic", "secret": "***"}),
                "https://hooks.example.org/dlp",
            ),
            (
                json!({"kind": "webhook", "url": "https://hooks.slack.example/x", "format": "slack"}),
                "https://hooks.slack.example/x (slack)",
            ),
            (
                json!({"kind": "syslog", "host": "siem.example.org", "port": 6514, "transport": "tls", "payload": "cef"}),
                "siem.example.org:6514 (tls, cef)",
            ),
            (json!({"kind": "syslog", "host": "siem"}), "siem"),
            (
                json!({"kind": "jsonl", "path": "/tmp/a.jsonl"}),
                "/tmp/a.jsonl",
            ),
            (json!({"kind": "pager"}), ""),
            (Value::Null, ""),
        ];
        for (config, want) in cases {
            assert_eq!(sink_target(&config), want, "{config}");
        }
    }

    #[test]
    fn every_example_sink_is_json_of_its_kind() {
        for (kind, text) in SINK_EXAMPLES {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(v["kind"], *kind);
            assert!(!sink_target(&v).is_empty(), "{kind}");
        }
        assert_eq!(sink_example("syslog"), SINK_EXAMPLES[2].1);
        assert_eq!(sink_example("nonsense"), SINK_EXAMPLES[0].1);
        let r: Value = serde_json::from_str(RESPONSE_EXAMPLE).unwrap();
        let when: Conditions = serde_json::from_value(r["when"].clone()).unwrap();
        assert_eq!(when.min_severity, 7);
    }

    #[test]
    fn conditions_in_a_line() {
        assert_eq!(conditions_summary(&Conditions::default()), "every incident");
        let w: Conditions = serde_json::from_value(json!({
            "rules": ["pci-usb", "pci-mail"], "categories": ["PCI"], "decisions": ["deny"],
            "min_severity": 7
        }))
        .unwrap();
        assert_eq!(
            conditions_summary(&w),
            "rules pci-usb, pci-mail; categories PCI; decisions deny; severity at least 7"
        );
        let snake: Conditions = serde_json::from_value(json!({"min_severity": 3})).unwrap();
        assert_eq!(conditions_summary(&snake), "severity at least 3");
    }

    #[test]
    fn actions_in_a_line() {
        assert_eq!(actions_summary(&[]), "nothing");
        assert_eq!(
            actions_summary(&[
                json!({"sink": "soc-mail"}),
                json!({"plugin": "Encrypt", "params": {"mode": "aes", "keep": true}}),
                json!({"plugin": "Quarantine", "params": {}}),
            ]),
            "sink soc-mail; plug-in Encrypt (keep: true, mode: aes); plug-in Quarantine"
        );
    }

    #[test]
    fn the_response_body_is_the_textarea_with_the_form_fields() {
        let v = response_body("r1", true, "cards", RESPONSE_EXAMPLE).unwrap();
        assert_eq!(v["id"], "r1");
        assert_eq!(v["enabled"], true);
        assert_eq!(v["description"], "cards");
        assert_eq!(v["actions"][0]["sink"], "soc-mail");
        assert!(
            response_body("r1", true, "", "[1]")
                .unwrap_err()
                .contains("object")
        );
        let e = response_body("r1", true, "", "{\"when\": ").unwrap_err();
        assert!(
            e.starts_with("The rule is not JSON") && e.contains("line 1"),
            "{e}"
        );
    }

    #[test]
    fn delivery_summary_by_target() {
        let counts: Vec<Count> = serde_json::from_value(json!([
            {"target": "sink:soc", "state": "delivered", "count": 12},
            {"target": "plugin:Encrypt", "state": "failed", "count": 1},
            {"target": "sink:soc", "state": "failed", "count": 2},
            {"target": "sink:soc", "state": "pending", "count": 3},
            {"target": "sink:soc", "state": "archived", "count": 9},
        ]))
        .unwrap();
        assert_eq!(
            summary_rows(&counts),
            vec![
                SummaryRow {
                    target: "plugin:Encrypt".to_owned(),
                    pending: 0,
                    delivered: 0,
                    failed: 1
                },
                SummaryRow {
                    target: "sink:soc".to_owned(),
                    pending: 3,
                    delivered: 12,
                    failed: 2
                },
            ]
        );
    }

    #[test]
    fn delivery_filters_in_the_url_and_for_the_api() {
        let f = DeliveryFilters {
            state: "failed".to_owned(),
            target: "sink:soc mail".to_owned(),
            done: "retried".to_owned(),
            ..DeliveryFilters::default()
        };
        assert_eq!(
            f.api_query(),
            "limit=50&state=failed&target=sink%3Asoc%20mail"
        );
        assert_eq!(
            f.url_with_before("41"),
            "/alerts/deliveries?state=failed&target=sink%3Asoc+mail&before=41"
        );
        assert_eq!(
            DeliveryFilters::default().url_with_before(""),
            "/alerts/deliveries"
        );
    }

    #[test]
    fn a_retry_comes_back_to_the_list_and_nowhere_else() {
        assert_eq!(
            deliveries_back(
                "/alerts/deliveries?state=failed&done=retried",
                Some("retried")
            ),
            "/alerts/deliveries?state=failed&done=retried"
        );
        assert_eq!(
            deliveries_back("/alerts/deliveries", Some("retried")),
            "/alerts/deliveries?done=retried"
        );
        assert_eq!(
            deliveries_back("/alerts/deliveries?done=retried&before=9", None),
            "/alerts/deliveries?before=9"
        );
        for evil in [
            "https://evil.example/",
            "//evil.example",
            "/alerts/deliveries?x=//evil",
            "/alerts/deliveriesx",
            "/admin",
            "",
        ] {
            assert_eq!(
                deliveries_back(evil, Some("retried")),
                "/alerts/deliveries?done=retried",
                "{evil}"
            );
        }
    }

    #[test]
    fn test_outcomes_explained() {
        assert_eq!(
            test_problem("soc", "failed", "550 mailbox unavailable"),
            "the test alert to `soc` failed: 550 mailbox unavailable"
        );
        assert_eq!(
            test_problem("soc", "retry", " "),
            "the test alert to `soc` was not delivered; the server would try again later"
        );
    }

    #[test]
    fn cells_from_json() {
        assert_eq!(value_text(&json!(["agent", "server"])), "agent, server");
        assert_eq!(value_text(&json!(null)), "");
        assert_eq!(value_text(&json!(42)), "42");
        assert_eq!(
            actor_text(&json!({"type": "account", "name": "admin"})),
            "admin"
        );
        assert_eq!(actor_text(&json!({"type": "system"})), "Cordon");
        assert_eq!(actor_text(&json!("key:k1")), "key:k1");
        assert_eq!(size_text(512), "512 bytes");
        assert_eq!(size_text(1536), "1.5 KiB");
        assert_eq!(size_text(3 * 1024 * 1024), "3.0 MiB");
    }
}
