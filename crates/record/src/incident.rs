//! The incident record: what a violation leaves behind.
//!
//! [`Incident`] is the owned record, as read back from a log or sent to a
//! sink. [`IncidentBuilder`] makes [`IncidentView`]s, the same record
//! borrowing the event and decision, so the request path serializes it
//! straight to JSON without copying the event per violation. Both have the
//! same JSON shape (tested), which is also the shape the server's journal
//! has always written: old logs read as records.

use cordon_detect::model::{Category, Confidence};
use cordon_policy::model::{
    Action, Decision, Event, ExceptionRequest, Mode, RuleAction, TraceEntry, Verdict, Violation,
};
use serde::{Deserialize, Serialize};

/// One incident: one violation of one decision, enforced or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Incident {
    /// When the decision was made, Unix milliseconds.
    pub created_at: i64,
    /// The request that caused it.
    pub request_id: String,
    pub rule_id: String,
    pub rule_name: String,
    /// The policy the rule came from; empty when several policies were
    /// active together.
    pub policy_id: String,
    pub policy_version: i64,
    /// `enforce` or `permissive`.
    #[cfg_attr(feature = "schema", schema(value_type = String))]
    pub mode: Mode,
    pub enforced: bool,
    /// The decision as a whole: `allow`, `deny` or `exception`.
    #[cfg_attr(feature = "schema", schema(value_type = String))]
    pub decision: Verdict,
    /// The event's action: `download`, `share`, …
    #[cfg_attr(feature = "schema", schema(value_type = String))]
    pub action: Action,
    pub username: String,
    /// The event's categories (`PII`, `PCI`, …).
    #[cfg_attr(feature = "schema", schema(value_type = Vec<String>))]
    pub categories: Vec<Category>,
    pub details: Details,
}

/// What an incident keeps besides its columns: masked values only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Details {
    /// The event (it carries classification counts, never content).
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub event: Event,
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub violation: Violation,
    pub action_taken: ActionTaken,
    /// The actions the rule asked for.
    #[cfg_attr(feature = "schema", schema(value_type = Vec<Object>))]
    pub actions: Vec<RuleAction>,
    pub message: Option<String>,
    /// Why the rule matched.
    #[cfg_attr(feature = "schema", schema(value_type = Vec<Object>))]
    pub trace: Vec<TraceEntry>,
    /// For an `exception` decision: the keys a justification opens.
    #[cfg_attr(feature = "schema", schema(value_type = Option<Object>))]
    pub exception: Option<ExceptionRequest>,
    /// Findings in inspected content, masked.
    pub findings: Vec<MaskedFinding>,
    /// The policy generation that decided.
    pub policy_generation: i64,
    /// Parts of the content that could not be read, and why: the decision
    /// was made knowing they were not inspected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "schema", schema(value_type = Vec<Object>))]
    pub incomplete: Vec<IncompletePart>,
    /// The key (or agent) that received the decision: only it, or someone
    /// allowed to act for the user, may justify its exception.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub caller_key: String,
    /// What the endpoint did with the file afterwards, in order ("File is
    /// encrypted", "File is blocked: …"): the incident's history as the
    /// agent saw it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoint: Vec<EndpointStep>,
}

/// One step an endpoint took about an incident's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct EndpointStep {
    /// Unix milliseconds.
    pub at: i64,
    /// `encrypted`, `blocked`, `released`, `encrypted_first`,
    /// `released_after_inspection`, `shadowed`, `quota`, `justified`,
    /// `failed`, `withdrawn`.
    pub kind: String,
    /// For people: "File is encrypted".
    pub text: String,
    /// A `shadowed` step that kept the content: the sealed copy the agent
    /// uploads to the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow: Option<ShadowRef>,
}

/// A shadow copy (seed 004 `audit.shadow` = content): the file as written,
/// sealed for the organisation's recovery keys (`age`), kept by the server
/// under the computer that sent it. The server never holds its plaintext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ShadowRef {
    /// 32 lower-case hex digits, unique per computer.
    pub id: String,
    /// Size of the sealed copy.
    pub bytes: u64,
    /// SHA-256 of the sealed copy, lower-case hex.
    pub sha256: String,
}

impl ShadowRef {
    /// Whether `id` has the form of a shadow copy's id (and so is safe as a
    /// file name).
    pub fn valid_id(id: &str) -> bool {
        id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }
}

/// What was done about a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionTaken {
    /// Permissive: recorded only.
    Logged,
    Blocked,
    /// An `exception` decision: blocked until justified.
    JustificationRequired,
    /// Enforced, but the decision as a whole allowed it.
    Allowed,
}

impl ActionTaken {
    /// What a decision did about one of its violations.
    pub fn of(decision: Verdict, violation: &Violation) -> ActionTaken {
        if !violation.enforced {
            return ActionTaken::Logged;
        }
        match decision {
            Verdict::Deny => ActionTaken::Blocked,
            Verdict::Exception => ActionTaken::JustificationRequired,
            Verdict::Allow => ActionTaken::Allowed,
        }
    }
}

/// A finding in inspected content, with its value masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct MaskedFinding {
    pub detector: String,
    #[cfg_attr(feature = "schema", schema(value_type = String))]
    pub category: Category,
    #[cfg_attr(feature = "schema", schema(value_type = String))]
    pub confidence: Confidence,
    /// Where in the content (`a.zip!/b.docx!/word/document.xml`).
    pub location: String,
    /// The value with most characters masked; never the value itself.
    pub masked: String,
}

/// A part of the content that could not be read: the event's own type
/// (`file.incomplete`), so the record says exactly what the policy saw.
pub use cordon_policy::model::IncompletePart;

/// An incident borrowing the event and decision it comes from: what
/// [`IncidentBuilder::build`] makes. Serializes exactly as [`Incident`].
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView<'a> {
    pub created_at: i64,
    pub request_id: &'a str,
    pub rule_id: &'a str,
    pub rule_name: &'a str,
    pub policy_id: &'a str,
    pub policy_version: i64,
    pub mode: Mode,
    pub enforced: bool,
    pub decision: Verdict,
    pub action: Action,
    pub username: &'a str,
    pub categories: Vec<Category>,
    pub details: DetailsView<'a>,
}

/// [`Details`], borrowed.
#[derive(Debug, Clone, Serialize)]
pub struct DetailsView<'a> {
    pub event: &'a Event,
    pub violation: &'a Violation,
    pub action_taken: ActionTaken,
    pub actions: Vec<&'a RuleAction>,
    pub message: Option<&'a str>,
    pub trace: Vec<&'a TraceEntry>,
    pub exception: Option<&'a ExceptionRequest>,
    pub findings: &'a [MaskedFinding],
    pub policy_generation: i64,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub incomplete: &'a [IncompletePart],
    #[serde(skip_serializing_if = "str::is_empty")]
    pub caller_key: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub endpoint: &'a [EndpointStep],
}

/// Builds the incidents of one decision: one per violation.
#[derive(Debug, Clone)]
pub struct IncidentBuilder<'a> {
    event: &'a Event,
    decision: &'a Decision,
    request_id: &'a str,
    at: i64,
    findings: &'a [MaskedFinding],
    incomplete: &'a [IncompletePart],
    policy: (&'a str, i64),
    generation: i64,
    caller_key: &'a str,
    endpoint: &'a [EndpointStep],
}

impl<'a> IncidentBuilder<'a> {
    /// The incidents `decision` on `event` leaves, for request
    /// `request_id` at `at_millis` (Unix milliseconds).
    pub fn new(
        event: &'a Event,
        decision: &'a Decision,
        request_id: &'a str,
        at_millis: i64,
    ) -> IncidentBuilder<'a> {
        IncidentBuilder {
            event,
            decision,
            request_id,
            at: at_millis,
            findings: &[],
            incomplete: &[],
            policy: ("", 0),
            generation: 0,
            caller_key: "",
            endpoint: &[],
        }
    }

    /// The key (or agent) the decision was given to.
    pub fn caller(mut self, key: &'a str) -> Self {
        self.caller_key = key;
        self
    }

    /// What the endpoint did with the file.
    pub fn endpoint(mut self, steps: &'a [EndpointStep]) -> Self {
        self.endpoint = steps;
        self
    }

    /// The masked findings of inspected content.
    pub fn findings(mut self, findings: &'a [MaskedFinding]) -> Self {
        self.findings = findings;
        self
    }

    /// What could not be read of the content.
    pub fn incomplete(mut self, parts: &'a [IncompletePart]) -> Self {
        self.incomplete = parts;
        self
    }

    /// The active policy versions and their generation: one version names
    /// the incident's policy; several leave it empty (version 0).
    pub fn policies(mut self, versions: &'a [(String, i64)], generation: i64) -> Self {
        self.policy = match versions {
            [(id, v)] => (id.as_str(), *v),
            _ => ("", 0),
        };
        self.generation = generation;
        self
    }

    /// One incident per violation, in the decision's order.
    pub fn build(&self) -> Vec<IncidentView<'a>> {
        let event = self.event;
        let d = self.decision;
        let categories: Vec<Category> = event
            .classification()
            .map(|c| c.categories.iter().copied().collect())
            .unwrap_or_default();
        let username = event
            .user
            .as_ref()
            .and_then(|u| u.username.as_deref().or(u.email.as_deref()))
            .unwrap_or("");
        d.violations
            .iter()
            .map(|v| IncidentView {
                created_at: self.at,
                request_id: self.request_id,
                rule_id: &v.rule,
                rule_name: v.name.as_deref().unwrap_or(&v.rule),
                policy_id: self.policy.0,
                policy_version: self.policy.1,
                mode: v.mode,
                enforced: v.enforced,
                decision: d.decision,
                action: event.action,
                username,
                categories: categories.clone(),
                details: DetailsView {
                    event,
                    violation: v,
                    action_taken: ActionTaken::of(d.decision, v),
                    actions: d.actions.iter().filter(|a| a.rule == v.rule).collect(),
                    message: d.message.as_deref(),
                    trace: d.trace.iter().filter(|t| t.rule == v.rule).collect(),
                    exception: d.exception.as_ref(),
                    findings: self.findings,
                    policy_generation: self.generation,
                    incomplete: self.incomplete,
                    caller_key: self.caller_key,
                    endpoint: self.endpoint,
                },
            })
            .collect()
    }
}
