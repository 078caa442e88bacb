//! The wire format: every response body is one of these types, with its
//! schema in `/openapi.json`. They are built from store rows but are not
//! store rows: a column added to the database reaches clients only when
//! it is added here.

use cordon_store::Millis;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// Who made a change.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    /// Cordon itself or its operator on the host (`cordon admin`, the
    /// server bootstrapping a policy, the incident pipeline).
    System,
    /// A caller authenticated by an API key.
    Key {
        /// The key's public id.
        id: String,
        /// The key's name when it acted.
        name: String,
    },
    /// A person signed in with their account.
    Account {
        /// The account's id.
        id: String,
        /// The account's user name when it acted.
        name: String,
    },
}

impl From<cordon_store::Actor> for Actor {
    fn from(a: cordon_store::Actor) -> Actor {
        match a {
            cordon_store::Actor::Key { id, name } => Actor::Key { id, name },
            cordon_store::Actor::Account { id, name } => Actor::Account { id, name },
            // `System`, and kinds this server does not know yet: shown
            // as Cordon's own rather than guessed at.
            _ => Actor::System,
        }
    }
}

/// A policy: its versions and which one is active.
#[derive(Debug, Serialize, ToSchema)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub latest_version: i64,
    /// `null` when no version is active.
    pub active_version: Option<i64>,
}

impl From<cordon_store::Policy> for Policy {
    fn from(p: cordon_store::Policy) -> Policy {
        Policy {
            id: p.id,
            name: p.name,
            created_at: p.created_at,
            updated_at: p.updated_at,
            latest_version: p.latest_version,
            active_version: p.active_version,
        }
    }
}

/// One stored version of a policy document.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyVersion {
    pub policy_id: String,
    pub version: i64,
    /// `yaml` or `json`.
    pub format: String,
    /// The document as submitted.
    pub body: String,
    pub comment: String,
    pub created_at: Millis,
    /// Who stored it.
    pub created_by: Actor,
}

impl From<cordon_store::PolicyVersion> for PolicyVersion {
    fn from(v: cordon_store::PolicyVersion) -> PolicyVersion {
        PolicyVersion {
            policy_id: v.policy_id,
            version: v.version,
            format: v.format,
            body: v.body,
            comment: v.comment,
            created_at: v.created_at,
            created_by: v.created_by.into(),
        }
    }
}

/// An activation step (audit and rollback).
#[derive(Debug, Serialize, ToSchema)]
pub struct Activation {
    pub policy_id: String,
    /// `null` when the policy was deactivated.
    pub version: Option<i64>,
    pub at: Millis,
    pub actor: Actor,
}

impl From<cordon_store::Activation> for Activation {
    fn from(a: cordon_store::Activation) -> Activation {
        Activation {
            policy_id: a.policy_id,
            version: a.version,
            at: a.at,
            actor: a.actor.into(),
        }
    }
}

/// Per rule: violations in a window.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleCount {
    pub rule_id: String,
    pub total: i64,
    pub enforced: i64,
    pub permissive: i64,
    /// Of these, marked false positives (a rule's fine-tuning hint).
    pub false_positives: i64,
}

impl From<cordon_store::RuleCount> for RuleCount {
    fn from(r: cordon_store::RuleCount) -> RuleCount {
        RuleCount {
            rule_id: r.rule_id,
            total: r.total,
            enforced: r.enforced,
            permissive: r.permissive,
            false_positives: r.false_positives,
        }
    }
}

/// A name and how often it occurred.
#[derive(Debug, Serialize, ToSchema)]
pub struct NameCount {
    pub name: String,
    pub count: i64,
}

impl From<cordon_store::NameCount> for NameCount {
    fn from(n: cordon_store::NameCount) -> NameCount {
        NameCount {
            name: n.name,
            count: n.count,
        }
    }
}

/// A time bucket and its count.
#[derive(Debug, Serialize, ToSchema)]
pub struct BucketCount {
    /// Bucket start, Unix ms.
    pub bucket: Millis,
    pub count: i64,
}

impl From<cordon_store::BucketCount> for BucketCount {
    fn from(b: cordon_store::BucketCount) -> BucketCount {
        BucketCount {
            bucket: b.bucket,
            count: b.count,
        }
    }
}

/// A flow an exception decision lets the user justify.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowKey {
    pub sender: String,
    pub recipient: String,
    pub category: String,
}

/// The justification an `exception` decision asks for.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ExceptionRequest {
    #[serde(default)]
    pub keys: Vec<FlowKey>,
    #[serde(default)]
    pub rules: Vec<String>,
}

/// What an incident records beyond its columns, typed. Unknown fields of
/// older records are ignored; missing ones take their defaults.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct IncidentDetails {
    /// The event as decided, with caller-sent free text masked and bounded.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub event: Value,
    /// The violation: rule, mode, whether it was enforced, its message.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub violation: Value,
    /// `blocked`, `logged`, `justification_required`, `allowed`.
    #[serde(default)]
    pub action_taken: String,
    /// The rule's actions (`log`, `alert`, `notify`, …).
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub actions: Vec<Value>,
    #[serde(default)]
    pub message: Option<String>,
    /// The decision trace of this rule.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub trace: Vec<Value>,
    /// For `exception` decisions: the flows a justification opens.
    #[serde(default)]
    pub exception: Option<ExceptionRequest>,
    /// Masked findings of inline content.
    #[serde(default)]
    pub findings: Vec<cordon_record::MaskedFinding>,
    /// What could not be inspected, and why.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub incomplete: Vec<cordon_record::IncompletePart>,
    /// The key that received the decision.
    #[serde(default)]
    pub caller_key: String,
    #[serde(default)]
    pub policy_generation: i64,
    /// What the endpoint did with the file (agent incidents).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoint: Vec<cordon_record::EndpointStep>,
}

/// An incident: one violation of one decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct Incident {
    pub id: i64,
    /// `new`, `in_progress`, `resolved`, `false_positive`.
    pub status: String,
    pub created_at: Millis,
    pub request_id: String,
    pub rule_id: String,
    pub rule_name: String,
    pub policy_id: String,
    pub policy_version: i64,
    /// `enforce` or `permissive`.
    pub mode: String,
    pub enforced: bool,
    /// `allow`, `deny` or `exception`.
    #[schema(value_type = String)]
    pub decision: cordon_policy::model::Verdict,
    pub action: String,
    pub username: String,
    /// The computer it came from (the agent key's computer), or `""`.
    pub computer: String,
    pub categories: Vec<String>,
    pub details: IncidentDetails,
}

impl Incident {
    pub fn details_of(i: &cordon_store::Incident) -> IncidentDetails {
        serde_json::from_str(i.incident.details.as_str()).unwrap_or_default()
    }
}

impl From<cordon_store::Incident> for Incident {
    fn from(i: cordon_store::Incident) -> Incident {
        let details = Incident::details_of(&i);
        let n = i.incident;
        Incident {
            id: i.id,
            status: i.status.as_str().to_owned(),
            created_at: n.created_at,
            request_id: n.request_id,
            rule_id: n.rule_id,
            rule_name: n.rule_name,
            policy_id: n.policy_id,
            policy_version: n.policy_version,
            mode: n.mode,
            enforced: n.enforced,
            decision: verdict_of(&n.decision),
            action: n.action,
            username: n.username,
            computer: n.computer,
            categories: n.categories,
            details,
        }
    }
}

/// A stored decision string; anything unknown reads as the restrictive
/// `deny`.
fn verdict_of(s: &str) -> cordon_policy::model::Verdict {
    use cordon_policy::model::Verdict;
    match s {
        "allow" => Verdict::Allow,
        "exception" => Verdict::Exception,
        _ => Verdict::Deny,
    }
}

/// One entry of an incident's History tab.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: Millis,
    pub actor: Actor,
    /// `created`, `action`, `status`, `justification`, …
    pub kind: String,
    #[schema(value_type = Object)]
    pub detail: Value,
}

impl From<cordon_store::HistoryEntry> for HistoryEntry {
    fn from(h: cordon_store::HistoryEntry) -> HistoryEntry {
        HistoryEntry {
            at: h.at,
            actor: h.actor.into(),
            kind: h.kind,
            detail: h.detail,
        }
    }
}

/// A stored business justification.
#[derive(Debug, Serialize, ToSchema)]
pub struct Justification {
    pub id: i64,
    pub created_at: Millis,
    /// When its exception window closes.
    pub expires_at: Millis,
    pub incident_id: Option<i64>,
    pub request_id: String,
    pub username: String,
    pub sender: String,
    pub recipient: String,
    pub category: String,
    pub justification: String,
    pub submitted_by: Actor,
}

impl From<cordon_store::Justification> for Justification {
    fn from(j: cordon_store::Justification) -> Justification {
        let n = j.justification;
        Justification {
            id: j.id,
            created_at: n.created_at,
            expires_at: n.expires_at,
            incident_id: n.incident_id,
            request_id: n.request_id,
            username: n.username,
            sender: n.sender,
            recipient: n.recipient,
            category: n.category,
            justification: n.justification,
            submitted_by: n.submitted_by.into(),
        }
    }
}

/// An agent group and the policy version its agents enforce.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentGroup {
    pub name: String,
    pub description: String,
    pub policy_id: String,
    pub policy_version: i64,
    pub updated_at: Millis,
    pub updated_by: Actor,
}

impl From<cordon_store::AgentGroup> for AgentGroup {
    fn from(g: cordon_store::AgentGroup) -> AgentGroup {
        AgentGroup {
            name: g.name,
            description: g.description,
            policy_id: g.policy_id,
            policy_version: g.policy_version,
            updated_at: g.updated_at,
            updated_by: g.updated_by.into(),
        }
    }
}

/// An API key, never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// `client` or `admin`.
    pub role: String,
    /// The account an `admin` key acts for; `null` for a service key.
    pub owner: Option<String>,
    pub created_at: Millis,
    pub created_by: Actor,
    pub revoked_at: Option<Millis>,
    pub revoked_by: Option<Actor>,
}

impl From<cordon_store::ApiKey> for ApiKey {
    fn from(k: cordon_store::ApiKey) -> ApiKey {
        ApiKey {
            id: k.id,
            name: k.name,
            role: k.role.as_str().to_owned(),
            owner: k.owner,
            created_at: k.created_at,
            created_by: k.created_by.into(),
            revoked_at: k.revoked_at,
            revoked_by: k.revoked_by.map(Actor::from),
        }
    }
}

/// Converts every row of a list.
pub fn all<T, W: From<T>>(rows: Vec<T>) -> Vec<W> {
    rows.into_iter().map(W::from).collect()
}
