//! The OpenAPI document served at `/openapi.json`. Tests check that its
//! paths are exactly the route table's, and that real answers of
//! `/v1/decide` and `/v1/inspect` validate against its schemas.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::api::{
    agent_link, agent_tasks, agents, audit, computers, dashboard, decide, detectors, exceptions,
    incidents, inspect, keys, ops, policies, roles, users, wire,
};
use crate::api::{alerts, auth, enrolment, me, plugins, shadows, shares, twofactor};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cordon DLP server",
        description = "Decisions, inspection, versioned policies, incidents and dashboards. \
                       Authenticate with `Authorization: Bearer <key>` (or `X-Api-Key`). \
                       See docs/api.md."
    ),
    paths(
        ops::healthz, ops::readyz, ops::metrics, ops::openapi,
        decide::decide, inspect::inspect,
        policies::list, policies::create, policies::validate, policies::try_draft, policies::get, policies::update,
        policies::list_versions, policies::get_version, policies::activate, policies::rollback,
        policies::diff, policies::baseline,
        incidents::list, incidents::rule_counts, incidents::get, incidents::set_status,
        shadows::upload, shadows::download,
        exceptions::submit, exceptions::list,
        dashboard::dashboard,
        agents::list_groups, agents::get_group, agents::put_group, agents::delete_group,
        agents::policy,
        enrolment::create, enrolment::list, enrolment::revoke,
        agent_link::enroll, agent_link::bundle, agent_link::heartbeat, agent_link::incidents,
        agent_tasks::tasks, agent_tasks::report, agent_tasks::package,
        keys::list, keys::create, keys::revoke,
        computers::list, computers::get, computers::put, computers::delete,
        computers::list_offices, computers::put_office, computers::delete_office,
        users::list, users::create, users::get, users::update, users::delete,
        users::reset_password, users::transfer_super_admin,
        roles::list, roles::create, roles::get, roles::update, roles::delete,
        audit::list,
        detectors::list, detectors::try_it,
        auth::login, auth::second_factor, auth::resend, auth::enroll, auth::logout,
        auth::logout_all, auth::reauth,
        me::me, me::sessions, me::revoke_session, me::browsers, me::forget_browser,
        me::change_password,
        twofactor::get_settings, twofactor::put_settings, twofactor::reset_two_factor,
        twofactor::unlock,
        alerts::list_sinks, alerts::put_sink, alerts::delete_sink, alerts::test_sink,
        alerts::list_responses, alerts::put_response, alerts::delete_response,
        alerts::list_deliveries, alerts::summary, alerts::retry,
        plugins::list, plugins::install, plugins::uninstall,
        shares::put, shares::remove, shares::list, shares::get_crawler, shares::put_crawler,
        shares::run_crawler, shares::list_runs, shares::get_run,
    ),
    components(schemas(
        crate::error::ErrorBody, crate::engine::Diag, crate::engine::DocInfo,
        crate::decision::Outcome, cordon_policy::model::Decision, cordon_inspect::FileReport,
        ops::Health, ops::Ready, ops::ActivePolicy,
        decide::InlineContent, decide::DecideBody, decide::DecideWithContent,
        cordon_policy::model::Event,
        policies::PolicyInput, policies::ValidateInput, policies::ValidateOutput,
        policies::ActivateInput, policies::PolicyList, policies::StoredVersion,
        policies::PolicyDetail, policies::PolicyAccess, policies::VersionList, policies::OneVersion, policies::OnePolicy,
        policies::PolicyDiff, policies::PolicyTryInput, policies::PolicyTryOutput, policies::Baseline,
        crate::engine::Trial, crate::engine::CaseOutcome,
        incidents::StatusInput, incidents::IncidentPage, incidents::IncidentDetail,
        shadows::ShadowView,
        incidents::RuleCounts,
        exceptions::ExceptionInput, exceptions::Justified, exceptions::JustificationList,
        dashboard::Dashboard, dashboard::Series, dashboard::AgentCounts,
        agents::GroupInput, agents::GroupList, agents::OneGroup, agents::AgentPolicy,
        agent_link::EnrollInput, agent_link::Enrolled, agent_link::Heartbeat, agent_link::HeartbeatAck,
        agent_link::Upload, agent_link::UploadAck, agent_tasks::TaskAck,
        enrolment::TokenInput, enrolment::TokenView, enrolment::TokenList, enrolment::NewToken,
        keys::KeyInput, keys::KeyList, keys::NewKey,
        wire::Actor, wire::Policy, wire::PolicyVersion, wire::Activation, wire::RuleCount, wire::NameCount,
        wire::BucketCount, cordon_record::MaskedFinding, wire::FlowKey, wire::ExceptionRequest,
        wire::IncidentDetails, wire::Incident, wire::HistoryEntry, wire::Justification,
        wire::AgentGroup, wire::ApiKey,
        computers::ManagedComputer, computers::AgentStatus, computers::ComputerList, computers::OneComputer,
        computers::ComputerInput, computers::Office, computers::OfficeList, computers::OneOffice,
        computers::OfficeInput,
        users::Account, users::AccountList, users::OneAccount, users::AccountInput,
        users::AccountPatch, users::PasswordReset, users::SuperAdminInput,
        roles::RoleDef, roles::RoleList, roles::OneRole, roles::RoleInput,
        audit::AuditEntry, audit::AuditPage,
        detectors::DetectorEntry, detectors::DetectorTable, detectors::DetectorTryInput,
        detectors::TriedFinding, detectors::DetectorTryOutput,
        auth::LoginInput, auth::SignedInAccount, auth::SessionInfo, auth::LoginAnswer,
        auth::SecondFactorInput, auth::ResendInput, auth::Resent, auth::Enrolment,
        auth::SignedOut, auth::ReauthInput, auth::Reauthenticated,
        me::MyAccount, me::MyRole, me::MyTwoFactor, me::MySession, me::Me, me::SessionRow,
        me::SessionList, me::BrowserRow, me::BrowserList, me::PasswordInput,
        crate::login::settings::LoginSettings, crate::login::settings::Lockout,
        crate::login::settings::TwoFactor, twofactor::SignInState,
        alerts::SinkStatus, alerts::StreamStatus, alerts::SinkList, alerts::SinkInput, alerts::TestOutcome,
        alerts::ResponseList, alerts::DeliveryView, alerts::DeliveryList, alerts::DeliveryCount,
        alerts::DeliverySummary, crate::alerts::config::ResponseRule,
        crate::alerts::config::Conditions, crate::alerts::config::ResponseAction,
        crate::alerts::config::Subscription, crate::alerts::config::SinkView,
        plugins::PluginView, plugins::PluginList,
        shares::ShareInput, shares::ShareView, shares::ShareList, crate::crawler::CrawlerSettings,
        shares::CrawlRunView, shares::CrawlRunList, crate::crawler::AppCallback, crate::crawler::CrawlerMode, crate::crawler::ShareFile,
    )),
    modifiers(&Security),
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "x_api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
        // A person's console session (`POST /v1/auth/login`); changes also
        // need the `X-CSRF-Token` header.
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::login::SESSION_COOKIE,
            ))),
        );
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
