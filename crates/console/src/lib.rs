//! The web console of `cordon serve`: server-rendered HTML pages at `/`,
//! in the same binary as the API, with no build step and nothing fetched
//! from the internet (one stylesheet and one small script, embedded).
//!
//! The console is the API's first client. [`app`] wraps the API router:
//! the console's pages answer their own paths, everything else (`/v1/…`,
//! `/healthz`, …) goes to the API untouched. A page is made from API
//! answers fetched in-process with the browser's own cookies ([`api`]),
//! and a form's change is an API call with the form's CSRF token, so the
//! API's checks — session, CSRF and origin, route table, role and scope —
//! decide what a person sees and does here, exactly as over HTTP. The
//! navigation and buttons shown follow the same permission function
//! ([`cordon_access::authorize`]), so what a role may not do is not even
//! offered.
//!
//! - [`api`]: the in-process client and what it forwards of the browser.
//! - [`page`]: the frame of a signed-in page (who, navigation, CSRF).
//! - `pages`: one module per section (login, dashboard, incidents,
//!   policies, detectors, agents, audit, alerts and the share crawler,
//!   administration, account).
//! - [`svg`]: the dashboard's charts as inline SVG.

pub mod api;
pub mod error;
pub mod flash;
pub mod page;
mod pages;
pub mod svg;
pub mod text;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use api::{Api, Browser};
use page::Chrome;

/// What every console handler shares: the API to call.
#[derive(Clone)]
pub struct Console {
    pub api: Api,
}

/// The content security policy of console pages: this site's own
/// stylesheet, script, forms and images (the QR code and charts are inline
/// SVG), nothing else; no inline script.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

async fn headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages show incidents and masked findings: never stored.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

const CSS: &str = include_str!("../static/console.css");
const JS: &str = include_str!("../static/console.js");

async fn asset(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "console.css" => (CSS, "text/css; charset=utf-8"),
        "console.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// `/`: the first section the person may see.
async fn home(State(c): State<Console>, b: Browser) -> Response {
    match Chrome::load(&c.api, &b, "/", "Cordon").await {
        Ok(ch) => {
            let to = ch.nav.first().map_or("/account", |n| n.href);
            let done = b.here.split_once('?').map(|(_, q)| q).unwrap_or_default();
            if done.is_empty() {
                Redirect::to(to).into_response()
            } else {
                Redirect::to(&format!("{to}?{done}")).into_response()
            }
        }
        Err(e) => e.into_response(),
    }
}

/// The console's routes over `api`, the API router: console paths are
/// answered here, every other path by the API.
pub fn app(api: Router) -> Router {
    use pages::{
        account, admin, agents, alerts, audit, baseline, crawler, dashboard, detectors, incidents,
        login, policies,
    };
    let console = Console {
        api: Api::new(api.clone()),
    };
    Router::new()
        .route("/", get(home))
        .route("/static/{name}", get(asset))
        .route("/login", get(login::form).post(login::submit))
        .route("/login/2fa", post(login::code))
        .route("/login/resend", post(login::resend))
        .route("/logout", post(login::logout))
        .route("/logout-all", post(login::logout_all))
        .route("/password", get(login::password_form).post(login::password))
        .route("/account", get(account::page))
        .route("/dashboard", get(dashboard::page))
        .route("/incidents", get(incidents::list))
        .route("/incidents/export.csv", get(incidents::export))
        .route("/incidents/bulk", post(incidents::bulk))
        .route("/incidents/{id}", get(incidents::detail))
        .route("/incidents/{id}/status", post(incidents::status))
        .route("/incidents/{id}/shadow", get(incidents::shadow))
        .route("/policies", get(policies::list).post(policies::create))
        .route("/policies/new", get(policies::new))
        .route("/policies/validate", post(policies::validate))
        .route("/policies/{id}", get(policies::detail).post(policies::save))
        .route("/policies/{id}/activate", post(policies::activate))
        .route("/policies/{id}/rollback", post(policies::rollback))
        .route("/policies/{id}/diff", get(policies::diff))
        .route(
            "/policies/{id}/baseline",
            get(baseline::page).post(baseline::enforce),
        )
        .route("/detectors", get(detectors::page).post(detectors::try_it))
        .route("/agents", get(agents::page))
        .route("/agents/{name}/update", post(agents::update))
        .route("/agents/computers/{name}", post(agents::move_computer))
        .route("/agents/offices", post(agents::put_office))
        .route("/audit", get(audit::page))
        .route("/alerts", get(alerts::home))
        .route("/alerts/sinks", get(alerts::sinks).post(alerts::save_sink))
        .route("/alerts/sinks/{id}/test", post(alerts::test_sink))
        .route("/alerts/sinks/{id}/delete", post(alerts::delete_sink))
        .route(
            "/alerts/responses",
            get(alerts::responses).post(alerts::save_response),
        )
        .route(
            "/alerts/responses/{id}/delete",
            post(alerts::delete_response),
        )
        .route("/alerts/deliveries", get(alerts::deliveries))
        .route(
            "/alerts/deliveries/{id}/retry",
            post(alerts::retry_delivery),
        )
        .route("/alerts/plugins", get(alerts::plugins))
        .route(
            "/alerts/plugins/{name}/delete",
            post(alerts::uninstall_plugin),
        )
        .route("/alerts/crawler", get(crawler::page).post(crawler::save))
        .route("/alerts/crawler/reauth", post(crawler::reauth))
        .route("/alerts/crawler/run", post(crawler::run))
        .route("/alerts/crawler/runs/{id}", get(crawler::run_page))
        .route("/alerts/shares", get(crawler::shares))
        .route("/admin", get(admin::page))
        .route("/admin/users", post(admin::create_user))
        .route("/admin/users/{id}", get(admin::user))
        .route("/admin/users/{id}/delete", post(admin::delete_user))
        .route("/admin/users/{id}/{op}", post(admin::change_user))
        .route("/admin/roles", post(admin::create_role))
        .route("/admin/roles/{id}", get(admin::role))
        .route("/admin/roles/{id}/{op}", post(admin::change_role))
        .route("/admin/keys", post(admin::create_key))
        .route("/admin/keys/{id}/revoke", post(admin::revoke_key))
        .route("/admin/settings", post(admin::settings))
        .route("/admin/reauth", post(admin::reauth))
        .layer(axum::middleware::from_fn(headers))
        .with_state(console)
        .fallback_service(api)
}
