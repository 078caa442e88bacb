//! The extension point through which other crates feed rules into the one
//! engine.
//!
//! The engine owns two built-in rule kinds (expression rules and data-flow
//! rules). Any other kind — device-control policies from `cordon-devctl` —
//! plugs in as a [`RuleSource`]: the engine asks each source for a
//! [`SourceOutcome`] and combines all outcomes under one rule, the same for
//! every kind (see `docs/policy.md`, "How the rule kinds combine"):
//!
//! 1. each source that has a say gives a [`Verdict`]; the decision is the
//!    most restrictive of them (`deny` > `exception` > `allow`); a source
//!    with no say (`verdict: None`) does not vote; with no votes at all the
//!    policy set's default applies;
//! 2. `determined_by` lists the rules of every source whose verdict equals
//!    the decision; the user-facing message is the first such source's;
//! 3. violations, actions and trace entries of all sources are kept, all
//!    actions are performed;
//! 4. an error inside a source fails closed: the source returns
//!    `verdict: Some(Deny)` and the error in `errors`.
//!
//! A source must be a pure function of the event and the context: no IO, no
//! clocks of its own (use [`EvalContext::now`]), no panics.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::model::{
    Action, DeviceDecision, Event, RuleAction, RuleKind, RuleRef, TraceEntry, Verdict, Violation,
};

/// What a source may read besides the event.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext {
    /// The time of the event: its `time`, else the engine's clock.
    pub now: DateTime<Utc>,
}

/// One source's say about one event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceOutcome {
    /// `None`: no rule of this source applies to the event.
    pub verdict: Option<Verdict>,
    /// The source's rules that gave `verdict`.
    pub determined_by: Vec<RuleRef>,
    pub violations: Vec<Violation>,
    pub actions: Vec<RuleAction>,
    /// Message for the user when this source blocks.
    pub message: Option<String>,
    pub trace: Vec<TraceEntry>,
    /// Device-control details (device-access events).
    pub device: Option<DeviceDecision>,
    /// Errors met while evaluating; a source with errors should deny.
    pub errors: Vec<String>,
}

/// A set of rules of one kind, compiled and ready to decide.
pub trait RuleSource: Send + Sync + fmt::Debug {
    /// The kind of the rules (names them in decisions).
    fn kind(&self) -> RuleKind;

    /// Whether any rule of this source can apply to events of `action`.
    /// The engine skips sources that say no (the first level of the index).
    fn applies_to(&self, action: Action) -> bool;

    /// Decide the event. Must not panic; errors fail closed (see module
    /// docs).
    fn evaluate(&self, event: &Event, ctx: &EvalContext) -> SourceOutcome;

    /// Number of rules, for reports.
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Loads a rule source from a section of a policy document that
/// `cordon-policy` does not itself understand, e.g. `deviceControl` (seed
/// 004 JSON). Registered with [`crate::document::Loader::with_extension`].
pub trait SourceLoader: Send + Sync {
    /// The document key this loader reads, e.g. `deviceControl`.
    fn key(&self) -> &str;

    /// Builds the source from the section's JSON value. Errors are
    /// reported as diagnostics `(json pointer, message)` and keep the whole
    /// document from taking effect.
    fn load(&self, value: &serde_json::Value)
    -> Result<Box<dyn RuleSource>, Vec<(String, String)>>;

    /// Whether a whole document is in this loader's own format (e.g. a
    /// seed-004 device-control JSON with `configuration`/`policies`), so
    /// that `cordon policy check` accepts it by content whatever its file
    /// name. Such a document is loaded with [`SourceLoader::load`] as the
    /// only source of a policy set.
    fn claims_document(&self, _doc: &serde_json::Value) -> bool {
        false
    }
}
