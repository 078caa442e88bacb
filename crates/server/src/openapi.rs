//! The OpenAPI document served at `/openapi.json`. A test checks that its
//! paths are exactly the route table's.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::handlers as h;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cordon DLP server",
        description = "Decisions, inspection, versioned policies, incidents and dashboards. \
                       Authenticate with `Authorization: Bearer <key>` (or `X-Api-Key`). \
                       See docs/api.md."
    ),
    paths(
        h::healthz, h::readyz, h::metrics, h::openapi,
        h::decide, h::inspect,
        h::list_policies, h::create_policy, h::validate_policy, h::get_policy, h::update_policy,
        h::list_versions, h::get_version, h::activate_policy, h::rollback_policy, h::diff_policy,
        h::list_incidents, h::rule_counts, h::get_incident, h::set_status,
        h::submit_exception, h::list_exceptions,
        h::dashboard,
        h::list_groups, h::get_group, h::put_group, h::delete_group, h::agent_policy,
        h::list_keys, h::create_key, h::revoke_key,
    ),
    components(schemas(
        crate::error::ErrorBody, crate::engine::Diag, crate::engine::DocInfo,
        h::InlineContent, h::PolicyInput, h::ValidateInput, h::ValidateOutput, h::ActivateInput,
        h::StatusInput, h::ExceptionInput, h::GroupInput, h::KeyInput,
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
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
