//! What every signed-in page shares: who is signed in, the navigation
//! their role allows, the CSRF token for forms, and a notice.
//!
//! The navigation shows a module only when the role may view it, judged
//! by the same [`cordon_access::authorize`] the API judges with; what is
//! hidden here is refused by the API anyway.

use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use cordon_access::{Action, Levels, Module, Object, Role, Scope, Subject, authorize};
use serde::Deserialize;

use crate::api::{Api, Browser};
use crate::error::Failure;

/// `GET /v1/me`, the parts the console uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    pub account: MeAccount,
    pub role: MeRole,
    pub scope: Scope,
    pub two_factor: MeTwoFactor,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MeAccount {
    pub id: String,
    pub username: String,
    pub super_admin: bool,
    pub must_change_password: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MeRole {
    pub id: String,
    pub name: String,
    pub admin: bool,
    pub levels: Levels,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MeTwoFactor {
    pub mode: String,
    pub totp_enrolled: bool,
}

impl Me {
    fn subject(&self) -> Subject {
        Subject {
            id: self.account.id.clone(),
            role: Role {
                id: self.role.id.clone(),
                name: self.role.name.clone(),
                description: String::new(),
                predefined: false,
                admin: self.role.admin,
                levels: self.role.levels.clone(),
            },
            scope: self.scope.clone(),
            super_admin: self.account.super_admin,
        }
    }

    /// Whether the role may do `action` in `module` at all (what to show;
    /// the API decides each object).
    pub fn can(&self, module: Module, action: Action) -> bool {
        authorize(&self.subject(), action, Object::Module(module)).allowed
    }

    /// The Admin tab.
    pub fn admin(&self) -> bool {
        authorize(&self.subject(), Action::Administer, Object::Admin).allowed
    }
}

/// One link of the navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

/// The frame of a signed-in page.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub user: String,
    pub role: String,
    pub nav: Vec<NavItem>,
    /// For the hidden `csrf` field of every form.
    pub csrf: String,
    /// A confirmation of what was just done (`?done=`), or empty.
    pub notice: String,
    /// A problem to show at the top of the page, or empty.
    pub alert: String,
    pub me: Me,
}

/// The sections of the console, in navigation order, with what makes
/// each visible.
const SECTIONS: &[(&str, &str, Option<Module>)] = &[
    ("Dashboard", "/dashboard", Some(Module::Reports)),
    ("Incidents", "/incidents", Some(Module::Incidents)),
    ("Policies", "/policies", Some(Module::Policies)),
    ("Detectors", "/detectors", Some(Module::Classification)),
    ("Agents", "/agents", Some(Module::Systems)),
    ("Audit", "/audit", Some(Module::Audit)),
    // Alerts, response rules, plug-ins and the share crawler are Admin
    // tab routes in the API: shown to whoever may see the Admin tab.
    ("Alerts", "/alerts", None),
    ("Administration", "/admin", None),
];

impl Chrome {
    /// The frame for the page `current` (a navigation href), titled
    /// `title`, for the signed-in person behind `browser`.
    pub async fn load(
        api: &Api,
        browser: &Browser,
        current: &str,
        title: impl Into<String>,
    ) -> Result<Chrome, Failure> {
        if !browser.has_session {
            return Err(Failure::SignIn {
                next: browser.here.clone(),
            });
        }
        let me: Me = api
            .get(browser, "/v1/me")
            .await
            .map_err(|f| f.returning_to(&browser.here))?;
        if me.account.must_change_password {
            return Err(Failure::ChangePassword);
        }
        let nav = SECTIONS
            .iter()
            .filter(|(_, _, module)| match module {
                Some(m) => me.can(*m, Action::View),
                None => me.admin(),
            })
            .map(|(label, href, _)| NavItem {
                label,
                href,
                current: *href == current,
            })
            .collect();
        Ok(Chrome {
            title: title.into(),
            user: me.account.username.clone(),
            role: me.role.name.clone(),
            nav,
            csrf: browser.csrf.clone(),
            notice: String::new(),
            alert: String::new(),
            me,
        })
    }

    pub fn with_notice(mut self, notice: Option<&str>) -> Chrome {
        self.notice = notice.map(notice_text).unwrap_or_default().to_owned();
        self
    }

    pub fn with_alert(mut self, alert: impl Into<String>) -> Chrome {
        self.alert = alert.into();
        self
    }
}

/// The confirmations a redirect may ask for with `?done=`: fixed texts,
/// so a link cannot put words in the console's mouth.
fn notice_text(code: &str) -> &'static str {
    match code {
        "status" => "The status was changed.",
        "bulk" => "The selected incidents were changed.",
        "saved" => "Saved.",
        "activated" => "The policy version is now active.",
        "rolled_back" => "The policy was rolled back.",
        "created" => "Created.",
        "deleted" => "Deleted.",
        "revoked" => "Revoked.",
        "password" => "Your password was changed.",
        "signed_out_all" => "Every other session and remembered browser was signed out.",
        "settings" => "The settings were saved.",
        "reset" => "Done.",
        "updated" => "The group will fetch its configuration at its next poll.",
        "test_delivered" => "The test alert was delivered.",
        "retried" => "The delivery is pending again and due now.",
        "uninstalled" => "The plug-in was uninstalled.",
        "crawled" => "The crawl ran.",
        _ => "",
    }
}

/// A rendered page, as an HTML response.
pub fn html(t: &impl Template) -> Response {
    match t.render() {
        Ok(body) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            Html(body),
        )
            .into_response(),
        Err(e) => Failure::Internal(format!("a template failed: {e}")).into_response(),
    }
}
