//! Administration (the seed's Admin tab): users with their role and
//! scope, roles with the permission matrix (module × level), API keys,
//! and the sign-in settings (second factor, sessions, lockout). Changes to
//! roles, passwords and second factors need a recent password
//! confirmation (the API's elevation); the page offers it.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cordon_access::{Level, Levels, Module, Scope};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Console;
use crate::api::{Browser, enc};
use crate::error::Failure;
use crate::page::{Chrome, html};
use crate::text::{When, now_ms, sentence};

#[derive(Deserialize)]
struct Account {
    id: String,
    username: String,
    auth: String,
    #[serde(default)]
    email: Option<String>,
    role: String,
    scope: Scope,
    super_admin: bool,
    disabled: bool,
}

#[derive(Deserialize)]
struct Accounts {
    accounts: Vec<Account>,
}

#[derive(Deserialize, Clone)]
struct RoleDef {
    id: String,
    name: String,
    predefined: bool,
    levels: Levels,
    holders: i64,
}

#[derive(Deserialize)]
struct Roles {
    roles: Vec<RoleDef>,
}

#[derive(Deserialize)]
struct Key {
    id: String,
    name: String,
    role: String,
    #[serde(default)]
    owner: Option<String>,
    created_at: i64,
    #[serde(default)]
    revoked_at: Option<i64>,
}

#[derive(Deserialize)]
struct Keys {
    keys: Vec<Key>,
}

pub struct UserRow {
    pub id: String,
    pub username: String,
    pub auth: String,
    pub email: String,
    pub role: String,
    pub scope: String,
    pub note: String,
}

pub struct RoleRow {
    pub id: String,
    pub name: String,
    pub predefined: bool,
    pub holders: i64,
    /// Level per module, in [`MODULES`] order.
    pub levels: Vec<&'static str>,
}

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub role: String,
    pub owner: String,
    pub created: When,
}

/// The modules, in the order of the seed's table.
pub const MODULES: &[(Module, &str)] = &[
    (Module::Classification, "Data classification"),
    (Module::Policies, "Policies"),
    (Module::FalsePositives, "False positives"),
    (Module::Incidents, "Incidents"),
    (Module::Justifications, "Justifications"),
    (Module::Systems, "Managed systems"),
    (Module::Reports, "Reports"),
    (Module::Audit, "Audit trail"),
];

const LEVELS: &[(Level, &str)] = &[
    (Level::NoAccess, "No access"),
    (Level::Read, "Read"),
    (Level::Write, "Write"),
    (Level::FullControl, "Full control"),
];

fn level_name(l: Level) -> &'static str {
    LEVELS.iter().find(|x| x.0 == l).map_or("?", |x| x.1)
}

fn num(v: &Value, k: &str) -> String {
    v.get(k).map(Value::to_string).unwrap_or_default()
}

fn scope_text(s: &Scope) -> String {
    match s {
        Scope::All => "All computers".to_owned(),
        Scope::Groups(g) => format!(
            "Groups: {}",
            g.iter().cloned().collect::<Vec<_>>().join(", ")
        ),
        Scope::Offices(o) => format!(
            "Offices: {}",
            o.iter().cloned().collect::<Vec<_>>().join(", ")
        ),
    }
}

#[derive(Template)]
#[template(path = "admin.html")]
struct Page {
    chrome: Chrome,
    users: Vec<UserRow>,
    roles: Vec<RoleRow>,
    role_choices: Vec<(String, String)>,
    modules: Vec<(String, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
    keys: Vec<KeyRow>,
    remember_days: String,
    idle_minutes: String,
    absolute_hours: String,
    two_factor: String,
    elevated: bool,
    new_secret: String,
}

#[derive(Deserialize)]
pub struct Q {
    #[serde(default)]
    done: Option<String>,
}

#[derive(Deserialize)]
struct MeSession {
    #[serde(default)]
    elevated_until: Option<i64>,
}

#[derive(Deserialize)]
struct MeWithSession {
    #[serde(default)]
    session: Option<MeSession>,
}

async fn page_with(
    c: &Console,
    b: &Browser,
    notice: Option<&str>,
    alert: String,
    new_secret: String,
) -> Result<Response, Failure> {
    let chrome = Chrome::load(&c.api, b, "/admin", "Administration")
        .await?
        .with_notice(notice)
        .with_alert(alert);
    if !chrome.me.admin() {
        return Err(Failure::Forbidden(
            "the Admin tab is for administrators".to_owned(),
        ));
    }
    let accounts: Accounts = c.api.get(b, "/v1/users").await?;
    let roles: Roles = c.api.get(b, "/v1/roles").await?;
    let keys: Keys = c.api.get(b, "/v1/keys").await?;
    let settings: Value = c.api.get(b, "/v1/settings/login").await?;
    let me: MeWithSession = c.api.get(b, "/v1/me").await?;
    let role_name = |id: &str| {
        roles
            .roles
            .iter()
            .find(|r| r.id == id)
            .map_or_else(|| id.to_owned(), |r| r.name.clone())
    };
    let users = accounts
        .accounts
        .iter()
        .map(|a| UserRow {
            id: a.id.clone(),
            username: a.username.clone(),
            auth: a.auth.clone(),
            email: a.email.clone().unwrap_or_default(),
            role: role_name(&a.role),
            scope: scope_text(&a.scope),
            note: match (a.super_admin, a.disabled) {
                (true, _) => "super admin".to_owned(),
                (_, true) => "disabled".to_owned(),
                _ => String::new(),
            },
        })
        .collect();
    let role_rows = roles
        .roles
        .iter()
        .map(|r| RoleRow {
            id: r.id.clone(),
            name: r.name.clone(),
            predefined: r.predefined,
            holders: r.holders,
            levels: MODULES
                .iter()
                .map(|(m, _)| level_name(r.levels.get(*m)))
                .collect(),
        })
        .collect();
    let keys = keys
        .keys
        .into_iter()
        .filter(|k| k.revoked_at.is_none())
        .map(|k| KeyRow {
            id: k.id,
            name: k.name,
            role: k.role,
            owner: k.owner.unwrap_or_default(),
            created: When::of(k.created_at),
        })
        .collect();
    let two_factor = settings
        .get("two_factor")
        .and_then(Value::as_str)
        .unwrap_or("off")
        .to_owned();
    let elevated = me
        .session
        .and_then(|s| s.elevated_until)
        .is_some_and(|t| t > now_ms());
    Ok(html(&Page {
        chrome,
        users,
        roles: role_rows,
        role_choices: roles
            .roles
            .iter()
            .map(|r| (r.id.clone(), r.name.clone()))
            .collect(),
        modules: MODULES
            .iter()
            .map(|(m, l)| (m.as_str().to_owned(), *l))
            .collect(),
        levels: LEVELS.iter().map(|(l, n)| (l.as_str(), *n)).collect(),
        keys,
        remember_days: num(&settings, "remember_days"),
        idle_minutes: num(&settings, "session_idle_minutes"),
        absolute_hours: num(&settings, "session_absolute_hours"),
        two_factor,
        elevated,
        new_secret,
    }))
}

pub async fn page(State(c): State<Console>, b: Browser, Query(q): Query<Q>) -> Response {
    // What a change the API refused ran into, carried by the flash cookie.
    let alert = sentence(&b.problem);
    match page_with(&c, &b, q.done.as_deref(), alert, String::new()).await {
        Ok(r) => crate::flash::shown(r),
        Err(e) => e.returning_to(&b.here).into_response(),
    }
}

/// After a change: back to the page, saying what happened.
fn after(a: Result<crate::api::Answer, Failure>, done: &str) -> Response {
    crate::flash::after_change(a, "/admin", done)
}

fn pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(p: &'a [(String, String)], k: &str) -> &'a str {
    p.iter()
        .find(|(x, _)| x == k)
        .map_or("", |(_, v)| v.as_str())
}

fn scope_of(p: &[(String, String)]) -> Scope {
    let names = |k: &str| -> std::collections::BTreeSet<String> {
        field(p, k)
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    match field(p, "scope") {
        "groups" => Scope::Groups(names("scope_names")),
        "offices" => Scope::Offices(names("scope_names")),
        _ => Scope::All,
    }
}

pub async fn create_user(State(c): State<Console>, b: Browser, body: Bytes) -> Response {
    let p = pairs(&body);
    let mut input = json!({
        "username": field(&p, "username"),
        "role": field(&p, "role"),
        "scope": scope_of(&p),
        "auth": if field(&p, "auth") == "directory" { "directory" } else { "local" },
    });
    for k in ["email", "password"] {
        if !field(&p, k).is_empty() {
            input[k] = json!(field(&p, k));
        }
    }
    let a = c
        .api
        .change(&b, Method::POST, "/v1/users", &input, field(&p, "csrf"))
        .await;
    after(a, "created")
}

/// `DELETE uri` with the form's CSRF token, then back to the page.
async fn delete(c: &Console, b: &Browser, uri: &str, body: &[u8], done: &str) -> Response {
    let p = pairs(body);
    let a = c
        .api
        .call(b, Method::DELETE, uri, None::<&()>, Some(field(&p, "csrf")))
        .await;
    after(a, done)
}

pub async fn delete_user(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    delete(&c, &b, &format!("/v1/users/{}", enc(&id)), &body, "deleted").await
}

/// A role's id from its name: `Data auditors` → `data-auditors` (the API
/// wants 1–64 of `a-z0-9-_`, starting with a letter).
pub fn role_id(name: &str) -> String {
    let mut id = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
        if id.len() >= 60 {
            break;
        }
    }
    let id = id.trim_end_matches('-');
    if id.starts_with(|c: char| c.is_ascii_lowercase()) {
        id.to_owned()
    } else {
        format!("role-{id}").trim_end_matches('-').to_owned()
    }
}

/// The levels chosen in a role form (`level_<module>`).
fn levels_of(p: &[(String, String)]) -> Levels {
    let mut levels = Levels::default();
    for (m, _) in MODULES {
        let chosen = field(p, &format!("level_{}", m.as_str()));
        if let Some((l, _)) = LEVELS.iter().find(|(l, _)| l.as_str() == chosen) {
            levels.set(*m, *l);
        }
    }
    levels
}

pub async fn create_role(State(c): State<Console>, b: Browser, body: Bytes) -> Response {
    let p = pairs(&body);
    let input = json!({
        "id": role_id(field(&p, "name")),
        "name": field(&p, "name"),
        "description": field(&p, "description"),
        "levels": levels_of(&p),
    });
    let a = c
        .api
        .change(&b, Method::POST, "/v1/roles", &input, field(&p, "csrf"))
        .await;
    after(a, "created")
}

pub async fn create_key(State(c): State<Console>, b: Browser, body: Bytes) -> Response {
    let p = pairs(&body);
    let input = json!({
        "name": field(&p, "name"),
        "role": if field(&p, "role") == "admin" { "admin" } else { "client" },
    });
    let a = c
        .api
        .change(&b, Method::POST, "/v1/keys", &input, field(&p, "csrf"))
        .await;
    match a {
        // The secret is shown once, on this answer only.
        Ok(a) if a.status.is_success() => {
            let secret = a
                .json::<Value>()
                .ok()
                .and_then(|v| v.get("secret").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_default();
            match page_with(&c, &b, Some("created"), String::new(), secret).await {
                Ok(r) => r,
                Err(e) => e.into_response(),
            }
        }
        other => after(other, "created"),
    }
}

pub async fn revoke_key(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    delete(&c, &b, &format!("/v1/keys/{}", enc(&id)), &body, "revoked").await
}

pub async fn settings(State(c): State<Console>, b: Browser, body: Bytes) -> Response {
    let p = pairs(&body);
    let mut current: Value = match c.api.get(&b, "/v1/settings/login").await {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let tf = field(&p, "two_factor");
    if ["off", "email", "totp"].contains(&tf) {
        current["two_factor"] = json!(tf);
    }
    for k in [
        "remember_days",
        "session_idle_minutes",
        "session_absolute_hours",
        "elevation_minutes",
    ] {
        if let Ok(n) = field(&p, k).trim().parse::<u32>() {
            current[k] = json!(n);
        }
    }
    let a = c
        .api
        .change(
            &b,
            Method::PUT,
            "/v1/settings/login",
            &current,
            field(&p, "csrf"),
        )
        .await;
    after(a, "settings")
}

/// Confirms the password (elevation) for the dangerous changes.
pub async fn reauth(State(c): State<Console>, b: Browser, body: Bytes) -> Response {
    confirm_password(&c, &b, &body, "/admin").await
}

/// `POST /v1/auth/reauth` with the form's password (and code), then back
/// to `page` saying how it went. Other pages with elevated changes (the
/// share crawler's enforce mode) offer the same form.
pub(crate) async fn confirm_password(
    c: &Console,
    b: &Browser,
    body: &[u8],
    page: &str,
) -> Response {
    let p = pairs(body);
    let mut input = json!({"password": field(&p, "password")});
    if !field(&p, "code").is_empty() {
        input["code"] = json!(field(&p, "code"));
    }
    let a = c
        .api
        .change(
            b,
            Method::POST,
            "/v1/auth/reauth",
            &input,
            field(&p, "csrf"),
        )
        .await;
    match a {
        Ok(a) if a.status.is_success() => {
            // A second factor may be asked for: say so.
            let v = a.json::<Value>().unwrap_or_default();
            if v.get("elevated_until").is_some() {
                Redirect::to(&format!("{page}?done=reset")).into_response()
            } else {
                crate::flash::redirect(
                    page,
                    "enter the code from your authenticator with your password",
                )
            }
        }
        Ok(a) if a.status == StatusCode::UNAUTHORIZED || a.status == StatusCode::FORBIDDEN => {
            let message = serde_json::from_slice::<crate::error::ApiErrorBody>(&a.body)
                .map(|e| e.message)
                .unwrap_or_default();
            crate::flash::redirect(page, &message)
        }
        other => crate::flash::after_change(other, page, "reset"),
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    chrome: Chrome,
    id: String,
    username: String,
    email: String,
    role: String,
    scope_kind: &'static str,
    scope_names: String,
    disabled: bool,
    super_admin: bool,
    totp_enrolled: bool,
    locked_until: When,
    last_login: When,
    role_choices: Vec<(String, String)>,
    elevated: bool,
}

#[derive(Deserialize)]
struct FullAccount {
    id: String,
    username: String,
    #[serde(default)]
    email: Option<String>,
    role: String,
    scope: Scope,
    super_admin: bool,
    disabled: bool,
    totp_enrolled: bool,
    #[serde(default)]
    locked_until: Option<i64>,
    #[serde(default)]
    last_login_at: Option<i64>,
}

#[derive(Deserialize)]
struct OneAccount {
    account: FullAccount,
}

/// One user: role, scope, enabled; reset password, second factor, unlock.
pub async fn user(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> Response {
    let one: OneAccount = match c.api.get(&b, &format!("/v1/users/{}", enc(&id))).await {
        Ok(a) => a,
        Err(e) => return e.returning_to(&b.here).into_response(),
    };
    let roles: Roles = match c.api.get(&b, "/v1/roles").await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let me: MeWithSession = match c.api.get(&b, "/v1/me").await {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    let a = one.account;
    let chrome = match Chrome::load(&c.api, &b, "/admin", format!("User {}", a.username)).await {
        Ok(ch) => ch
            .with_notice(q.done.as_deref())
            .with_alert(sentence(&b.problem)),
        Err(e) => return e.into_response(),
    };
    let (scope_kind, scope_names) = match &a.scope {
        Scope::All => ("all", String::new()),
        Scope::Groups(g) => ("groups", g.iter().cloned().collect::<Vec<_>>().join(", ")),
        Scope::Offices(o) => ("offices", o.iter().cloned().collect::<Vec<_>>().join(", ")),
    };
    crate::flash::shown(html(&UserPage {
        chrome,
        id: a.id,
        username: a.username,
        email: a.email.unwrap_or_default(),
        role: a.role,
        scope_kind,
        scope_names,
        disabled: a.disabled,
        super_admin: a.super_admin,
        totp_enrolled: a.totp_enrolled,
        locked_until: When::opt(a.locked_until.filter(|t| *t > now_ms())),
        last_login: When::opt(a.last_login_at),
        role_choices: roles
            .roles
            .iter()
            .map(|r| (r.id.clone(), r.name.clone()))
            .collect(),
        elevated: me
            .session
            .and_then(|s| s.elevated_until)
            .is_some_and(|t| t > now_ms()),
    }))
}

/// After a change of one user: back to their page, saying what happened.
fn after_user(id: &str, a: Result<crate::api::Answer, Failure>, done: &str) -> Response {
    crate::flash::after_change(a, &format!("/admin/users/{}", enc(id)), done)
}

/// `op`: `update` (role, scope, e-mail, enabled), `password`, `reset-2fa`
/// or `unlock`.
pub async fn change_user(
    State(c): State<Console>,
    b: Browser,
    Path((id, op)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let p = pairs(&body);
    let csrf = field(&p, "csrf");
    let base = format!("/v1/users/{}", enc(&id));
    let a = match op.as_str() {
        "update" => {
            let mut patch = json!({
                "role": field(&p, "role"),
                "scope": scope_of(&p),
                "disabled": field(&p, "disabled") == "1",
            });
            let email = field(&p, "email").trim();
            patch["email"] = if email.is_empty() {
                Value::Null
            } else {
                json!(email)
            };
            c.api.change(&b, Method::PATCH, &base, &patch, csrf).await
        }
        "password" => {
            let input = json!({"password": field(&p, "password")});
            c.api
                .change(&b, Method::POST, &format!("{base}/password"), &input, csrf)
                .await
        }
        "reset-2fa" | "unlock" => {
            c.api
                .change(&b, Method::POST, &format!("{base}/{op}"), &json!({}), csrf)
                .await
        }
        _ => return Failure::NotFound(format!("no such change `{op}`")).into_response(),
    };
    after_user(&id, a, "saved")
}

#[derive(Template)]
#[template(path = "role.html")]
struct RolePage {
    chrome: Chrome,
    id: String,
    name: String,
    description: String,
    predefined: bool,
    holders: i64,
    /// (module id, label, chosen level id)
    modules: Vec<(String, &'static str, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize)]
struct OneRole {
    role: RoleDefFull,
}

#[derive(Deserialize)]
struct RoleDefFull {
    id: String,
    name: String,
    #[serde(default)]
    description: String,
    predefined: bool,
    levels: Levels,
    holders: i64,
}

/// One role: its levels per module, to change; delete when nobody has it.
pub async fn role(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> Response {
    let one: OneRole = match c.api.get(&b, &format!("/v1/roles/{}", enc(&id))).await {
        Ok(r) => r,
        Err(e) => return e.returning_to(&b.here).into_response(),
    };
    let r = one.role;
    let chrome = match Chrome::load(&c.api, &b, "/admin", format!("Role {}", r.name)).await {
        Ok(ch) => ch
            .with_notice(q.done.as_deref())
            .with_alert(sentence(&b.problem)),
        Err(e) => return e.into_response(),
    };
    crate::flash::shown(html(&RolePage {
        chrome,
        modules: MODULES
            .iter()
            .map(|(m, l)| (m.as_str().to_owned(), *l, r.levels.get(*m).as_str()))
            .collect(),
        levels: LEVELS.iter().map(|(l, n)| (l.as_str(), *n)).collect(),
        id: r.id,
        name: r.name,
        description: r.description,
        predefined: r.predefined,
        holders: r.holders,
    }))
}

/// `op`: `update` (name, description, levels) or `delete`.
pub async fn change_role(
    State(c): State<Console>,
    b: Browser,
    Path((id, op)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let p = pairs(&body);
    let uri = format!("/v1/roles/{}", enc(&id));
    let page = format!("/admin/roles/{}", enc(&id));
    let a = match op.as_str() {
        "update" => {
            let input = json!({
                "name": field(&p, "name"),
                "description": field(&p, "description"),
                "levels": levels_of(&p),
            });
            c.api
                .change(&b, Method::PUT, &uri, &input, field(&p, "csrf"))
                .await
        }
        "delete" => {
            let a = c
                .api
                .call(
                    &b,
                    Method::DELETE,
                    &uri,
                    None::<&()>,
                    Some(field(&p, "csrf")),
                )
                .await;
            return after(a, "deleted");
        }
        _ => return Failure::NotFound(format!("no such change `{op}`")).into_response(),
    };
    crate::flash::after_change(a, &page, "saved")
}

#[cfg(test)]
mod tests {
    use super::role_id;

    #[test]
    fn role_ids_from_names() {
        assert_eq!(role_id("Data auditors"), "data-auditors");
        assert_eq!(role_id("  Ünïcode & co  "), "n-code-co");
        assert_eq!(role_id("2nd line"), "role-2nd-line");
        assert_eq!(role_id("!!!"), "role");
        assert!(role_id(&"x".repeat(200)).len() <= 64);
    }
}
