//! The one route table: method, path, required access and handler. The
//! router, the authentication middleware, the OpenAPI test and the access
//! test are all built from it, so no route exists without an access level.

use axum::Router;
use axum::http::Method;
use axum::routing::MethodRouter;

use cordon_access::{Action, Module};

use crate::api;
use crate::state::AppState;

/// Who may call a route. Every route in [`routes`] names one; a route
/// cannot be registered without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No key: liveness, readiness and the API description only.
    Public,
    /// Any valid key (machines: agents and gateways) or administrator:
    /// decide, inspect, justify, poll, metrics.
    Machine,
    /// What [`Access::Machine`] takes, or an agent group's enrolment token
    /// (`cordon_enrol_…`), which the handler checks itself: enrolment only.
    Enrol,
    /// Any person signed in, or a key acting for one, whatever the role:
    /// their own profile, sessions and sign-out.
    Person,
    /// An administrator's action on a module, as
    /// [`cordon_access::authorize`] answers for the caller's role; the
    /// handler asks again about the object itself (its owner and targets).
    Module(Module, Action),
    /// The Admin tab: users, roles, scopes, remote offices, keys, settings.
    Admin,
    /// The super admin only: handing the super admin over.
    SuperAdmin,
}

impl Access {
    /// A short name for tables and logs: `public`, `machine`,
    /// `policies:modify`, `admin`.
    pub fn label(self) -> String {
        match self {
            Access::Public => "public".to_owned(),
            Access::Machine => "machine".to_owned(),
            Access::Enrol => "machine_or_enrolment_token".to_owned(),
            Access::Person => "person".to_owned(),
            Access::Module(m, a) => format!("{m}:{}", action_name(a)),
            Access::Admin => "admin".to_owned(),
            Access::SuperAdmin => "super_admin".to_owned(),
        }
    }
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::View => "view",
        Action::Create => "create",
        Action::Modify => "modify",
        Action::Delete => "delete",
        Action::Clone => "clone",
        Action::Administer => "administer",
        Action::TransferSuperAdmin => "transfer_super_admin",
    }
}

/// One row of the route table.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// The route table: method, path, required access, handler.
pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use Access::{Admin, Machine, Person, Public};
    use Action::{Create, Delete, Modify, View};
    use Module::{Audit, Classification, Incidents, Justifications, Policies, Reports, Systems};
    let on = Access::Module;
    use api::{
        agent_link, agent_tasks, agents, audit, computers, dashboard, decide, detectors, enrolment,
        exceptions, incidents, inspect, keys, ops, policies, roles, shadows, users,
    };
    use api::{alerts, auth, me, plugins, shares, twofactor};
    use axum::routing::{delete, get, patch, post, put};
    let r = |method: Method, path: &'static str, access: Access, mr: MethodRouter<AppState>| {
        (
            RouteSpec {
                method,
                path,
                access,
            },
            mr,
        )
    };
    #[rustfmt::skip]
    let table = vec![
        r(Method::GET, "/healthz", Public, get(ops::healthz)),
        r(Method::GET, "/readyz", Public, get(ops::readyz)),
        r(Method::GET, "/openapi.json", Public, get(ops::openapi)),
        r(Method::GET, "/metrics", Machine, get(ops::metrics)),
        r(Method::POST, "/v1/decide", Machine, post(decide::decide)),
        r(Method::POST, "/v1/inspect", Machine, post(inspect::inspect)),
        r(Method::POST, "/v1/exceptions", Machine, post(exceptions::submit)),
        r(Method::GET, "/v1/exceptions", on(Justifications, View), get(exceptions::list)),
        r(Method::GET, "/v1/agent/policy", Machine, get(agents::policy)),
        r(Method::POST, "/v1/agent/enroll", Access::Enrol, post(agent_link::enroll)),
        r(Method::GET, "/v1/agent/bundle", Machine, get(agent_link::bundle)),
        r(Method::POST, "/v1/agent/heartbeat", Machine, post(agent_link::heartbeat)),
        r(Method::POST, "/v1/agent/incidents", Machine, post(agent_link::incidents)),
        r(Method::PUT, "/v1/agent/shadows/{id}", Machine, put(shadows::upload)),
        r(Method::GET, "/v1/agent/tasks", Machine, get(agent_tasks::tasks)),
        r(Method::POST, "/v1/agent/tasks/{id}", Machine, post(agent_tasks::report)),
        r(Method::GET, "/v1/agent/plugins/{name}", Machine, get(agent_tasks::package)),
        r(Method::GET, "/v1/policies", on(Policies, View), get(policies::list)),
        r(Method::POST, "/v1/policies", on(Policies, Create), post(policies::create)),
        r(Method::POST, "/v1/policies/validate", on(Policies, View), post(policies::validate)),
        r(Method::POST, "/v1/policies/try", on(Policies, View), post(policies::try_draft)),
        r(Method::GET, "/v1/policies/{id}", on(Policies, View), get(policies::get)),
        r(Method::PUT, "/v1/policies/{id}", on(Policies, Modify), put(policies::update)),
        r(Method::GET, "/v1/policies/{id}/versions", on(Policies, View), get(policies::list_versions)),
        r(Method::GET, "/v1/policies/{id}/versions/{version}", on(Policies, View), get(policies::get_version)),
        r(Method::POST, "/v1/policies/{id}/activate", on(Policies, Modify), post(policies::activate)),
        r(Method::POST, "/v1/policies/{id}/rollback", on(Policies, Modify), post(policies::rollback)),
        r(Method::GET, "/v1/policies/{id}/diff", on(Policies, View), get(policies::diff)),
        r(Method::GET, "/v1/policies/{id}/baseline", on(Policies, View), get(policies::baseline)),
        r(Method::GET, "/v1/incidents", on(Incidents, View), get(incidents::list)),
        r(Method::GET, "/v1/incidents/rule-counts", on(Incidents, View), get(incidents::rule_counts)),
        r(Method::GET, "/v1/incidents/{id}", on(Incidents, View), get(incidents::get)),
        r(Method::POST, "/v1/incidents/{id}/status", on(Incidents, Modify), post(incidents::set_status)),
        r(Method::GET, "/v1/incidents/{id}/shadow", on(Incidents, Modify), get(shadows::download)),
        r(Method::GET, "/v1/dashboard", on(Reports, View), get(dashboard::dashboard)),
        r(Method::GET, "/v1/agent-groups", on(Systems, View), get(agents::list_groups)),
        r(Method::GET, "/v1/agent-groups/{name}", on(Systems, View), get(agents::get_group)),
        r(Method::PUT, "/v1/agent-groups/{name}", on(Systems, Create), put(agents::put_group)),
        r(Method::DELETE, "/v1/agent-groups/{name}", on(Systems, Delete), delete(agents::delete_group)),
        r(Method::GET, "/v1/agent-groups/{name}/enrolment-tokens", on(Systems, View), get(enrolment::list)),
        r(Method::POST, "/v1/agent-groups/{name}/enrolment-tokens", on(Systems, Modify), post(enrolment::create)),
        r(Method::DELETE, "/v1/agent-groups/{name}/enrolment-tokens/{id}", on(Systems, Modify), delete(enrolment::revoke)),
        r(Method::GET, "/v1/computers", on(Systems, View), get(computers::list)),
        r(Method::GET, "/v1/computers/{name}", on(Systems, View), get(computers::get)),
        r(Method::PUT, "/v1/computers/{name}", on(Systems, Modify), put(computers::put)),
        r(Method::DELETE, "/v1/computers/{name}", on(Systems, Delete), delete(computers::delete)),
        r(Method::GET, "/v1/offices", on(Systems, View), get(computers::list_offices)),
        r(Method::PUT, "/v1/offices/{name}", Admin, put(computers::put_office)),
        r(Method::DELETE, "/v1/offices/{name}", Admin, delete(computers::delete_office)),
        r(Method::GET, "/v1/users", Admin, get(users::list)),
        r(Method::POST, "/v1/users", Admin, post(users::create)),
        r(Method::GET, "/v1/users/{id}", Admin, get(users::get)),
        r(Method::PATCH, "/v1/users/{id}", Admin, patch(users::update)),
        r(Method::DELETE, "/v1/users/{id}", Admin, delete(users::delete)),
        r(Method::POST, "/v1/users/{id}/password", Admin, post(users::reset_password)),
        r(Method::POST, "/v1/super-admin", Access::SuperAdmin, post(users::transfer_super_admin)),
        r(Method::GET, "/v1/roles", Admin, get(roles::list)),
        r(Method::POST, "/v1/roles", Admin, post(roles::create)),
        r(Method::GET, "/v1/roles/{id}", Admin, get(roles::get)),
        r(Method::PUT, "/v1/roles/{id}", Admin, put(roles::update)),
        r(Method::DELETE, "/v1/roles/{id}", Admin, delete(roles::delete)),
        r(Method::GET, "/v1/audit", on(Audit, View), get(audit::list)),
        r(Method::GET, "/v1/detectors", on(Classification, View), get(detectors::list)),
        r(Method::POST, "/v1/detectors/try", on(Classification, View), post(detectors::try_it)),
        r(Method::GET, "/v1/keys", Admin, get(keys::list)),
        r(Method::POST, "/v1/keys", Admin, post(keys::create)),
        r(Method::DELETE, "/v1/keys/{id}", Admin, delete(keys::revoke)),
        // Sign-in: public, throttled per address by the handlers.
        r(Method::POST, "/v1/auth/login", Public, post(auth::login)),
        r(Method::POST, "/v1/auth/2fa", Public, post(auth::second_factor)),
        r(Method::POST, "/v1/auth/2fa/resend", Public, post(auth::resend)),
        r(Method::GET, "/v1/auth/2fa/enroll", Public, get(auth::enroll)),
        r(Method::POST, "/v1/auth/logout", Person, post(auth::logout)),
        r(Method::POST, "/v1/auth/logout-all", Person, post(auth::logout_all)),
        r(Method::POST, "/v1/auth/reauth", Person, post(auth::reauth)),
        r(Method::GET, "/v1/me", Person, get(me::me)),
        r(Method::GET, "/v1/me/sessions", Person, get(me::sessions)),
        r(Method::DELETE, "/v1/me/sessions/{id}", Person, delete(me::revoke_session)),
        r(Method::GET, "/v1/me/browsers", Person, get(me::browsers)),
        r(Method::DELETE, "/v1/me/browsers/{id}", Person, delete(me::forget_browser)),
        r(Method::POST, "/v1/me/password", Person, post(me::change_password)),
        r(Method::GET, "/v1/settings/login", Admin, get(twofactor::get_settings)),
        r(Method::PUT, "/v1/settings/login", Admin, put(twofactor::put_settings)),
        r(Method::POST, "/v1/users/{id}/reset-2fa", Admin, post(twofactor::reset_two_factor)),
        r(Method::POST, "/v1/users/{id}/unlock", Admin, post(twofactor::unlock)),
        // After a violation: alerts, response rules, plug-ins, deliveries.
        r(Method::GET, "/v1/alerts/sinks", Admin, get(alerts::list_sinks)),
        r(Method::PUT, "/v1/alerts/sinks/{id}", Admin, put(alerts::put_sink)),
        r(Method::DELETE, "/v1/alerts/sinks/{id}", Admin, delete(alerts::delete_sink)),
        r(Method::POST, "/v1/alerts/sinks/{id}/test", Admin, post(alerts::test_sink)),
        r(Method::GET, "/v1/alerts/responses", Admin, get(alerts::list_responses)),
        r(Method::PUT, "/v1/alerts/responses/{id}", Admin, put(alerts::put_response)),
        r(Method::DELETE, "/v1/alerts/responses/{id}", Admin, delete(alerts::delete_response)),
        r(Method::GET, "/v1/deliveries", Admin, get(alerts::list_deliveries)),
        r(Method::GET, "/v1/deliveries/summary", Admin, get(alerts::summary)),
        r(Method::POST, "/v1/deliveries/{id}/retry", Admin, post(alerts::retry)),
        r(Method::GET, "/v1/plugins", Admin, get(plugins::list)),
        r(Method::POST, "/v1/plugins", Admin, post(plugins::install)),
        r(Method::DELETE, "/v1/plugins/{name}", Admin, delete(plugins::uninstall)),
        // The share inventory applications keep, and FileCloud's crawler.
        r(Method::PUT, "/v1/shares/{id}", Machine, put(shares::put)),
        r(Method::DELETE, "/v1/shares/{id}", Machine, delete(shares::remove)),
        r(Method::GET, "/v1/shares", Admin, get(shares::list)),
        r(Method::GET, "/v1/share-crawler", Admin, get(shares::get_crawler)),
        r(Method::PUT, "/v1/share-crawler", Admin, put(shares::put_crawler)),
        r(Method::POST, "/v1/share-crawler/run", Admin, post(shares::run_crawler)),
        r(Method::GET, "/v1/share-crawler/runs", Admin, get(shares::list_runs)),
        r(Method::GET, "/v1/share-crawler/runs/{id}", Admin, get(shares::get_run)),
    ];
    table
}

/// Builds the router from the route table, with the middleware stack:
/// security headers, panic catcher and body limit outside; request
/// timeout and metrics, then authentication, on matched routes.
pub fn router(state: AppState) -> Router {
    let mut r: Router<AppState> = Router::new();
    for (spec, mr) in routes() {
        let mr = if spec.path == "/v1/inspect" || spec.path == "/v1/agent/shadows/{id}" {
            // Streamed and limited by the handler itself (413 above the limit).
            mr.layer(axum::extract::DefaultBodyLimit::disable())
        } else if spec.path == "/v1/plugins" {
            // A plug-in package: up to its own limit.
            mr.layer(axum::extract::DefaultBodyLimit::max(
                cordon_plugin::MAX_PACKAGE_BYTES,
            ))
        } else if spec.path == "/v1/shares/{id}" {
            mr.layer(axum::extract::DefaultBodyLimit::max(
                crate::api::shares::MAX_SHARE_BYTES,
            ))
        } else {
            mr
        };
        r = r.route(spec.path, mr);
    }
    use crate::middleware as m;
    r.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        crate::auth::require_access,
    ))
    .route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        m::observe,
    ))
    .fallback(m::not_found)
    .method_not_allowed_fallback(m::method_not_allowed)
    .layer(axum::extract::DefaultBodyLimit::max(
        state.settings.max_body_bytes,
    ))
    .layer(tower_http::catch_panic::CatchPanicLayer::custom(
        m::on_panic,
    ))
    .layer(axum::middleware::from_fn(m::security_headers))
    .with_state(state)
}
