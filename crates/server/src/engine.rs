//! What the server needs from the policy engine and the inspection engine,
//! as two small traits. `cordon-policy` and `cordon-inspect` implement
//! them (see [`crate::engines`]); the server never decides on its own.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use cordon_policy::model::{Decision, Event, FlowKey};
use serde::Serialize;

/// One diagnostic of the policy checker, as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Diag {
    /// `error` or `warning`.
    pub severity: String,
    pub message: String,
    /// 1-based line and column in the document, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The diagnostic rendered with the source line and a caret.
    pub rendered: String,
}

/// What a document says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DocInfo {
    pub id: Option<String>,
    pub name: Option<String>,
    /// Number of rules in the document.
    pub rules: usize,
    /// Warnings that do not keep the document from taking effect.
    pub warnings: Vec<Diag>,
}

/// A stored policy version handed to the compiler.
#[derive(Debug, Clone, Copy)]
pub struct PolicyDoc<'a> {
    pub id: &'a str,
    pub version: i64,
    /// `yaml` or `json`.
    pub format: &'a str,
    pub body: &'a str,
}

/// One test case of a document, run.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseOutcome {
    pub name: String,
    pub passed: bool,
    /// What differed, one line each.
    pub failures: Vec<String>,
}

/// A draft document tried without saving: its own test cases run, and
/// one event decided by it alone, with the explanation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Trial {
    pub tests: Vec<CaseOutcome>,
    #[schema(value_type = Option<Object>)]
    pub decision: Option<Decision>,
    /// The decision explained, as `cordon policy eval` prints it.
    pub explanation: Option<String>,
}

/// Checks and compiles policy documents.
pub trait PolicyCompiler: Send + Sync + 'static {
    /// Checks one document without saving it.
    fn check(&self, format: &str, body: &str) -> Result<DocInfo, Vec<Diag>>;
    /// Runs a document's own test cases and decides `event` (if given)
    /// with it alone; its diagnostics when it does not check.
    fn trial(
        &self,
        format: &str,
        body: &str,
        event: Option<&Event>,
        justification: Option<&str>,
    ) -> Result<Trial, Vec<Diag>>;
    /// Builds one engine from all active documents (possibly none).
    fn compile(&self, docs: &[PolicyDoc<'_>]) -> Result<Arc<dyn DecisionEngine>, Vec<Diag>>;
}

/// A stored justification, to open its exception window in an engine.
#[derive(Debug, Clone)]
pub struct OpenWindow {
    pub at: DateTime<Utc>,
    pub keys: Vec<FlowKey>,
    pub rules: Vec<String>,
    pub text: String,
    pub user: Option<String>,
}

/// A compiled policy set, ready to decide.
pub trait DecisionEngine: Send + Sync + 'static {
    /// Decides one event (time: the event's, else the engine's clock).
    /// Never panics; errors fail closed.
    fn decide(&self, event: &Event) -> Decision;
    /// Opens the exception window of a justification submitted at
    /// `w.at`; the policy defines how long it stays open. Idempotent: the
    /// server re-applies every open window after a rebuild and when it
    /// learns of another server's.
    fn open_exception(&self, w: &OpenWindow);
    /// How long a justification keeps a window open (the longest of the
    /// active policies).
    fn exception_window(&self) -> std::time::Duration;
    /// The observation baseline of active policy `policy_id`, when it is
    /// active in observation mode (what this server has observed since
    /// its engine was built).
    fn baseline(&self, policy_id: &str) -> Option<cordon_policy::PolicyDocument>;
}

/// Inspects content for `/v1/inspect` and inline content in `/v1/decide`.
pub trait ContentInspector: Send + Sync + 'static {
    /// The same report as one line of `cordon scan --format json`. Full
    /// values are never included (`value` is `None`).
    fn inspect(&self, name: &str, bytes: &[u8]) -> cordon_inspect::FileReport;
    /// The same for a stream (an HTTP body arriving), never held whole.
    fn inspect_reader(
        &self,
        name: &str,
        reader: &mut dyn std::io::Read,
    ) -> cordon_inspect::FileReport;
    /// `text` with every value the detectors find masked, or `None` when
    /// they find nothing (event fields stored with incidents).
    fn mask_text(&self, text: &str) -> Option<String>;
}
