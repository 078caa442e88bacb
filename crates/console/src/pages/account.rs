//! The signed-in person's own page: who they are, their sessions and
//! remembered browsers, change password, sign out everywhere.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::Console;
use crate::api::Browser;
use crate::page::{Chrome, html};
use crate::text::When;

#[derive(Deserialize)]
struct Session {
    created_at: i64,
    #[serde(default)]
    ip: String,
    #[serde(default)]
    user_agent: String,
    #[serde(default)]
    current: bool,
}

#[derive(Deserialize)]
struct Sessions {
    sessions: Vec<Session>,
}

pub struct Row {
    pub since: When,
    pub from: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct Page {
    chrome: Chrome,
    sessions: Vec<Row>,
    two_factor: String,
}

#[derive(Deserialize)]
pub struct Q {
    #[serde(default)]
    done: Option<String>,
}

pub async fn page(State(c): State<Console>, b: Browser, Query(q): Query<Q>) -> Response {
    let chrome = match Chrome::load(&c.api, &b, "/account", "Your account").await {
        Ok(ch) => ch.with_notice(q.done.as_deref()),
        Err(e) => return e.into_response(),
    };
    let sessions: Sessions = match c.api.get(&b, "/v1/me/sessions").await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let two_factor = match (
        chrome.me.two_factor.mode.as_str(),
        chrome.me.two_factor.totp_enrolled,
    ) {
        ("totp", true) => "Authenticator app (enrolled)",
        ("totp", false) => "Authenticator app (you enrol at your next sign-in)",
        ("email", _) => "A code by e-mail",
        _ => "Password only",
    }
    .to_owned();
    html(&Page {
        sessions: sessions
            .sessions
            .into_iter()
            .map(|s| Row {
                since: When::of(s.created_at),
                from: format!(
                    "{} {}",
                    s.ip,
                    s.user_agent.chars().take(60).collect::<String>()
                ),
                current: s.current,
            })
            .collect(),
        two_factor,
        chrome,
    })
}
