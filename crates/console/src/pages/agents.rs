//! Agents and their groups: the policy version each group runs (and
//! whether a newer one is active), the computers with their last contact,
//! and "Update configuration": the group moves to its policy's active
//! version, which its agents fetch, signed, at their next poll.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use cordon_access::{Action, Module};
use serde::Deserialize;
use serde_json::json;

use crate::Console;
use crate::api::{Browser, enc};
use crate::error::Failure;
use crate::page::{Chrome, html};
use crate::text::{When, now_ms};

/// An agent is online when it was heard from within this long (its
/// heartbeat is every minute by default; see docs/agent.md).
const ONLINE_MS: i64 = 5 * 60 * 1000;

#[derive(Deserialize, Clone)]
struct Group {
    name: String,
    #[serde(default)]
    description: String,
    policy_id: String,
    policy_version: i64,
}

#[derive(Deserialize)]
struct Groups {
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Office {
    name: String,
    #[serde(default)]
    description: String,
    computers: i64,
}

#[derive(Deserialize)]
struct Offices {
    offices: Vec<Office>,
}

#[derive(Deserialize)]
struct Computer {
    name: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    office: Option<String>,
    #[serde(default)]
    last_seen_at: Option<i64>,
    /// Its agent's latest heartbeat.
    #[serde(default)]
    agent: Option<AgentReport>,
}

#[derive(Deserialize)]
struct AgentReport {
    version: String,
    #[serde(default)]
    policy_serial: i64,
    #[serde(default)]
    policy_version: i64,
    #[serde(default)]
    spool_pending: u64,
    #[serde(default)]
    spool_dropped: u64,
}

impl AgentReport {
    /// `0.1.0 · policy v3 (serial 1790000000000) · spool 12 KiB`, and the
    /// dropped incidents when there are any.
    fn summary(&self) -> String {
        let policy = if self.policy_serial == 0 {
            "no policy yet".to_owned()
        } else {
            format!(
                "policy v{} (serial {})",
                self.policy_version, self.policy_serial
            )
        };
        let mut s = format!(
            "{} · {policy} · spool {} KiB",
            self.version,
            self.spool_pending.div_ceil(1024)
        );
        if self.spool_dropped > 0 {
            s.push_str(&format!(", {} incidents dropped", self.spool_dropped));
        }
        s
    }
}

#[derive(Deserialize)]
struct Computers {
    computers: Vec<Computer>,
}

#[derive(Deserialize)]
struct Policy {
    id: String,
    #[serde(default)]
    active_version: Option<i64>,
}

#[derive(Deserialize)]
struct Policies {
    policies: Vec<Policy>,
}

pub struct GroupRow {
    pub name: String,
    pub description: String,
    pub policy: String,
    pub version: i64,
    /// The policy's active version when it is not the one the group runs.
    pub newer: String,
    pub members: usize,
}

pub struct ComputerRow {
    pub name: String,
    pub group: String,
    pub office: String,
    pub seen: When,
    pub online: bool,
    /// What its agent last reported (version, policy in force, spool).
    pub agent: String,
}

#[derive(Template)]
#[template(path = "agents.html")]
struct Page {
    chrome: Chrome,
    groups: Vec<GroupRow>,
    computers: Vec<ComputerRow>,
    online: usize,
    can_update: bool,
    /// Computers can be moved between groups and offices.
    can_move: bool,
    /// (name, description, computers)
    offices: Vec<(String, String, i64)>,
    group_names: Vec<String>,
    /// Offices are the Admin tab's.
    can_offices: bool,
}

#[derive(Deserialize)]
pub struct Q {
    #[serde(default)]
    done: Option<String>,
}

async fn active_version(c: &Console, b: &Browser, policy: &str) -> Option<i64> {
    // People without the Policies module see no versions: no hint then.
    let p: Policies = c.api.get(b, "/v1/policies").await.ok()?;
    p.policies
        .into_iter()
        .find(|p| p.id == policy)
        .and_then(|p| p.active_version)
}

pub async fn page(State(c): State<Console>, b: Browser, Query(q): Query<Q>) -> Response {
    let chrome = match Chrome::load(&c.api, &b, "/agents", "Agents and groups").await {
        Ok(ch) => ch
            .with_notice(q.done.as_deref())
            .with_alert(crate::text::sentence(&b.problem)),
        Err(e) => return e.into_response(),
    };
    let groups: Groups = match c.api.get(&b, "/v1/agent-groups").await {
        Ok(g) => g,
        Err(e) => return e.into_response(),
    };
    let computers: Computers = match c.api.get(&b, "/v1/computers").await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let policies: Vec<Policy> = c
        .api
        .get::<Policies>(&b, "/v1/policies")
        .await
        .map(|p| p.policies)
        .unwrap_or_default();
    let now = now_ms();
    let rows: Vec<ComputerRow> = computers
        .computers
        .iter()
        .map(|x| ComputerRow {
            name: x.name.clone(),
            group: x.group.clone().unwrap_or_default(),
            office: x.office.clone().unwrap_or_default(),
            seen: When::opt(x.last_seen_at),
            online: x.last_seen_at.is_some_and(|t| now - t <= ONLINE_MS),
            agent: x
                .agent
                .as_ref()
                .map(AgentReport::summary)
                .unwrap_or_default(),
        })
        .collect();
    let groups: Vec<GroupRow> = groups
        .groups
        .into_iter()
        .map(|g| {
            let active = policies
                .iter()
                .find(|p| p.id == g.policy_id)
                .and_then(|p| p.active_version);
            GroupRow {
                members: rows.iter().filter(|r| r.group == g.name).count(),
                newer: match active {
                    Some(v) if v != g.policy_version => format!("version {v} is active"),
                    _ => String::new(),
                },
                name: g.name,
                description: g.description,
                policy: g.policy_id,
                version: g.policy_version,
            }
        })
        .collect();
    let offices: Vec<(String, String, i64)> = c
        .api
        .get::<Offices>(&b, "/v1/offices")
        .await
        .map(|o| {
            o.offices
                .into_iter()
                .map(|o| (o.name, o.description, o.computers))
                .collect()
        })
        .unwrap_or_default();
    let group_names = groups.iter().map(|g: &GroupRow| g.name.clone()).collect();
    crate::flash::shown(html(&Page {
        can_update: chrome.me.can(Module::Systems, Action::Create),
        can_move: chrome.me.can(Module::Systems, Action::Modify),
        can_offices: chrome.me.admin(),
        online: rows.iter().filter(|r| r.online).count(),
        chrome,
        groups,
        computers: rows,
        offices,
        group_names,
    }))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn update(
    State(c): State<Console>,
    b: Browser,
    Path(name): Path<String>,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Response {
    #[derive(Deserialize)]
    struct One {
        group: Group,
    }
    let uri = format!("/v1/agent-groups/{}", enc(&name));
    let g = match c.api.get::<One>(&b, &uri).await {
        Ok(o) => o.group,
        Err(e) => return e.into_response(),
    };
    let version = active_version(&c, &b, &g.policy_id)
        .await
        .unwrap_or(g.policy_version);
    let input = json!({
        "policy_id": g.policy_id,
        "policy_version": version,
        "description": g.description,
    });
    match c.api.change(&b, Method::PUT, &uri, &input, &f.csrf).await {
        Ok(a) if a.status.is_success() => Redirect::to("/agents?done=updated").into_response(),
        Ok(a) => Failure::from_answer(&a).into_response(),
        Err(e) => e.into_response(),
    }
}

/// After a change on this page: back to it, saying what happened.
fn after(a: Result<crate::api::Answer, Failure>, done: &str) -> Response {
    crate::flash::after_change(a, "/agents", done)
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    office: String,
}

/// Moves a computer to a group and an office (empty: none). Its incidents
/// move with it (scopes read membership when they run).
pub async fn move_computer(
    State(c): State<Console>,
    b: Browser,
    Path(name): Path<String>,
    axum::Form(f): axum::Form<MoveForm>,
) -> Response {
    let uri = format!("/v1/computers/{}", enc(&name));
    #[derive(Deserialize)]
    struct One {
        computer: Kept,
    }
    #[derive(Deserialize)]
    struct Kept {
        #[serde(default)]
        key_id: Option<String>,
    }
    // The key binding stays as it is.
    let key_id = match c.api.get::<One>(&b, &uri).await {
        Ok(o) => o.computer.key_id,
        Err(e) => return e.into_response(),
    };
    let none_if_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let input = json!({
        "group": none_if_empty(&f.group),
        "office": none_if_empty(&f.office),
        "key_id": key_id,
    });
    after(
        c.api.change(&b, Method::PUT, &uri, &input, &f.csrf).await,
        "saved",
    )
}

#[derive(Deserialize)]
pub struct OfficeForm {
    #[serde(default)]
    csrf: String,
    name: String,
    #[serde(default)]
    description: String,
}

/// Adds (or renames the description of) a remote office.
pub async fn put_office(
    State(c): State<Console>,
    b: Browser,
    axum::Form(f): axum::Form<OfficeForm>,
) -> Response {
    let uri = format!("/v1/offices/{}", enc(f.name.trim()));
    let input = json!({"description": f.description});
    after(
        c.api.change(&b, Method::PUT, &uri, &input, &f.csrf).await,
        "created",
    )
}

#[cfg(test)]
mod tests {
    use super::AgentReport;

    #[test]
    fn the_agent_column_says_version_policy_and_backlog() {
        let mut a = AgentReport {
            version: "0.1.0".into(),
            policy_serial: 0,
            policy_version: 0,
            spool_pending: 0,
            spool_dropped: 0,
        };
        assert_eq!(a.summary(), "0.1.0 · no policy yet · spool 0 KiB");
        a.policy_serial = 1_790_000_000_000;
        a.policy_version = 3;
        a.spool_pending = 1025;
        a.spool_dropped = 7;
        assert_eq!(
            a.summary(),
            "0.1.0 · policy v3 (serial 1790000000000) · spool 2 KiB, 7 incidents dropped"
        );
    }
}
