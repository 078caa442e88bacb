//! Policies: the list; the editor with diagnostics (as you type, through
//! `/policies/validate`, and on save) under the line they are about; the
//! document's own test cases and a pasted event decided on demand; the
//! versions with their diffs; activate and roll back.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cordon_access::{Action, Module};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Console;
use crate::api::{Browser, enc};
use crate::error::{Diag, Failure};
use crate::page::{Chrome, html};
use crate::text::{When, sentence};

#[derive(Debug, Clone, Deserialize)]
struct Policy {
    id: String,
    name: String,
    updated_at: i64,
    latest_version: i64,
    #[serde(default)]
    active_version: Option<i64>,
}

#[derive(Deserialize)]
struct PolicyList {
    policies: Vec<Policy>,
}

pub struct Row {
    pub id: String,
    pub href: String,
    pub name: String,
    pub active: String,
    pub latest: i64,
    pub updated: When,
}

#[derive(Template)]
#[template(path = "policies.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    can_create: bool,
}

#[derive(Deserialize)]
pub struct DoneQ {
    #[serde(default)]
    done: Option<String>,
}

pub async fn list(State(c): State<Console>, b: Browser, Query(q): Query<DoneQ>) -> Response {
    let chrome = match Chrome::load(&c.api, &b, "/policies", "Policies").await {
        Ok(ch) => ch.with_notice(q.done.as_deref()),
        Err(e) => return e.into_response(),
    };
    let list: PolicyList = match c.api.get(&b, "/v1/policies").await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    let rows = list
        .policies
        .into_iter()
        .map(|p| Row {
            href: format!("/policies/{}", enc(&p.id)),
            id: p.id,
            name: p.name,
            active: p
                .active_version
                .map_or_else(|| "inactive".to_owned(), |v| format!("version {v}")),
            latest: p.latest_version,
            updated: When::of(p.updated_at),
        })
        .collect();
    html(&ListPage {
        can_create: chrome.me.can(Module::Policies, Action::Create),
        chrome,
        rows,
    })
}

/// A diagnostic for the page: where, what, and the line with its caret.
pub struct Shown {
    pub severity: String,
    pub place: String,
    pub message: String,
    pub rendered: String,
}

fn shown(d: &Diag) -> Shown {
    let place = match (d.line, d.column) {
        (Some(l), Some(c)) => format!("Line {l}, column {c}"),
        (Some(l), None) => format!("Line {l}"),
        _ => String::new(),
    };
    Shown {
        severity: d.severity.clone(),
        place,
        message: sentence(&d.message),
        rendered: d.rendered.clone(),
    }
}

/// A version in the list.
pub struct VersionRow {
    pub version: i64,
    pub comment: String,
    pub by: String,
    pub when: When,
    pub active: bool,
    pub diff_href: String,
}

/// The outcome of "run tests / try event".
pub struct TrialShown {
    pub tests: Vec<(String, bool, Vec<String>)>,
    pub explanation: String,
    pub decision: String,
}

#[derive(Template)]
#[template(path = "policy.html")]
struct EditorPage {
    chrome: Chrome,
    /// Empty for a new policy.
    id: String,
    action: String,
    body: String,
    comment: String,
    event: String,
    justification: String,
    editable: bool,
    diagnostics: Vec<Shown>,
    active: String,
    versions: Vec<VersionRow>,
    activations: Vec<(When, String, String)>,
    trial: Option<TrialShown>,
    can_activate: bool,
}

const NEW_POLICY: &str = "id: my-policy\nname: My policy\nrules:\n  - id: login-outside-us\n    name: Prevent login from outside the US\n    userActions: [login]\n    effect: deny\n    mode: permissive\n    expression: _request.remoteCountryCode != 'US'\n    message: Logins are only allowed from the United States.\ntests:\n  - name: login from France is denied\n    event:\n      action: login\n      request: { remoteIp: 81.2.69.160, remoteCountryCode: FR }\n      user: { username: jdoe }\n    expect: { decision: allow, violations: [login-outside-us] }\n";

impl EditorPage {
    fn blank(chrome: Chrome) -> EditorPage {
        EditorPage {
            chrome,
            id: String::new(),
            action: "/policies".to_owned(),
            body: NEW_POLICY.to_owned(),
            comment: String::new(),
            event: String::new(),
            justification: String::new(),
            editable: true,
            diagnostics: Vec::new(),
            active: String::new(),
            versions: Vec::new(),
            activations: Vec::new(),
            trial: None,
            can_activate: true,
        }
    }
}

pub async fn new(State(c): State<Console>, b: Browser) -> Response {
    match Chrome::load(&c.api, &b, "/policies", "New policy").await {
        Ok(ch) => html(&EditorPage::blank(ch)),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct Version {
    version: i64,
    body: String,
    #[serde(default)]
    comment: String,
    created_at: i64,
    created_by: Value,
}

#[derive(Deserialize)]
struct Activation {
    #[serde(default)]
    version: Option<i64>,
    at: i64,
    actor: Value,
}

#[derive(Deserialize)]
struct Yours {
    modify: bool,
}

#[derive(Deserialize)]
struct Detail {
    policy: Policy,
    version: Version,
    activations: Vec<Activation>,
    yours: Yours,
}

#[derive(Deserialize)]
struct Versions {
    versions: Vec<Version>,
}

fn who(a: &Value) -> String {
    a.get("name")
        .and_then(Value::as_str)
        .unwrap_or("Cordon")
        .to_owned()
}

/// The editor for policy `id`, showing `body` (or the stored version).
async fn editor(
    c: &Console,
    b: &Browser,
    id: &str,
    notice: Option<&str>,
) -> Result<EditorPage, Failure> {
    let d: Detail = c.api.get(b, &format!("/v1/policies/{}", enc(id))).await?;
    let versions: Versions = c
        .api
        .get(b, &format!("/v1/policies/{}/versions", enc(id)))
        .await?;
    let title = format!("Policy: {}", d.policy.name);
    let chrome = Chrome::load(&c.api, b, "/policies", title)
        .await?
        .with_notice(notice);
    let mut versions: Vec<VersionRow> = versions
        .versions
        .iter()
        .map(|v| VersionRow {
            version: v.version,
            comment: v.comment.clone(),
            by: who(&v.created_by),
            when: When::of(v.created_at),
            active: d.policy.active_version == Some(v.version),
            diff_href: if v.version > 1 {
                format!(
                    "/policies/{}/diff?from={}&to={}",
                    enc(id),
                    v.version - 1,
                    v.version
                )
            } else {
                String::new()
            },
        })
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.version));
    let activations = d
        .activations
        .iter()
        .rev()
        .take(20)
        .map(|a| {
            (
                When::of(a.at),
                a.version
                    .map_or_else(|| "deactivated".to_owned(), |v| format!("version {v}")),
                who(&a.actor),
            )
        })
        .collect();
    Ok(EditorPage {
        id: d.policy.id.clone(),
        action: format!("/policies/{}", enc(&d.policy.id)),
        body: d.version.body,
        comment: String::new(),
        event: String::new(),
        justification: String::new(),
        editable: d.yours.modify,
        can_activate: d.yours.modify,
        diagnostics: Vec::new(),
        active: d.policy.active_version.map_or_else(
            || "No version is active.".to_owned(),
            |v| format!("Version {v} is active."),
        ),
        versions,
        activations,
        trial: None,
        chrome,
    })
}

pub async fn detail(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    Query(q): Query<DoneQ>,
) -> Response {
    match editor(&c, &b, &id, q.done.as_deref()).await {
        Ok(p) => html(&p),
        Err(e) => e.returning_to(&b.here).into_response(),
    }
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    csrf: String,
    body: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    activate: Option<String>,
    /// `save` or `try`.
    #[serde(default)]
    op: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    justification: String,
}

fn diagnostics_of(f: &Failure) -> Vec<Shown> {
    match f {
        Failure::Api { body, .. } => body
            .diagnostics
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(shown)
            .collect(),
        _ => Vec::new(),
    }
}

/// Runs the draft's tests and decides the pasted event.
async fn trial(
    c: &Console,
    b: &Browser,
    f: &EditForm,
) -> Result<(Vec<Shown>, Option<TrialShown>), Failure> {
    let event: Option<Value> = if f.event.trim().is_empty() {
        None
    } else {
        Some(serde_json::from_str(&f.event).map_err(|e| Failure::Api {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: crate::error::ApiErrorBody {
                code: "invalid_event".to_owned(),
                message: format!("the event is not valid JSON: {e}"),
                field: Some("event".to_owned()),
                diagnostics: None,
            },
        })?)
    };
    let mut input = json!({"body": f.body});
    if let Some(ev) = event {
        input["event"] = ev;
    }
    if !f.justification.trim().is_empty() {
        input["justification"] = json!(f.justification);
    }
    #[derive(Deserialize)]
    struct Case {
        name: String,
        passed: bool,
        failures: Vec<String>,
    }
    #[derive(Deserialize)]
    struct Trial {
        tests: Vec<Case>,
        #[serde(default)]
        decision: Option<Value>,
        #[serde(default)]
        explanation: Option<String>,
    }
    #[derive(Deserialize)]
    struct Out {
        diagnostics: Vec<Diag>,
        trial: Option<Trial>,
    }
    let out: Out = c
        .api
        .change(b, Method::POST, "/v1/policies/try", &input, &f.csrf)
        .await?
        .json()?;
    let shown_trial = out.trial.map(|t| TrialShown {
        tests: t
            .tests
            .into_iter()
            .map(|c| (c.name, c.passed, c.failures))
            .collect(),
        decision: t
            .decision
            .as_ref()
            .and_then(|d| d.get("decision"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        explanation: t.explanation.unwrap_or_default(),
    });
    Ok((out.diagnostics.iter().map(shown).collect(), shown_trial))
}

/// Saves a new version (or tries the draft) of policy `id`.
pub async fn save(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<EditForm>,
) -> Response {
    submit(&c, &b, Some(&id), f).await
}

/// Creates a policy from the new-policy editor.
pub async fn create(
    State(c): State<Console>,
    b: Browser,
    axum::Form(f): axum::Form<EditForm>,
) -> Response {
    submit(&c, &b, None, f).await
}

async fn submit(c: &Console, b: &Browser, id: Option<&str>, f: EditForm) -> Response {
    // The page to show again, with the draft as typed.
    let page = |c: &Console, b: &Browser| {
        let (c, b) = (c.clone(), b.clone());
        let id = id.map(str::to_owned);
        async move {
            match id {
                Some(id) => editor(&c, &b, &id, None).await,
                None => Chrome::load(&c.api, &b, "/policies", "New policy")
                    .await
                    .map(EditorPage::blank),
            }
        }
    };
    if f.op == "try" {
        let mut p = match page(c, b).await {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        match trial(c, b, &f).await {
            Ok((diags, t)) => {
                p.diagnostics = diags;
                p.trial = t;
            }
            Err(Failure::Api { body, .. }) => {
                p.chrome.alert = sentence(&body.message);
            }
            Err(e) => return e.into_response(),
        }
        p.body = f.body;
        p.comment = f.comment;
        p.event = f.event;
        p.justification = f.justification;
        return html(&p);
    }
    let input = json!({
        "body": f.body,
        "comment": f.comment,
        "activate": f.activate.is_some(),
    });
    let answer = match id {
        Some(id) => {
            c.api
                .change(
                    b,
                    Method::PUT,
                    &format!("/v1/policies/{}", enc(id)),
                    &input,
                    &f.csrf,
                )
                .await
        }
        None => {
            c.api
                .change(b, Method::POST, "/v1/policies", &input, &f.csrf)
                .await
        }
    };
    let a = match answer {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    if a.status.is_success() {
        #[derive(Deserialize)]
        struct Stored {
            version: StoredVersion,
        }
        #[derive(Deserialize)]
        struct StoredVersion {
            policy_id: String,
        }
        let done = if f.activate.is_some() {
            "activated"
        } else {
            "saved"
        };
        return match a.json::<Stored>() {
            Ok(s) => Redirect::to(&format!(
                "/policies/{}?done={done}",
                enc(&s.version.policy_id)
            ))
            .into_response(),
            Err(e) => e.into_response(),
        };
    }
    let failure = Failure::from_answer(&a);
    if matches!(failure, Failure::SignIn { .. } | Failure::ChangePassword) {
        return failure.into_response();
    }
    let mut p = match page(c, b).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    p.diagnostics = diagnostics_of(&failure);
    p.chrome.alert = sentence(&failure.message());
    p.body = f.body;
    p.comment = f.comment;
    let mut resp = html(&p);
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    resp
}

#[derive(Template)]
#[template(path = "diagnostics.html")]
struct DiagnosticsFragment {
    valid: bool,
    diagnostics: Vec<Shown>,
    rules: usize,
}

#[derive(Deserialize)]
pub struct ValidateForm {
    #[serde(default)]
    csrf: String,
    body: String,
}

/// Validation as you type: the diagnostics of the draft, as a fragment
/// the editor's script puts under the editor.
pub async fn validate(
    State(c): State<Console>,
    b: Browser,
    axum::Form(f): axum::Form<ValidateForm>,
) -> Response {
    #[derive(Deserialize)]
    struct Info {
        rules: usize,
    }
    #[derive(Deserialize)]
    struct Out {
        valid: bool,
        info: Option<Info>,
        diagnostics: Vec<Diag>,
    }
    let out: Out = match c
        .api
        .change(
            &b,
            Method::POST,
            "/v1/policies/validate",
            &json!({"body": f.body}),
            &f.csrf,
        )
        .await
        .and_then(|a| a.json())
    {
        Ok(o) => o,
        Err(e) => return (StatusCode::UNPROCESSABLE_ENTITY, e.message()).into_response(),
    };
    html(&DiagnosticsFragment {
        valid: out.valid,
        rules: out.info.map_or(0, |i| i.rules),
        diagnostics: out.diagnostics.iter().map(shown).collect(),
    })
}

#[derive(Deserialize)]
pub struct ActivateForm {
    #[serde(default)]
    csrf: String,
    version: i64,
}

pub async fn activate(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<ActivateForm>,
) -> Response {
    let uri = format!("/v1/policies/{}/activate", enc(&id));
    match c
        .api
        .change(
            &b,
            Method::POST,
            &uri,
            &json!({"version": f.version}),
            &f.csrf,
        )
        .await
    {
        Ok(a) if a.status.is_success() => {
            Redirect::to(&format!("/policies/{}?done=activated", enc(&id))).into_response()
        }
        Ok(a) => Failure::from_answer(&a).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn rollback(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Response {
    let uri = format!("/v1/policies/{}/rollback", enc(&id));
    match c
        .api
        .change(&b, Method::POST, &uri, &json!({}), &f.csrf)
        .await
    {
        Ok(a) if a.status.is_success() => {
            Redirect::to(&format!("/policies/{}?done=rolled_back", enc(&id))).into_response()
        }
        Ok(a) => Failure::from_answer(&a).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct DiffQ {
    #[serde(default)]
    from: Option<i64>,
    #[serde(default)]
    to: Option<i64>,
}

#[derive(Template)]
#[template(path = "diff.html")]
struct DiffPage {
    chrome: Chrome,
    id: String,
    from: i64,
    to: i64,
    added: usize,
    removed: usize,
    /// (class, text) per line.
    lines: Vec<(&'static str, String)>,
}

pub async fn diff(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    Query(q): Query<DiffQ>,
) -> Response {
    #[derive(Deserialize)]
    struct D {
        from: i64,
        to: i64,
        added_lines: usize,
        removed_lines: usize,
        unified: String,
    }
    let mut uri = format!("/v1/policies/{}/diff?", enc(&id));
    if let Some(f) = q.from {
        uri.push_str(&format!("from={f}&"));
    }
    if let Some(t) = q.to {
        uri.push_str(&format!("to={t}"));
    }
    let d: D = match c.api.get(&b, &uri).await {
        Ok(d) => d,
        Err(e) => return e.returning_to(&b.here).into_response(),
    };
    let chrome = match Chrome::load(&c.api, &b, "/policies", format!("Changes in {id}")).await {
        Ok(ch) => ch,
        Err(e) => return e.into_response(),
    };
    let lines = d
        .unified
        .lines()
        .map(|l| {
            let class = if l.starts_with("+++") || l.starts_with("---") {
                "meta"
            } else if l.starts_with('+') {
                "add"
            } else if l.starts_with('-') {
                "del"
            } else if l.starts_with("@@") {
                "meta"
            } else {
                "same"
            };
            (class, l.to_owned())
        })
        .collect();
    html(&DiffPage {
        chrome,
        id,
        from: d.from,
        to: d.to,
        added: d.added_lines,
        removed: d.removed_lines,
        lines,
    })
}
